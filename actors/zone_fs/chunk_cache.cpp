#include "actors/zone_fs/chunk_cache.hpp"

namespace bucky::zone_fs {

std::shared_ptr<const std::string> chunk_cache::find(const chunk_id& id) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(id);
  if (found == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, found->second);
  return found->second->second;
}

void chunk_cache::insert(const chunk_id& id, std::shared_ptr<const std::string> bytes) {
  std::lock_guard lock(mutex_);
  if (bytes->size() > bytes_max_ || index_.count(id)) return;
  bytes_ += bytes->size();
  order_.emplace_front(id, std::move(bytes));
  index_[id] = order_.begin();
  while (bytes_ > bytes_max_) {
    bytes_ -= order_.back().second->size();
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

std::uint64_t chunk_cache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace bucky::zone_fs
