// Small files written by hand (key files, identity files, markers): written whole
// or not at all. The contents go to a temporary file beside the target (created
// with the final mode), are synced, renamed over the target, and the directory is
// synced, so a crash at any point leaves either the old file or the new one.
#pragma once

#include <string>
#include <sys/types.h>

#include "messages/common/status.hpp"
#include "storage/file_system.hpp"

namespace bucky {

inline constexpr std::size_t small_file_bytes_max = 64 * 1024;

status write_file_atomically(storage::file_system& fs, const std::string& path, const std::string& contents,
                             mode_t mode);
// Reads a file of at most small_file_bytes_max bytes; not_found when it is missing.
result<std::string> read_small_file(storage::file_system& fs, const std::string& path);

// The same on the machine's own file system.
inline status write_file_atomically(const std::string& path, const std::string& contents, mode_t mode) {
  return write_file_atomically(storage::posix_file_system(), path, contents, mode);
}
inline result<std::string> read_small_file(const std::string& path) {
  return read_small_file(storage::posix_file_system(), path);
}

}  // namespace bucky
