// Shared by the fs_requests .cpp files: replies, and paths resolved one name at a
// time so an error names the part of the path that is missing or not a directory.
#pragma once

#include <string>
#include <vector>

#include "actors/zone_fs/fs_status.hpp"
#include "actors/zone_fs/metadata.hpp"
#include "messages/fs.hpp"

namespace bucky::zone_fs::request_detail {

fs_reply failed(const fs_status& failure);
// The names of a normalized path ("/a/b": a, b; "/": none).
std::vector<std::string> split_path(const std::string& normalized);
// The inode at a normalized path: ENOENT "no such file or directory" when the last
// name is missing, "<prefix> does not exist" when a directory on the way is,
// ENOTDIR "<prefix> is not a directory".
fs_result<fs_inode> resolve_path(metadata& meta, const std::string& normalized);
// The same, and ENOTDIR unless it is a directory (the parent of what an op makes).
fs_result<fs_inode> resolve_directory(metadata& meta, const std::string& normalized);
// A rename's error with both names where its message names inode numbers.
fs_status named_error(const fs_status& failure, const std::string& from, const std::string& to);

}  // namespace bucky::zone_fs::request_detail
