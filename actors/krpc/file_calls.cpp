#include "actors/krpc/file_calls.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bucky::krpc {

namespace {

// This thread acts as the app's uid for the file system until destroyed (a node
// that is not root is the only user it can act as anyway).
class as_app {
 public:
  explicit as_app(std::uint32_t uid) : switched_(::geteuid() == 0) {
    if (!switched_) return;
    ::setfsgid(uid);
    ::setfsuid(uid);
  }
  ~as_app() {
    if (!switched_) return;
    ::setfsuid(0);
    ::setfsgid(0);
  }
  as_app(const as_app&) = delete;
  as_app& operator=(const as_app&) = delete;

 private:
  bool switched_;
};

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

http_answer file_failed(int error, const std::string& zone_path) {
  const auto code = error == ENOENT ? status_code::not_found
                    : error == EACCES || error == EPERM || error == ELOOP || error == EXDEV ? status_code::permission_denied
                    : error == EFBIG ? status_code::too_large
                    : error == EISDIR || error == ENOTDIR ? status_code::invalid_argument
                    : error == ENOSPC || error == EDQUOT ? status_code::no_space
                                                         : status_code::io_error;
  const char* why = error == ELOOP || error == EXDEV ? "a symlink or a way out of the folder: kRPC follows neither" : std::strerror(error);
  auto answer = error_answer(status(code, fmt::format("{}: {}", zone_path, why)));
  if (code == status_code::no_space) answer.status = 507;
  return answer;
}

// `below` beneath the directory `root_fd`, following nothing out of it.
int open_beneath(int root_fd, const std::string& below, std::uint64_t flags, mode_t mode = 0) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, below.empty() ? "." : below.c_str(), &how, sizeof how));
}

http_answer read_file(int root_fd, const file_target& target, const std::string& zone_path) {
  fd_guard file(open_beneath(root_fd, target.below, O_RDONLY));
  if (file.get() < 0) return file_failed(errno, zone_path);
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) return file_failed(errno, zone_path);
  if (!S_ISREG(info.st_mode)) return file_failed(EISDIR, zone_path);
  if (static_cast<std::uint64_t>(info.st_size) > krpc_limits::file_bytes_max) return file_failed(EFBIG, zone_path);
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(file.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return {200, "application/octet-stream", std::move(bytes), 0};
}

http_answer list_directory(int root_fd, const file_target& target, const std::string& zone_path) {
  const int fd = open_beneath(root_fd, target.below, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return file_failed(errno, zone_path);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return file_failed(errno, zone_path);
  }
  nlohmann::json names = nlohmann::json::array();
  bool more = false;
  while (auto* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (names.size() >= krpc_limits::names_max) {
      more = true;
      break;
    }
    names.push_back(name);
  }
  ::closedir(dir);
  return {200, "application/json", nlohmann::json{{"names", names}, {"more", more}}.dump(), 0};
}

http_answer write_file(int root_fd, const file_target& target, const std::string& zone_path, const std::string& bytes) {
  const auto slash = target.below.rfind('/');
  if (target.below.empty()) return file_failed(EISDIR, zone_path);
  const std::string parent = slash == std::string::npos ? "" : target.below.substr(0, slash);
  const std::string name = slash == std::string::npos ? target.below : target.below.substr(slash + 1);
  fd_guard dir(open_beneath(root_fd, parent, O_PATH | O_DIRECTORY));
  if (dir.get() < 0) return file_failed(errno, zone_path);
  std::random_device random;
  const std::string temporary = fmt::format(".{}.krpc-{:08x}", name.substr(0, 200), random());
  fd_guard file(::openat(dir.get(), temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (file.get() < 0) return file_failed(errno, zone_path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(file.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::unlinkat(dir.get(), temporary.c_str(), 0);
      return file_failed(error, zone_path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(file.get()) != 0 || ::renameat(dir.get(), temporary.c_str(), dir.get(), name.c_str()) != 0) {
    const int error = errno;
    ::unlinkat(dir.get(), temporary.c_str(), 0);
    return file_failed(error, zone_path);
  }
  return {200, "application/json", nlohmann::json{{"bytes", bytes.size()}}.dump(), 0};
}

}  // namespace

http_answer file_call(const krpc_call& call, const file_target& target, std::uint32_t app_uid) {
  fd_guard root(::open(target.root.host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return file_failed(errno, target.root.zone_path);
  as_app acting(app_uid);
  switch (call.what) {
    case krpc_call::kind::file_get: return read_file(root.get(), target, call.key);
    case krpc_call::kind::file_list: return list_directory(root.get(), target, call.key);
    case krpc_call::kind::file_put: return write_file(root.get(), target, call.key, call.value);
    default: break;
  }
  return error_answer(status(status_code::internal, "not a file call"));
}

}  // namespace bucky::krpc
