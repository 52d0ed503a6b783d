// The few file operations storage/ makes by hand (the append log, small files
// written atomically), behind an interface, as LevelDB's Env: the node uses the
// POSIX one, and the simulator a disk of its own that loses unsynced writes, tears
// the last one, fails a sync or loses a file (tests/sim/disk/sim_disk.hpp), so
// the same code that writes the acceptor log runs under the faults a power cut
// makes. LMDB does its own I/O and is not behind this.
//
// Every error names the path and the operation. A missing file or directory is
// status_code::not_found, a full disk or quota no_space; everything else the OS
// refuses is io_error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::storage {

// One open file: reads and writes at byte offsets.
class file {
 public:
  virtual ~file() = default;
  // Reads exactly `size` bytes at `offset` (less is an error).
  [[nodiscard]] virtual status read_at(std::uint64_t offset, char* into, std::size_t size) = 0;
  // Writes all of `bytes` at `offset`; not durable before sync().
  [[nodiscard]] virtual status write_at(std::uint64_t offset, std::string_view bytes) = 0;
  // Makes every write so far (and the size) durable: fdatasync.
  [[nodiscard]] virtual status sync() = 0;
  // Reserves the first `size_bytes` (fails when the disk has no room): posix_fallocate.
  [[nodiscard]] virtual status allocate(std::uint64_t size_bytes) = 0;
  // Starts writing out a range and waits for it, so a later sync has little left to
  // do (sync_file_range); durability still comes only from sync().
  [[nodiscard]] virtual status write_out(std::uint64_t offset, std::uint64_t size_bytes) = 0;
  [[nodiscard]] virtual result<std::uint64_t> size() = 0;
  const std::string& path() const { return path_; }

 protected:
  explicit file(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

class file_system {
 public:
  enum class open_mode : std::uint8_t {
    read,        // an existing file, read only
    read_write,  // an existing file
    create,      // created, or emptied if there, with `permissions`
    create_new,  // created with `permissions`; already_exists if anything is there
                 // (never follows a link someone left in its place: key files)
  };
  virtual ~file_system() = default;
  [[nodiscard]] virtual result<std::unique_ptr<file>> open(const std::string& path, open_mode mode,
                                                           mode_t permissions = 0600) = 0;
  [[nodiscard]] virtual status create_dirs(const std::string& dir) = 0;
  // The names in `dir` (files and directories, no "." or "..").
  [[nodiscard]] virtual result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Renames a file or a directory, replacing a file at `to`; durable after sync_dir.
  [[nodiscard]] virtual status rename(const std::string& from, const std::string& to) = 0;
  // Removes a file; one already gone is no error. Durable after sync_dir.
  [[nodiscard]] virtual status remove(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  [[nodiscard]] virtual status sync_dir(const std::string& dir) = 0;
  [[nodiscard]] virtual result<bool> exists(const std::string& path) = 0;
  // Bytes an unprivileged writer can still put on the disk holding `dir` (statvfs:
  // f_bavail * f_frsize), so a store can keep a reserve before the disk is full.
  [[nodiscard]] virtual result<std::uint64_t> free_bytes(const std::string& dir) = 0;
};

// The machine's own file system. Thread-safe (it keeps no state).
file_system& posix_file_system();

// The directory part of a path ("." for a bare name).
std::string parent_dir(const std::string& path);

}  // namespace bucky::storage
