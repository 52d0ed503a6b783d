#include "apps/bucky/zone_repo.hpp"

#include <charconv>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "actors/packages/manifest.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/service_json.hpp"
#include "actors/zone_state/system_config.hpp"

namespace bucky::cli {

using namespace packages;

result<app_state> read_app_state(admin_session& session, const cli_options& options, const std::string& name) {
  kv_request request;
  request.success.push_back(range_op(app_keys::record(name)));
  request.success.push_back(range_op(system_keys::service_spec(name)));
  request.success.push_back(range_op(app_keys::uids_prefix, prefix_range_end(app_keys::uids_prefix)));
  const std::string repo_prefix = app_keys::repo_entry(name, "");
  request.success.push_back(range_op(repo_prefix, prefix_range_end(repo_prefix)));
  auto answer = kv_call(session, options, request);
  if (!answer) return answer.error();
  const auto& results = answer->response.results;
  app_state out;
  if (!results.at(0).kvs.empty()) {
    auto record = parse_app_record(results[0].kvs[0].value);
    if (!record) return status(status_code::corruption, fmt::format("{}: {}", app_keys::record(name), record.error().message()));
    out.record = std::move(*record);
    out.record_revision = results[0].kvs[0].mod_revision;
  }
  if (!results.at(1).kvs.empty()) {
    out.spec_revision = results[1].kvs[0].mod_revision;
    auto spec = parse_service_spec(results[1].kvs[0].value);
    if (!spec) return status(status_code::corruption, fmt::format("{}: {}", system_keys::service_spec(name), spec.error().message()));
    out.spec = std::move(*spec);
  }
  for (const auto& kv : results.at(2).kvs) {  // a key that is no number reserves nothing
    const std::string_view digits = std::string_view(kv.key).substr(std::string_view(app_keys::uids_prefix).size());
    std::uint32_t uid = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), uid);
    if (error == std::errc() && end == digits.data() + digits.size()) out.uids[uid] = kv.value;
  }
  for (const auto& kv : results.at(3).kvs) {
    if (auto entry = parse_repo_entry(kv.value)) out.repo[entry->version] = std::move(*entry);
  }
  return out;
}

status keep_in_zone_repo(fs_target& target, const app_state& state, const opened_package& package,
                         const std::string& bytes, const cli_options& options) {
  const std::string file = app_keys::package_file(package.content_id);
  for (const auto& [version, entry] : state.repo) {
    if (entry.content_id != package.content_id) continue;
    fs_request probe;
    probe.op = fs_op::stat;
    probe.path = file;
    if (auto there = fs_call(target, probe, options.timeout_ms); there && there->error == 0 && there->entry.size_bytes == bytes.size()) return {};
  }
  if (auto made = zone_mkdir_p(target, app_keys::packages_dir, options.timeout_ms); !made.is_ok()) return made;
  return zone_put_bytes(target, file, bytes, options.timeout_ms);
}

result<std::string> fetch_from_zone_repo(fs_target& target, const cli_options& options, const std::string& wanted) {
  const auto hash = wanted.find('#');
  const std::string name = wanted.substr(0, hash);
  const std::string version = hash == std::string::npos ? "" : wanted.substr(hash + 1);
  if (!check_app_name(name).is_ok()) return status(status_code::not_found, wanted + " is not an app name");
  auto state = read_app_state(target.session, options, name);
  if (!state) return state.error();
  const repo_entry* best = nullptr;
  for (const auto& [entry_version, entry] : state->repo) {
    if (!version.empty() ? entry_version == version
                         : entry_version.find('-') == std::string::npos &&
                               (best == nullptr || compare_versions(entry_version, best->version) > 0)) {
      best = &entry;
    }
  }
  if (best == nullptr) return status(status_code::not_found, fmt::format("the zone repo has no {}", wanted));
  auto bytes = zone_get_bytes(target, best->file, package_limits::file_bytes_max, options.timeout_ms);
  if (!bytes) return bytes.error();
  if (content_id_of(*bytes) != best->content_id) {
    return status(status_code::corruption, fmt::format("the zone repo's {} is not {} (altered): refused", best->file, best->content_id));
  }
  return bytes;
}

void prune_zone_repo(fs_target& target, const cli_options& options, const std::string& name) {
  const std::string repo_prefix = app_keys::repo_entry(name, "");
  kv_request read;
  read.success.push_back(range_op(app_keys::apps_prefix, prefix_range_end(app_keys::apps_prefix)));
  read.success.push_back(range_op(repo_prefix, prefix_range_end(repo_prefix)));
  auto answer = kv_call(target.session, options, read);
  if (!answer) return;
  std::set<std::string> referenced;
  for (const auto& kv : answer->response.results.at(0).kvs) {
    auto record = parse_app_record(kv.value);
    if (!record) continue;
    referenced.insert(record->current.content_id);
    if (record->previous) referenced.insert(record->previous->content_id);
  }
  for (const auto& kv : answer->response.results.at(1).kvs) {
    auto entry = parse_repo_entry(kv.value);
    if (!entry || referenced.contains(entry->content_id)) continue;
    auto removed = kv_call(target.session, options, delete_document_request(kv.key, kv.mod_revision));
    if (!removed || !removed->response.succeeded) continue;  // changed meanwhile: the next prune sees it
    fs_request request;
    request.op = fs_op::remove;
    request.path = entry->file;
    (void)fs_call(target, request, options.timeout_ms);
    std::cout << fmt::format("zone repo: dropped {} {} (no app uses it)\n", entry->name, entry->version);
  }
}

}  // namespace bucky::cli
