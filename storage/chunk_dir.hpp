// A node's chunks on its own disk (DESIGN §10.1): one file per chunk, named by the
// hex of its chunk_id, under 256 subdirectories by the first two hex digits. A chunk
// is written to a temporary name, synced, renamed, and its directory synced, so a
// pulled plug leaves the whole chunk or nothing; every read hashes what it read,
// and a chunk that does not match its name is moved to corrupt/ (kept for a person
// to look at, never served) and reported as status_code::corruption.
//
// Used by the chunk_store actor only; one thread at a time (the actor's). Runs over
// storage::file_system, so the simulator's disk (which loses unsynced writes) tests
// the same code. Times are the caller's steady clock in ms (the core takes no clock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "messages/chunk_id.hpp"
#include "messages/common/status.hpp"
#include "storage/file_system.hpp"

namespace bucky::storage {

namespace chunk_dir_limits {
inline constexpr std::size_t chunk_bytes_max = 1024 * 1024;  // one chunk of a file (fs_limits::chunk_bytes)
inline constexpr std::size_t list_ids_max = 10'000;          // ids per list() answer
inline constexpr std::size_t stray_names_logged_max = 16;    // per open; the rest are counted
}  // namespace chunk_dir_limits

struct chunk_dir_options {
  std::string dir;  // e.g. <data_dir>/chunks; created when missing
  // put() of a new chunk fails with no_space when the disk would keep less than this
  // free: the node keeps room for its zone state, logs and repairs.
  std::uint64_t reserve_bytes = 1ull << 30;
  std::shared_ptr<spdlog::logger> log;  // names open() leaves alone (none: silent)
};

struct chunk_dir_figures {
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;           // sum of the chunks' sizes
  std::uint64_t corrupt_found = 0;   // chunks moved to corrupt/ since open
  std::uint64_t temps_removed = 0;   // leftovers of interrupted puts removed at open
};

class chunk_dir {
 public:
  // Creates the directory tree if missing, removes leftover temporary files, and
  // indexes every chunk file (name and size; contents are checked on read).
  // A file whose name is not a chunk id is left alone and logged once.
  static result<std::unique_ptr<chunk_dir>> open(file_system& fs, chunk_dir_options options, std::int64_t now_ms);

  // Stores `bytes` as chunk `id`, durably, before returning ok. Refuses bytes that
  // do not hash to `id` (corruption: the sender's or the wire's fault), more than
  // chunk_bytes_max (too_large), and a new chunk when free space would fall below
  // the reserve (no_space; nothing is left behind). A chunk already held is not
  // written again; its last_put time is refreshed (it is wanted again: see idle_ms).
  status put(const chunk_id& id, std::string_view bytes, std::int64_t now_ms);

  // The chunk's bytes, hash-checked. not_found when not held; corruption when the
  // file does not match (it is moved aside and dropped from the index).
  result<std::string> get(const chunk_id& id);

  bool has(const chunk_id& id) const;
  // Removes a chunk (durably: directory synced). One not held is no error.
  status remove(const chunk_id& id);
  // How long since this chunk was last put here (garbage collection waits out a
  // grace period: a writer puts a file's chunks before it commits the file);
  // -1 when not held. After open, every chunk counts as put at open time.
  std::int64_t idle_ms(const chunk_id& id, std::int64_t now_ms) const;
  // Held chunk ids greater than `after`, in order, at most `limit` (≤ list_ids_max;
  // a larger limit counts as list_ids_max).
  std::vector<chunk_id> list(const chunk_id& after, std::size_t limit) const;
  // Makes the directory tree again and indexes what is really on disk: for a
  // directory deleted or replaced while the node runs (put() does it by itself
  // when a chunk's subdirectory is gone, the chunk store when the directory is).
  status rebuild(std::int64_t now_ms);
  // Free bytes on the disk under the directory minus the reserve (0 when below).
  result<std::uint64_t> room_bytes() const;
  const chunk_dir_figures& figures() const { return figures_; }

 private:
  struct held_chunk {
    std::uint64_t size_bytes = 0;
    std::int64_t last_put_ms = 0;
  };

  chunk_dir(file_system& fs, chunk_dir_options options) : fs_(fs), options_(std::move(options)) {}
  std::string subdir_of(const chunk_id& id) const;  // <dir>/<first two hex>
  std::string path_of(const chunk_id& id) const;    // <dir>/<first two hex>/<64 hex>
  status create_tree();
  // Removes the temporaries in one subdirectory and indexes its chunks.
  status scan_subdir(const std::string& prefix, std::int64_t now_ms);
  void note_stray(const std::string& path);
  status check_room(const chunk_id& id, std::size_t size_bytes) const;
  // Temporary name, sync, rename, directory sync; nothing left behind on failure.
  status write_durably(const chunk_id& id, std::string_view bytes);
  // The file does not hash to its name: out of the index and into corrupt/.
  status set_aside(const chunk_id& id, const std::string& why);
  void index(const chunk_id& id, std::uint64_t size_bytes, std::int64_t now_ms);
  void forget(const chunk_id& id);

  file_system& fs_;
  chunk_dir_options options_;
  std::map<chunk_id, held_chunk> held_;  // ordered: list() pages through it by id
  std::uint64_t temps_made_ = 0;         // the next temporary's number
  std::uint64_t strays_found_ = 0;       // names open() left alone
  chunk_dir_figures figures_;
};

}  // namespace bucky::storage
