#include "storage/file_system.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>

namespace bucky::storage {

namespace {

status_code code_of(int error) {
  if (error == ENOENT) return status_code::not_found;
  if (error == ENOSPC || error == EDQUOT) return status_code::no_space;
  return status_code::io_error;
}

status os_error(std::string_view action, const std::string& path, int error = errno) {
  return status(code_of(error), fmt::format("cannot {} {}: {}", action, path, std::strerror(error)));
}

status fs_error(std::string_view action, const std::string& path, const std::error_code& error) {
  const bool errno_value = error.category() == std::generic_category() || error.category() == std::system_category();
  return status(errno_value ? code_of(error.value()) : status_code::io_error,
                fmt::format("cannot {} {}: {}", action, path, error.message()));
}

class posix_file final : public file {
 public:
  posix_file(std::string path, int fd) : file(std::move(path)), fd_(fd) {}
  ~posix_file() override { ::close(fd_); }

  status read_at(std::uint64_t offset, char* into, std::size_t size) override {
    for (std::size_t done = 0; done < size;) {
      ssize_t n = ::pread(fd_, into + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error("read", path());
      if (n == 0) {
        return status(status_code::io_error, fmt::format("cannot read {}: it ends before byte {}", path(),
                                                         offset + size));
      }
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  status write_at(std::uint64_t offset, std::string_view bytes) override {
    for (std::size_t done = 0; done < bytes.size();) {
      ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return os_error("write", path());
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  status sync() override { return ::fdatasync(fd_) == 0 ? status{} : os_error("fdatasync", path()); }

  status allocate(std::uint64_t size_bytes) override {
    int error = ::posix_fallocate(fd_, 0, static_cast<off_t>(size_bytes));
    if (error == 0) return {};
    return os_error(fmt::format("allocate {} MiB for", size_bytes >> 20), path(), error);
  }

  status write_out(std::uint64_t offset, std::uint64_t size_bytes) override {
    int flags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(size_bytes), flags) == 0) return {};
    return os_error("write out", path());
  }

  result<std::uint64_t> size() override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return os_error("stat", path());
    return static_cast<std::uint64_t>(info.st_size);
  }

 private:
  int fd_;
};

class posix_fs final : public file_system {
 public:
  result<std::unique_ptr<file>> open(const std::string& path, open_mode mode, mode_t permissions) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case open_mode::read: flags |= O_RDONLY; break;
      case open_mode::read_write: flags |= O_RDWR; break;
      case open_mode::create: flags |= O_RDWR | O_CREAT | O_TRUNC; break;
      case open_mode::create_new: flags |= O_RDWR | O_CREAT | O_EXCL; break;
    }
    const bool creating = mode == open_mode::create || mode == open_mode::create_new;
    int fd = ::open(path.c_str(), flags, permissions);
    if (fd < 0 && errno == EEXIST) {
      return status(status_code::already_exists, fmt::format("cannot create {}: something is already there", path));
    }
    if (fd < 0) return os_error(creating ? "create" : "open", path);
    if (creating && ::fchmod(fd, permissions) != 0) {
      auto failure = os_error("set the mode of", path);
      ::close(fd);
      return failure;
    }
    return std::unique_ptr<file>(new posix_file(path, fd));
  }

  status create_dirs(const std::string& dir) override {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    return error ? fs_error("create", dir, error) : status{};
  }

  result<std::vector<std::string>> list(const std::string& dir) override {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      names.push_back(entry.path().filename().string());
    }
    if (error) return fs_error("list", dir, error);
    return names;
  }

  status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) == 0) return {};
    return os_error("rename " + from + " to", to);
  }

  status remove(const std::string& path) override {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return {};
    return os_error("remove", path);
  }

  status sync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error("open directory", dir);
    int synced = ::fsync(fd);
    auto failure = synced == 0 ? status{} : os_error("fsync directory", dir);
    ::close(fd);
    return failure;
  }

  result<bool> exists(const std::string& path) override {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) return true;
    if (errno == ENOENT) return false;
    return os_error("look up", path);
  }

  result<std::uint64_t> free_bytes(const std::string& dir) override {
    struct statvfs info {};
    if (::statvfs(dir.c_str(), &info) != 0) return os_error("measure the free space of", dir);
    return static_cast<std::uint64_t>(info.f_bavail) * static_cast<std::uint64_t>(info.f_frsize);
  }
};

}  // namespace

file_system& posix_file_system() {
  static posix_fs fs;
  return fs;
}

std::string parent_dir(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace bucky::storage
