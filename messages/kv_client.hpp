// A client's request to the zone state, as it travels to any node's "paxos" actor
// (which forwards it to the leader). (client_id, sequence) makes a retry apply once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "messages/kv.hpp"
#include "messages/type_ids.hpp"

namespace bucky {

struct kv_client_response {
  static constexpr message_type type_id = message_type::kv_client_response;
  static constexpr const char* type_name = "kv_client_response";
  bool ok = false;
  kv_response response;
  std::uint8_t error_code = 0;  // a status_code when !ok
  std::string error_message;
  std::string served_by;        // the node whose log applied it (or that refused it)
  MSGPACK_DEFINE(ok, response, error_code, error_message, served_by);
};

struct kv_client_request {
  static constexpr message_type type_id = message_type::kv_client_request;
  static constexpr const char* type_name = "kv_client_request";
  using response_type = kv_client_response;
  std::uint64_t client_id = 0;
  std::uint64_t sequence = 0;
  kv_request request;
  bool serializable = false;  // a read from this node's applied state, without the log
  std::uint8_t hops = 0;      // forwards so far (bounded)
  // An app's name when a node asks for an app it runs (kRPC): the replica admits the
  // request as that app (acl_config rules for "app"), and only if the asking node
  // has the app placed on it. "": the caller itself.
  std::string on_behalf{};
  MSGPACK_DEFINE(client_id, sequence, request, serializable, hops, on_behalf);
};

// Client requests a follower forwards to the leader, gathered while they arrive
// (one message and one answer per batch instead of one per request). Bounded by
// count and encoded bytes, so a batch fits one transport frame.
struct kv_forward_batch_response {
  static constexpr message_type type_id = message_type::kv_forward_batch_response;
  static constexpr const char* type_name = "kv_forward_batch_response";
  std::vector<kv_client_response> responses;  // in request order
  MSGPACK_DEFINE(responses);
};

struct kv_forward_batch {
  static constexpr message_type type_id = message_type::kv_forward_batch;
  static constexpr const char* type_name = "kv_forward_batch";
  using response_type = kv_forward_batch_response;
  static constexpr std::size_t requests_max = 512;
  static constexpr std::size_t bytes_max = 3 * 1024 * 1024;
  std::vector<kv_client_request> requests;
  MSGPACK_DEFINE(requests);
};

}  // namespace bucky
