// The chunk stores' messages (actors/chunk_store): a node's zone-fs client stores
// and reads chunks on the holders placement picks, and the repair actor asks the
// holders what they hold, has them pull copies from each other and drop what is
// extra or garbage. Only zone nodes may send these (and the owner and admins may
// read figures); a chunk is at most 1 MiB, so one message carries one chunk and a
// sender's flow control is the number of requests it keeps in flight.
//
// Every reply carries a status code (messages/common/status.hpp) and a message: a
// writer must tell no_space (try another holder) from corruption (the bytes it
// sent did not hash to the name) from unavailable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/chunk_id.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

namespace chunk_message_limits {
inline constexpr std::size_t chunk_bytes_max = 1024 * 1024;
inline constexpr std::uint32_t list_ids_max = 10'000;  // ids per chunk_list_reply (~330 KB)
inline constexpr std::uint32_t drop_ids_max = 4'096;   // ids per chunk_drop_request
}  // namespace chunk_message_limits

struct chunk_reply {
  static constexpr message_type type_id = message_type::chunk_reply;
  static constexpr const char* type_name = "chunk_reply";
  std::uint8_t code = 0;  // status_code; 0: ok
  std::string message;
  std::string bytes;      // chunk_get: the chunk (checked against its name by the holder and again by the reader)
  MSGPACK_DEFINE(code, message, bytes);
};

// Store this chunk durably (synced) before answering ok. A holder already holding
// it answers ok at once (and counts it as wanted again: garbage collection waits).
struct chunk_put_request {
  static constexpr message_type type_id = message_type::chunk_put_request;
  static constexpr const char* type_name = "chunk_put_request";
  using response_type = chunk_reply;
  chunk_id id;
  std::string bytes;
  MSGPACK_DEFINE(id, bytes);
};

struct chunk_get_request {
  static constexpr message_type type_id = message_type::chunk_get_request;
  static constexpr const char* type_name = "chunk_get_request";
  using response_type = chunk_reply;
  chunk_id id;
  MSGPACK_DEFINE(id);
};

// Repair: fetch chunk `id` from node `source` and store it here.
struct chunk_pull_request {
  static constexpr message_type type_id = message_type::chunk_pull_request;
  static constexpr const char* type_name = "chunk_pull_request";
  using response_type = chunk_reply;
  chunk_id id;
  std::string source;
  MSGPACK_DEFINE(id, source);
};

struct chunk_store_figures {
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t room_bytes = 0;     // free space above the reserve: what it still takes
  std::uint64_t disk_free_bytes = 0;
  std::uint64_t corrupt_found = 0;  // since the node started
  std::uint64_t collected = 0;      // garbage chunks removed since the node started
  bool accepting = true;            // has room for new chunks
  MSGPACK_DEFINE(chunks, bytes, room_bytes, disk_free_bytes, corrupt_found, collected, accepting);
};

struct chunk_list_reply {
  static constexpr message_type type_id = message_type::chunk_list_reply;
  static constexpr const char* type_name = "chunk_list_reply";
  std::string node_id;
  std::vector<chunk_id> ids;  // in order, after the request's `after`
  bool more = false;
  chunk_store_figures figures;
  MSGPACK_DEFINE(node_id, ids, more, figures);
};

// What a holder holds, in chunk id order, a page at a time (limit 0: figures only).
struct chunk_list_request {
  static constexpr message_type type_id = message_type::chunk_list_request;
  static constexpr const char* type_name = "chunk_list_request";
  using response_type = chunk_list_reply;
  chunk_id after;
  std::uint32_t limit = 0;  // capped at list_ids_max
  MSGPACK_DEFINE(after, limit);
};

// Remove chunks: `drop` (an extra copy; the repair actor saw R others) removes at
// once; `collect` (garbage) removes only chunks idle here for at least idle_ms_min.
struct chunk_drop_request {
  static constexpr message_type type_id = message_type::chunk_drop_request;
  static constexpr const char* type_name = "chunk_drop_request";
  using response_type = chunk_reply;
  std::vector<chunk_id> ids;
  bool collect = false;
  std::uint64_t idle_ms_min = 0;
  MSGPACK_DEFINE(ids, collect, idle_ms_min);
};

}  // namespace bucky
