#include "actors/fs_repair/actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/steady_now.hpp"
#include "actors/zone_fs/holder_calls.hpp"
#include "actors/zone_fs/references.hpp"
#include "actors/zone_fs/repair_plan.hpp"
#include "actors/zone_fs/zone_ports.hpp"

namespace bucky {

namespace {

using namespace zone_fs;

std::int64_t unix_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

struct round_outcome {
  repair_round plan;
  std::uint64_t copied = 0, copy_failures = 0, dropped = 0, collected_asked = 0;
  std::vector<std::string> unreachable;  // up nodes whose chunk list could not be read
};

class fs_repair : public component_actor {
 public:
  fs_repair(caf::actor_config& actor_config, child_context context, fs_repair_config config)
      : component_actor(actor_config, std::move(context)),
        config_(std::move(config)),
        kv_(system(), config_.request_timeout_ms) {}

  caf::behavior make_behavior() override {
    send(this, tick_atom::value);
    return {
        [this](tick_atom) {
          tick();
          delayed_send(this, std::chrono::milliseconds(config_.tick_ms), tick_atom::value);
        },
    };
  }

 private:
  void tick() {
    if (!keep_lease()) return;
    if (!leading_ && !campaign()) return;
    if (!round_due()) return;
    last_round_ms_ = steady_now_ms();
    auto outcome = run_round();
    if (!outcome) {
      log().warn("repair: round {} stopped: {}", round_, outcome.error().to_string());
      return;
    }
    report(*outcome);
  }

  // A round is due after its interval, or at once when the set of up nodes changed.
  bool round_due() {
    auto answer = kv_.call_nearby(storage_view_request());
    auto view = answer ? read_storage_view(*answer) : result<std::vector<storage_node>>(answer.error());
    std::string up;
    if (view) {
      for (const auto& node : *view) up += node.up ? node.node_id + "," : "";
    }
    const bool changed = view && up != last_up_;
    if (view) last_up_ = up;
    const std::uint64_t interval = last_round_found_work_ ? config_.round_interval_ms : config_.quiet_round_interval_ms;
    return changed || last_round_ms_ < 0 || steady_now_ms() - last_round_ms_ >= static_cast<std::int64_t>(interval);
  }

  // Grants or renews the lease; false while there is none.
  // The zone state said the lease is no more (answered without it, or refused it
  // as unknown), as opposed to not answering at all.
  static bool lease_gone(const result<kv_response>& answer) {
    if (answer) return true;
    const status_code code = answer.error().code();
    return code == status_code::invalid_argument || code == status_code::not_found;
  }

  bool keep_lease() {
    kv_request request;
    kv_op op;
    op.kind = lease_ == 0 ? kv_op_kind::lease_grant : kv_op_kind::lease_keepalive;
    op.lease = lease_;
    op.ttl_s = config_.lease_ttl_s;
    request.success.push_back(op);
    auto answer = kv_.call(request);
    if (answer && !answer->results.empty()) {
      if (lease_ == 0) lease_ = answer->results[0].lease;
      return true;
    }
    if (lease_ != 0 && lease_gone(answer)) {
      if (leading_) log().warn("repair: no longer leading: lease {} lost", lease_);
      lease_ = 0;
      leading_ = false;
    }
    return false;
  }

  bool campaign() {
    kv_request request;
    request.compares.push_back({fs_repair_leader_key, kv_compare_target::create_revision, kv_compare_result::equal, "", 0});
    kv_op put;
    put.kind = kv_op_kind::put;
    put.key = fs_repair_leader_key;
    put.value = config_.node_id;
    put.lease = lease_;
    request.success.push_back(put);
    auto answer = kv_.call(request);
    if (!answer || !answer->succeeded) return false;
    leading_ = true;
    log().info("repair: leading (lease {})", lease_);
    return true;
  }

  result<round_outcome> run_round() {
    ++round_;
    auto view_answer = kv_.call(storage_view_request());
    if (!view_answer) return view_answer.error();
    auto nodes = read_storage_view(*view_answer);
    if (!nodes) return nodes.error();
    auto references = scan_references(kv_);
    if (!references) return references.error();
    round_outcome outcome;
    std::map<chunk_id, chunk_view> chunks;
    for (const auto& id : references->chunks) chunks[id] = {id, true, {}};
    for (auto& node : *nodes) {
      if (!node.up) continue;
      if (status listed = list_holder(node.node_id, chunks); !listed.is_ok()) {
        node.up = false;  // not counted as a holder this round
        outcome.unreachable.push_back(fmt::format("{} ({})", node.node_id, listed.message()));
      }
    }
    std::vector<chunk_view> views;
    views.reserve(chunks.size());
    for (auto& [id, view] : chunks) views.push_back(std::move(view));
    const std::uint32_t copies = std::min<std::uint32_t>(config_.copies, static_cast<std::uint32_t>(nodes->size()));
    if (copies == 0) return status(status_code::unavailable, "the zone lists no nodes");
    outcome.plan = plan_repair(views, *nodes, copies);
    carry_out(outcome);
    return outcome;
  }

  // Adds every chunk `node_id` holds to `chunks` (unreferenced ones as garbage).
  status list_holder(const std::string& node_id, std::map<chunk_id, chunk_view>& chunks) {
    caf::scoped_actor self{system()};
    chunk_id after{};
    for (std::uint32_t page = 0; page < 100'000; ++page) {
      auto reply = ask_holder(self, system(), config_.node_id, node_id,
                              chunk_list_request{after, chunk_message_limits::list_ids_max}, config_.request_timeout_ms)();
      if (!reply) return reply.error();
      for (const auto& id : reply->ids) {
        auto& view = chunks[id];
        view.id = id;
        view.holders.push_back(node_id);
      }
      if (!reply->more || reply->ids.empty()) return {};
      after = reply->ids.back();
    }
    return status(status_code::too_large, "more chunk list pages than any node holds");
  }

  void carry_out(round_outcome& outcome) {
    caf::scoped_actor self{system()};
    std::map<std::string, std::vector<chunk_id>> drops, collects;
    std::vector<std::pair<const repair_action*, pending_reply<chunk_reply>>> pulls;
    auto finish_pulls = [&] {
      for (auto& [action, waiting] : pulls) {
        auto reply = waiting();
        status done = reply ? status_of(*reply) : reply.error();
        if (done.is_ok()) ++outcome.copied;
        else {
          ++outcome.copy_failures;
          log().warn("repair: copy of chunk {} to {} from {} failed: {}", action->chunk.short_hex(), action->node,
                     action->source, done.to_string());
        }
      }
      pulls.clear();
    };
    for (const auto& action : outcome.plan.actions) {
      if (action.kind == repair_kind::drop) drops[action.node].push_back(action.chunk);
      if (action.kind == repair_kind::collect) collects[action.node].push_back(action.chunk);
      if (action.kind != repair_kind::copy && action.kind != repair_kind::rebalance) continue;
      pulls.emplace_back(&action, ask_holder(self, system(), config_.node_id, action.node,
                                             chunk_pull_request{action.chunk, action.source}, config_.pull_timeout_ms));
      if (pulls.size() >= config_.pulls_in_flight_max) finish_pulls();
    }
    finish_pulls();
    send_drops(self, drops, false, outcome.dropped);
    send_drops(self, collects, true, outcome.collected_asked);
  }

  void send_drops(caf::scoped_actor& self, const std::map<std::string, std::vector<chunk_id>>& by_node, bool collect,
                  std::uint64_t& counted) {
    for (const auto& [node_id, ids] : by_node) {
      for (std::size_t at = 0; at < ids.size(); at += chunk_message_limits::drop_ids_max) {
        chunk_drop_request request;
        request.ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(at),
                           ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + chunk_message_limits::drop_ids_max)));
        request.collect = collect;
        request.idle_ms_min = config_.collect_idle_ms;
        auto reply = ask_holder(self, system(), config_.node_id, node_id, request, config_.request_timeout_ms)();
        status done = reply ? status_of(*reply) : reply.error();
        if (done.is_ok()) counted += request.ids.size();
        else log().warn("repair: {} on {} failed: {}", collect ? "collect" : "drop", node_id, done.to_string());
      }
    }
  }

  void report(const round_outcome& outcome) {
    const auto& plan = outcome.plan;
    nlohmann::json figures{{"round", round_},           {"node", config_.node_id},
                           {"at_unix_s", unix_s()},      {"chunks", plan.chunks},
                           {"referenced", plan.referenced}, {"under_replicated", plan.under_replicated},
                           {"copies_missing", plan.copies_missing}, {"lost", plan.lost},
                           {"garbage", plan.garbage},    {"copied", outcome.copied},
                           {"copy_failures", outcome.copy_failures}, {"dropped", outcome.dropped},
                           {"unreachable", outcome.unreachable}};
    kv_request request;
    kv_op put;
    put.kind = kv_op_kind::put;
    put.key = fs_repair_report_key;
    put.value = figures.dump();
    request.success.push_back(put);
    (void)kv_.call(request);
    const bool acted = outcome.copied || outcome.copy_failures || outcome.dropped || plan.lost || !outcome.unreachable.empty();
    if (acted || plan.under_replicated != last_under_replicated_) {
      log().info("repair: round {}: {} chunks ({} referenced), {} under-replicated, {} lost; copied {} ({} failed), "
                 "dropped {}, garbage {}{}{}",
                 round_, plan.chunks, plan.referenced, plan.under_replicated, plan.lost, outcome.copied,
                 outcome.copy_failures, outcome.dropped, plan.garbage, outcome.unreachable.empty() ? "" : "; unreachable: ",
                 fmt::join(outcome.unreachable, ", "));
    }
    last_under_replicated_ = plan.under_replicated;
    // Garbage waiting out its grace is no reason to hurry.
    const bool moves = std::any_of(plan.actions.begin(), plan.actions.end(),
                                   [](const repair_action& action) { return action.kind != repair_kind::collect; });
    last_round_found_work_ = moves || plan.under_replicated > 0 || !outcome.unreachable.empty();
  }

  fs_repair_config config_;
  zone_kv_port kv_;
  std::int64_t lease_ = 0;
  bool leading_ = false;
  std::int64_t last_round_ms_ = -1;
  std::uint64_t round_ = 0;
  std::uint64_t last_under_replicated_ = 0;
  bool last_round_found_work_ = true;
  std::string last_up_;  // the up nodes at the last check, "n1,n2,"
};

}  // namespace

caf::actor spawn_fs_repair(caf::actor_system& system, const child_context& context, fs_repair_config config) {
  return system.spawn<fs_repair, caf::detached>(context, std::move(config));
}

}  // namespace bucky
