// Small files written by hand (key files, identity files): written whole or not at
// all. The contents go to a temporary file beside the target (created with the
// final mode), are fsynced, renamed over the target, and the directory is fsynced,
// so a crash at any point leaves either the old file or the new one.
#pragma once

#include <string>
#include <sys/types.h>

#include "messages/common/status.hpp"

namespace bucky {

inline constexpr std::size_t small_file_bytes_max = 64 * 1024;

status write_file_atomically(const std::string& path, const std::string& contents, mode_t mode);

// Reads a file of at most small_file_bytes_max bytes.
result<std::string> read_small_file(const std::string& path);

}  // namespace bucky
