// Who may do what through `bucky fs` (fs_requests.hpp asks before every op): the
// owner and admins everything; a writer reads everything and writes only under
// /home/<their name>/ (and may make /home and /home/<name> themselves, so
// `mkdir -p /home/<name>/...` works on a fresh zone); a reader only reads; a node
// or guest key nothing (nodes reach the files through their own mount).
// Plain functions over normalized paths, so the rule is tested on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/zone_fs/fs_status.hpp"
#include "messages/caller.hpp"

namespace bucky::zone_fs {

enum class fs_access : std::uint8_t {
  read,            // stat, list, read, df
  write,           // create, write, remove, rename (both ends)
  make_directory,  // mkdir of one directory (each one mkdir -p makes)
};

// "/a/b" for "/a/b", "a//b/", "/a/./b"; "/" for the root. EINVAL for a ".."
// component or a NUL byte, ENAMETOOLONG past path_bytes_max or name_bytes_max.
fs_result<std::string> normalize_path(std::string_view path);

// The parent of a normalized path ("/" for "/a"; the root has none: "/").
std::string parent_path(const std::string& normalized);
// The last name of a normalized path ("" for the root).
std::string last_name(const std::string& normalized);

// ok, or EACCES naming the caller, the path and what they may do instead.
fs_status check_fs_access(const caller& who, fs_access access, const std::string& normalized_path);

}  // namespace bucky::zone_fs
