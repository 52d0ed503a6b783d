// bucky fs volume create|quota|list: volumes (actors/zone_fs/records.hpp) made,
// limited and listed by the owner's CLI itself, with the same metadata code the
// nodes run, over the admin session's zone-state calls (no node does it for you:
// the zone state's ACL checks the owner's or admin's key).
#include <chrono>
#include <iostream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "actors/zone_fs/metadata.hpp"
#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/fs_commands.hpp"
#include "apps/bucky/json_output.hpp"

namespace bucky::cli {

namespace {

using zone_fs::inode_number;

// kv_port over the admin session (kv_call retries with one exactly-once id).
class session_kv_port final : public zone_fs::kv_port {
 public:
  session_kv_port(admin_session& session, cli_options options) : session_(session), options_(std::move(options)) {}
  result<kv_response> call(const kv_request& request) override { return ask(request, false); }
  result<kv_response> call_nearby(const kv_request& request) override { return ask(request, true); }

 private:
  result<kv_response> ask(const kv_request& request, bool serializable) {
    auto options = options_;
    options.serializable = serializable;
    auto answer = kv_call(session_, options, request);
    if (!answer) return answer.error();
    return zone_fs::response_of(std::move(*answer));
  }
  admin_session& session_;
  cli_options options_;
};

std::uint64_t random_u64() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int volume_fail(const std::string& op, const std::string& path, const zone_fs::fs_status& failure) {
  std::cerr << fmt::format("bucky fs volume {} {}: {} ({})\n", op, path, failure.message(),
                           zone_fs::errno_name(failure.error()));
  return 1;
}

// The path of directory `dir`: up through its parents, each name found by listing
// the parent (bounded: names_scanned_max over the whole walk).
std::string path_of(zone_fs::metadata& fs, inode_number dir) {
  constexpr std::uint64_t names_scanned_max = 200'000;
  std::vector<std::string> names;
  std::uint64_t scanned = 0;
  for (std::size_t depth = 0; dir != zone_fs::root_inode && depth < zone_fs::fs_limits::path_depth_max; ++depth) {
    auto inode = fs.getattr(dir);
    if (!inode) return fmt::format("(inode {})", zone_fs::inode_hex(dir));
    std::string after;
    std::optional<std::string> found;
    while (!found && scanned < names_scanned_max) {
      auto page = fs.list(inode->parent, after, 1'000, true);
      if (!page) break;
      for (const auto& entry : page->entries) {
        ++scanned;
        if (entry.dirent.ino == dir) found = entry.name;
      }
      if (!page->more || page->entries.empty()) break;
      after = page->entries.back().name;
    }
    if (!found) return fmt::format("(inode {})", zone_fs::inode_hex(dir));
    names.push_back(*found);
    dir = inode->parent;
  }
  std::string path;
  for (auto name = names.rbegin(); name != names.rend(); ++name) path += "/" + *name;
  return path.empty() ? "/" : path;
}

// "/a/b" -> ("/a", "b").
std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return {"/", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

result<std::uint64_t> parse_size(const std::string& text) {
  if (text == "none" || text == "0") return std::uint64_t{0};
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  const std::map<std::string, double> units = {{"", 1},          {"B", 1},          {"K", 1024.0},
                                               {"M", 1048576.0}, {"G", 1073741824.0}, {"T", 1099511627776.0}};
  auto scale = units.find(unit.size() == 3 && unit.substr(1) == "iB" ? unit.substr(0, 1) : unit);
  if (used == 0 || number < 0 || scale == units.end() || number * scale->second > 1.8e19) {
    return status(status_code::invalid_argument,
                  fmt::format("\"{}\" is not a size: write a number with K, M, G or T (1024-based), or none", text));
  }
  return static_cast<std::uint64_t>(number * scale->second);
}

int fs_volume(const cli_options& options, const fs_volume_options& volume) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) {
    std::cerr << fmt::format("bucky fs volume: {}\n", session.error().message());
    return 1;
  }
  session_kv_port port(*session, options);
  zone_fs::metadata fs(port, random_u64);
  if (volume.op == "list") {
    auto listed = fs.volumes();
    if (!listed) return volume_fail("list", "", listed.error());
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& entry : *listed) {
      rows.push_back({{"path", path_of(fs, entry.root)}, {"root", zone_fs::inode_hex(entry.root)},
                      {"limit_bytes", entry.record.limit_bytes}, {"used_bytes", entry.record.used_bytes},
                      {"files", entry.record.files}});
    }
    if (options.json_output) {
      std::cout << json_text(nlohmann::json{{"volumes", rows}}) << "\n";
      return 0;
    }
    std::cout << fmt::format("{:<30} {:>11} {:>11} {:>9}\n", "VOLUME", "USED", "QUOTA", "FILES");
    for (const auto& row : rows) {
      const auto limit = row["limit_bytes"].get<std::uint64_t>();
      std::cout << fmt::format("{:<30} {:>11} {:>11} {:>9}\n", row["path"].get<std::string>(),
                               bytes_text(row["used_bytes"].get<std::uint64_t>()),
                               limit == 0 ? std::string("none") : bytes_text(limit), row["files"].get<std::uint64_t>());
    }
    return 0;
  }
  if (volume.op == "create") {
    const auto [parent_path, name] = split_path(volume.path);
    auto parent = fs.resolve(parent_path);
    if (!parent) return volume_fail("create", volume.path, parent.error());
    auto made = fs.make_volume(parent->ino, name, volume.limit_bytes, now_ns());
    if (!made) return volume_fail("create", volume.path, made.error());
    std::cout << fmt::format("volume {} made (quota {})\n", volume.path,
                             volume.limit_bytes == 0 ? std::string("none") : bytes_text(volume.limit_bytes));
    return 0;
  }
  auto root = fs.resolve(volume.path);
  if (!root) return volume_fail("quota", volume.path, root.error());
  auto limited = fs.set_volume_limit(root->ino, volume.limit_bytes);
  if (!limited) return volume_fail("quota", volume.path, limited.error());
  std::cout << fmt::format("volume {}: quota {}, {} used\n", volume.path,
                           volume.limit_bytes == 0 ? std::string("none") : bytes_text(volume.limit_bytes),
                           bytes_text(limited->used_bytes));
  return 0;
}

}  // namespace bucky::cli
