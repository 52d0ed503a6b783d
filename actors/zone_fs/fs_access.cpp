#include "actors/zone_fs/fs_access.hpp"

#include <fmt/format.h>

#include "actors/zone_fs/records.hpp"

namespace bucky::zone_fs {

fs_result<std::string> normalize_path(std::string_view path) {
  if (path.size() > fs_limits::path_bytes_max) {
    return fs_status(ENAMETOOLONG, fmt::format("a path of {} bytes (at most {})", path.size(), fs_limits::path_bytes_max));
  }
  if (path.find('\0') != std::string_view::npos) return fs_status(EINVAL, "a path with a NUL byte");
  std::string normalized;
  std::size_t at = 0;
  while (at < path.size()) {
    std::size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view name = path.substr(at, slash - at);
    at = slash + 1;
    if (name.empty() || name == ".") continue;
    if (name == "..") return fs_status(EINVAL, fmt::format("\"..\" in {}: give the path without it", path));
    if (name.size() > fs_limits::name_bytes_max) {
      return fs_status(ENAMETOOLONG, fmt::format("a name of {} bytes in {} (at most {})", name.size(), path,
                                                 fs_limits::name_bytes_max));
    }
    normalized += '/';
    normalized += name;
  }
  return normalized.empty() ? std::string("/") : normalized;
}

std::string parent_path(const std::string& normalized) {
  const std::size_t slash = normalized.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : normalized.substr(0, slash);
}

std::string last_name(const std::string& normalized) {
  const std::size_t slash = normalized.rfind('/');
  return slash == std::string::npos ? normalized : normalized.substr(slash + 1);
}

namespace {

bool inside(const std::string& path, const std::string& directory) {
  return path.size() > directory.size() + 1 && path.compare(0, directory.size(), directory) == 0 &&
         path[directory.size()] == '/';
}

fs_status refuse(const caller& who, const std::string& path, const char* instead) {
  return fs_status(EACCES, fmt::format("{} {} may not change {}; {}", role_name(who.role), who.name, path, instead));
}

}  // namespace

fs_status check_fs_access(const caller& who, fs_access access, const std::string& path) {
  switch (who.role) {
    case caller::kind::owner:
    case caller::kind::admin: return {};
    case caller::kind::node:
    case caller::kind::guest:
    case caller::kind::app:  // apps reach their folders through their sandbox and kRPC
      return fs_status(EACCES, fmt::format("{} {} may not use the zone's files through bucky fs (people only)",
                                           role_name(who.role), who.name));
    case caller::kind::reader:
      if (access == fs_access::read) return {};
      return refuse(who, path, "a reader only reads (the owner grants more with bucky user add --role)");
    case caller::kind::writer: {
      if (access == fs_access::read) return {};
      const std::string home = "/home/" + who.name;
      if (!who.name.empty() && inside(path, home)) return {};
      if (access == fs_access::make_directory && !who.name.empty() && (path == home || path == "/home")) return {};
      return refuse(who, path, fmt::format("a writer writes only under {}/", home).c_str());
    }
  }
  return fs_status(EACCES, fmt::format("an unknown role for {}", who.name));
}

}  // namespace bucky::zone_fs
