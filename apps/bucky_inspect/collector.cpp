#include <utility>

#include "apps/bucky_inspect/collector.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "apps/bucky_inspect/zone_reading.hpp"
#include "messages/actor_table.hpp"
#include "messages/fs.hpp"
#include "messages/session_list.hpp"
#include "messages/zone_state_status.hpp"

namespace bucky::inspect {

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

admin_action_reply failed(const std::string& node, const status& problem) {
  return {node, false, problem.to_string()};
}

}  // namespace

collector::collector(cli::admin_session& session, cli::cli_options options, std::uint64_t call_timeout_ms)
    : session_(session), options_(std::move(options)), call_timeout_(call_timeout_ms) {}

node_view collector::collect_node(const std::string& name) {
  node_view node;
  node.name = name;
  const auto* entry = session_.peers.node(name);
  node.address = entry ? fmt::format("{}:{}", entry->host, entry->port) : "";
  node.state_node = std::find(session_.kv_nodes.begin(), session_.kv_nodes.end(), name) != session_.kv_nodes.end();
  if (!session_.client->connected().count(name)) {
    node.error = "no session: the node is down or unreachable, or it does not admit this key";
    return node;
  }
  auto table = session_.client->call(name, "daemon", actor_table_request{}, call_timeout_);
  if (!table) {
    node.error = table.error().to_string();
    return node;
  }
  node.up = true;
  node.restarts_max = table->restarts_max;
  node.restart_period_ms = table->restart_period_ms;
  node.restarts_in_period = table->restarts_in_period;
  for (const auto& a : table->actors) {
    node.actors.push_back({a.name, actor_state_name(a.state), a.restart_count, a.last_crash_reason,
                           a.last_crash_unix_ms, a.messages_handled, -1, a.mailbox_size});
  }
  if (auto sessions = session_.client->call(name, "transport", session_list_request{}, call_timeout_)) {
    for (const auto& s : sessions->sessions) {
      node.sessions.push_back({s.peer, s.remote_address, s.outbound, s.established, s.age_ms, s.bytes_in, s.bytes_out, s.errors});
    }
  } else {
    node.error = "sessions: " + sessions.error().to_string();
  }
  if (node.state_node) {
    replica_view replica;
    if (auto state = session_.client->call(name, "paxos", zone_state_status_request{}, call_timeout_)) {
      replica = {state->role, state->leader, state->ballot_round, state->chosen_below, state->applied_below,
                 state->revision, {}};
    } else {
      replica.error = state.error().to_string();
    }
    node.replica = replica;
  }
  return node;
}

zone_snapshot collector::collect() {
  zone_snapshot zone;
  zone.zone_id = session_.zone_id;
  for (const auto& name : session_.nodes) zone.nodes.push_back(collect_node(name));
  zone.captured_unix_ms = unix_ms_now();
  summarize_replicas(zone);
  auto options = options_;
  options.serializable = true;  // what the asked replica holds: no wait for a leader
  options.timeout_ms = static_cast<std::uint64_t>(call_timeout_.count());
  if (auto answer = cli::kv_call(session_, options, zone_state_request())) {
    apply_zone_state(answer->response, zone);
  } else {
    zone.zone_state_error = answer.error().to_string();
  }
  collect_files(zone);
  fill_rates(previous_ ? &*previous_ : nullptr, zone);
  previous_ = zone;
  return zone;
}

// From the first up node, every files_refresh_ms; in between the last answer.
void collector::collect_files(zone_snapshot& zone) {
  const bool fresh_enough = previous_ && previous_->files &&
                            zone.captured_unix_ms - previous_->files->asked_unix_ms < files_refresh_ms;
  if (fresh_enough) {
    zone.files = previous_->files;
    for (auto& node : zone.nodes) {
      if (const auto* before = previous_->node(node.name)) node.chunks = before->chunks;
    }
    return;
  }
  std::string problems;
  for (const auto& node : zone.nodes) {
    if (!node.up) continue;
    fs_request df;
    df.op = fs_op::df;
    auto answer = session_.client->call(node.name, "zonefs", df,
                                        std::max(call_timeout_, std::chrono::milliseconds(files_call_timeout_ms_min)));
    if (answer) return apply_files(*answer, zone.captured_unix_ms, zone);
    problems += fmt::format("{}{}: {}", problems.empty() ? "" : "; ", node.name, answer.error().to_string());
  }
  files_view failed;
  failed.asked_unix_ms = zone.captured_unix_ms;
  failed.error = problems.empty() ? "no node is up" : problems;
  zone.files = failed;
}

result<log_tail_reply> collector::log_tail(const std::string& node, std::uint64_t after, int level_min,
                                           std::uint32_t lines_max) {
  if (!session_.client->connected().count(node)) return status(status_code::unavailable, "no session with " + node);
  return session_.client->call(node, "log_tail", log_tail_request{after, level_min, lines_max}, call_timeout_);
}

admin_action_reply collector::restart_actor(const std::string& node, const std::string& actor) {
  auto answer = session_.client->call(node, "daemon", actor_restart_request{actor}, call_timeout_);
  return answer ? *answer : failed(node, answer.error());
}

admin_action_reply collector::step_down(const std::string& node) {
  auto answer = session_.client->call(node, "paxos", step_down_request{}, call_timeout_);
  return answer ? *answer : failed(node, answer.error());
}

admin_action_reply collector::set_drained(const std::string& node, bool drained) {
  auto request = node_drain_request(node, drained, unix_ms_now());
  auto answer = cli::kv_call(session_, options_, request);
  if (!answer) return failed(node, answer.error());
  return {node, true,
          drained ? fmt::format("{} drained: the scheduler moves its services to other nodes", node)
                  : fmt::format("{} undrained: new instances may be placed on it again", node)};
}

}  // namespace bucky::inspect
