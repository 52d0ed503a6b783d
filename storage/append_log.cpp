#include "storage/append_log.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "storage/checksum.hpp"

namespace bucky::storage {

namespace {

constexpr std::size_t segment_digits = 20;

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

// One segment file opened for reading its records.
class segment_file {
 public:
  enum class found { end, record, bad };

  segment_file(file& f, std::uint64_t size_bytes, std::size_t record_size_bytes_max)
      : file_(f), size_bytes_(size_bytes), record_size_bytes_max_(record_size_bytes_max) {}

  // What starts at `offset` (a block boundary); a record's payload goes to `payload`.
  result<found> at(std::uint64_t offset, std::string& payload) const {
    if (offset + append_log::record_header_bytes > size_bytes_) return found::end;
    char header[append_log::record_header_bytes];
    if (auto read = file_.read_at(offset, header, sizeof header); !read.is_ok()) return read;
    std::uint32_t size = read_le32(header), crc = read_le32(header + 4);
    if (size == 0 && crc == 0) return found::end;
    if (size == 0 || size > record_size_bytes_max_ || offset + append_log::record_header_bytes + size > size_bytes_) {
      return found::bad;
    }
    payload.resize(size);
    auto read = file_.read_at(offset + append_log::record_header_bytes, payload.data(), size);
    if (!read.is_ok()) return read;
    return crc32_of(payload) == crc ? found::record : found::bad;
  }

  // After a bad record at `offset`: whether a valid record starts at a later block
  // (then the bad one is damage, not a torn last write), and where the last block
  // holding anything but zeros ends.
  result<std::pair<bool, std::uint64_t>> scan_after(std::uint64_t offset) const {
    std::uint64_t nonzero_end = offset + append_log::block_size_bytes;
    std::string block(append_log::block_size_bytes, '\0'), payload;
    for (std::uint64_t b = offset + append_log::block_size_bytes; b + block.size() <= size_bytes_; b += block.size()) {
      if (auto read = file_.read_at(b, block.data(), block.size()); !read.is_ok()) return read;
      if (std::all_of(block.begin(), block.end(), [](char c) { return c == 0; })) continue;
      nonzero_end = b + block.size();
      auto what = at(b, payload);
      if (!what) return what.error();
      if (*what == found::record) return std::pair{true, nonzero_end};
    }
    return std::pair{false, std::min(nonzero_end, size_bytes_)};
  }

 private:
  file& file_;
  std::uint64_t size_bytes_;
  std::size_t record_size_bytes_max_;
};

}  // namespace

// Where a segment's records start: after its header, or at byte 0 in a segment of an
// earlier version (no header; accepted only when a valid record starts there, so an
// emptied file is not taken for one). Anything else is damage.
static result<std::uint64_t> check_segment_header(file& f, std::uint64_t segment, std::uint64_t size_bytes,
                                                  const segment_file& records) {
  const auto& path = f.path();
  std::string header(segment_header_bytes, '\0');
  bool readable = size_bytes >= append_log::block_size_bytes && f.read_at(0, header.data(), header.size()).is_ok();
  if (!readable || std::string_view(header).substr(0, segment_magic.size()) != segment_magic) {
    std::string payload;
    auto first = records.at(0, payload);
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
result<std::unique_ptr<file>> append_log::make_segment_file(file_system& fs, const std::string& path,
                                                            std::size_t bytes, bool paced,
                                                            const std::atomic<bool>* cancelled) {
  auto made = fs.open(path, file_system::open_mode::create);
  if (!made) return made;
  auto& f = **made;
  status problem = f.allocate(bytes);  // no space: fail before writing
  const std::size_t chunk_bytes = paced ? spare_chunk_bytes : std::size_t{1} << 20;
  std::string zeros(std::min(bytes, chunk_bytes), '\0');
  for (std::size_t done = 0; problem.is_ok() && done < bytes; done += zeros.size()) {
    auto length = std::min(zeros.size(), bytes - done);
    problem = f.write_at(done, std::string_view(zeros.data(), length));
    if (!paced || !problem.is_ok()) continue;
    if (cancelled && cancelled->load()) {
      problem = status(status_code::unavailable, "the log closed while its next segment was being made");
      continue;
    }
    problem = f.write_out(done, length);
    std::this_thread::sleep_for(std::chrono::milliseconds(spare_chunk_pause_ms));
  }
  if (problem.is_ok()) problem = f.sync();
  if (problem.is_ok()) return made;
  made->reset();
  (void)fs.remove(path);  // best effort: a leftover .tmp is removed by the next open
  return problem;
}

std::string append_log::segment_path(std::uint64_t segment) const {
  return fmt::format("{}/{:0{}}.log", options_.dir, segment, segment_digits);
}

result<std::unique_ptr<append_log>> append_log::open(const append_log_options& options, const visitor& visit) {
  BUCKY_CHECK(options.segment_size_bytes % block_size_bytes == 0);
  BUCKY_CHECK(records_start_bytes + padded_bytes(options.record_size_bytes_max) <= options.segment_size_bytes);
  BUCKY_CHECK(options.fs != nullptr);
  auto& fs = *options.fs;
  // The directory's own name is made durable too: a log whose directory a power
  // cut took back would read as never written.
  if (auto made = fs.create_dirs(options.dir); !made.is_ok()) return made;
  if (auto synced = fs.sync_dir(parent_dir(options.dir)); !synced.is_ok()) return synced;
  auto names = fs.list(options.dir);
  if (!names) return names.error();
  std::unique_ptr<append_log> log(new append_log(options));
  for (const auto& name : *names) {
    if (name.ends_with(".log.tmp")) {
      // A segment whose creation a crash cut short.
      if (auto removed = fs.remove(options.dir + "/" + name); !removed.is_ok()) return removed;
      continue;
    }
    if (name.size() != segment_digits + 4 || !name.ends_with(".log")) continue;
    auto digits = name.substr(0, segment_digits);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    log->segments_.push_back(std::stoull(digits));
  }
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
  auto opened = options_.fs->open(path, newest ? file_system::open_mode::read_write : file_system::open_mode::read);
  if (!opened) return opened.error();
  auto& f = **opened;
  auto size_bytes = f.size();
  if (!size_bytes) return size_bytes.error();
  segment_file records(f, *size_bytes, options_.record_size_bytes_max);
  auto records_start = check_segment_header(f, segment, *size_bytes, records);
  if (!records_start) return records_start.error();
  std::uint64_t offset = *records_start;
  std::string payload;
  status problem;
  while (problem.is_ok()) {
    auto what = records.at(offset, payload);
    if (!what) {
      problem = what.error();
      break;
    }
    if (*what == segment_file::found::end) break;
    if (*what == segment_file::found::record) {
      problem = visit(segment, payload);
      offset += padded_bytes(payload.size());
      continue;
    }
    auto after = records.scan_after(offset);
    if (!after) {
      problem = after.error();
    } else if (!newest || after->first) {
      problem = status(status_code::corruption,
                       fmt::format("{}: the record at byte {} does not check out and valid records follow it: the "
                                   "file is damaged (not a write cut short by a crash)",
                                   path, offset));
    } else {
      std::string zeros(after->second - offset, '\0');
      problem = f.write_at(offset, zeros);
      if (problem.is_ok()) problem = f.sync();
      torn_bytes_zeroed_ += zeros.size();
    }
    break;
  }
  if (!problem.is_ok() || !newest) return problem;
  newest_ = std::move(*opened);
  offset_bytes_ = offset;
  capacity_bytes_ = *size_bytes;
  return {};
}

append_log::~append_log() {
  spare_cancelled_->store(true);  // a spare half made is removed (or its .tmp by the next open)
  if (spare_.valid()) spare_.wait();
}

bool append_log::fits(std::size_t payload_bytes) const {
  if (!newest_ || payload_bytes == 0 || payload_bytes > options_.record_size_bytes_max) return false;
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
  auto written = newest_->write_at(offset_bytes_, record);
  if (written.is_ok()) written = newest_->sync();
  if (!written.is_ok()) return written;
  offset_bytes_ += record.size();
  return {};
}

// The next segment comes ready-made from the background when it is (so an append
// that fills a segment does not wait for a segment of zeros), else it is made here.
status append_log::start_segment() {
  if (options_.before_write) {
    if (auto allowed = options_.before_write(); !allowed.is_ok()) return allowed;
  }
  auto& fs = *options_.fs;
  std::uint64_t segment = segments_.empty() ? 1 : segments_.back() + 1;
  auto path = segment_path(segment), temporary = path + ".tmp";
  result<std::unique_ptr<file>> made = status(status_code::internal, "no spare segment");
  if (spare_.valid()) {
    auto spare = spare_.get();
    if (spare.segment == segment) made = std::move(spare.made);
  }
  if (!made) made = make_segment_file(fs, temporary, options_.segment_size_bytes, false, nullptr);
  if (!made) return made.error();
  auto header = segment_header(segment, options_.segment_size_bytes);
  status problem = (*made)->write_at(0, header);
  if (problem.is_ok()) problem = (*made)->sync();
  if (problem.is_ok()) problem = fs.rename(temporary, path);
  if (!problem.is_ok()) {
    made->reset();
    (void)fs.remove(temporary);  // best effort: the next open removes a leftover .tmp
    return problem;
  }
  if (auto synced = sync_dir(); !synced.is_ok()) return synced;
  newest_ = std::move(*made);
  offset_bytes_ = records_start_bytes;
  capacity_bytes_ = options_.segment_size_bytes;
  segments_.push_back(segment);
  if (options_.spare_in_background) {
    auto next = segment_path(segment + 1) + ".tmp";
    spare_ = std::async(std::launch::async, [&fs, segment, next, bytes = options_.segment_size_bytes,
                                              cancelled = spare_cancelled_] {
      return spare_segment{segment + 1, make_segment_file(fs, next, bytes, true, cancelled.get())};
    });
  }
  return {};
}

status append_log::check_segment_room() const {
  auto& fs = *options_.fs;
  auto path = options_.dir + "/room-probe.log.tmp";
  auto probe = fs.open(path, file_system::open_mode::create);
  if (!probe) return probe.error();
  auto allocated = (*probe)->allocate(options_.segment_size_bytes);
  probe->reset();
  (void)fs.remove(path);  // best effort: the next open removes a leftover .tmp
  if (allocated.is_ok()) return {};
  return status(allocated.code(), fmt::format("no room for the next log segment in {}: {}", options_.dir,
                                              allocated.message()));
}

status append_log::remove_below(std::uint64_t segment) {
  bool removed = false;
  while (segments_.size() > 1 && segments_.front() < segment) {
    if (auto gone = options_.fs->remove(segment_path(segments_.front())); !gone.is_ok()) return gone;
    segments_.erase(segments_.begin());
    removed = true;
  }
  return removed ? sync_dir() : status{};
}

}  // namespace bucky::storage
