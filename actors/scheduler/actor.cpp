#include "actors/scheduler/actor.hpp"

#include <set>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/scheduler/decision.hpp"
#include "actors/state_client/kept_lease.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"

namespace bucky {

namespace {

using decide_atom = caf::atom_constant<caf::atom("decide")>;
using periodic_atom = caf::atom_constant<caf::atom("periodic")>;
using rewatch_atom = caf::atom_constant<caf::atom("rewatch")>;

class scheduler : public component_actor {
 public:
  scheduler(caf::actor_config& actor_config, child_context context, scheduler_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    send(this, tick_atom::value);
    delayed_send(this, std::chrono::milliseconds(config_.decide_interval_ms), periodic_atom::value);
    return {
        [this](tick_atom) {
          keep_lease();
          delayed_send(this, std::chrono::milliseconds(config_.keepalive_ms), tick_atom::value);
        },
        [this](decide_atom) {
          decide_scheduled_ = false;
          decide();
        },
        [this](rewatch_atom, std::uint64_t term) {
          if (term == term_) start_watch(0);
        },
        [this](periodic_atom) {
          if (leading()) schedule_decide();
          delayed_send(this, std::chrono::milliseconds(config_.decide_interval_ms), periodic_atom::value);
        },
    };
  }

 private:
  bool leading() const { return held_create_revision_ != 0; }

  void keep_lease() {
    lease_.tick([](std::int64_t) {},
                [this](std::int64_t lease, const std::string& why) {
                  step_down(fmt::format("lease {} lost: {}", lease, why));
                },
                [this] {
                  if (!leading()) campaign();
                });
  }

  // Take /scheduler/leader if nobody holds it.
  void campaign() {
    kv_request request;
    request.compares.push_back({scheduler_leader_key, kv_compare_target::create_revision, kv_compare_result::equal, "", 0});
    request.success.push_back({kv_op_kind::put, scheduler_leader_key, "", config_.node_id, lease_.id()});
    request.failure.push_back(range_op(scheduler_leader_key));
    zone_state_.call(request, false, config_.request_timeout_ms, [this](result<kv_response> answer) {
      if (!answer || !answer->error.empty() || leading()) return;
      if (answer->succeeded) {
        held_create_revision_ = answer->revision;
        log().info("leading (lease {}, revision {})", lease_.id(), held_create_revision_);
        start_watch(answer->revision + 1);
        schedule_decide();
        return;
      }
      std::string holder = answer->results.empty() || answer->results[0].kvs.empty() ? "" : answer->results[0].kvs[0].value;
      if (holder != seen_holder_) log().info("{} leads; this one waits", holder.empty() ? "nobody" : holder);
      seen_holder_ = holder;
    });
  }

  void step_down(const std::string& why) {
    if (!leading()) return;
    log().warn("no longer leading: {}", why);
    held_create_revision_ = 0;
    ++term_;
  }

  // Every change under /nodes/ .. /system/zone_config wakes a decision.
  void start_watch(std::int64_t from_revision, std::uint32_t from_index = 0) {
    if (!leading()) return;
    kv_watch_request request{system_keys::nodes_prefix, prefix_range_end(system_keys::zone_config), from_revision,
                             from_index, config_.watch_wait_ms, 256};
    auto term = term_;
    zone_state_.watch(request, config_.watch_wait_ms + config_.request_timeout_ms,
                      [this, term](result<kv_watch_response> answer) {
                        if (term != term_) return;  // a watch of an earlier lead
                        if (!answer) {
                          log().debug("scheduler watch: {}", answer.error().message());
                          // Again in a second, from then on; the periodic decision covers the gap.
                          return delayed_send(this, std::chrono::seconds(1), rewatch_atom::value, term);
                        }
                        if (!answer->events.empty()) schedule_decide();
                        start_watch(answer->next_revision, answer->next_index);
                      });
  }

  void schedule_decide() {
    if (decide_scheduled_) return;
    decide_scheduled_ = true;
    delayed_send(this, std::chrono::milliseconds(config_.decide_delay_ms), decide_atom::value);
  }

  void decide() {
    if (!leading()) return;
    if (deciding_) {
      again_ = true;
      return;
    }
    deciding_ = true;
    zone_state_.call(scheduler_read_request(), false, config_.request_timeout_ms, [this](result<kv_response> answer) {
      if (!answer) return done_deciding(answer.error().message());
      auto view = read_scheduler_view(*answer);
      if (!view) return done_deciding(view.error().message());
      if (view->leader_create_revision != held_create_revision_) {
        step_down("the leader key is " + (view->leader.empty() ? std::string("gone") : "held by " + view->leader));
        return done_deciding("");
      }
      for (const auto& problem : view->problems) warn_once(problem);
      auto placed = place(view->input);
      report_unplaced(placed.unplaced);
      auto changed = changed_configs(*view, placed);
      if (changed.empty()) return done_deciding("");
      write(*view, changed);
    });
  }

  void write(const scheduler_view& view, const std::map<std::string, node_config>& changed) {
    auto what = describe_changes(view, changed);
    zone_state_.call(decision_request(view, changed, held_create_revision_), false, config_.request_timeout_ms,
                     [this, what](result<kv_response> answer) {
                       if (!answer) return done_deciding(answer.error().message());
                       if (answer->succeeded) {
                         log().info("placed at revision {}: {}", answer->revision, what);
                         return done_deciding("");
                       }
                       auto& held = answer->results;
                       if (held.empty() || held[0].kvs.empty() || held[0].kvs[0].create_revision != held_create_revision_) {
                         step_down("the leader key changed under a decision");
                         return done_deciding("");
                       }
                       again_ = true;  // a node config changed since the read: decide from a fresh one
                       done_deciding("");
                     });
  }

  void done_deciding(const std::string& problem) {
    deciding_ = false;
    if (!problem.empty()) {
      log().debug("decision not made: {}", problem);
      again_ = true;
    }
    if (again_ && leading()) {
      again_ = false;
      schedule_decide();
    }
  }

  void report_unplaced(const std::vector<std::string>& unplaced) {
    if (unplaced == unplaced_) return;
    unplaced_ = unplaced;
    if (unplaced.empty()) return log().info("every instance is placed");
    std::string list;
    for (const auto& line : unplaced) list += (list.empty() ? "" : "; ") + line;
    log().warn("{} instances not placed: {}", unplaced.size(), list);
  }

  void warn_once(const std::string& problem) {
    if (warned_.size() > 100) warned_.clear();
    if (warned_.insert(problem).second) log().warn("{}", problem);
  }

  scheduler_config config_;
  kv_caller zone_state_{this};
  kept_lease lease_{zone_state_, config_.lease_ttl_s, config_.request_timeout_ms};
  std::int64_t held_create_revision_ = 0;  // of our leader key; 0: not leading
  std::uint64_t term_ = 0;                 // bumped on every step-down
  std::string seen_holder_;
  bool decide_scheduled_ = false;
  bool deciding_ = false;
  bool again_ = false;
  std::vector<std::string> unplaced_;
  std::set<std::string> warned_;
};

}  // namespace

caf::actor spawn_scheduler(caf::actor_system& system, const child_context& context, scheduler_config config) {
  return system.spawn<scheduler>(context, std::move(config));
}

}  // namespace bucky
