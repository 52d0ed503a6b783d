#include <utility>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky/json_output.hpp"
#include "apps/bucky/commands.hpp"
#include "messages/kv_watch.hpp"
#include "messages/session_list.hpp"
#include "messages/zone_state_status.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::cli {

using json = nlohmann::json;

namespace {

void print_event(const cli_options& options, const kv_event& event) {
  const bool put = event.kind == kv_event_kind::put;
  if (options.json_output) {
    json line{{"type", put ? "PUT" : "DELETE"}, {"mod_revision", event.kv.mod_revision}, {"version", event.kv.version}};
    put_bytes(line, "key", event.kv.key);
    put_bytes(line, "value", event.kv.value);
    std::cout << json_text(line) << std::endl;
  } else {
    std::cout << (put ? "PUT" : "DELETE") << " " << event.kv.key << " (revision " << event.kv.mod_revision << ")\n";
    if (put) std::cout << event.kv.value << "\n";
    std::cout << std::flush;
  }
}

}  // namespace

// Long polls from one node; when that node goes away, the same position at the
// next one: every change is printed once, in order.
int watch_command(const cli_options& options) {
  auto session = open_session(options, wait_for::any_node);
  if (!session) return fail(1, session.error().message());
  std::vector<std::string> order = options.node.empty() ? session->kv_nodes : std::vector<std::string>{options.node};
  if (order.empty()) return fail(1, "no zone-state node of the zone is activated yet");
  kv_watch_request request;
  request.key = options.key;
  if (options.prefix) request.range_end = prefix_range_end(options.key);
  request.start_revision = options.from_revision;
  request.wait_ms = 10'000;
  std::uint64_t printed = 0;
  std::size_t node_index = 0, failures = 0;
  const std::size_t failures_max = 50;  // ~10 s of nobody answering
  while (options.count == 0 || printed < options.count) {
    const auto& node = order[node_index % order.size()];
    auto answer = session->client->call(node, "paxos", request, std::chrono::milliseconds(request.wait_ms + 5'000));
    if (answer && answer->ok) {
      failures = 0;
      for (const auto& event : answer->events) {
        print_event(options, event);
        if (++printed == options.count) break;
      }
      request.start_revision = answer->next_revision;
      request.start_index = answer->next_index;
      continue;
    }
    if (answer && answer->error_code != static_cast<std::uint8_t>(status_code::unavailable)) {
      return fail(1, fmt::format("watch via {}: {}", node, answer->error_message));
    }
    if (++failures > failures_max) {
      return fail(1, fmt::format("watch: no node answered for a while (last: {} via {})",
                                 answer ? answer->error_message : answer.error().message(), node));
    }
    ++node_index;  // try the next node from the same position
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return 0;
}

namespace {

kv_op make_op(kv_op_kind kind, const cli_options& options) {
  kv_op op;
  op.kind = kind;
  op.key = options.key;
  op.value = options.value;
  op.lease = options.lease;
  op.ttl_s = options.ttl_s;
  if (options.prefix) op.range_end = prefix_range_end(options.key);
  if (!options.range_end.empty()) op.range_end = options.range_end;
  return op;
}

}  // namespace

// bucky kv lease grant|revoke|keepalive: prints the lease id and TTL. keepalive
// renews every third of the TTL until interrupted (or once with --once).
int lease_command(const cli_options& options, kv_op_kind kind) {
  kv_request request{{}, {make_op(kind, options)}, {}};
  if (auto valid = validate(request); !valid.is_ok()) return fail(2, valid.message());
  while (true) {
    auto answer = kv_call(options, request);
    if (!answer) return fail(answer.error().code() == status_code::invalid_argument ? 2 : 1, answer.error().to_string());
    const auto& result = answer->response.results.at(0);
    if (options.json_output) {
      std::cout << json_text(json{{"lease", result.lease}, {"ttl_s", result.ttl_s}, {"deleted", result.deleted},
                        {"revision", answer->response.revision}}
                       )
                << std::endl;
    } else if (kind == kv_op_kind::lease_revoke) {
      std::cout << fmt::format("lease {} revoked, {} keys deleted\n", result.lease, result.deleted) << std::flush;
    } else {
      std::cout << fmt::format("lease {} ttl {} s\n", result.lease, result.ttl_s) << std::flush;
    }
    if (kind != kv_op_kind::lease_keepalive || options.once) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<std::int64_t>(result.ttl_s * 1'000 / 3, 100)));
  }
}

int kv_command(const cli_options& options, kv_op_kind kind) {
  kv_request request{{}, {make_op(kind, options)}, {}};
  if (auto valid = validate(request); !valid.is_ok()) return fail(2, valid.message());
  auto answer = kv_call(options, request);
  if (!answer) return fail(answer.error().code() == status_code::invalid_argument ? 2 : 1, answer.error().to_string());
  const auto& result = answer->response.results.at(0);
  if (options.json_output) {
    json kvs = json::array();
    for (const auto& kv : result.kvs) {
      json row{{"create_revision", kv.create_revision}, {"mod_revision", kv.mod_revision}, {"version", kv.version},
               {"lease", kv.lease}};
      put_bytes(row, "key", kv.key);
      put_bytes(row, "value", kv.value);
      kvs.push_back(std::move(row));
    }
    std::cout << json_text(json{{"revision", answer->response.revision}, {"kvs", kvs}, {"count", result.count},
                      {"deleted", result.deleted}, {"served_by", answer->served_by}}
                     )
              << "\n";
    return kind == kv_op_kind::range && result.count == 0 ? 1 : 0;
  }
  switch (kind) {
    case kv_op_kind::put: std::cout << fmt::format("OK revision {}\n", answer->response.revision); return 0;
    case kv_op_kind::delete_range: std::cout << fmt::format("{} deleted, revision {}\n", result.deleted, answer->response.revision); return 0;
    case kv_op_kind::range:
      for (const auto& kv : result.kvs) std::cout << kv.key << "\n" << kv.value << "\n";
      return result.count == 0 ? 1 : 0;
    case kv_op_kind::lease_grant:
    case kv_op_kind::lease_revoke:
    case kv_op_kind::lease_keepalive: break;  // `bucky kv` asks none of these
  }
  return 0;
}

// bucky acl get / set: the acl_config as a system document (revision-checked).
int acl_get_command(const cli_options& options) {
  auto answer = kv_call(options, read_document_request(acl_key));
  if (!answer) return fail(1, answer.error().to_string());
  auto current = read_typed<acl_document>("", answer->response);
  if (!current) return fail(1, current.error().message());
  auto acl = *current ? (*current)->value : default_acl();
  std::int64_t revision = *current ? (*current)->mod_revision : 0;
  if (options.json_output) {
    std::cout << json_text(json{{"acl", json::parse(acl_to_json(acl))}, {"mod_revision", revision}, {"default", !*current}})
              << "\n";
  } else {
    std::cout << json::parse(acl_to_json(acl)).dump(2) << "\n"
              << (*current ? fmt::format("(at revision {}; change it with bucky acl set FILE --revision {})\n",
                                         revision, revision)
                           : "(the default rules; none stored yet: bucky acl set FILE --revision 0)\n");
  }
  return 0;
}

int acl_set_command(const cli_options& options) {
  auto text = read_small_file(options.value);
  if (!text) return fail(2, text.error().message());
  auto acl = parse_acl(*text);
  if (!acl) return fail(2, fmt::format("{}: {}", options.value, acl.error().message()));
  auto answer = kv_call(options, write_typed<acl_document>("", *acl, options.expected_revision));
  if (!answer) return fail(answer.error().code() == status_code::invalid_argument ? 2 : 1, answer.error().to_string());
  auto written = write_document_answer(acl_key, options.expected_revision, answer->response);
  if (!written) return fail(1, written.error().message());
  std::cout << fmt::format("acl_config written at revision {}\n", *written);
  return 0;
}


}  // namespace bucky::cli
