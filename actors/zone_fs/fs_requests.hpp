// What a node's zonefs actor does for `bucky fs` (messages/fs.hpp): every op checked
// against the caller's role (fs_access.hpp), then carried out on the node's files
// (node_files.hpp) like the mount does. Plain code: the actor hands it requests,
// tests hand it memory ports.
//
// A put writes into a hidden temporary file next to its target (".bucky-put-<hex>"),
// through a write handle kept here for its caller; close commits the file (its
// chunks synced on R nodes, its chunk list chosen) and only then renames it over the
// target, so nothing half-written is ever visible under the target's name, and an
// abandoned put leaves the target as it was. Handles are bounded (handles_max) and
// belong to the caller that opened them; one idle past handle_idle_ms_max is
// dropped with its temporary file (drop_idle, called by the actor's timer).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/zone_fs/fs_access.hpp"
#include "actors/zone_fs/node_files.hpp"
#include "messages/caller.hpp"
#include "messages/fs.hpp"

namespace bucky::zone_fs {

struct fs_requests_options {
  std::string node_id;
  std::uint32_t handles_max = 64;              // write handles open on this node at once
  std::uint64_t handle_idle_ms_max = 60'000;   // a handle unused this long is dropped
  std::uint64_t remove_entries_max = fs_message_limits::remove_entries_max;
  // One request's share of an rm -r, below the transport's 35 s for an answer: past
  // it the reply says `more` and the CLI asks again.
  std::uint64_t remove_time_ms_max = 20'000;
  std::uint64_t df_keys_max = 500'000;         // /fs/ keys one df reads (then: a lower bound)
  std::uint64_t df_bytes_max = 64ull << 20;    // and their bytes
  std::function<std::uint64_t()> random_u64;   // handle ids, temporary names
  std::function<std::int64_t()> steady_ms;     // idle handles
  // df: every storage node's chunk store (the actor asks them; tests make them up).
  std::function<std::vector<fs_node_usage>()> chunk_figures;
};

class fs_requests {
 public:
  // Handles still open when this goes (the node stops) leave their temporary
  // files behind, empty, as a crash would: the zone state may be gone by then.
  fs_requests(node_files& files, kv_port& zone_state, fs_requests_options options);

  fs_reply serve(const caller& who, const fs_request& request);
  // Drops write handles idle past handle_idle_ms_max; a line per handle for the log.
  std::vector<std::string> drop_idle();
  std::size_t open_handles() const { return handles_.size(); }

 private:
  struct write_handle {
    caller owner;
    std::string path;        // the target, normalized
    inode_number dir = 0;    // the target's directory
    std::string temp_name;   // the temporary file in it
    inode_number ino = 0;    // the temporary file
    std::shared_ptr<open_file> file;
    std::int64_t used_ms = 0;
    std::uint64_t bytes_written = 0;
  };

  fs_reply serve_op(const caller& who, const fs_request& request);
  fs_reply stat(const caller& who, const fs_request& request);
  fs_reply list(const caller& who, const fs_request& request);
  fs_reply mkdir(const caller& who, const fs_request& request);
  fs_reply mkdir_parents(const caller& who, const std::string& path);
  fs_reply remove(const caller& who, const fs_request& request);
  fs_reply remove_tree(const std::string& path, const fs_inode& top);
  fs_reply rename(const caller& who, const fs_request& request);
  fs_reply read(const caller& who, const fs_request& request);
  fs_reply open_write(const caller& who, const fs_request& request);
  fs_reply write(const caller& who, const fs_request& request);
  fs_reply close(const caller& who, const fs_request& request);
  fs_reply df(const caller& who);
  fs_result<fs_zone_usage> scan_zone();

  // The handle `id` if `who` opened it (EBADF otherwise).
  fs_result<write_handle*> owned_handle(const caller& who, std::uint64_t id);
  // Closes the temporary file without renaming it and removes it.
  void abandon(write_handle& handle);
  // The normalized path and the caller's right to it, or the reply that refuses.
  fs_result<std::string> checked_path(const caller& who, fs_access access, const std::string& path);

  node_files& files_;
  kv_port& zone_state_;
  fs_requests_options options_;
  std::map<std::uint64_t, write_handle> handles_;
};

// fs_inode as the wire carries it (name: the last name of its path).
fs_entry entry_of(const std::string& name, const fs_inode& inode);

}  // namespace bucky::zone_fs
