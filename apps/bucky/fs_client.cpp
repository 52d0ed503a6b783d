#include "apps/bucky/fs_client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iterator>

#include <fmt/format.h>

#include "actors/zone_fs/fs_status.hpp"
#include "apps/bucky/json_output.hpp"

namespace bucky::cli {

result<fs_target> open_fs_target(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return session.error();
  fs_target target{std::move(*session), options.node};
  const auto& nodes = target.session.nodes;
  if (!target.node.empty()) {
    if (std::find(nodes.begin(), nodes.end(), target.node) == nodes.end()) {
      return status(status_code::invalid_argument, fmt::format("--node {}: zone {} has no such node (its nodes: {})",
                                                               target.node, target.session.zone_id,
                                                               fmt::join(nodes, ", ")));
    }
    return target;
  }
  const auto connected = target.session.client->connected();
  for (const auto& node : nodes) {
    if (connected.count(node)) {
      target.node = node;
      return target;
    }
  }
  return status(status_code::unavailable, fmt::format("no node of zone {} answered within {} ms (tried {})",
                                                      target.session.zone_id, options.timeout_ms, fmt::join(nodes, ", ")));
}

result<fs_reply> fs_call(fs_target& target, const fs_request& request, std::uint64_t timeout_ms) {
  return target.session.client->call(target.node, "zonefs", request, std::chrono::milliseconds(timeout_ms));
}

int fs_fail(const std::string& op, const std::string& path, const fs_reply& reply) {
  std::fprintf(stderr, "bucky fs %s %s: %s (%s)\n", op.c_str(), path.c_str(), reply.message.c_str(),
               zone_fs::errno_name(reply.error));
  return 1;
}

int fs_unreached(const std::string& op, const std::string& path, const fs_target& target, const status& why) {
  std::fprintf(stderr, "bucky fs %s %s: node %s did not answer: %s (is it up? another node: --node NAME)\n",
               op.c_str(), path.c_str(), target.node.c_str(), why.message().c_str());
  return 1;
}

int fs_local_fail(int code, const std::string& op, const std::string& path, const std::string& message) {
  std::fprintf(stderr, "bucky fs %s %s: %s\n", op.c_str(), path.c_str(), message.c_str());
  return code;
}

const char* kind_name(std::uint8_t kind) {
  switch (kind) {
    case 1: return "file";
    case 2: return "directory";
    case 3: return "symlink";
    default: return "unknown";
  }
}

nlohmann::json entry_json(const fs_entry& entry) {
  nlohmann::json row{{"kind", kind_name(entry.kind)}, {"size_bytes", entry.size_bytes}, {"mode", entry.mode},
                     {"links", entry.links},         {"mtime_ns", entry.mtime_ns},     {"inode", entry.ino}};
  put_bytes(row, "name", entry.name);
  if (entry.kind == 3) put_bytes(row, "symlink_target", entry.symlink_target);
  return row;
}

std::string mode_text(std::uint8_t kind, std::uint32_t mode) {
  std::string text = kind == 2 ? "d" : kind == 3 ? "l" : "-";
  const char* letters = "rwx";
  for (int bit = 8; bit >= 0; --bit) text += (mode >> bit) & 1 ? letters[(8 - bit) % 3] : '-';
  return text;
}

std::string time_text(std::int64_t unix_ns) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  return text;
}

std::string bytes_text(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace bucky::cli
