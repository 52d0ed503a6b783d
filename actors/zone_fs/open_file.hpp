// One file open on this node: what every handle the node has on it reads and
// writes (so two processes on one node see each other's writes at once, as on a
// local disk), and what close and fsync make durable and visible to the zone.
//
// Writes go into whole-chunk buffers; a chunk that fills is stored on its holders
// in the background (chunk_port, bounded in flight); flush() stores the rest,
// waits for every store, then commits the new chunk list in one txn. Nothing is
// visible to other nodes before that commit, and the commit names only chunks
// already synced on R holders: a crash before it leaves the file as it was. A
// store that failed keeps its bytes here, so the next flush tries again and the
// error reaches the writer at close or fsync (as NFS reports write-back errors).
//
// Other nodes see a commit when they next open the file (close-to-open, like NFS);
// reads here come from this node's buffers, then from the chunk stores through
// the node's chunk cache. Thread-safe: one mutex per open file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "actors/zone_fs/chunk_cache.hpp"
#include "actors/zone_fs/chunk_port.hpp"
#include "actors/zone_fs/metadata.hpp"

namespace bucky::zone_fs {

struct open_file_limits {
  std::uint32_t stores_in_flight_max = 8;            // per open file
  std::uint64_t buffered_bytes_max = 64ull << 20;    // unstored chunk buffers, then stores start early
  std::uint32_t readahead_chunks = 4;                // loaded ahead of a sequential reader
};

class open_file {
 public:
  // `ahead`, when given, loads chunks ahead of a sequential reader.
  open_file(metadata& meta, chunk_port& chunks, chunk_cache& cache, file_content content,
            open_file_limits limits = {}, chunk_readahead* ahead = nullptr);

  fs_result<std::string> read(std::uint64_t offset, std::uint32_t size_bytes);
  fs_status write(std::uint64_t offset, std::string_view bytes, std::int64_t now_ns);
  fs_status truncate(std::uint64_t size_bytes, std::int64_t now_ns);
  // Stores every change and commits it (close, fsync): on return ok the zone has it.
  fs_result<fs_inode> flush(std::int64_t now_ns);
  // Reads the file again when nothing here is unflushed (an open sees the latest).
  fs_status refresh();
  // The inode as this node sees it: size and mtime include unflushed writes.
  fs_inode attr() const;
  bool dirty() const;
  // When this node first held a change of the file that is not committed yet
  // (wall ns as write/truncate were told); nothing when all is committed. The
  // node writes back a file dirty for long (node_files::write_back): a chunk
  // stored but never committed would be collected as garbage after the grace.
  std::optional<std::int64_t> dirty_since_ns() const;

 private:
  struct storing {
    chunk_port::ticket ticket = 0;
    std::shared_ptr<const std::string> bytes;
    std::uint64_t order = 0;  // key in store_started_
  };
  using lock = std::unique_lock<std::mutex>;

  fs_result<std::shared_ptr<const std::string>> chunk_bytes(std::uint64_t index);
  fs_result<std::shared_ptr<const std::string>> load(const chunk_ref& ref, inode_number ino);
  std::vector<chunk_ref> uncached(std::uint64_t offset, std::uint64_t size_bytes);
  void warm_cache(std::uint64_t offset, std::uint64_t size_bytes);
  fs_result<std::string> read_locked(std::uint64_t offset, std::uint32_t size_bytes);
  void read_ahead_of(std::uint64_t index);
  fs_result<std::string*> writable_chunk(std::uint64_t index);
  void start_store(std::uint64_t index);
  void finish_store(std::uint64_t index);
  void finish_oldest_store();
  void store_early_if_over_budget(std::uint64_t writing);
  fs_status commit(std::int64_t now_ns);
  std::uint64_t buffered_bytes() const;
  bool dirty_locked() const;

  metadata& meta_;
  chunk_port& chunks_;
  chunk_cache& cache_;
  open_file_limits limits_;
  chunk_readahead* ahead_;
  mutable std::mutex mutex_;
  file_content content_;  // as last read or committed
  std::uint64_t size_bytes_ = 0;  // as this node sees it
  bool truncated_ = false;        // size_bytes_ was set, not only grown
  std::optional<std::uint64_t> cut_to_;  // the smallest size a truncate set since the last commit
  std::optional<std::int64_t> mtime_ns_;
  std::optional<std::int64_t> dirty_since_ns_;  // the first change not committed yet
  std::map<std::uint64_t, std::string> buffered_;  // chunk index -> bytes not yet being stored
  std::map<std::uint64_t, storing> storing_;       // chunk index -> store in flight
  std::map<std::uint64_t, chunk_ref> stored_;      // chunk index -> stored, not yet committed
  std::uint64_t store_order_ = 0;
  std::map<std::uint64_t, std::uint64_t> store_started_;  // order -> chunk index (oldest first)
  fs_status failed_;  // the first store failure since the last flush
  std::uint64_t read_next_chunk_ = 0;  // after the last chunk read: where a sequential reader goes on
};

}  // namespace bucky::zone_fs
