// What the bucky fs commands share (fs_commands.cpp, fs_transfer.cpp): the node
// that serves them, one request to it, the error line, and an entry as JSON and
// as an `ls -l` line.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/bucky/session.hpp"
#include "messages/fs.hpp"

namespace bucky::cli {

namespace fs_cli_limits {
// Answers that commit, remove or count may take long; the serving node gives its
// actor at most 35 s (transport inbound_request_timeout_ms) before it answers.
inline constexpr std::uint64_t long_call_timeout_ms_min = 40'000;
inline constexpr std::uint64_t remove_rounds_max = 10'000;  // rm -r requests for one tree
}  // namespace fs_cli_limits

struct fs_target {
  admin_session session;
  std::string node;  // serves every request of the command
};

// The session and the node: --node, or the first node with a session.
result<fs_target> open_fs_target(const cli_options& options);

// One request to the node's zonefs actor; an error when it did not answer.
result<fs_reply> fs_call(fs_target& target, const fs_request& request, std::uint64_t timeout_ms);

// Prints "bucky fs <op> <path>: <message> (<ERRNO>)" and returns 1.
int fs_fail(const std::string& op, const std::string& path, const fs_reply& reply);
// The node did not answer: says which and what to do; returns 1.
int fs_unreached(const std::string& op, const std::string& path, const fs_target& target, const status& why);
// A local problem (2: usage, 1: the local disk): "bucky fs <op> <path>: <message>".
int fs_local_fail(int code, const std::string& op, const std::string& path, const std::string& message);

const char* kind_name(std::uint8_t kind);  // "file", "directory", "symlink"
nlohmann::json entry_json(const fs_entry& entry);
std::string mode_text(std::uint8_t kind, std::uint32_t mode);  // "drwxr-xr-x"
std::string time_text(std::int64_t unix_ns);                   // "2025-01-02 13:04:05" (UTC)
std::string bytes_text(std::uint64_t bytes);                   // "5.0 MiB"

}  // namespace bucky::cli

namespace bucky::cli {

// Whole small files to and from the zone for other commands (app install keeps
// packages in the zone repo): errors as statuses naming the path, not printed.
status zone_mkdir_p(fs_target& target, const std::string& path, std::uint64_t timeout_ms);
// Writes `bytes` as the file at `path` (replacing it), returning once committed.
status zone_put_bytes(fs_target& target, const std::string& path, std::string_view bytes, std::uint64_t timeout_ms);
// The file's bytes; too_large past size_bytes_max; not_found when absent.
result<std::string> zone_get_bytes(fs_target& target, const std::string& path, std::uint64_t size_bytes_max,
                                   std::uint64_t timeout_ms);

}  // namespace bucky::cli
