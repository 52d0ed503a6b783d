#include "actors/node_loop/actor.hpp"

#include <set>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/node_loop/reconcile.hpp"
#include "actors/node_loop/resolve.hpp"
#include "actors/node_loop/status_report.hpp"
#include "actors/process_manager/actor.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/state_client/kept_lease.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "storage/atomic_file.hpp"

namespace bucky {

namespace {

using wake_atom = caf::atom_constant<caf::atom("wake")>;
using reread_atom = caf::atom_constant<caf::atom("reread")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;  // the first read, again soon

class node_loop : public component_actor {
 public:
  node_loop(caf::actor_config& actor_config, child_context context, node_loop_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    started_ms_ = process_clock_ms();
    if (!config_.zone_owner) log().warn("development zone (no owner key): service specs run without signatures");
    load_cache();
    read_config();
    send(this, tick_atom::value);
    delayed_send(this, std::chrono::milliseconds(config_.config_reread_ms), reread_atom::value);
    return {
        [this](changed_atom) { converge(); },
        [this](wake_atom) {
          wake_at_ms_ = 0;
          converge();
        },
        [this](tick_atom) {
          keep_lease();
          converge();
          delayed_send(this, std::chrono::milliseconds(config_.keepalive_ms), tick_atom::value);
        },
        [this](retry_atom) { read_config(); },
        [this](reread_atom) {
          read_config();
          delayed_send(this, std::chrono::milliseconds(config_.config_reread_ms), reread_atom::value);
        },
    };
  }

 private:
  std::string cache_path() const { return config_.data_dir + "/node_config"; }
  std::string config_key() const { return system_keys::node_config(config_.node_id); }

  // What the node last resolved to run, so a restart while the zone state is away
  // still runs it.
  void load_cache() {
    auto text = read_small_file(cache_path());
    if (!text) return;
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (!json.is_object() || !json.contains("run") || !json["run"].is_array() ||
        !json["mod_revision"].is_number_integer() || json["node_id"] != config_.node_id) {
      return log().warn("{} is not this node's cache of what it runs; ignored", cache_path());
    }
    resolved_instances cached;
    for (const auto& item : json["run"]) {
      auto assignment = instance_assignment_from_json(item);
      if (!assignment) return log().warn("{}: ignored: {}", cache_path(), assignment.error().message());
      cached.run.push_back(std::move(*assignment));
    }
    desired_ = std::move(cached);
    config_revision_ = json["mod_revision"].get<std::int64_t>();
    log().info("node config revision {} from {}: {} instances", config_revision_, cache_path(), desired_.run.size());
  }

  void save_cache() {
    nlohmann::json run = nlohmann::json::array();
    for (const auto& assignment : desired_.run) run.push_back(instance_assignment_json(assignment));
    nlohmann::json json{{"node_id", config_.node_id}, {"mod_revision", config_revision_}, {"run", run}};
    // 0600: specs may carry secrets in their environment.
    if (auto saved = write_file_atomically(cache_path(), json.dump(), 0600); !saved.is_ok()) {
      log().warn("cannot keep the node config in {}: {}", cache_path(), saved.message());
    }
  }

  // The node config, every service spec and the users who may sign them, in one
  // linearizable read (a node back from the dead must not trust its own stale replica).
  void read_config() {
    kv_request request = read_document_request(config_key());
    request.success.push_back(range_op(system_keys::services_prefix, prefix_range_end(system_keys::services_prefix)));
    request.success.push_back(range_op(system_keys::users_prefix, prefix_range_end(system_keys::users_prefix)));
    zone_state_.call(request, false, config_.request_timeout_ms, [this](result<kv_response> answer) {
      if (!answer || answer->results.size() != 3) {
        // Until the zone state answered once, ask again soon (not every 10 s).
        if (!heard_) delayed_send(this, std::chrono::milliseconds(500), retry_atom::value);
        return log().debug("node config not read: {}", answer ? "not three results" : answer.error().message());
      }
      auto specs = specs_from_range(answer->results[1].kvs);
      signers_ = signers_from(answer->results[2].kvs);
      kv_response config_part = *answer;
      config_part.results.resize(1);
      auto doc = read_typed<node_config_document>(config_.node_id, config_part);
      if (!doc) return warn_once(doc.error().message());
      heard_ = true;
      if (!*doc) adopt({config_.node_id, {}}, 0, specs);
      else adopt(std::move((*doc)->value), (*doc)->mod_revision, specs);
      if (!watching_) watch(answer->revision + 1, 0);
    });
  }

  // A long poll on the key; any change makes it read the config again.
  void watch(std::int64_t from_revision, std::uint32_t from_index) {
    watching_ = true;
    kv_watch_request request{config_key(), "", from_revision, from_index, config_.watch_wait_ms, 16};
    zone_state_.watch(request, config_.watch_wait_ms + config_.request_timeout_ms,
                      [this](result<kv_watch_response> answer) {
                        if (!answer) {
                          watching_ = false;  // the next re-read starts it again
                          return log().debug("node config watch ended: {}", answer.error().message());
                        }
                        if (!answer->events.empty()) read_config();
                        watch(answer->next_revision, answer->next_index);
                      });
  }

  void adopt(const node_config& config, std::int64_t revision, const std::map<std::string, stored_spec>& specs) {
    if (config.node_id != config_.node_id) return warn_once(config_key() + " names node " + config.node_id);
    auto resolved = resolve_instances(config_.node_id, config, specs, signers_);
    if (revision == config_revision_ && resolved == desired_) return;
    for (const auto& refused : resolved.refused) {
      warn_once(fmt::format("not running {} from node config revision {}: {}", refused.pointer.id(), revision,
                            refused.reason));
    }
    std::string ids;
    for (const auto& instance : resolved.run) ids += (ids.empty() ? "" : ", ") + instance.id();
    log().info("node config revision {} (was {}): {}", revision, config_revision_, ids.empty() ? "nothing to run" : ids);
    desired_ = std::move(resolved);
    config_revision_ = revision;
    save_cache();
    converge();
  }

  // Act on the cached config only once the zone state had its chance to say more.
  bool may_act() {
    if (heard_) return true;
    if (process_clock_ms() - started_ms_ < config_.cache_grace_ms) return false;
    if (!grace_logged_) {
      grace_logged_ = true;
      log().warn("the zone state did not answer within {} ms: running node config revision {} from {}",
                 config_.cache_grace_ms, config_revision_, cache_path());
    }
    return true;
  }

  // One reconcile round: act on the plan, then report.
  void converge() {
    if (!may_act()) return;
    auto records = config_.table->snapshot();
    std::vector<observed_instance> observed;
    for (const auto& record : records) observed.push_back(record.observed());
    auto now = process_clock_ms();
    auto plan = reconcile(desired_.run, observed, now);
    for (auto& action : plan.actions) act(std::move(action));
    if (plan.wake_at_ms && (wake_at_ms_ == 0 || *plan.wake_at_ms < wake_at_ms_)) {
      wake_at_ms_ = *plan.wake_at_ms;
      delayed_send(this, std::chrono::milliseconds(wake_at_ms_ - now), wake_atom::value);
    }
    write_status(make_node_status(config_.node_id, config_revision_, desired_, plan, records));
  }

  void act(reconcile_action action) {
    auto procs = system().registry().get<caf::actor>(caf::atom_from_string(process_manager_actor));
    if (!procs || pending_.count(action.id)) return;
    if (action.what == reconcile_action::kind::forget) return send(procs, forget_atom::value, action.id);
    pending_.insert(action.id);
    auto done = [this, id = action.id] {
      pending_.erase(id);
      converge();
    };
    auto timeout = std::chrono::milliseconds(config_.request_timeout_ms);
    auto failed = [done](caf::error&) { done(); };
    if (action.what == reconcile_action::kind::start) {
      request(procs, timeout, start_atom::value, std::move(action.assignment)).then([done](bool) { done(); }, failed);
    } else {
      request(procs, timeout, stop_atom::value, action.id).then([done](bool) { done(); }, failed);
    }
  }

  void keep_lease() {
    lease_.tick(
        [this](std::int64_t lease) {
          written_.clear();  // the status must be put again under the new lease
          log().info("status lease {} (ttl {} s)", lease, config_.lease_ttl_s);
          flush_status();
        },
        [this](std::int64_t lease, const std::string& why) {
          log().warn("status lease {} lost ({}); taking a new one", lease, why);
        });
  }

  // The newest status is written once the write in flight (if any) is done.
  void write_status(const node_status& status) {
    wanted_ = node_status_to_json(status);
    flush_status();
  }

  void flush_status() {
    if (lease_.id() == 0 || status_busy_ || wanted_ == written_) return;
    status_busy_ = true;
    auto json = wanted_;
    kv_request request;
    request.success.push_back({kv_op_kind::put, system_keys::node_status(config_.node_id), "", json, lease_.id()});
    zone_state_.call(request, false, config_.request_timeout_ms, [this, json](result<kv_response> answer) {
      status_busy_ = false;
      if (!answer || !answer->error.empty()) {
        return log().debug("status not written: {}", answer ? answer->error : answer.error().message());
      }
      written_ = json;
      flush_status();
    });
  }

  // Who may sign specs now; none in a development zone (no owner key).
  std::optional<spec_signers> signers_from(const std::vector<key_value>& user_rows) {
    if (!config_.zone_owner) return std::nullopt;
    std::vector<user_record> users;
    for (const auto& row : user_rows) {
      if (auto user = user_document::parse(row.value); user && row.key == system_keys::user(user->name)) {
        users.push_back(std::move(*user));
      }
    }
    return spec_signers_of(*config_.zone_owner, users);
  }

  void warn_once(const std::string& problem) {
    if (warned_.size() > 100) warned_.clear();
    if (warned_.insert(problem).second) log().warn("{}", problem);
  }

  node_loop_config config_;
  kv_caller zone_state_{this};
  resolved_instances desired_;  // from the node config and the specs it points at
  std::optional<spec_signers> signers_;
  std::int64_t config_revision_ = 0;
  bool watching_ = false;
  std::uint64_t started_ms_ = 0;
  bool heard_ = false;  // the zone state answered a config read since this actor started
  bool grace_logged_ = false;
  std::set<std::string> pending_;  // asked of the process manager, not answered yet
  std::uint64_t wake_at_ms_ = 0;
  kept_lease lease_{zone_state_, config_.lease_ttl_s, config_.request_timeout_ms};
  bool status_busy_ = false;
  std::string written_;  // the status JSON in the zone state under lease_.id()
  std::string wanted_;   // the newest status JSON
  std::set<std::string> warned_;
};

}  // namespace

caf::actor spawn_node_loop(caf::actor_system& system, const child_context& context, node_loop_config config) {
  return system.spawn<node_loop>(context, std::move(config));
}

}  // namespace bucky
