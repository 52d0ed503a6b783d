// The panel's files page: the zone file system as the signed-in person may see it
// (zone_fs/fs_access.hpp decides, as for bucky fs).
#include <fmt/format.h>

#include "apps/panel/panel_link.hpp"

namespace bucky::panel {

namespace {

using json = nlohmann::json;

constexpr std::size_t list_entries_max = 10'000;

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The file name for Content-Disposition: printable ASCII without quotes or
// backslashes; anything else becomes '_'.
std::string download_name(const std::string& path) {
  std::string out;
  for (char c : base_name(path)) out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '_';
  return out.empty() ? "download" : out;
}

gateway::api_answer fs_refusal(const fs_reply& reply, const std::string& op, const std::string& path) {
  unsigned code = reply.error == ENOENT ? 404 : reply.error == EACCES || reply.error == EPERM ? 403
                  : reply.error == EEXIST ? 409 : reply.error == ENOSPC || reply.error == EDQUOT ? 507
                  : reply.error == ENOTDIR || reply.error == EISDIR || reply.error == EINVAL ? 400 : 500;
  return error_answer(code, fmt::format("{} {}: {}", op, path, reply.message));
}

gateway::api_answer list(panel_link& link, const std::string& path) {
  fs_request request;
  request.op = fs_op::list;
  request.path = path;
  json entries = json::array();
  bool more = true;
  while (more && entries.size() < list_entries_max) {
    request.limit = fs_message_limits::list_entries_max;
    auto reply = cli::fs_call(link.target, request, link.options.timeout_ms);
    if (!reply) return error_answer(reply.error());
    if (reply->error != 0) return fs_refusal(*reply, "listing", path);
    more = reply->more && !reply->entries.empty();
    if (!reply->entries.empty()) request.after = reply->entries.back().name;
    for (const auto& entry : reply->entries) entries.push_back(cli::entry_json(entry));
  }
  return json_answer({{"path", path}, {"entries", entries}, {"truncated", more}});
}

gateway::api_answer simple(panel_link& link, fs_op op, const std::string& path, const char* what) {
  fs_request request;
  request.op = op;
  request.path = path;
  request.recursive = op == fs_op::mkdir;  // a folder with its parents, like mkdir -p
  auto reply = cli::fs_call(link.target, request, link.options.timeout_ms);
  if (!reply) return error_answer(reply.error());
  if (reply->error != 0) return fs_refusal(*reply, what, path);
  return json_answer({{"path", path}, {"done", what}});
}

}  // namespace

gateway::api_answer files_call(panel_link& link, const gateway::api_call& call, std::uint64_t file_bytes_max) {
  auto found = call.query.find("path");
  if (found == call.query.end() || found->second.empty() || found->second[0] != '/') {
    return error_answer(400, "?path=/... (an absolute zone path) is required");
  }
  const auto& path = found->second;
  std::lock_guard lock(link.files_mutex);
  if (!link.pick_file_node()) return error_answer(503, "no node of the zone has a session with this person now");
  auto timeout_ms = std::max<std::uint64_t>(link.options.timeout_ms, cli::fs_cli_limits::long_call_timeout_ms_min);
  if (call.path == "files/list" && call.method == "GET") return list(link, path);
  if (call.path == "files/get" && call.method == "GET") {
    auto bytes = cli::zone_get_bytes(link.target, path, file_bytes_max, timeout_ms);
    if (!bytes) return error_answer(bytes.error());
    gateway::api_answer answer{200, "application/octet-stream", std::move(*bytes), {}};
    answer.headers["Content-Disposition"] = fmt::format("attachment; filename=\"{}\"", download_name(path));
    return answer;
  }
  if (call.path == "files/put" && call.method == "PUT") {
    auto written = cli::zone_put_bytes(link.target, path, call.body, timeout_ms);
    if (!written.is_ok()) return error_answer(written);
    return json_answer({{"path", path}, {"size_bytes", call.body.size()}});
  }
  if (call.path == "files/mkdir" && call.method == "POST") return simple(link, fs_op::mkdir, path, "making");
  if (call.path == "files/remove" && call.method == "POST") return simple(link, fs_op::remove, path, "removing");
  return error_answer(404, fmt::format("no API call {} {}", call.method, call.path));
}

}  // namespace bucky::panel
