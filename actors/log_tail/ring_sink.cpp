#include "actors/log_tail/ring_sink.hpp"

#include "messages/common/check.hpp"

namespace bucky {

ring_sink::ring_sink(std::size_t lines_max) : lines_max_(lines_max) {
  BUCKY_CHECK(lines_max > 0);
}

void ring_sink::sink_it_(const spdlog::details::log_msg& message) {
  spdlog::memory_buf_t formatted;
  formatter_->format(message, formatted);
  std::string text(formatted.data(), formatted.size());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (lines_.size() == lines_max_) lines_.pop_front();
  lines_.push_back({next_sequence_++, static_cast<int>(message.level), std::move(text)});
}

std::vector<log_line> ring_sink::lines_after(std::uint64_t after_sequence, int level_min,
                                             std::size_t lines_max) {
  std::lock_guard lock(mutex_);
  std::vector<log_line> out;
  for (const auto& line : lines_) {
    if (line.sequence <= after_sequence || line.level < level_min) continue;
    out.push_back(line);
  }
  if (out.size() > lines_max) out.erase(out.begin(), out.end() - lines_max);
  return out;
}

std::uint64_t ring_sink::newest_sequence() {
  std::lock_guard lock(mutex_);
  return next_sequence_ - 1;
}

}  // namespace bucky
