#include "actors/zone_fs/chunk_prefetch.hpp"

#include "messages/common/check.hpp"

namespace bucky::zone_fs {

chunk_prefetch::chunk_prefetch(chunk_port& chunks, chunk_cache& cache, chunk_prefetch_options options)
    : chunks_(chunks), cache_(cache), options_(options) {
  BUCKY_CHECK(options_.threads > 0 && options_.queued_max > 0);
  for (std::uint32_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { work(); });
}

chunk_prefetch::~chunk_prefetch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void chunk_prefetch::want(const chunk_ref& ref) {
  if (ref.hole() || cache_.find(ref.id)) return;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queued_max || !pending_.insert(ref.id).second) return;
    queue_.push_back(ref);
  }
  changed_.notify_all();
}

std::shared_ptr<const std::string> chunk_prefetch::wait_for(const chunk_id& id) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return pending_.count(id) == 0; });
  lock.unlock();
  return cache_.find(id);
}

void chunk_prefetch::work() {
  for (;;) {
    chunk_ref next;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (stopping_) {
        queue_.clear();
        pending_.clear();
        changed_.notify_all();
        return;
      }
      next = queue_.front();
      queue_.pop_front();
    }
    auto loaded = chunks_.load(next.id);
    if (loaded && loaded->size() == next.size_bytes) {
      cache_.insert(next.id, std::make_shared<const std::string>(std::move(*loaded)));
    }
    {
      std::lock_guard lock(mutex_);
      pending_.erase(next.id);
    }
    changed_.notify_all();
  }
}

}  // namespace bucky::zone_fs
