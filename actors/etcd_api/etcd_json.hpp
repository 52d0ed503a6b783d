// etcd's v3 JSON gateway, as far as it maps onto the zone state (issue 7): the JSON
// bodies of /v3/kv/{put,range,deleterange,txn} and /v3/lease/{grant,revoke,
// keepalive} turned into kv_requests, and kv_responses turned back into etcd's JSON
// (proto3 JSON mapping: bytes as base64, 64-bit integers as strings, zero values
// left out), so scripts written for etcd's gateway work against a zone. Pure: no
// I/O; the HTTP side is elsewhere.
//
// Supported fields: put {key, value, lease, prev_kv}; range {key, range_end, limit,
// serializable, keys_only, count_only, revision 0 only}; deleterange {key,
// range_end, prev_kv}; txn {compare [{key, target VALUE|VERSION|CREATE|MOD, result
// EQUAL|NOT_EQUAL|GREATER|LESS, value|version|create_revision|mod_revision}],
// success/failure [{request_put|request_range|request_delete_range}]}; lease grant
// {TTL, ID}, revoke {ID}, keepalive {ID}. Anything else (sorting, historical
// revisions, nested txns, compares on ranges or leases, ignore_value/lease) is
// refused with 400 and the field's name, never ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/common/status.hpp"
#include "messages/kv.hpp"
#include "messages/kv_watch.hpp"

namespace bucky::etcd {

enum class method : std::uint8_t { put, range, delete_range, txn, lease_grant, lease_revoke, lease_keepalive };

struct call {
  method what = method::range;
  kv_request request;
  bool serializable = false;
  bool keys_only = false;
  bool count_only = false;
};

// "/v3/kv/put" -> method::put, ...; not_found for any other path.
result<method> method_of(std::string_view path);
result<call> parse_call(method what, std::string_view body);

struct header {
  std::uint64_t cluster_id = 0;
  std::uint64_t member_id = 0;
  std::int64_t revision = 0;
  std::uint64_t raft_term = 0;
};

std::string render_answer(const call& asked, const kv_response& answer, const header& h);

// /v3/watch: {"create_request": {key, range_end, start_revision}} -> where to watch
// from (start_revision 0: changes after now). The answer is a stream of
// {"result": {...}} objects: created, then batches of events, maybe canceled.
result<kv_watch_request> parse_watch(std::string_view body);
std::string render_watch_created(const header& h);
std::string render_watch_events(const header& h, const std::vector<kv_event>& events);
std::string render_watch_canceled(const header& h, const std::string& reason);

// An error as etcd's gateway reports it: HTTP status and {"error", "code", "message"}.
struct error_body {
  int http_status = 500;
  int grpc_code = 13;
  std::string message;
};
error_body error_of(const status& problem);
std::string render_error(const error_body& error);

// Standard base64 with padding (what etcd writes); reading also takes it unpadded
// and URL-safe, as protobuf's JSON mapping does.
std::string to_base64(std::string_view bytes);
result<std::string> from_base64(std::string_view text, const char* field);

}  // namespace bucky::etcd
