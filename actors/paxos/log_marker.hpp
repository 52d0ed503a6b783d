// The acceptor log's marker: a small file kept apart from the log (in the data dir,
// outside state/), rewritten atomically whenever the log gains or drops a segment.
// It records which segments the log holds, so that a log deleted whole (a wiped
// state/ directory) or missing its newest or oldest segments is noticed at start,
// where it would otherwise read as a shorter log and the replica would vote again
// with promises forgotten (issue 17, defect 1). append_log itself notices a segment
// missing in the middle, emptied or truncated.
//
// File format (text): "bucky acceptor log marker\nsegments <oldest> <newest>\n".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messages/common/status.hpp"
#include "storage/file_system.hpp"

namespace bucky {

struct segment_range {
  std::uint64_t oldest = 0;
  std::uint64_t newest = 0;
  bool operator==(const segment_range&) const = default;
};

class log_marker {
 public:
  explicit log_marker(std::string path, storage::file_system& fs = storage::posix_file_system())
      : path_(std::move(path)), fs_(&fs) {}

  // nullopt: no marker (a new replica, or a log written by an earlier version).
  [[nodiscard]] result<std::optional<segment_range>> read() const;
  [[nodiscard]] status write(const segment_range& range) const;
  // Whether the segments on disk (contiguous, oldest first) hold everything the
  // marker recorded: none missing at the oldest end (the marker moves up before
  // old segments are deleted) nor at the newest (a crash after a segment was made
  // and before the marker moved leaves one more, which is fine).
  [[nodiscard]] status check(const segment_range& recorded, const std::vector<std::uint64_t>& on_disk,
                             const std::string& log_dir) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  storage::file_system* fs_;
};

}  // namespace bucky
