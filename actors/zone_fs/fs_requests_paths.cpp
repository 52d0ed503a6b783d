#include "actors/zone_fs/fs_requests_paths.hpp"

#include <fmt/format.h>

namespace bucky::zone_fs::request_detail {

fs_reply failed(const fs_status& failure) {
  BUCKY_CHECK(!failure.is_ok());
  fs_reply reply;
  reply.error = failure.error();
  reply.message = failure.message();
  return reply;
}

std::vector<std::string> split_path(const std::string& normalized) {
  std::vector<std::string> names;
  std::size_t at = 1;
  while (at < normalized.size()) {
    std::size_t slash = normalized.find('/', at);
    if (slash == std::string::npos) slash = normalized.size();
    names.push_back(normalized.substr(at, slash - at));
    at = slash + 1;
  }
  return names;
}

fs_result<fs_inode> resolve_path(metadata& meta, const std::string& normalized) {
  auto current = meta.getattr(root_inode);
  if (!current) return current;
  std::string prefix;
  for (const std::string& name : split_path(normalized)) {
    if (current->kind != fs_kind::directory) {
      return fs_status(ENOTDIR, fmt::format("{} is not a directory", prefix));
    }
    prefix += "/" + name;
    current = meta.lookup(current->ino, name);
    if (!current && current.error().error() == ENOENT) return fs_status(ENOENT, fmt::format("{} does not exist", prefix));
    if (!current) return fs_status(current.error().error(), fmt::format("{}: {}", prefix, current.error().message()));
  }
  return current;
}

fs_result<fs_inode> resolve_directory(metadata& meta, const std::string& normalized) {
  auto found = resolve_path(meta, normalized);
  if (found && found->kind != fs_kind::directory) return fs_status(ENOTDIR, fmt::format("{} is not a directory", normalized));
  return found;
}

fs_status named_error(const fs_status& failure, const std::string& from, const std::string& to) {
  switch (failure.error()) {
    case ENOENT: return fs_status(ENOENT, fmt::format("{} does not exist", from));
    case EISDIR: return fs_status(EISDIR, fmt::format("{} is a directory and {} is not", to, from));
    case ENOTDIR: return fs_status(ENOTDIR, fmt::format("{} is a directory and {} is not", from, to));
    case ENOTEMPTY: return fs_status(ENOTEMPTY, fmt::format("{} is a directory that is not empty", to));
    default: return fs_status(failure.error(), fmt::format("{} -> {}: {}", from, to, failure.message()));
  }
}

}  // namespace bucky::zone_fs::request_detail
