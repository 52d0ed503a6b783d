#include "storage/data_dir.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace bucky {

namespace {

std::string read_small_file(int fd) {
  char buffer[64] = {};
  ssize_t got = pread(fd, buffer, sizeof buffer - 1, 0);
  if (got <= 0) return "";
  std::string text(buffer, static_cast<std::size_t>(got));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

data_dir_lock::data_dir_lock(data_dir_lock&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = other.lock_fd_;
    other.lock_fd_ = -1;
  }
  return *this;
}

data_dir_lock::~data_dir_lock() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

result<data_dir_lock> open_data_dir(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return status(status_code::invalid_argument, "data dir path is empty");
  std::error_code error;
  fs::create_directories(path, error);
  if (error) {
    return status(status_code::io_error,
                  fmt::format("cannot create data dir {}: {}; pass --data-dir with a directory "
                              "this user can create or write",
                              path, error.message()));
  }
  if (!fs::is_directory(path, error)) {
    return status(status_code::invalid_argument,
                  fmt::format("data dir {} exists but is not a directory; pass --data-dir with "
                              "a directory path",
                              path));
  }
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, error);
  if (access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return status(status_code::permission_denied,
                  fmt::format("data dir {} is not readable and writable by this user ({}); fix "
                              "its owner or mode, or pass another --data-dir",
                              path, std::strerror(errno)));
  }
  std::string lock_path = path + "/bucky-node.lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return status(status_code::io_error,
                  fmt::format("cannot open {}: {}", lock_path, std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string owner = read_small_file(fd);
    close(fd);
    return status(status_code::already_exists,
                  fmt::format("data dir {} is in use by another bucky-node (pid {}); stop it or "
                              "choose another --data-dir",
                              path, owner.empty() ? "unknown" : owner));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return status(status_code::io_error,
                  fmt::format("cannot write {}: {}", lock_path, std::strerror(errno)));
  }
  data_dir_lock lock;
  lock.path_ = path;
  lock.lock_fd_ = fd;
  return lock;
}

}  // namespace bucky
