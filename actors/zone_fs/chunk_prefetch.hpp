// The node's chunk_readahead (chunk_port.hpp): while
// the reader copies out chunk i, chunks i+1.. are on their way from their holders
// (a chunk load is a round trip to another node, a disk read and two hash checks;
// one at a time, a reader waited for each). A hint only: a wish the queue has no
// room for is dropped, and a load that fails is forgotten (the reader loads the
// chunk itself and hears why). Thread-safe; owns its threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/zone_fs/chunk_cache.hpp"
#include "actors/zone_fs/chunk_port.hpp"

namespace bucky::zone_fs {

struct chunk_prefetch_options {
  std::uint32_t threads = 4;       // loads at once
  std::uint32_t queued_max = 64;   // wishes waiting for a thread
};

class chunk_prefetch final : public chunk_readahead {
 public:
  chunk_prefetch(chunk_port& chunks, chunk_cache& cache, chunk_prefetch_options options);
  ~chunk_prefetch();
  chunk_prefetch(const chunk_prefetch&) = delete;
  chunk_prefetch& operator=(const chunk_prefetch&) = delete;

  void want(const chunk_ref& ref) override;
  std::shared_ptr<const std::string> wait_for(const chunk_id& id) override;

 private:
  void work();

  chunk_port& chunks_;
  chunk_cache& cache_;
  chunk_prefetch_options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<chunk_ref> queue_;
  std::set<chunk_id> pending_;  // queued or loading
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace bucky::zone_fs
