// The zone file system's metadata as it lives in the zone state (DESIGN §10.1):
// inode-style, so a rename moves one directory entry and hard links share an inode.
//
//   /fs/i/<ino>              fs_inode: kind, mode, owner, size, times, links, parent
//   /fs/i/<ino>/b/<block>    fs_block: the chunk refs of chunks [block*1024, +1024)
//   /fs/d/<dir ino>/<name>   fs_dirent: the inode a name in that directory points at
//   /fs/v/<root ino>         fs_volume: a volume's quota and what it uses
//
// A volume is a directory tree with a quota (`bucky fs volume`): its root names
// itself in `volume`, and everything made inside inherits its parent's `volume`.
// A file's size counts against its volume in the same transaction that changes
// it; a rename or hard link between volumes is EXDEV (mv then copies, and the
// copy counts), as between two file systems.
//
// <ino> is 16 lowercase hex digits (random, so nodes never need to agree on a
// counter: a create compares the new inode key absent); <block> is 8. One range
// over "/fs/i/<ino>" reads an inode with all its blocks; one over "/fs/d/<ino>/"
// lists a directory in name order. Values are msgpack, decoded as hostile (a stolen
// node key can write any bytes here): every field is bounded and checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "messages/chunk_id.hpp"
#include "messages/common/status.hpp"

namespace bucky::zone_fs {

namespace fs_limits {
inline constexpr std::uint32_t chunk_bytes = 1024 * 1024;       // every chunk but a file's last is this big
inline constexpr std::uint32_t chunks_per_block = 1024;         // one fs_block: ~40 KB encoded
inline constexpr std::uint64_t file_bytes_max = 1ull << 40;     // 1 TiB
inline constexpr std::size_t name_bytes_max = 255;              // NAME_MAX
inline constexpr std::size_t symlink_bytes_max = 4095;          // PATH_MAX - 1
inline constexpr std::size_t path_bytes_max = 4095;
inline constexpr std::uint32_t links_max = 65'000;
inline constexpr std::size_t path_depth_max = 256;              // directories between a name and the root
inline constexpr std::uint64_t blocks_max = file_bytes_max / chunk_bytes / chunks_per_block;
}  // namespace fs_limits

using inode_number = std::uint64_t;
inline constexpr inode_number root_inode = 1;

enum class fs_kind : std::uint8_t { file = 1, directory = 2, symlink = 3 };

struct fs_inode {
  static constexpr const char* type_name = "fs_inode";
  inode_number ino = 0;
  fs_kind kind = fs_kind::file;
  std::uint32_t mode = 0;        // permission bits (07777)
  std::uint32_t uid = 0, gid = 0;
  std::uint64_t size_bytes = 0;  // file: its length; symlink: the target's; directory: 0
  std::int64_t mtime_ns = 0, ctime_ns = 0, atime_ns = 0;  // wall clock of the node that changed it
  std::uint32_t links = 1;       // directory entries naming it (a directory: 2 + subdirectories)
  inode_number parent = 0;       // directory: the directory holding it (root: itself)
  std::uint32_t blocks = 0;      // file: fs_block records "/b/0".."/b/<blocks-1>" may exist
  std::string symlink_target{};
  inode_number volume = 0;       // the volume it counts against (0: none; a volume's root: itself)
  bool operator==(const fs_inode&) const = default;
  MSGPACK_DEFINE(ino, kind, mode, uid, gid, size_bytes, mtime_ns, ctime_ns, atime_ns, links, parent, blocks,
                 symlink_target, volume);
  status validate() const;
};

// One chunk of a file. A chunk_id of all zeros is a hole (reads as zeros).
struct chunk_ref {
  chunk_id id;
  std::uint32_t size_bytes = 0;  // ≤ chunk_bytes
  bool operator==(const chunk_ref&) const = default;
  bool hole() const { return id == chunk_id{}; }
  MSGPACK_DEFINE(id, size_bytes);
};

struct fs_block {
  static constexpr const char* type_name = "fs_block";
  std::vector<chunk_ref> chunks;  // index i is the file's chunk block*chunks_per_block + i
  bool operator==(const fs_block&) const = default;
  MSGPACK_DEFINE(chunks);
  status validate() const;
};

struct fs_dirent {
  static constexpr const char* type_name = "fs_dirent";
  inode_number ino = 0;
  fs_kind kind = fs_kind::file;
  bool operator==(const fs_dirent&) const = default;
  MSGPACK_DEFINE(ino, kind);
  status validate() const;
};

// A volume's quota and use: the sizes and the number of its files (symlinks and
// directories count nothing). limit_bytes 0: no limit (use is still counted).
struct fs_volume {
  static constexpr const char* type_name = "fs_volume";
  std::uint64_t limit_bytes = 0;
  std::uint64_t used_bytes = 0;
  std::uint64_t files = 0;
  bool operator==(const fs_volume&) const = default;
  MSGPACK_DEFINE(limit_bytes, used_bytes, files);
  status validate() const;
};

inline constexpr std::string_view fs_prefix = "/fs/";
inline constexpr std::string_view inode_prefix = "/fs/i/";
inline constexpr std::string_view dirent_prefix = "/fs/d/";
inline constexpr std::string_view volume_prefix = "/fs/v/";
// Chunks something besides a file keeps (an installed package, a backup snapshot):
// /fs/pins/<owner>/<name> holds an fs_block of refs; repair keeps them like files'.
inline constexpr std::string_view pin_prefix = "/fs/pins/";

std::string inode_key(inode_number ino);
// The end of a range that holds an inode and all its blocks.
std::string inode_range_end(inode_number ino);
std::string block_key(inode_number ino, std::uint32_t block);
std::string block_range_begin(inode_number ino);
std::string dirent_key(inode_number dir, std::string_view name);
std::string dirents_begin(inode_number dir);
std::string dirents_end(inode_number dir);
// The name part of a dirent key of `dir` (nothing when the key is not one).
std::optional<std::string> dirent_name(inode_number dir, std::string_view key);
// The inode a key "/fs/i/<ino>" names, and the block of "/fs/i/<ino>/b/<block>".
std::optional<inode_number> inode_of_key(std::string_view key);
std::optional<std::uint32_t> block_of_key(std::string_view key);
std::string inode_hex(inode_number ino);
std::string volume_key(inode_number root);
std::optional<inode_number> volume_of_key(std::string_view key);

// A directory entry's name: 1..255 bytes, no '/' or NUL, not "." or "..".
status check_name(std::string_view name);

std::string encode_value(const fs_inode& inode);
std::string encode_value(const fs_block& block);
std::string encode_value(const fs_dirent& dirent);
std::string encode_value(const fs_volume& volume);
// `where` names the key in errors ("/fs/i/00..1: ...").
result<fs_inode> decode_inode(std::string_view value, std::string_view where);
result<fs_block> decode_block(std::string_view value, std::string_view where);
result<fs_dirent> decode_dirent(std::string_view value, std::string_view where);
result<fs_volume> decode_volume(std::string_view value, std::string_view where);

}  // namespace bucky::zone_fs

MSGPACK_ADD_ENUM(bucky::zone_fs::fs_kind);
