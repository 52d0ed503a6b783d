// bucky fs ls|stat|mkdir|rm|mv|df (fs_commands.hpp); put and get are in fs_transfer.cpp.
#include "apps/bucky/fs_commands.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/json_output.hpp"

namespace bucky::cli {

using json = nlohmann::json;

namespace {

fs_request request_of(fs_op op, const std::string& path) {
  fs_request request;
  request.op = op;
  request.path = path;
  return request;
}

std::string ls_line(const fs_entry& entry) {
  std::string line = fmt::format("{} {:>3} {:>12} {} {}", mode_text(entry.kind, entry.mode), entry.links,
                                 entry.size_bytes, time_text(entry.mtime_ns), entry.name);
  if (entry.kind == 3) line += " -> " + entry.symlink_target;
  return line;
}

}  // namespace

// Pages of list_entries_max until the directory ends or --limit entries are out.
int fs_ls(const cli_options& options, const fs_options& fs) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  fs_request request = request_of(fs_op::list, fs.path);
  json rows = json::array();
  std::uint64_t listed = 0;
  bool more = true;
  while (more && listed < fs.limit) {
    request.limit = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(fs_message_limits::list_entries_max, fs.limit - listed));
    auto reply = fs_call(*target, request, options.timeout_ms);
    if (!reply) return fs_unreached("ls", fs.path, *target, reply.error());
    if (reply->error != 0) return fs_fail("ls", fs.path, *reply);
    more = reply->more && !reply->entries.empty();
    if (!reply->entries.empty()) request.after = reply->entries.back().name;
    for (const auto& entry : reply->entries) {
      ++listed;
      if (options.json_output) rows.push_back(entry_json(entry));
      else std::cout << ls_line(entry) << "\n";
    }
  }
  if (options.json_output) {
    std::cout << json_text(json{{"path", fs.path}, {"entries", rows}, {"more", more}, {"served_by", target->node}})
              << "\n";
  } else if (more) {
    std::cerr << fmt::format("bucky fs ls {}: more than {} entries; the rest with a higher --limit\n", fs.path, listed);
  }
  return 0;
}

int fs_stat(const cli_options& options, const fs_options& fs) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  auto reply = fs_call(*target, request_of(fs_op::stat, fs.path), options.timeout_ms);
  if (!reply) return fs_unreached("stat", fs.path, *target, reply.error());
  if (reply->error != 0) return fs_fail("stat", fs.path, *reply);
  const fs_entry& entry = reply->entry;
  if (options.json_output) {
    json row = entry_json(entry);
    row["path"] = fs.path;
    row["served_by"] = target->node;
    std::cout << json_text(row) << "\n";
    return 0;
  }
  std::cout << fmt::format("path:   {}\nkind:   {}\nsize:   {} bytes ({})\nmode:   {:04o} ({})\nlinks:  {}\n"
                           "mtime:  {} UTC\ninode:  {:016x}\n",
                           fs.path, kind_name(entry.kind), entry.size_bytes, bytes_text(entry.size_bytes), entry.mode,
                           mode_text(entry.kind, entry.mode), entry.links, time_text(entry.mtime_ns), entry.ino);
  if (entry.kind == 3) std::cout << "target: " << entry.symlink_target << "\n";
  return 0;
}

int fs_mkdir(const cli_options& options, const fs_options& fs) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  fs_request request = request_of(fs_op::mkdir, fs.path);
  request.recursive = fs.recursive;
  auto reply = fs_call(*target, request, options.timeout_ms);
  if (!reply) return fs_unreached("mkdir", fs.path, *target, reply.error());
  if (reply->error != 0) return fs_fail("mkdir", fs.path, *reply);
  if (options.json_output) std::cout << json_text(json{{"path", fs.path}, {"created", reply->count}}) << "\n";
  else std::cout << fmt::format("{}: {} directories made\n", fs.path, reply->count);
  return 0;
}

// rm -r of a big tree takes several requests: each removes what it can in its time.
int fs_rm(const cli_options& options, const fs_options& fs) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  fs_request request = request_of(fs_op::remove, fs.path);
  request.recursive = fs.recursive;
  std::uint64_t removed = 0;
  const std::uint64_t timeout_ms = std::max(options.timeout_ms, fs_cli_limits::long_call_timeout_ms_min);
  for (std::uint64_t round = 0;; ++round) {
    auto reply = fs_call(*target, request, timeout_ms);
    if (!reply) return fs_unreached("rm", fs.path, *target, reply.error());
    if (reply->error != 0) return fs_fail("rm", fs.path, *reply);
    removed += reply->count;
    if (!reply->more) break;
    if (round + 1 >= fs_cli_limits::remove_rounds_max) {
      return fs_local_fail(1, "rm", fs.path, fmt::format("{} names removed in {} requests, and more are left: run "
                                                         "it again", removed, round + 1));
    }
  }
  if (options.json_output) std::cout << json_text(json{{"path", fs.path}, {"removed", removed}}) << "\n";
  else std::cout << fmt::format("{}: removed ({} names)\n", fs.path, removed);
  return 0;
}

int fs_mv(const cli_options& options, const fs_options& fs) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  fs_request request = request_of(fs_op::rename, fs.path);
  request.to_path = fs.to_path;
  auto reply = fs_call(*target, request, options.timeout_ms);
  if (!reply) return fs_unreached("mv", fs.path, *target, reply.error());
  if (reply->error != 0) return fs_fail("mv", fs.path, *reply);
  if (options.json_output) std::cout << json_text(json{{"from", fs.path}, {"to", reply->message}}) << "\n";
  else std::cout << fmt::format("{} -> {}\n", fs.path, reply->message);
  return 0;
}

}  // namespace bucky::cli
