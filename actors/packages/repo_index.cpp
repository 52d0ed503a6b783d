#include "actors/packages/repo_index.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/packages/manifest.hpp"
#include "actors/packages/package_file.hpp"
#include "actors/zone_state/json_fields.hpp"

namespace bucky::packages {

namespace {

using json = nlohmann::json;

json index_json(const repo_index& index) {
  json packages = json::array();
  for (const auto& p : index.packages) {
    packages.push_back({{"name", p.name}, {"version", p.version}, {"description", p.description}, {"publisher", p.publisher},
                        {"content_id", p.content_id}, {"size_bytes", p.size_bytes}, {"path", p.path}});
  }
  return {{"format", 1}, {"repo", index.repo}, {"generated_unix_s", index.generated_unix_s}, {"packages", packages}};
}

status index_refused(std::string_view where, const std::string& why) {
  return status(status_code::invalid_argument, fmt::format("{}: {}", where, why));
}

result<repo_package> read_entry(const json& item, std::string_view where) {
  repo_package out;
  json_fields f(item, std::string(where) + ": a package");
  f.get("name", out.name, true);
  f.get("version", out.version, true);
  f.get("description", out.description);
  f.get("publisher", out.publisher, true);
  f.get("content_id", out.content_id, true);
  f.get("size_bytes", out.size_bytes, true);
  f.get("path", out.path, true);
  f.no_others();
  if (!f.ok()) return f.error();
  if (auto valid = check_app_name(out.name); !valid.is_ok()) return index_refused(where, valid.message());
  if (auto valid = check_version(out.version); !valid.is_ok()) return index_refused(where, valid.message());
  if (auto valid = check_content_id(out.content_id); !valid.is_ok()) return index_refused(where, valid.message());
  if (auto valid = check_entry_path(out.path); !valid.is_ok()) return index_refused(where, "package path " + valid.message());
  if (out.size_bytes > package_limits::file_bytes_max) return index_refused(where, fmt::format("{} {} is over the package limit", out.name, out.version));
  return out;
}

}  // namespace

std::string signed_repo_index(const repo_index& index, const net::key_pair& repo_key) {
  const std::string text = index_json(index).dump();
  auto sig = net::sign_in_domain(repo_key, repo_signing_domain, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  return json{{"index", index_json(index)}, {"signature", net::to_base64url(sig)}}.dump(1);
}

result<repo_index> verify_repo_index(std::string_view text, const net::public_key& repo_key, std::string_view where) {
  if (text.size() > repo_index_limits::text_bytes_max) {
    return status(status_code::too_large, fmt::format("{}: the index is over {} bytes", where, repo_index_limits::text_bytes_max));
  }
  auto document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("index") || !document.contains("signature") ||
      !document["signature"].is_string() || !document["index"].is_object() || document.size() != 2) {
    return index_refused(where, "not a repo index ({\"index\": ..., \"signature\": ...}, made by bucky repo build)");
  }
  const std::string signed_text = document["index"].dump();
  auto sig = net::from_base64url(document["signature"].get<std::string>(), net::signature_bytes, "signature");
  if (!sig || !net::verify_in_domain(repo_key, repo_signing_domain,
                                     {reinterpret_cast<const std::uint8_t*>(signed_text.data()), signed_text.size()},
                                     {reinterpret_cast<const std::uint8_t*>(sig->data()), sig->size()})) {
    return status(status_code::permission_denied,
                  fmt::format("{}: the index is not signed by the repo's key {} (altered, or another repo): not used", where,
                              repo_key.to_text()));
  }
  const json& index = document["index"];
  repo_index out;
  json_fields f(index, std::string(where));
  std::int64_t format = 0;
  f.get("format", format, true);
  f.get("repo", out.repo);
  f.get("generated_unix_s", out.generated_unix_s);
  f.known("packages");
  f.no_others();
  if (!f.ok()) return f.error();
  if (format != 1) return index_refused(where, fmt::format("index format {} is not 1 (made by a newer bucky?)", format));
  if (!index.contains("packages") || !index["packages"].is_array() || index["packages"].size() > repo_index_limits::packages_max) {
    return index_refused(where, fmt::format("\"packages\" must be a list of at most {}", repo_index_limits::packages_max));
  }
  for (const auto& item : index["packages"]) {
    auto entry = read_entry(item, where);
    if (!entry) return entry.error();
    out.packages.push_back(std::move(*entry));
  }
  return out;
}

result<repo_package> find_package(const repo_index& index, std::string_view wanted, std::string_view where) {
  const auto hash = wanted.find('#');
  const std::string_view name = wanted.substr(0, hash);
  const std::string_view version = hash == std::string_view::npos ? "" : wanted.substr(hash + 1);
  const repo_package* best = nullptr;
  std::vector<std::string> versions;
  for (const auto& p : index.packages) {
    if (p.name != name) continue;
    versions.push_back(p.version);
    if (!version.empty()) {
      if (p.version == version) return p;
      continue;
    }
    const bool release = p.version.find('-') == std::string::npos;
    if (release && (best == nullptr || compare_versions(p.version, best->version) > 0)) best = &p;
  }
  if (best != nullptr) return *best;
  if (versions.empty()) return status(status_code::not_found, fmt::format("{} has no app {}", where, name));
  return status(status_code::not_found, fmt::format("{} has {} in versions {}, not {}", where, name, fmt::join(versions, ", "),
                                                    version.empty() ? "a release" : std::string(version)));
}

}  // namespace bucky::packages
