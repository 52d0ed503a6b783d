// A simulated disk for the simulator: a file system in memory that behaves like a
// real one under a pulled plug, so the production code that writes the acceptor
// log (storage/append_log, actors/paxos/acceptor_log) is tested against what a
// crash really leaves (as FoundationDB's simulated files and LevelDB's
// FaultInjectionTestEnv do):
//   - a write is durable only after its file's sync(); at a crash each unsynced
//     write is kept, lost, or torn (a prefix of it kept), independently;
//   - a directory's changes (created, renamed, removed names) are durable only
//     after sync_dir(); at a crash an unsynced directory keeps either all its
//     changes or none (a journal commits them together);
//   - a sync may fail (EIO); as on Linux, what it did not write is then lost from
//     the disk while reads still see it (the page cache), until the next crash;
//   - a file or directory may vanish whole (a wiped disk, a deleted log);
//   - the disk holds set_capacity_bytes() (unlimited unless set): a write that
//     would go beyond it fails with no_space and writes nothing.
// A rename across directories is two changes, one in each directory, each durable
// after its own sync_dir (at a crash the name may be in both, or in neither).
// Every choice comes from the generator given at construction: the same seed
// replays the same faults. One thread only.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "storage/file_system.hpp"

namespace bucky::sim {

struct sim_disk_figures {
  std::uint64_t crashes = 0;
  std::uint64_t writes_lost = 0;   // unsynced writes dropped by a crash or a failed sync
  std::uint64_t writes_torn = 0;   // unsynced writes of which a crash kept a prefix
  std::uint64_t syncs_failed = 0;
  std::uint64_t dir_changes_lost = 0;  // directories whose unsynced changes a crash undid
};

class sim_disk final : public storage::file_system {
 public:
  explicit sim_disk(std::mt19937_64& random) : random_(random) { nodes_[root_id].directory = true; }

  result<std::unique_ptr<storage::file>> open(const std::string& path, open_mode mode,
                                              mode_t permissions = 0600) override;
  status create_dirs(const std::string& dir) override;
  result<std::vector<std::string>> list(const std::string& dir) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
  result<bool> exists(const std::string& path) override;
  // The capacity less the live bytes of every file reachable by a name.
  result<std::uint64_t> free_bytes(const std::string& dir) override;

  // The power goes: what was not durable is decided now (see above). Files opened
  // before must not be used again (checked).
  void crash();
  // `path` (a file, or a directory with everything under it) is gone, durably.
  void lose(const std::string& path);
  // Of every 10,000 syncs this many fail.
  void set_failed_syncs_per_10k(std::uint32_t failed) { failed_syncs_per_10k_ = failed; }
  // A sync of a log segment (*.log) returns before the write just made is
  // durable (it becomes durable at the next one): the old shell, which answered
  // before its acceptor log's sync, left the same window. Put back to prove the
  // simulator notices.
  void set_lying_syncs(bool lying) { lying_syncs_ = lying; }
  static constexpr std::uint64_t capacity_bytes_unlimited = std::uint64_t{1} << 60;
  void set_capacity_bytes(std::uint64_t capacity) { capacity_bytes_ = capacity; }
  const sim_disk_figures& figures() const { return figures_; }

 private:
  friend class sim_file;
  using node_id = std::uint64_t;
  static constexpr node_id root_id = 0;
  struct unsynced_write {
    std::uint64_t offset = 0;
    std::string bytes;
    std::uint64_t zeros = 0;  // instead of bytes: this many zero bytes (segments are zero-filled)
    std::uint64_t size() const { return bytes.empty() ? zeros : bytes.size(); }
  };
  struct node {
    bool directory = false;
    std::string durable, live;             // a file's bytes: on the platter, as reads see them
    std::vector<unsynced_write> unsynced;  // in order, since the last sync
    std::map<std::string, node_id> entries_durable, entries_live;  // a directory's names
  };

  static std::vector<std::string> components(const std::string& path);
  // The node at `path` (live names), or not_found.
  result<node_id> resolve(const std::string& path) const;
  // The directory holding `path` and the last name in it.
  result<std::pair<node_id, std::string>> parent_of(const std::string& path) const;
  status write(node_id id, const std::string& path, std::uint64_t offset, std::string_view bytes);
  status extend(node_id id, const std::string& path, std::uint64_t size_bytes);  // zeros up to size_bytes
  // no_space when file `id` cannot grow to `end_bytes` within the capacity.
  status room_for(node_id id, const std::string& path, std::uint64_t end_bytes) const;
  std::uint64_t used_bytes() const;  // live bytes of the files reachable by a live name
  status sync(node_id id, const std::string& path);
  static void put(std::string& into, std::uint64_t offset, std::string_view bytes);
  // Puts the first `size` bytes of `write` (all of it by default).
  static void put(std::string& into, const unsynced_write& write, std::uint64_t size = UINT64_MAX);
  bool dice(std::uint32_t per_10k) { return random_() % 10'000 < per_10k; }

  std::mt19937_64& random_;
  std::map<node_id, node> nodes_;
  node_id next_id_ = 1;
  std::uint64_t epoch_ = 0;  // rises at each crash: files opened before are dead
  std::uint32_t failed_syncs_per_10k_ = 0;
  bool lying_syncs_ = false;
  std::uint64_t capacity_bytes_ = capacity_bytes_unlimited;
  sim_disk_figures figures_;
};

}  // namespace bucky::sim
