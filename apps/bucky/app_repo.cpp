#include "apps/bucky/app_repo.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/packages/app_record.hpp"
#include "actors/packages/package_file.hpp"
#include "actors/packages/repo_index.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/json_output.hpp"
#include "apps/bucky/pkg_commands.hpp"
#include "apps/bucky/url_fetch.hpp"
#include "net/key_file.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

using json = nlohmann::json;
using namespace packages;

// A package download gets at least this long whatever --timeout-ms says.
constexpr std::uint64_t package_fetch_timeout_ms_min = 60'000;

result<std::vector<repo_source>> read_sources(admin_session& session, const cli_options& options) {
  kv_request request;
  request.success.push_back(range_op(app_keys::sources_prefix, prefix_range_end(app_keys::sources_prefix)));
  auto answer = kv_call(session, options, request);
  if (!answer) return answer.error();
  std::vector<repo_source> out;
  for (const auto& kv : answer->response.results.at(0).kvs) {
    if (auto source = parse_repo_source(kv.value)) out.push_back(std::move(*source));
  }
  return out;
}

std::string where_of(const repo_source& source) { return fmt::format("repo {} ({})", source.name, source.url); }

result<repo_index> fetch_index(const repo_source& source, const cli_options& options) {
  auto key = net::public_key::from_text(source.public_key);
  if (!key) return status(status_code::invalid_argument, fmt::format("{}: its key: {}", where_of(source), key.error().message()));
  auto text = fetch_url(url_join(source.url, repo_index_file), repo_index_limits::text_bytes_max, options.timeout_ms);
  if (!text) return status(text.error().code(), fmt::format("{}: {}", where_of(source), text.error().message()));
  return verify_repo_index(*text, *key, where_of(source));
}

}  // namespace

int repo_build(const repo_options& repo) {
  auto key = net::load_key_file(repo.key);
  if (!key) return fail(2, fmt::format("repo build: --key {}: {}", repo.key, key.error().message()));
  repo_index index;
  index.repo = repo.name.empty() ? std::filesystem::path(repo.dir).filename().string() : repo.name;
  index.generated_unix_s = static_cast<std::int64_t>(std::time(nullptr));
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::recursive_directory_iterator(repo.dir, error)) {
    if (item.is_regular_file() && item.path().extension() == package_extension) files.push_back(item.path());
  }
  if (error) return fail(1, fmt::format("repo build: {}: {}", repo.dir, error.message()));
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto bytes = read_package_file(file.string());
    if (!bytes) return fail(1, "repo build: " + bytes.error().message());
    auto opened = open_package(*bytes, file.string());
    if (!opened) return fail(1, "repo build: " + opened.error().message() + " (remove it from the repo)");
    const auto& m = opened->manifest;
    index.packages.push_back({m.name, m.version, m.description, m.publisher.to_text(), opened->content_id, opened->size_bytes,
                              std::filesystem::relative(file, repo.dir).generic_string()});
  }
  const std::string path = repo.dir + "/" + repo_index_file;
  if (auto wrote = write_file_atomically(path, signed_repo_index(index, *key), 0644); !wrote.is_ok()) return fail(1, "repo build: " + wrote.to_string());
  std::cout << fmt::format("{}: {} packages, signed by {}\n", path, index.packages.size(), key->public_part().to_text());
  return 0;
}

int repo_add(const cli_options& options, const repo_options& repo) {
  if (auto name = check_app_name(repo.name); !name.is_ok()) return fail(2, "repo add: the repo's name: " + name.message());
  if (auto key = net::public_key::from_text(repo.key); !key) return fail(2, "repo add: --key: " + key.error().message());
  repo_source source{repo.name, repo.url, repo.key};
  if (!repo.no_check) {
    auto index = fetch_index(source, options);
    if (!index) return fail(1, "repo add: " + index.error().message() + " (nothing added; --no-check adds it anyway)");
    std::cout << fmt::format("{}: {} packages, index verified\n", where_of(source), index->packages.size());
  }
  auto written = kv_call(options, write_document_request(app_keys::source(repo.name), repo_source_json(source), 0));
  if (!written) return fail_with(written.error());
  auto revision = write_document_answer(app_keys::source(repo.name), 0, written->response);
  if (!revision) return fail(1, fmt::format("repo add: repo {} exists (bucky repo remove {} first)", repo.name, repo.name));
  std::cout << fmt::format("repo {} added at revision {}\n", repo.name, *revision);
  return 0;
}

int repo_list(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto sources = read_sources(*session, options);
  if (!sources) return fail_with(sources.error());
  json rows = json::array();
  for (const auto& source : *sources) rows.push_back({{"name", source.name}, {"url", source.url}, {"public_key", source.public_key}});
  if (options.json_output) {
    std::cout << json_text(json{{"repos", rows}}) << "\n";
    return 0;
  }
  if (sources->empty()) std::cout << "no repos (bucky repo add NAME URL --key PUBLIC_KEY)\n";
  for (const auto& source : *sources) std::cout << fmt::format("{:<16} {}  key {}\n", source.name, source.url, source.public_key);
  return 0;
}

int repo_remove(const cli_options& options, const repo_options& repo) {
  auto removed = remove_document(options, app_keys::source(repo.name), "repo " + repo.name + " (bucky repo list shows them)");
  if (!removed) return fail(1, removed.error().message());
  std::cout << fmt::format("repo {} removed at revision {}; installed apps keep running\n", repo.name, *removed);
  return 0;
}

result<json> repo_packages(admin_session& session, const cli_options& options, const std::string& word) {
  auto sources = read_sources(session, options);
  if (!sources) return sources.error();
  json rows = json::array();
  json problems = json::array();
  for (const auto& source : *sources) {
    auto index = fetch_index(source, options);
    if (!index) {
      problems.push_back(index.error().message());
      continue;
    }
    for (const auto& p : index->packages) {
      if (p.name.find(word) == std::string::npos && p.description.find(word) == std::string::npos) continue;
      rows.push_back({{"repo", source.name}, {"name", p.name}, {"version", p.version}, {"description", p.description},
                      {"content_id", p.content_id}, {"size_bytes", p.size_bytes}});
    }
  }
  return json{{"packages", rows}, {"problems", problems}, {"repos", sources->size()}};
}

int app_search(const cli_options& options, const repo_options& repo) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail_with(session.error());
  auto found = repo_packages(*session, options, repo.word);
  if (!found) return fail_with(found.error());
  const auto& rows = (*found)["packages"];
  for (const auto& problem : (*found)["problems"]) std::cerr << "bucky: app search: " << problem.get<std::string>() << "\n";
  if (options.json_output) {
    std::cout << json_text(json{{"packages", rows}}) << "\n";
  } else {
    if (rows.empty()) {
      std::cout << fmt::format("nothing matches \"{}\" in {} repos\n", repo.word,
                               (*found)["repos"].get<std::size_t>() - (*found)["problems"].size());
    }
    for (const auto& row : rows) {
      std::cout << fmt::format("{:<16} {:<12} {:<12} {}\n", row["name"].get<std::string>(), row["version"].get<std::string>(),
                               row["repo"].get<std::string>(), row["description"].get<std::string>());
    }
  }
  return (*found)["problems"].empty() || !rows.empty() ? 0 : 1;
}

result<std::string> fetch_from_repos(const cli_options& options, admin_session& session, const std::string& wanted) {
  const auto name = wanted.substr(0, wanted.find('#'));
  if (auto valid = check_app_name(name); !valid.is_ok()) {
    return status(status_code::invalid_argument, fmt::format("{}: neither a package file nor an app name ({})", wanted, valid.message()));
  }
  auto sources = read_sources(session, options);
  if (!sources) return sources.error();
  if (sources->empty()) return status(status_code::not_found, fmt::format("{}: no such file, and the zone has no repos (bucky repo add)", wanted));
  std::optional<std::pair<repo_source, repo_package>> best;
  std::vector<std::string> problems;
  for (const auto& source : *sources) {
    auto index = fetch_index(source, options);
    if (!index) {
      problems.push_back(index.error().message());
      continue;
    }
    auto found = find_package(*index, wanted, where_of(source));
    if (!found) {
      problems.push_back(found.error().message());
      continue;
    }
    if (!best || compare_versions(found->version, best->second.version) > 0) best.emplace(source, *found);
  }
  if (!best) return status(status_code::not_found, fmt::format("{}: not found: {}", wanted, fmt::join(problems, "; ")));
  const auto& [source, package] = *best;
  const std::string url = url_join(source.url, package.path);
  auto bytes = fetch_url(url, package.size_bytes, std::max(options.timeout_ms, package_fetch_timeout_ms_min));
  if (!bytes) return bytes.error();
  if (content_id_of(*bytes) != package.content_id) {
    return status(status_code::corruption, fmt::format("{}: its bytes are not {} as the signed index says (altered on the way or on the server): refused",
                                                       url, package.content_id));
  }
  return bytes;
}

}  // namespace bucky::cli
