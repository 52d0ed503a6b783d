// Chunks this node read recently, bounded in bytes, least recently used out
// first. Chunks never change (a name is a hash), so a cached chunk is never
// stale; shared by every open file of the node. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "messages/chunk_id.hpp"

namespace bucky::zone_fs {

class chunk_cache {
 public:
  explicit chunk_cache(std::uint64_t bytes_max) : bytes_max_(bytes_max) {}
  std::shared_ptr<const std::string> find(const chunk_id& id);
  void insert(const chunk_id& id, std::shared_ptr<const std::string> bytes);
  std::uint64_t bytes() const;

 private:
  using entry = std::pair<chunk_id, std::shared_ptr<const std::string>>;
  mutable std::mutex mutex_;
  std::uint64_t bytes_max_;
  std::uint64_t bytes_ = 0;
  std::list<entry> order_;  // most recent first
  std::unordered_map<chunk_id, std::list<entry>::iterator, chunk_id_hash> index_;
};

}  // namespace bucky::zone_fs
