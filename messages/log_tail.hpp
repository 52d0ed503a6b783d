// A node's recent log lines over the transport (actors/log_tail), for the inspector
// and `bucky logs`. The reader keeps the highest sequence it has and asks for what
// came after it; a first request (after_sequence 0) gets the newest lines_max lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"

namespace bucky {

struct log_tail_line {
  std::uint64_t sequence = 0;  // 1, 2, ... per node run; restarts at 1 when the node restarts
  std::int32_t level = 0;      // spdlog level: 0 trace ... 5 critical
  std::string text;            // one formatted line, no newline
  MSGPACK_DEFINE(sequence, level, text);
};

struct log_tail_reply {
  static constexpr message_type type_id = message_type::log_tail_reply;
  static constexpr const char* type_name = "log_tail_reply";
  std::string node_id;
  std::vector<log_tail_line> lines;  // oldest first
  std::uint64_t newest_sequence = 0;  // of the node's newest line at any level (0: none yet)
  MSGPACK_DEFINE(node_id, lines, newest_sequence);
};

struct log_tail_request {
  static constexpr message_type type_id = message_type::log_tail_request;
  static constexpr const char* type_name = "log_tail_request";
  using response_type = log_tail_reply;
  std::uint64_t after_sequence = 0;
  std::int32_t level_min = 0;
  std::uint32_t lines_max = 200;  // the node caps it at log_tail_reply_lines_max
  MSGPACK_DEFINE(after_sequence, level_min, lines_max);
};

}  // namespace bucky
