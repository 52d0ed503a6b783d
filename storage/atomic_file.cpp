#include "storage/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace bucky {

namespace {

status os_error(const char* action, const std::string& path) {
  return status(status_code::io_error,
                fmt::format("cannot {} {}: {}", action, path, std::strerror(errno)));
}

bool write_all(int fd, const std::string& contents) {
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

status write_file_atomically(const std::string& path, const std::string& contents, mode_t mode) {
  std::string temporary = path + ".tmp";
  ::unlink(temporary.c_str());  // a leftover from a crash mid-write
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return os_error("create", temporary);
  if (::fchmod(fd, mode) != 0 || !write_all(fd, contents) || ::fsync(fd) != 0) {
    auto failure = os_error("write", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return failure;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    auto failure = os_error("rename into", path);
    ::unlink(temporary.c_str());
    return failure;
  }
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return os_error("open directory", directory);
  int synced = ::fsync(dir_fd);
  ::close(dir_fd);
  if (synced != 0) return os_error("fsync directory", directory);
  return {};
}

result<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return status(status_code::not_found, fmt::format("{} does not exist", path));
    return os_error("open", path);
  }
  std::string contents;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto failure = os_error("read", path);
      ::close(fd);
      return failure;
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
    if (contents.size() > small_file_bytes_max) {
      ::close(fd);
      return status(status_code::too_large,
                    fmt::format("{} is larger than {} bytes; it is not a file bucky wrote", path,
                                small_file_bytes_max));
    }
  }
  ::close(fd);
  return contents;
}

}  // namespace bucky
