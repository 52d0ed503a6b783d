// A replica's files outside the zone state's tables, and what it does when part of
// its state cannot be trusted (issue 17): opening the acceptor log, setting aside
// what is lost or damaged, and deciding to rebuild from the others (rejoin). Plain
// code over storage::file_system, run by the paxos actor on the machine's disk and
// by the simulator on a disk that loses writes and files, so the rules a power cut
// or a wiped directory meet are the same in both.
//
// A replica never votes on, nor serves, state it knows to be damaged or incomplete:
//   - the acceptor log lost records, segments or all of itself (acceptor_log's
//     checks and its marker), or the zone state holds applied slots while the
//     acceptor log started empty (both were lost): the acceptor log is set aside;
//   - the zone state is damaged or lost slots the acceptor already forgot: the
//     shell sets the whole state directory aside (set_aside with that loss).
// Set aside = renamed to <dir>.lost-<unix seconds>, kept for inspection; the rejoin
// marker is written first, so a crash at any step still rejoins. A zone of fewer
// than 3 state nodes has no others to rebuild from: the replica refuses to start
// and says what its operator can do, unless told to accept the loss.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/paxos/acceptor_log.hpp"
#include "storage/file_system.hpp"

namespace bucky {

struct replica_files {
  std::string state_dir;        // the zone state; the acceptor log is in <state_dir>/acceptor
  std::string acceptor_marker;  // log_marker.hpp, outside state_dir
  std::string rejoin_marker;    // present: rebuild from the others before voting
  std::string corrupt_marker;   // present: a value of the zone state failed its check
  std::uint32_t replicas = 0;   // state nodes in the zone
  bool accept_state_loss = false;  // --accept-state-loss: go on from what is left
  std::string acceptor_dir() const { return state_dir + "/acceptor"; }
};

enum class state_loss : std::uint8_t { acceptor_log, applied_slots, corrupt_value };

// One line for the shell's log.
struct replica_notice {
  bool warning = false;
  std::string text;
};

// Sets `dir` aside after `why` (see the top). Returns the line to log, or why the
// replica must not start (fewer than 3 state nodes and the loss not accepted, or
// the disk refused).
[[nodiscard]] result<replica_notice> set_aside(storage::file_system& fs, const replica_files& files,
                                               const std::string& dir, const status& why, state_loss loss,
                                               std::int64_t now_unix_s);

struct opened_acceptor {
  std::unique_ptr<acceptor_log> log;
  acceptor_core acceptor;
  std::vector<replica_notice> notices;
};

// Opens the acceptor log (log_options.dir is files.acceptor_dir()); lost or
// damaged, it is set aside and started again empty, for rejoin. `env`: the zone
// state's environment, for the tables of an earlier version (none in the
// simulator). `applied_below`: slots the zone state here holds.
[[nodiscard]] result<opened_acceptor> open_acceptor(storage::file_system& fs, const replica_files& files,
                                                    const storage::append_log_options& log_options,
                                                    storage::lmdb_env* env, std::uint64_t applied_below,
                                                    std::int64_t now_unix_s);

// Whether the replica starts rejoining (the rejoin marker is there and the zone has
// others to rebuild from). A zone of fewer than 3 cannot: the marker is removed.
[[nodiscard]] result<bool> rejoin_requested(storage::file_system& fs, const replica_files& files,
                                            std::vector<replica_notice>& notices);

// The rebuilt acceptor state is durable: the rejoin marker goes.
[[nodiscard]] status end_rejoin(storage::file_system& fs, const replica_files& files);

}  // namespace bucky
