#include "actors/packages/package_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "storage/atomic_file.hpp"

namespace bucky::packages {

namespace {

namespace fs = std::filesystem;

status io_failed(const std::string& what, const std::string& path, int error) {
  return status(status_code::io_error, fmt::format("{} {}: {}", what, path, std::strerror(error)));
}

result<std::string> read_whole(const fs::path& path, std::uint64_t size_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string content(size_bytes, '\0');
  if (!in.read(content.data(), static_cast<std::streamsize>(size_bytes)) || in.peek() != std::char_traits<char>::eof()) {
    return status(status_code::io_error, fmt::format("reading {}: it could not be read whole (changed while packing?)", path.string()));
  }
  return content;
}

// One entry of the directory walk; app.json at the top is the manifest, not an entry.
status add_entry(const fs::directory_entry& item, const fs::path& root, packed_directory& out, std::uint64_t& bytes) {
  const std::string relative = item.path().lexically_relative(root).generic_string();
  std::error_code error;
  const auto type = item.symlink_status(error).type();
  if (error) return status(status_code::io_error, fmt::format("reading {}: {}", item.path().string(), error.message()));
  if (type == fs::file_type::directory) {
    out.entries.push_back({relative, entry_kind::directory, {}});
    return {};
  }
  if (type != fs::file_type::regular) {
    return status(status_code::invalid_argument,
                  fmt::format("{} is not a regular file or directory (a symlink, device or socket): packages hold only files "
                              "and directories; copy what it points to instead", item.path().string()));
  }
  if (relative == "app.json") return {};
  const auto size = item.file_size();
  bytes += size;
  if (bytes > package_limits::file_bytes_max) {
    return status(status_code::too_large, fmt::format("{}: the files add up to more than the package limit of {} bytes",
                                                      root.string(), package_limits::file_bytes_max));
  }
  auto content = read_whole(item.path(), size);
  if (!content) return content.error();
  const bool executable = (fs::status(item.path()).permissions() & fs::perms::owner_exec) != fs::perms::none;
  out.entries.push_back({relative, executable ? entry_kind::executable : entry_kind::file, std::move(*content)});
  return {};
}

status write_entry(const package_entry& entry, const std::string& root) {
  const std::string path = root + "/" + entry.path;
  // Parents need not be listed: make them (the tree is ours and fresh, no links in it).
  const fs::path directory = entry.kind == entry_kind::directory ? fs::path(path) : fs::path(path).parent_path();
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return status(status_code::io_error, fmt::format("making {}: {}", directory.string(), error.message()));
  if (entry.kind == entry_kind::directory) return {};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return io_failed("creating", path, errno);
  std::size_t done = 0;
  while (done < entry.content.size()) {
    const ssize_t wrote = ::write(fd, entry.content.data() + done, entry.content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const int why = wrote < 0 ? errno : ENOSPC;
      ::close(fd);
      return io_failed("writing", path, why);
    }
    done += static_cast<std::size_t>(wrote);
  }
  const bool synced = ::fsync(fd) == 0;
  const int sync_error = errno;
  ::close(fd);
  if (!synced) return io_failed("syncing", path, sync_error);
  return {};
}

// Read-only from the leaves up, syncing each directory so the rename that follows
// publishes a tree that is on disk.
status seal_tree(const std::string& root) {
  std::error_code error;
  std::vector<fs::path> directories{root};
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const auto type = it->symlink_status().type();
    if (type == fs::file_type::directory) {
      directories.push_back(it->path());
    } else if (::chmod(it->path().c_str(), (fs::status(it->path()).permissions() & fs::perms::owner_exec) != fs::perms::none ? 0555 : 0444) != 0) {
      return io_failed("sealing", it->path().string(), errno);
    }
  }
  if (error) return status(status_code::io_error, fmt::format("walking {}: {}", root, error.message()));
  for (auto dir = directories.rbegin(); dir != directories.rend(); ++dir) {
    const int fd = ::open(dir->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_failed("opening", dir->string(), errno);
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::chmod(dir->c_str(), 0555) != 0) return io_failed("sealing", dir->string(), errno);
  }
  return {};
}

status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_failed("opening", dir, errno);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced ? status{} : io_failed("syncing", dir, errno);
}

}  // namespace

result<packed_directory> read_package_directory(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return status(status_code::not_found, fmt::format("{} is not a directory", dir));
  packed_directory out;
  auto manifest = read_small_file(dir + "/app.json");
  if (!manifest) {
    return status(manifest.error().code(), fmt::format("{}/app.json: {} (every package has one: see README, Apps)", dir, manifest.error().message()));
  }
  out.manifest_text = std::move(*manifest);
  const fs::path root = fs::path(dir).lexically_normal();
  std::uint64_t bytes = 0;
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (out.entries.size() >= package_limits::entries_max) {
      return status(status_code::too_large, fmt::format("{}: more than {} files and directories", dir, package_limits::entries_max));
    }
    if (auto added = add_entry(*it, root, out, bytes); !added.is_ok()) return added;
  }
  if (error) return status(status_code::io_error, fmt::format("reading {}: {}", dir, error.message()));
  return out;
}

status remove_unpacked(const std::string& target) {
  std::error_code error;
  if (!fs::exists(fs::symlink_status(target, error))) return {};
  for (auto it = fs::recursive_directory_iterator(target, error); !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->symlink_status().type() == fs::file_type::directory) ::chmod(it->path().c_str(), 0755);
  }
  ::chmod(target.c_str(), 0755);
  fs::remove_all(target, error);
  if (error) return status(status_code::io_error, fmt::format("removing {}: {}", target, error.message()));
  return {};
}

status unpack_package(const opened_package& package, const std::string& target) {
  std::error_code error;
  if (fs::exists(fs::symlink_status(target, error))) return status(status_code::already_exists, target + " exists already");
  const std::string partial = target + ".partial";
  if (auto cleared = remove_unpacked(partial); !cleared.is_ok()) return cleared;
  if (::mkdir(partial.c_str(), 0755) != 0) return io_failed("making", partial, errno);
  for (const auto& entry : package.entries) {
    if (auto wrote = write_entry(entry, partial); !wrote.is_ok()) return wrote;
    if (entry.kind == entry_kind::executable && ::chmod((partial + "/" + entry.path).c_str(), 0755) != 0) {
      return io_failed("marking executable", partial + "/" + entry.path, errno);
    }
  }
  if (auto wrote = write_file_atomically(partial + "/app.json", package.manifest_text, 0644); !wrote.is_ok()) return wrote;
  if (auto sealed = seal_tree(partial); !sealed.is_ok()) return sealed;
  if (::rename(partial.c_str(), target.c_str()) != 0) return io_failed("renaming into place", target, errno);
  return sync_directory(fs::path(target).parent_path().string());
}

}  // namespace bucky::packages
