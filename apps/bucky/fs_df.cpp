// bucky fs df: every node's chunk store, the zone's files, and the repair actor's
// last report (/fs/repair), as one node gathered them.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/fs_commands.hpp"
#include "apps/bucky/json_output.hpp"

namespace bucky::cli {

using json = nlohmann::json;

namespace {

json node_json(const fs_node_usage& node) {
  json row{{"node", node.node_id}, {"reachable", node.reachable}};
  if (!node.reachable) {
    row["problem"] = node.problem;
    return row;
  }
  const auto& figures = node.figures;
  row.update({{"chunks", figures.chunks},
              {"bytes", figures.bytes},
              {"room_bytes", figures.room_bytes},
              {"disk_free_bytes", figures.disk_free_bytes},
              {"accepting", figures.accepting},
              {"corrupt_found", figures.corrupt_found},
              {"collected", figures.collected}});
  return row;
}

// The repair report as JSON: null when none was written, {"error": ...} when it
// does not parse (written by another version of the repair actor?).
json repair_json(const std::string& report) {
  if (report.empty()) return nullptr;
  json parsed = json::parse(report, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return json{{"error", "/fs/repair is not a JSON object"}};
  return parsed;
}

std::string repair_line(const json& repair) {
  if (repair.is_null()) return "repair: not reported yet";
  if (repair.contains("error")) return "repair: " + repair["error"].get<std::string>();
  // Any field may be missing or of another type: shown as found, never thrown on.
  auto number = [&](const char* field) {
    if (!repair.contains(field)) return std::string("?");
    const json& value = repair[field];
    return value.is_string() ? value.get<std::string>() : json_text(value);
  };
  return fmt::format("repair: round {} by {} at unix {} s: {} chunks, {} referenced, {} under-replicated, {} copies "
                     "missing, {} lost, {} garbage",
                     number("round"), number("node"), number("at_unix_s"), number("chunks"),
                     number("referenced"), number("under_replicated"), number("copies_missing"), number("lost"),
                     number("garbage"));
}

}  // namespace

void print_df(const fs_reply& reply) {
  const json repair = repair_json(reply.zone.repair_report);
  std::cout << fmt::format("{:<12} {:>9} {:>11} {:>11} {:>11}  {}\n", "NODE", "CHUNKS", "BYTES", "ROOM", "DISK FREE",
                           "ACCEPTING");
  for (const auto& node : reply.nodes) {
    if (!node.reachable) {
      std::cout << fmt::format("{:<12} unreachable: {}\n", node.node_id, node.problem);
      continue;
    }
    const auto& figures = node.figures;
    std::cout << fmt::format("{:<12} {:>9} {:>11} {:>11} {:>11}  {}\n", node.node_id, figures.chunks,
                             bytes_text(figures.bytes), bytes_text(figures.room_bytes),
                             bytes_text(figures.disk_free_bytes), figures.accepting ? "yes" : "no (full)");
  }
  const auto& zone = reply.zone;
  std::cout << fmt::format("zone: {} files, {} directories, {} symlinks, {} in files ({} bytes), {} chunk refs{}\n",
                           zone.files, zone.directories, zone.symlinks, bytes_text(zone.file_bytes), zone.file_bytes,
                           zone.chunk_refs,
                           zone.complete ? "" : fmt::format(" (at least: counted the first {} keys)", zone.keys_scanned));
  std::cout << repair_line(repair) << "\n";
}

json df_json(const fs_reply& reply) {
  json nodes = json::array();
  for (const auto& node : reply.nodes) nodes.push_back(node_json(node));
  const auto& zone = reply.zone;
  json zone_row{{"files", zone.files},           {"directories", zone.directories}, {"symlinks", zone.symlinks},
                {"file_bytes", zone.file_bytes}, {"chunk_refs", zone.chunk_refs},   {"complete", zone.complete},
                {"keys_scanned", zone.keys_scanned}};
  return json{{"nodes", nodes}, {"zone", zone_row}, {"repair", repair_json(zone.repair_report)}};
}

int fs_df(const cli_options& options) {
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  fs_request request;
  request.op = fs_op::df;
  request.path = "/";
  auto reply = fs_call(*target, request, std::max(options.timeout_ms, fs_cli_limits::long_call_timeout_ms_min));
  if (!reply) return fs_unreached("df", "/", *target, reply.error());
  if (reply->error != 0) return fs_fail("df", "/", *reply);
  if (!options.json_output) {
    print_df(*reply);
    return 0;
  }
  json out = df_json(*reply);
  out["served_by"] = target->node;
  std::cout << json_text(out) << "\n";
  return 0;
}

}  // namespace bucky::cli
