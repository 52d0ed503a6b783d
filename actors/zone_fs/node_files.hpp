// The zone file system as one node serves it to its mount and to `bucky fs`: the
// metadata txns, the node's open files (one open_file per inode, shared by every
// handle the node has on it), and the node's chunk cache. Plain code over the two
// ports; thread-safe (FUSE calls it from several threads).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <mutex>
#include <optional>

#include "actors/zone_fs/chunk_cache.hpp"
#include "actors/zone_fs/chunk_port.hpp"
#include "actors/zone_fs/metadata.hpp"
#include "actors/zone_fs/open_file.hpp"

namespace bucky::zone_fs {

struct node_files_options {
  std::uint64_t cache_bytes = 256ull << 20;
  std::uint32_t open_files_max = 4'096;  // distinct inodes open on this node at once (ENFILE past it)
  open_file_limits file_limits;
  std::function<std::uint64_t()> random_u64;  // inode numbers
  std::function<std::int64_t()> now_ns;       // the wall clock: file times
};

class node_files {
 public:
  node_files(kv_port& zone_state, chunk_port& chunks, node_files_options options);

  metadata& meta() { return meta_; }
  std::int64_t now_ns() const { return options_.now_ns(); }

  // The node's open file for `ino` (a file), read afresh when no handle here has
  // unflushed changes (close-to-open). Every open is paired with a close.
  fs_result<std::shared_ptr<open_file>> open(inode_number ino);
  // Flushes (what close does: the writer learns of a failed store here) and lets
  // the open file go with its last handle.
  fs_status close(inode_number ino, const std::shared_ptr<open_file>& file);
  // Attributes as this node sees them: an open file's unflushed size and mtime.
  fs_result<fs_inode> getattr(inode_number ino);
  // The name's inode, with attributes as getattr gives them.
  fs_result<fs_inode> lookup(inode_number dir, const std::string& name);
  // setattr with a size: truncates (through the open file if one is open) and
  // makes it durable at once.
  fs_result<fs_inode> truncate(inode_number ino, std::uint64_t size_bytes);
  std::uint64_t open_files() const;
  // Flushes every open file that has held uncommitted changes for age_ns or more
  // (write-back, as NFS clients do, so a writer that keeps a file open for days
  // without fsync never has its stored chunks collected as unreferenced). Other
  // nodes see such a file's contents before its close. One line per file written
  // back, for the log.
  std::vector<std::string> write_back(std::int64_t age_ns);
  result<zone_room> room() { return chunks_.room(); }
  std::uint64_t cache_bytes() const { return cache_.bytes(); }
  chunk_cache& cache() { return cache_; }
  // Files opened from now on read ahead through `ahead` (which outlives them).
  void read_ahead_with(chunk_readahead* ahead);

 private:
  // An open file's attributes as getattr gives them; nothing when it is not open here.
  std::optional<fs_inode> open_attr(inode_number ino) const;

  struct opened {
    std::shared_ptr<open_file> file;
    std::uint32_t handles = 0;
  };

  node_files_options options_;
  metadata meta_;
  chunk_port& chunks_;
  chunk_cache cache_;
  mutable std::mutex mutex_;
  chunk_readahead* ahead_ = nullptr;
  std::map<inode_number, opened> open_;
};

}  // namespace bucky::zone_fs
