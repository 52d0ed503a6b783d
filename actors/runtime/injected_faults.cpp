#include "actors/runtime/injected_faults.hpp"

#include <chrono>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "messages/common/check.hpp"

namespace bucky {

bool injected_faults::blocks(const std::string& node_id) const {
  std::lock_guard lock(mutex_);
  return blocked_.count(node_id) != 0;
}

std::set<std::string> injected_faults::blocked() const {
  std::lock_guard lock(mutex_);
  return blocked_;
}

void injected_faults::block_only(std::set<std::string> nodes) {
  BUCKY_CHECK(nodes.size() <= injected_faults_limits::blocked_max);
  std::lock_guard lock(mutex_);
  blocked_ = std::move(nodes);
}

void injected_faults::set_disk(std::uint64_t delay_ms, bool full) {
  BUCKY_CHECK(delay_ms <= injected_faults_limits::disk_delay_ms_max);
  disk_delay_ms_ = delay_ms;
  disk_full_ = full;
}

status injected_faults::before_disk_write() const {
  if (auto delay_ms = disk_delay_ms_.load(); delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
  if (disk_full_) return status(status_code::io_error, "No space left on device (injected full disk)");
  return {};
}

std::string injected_faults::describe() const {
  std::vector<std::string> parts;
  if (auto nodes = blocked(); !nodes.empty()) parts.push_back(fmt::format("blocked {}", fmt::join(nodes, ",")));
  if (disk_delay_ms() > 0 || disk_full()) {
    parts.push_back(fmt::format("disk{}{}", disk_delay_ms() > 0 ? fmt::format(" delay {} ms", disk_delay_ms()) : "",
                                disk_full() ? " full" : ""));
  }
  if (clock_offset_ms() > 0) parts.push_back(fmt::format("clock +{} ms", clock_offset_ms()));
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace bucky
