// Watching the zone state: the changes to a key or a key range from a position in
// the change history, in order, each once. Any node answers from its own applied
// history, which is the same sequence on every replica; a watcher that loses its
// node asks another one from the position it got last, so a leader change or a
// node's death loses, repeats or reorders nothing.
//
// The answer is a long poll: when nothing matched yet it waits up to wait_ms for
// the next change. Position = (revision, index of the change within the revision);
// start from (R, 0) to see every change of revision R and later, or from revision 0
// for "changes after now".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/kv.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

namespace watch_limits {
inline constexpr std::uint32_t wait_ms_max = 30'000;
inline constexpr std::uint32_t events_max = 1'000;
inline constexpr std::size_t scanned_events_max = 10'000;  // work per answer, matching or not
}  // namespace watch_limits

struct kv_watch_response {
  static constexpr message_type type_id = message_type::kv_watch_response;
  static constexpr const char* type_name = "kv_watch_response";
  bool ok = false;
  std::vector<kv_event> events;
  std::int64_t next_revision = 0;     // ask from here next time
  std::uint32_t next_index = 0;
  std::int64_t compact_revision = 0;  // changes before this revision are no longer kept
  std::int64_t revision = 0;          // the answering node's applied revision
  std::uint8_t error_code = 0;
  std::string error_message;
  std::string served_by;
  MSGPACK_DEFINE(ok, events, next_revision, next_index, compact_revision, revision, error_code, error_message,
                 served_by);
};

struct kv_watch_request {
  static constexpr message_type type_id = message_type::kv_watch_request;
  static constexpr const char* type_name = "kv_watch_request";
  using response_type = kv_watch_response;
  std::string key;
  std::string range_end;  // as in kv_op: empty = just key; "\0" = every key >= key
  std::int64_t start_revision = 0;
  std::uint32_t start_index = 0;
  std::uint32_t wait_ms = 0;
  std::uint32_t events_max = watch_limits::events_max;
  MSGPACK_DEFINE(key, range_end, start_revision, start_index, wait_ms, events_max);
};

status validate(const kv_watch_request& request);

}  // namespace bucky
