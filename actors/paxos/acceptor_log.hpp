// Where an acceptor's promises and accepted values live (DESIGN §5): an
// append_log in <state_dir>/acceptor/, beside the zone state's LMDB environment.
// One record per flush holds that flush's acceptor steps in order, and its sync is
// what the replica waits for before anything leaves. Every segment begins with a
// step restating the promised ballot and the compaction point, so the oldest
// segments are deleted once every entry they hold lies below the compaction point
// (chosen, applied, and durable in the state machine: the shell makes sure).
//
// Replaying a record that does not decode, a promise or compaction point that
// goes down, or an entry accepted above the promised ballot is corruption: the
// replica refuses to load and so never votes on damaged state.
//
// A marker kept apart from the log (log_marker.hpp) records which segments it holds:
// a log that lost segments, or was deleted whole, refuses to load too (corruption),
// so a replica never votes having forgotten what it promised. What to do then is
// the shell's choice (rebuild from the others: rejoin).
//
// Before this log, acceptor state lived in two LMDB tables (acceptor_store.hpp);
// a log never written is started from them once, then they are cleared.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "actors/paxos/acceptor_core.hpp"
#include "actors/paxos/log_marker.hpp"
#include "storage/append_log.hpp"
#include "storage/lmdb.hpp"

namespace bucky {

class acceptor_log {
 public:
  // Records are cut at about this size (a single larger step gets a record alone).
  static constexpr std::size_t record_bytes_target = 1024 * 1024;
  static constexpr std::size_t record_steps_max = 4'096;

  // Opens the log and replays it into `replayed`. A log never written starts from
  // the acceptor tables in `env` (empty for a new replica; none in the simulator);
  // the tables are cleared once the log holds their state durably (a crash in
  // between copies again). `marker_path` names the marker, on the log's file
  // system but outside its directory (and outside the LMDB environment's, so that
  // wiping that is noticed too).
  static result<std::unique_ptr<acceptor_log>> open(const storage::append_log_options& options,
                                                    const std::string& marker_path, storage::lmdb_env* env,
                                                    acceptor_core& replayed);
  // The state came from the LMDB tables of an earlier version at this open.
  bool moved_from_tables() const { return moved_from_tables_; }
  // The log was empty at this open and started empty (no earlier tables either).
  bool started_empty() const { return started_empty_; }
  // The log had no marker at this open (written by an earlier version): one was made.
  bool marker_made_for_existing_log() const { return marker_made_for_existing_log_; }
  // Makes one flush's outputs durable (synced) in order. A flush without acceptor
  // writes writes nothing.
  status persist_all(const std::vector<acceptor_output>& outputs);

  std::size_t segments() const { return log_->segments().size(); }
  status check_segment_room() const { return log_->check_segment_room(); }
  std::uint64_t torn_bytes_zeroed() const { return log_->torn_bytes_zeroed(); }

  // One step as stored (public for the codec).
  struct step {
    static constexpr const char* type_name = "acceptor log step";
    std::uint8_t has = 0;  // bits: 1 promised, 2 accepted, 4 compacted_below
    ballot promised;
    accepted_entry accepted;
    slot_id compacted_below = 0;
    MSGPACK_DEFINE(has, promised, accepted, compacted_below);
  };

 private:
  acceptor_log(std::unique_ptr<storage::append_log> log, log_marker marker)
      : log_(std::move(log)), marker_(std::move(marker)) {}
  static result<std::unique_ptr<acceptor_log>> replay_all(const storage::append_log_options& options,
                                                          log_marker marker, acceptor_core& replayed);
  status check_marker(const std::optional<segment_range>& recorded);
  status write_marker(std::uint64_t oldest);
  status head_newest_segment();
  status start(const acceptor_core& acceptor);
  // Applies one replayed step; `where` names its segment file in errors.
  status replay(std::uint64_t segment, const std::string& where, const step& s,
                std::map<slot_id, accepted_entry>& entries);
  status write_steps(std::vector<step> steps);
  status write_record(std::vector<step> steps);
  void track(std::uint64_t segment, const step& s);
  status remove_obsolete_segments();

  std::unique_ptr<storage::append_log> log_;
  log_marker marker_;
  ballot promised_;             // as durable: restated at the head of each segment
  slot_id compacted_below_ = 0;
  std::map<std::uint64_t, slot_id> segment_slots_end_;  // per segment: 1 + highest slot of its entries
  bool moved_from_tables_ = false;
  bool marker_made_for_existing_log_ = false;
  bool started_empty_ = false;
};

}  // namespace bucky
