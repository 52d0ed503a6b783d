// An append-only log of checksummed records in preallocated segment files, for
// state that must be durable before a reply and is read back whole only at start
// (the Paxos acceptor's promises and accepted values). One append is one pwrite
// and one fdatasync into a file whose size does not change: on this project's
// 2-core VM ~0.16 ms, against ~0.7 ms for an LMDB commit of ~20 scattered pages.
//
// On disk, in `dir`:
//   <20-digit segment number>.log   segment_size_bytes long, allocated up front
//   block 0  the segment header: magic, the segment's number and size, CRC-32
//   record   4-byte little-endian payload size, 4-byte CRC-32 of the payload,
//            the payload, zeros up to the next block_size_bytes boundary
// A record starts on a block boundary; a zero size ends a segment's records.
// Segments are numbered without gaps; only the oldest are ever removed. A new
// segment is zero-filled and synced under a .tmp name, then renamed; the one after
// it is made in the background meanwhile (so disk use is up to one segment more).
//
// At open every record is read, oldest segment first. A record that does not
// check out is a write torn by a crash when nothing valid follows it in the newest
// segment (it was never acknowledged: acknowledgement waits for the sync); it is
// zeroed, with what followed it, and the count is kept in torn_bytes_zeroed().
// Anywhere else it is damage: open fails with a corruption status naming the file
// and byte, and nothing is changed. So does a segment missing between two others,
// or one whose header is gone or disagrees with its name or size (emptied,
// truncated, copied). A segment of an earlier version (no header, records from
// byte 0) is still read. What this log cannot see (its newest or every segment
// deleted) its owner must check against what it recorded elsewhere (acceptor_log).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/status.hpp"
#include "storage/file_system.hpp"

namespace bucky::storage {

struct append_log_options {
  std::string dir;  // created if missing
  std::size_t segment_size_bytes = std::size_t{16} << 20;
  std::size_t record_size_bytes_max = std::size_t{8} << 20;  // also bounds what open() accepts
  // Tests only (injected slow or full disk): runs before every write; a failure is
  // what the write returns, with nothing written.
  std::function<status()> before_write;
  // Where the files are: the machine's own file system, or the simulator's disk.
  file_system* fs = &posix_file_system();
  // Whether the next segment is made on a thread while appends go on (the node);
  // the simulator makes it when it is needed, on its one thread.
  bool spare_in_background = true;
};

class append_log {
 public:
  static constexpr std::size_t block_size_bytes = 4096;
  static constexpr std::size_t record_header_bytes = 8;
  static constexpr std::size_t records_start_bytes = block_size_bytes;  // after the segment header
  // Gets each record's payload in order; a failure stops open() and is returned.
  using visitor = std::function<status(std::uint64_t segment, std::string_view payload)>;

  static result<std::unique_ptr<append_log>> open(const append_log_options& options, const visitor& visit);
  ~append_log();
  append_log(const append_log&) = delete;
  append_log& operator=(const append_log&) = delete;

  // Writes one record into the current segment and syncs it. There must be a
  // current segment with room: see fits() and start_segment().
  status append(std::string_view payload);
  // Whether a payload of this size fits in what is left of the current segment.
  bool fits(std::size_t payload_bytes) const;
  // Creates the next segment (allocated, synced, renamed, directory synced); later
  // appends go there.
  status start_segment();
  // Whether the directory has room for one more segment: allocated, then given back
  // (a leftover of a crash in between ends in .log.tmp, which open() removes).
  status check_segment_room() const;
  // Deletes every segment numbered below `segment`, never the current one.
  status remove_below(std::uint64_t segment);

  // Segment numbers on disk, oldest first; empty for a log never written.
  const std::vector<std::uint64_t>& segments() const { return segments_; }
  std::uint64_t torn_bytes_zeroed() const { return torn_bytes_zeroed_; }
  const append_log_options& options() const { return options_; }
  std::string segment_path(std::uint64_t segment) const;

 private:
  explicit append_log(append_log_options options) : options_(std::move(options)) {}
  struct spare_segment {
    std::uint64_t segment = 0;
    result<std::unique_ptr<file>> made;  // open, zero-filled, synced, under its .tmp name
  };
  // The background spare goes out a chunk at a time (16 MiB: 64 chunks, 0.13 s of
  // pauses plus the writes).
  static constexpr std::size_t spare_chunk_bytes = 256 * 1024;
  static constexpr std::uint64_t spare_chunk_pause_ms = 2;
  // `cancelled` (paced only): checked between chunks; set when the log closes, so a
  // stop does not wait for a spare it will not use.
  static result<std::unique_ptr<file>> make_segment_file(file_system& fs, const std::string& path,
                                                          std::size_t bytes, bool paced,
                                                          const std::atomic<bool>* cancelled);
  status read_segment(std::uint64_t segment, bool newest, const visitor& visit);
  status sync_dir() const { return options_.fs->sync_dir(options_.dir); }

  append_log_options options_;
  std::vector<std::uint64_t> segments_;
  std::unique_ptr<file> newest_;  // the newest segment, open for writing
  std::uint64_t offset_bytes_ = 0;  // where its next record goes
  std::uint64_t capacity_bytes_ = 0;  // its size
  std::uint64_t torn_bytes_zeroed_ = 0;
  std::future<spare_segment> spare_;  // the next segment, being made in the background
  std::shared_ptr<std::atomic<bool>> spare_cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace bucky::storage
