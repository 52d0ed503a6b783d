#include "storage/append_log.hpp"

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "storage/checksum.hpp"

namespace bucky::storage {

namespace {

constexpr std::size_t segment_digits = 20;

status os_error(const std::string& action, const std::string& path, int error = errno) {
  return status(status_code::io_error, fmt::format("cannot {} {}: {}", action, path, std::strerror(error)));
}

// Block 0 of a segment: magic, segment number, segment size, CRC-32 of the three.
// It makes a segment that was truncated, renamed or emptied fail at open instead of
// reading as a log that simply ends early.
constexpr std::string_view segment_magic = "BKYLOG01";
constexpr std::size_t segment_header_bytes = 28;

std::string segment_header(std::uint64_t segment, std::uint64_t size_bytes) {
  std::string block(append_log::block_size_bytes, '\0');
  std::memcpy(block.data(), segment_magic.data(), segment_magic.size());
  write_le64(block.data() + 8, segment);
  write_le64(block.data() + 16, size_bytes);
  write_le32(block.data() + 24, crc32_of(std::string_view(block.data(), 24)));
  return block;
}

std::size_t padded_bytes(std::size_t payload_bytes) {
  std::size_t raw = append_log::record_header_bytes + payload_bytes;
  return (raw + append_log::block_size_bytes - 1) / append_log::block_size_bytes * append_log::block_size_bytes;
}

bool pread_all(int fd, char* into, std::size_t size, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, into + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool pwrite_all(int fd, const char* from, std::size_t size, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd, from + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// One segment file opened for reading its records.
class segment_file {
 public:
  enum class found { end, record, bad };

  segment_file(int fd, std::uint64_t size_bytes, std::size_t record_size_bytes_max)
      : fd_(fd), size_bytes_(size_bytes), record_size_bytes_max_(record_size_bytes_max) {}

  // What starts at `offset` (a block boundary); a record's payload goes to `payload`.
  result<found> at(std::uint64_t offset, std::string& payload) const {
    if (offset + append_log::record_header_bytes > size_bytes_) return found::end;
    char header[append_log::record_header_bytes];
    if (!pread_all(fd_, header, sizeof header, offset)) return os_error("read", "a log segment");
    std::uint32_t size = read_le32(header), crc = read_le32(header + 4);
    if (size == 0 && crc == 0) return found::end;
    if (size == 0 || size > record_size_bytes_max_ || offset + append_log::record_header_bytes + size > size_bytes_) {
      return found::bad;
    }
    payload.resize(size);
    if (!pread_all(fd_, payload.data(), size, offset + append_log::record_header_bytes)) {
      return os_error("read", "a log segment");
    }
    return crc32_of(payload) == crc ? found::record : found::bad;
  }

  // After a bad record at `offset`: whether a valid record starts at a later block
  // (then the bad one is damage, not a torn last write), and where the last block
  // holding anything but zeros ends.
  result<std::pair<bool, std::uint64_t>> scan_after(std::uint64_t offset) const {
    std::uint64_t nonzero_end = offset + append_log::block_size_bytes;
    std::string block(append_log::block_size_bytes, '\0'), payload;
    for (std::uint64_t b = offset + append_log::block_size_bytes; b + block.size() <= size_bytes_; b += block.size()) {
      if (!pread_all(fd_, block.data(), block.size(), b)) return os_error("read", "a log segment");
      if (std::all_of(block.begin(), block.end(), [](char c) { return c == 0; })) continue;
      nonzero_end = b + block.size();
      auto what = at(b, payload);
      if (!what) return what.error();
      if (*what == found::record) return std::pair{true, nonzero_end};
    }
    return std::pair{false, std::min(nonzero_end, size_bytes_)};
  }

 private:
  int fd_;
  std::uint64_t size_bytes_;
  std::size_t record_size_bytes_max_;
};

}  // namespace

// Where a segment's records start: after its header, or at byte 0 in a segment of an
// earlier version (no header; accepted only when a valid record starts there, so an
// emptied file is not taken for one). Anything else is damage.
static result<std::uint64_t> check_segment_header(int fd, const std::string& path, std::uint64_t segment,
                                                  std::uint64_t size_bytes, const segment_file& file) {
  std::string header(segment_header_bytes, '\0');
  bool readable = size_bytes >= append_log::block_size_bytes && pread_all(fd, header.data(), header.size(), 0);
  if (!readable || std::string_view(header).substr(0, segment_magic.size()) != segment_magic) {
    std::string payload;
    auto first = file.at(0, payload);
    if (first && *first == segment_file::found::record) return 0;  // an earlier version's segment
    return status(status_code::corruption,
                  fmt::format("{}: no segment header ({} bytes; the file was emptied, truncated or is not a log "
                              "segment)",
                              path, size_bytes));
  }
  if (crc32_of(std::string_view(header).substr(0, 24)) != read_le32(header.data() + 24)) {
    return status(status_code::corruption, fmt::format("{}: the segment header does not check out", path));
  }
  if (read_le64(header.data() + 8) != segment) {
    return status(status_code::corruption, fmt::format("{}: the header says segment {}: the file was renamed or "
                                                       "copied from elsewhere",
                                                       path, read_le64(header.data() + 8)));
  }
  if (read_le64(header.data() + 16) != size_bytes) {
    return status(status_code::corruption, fmt::format("{}: {} bytes where its header says {}: the file was "
                                                       "truncated or extended",
                                                       path, size_bytes, read_le64(header.data() + 16)));
  }
  return std::uint64_t{append_log::block_size_bytes};
}

// A file of `bytes` zeros at `path` (replaced if there), synced. Written, not only
// allocated: on a journaled ext4 an append into allocated but unwritten space also
// syncs the extent change (measured on a loop-mounted ext4: 4.5 ms per 4 KiB
// append and fdatasync, against 1.2 ms into zeros written before).
// `paced`: made in the background while appends go on, so written out a chunk at a
// time with a pause after each: 16 MiB written then synced at once held the disk
// for ~40 ms, and every append's fdatasync meanwhile (3 nodes on one disk: 37 ms
// appends on all of them at each new segment).
result<int> append_log::make_segment_file(const std::string& path, std::size_t bytes, bool paced,
                                          const std::atomic<bool>* cancelled) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("create", path);
  int allocated = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));  // no space: fail before writing
  status problem;
  if (allocated != 0) problem = os_error(fmt::format("allocate {} MiB for", bytes >> 20), path, allocated);
  const std::size_t chunk_bytes = paced ? spare_chunk_bytes : std::size_t{1} << 20;
  std::string zeros(std::min(bytes, chunk_bytes), '\0');
  for (std::size_t done = 0; problem.is_ok() && done < bytes; done += zeros.size()) {
    auto length = std::min(zeros.size(), bytes - done);
    if (!pwrite_all(fd, zeros.data(), length, done)) problem = os_error("write", path);
    if (!paced || !problem.is_ok()) continue;
    if (cancelled && cancelled->load()) {
      problem = status(status_code::unavailable, "the log closed while its next segment was being made");
      continue;
    }
    if (::sync_file_range(fd, static_cast<off_t>(done), static_cast<off_t>(length),
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
      problem = os_error("write out", path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(spare_chunk_pause_ms));
  }
  if (problem.is_ok() && ::fsync(fd) != 0) problem = os_error("fsync", path);
  if (problem.is_ok()) return fd;
  ::close(fd);
  ::unlink(path.c_str());
  return problem;
}

std::string append_log::segment_path(std::uint64_t segment) const {
  return fmt::format("{}/{:0{}}.log", options_.dir, segment, segment_digits);
}

result<std::unique_ptr<append_log>> append_log::open(const append_log_options& options, const visitor& visit) {
  BUCKY_CHECK(options.segment_size_bytes % block_size_bytes == 0);
  BUCKY_CHECK(records_start_bytes + padded_bytes(options.record_size_bytes_max) <= options.segment_size_bytes);
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) return status(status_code::io_error, fmt::format("cannot create {}: {}", options.dir, error.message()));
  std::unique_ptr<append_log> log(new append_log(options));
  for (const auto& entry : std::filesystem::directory_iterator(options.dir, error)) {
    auto name = entry.path().filename().string();
    if (name.ends_with(".log.tmp")) {
      std::filesystem::remove(entry.path(), error);  // a segment whose creation a crash cut short
      continue;
    }
    if (name.size() != segment_digits + 4 || !name.ends_with(".log")) continue;
    auto digits = name.substr(0, segment_digits);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    log->segments_.push_back(std::stoull(digits));
  }
  if (error) return status(status_code::io_error, fmt::format("cannot list {}: {}", options.dir, error.message()));
  std::sort(log->segments_.begin(), log->segments_.end());
  for (std::size_t i = 1; i < log->segments_.size(); ++i) {
    if (log->segments_[i] != log->segments_[i - 1] + 1) {
      return status(status_code::corruption,
                    fmt::format("{}: segment {} is missing (segments {} and {} are there)", options.dir,
                                log->segments_[i - 1] + 1, log->segments_[i - 1], log->segments_[i]));
    }
  }
  for (std::size_t i = 0; i < log->segments_.size(); ++i) {
    auto read = log->read_segment(log->segments_[i], i + 1 == log->segments_.size(), visit);
    if (!read.is_ok()) return read;
  }
  return log;
}

// Reads one segment's records to `visit`. The newest stays open for appends.
status append_log::read_segment(std::uint64_t segment, bool newest, const visitor& visit) {
  auto path = segment_path(segment);
  int fd = ::open(path.c_str(), (newest ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return os_error("open", path);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    auto failure = os_error("stat", path);
    ::close(fd);
    return failure;
  }
  auto size_bytes = static_cast<std::uint64_t>(info.st_size);
  segment_file file(fd, size_bytes, options_.record_size_bytes_max);
  auto records_start = check_segment_header(fd, path, segment, size_bytes, file);
  if (!records_start) {
    ::close(fd);
    return records_start.error();
  }
  std::uint64_t offset = *records_start;
  std::string payload;
  status problem;
  while (problem.is_ok()) {
    auto what = file.at(offset, payload);
    if (!what) {
      problem = status(status_code::io_error, what.error().message() + " (" + path + ")");
      break;
    }
    if (*what == segment_file::found::end) break;
    if (*what == segment_file::found::record) {
      problem = visit(segment, payload);
      offset += padded_bytes(payload.size());
      continue;
    }
    auto after = file.scan_after(offset);
    if (!after) {
      problem = after.error();
    } else if (!newest || after->first) {
      problem = status(status_code::corruption,
                       fmt::format("{}: the record at byte {} does not check out and valid records follow it: the "
                                   "file is damaged (not a write cut short by a crash)",
                                   path, offset));
    } else {
      std::string zeros(after->second - offset, '\0');
      if (!pwrite_all(fd, zeros.data(), zeros.size(), offset) || ::fdatasync(fd) != 0) {
        problem = os_error("zero the torn end of", path);
      }
      torn_bytes_zeroed_ += zeros.size();
    }
    break;
  }
  if (!problem.is_ok() || !newest) {
    ::close(fd);
    return problem;
  }
  fd_ = fd;
  offset_bytes_ = offset;
  capacity_bytes_ = size_bytes;
  return {};
}

append_log::~append_log() {
  spare_cancelled_->store(true);  // a spare half made is removed (or its .tmp by the next open)
  if (spare_.valid()) {
    auto spare = spare_.get();
    if (spare.fd) ::close(*spare.fd);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool append_log::fits(std::size_t payload_bytes) const {
  if (fd_ < 0 || payload_bytes == 0 || payload_bytes > options_.record_size_bytes_max) return false;
  return offset_bytes_ + padded_bytes(payload_bytes) <= capacity_bytes_;
}

status append_log::append(std::string_view payload) {
  BUCKY_CHECK_MSG(fits(payload.size()), fmt::format("a {}-byte record does not fit at byte {} of segment {}",
                                                    payload.size(), offset_bytes_, segments_.back()));
  if (options_.before_write) {
    if (auto allowed = options_.before_write(); !allowed.is_ok()) return allowed;
  }
  std::string record(padded_bytes(payload.size()), '\0');
  write_le32(record.data(), static_cast<std::uint32_t>(payload.size()));
  write_le32(record.data() + 4, crc32_of(payload));
  std::memcpy(record.data() + record_header_bytes, payload.data(), payload.size());
  if (!pwrite_all(fd_, record.data(), record.size(), offset_bytes_) || ::fdatasync(fd_) != 0) {
    return os_error("append a record to", segment_path(segments_.back()));
  }
  offset_bytes_ += record.size();
  return {};
}

// The next segment comes ready-made from the background when it is (so an append
// that fills a segment does not wait for a segment of zeros), else it is made here.
status append_log::start_segment() {
  if (options_.before_write) {
    if (auto allowed = options_.before_write(); !allowed.is_ok()) return allowed;
  }
  std::uint64_t segment = segments_.empty() ? 1 : segments_.back() + 1;
  auto path = segment_path(segment), temporary = path + ".tmp";
  result<int> made = status(status_code::internal, "no spare segment");
  if (spare_.valid()) {
    auto spare = spare_.get();
    if (spare.segment == segment) made = std::move(spare.fd);
    else if (spare.fd) ::close(*spare.fd);
  }
  if (!made) made = make_segment_file(temporary, options_.segment_size_bytes, false, nullptr);
  if (!made) return made.error();
  int fd = *made;
  auto header = segment_header(segment, options_.segment_size_bytes);
  if (!pwrite_all(fd, header.data(), header.size(), 0) || ::fdatasync(fd) != 0) {
    auto failure = os_error("write the header of", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return failure;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    auto failure = os_error("rename into", path);
    ::close(fd);
    ::unlink(temporary.c_str());
    return failure;
  }
  if (auto synced = sync_dir(); !synced.is_ok()) {
    ::close(fd);
    return synced;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  offset_bytes_ = records_start_bytes;
  capacity_bytes_ = options_.segment_size_bytes;
  segments_.push_back(segment);
  auto next = segment_path(segment + 1) + ".tmp";
  spare_ = std::async(std::launch::async, [segment, next, bytes = options_.segment_size_bytes,
                                            cancelled = spare_cancelled_] {
    return spare_segment{segment + 1, make_segment_file(next, bytes, true, cancelled.get())};
  });
  return {};
}

status append_log::check_segment_room() const {
  auto path = options_.dir + "/room-probe.log.tmp";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("create", path);
  int allocated = ::posix_fallocate(fd, 0, static_cast<off_t>(options_.segment_size_bytes));
  ::close(fd);
  ::unlink(path.c_str());
  if (allocated == 0) return {};
  return os_error(fmt::format("allocate {} MiB for the next log segment in", options_.segment_size_bytes >> 20),
                  options_.dir, allocated);
}

status append_log::remove_below(std::uint64_t segment) {
  bool removed = false;
  while (segments_.size() > 1 && segments_.front() < segment) {
    auto path = segment_path(segments_.front());
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error("remove", path);
    segments_.erase(segments_.begin());
    removed = true;
  }
  return removed ? sync_dir() : status{};
}

status append_log::sync_dir() const {
  int fd = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("open directory", options_.dir);
  int synced = ::fsync(fd);
  ::close(fd);
  return synced == 0 ? status{} : os_error("fsync directory", options_.dir);
}

}  // namespace bucky::storage
