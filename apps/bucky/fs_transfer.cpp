// bucky fs put and get (fs_commands.hpp): a file between this machine and the zone,
// 1 MiB per request through one node. put streams into a write handle and returns
// once the node committed the file (R copies synced); get writes a temporary file
// next to LOCAL and renames it only when every byte arrived.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/bucky/fs_client.hpp"
#include "apps/bucky/fs_commands.hpp"
#include "apps/bucky/json_output.hpp"

namespace bucky::cli {

using json = nlohmann::json;

namespace {

// A file descriptor closed when it goes out of scope.
class unique_fd {
 public:
  explicit unique_fd(int fd) : fd_(fd) {}
  ~unique_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string rate_text(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? bytes_text(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)) + "/s" : "-";
}

// Up to `size` bytes (fewer only at the end of the file); an error in words.
result<std::string> read_piece(int fd, std::size_t size) {
  std::string piece(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, piece.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status(status_code::io_error, std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  piece.resize(got);
  return piece;
}

status write_all(int fd, const std::string& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status(status_code::io_error, std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::string zone_target(const std::string& zone_path, const std::string& local) {
  if (!zone_path.ends_with('/')) return zone_path;
  return zone_path + std::filesystem::path(local).filename().string();
}

}  // namespace

int fs_put(const cli_options& options, const fs_options& fs) {
  unique_fd local(::open(fs.local.c_str(), O_RDONLY | O_CLOEXEC));
  if (local.get() < 0) {
    return fs_local_fail(2, "put", fs.local, fmt::format("cannot open it to read: {} (check the local path)",
                                                         std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(local.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return fs_local_fail(2, "put", fs.local, "not a regular file: bucky fs put sends one file (a directory: each file)");
  }
  const std::string path = zone_target(fs.path, fs.local);
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  const auto started = std::chrono::steady_clock::now();
  fs_request request;
  request.op = fs_op::open_write;
  request.path = path;
  auto opened = fs_call(*target, request, options.timeout_ms);
  if (!opened) return fs_unreached("put", path, *target, opened.error());
  if (opened->error != 0) return fs_fail("put", path, *opened);
  // A failure from here on leaves the node's handle to be dropped when idle (60 s):
  // closing it would commit a partial file.
  request.op = fs_op::write;
  request.handle = opened->handle;
  for (;;) {
    auto piece = read_piece(local.get(), fs_message_limits::io_bytes_max);
    if (!piece) {
      return fs_local_fail(1, "put", fs.local, fmt::format("reading failed at byte {}: {} (nothing was put)",
                                                           request.offset, piece.error().message()));
    }
    if (piece->empty()) break;
    request.bytes = std::move(*piece);
    auto written = fs_call(*target, request, options.timeout_ms);
    if (!written) return fs_unreached("put", path, *target, written.error());
    if (written->error != 0) return fs_fail("put", path, *written);
    request.offset += request.bytes.size();
  }
  request.op = fs_op::close;
  request.bytes.clear();
  auto closed = fs_call(*target, request, std::max(options.timeout_ms, fs_cli_limits::long_call_timeout_ms_min));
  if (!closed) return fs_unreached("put", path, *target, closed.error());
  if (closed->error != 0) return fs_fail("put", path, *closed);
  const double seconds = seconds_since(started);
  if (options.json_output) {
    std::cout << json_text(json{{"local", fs.local}, {"path", path}, {"bytes", request.offset},
                                {"seconds", seconds}, {"served_by", target->node}})
              << "\n";
  } else {
    std::cout << fmt::format("{} -> {}: {} bytes in {:.2f} s ({}) via {}\n", fs.local, path, request.offset, seconds,
                             rate_text(request.offset, seconds), target->node);
  }
  return 0;
}

namespace {

// Reads `path` into `out`, 1 MiB a time, refusing a file that changes meanwhile.
// The count of bytes, or the exit code after the error was printed.
std::variant<std::uint64_t, int> copy_out(fs_target& target, const cli_options& options, const std::string& path,
                                          int out, const std::string& local) {
  fs_request request;
  request.op = fs_op::read;
  request.path = path;
  request.size_bytes = fs_message_limits::io_bytes_max;
  std::optional<fs_entry> first;
  for (;;) {
    auto reply = fs_call(target, request, options.timeout_ms);
    if (!reply) return fs_unreached("get", path, target, reply.error());
    if (reply->error != 0) return fs_fail("get", path, *reply);
    const fs_entry& now = reply->entry;
    if (!first) first = now;
    if (now.ino != first->ino || now.mtime_ns != first->mtime_ns || now.size_bytes != first->size_bytes) {
      return fs_local_fail(1, "get", path, "it changed while being read (someone wrote it): get it again");
    }
    if (status written = write_all(out, reply->bytes); !written.is_ok()) {
      return fs_local_fail(1, "get", local, fmt::format("writing failed at byte {}: {} (is the disk full?)",
                                                        request.offset, written.message()));
    }
    request.offset += reply->bytes.size();
    if (reply->bytes.empty() || request.offset >= first->size_bytes) return request.offset;
  }
}

}  // namespace

int fs_get(const cli_options& options, const fs_options& fs) {
  std::string local = fs.local;
  const bool to_stdout = local == "-";
  std::error_code ignored;
  if (!to_stdout && std::filesystem::is_directory(local, ignored)) {
    local = (std::filesystem::path(local) / std::filesystem::path(fs.path).filename()).string();
  }
  auto target = open_fs_target(options);
  if (!target) return fail_with(target.error());
  const auto started = std::chrono::steady_clock::now();
  if (to_stdout) {
    auto copied = copy_out(*target, options, fs.path, STDOUT_FILENO, "stdout");
    return std::holds_alternative<int>(copied) ? std::get<int>(copied) : 0;
  }
  const auto where = std::filesystem::absolute(local, ignored);
  std::string temp = (where.parent_path() / ("." + where.filename().string() + ".bucky-get-XXXXXX")).string();
  unique_fd out(::mkstemp(temp.data()));
  if (out.get() < 0) {
    return fs_local_fail(2, "get", local, fmt::format("cannot create a file in {}: {} (a directory you may write to?)",
                                                      where.parent_path().string(), std::strerror(errno)));
  }
  auto copied = copy_out(*target, options, fs.path, out.get(), local);
  if (std::holds_alternative<int>(copied) || ::fsync(out.get()) != 0 || ::close(out.release()) != 0 ||
      ::rename(temp.c_str(), local.c_str()) != 0) {
    const int code = std::holds_alternative<int>(copied) ? std::get<int>(copied)
                                                          : fs_local_fail(1, "get", local, std::strerror(errno));
    ::unlink(temp.c_str());
    return code;
  }
  const std::uint64_t bytes = std::get<std::uint64_t>(copied);
  const double seconds = seconds_since(started);
  if (options.json_output) {
    std::cout << json_text(json{{"path", fs.path}, {"local", local}, {"bytes", bytes}, {"seconds", seconds},
                                {"served_by", target->node}})
              << "\n";
  } else {
    std::cout << fmt::format("{} -> {}: {} bytes in {:.2f} s ({}) via {}\n", fs.path, local, bytes, seconds,
                             rate_text(bytes, seconds), target->node);
  }
  return 0;
}

}  // namespace bucky::cli
