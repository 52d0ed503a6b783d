// bucky fs ls|stat|put|get|rm|mv|mkdir|df: the zone's files without a mount, served
// by one node's zonefs actor (messages/fs.hpp) over the admin session; --node picks
// the node (default: the first one with a session). Each returns the exit code: 0,
// 1 failure (printed as "bucky fs <op> PATH: <what> (ENOENT)"), 2 usage.
#pragma once

#include "messages/fs.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "apps/bucky/session.hpp"

namespace bucky::cli {

namespace fs_cli_limits {
inline constexpr std::uint64_t ls_entries_max = 1'000'000;  // --limit's bound and default
}  // namespace fs_cli_limits

struct fs_options {
  std::string path;       // the zone path (mv: FROM; put: the target)
  std::string to_path;    // mv: TO
  std::string local;      // put: the local file; get: where it goes ("-": stdout)
  bool recursive = false; // rm -r, mkdir -p
  std::uint64_t limit = fs_cli_limits::ls_entries_max;  // ls: at most this many entries
};

int fs_ls(const cli_options& options, const fs_options& fs);
int fs_stat(const cli_options& options, const fs_options& fs);
int fs_mkdir(const cli_options& options, const fs_options& fs);
int fs_rm(const cli_options& options, const fs_options& fs);
int fs_mv(const cli_options& options, const fs_options& fs);
int fs_df(const cli_options& options);
// The df table, zone line and repair line (bucky fs df; bucky status shows them too).
void print_df(const fs_reply& reply);
nlohmann::json df_json(const fs_reply& reply);
// bucky fs volume create PATH [--quota SIZE] | quota PATH SIZE | list: run by the
// CLI itself over the zone state (the owner's or an admin's key).
struct fs_volume_options {
  std::string op;  // create, quota, list
  std::string path;
  std::uint64_t limit_bytes = 0;  // 0: none
};
int fs_volume(const cli_options& options, const fs_volume_options& volume);
// "10G", "500M", "1.5T", "none" -> bytes (binary units; none: 0).
result<std::uint64_t> parse_size(const std::string& text);
int fs_put(const cli_options& options, const fs_options& fs);
int fs_get(const cli_options& options, const fs_options& fs);

}  // namespace bucky::cli
