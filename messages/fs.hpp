// `bucky fs` without a mount: the CLI asks one node's "zonefs" actor to list, stat,
// make, remove, rename, read and write the zone's files (actors/zone_fs/
// fs_requests.hpp serves them). A put streams through a write handle the node
// keeps for its caller: open_write, writes of at most 1 MiB, close (answered only
// once the file is committed: its chunks synced on R nodes, its metadata chosen).
//
// Every reply carries an errno (0: ok) and a message that says what and where;
// the CLI prints the errno's name. Paths are absolute names in the zone's tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <msgpack.hpp>

#include "messages/chunk.hpp"
#include "messages/common/status.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

namespace fs_message_limits {
inline constexpr std::size_t path_bytes_max = 4095;                  // PATH_MAX - 1
inline constexpr std::uint32_t io_bytes_max = 1024 * 1024;           // one write or read
inline constexpr std::uint32_t list_entries_max = 1'000;             // one list page
inline constexpr std::size_t list_reply_bytes_max = 2 * 1024 * 1024;  // names and symlink targets in one page
inline constexpr std::uint64_t remove_entries_max = 100'000;         // one recursive remove
inline constexpr std::uint32_t df_nodes_max = 1'000;                 // nodes in one df reply
inline constexpr std::size_t repair_report_bytes_max = 64 * 1024;    // /fs/repair as carried in df
}  // namespace fs_message_limits

enum class fs_op : std::uint8_t {
  stat = 1,
  list = 2,        // a page of a directory: after `after`, at most `limit` entries
  mkdir = 3,       // `recursive`: with parents, and no error if it exists (mkdir -p)
  remove = 4,      // a file or symlink; `recursive`: a directory and all in it (rm -r)
  rename = 5,      // path -> to_path, replacing a file there
  open_write = 6,  // a new file's contents for `path` -> handle (the file appears at close)
  write = 7,       // handle, offset, bytes
  close = 8,       // handle: commit, then put the file at its path
  read = 9,        // path, offset, size_bytes
  df = 10,         // chunk stores per node, files and bytes zone-wide
};
inline constexpr std::uint8_t fs_op_last = static_cast<std::uint8_t>(fs_op::df);

// One name in the tree (stat: the path itself; list: an entry of the directory).
struct fs_entry {
  std::string name;
  std::uint8_t kind = 0;  // 1 file, 2 directory, 3 symlink (zone_fs::fs_kind)
  std::uint64_t ino = 0;
  std::uint64_t size_bytes = 0;
  std::uint32_t mode = 0;  // permission bits
  std::uint32_t links = 0;
  std::int64_t mtime_ns = 0;
  std::string symlink_target;
  MSGPACK_DEFINE(name, kind, ino, size_bytes, mode, links, mtime_ns, symlink_target);
};

// One node's chunk store as df reports it (chunk_list_request with limit 0).
struct fs_node_usage {
  std::string node_id;
  bool reachable = false;
  std::string problem;  // why it is not (down, no answer, refused)
  chunk_store_figures figures;
  MSGPACK_DEFINE(node_id, reachable, problem, figures);
};

// The zone's tree as fsck counts it (actors/zone_fs/fsck.hpp).
struct fs_zone_usage {
  std::uint64_t files = 0, directories = 0, symlinks = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t chunk_refs = 0;
  std::uint64_t keys_scanned = 0;
  bool complete = true;      // false: the scan stopped at its bound (figures are a lower bound)
  std::string repair_report;  // the JSON the repair actor wrote at /fs/repair; "": none yet
  MSGPACK_DEFINE(files, directories, symlinks, file_bytes, chunk_refs, keys_scanned, complete, repair_report);
};

struct fs_reply {
  static constexpr message_type type_id = message_type::fs_reply;
  static constexpr const char* type_name = "fs_reply";
  std::int32_t error = 0;  // errno; 0: ok
  std::string message;     // what failed and where (ok: what was done)
  std::string node_id;     // the node that served it
  fs_entry entry;          // stat, mkdir, close (the file as committed), read (the file read)
  std::vector<fs_entry> entries;  // list, in name order
  bool more = false;              // list: ask again with after = the last name; remove: ask again for the rest
  std::uint64_t handle = 0;       // open_write
  std::uint64_t count = 0;        // write: bytes taken; remove: names removed; mkdir: directories made
  std::string bytes;              // read: at most size_bytes (fewer at the end of the file)
  std::vector<fs_node_usage> nodes;  // df
  fs_zone_usage zone;                // df
  MSGPACK_DEFINE(error, message, node_id, entry, entries, more, handle, count, bytes, nodes, zone);
};

struct fs_request {
  static constexpr message_type type_id = message_type::fs_request;
  static constexpr const char* type_name = "fs_request";
  using response_type = fs_reply;
  fs_op op = fs_op::stat;
  std::string path;
  std::string to_path;        // rename
  std::string after;          // list
  std::uint32_t limit = 0;    // list: at most list_entries_max
  bool recursive = false;     // mkdir -p, rm -r
  std::uint64_t handle = 0;   // write, close
  std::uint64_t offset = 0;   // write, read
  std::uint32_t size_bytes = 0;  // read: at most io_bytes_max
  std::string bytes;          // write: at most io_bytes_max
  MSGPACK_DEFINE(op, path, to_path, after, limit, recursive, handle, offset, size_bytes, bytes);

  status validate() const {
    using namespace fs_message_limits;
    const auto op_number = static_cast<std::uint8_t>(op);
    if (op_number == 0 || op_number > fs_op_last) {
      return status(status_code::invalid_argument, fmt::format("fs_request: unknown op {}", op_number));
    }
    if (path.size() > path_bytes_max || to_path.size() > path_bytes_max || after.size() > path_bytes_max) {
      return status(status_code::invalid_argument, fmt::format("fs_request: a path over {} bytes", path_bytes_max));
    }
    if (limit > list_entries_max) {
      return status(status_code::invalid_argument, fmt::format("fs_request: list limit {} over {}", limit, list_entries_max));
    }
    if (bytes.size() > io_bytes_max || size_bytes > io_bytes_max) {
      return status(status_code::invalid_argument, fmt::format("fs_request: more than {} bytes in one request", io_bytes_max));
    }
    return {};
  }
};

}  // namespace bucky

MSGPACK_ADD_ENUM(bucky::fs_op);
