// The zone file system's namespace and attributes, as transactions on the zone
// state (DESIGN §10.1; keys in records.hpp). Every change is one txn that reads
// what it depends on and applies only if none of it changed meanwhile (compare on
// mod_revision), so rename is atomic, two nodes cannot both create one name, and a
// directory cannot gain an entry while it is removed (every entry change also
// writes its directory's inode: its times and link count). A txn that lost a race
// is planned again from a fresh read, at most retries_max times (then EAGAIN).
//
// Plain code over a kv_port: the FUSE mount, `bucky fs` and the tests call it the
// same way. Thread-safe as far as the port is (it keeps no state between calls).
// Permissions are not checked here: the mount lets the kernel check mode bits
// (default_permissions), the node's API checks the caller's role.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/zone_fs/fs_status.hpp"
#include "actors/zone_fs/kv_port.hpp"
#include "actors/zone_fs/records.hpp"

namespace bucky::zone_fs {

struct metadata_options {
  std::uint32_t retries_max = 32;  // txns lost to a concurrent change before EAGAIN
};

// What a new inode gets.
struct new_inode {
  fs_kind kind = fs_kind::file;
  std::uint32_t mode = 0644;
  std::uint32_t uid = 0, gid = 0;
  std::string symlink_target{};
  // Set on a directory: it is made the root of a new volume with this quota
  // (0: counted, not limited). Unset: it joins its parent's volume.
  std::optional<std::uint64_t> volume_limit_bytes{};
};

// A volume as listed: its root directory's inode and its record.
struct volume_entry {
  inode_number root = 0;
  fs_volume record;
};
inline constexpr std::uint32_t volumes_max = 1'000;  // listed by volumes()

// Attribute changes (setattr without size: a size change comes with chunks, commit()).
struct attr_change {
  std::optional<std::uint32_t> mode;
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::int64_t> atime_ns, mtime_ns;
};

struct dir_entry {
  std::string name;
  fs_dirent dirent;
};

struct dir_page {
  std::vector<dir_entry> entries;  // in name order
  bool more = false;               // ask again with after = the last name
};

// A file's contents as the zone state has them: its inode and every chunk ref.
struct file_content {
  fs_inode inode;
  std::int64_t mod_revision = 0;  // of the inode: what the content was read at
  std::vector<chunk_ref> chunks;  // index i covers bytes [i*chunk_bytes, +chunk_bytes); missing: hole
};

// What a writer changed in a file since it read it (close, fsync, flush).
struct content_change {
  std::optional<std::uint64_t> size_bytes;     // the size it set (truncate): exact
  std::optional<std::uint64_t> size_at_least;  // it wrote up to here: the file is at least this long
  // It truncated the file to this size (and maybe grew it again since): chunks
  // past it are dropped before the new ones apply (they must read as zeros).
  std::optional<std::uint64_t> cut_to;
  std::map<std::uint64_t, chunk_ref> chunks; // chunk index -> its new chunk
  std::optional<std::int64_t> mtime_ns;      // content changed at
};

// At most this many fs_blocks (1024 chunks each) change in one commit, so its txn
// fits one zone-state request; a writer with more commits in parts.
inline constexpr std::uint32_t commit_blocks_max = 24;

enum class rename_mode : std::uint8_t { replace, no_replace };

class metadata {
 public:
  metadata(kv_port& port, std::function<std::uint64_t()> random_u64, metadata_options options = {});

  // The root directory, created (0755, owned by uid/gid 0) if the zone has none.
  fs_result<fs_inode> ensure_root(std::int64_t now_ns);
  // getattr, getattrs, lookup and resolve read a nearby replica (kv_port::
  // call_nearby): what a person looks at may lag a commit by a moment. Opening a
  // file (read_content) and every change read the latest.
  fs_result<fs_inode> getattr(inode_number ino);
  // Up to kv_limits::ops_per_txn_max inodes in one read; an absent one is missing.
  fs_result<std::map<inode_number, fs_inode>> getattrs(const std::vector<inode_number>& inodes);
  fs_result<fs_inode> lookup(inode_number dir, const std::string& name);
  // Follows a path of names from the root ("/a/b", "a/b": the same); no symlinks.
  fs_result<fs_inode> resolve(const std::string& path);
  // `nearby` for listings people look at; false where a change depends on it.
  fs_result<dir_page> list(inode_number dir, const std::string& after, std::uint32_t limit, bool nearby = false);

  fs_result<fs_inode> make(inode_number dir, const std::string& name, const new_inode& fresh, std::int64_t now_ns);
  fs_result<fs_inode> link(inode_number ino, inode_number dir, const std::string& name, std::int64_t now_ns);
  fs_status unlink(inode_number dir, const std::string& name, std::int64_t now_ns);
  fs_status rmdir(inode_number dir, const std::string& name, std::int64_t now_ns);
  fs_status rename(inode_number from_dir, const std::string& from_name, inode_number to_dir,
                   const std::string& to_name, rename_mode mode, std::int64_t now_ns);
  fs_result<fs_inode> setattr(inode_number ino, const attr_change& change, std::int64_t now_ns);

  // Volumes (records.hpp). A new directory `name` in `dir` that is a volume's root
  // (inside another volume too: what it holds then counts only here).
  fs_result<fs_inode> make_volume(inode_number dir, const std::string& name, std::uint64_t limit_bytes,
                                  std::int64_t now_ns);
  // A new quota for the volume rooted at `root` (EINVAL if it is none). Below what
  // it uses already, nothing is removed: the volume only stops growing.
  fs_result<fs_volume> set_volume_limit(inode_number root, std::uint64_t limit_bytes);
  // Every volume (at most volumes_max), from a nearby replica.
  fs_result<std::vector<volume_entry>> volumes();

  fs_result<file_content> read_content(inode_number ino);
  // Applies a writer's change to the file as it is now (another node's commit
  // since the writer's read is kept where the two did not touch the same chunk).
  // Chunks past the new size are dropped. The chunks must already be stored on
  // their holders: this makes them visible.
  fs_result<fs_inode> commit(inode_number ino, const content_change& change, std::int64_t now_ns);

 private:
  inode_number fresh_inode_number();

  kv_port& port_;
  std::function<std::uint64_t()> random_u64_;
  metadata_options options_;
};

}  // namespace bucky::zone_fs
