#include "apps/bucky/pkg_commands.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/packages/package_tree.hpp"
#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/session.hpp"
#include "net/key_file.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

namespace {

using json = nlohmann::json;

json package_json(const packages::opened_package& package) {
  const auto& m = package.manifest;
  json folders = json::array();
  for (const auto& folder : m.permissions.folders) {
    folders.push_back({{"path", folder.path}, {"access", folder.access == packages::folder_access::write ? "write" : "read"}});
  }
  return {{"name", m.name},
          {"version", m.version},
          {"description", m.description},
          {"publisher", m.publisher.to_text()},
          {"content_id", package.content_id},
          {"size_bytes", package.size_bytes},
          {"entries", package.entries.size()},
          {"asks", {{"folders", folders}, {"network", m.permissions.network}, {"services", m.permissions.services}}}};
}

}  // namespace

std::string asks_text(const packages::app_permissions& asks) {
  std::vector<std::string> parts;
  if (!asks.folders.empty()) {
    std::vector<std::string> folders;
    for (const auto& folder : asks.folders) {
      folders.push_back(fmt::format("{} ({})", folder.path, folder.access == packages::folder_access::write ? "write" : "read"));
    }
    parts.push_back("folders " + fmt::format("{}", fmt::join(folders, ", ")));
  }
  if (asks.network) parts.push_back("network");
  if (!asks.services.empty()) parts.push_back(fmt::format("services {}", fmt::join(asks.services, ", ")));
  return parts.empty() ? "nothing" : fmt::format("{}", fmt::join(parts, "; "));
}

result<std::string> read_package_file(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return status(status_code::not_found, fmt::format("{}: {}", path, error.message()));
  if (size > packages::package_limits::file_bytes_max) {
    return status(status_code::too_large, fmt::format("{}: {} bytes, over the package limit of {} bytes", path, size,
                                                      packages::package_limits::file_bytes_max));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return status(status_code::io_error, path + ": could not be read");
  return bytes;
}

int pkg_pack(const pkg_options& options) {
  if (options.key_path.empty()) return fail(2, "pkg pack: --key is required: the publisher's key file (bucky key create makes one)");
  auto key = net::load_key_file(options.key_path);
  if (!key) return fail(2, fmt::format("pkg pack: --key {}: {}", options.key_path, key.error().message()));
  auto tree = packages::read_package_directory(options.dir);
  if (!tree) return fail_with(status(tree.error().code(), "pkg pack: " + tree.error().message()));
  auto file = packages::pack_package(tree->manifest_text, std::move(tree->entries), *key);
  if (!file) return fail_with(status(file.error().code(), "pkg pack " + options.dir + ": " + file.error().message()));
  auto opened = packages::open_package(*file, options.dir);
  if (!opened) return fail(1, "pkg pack: " + opened.error().message());  // pack checked it: a bug
  const std::string out = options.out_path.empty()
                              ? fmt::format("{}-{}{}", opened->manifest.name, opened->manifest.version, packages::package_extension)
                              : options.out_path;
  if (auto wrote = write_file_atomically(out, *file, 0644); !wrote.is_ok()) return fail(1, "pkg pack: " + wrote.to_string());
  if (options.json_output) {
    auto out_json = package_json(*opened);
    out_json["file"] = out;
    std::cout << out_json.dump() << "\n";
    return 0;
  }
  std::cout << fmt::format("packed {} {} into {} ({} entries, {})\ncontent id {}\npublisher {}\n", opened->manifest.name,
                           opened->manifest.version, out, opened->entries.size(), bytes_text(opened->size_bytes),
                           opened->content_id, opened->manifest.publisher.to_text());
  return 0;
}

int pkg_verify(const pkg_options& options) {
  auto bytes = read_package_file(options.file);
  if (!bytes) return fail(1, "pkg verify: " + bytes.error().message());
  auto opened = packages::open_package(*bytes, options.file);
  if (!opened) return fail(1, "pkg verify: " + opened.error().message() + "; do not install it");
  if (options.json_output) {
    std::cout << package_json(*opened).dump() << "\n";
    return 0;
  }
  const auto& m = opened->manifest;
  std::cout << fmt::format("{}: verified\n  app         {} {}{}\n  content id  {}\n  publisher   {}\n  size        {} in {} entries\n"
                           "  asks for    {}\n",
                           options.file, m.name, m.version, m.description.empty() ? "" : " (" + m.description + ")",
                           opened->content_id, m.publisher.to_text(), bytes_text(opened->size_bytes), opened->entries.size(),
                           asks_text(m.permissions));
  return 0;
}

}  // namespace bucky::cli
