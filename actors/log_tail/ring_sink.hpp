// A spdlog sink that keeps the node's most recent log lines in memory, bounded by
// line count, so the log_tail actor can serve them (to the inspector TUI later).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

namespace bucky {

struct log_line {
  std::uint64_t sequence = 0;  // 1, 2, ...: lets a reader ask for what it has not seen
  int level = 0;               // spdlog::level::level_enum
  std::string text;            // formatted, without the trailing newline
};

class ring_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ring_sink(std::size_t lines_max);

  // Lines with sequence > after_sequence and level >= level_min, at most lines_max,
  // oldest first.
  std::vector<log_line> lines_after(std::uint64_t after_sequence, int level_min,
                                    std::size_t lines_max);
  // The sequence of the newest line kept (0: none yet).
  std::uint64_t newest_sequence();

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override {}

 private:
  const std::size_t lines_max_;
  std::uint64_t next_sequence_ = 1;
  std::deque<log_line> lines_;
};

}  // namespace bucky
