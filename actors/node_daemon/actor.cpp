#include "actors/node_daemon/actor.hpp"

#include <chrono>
#include <deque>
#include <memory>

#include <fmt/format.h>

#include <caf/all.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/zone_state/acl.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/runtime/node_stopping.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

// An operator's restart waits this long, so its answer leaves before the restart.
constexpr std::uint64_t restart_delay_ms = 100;

std::vector<child_policy> policies_of(const node_daemon_config& config) {
  std::vector<child_policy> policies;
  for (const auto& spec : config.children) {
    BUCKY_CHECK_MSG(static_cast<bool>(spec.factory), "child '" + spec.name + "' has no factory");
    policies.push_back({spec.name, spec.restart, spec.strategy});
  }
  return policies;
}

exit_kind exit_kind_of(const caf::error& reason) {
  if (!reason) return exit_kind::normal;
  if (reason == caf::exit_reason::user_shutdown) return exit_kind::shutdown;
  return exit_kind::crash;
}

// One incarnation of a child as the shell sees it; the core keeps the decisions.
struct child_runtime {
  caf::actor handle;
  std::uint64_t incarnation = 0;
  child_context context;
  std::int64_t mailbox_size = -1;
};

class node_daemon_actor : public caf::event_based_actor {
 public:
  node_daemon_actor(caf::actor_config& actor_config, node_daemon_config config)
      : caf::event_based_actor(actor_config),
        config_(std::move(config)),
        core_(policies_of(config_), config_.intensity),
        log_(logging::get("node_daemon")) {
    for (const auto& spec : config_.children) {
      child_runtime runtime;
      runtime.context.node_id = config_.node_id;
      runtime.context.name = spec.name;
      children_.push_back(std::move(runtime));
    }
  }

  caf::behavior make_behavior() override {
    set_exception_handler([this](caf::scheduled_actor*, std::exception_ptr& e) {
      auto reason = exit_reason_from_exception(e);
      log_->critical("node_daemon crashed: {}", describe_exit_reason(reason));
      return reason;
    });
    set_down_handler([this](caf::down_msg& message) { on_down(message); });
    set_exit_handler([this](caf::exit_msg& message) { on_exit_request(message); });
    // Children are monitored, not linked (a link's exit_msg and the down_msg would
    // race). Whatever way node_daemon ends, no child may outlive it.
    system().registry().put(caf::atom("daemon"), caf::actor_cast<caf::strong_actor_ptr>(this));
    attach_functor([this](const caf::error&) {
      auto registered = system().registry().get(caf::atom("daemon"));
      if (registered == caf::actor_cast<caf::strong_actor_ptr>(this)) system().registry().erase(caf::atom("daemon"));
      for (auto& runtime : children_) {
        if (runtime.handle) caf::anon_send_exit(runtime.handle, caf::exit_reason::kill);
      }
    });
    log_->info("starting {} children (restart intensity: {} restarts in {} ms)",
               config_.children.size(), config_.intensity.restarts_max,
               config_.intensity.period_ms);
    run(core_.start());
    return {
        [this](shutdown_atom) { run(core_.on_shutdown_requested("shutdown requested")); },
        [this](table_atom) -> caf::result<actor_table> { return collect_table(); },
        [this](actor_table_request) -> caf::result<actor_table> { return collect_table(); },
        [this](const caller& from, const actor_restart_request& request) -> admin_action_reply {
          return restart_requested(from, request.name);
        },
        [this](stop_tmo_atom, std::size_t child, std::uint64_t incarnation) {
          on_stop_timeout(child, incarnation);
        },
        [this](restart_atom, std::size_t child) { restart_now(child); },
        [this](probe_atom, std::size_t child, std::uint64_t incarnation) {
          probe(child, incarnation);
        },
    };
  }

 private:
  clock_reading now() {
    auto monotonic = clock().now().time_since_epoch();
    auto wall = std::chrono::system_clock::now().time_since_epoch();
    return {static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::milliseconds>(monotonic).count()),
            std::chrono::duration_cast<std::chrono::milliseconds>(wall).count()};
  }

  // Carries out commands in order. A start that fails is a crash of that child;
  // the core's answer to it joins the end of the queue.
  void run(supervisor_commands commands) {
    std::deque<supervisor_command> queue(commands.begin(), commands.end());
    while (!queue.empty()) {
      // However the node came to stop (a shutdown request, an exit request, or
      // supervision giving up: a node whose key was revoked), blocking retries in
      // the children give up now, so each stops within its stop timeout.
      if (core_.shutting_down() && !node_stopping(system())) mark_node_stopping(this);
      auto command = std::move(queue.front());
      queue.pop_front();
      switch (command.what) {
        case supervisor_command::kind::start_child:
          if (auto failure = start_child(command.child)) {
            auto more = core_.on_child_down(command.child, exit_kind::crash, *failure, now());
            queue.insert(queue.end(), more.begin(), more.end());
          }
          break;
        case supervisor_command::kind::stop_child:
          stop_child(command.child);
          break;
        case supervisor_command::kind::exit_daemon:
          exit_daemon(command.exit_code, command.reason);
          return;
      }
    }
  }

  // Returns the failure reason when the factory could not spawn the child.
  std::optional<std::string> start_child(std::size_t child) {
    auto& spec = config_.children[child];
    auto& runtime = children_[child];
    runtime.incarnation += 1;
    runtime.mailbox_size = -1;
    try {
      runtime.handle = spec.factory(system(), runtime.context);
    } catch (const std::exception& e) {
      log_->error("child '{}' failed to start: {}", spec.name, e.what());
      runtime.handle = nullptr;
      return std::string("start failed: ") + e.what();
    }
    BUCKY_CHECK_MSG(static_cast<bool>(runtime.handle), "factory of '" + spec.name + "' spawned nothing");
    monitor(runtime.handle);
    system().registry().put(caf::atom_from_string(spec.name), runtime.handle);
    log_->debug("child '{}' spawned as actor {} (incarnation {})", spec.name,
                runtime.handle.id(), runtime.incarnation);
    probe(child, runtime.incarnation);
    return std::nullopt;
  }

  // The first answer to a stats probe means the child finished initializing.
  void probe(std::size_t child, std::uint64_t incarnation) {
    auto& runtime = children_[child];
    if (runtime.incarnation != incarnation || !core_.alive(child)) return;
    if (core_.status(child).state != actor_state::starting) return;
    request(runtime.handle, std::chrono::milliseconds(config_.probe_timeout_ms), stats_atom::value)
        .then(
            [this, child, incarnation](std::uint64_t, std::int64_t mailbox_size) {
              auto& current = children_[child];
              if (current.incarnation != incarnation || !core_.alive(child)) return;
              current.mailbox_size = mailbox_size;
              core_.on_child_ready(child);
              const auto& status = core_.status(child);
              log_->info("child '{}' running (actor {}, restarts {})", status.name,
                         current.handle.id(), status.restart_count);
            },
            [this, child, incarnation](caf::error& error) {
              if (error != caf::sec::request_timeout) return;  // gone: on_down decides
              log_->warn("child '{}' has not answered its start probe within {} ms",
                         config_.children[child].name, config_.probe_timeout_ms);
              send(this, probe_atom::value, child, incarnation);
            });
  }

  // An operator's restart (owner or admin keys only; nodes may not).
  admin_action_reply restart_requested(const caller& from, const std::string& name) {
    admin_action_reply reply{config_.node_id, false, {}};
    if (auto denied = check_node_action(from, node_action::restart_actor); !denied.is_ok()) {
      reply.message = denied.message();
      return reply;
    }
    auto found = std::find_if(config_.children.begin(), config_.children.end(),
                              [&](const child_spec& spec) { return spec.name == name; });
    if (found == config_.children.end()) {
      reply.message = fmt::format("node {} has no actor '{}'", config_.node_id, name.substr(0, 64));
      return reply;
    }
    auto child = static_cast<std::size_t>(found - config_.children.begin());
    if (auto refusal = core_.restart_refusal(child)) {
      reply.message = *refusal;
      return reply;
    }
    log_->info("restarting child '{}' as {} {} asked", name, role_name(from.role),
               from.name);
    // The answer leaves first: restarting the transport would otherwise cut it off.
    delayed_send(this, std::chrono::milliseconds(restart_delay_ms), restart_atom::value, child);
    reply.done = true;
    reply.message = fmt::format("'{}' on {} restarts now", name, config_.node_id);
    return reply;
  }

  void restart_now(std::size_t child) {
    auto answer = core_.on_restart_requested(child);
    if (!answer.accepted) {
      log_->warn("requested restart not done: {}", answer.refusal);
      return;
    }
    run(std::move(answer.commands));
  }

  void stop_child(std::size_t child) {
    auto& runtime = children_[child];
    auto& spec = config_.children[child];
    log_->info("stopping child '{}' (actor {})", spec.name, runtime.handle.id());
    send_exit(runtime.handle, caf::exit_reason::user_shutdown);
    delayed_send(this, std::chrono::milliseconds(spec.stop_timeout_ms), stop_tmo_atom::value,
                 child, runtime.incarnation);
  }

  void on_stop_timeout(std::size_t child, std::uint64_t incarnation) {
    auto& runtime = children_[child];
    if (runtime.incarnation != incarnation || !core_.alive(child)) return;
    log_->warn("child '{}' did not stop within {} ms; killing it", config_.children[child].name,
               config_.children[child].stop_timeout_ms);
    send_exit(runtime.handle, caf::exit_reason::kill);
  }

  std::optional<std::size_t> child_of(const caf::actor_addr& source) const {
    for (std::size_t child = 0; child < children_.size(); ++child) {
      if (children_[child].handle && children_[child].handle.address() == source) return child;
    }
    return std::nullopt;
  }

  void on_down(const caf::down_msg& message) {
    auto child = child_of(message.source);
    if (!child || !core_.alive(*child)) return;  // an earlier incarnation
    auto& runtime = children_[*child];
    const auto& name = config_.children[*child].name;
    auto how = exit_kind_of(message.reason);
    auto reason = describe_exit_reason(message.reason);
    if (how == exit_kind::crash) {
      log_->error("child '{}' crashed: {}", name, reason);
    } else {
      log_->info("child '{}' stopped ({})", name, reason);
    }
    auto registered = system().registry().get(caf::atom_from_string(name));
    if (registered == caf::actor_cast<caf::strong_actor_ptr>(runtime.handle)) {
      system().registry().erase(caf::atom_from_string(name));
    }
    runtime.handle = nullptr;
    runtime.mailbox_size = -1;
    run(core_.on_child_down(*child, how, reason, now()));
  }

  void on_exit_request(const caf::exit_msg& message) {
    run(core_.on_shutdown_requested("exit request: " + describe_exit_reason(message.reason)));
  }

  void exit_daemon(int exit_code, const std::string& reason) {
    logging::flush();
    if (exit_code == 0) {
      log_->info("all children stopped; node_daemon exits ({})", reason);
      quit();
    } else {
      log_->critical("all children stopped; node_daemon exits with failure: {}", reason);
      quit(caf::make_error(caf::sec::runtime_error, reason));
    }
    logging::flush();
  }

  actor_table table_now() {
    actor_table table;
    auto reading = now();
    table.node_id = config_.node_id;
    table.captured_unix_ms = reading.unix_ms;
    table.restarts_max = config_.intensity.restarts_max;
    table.restart_period_ms = config_.intensity.period_ms;
    table.restarts_in_period = core_.restarts_in_period(reading.monotonic_ms);
    for (std::size_t child = 0; child < children_.size(); ++child) {
      auto row = core_.status(child);
      row.messages_handled = children_[child].context.messages_handled->load();
      row.mailbox_size = core_.alive(child) ? children_[child].mailbox_size : -1;
      table.actors.push_back(std::move(row));
    }
    return table;
  }

  // Asks every live child for its mailbox length (bounded by probe_timeout_ms),
  // then answers with the whole table.
  caf::result<actor_table> collect_table() {
    auto promise = make_response_promise<actor_table>();
    auto pending = std::make_shared<std::size_t>(0);
    for (std::size_t child = 0; child < children_.size(); ++child) {
      if (core_.alive(child) && children_[child].handle) *pending += 1;
    }
    if (*pending == 0) return table_now();
    auto answer_one = [this, promise, pending]() mutable {
      if (--*pending == 0) promise.deliver(table_now());
    };
    for (std::size_t child = 0; child < children_.size(); ++child) {
      if (!core_.alive(child) || !children_[child].handle) continue;
      auto incarnation = children_[child].incarnation;
      request(children_[child].handle, std::chrono::milliseconds(config_.probe_timeout_ms),
              stats_atom::value)
          .then(
              [this, child, incarnation, answer_one](std::uint64_t, std::int64_t mailbox) mutable {
                if (children_[child].incarnation == incarnation) {
                  children_[child].mailbox_size = mailbox;
                }
                answer_one();
              },
              [this, child, answer_one](caf::error&) mutable {
                children_[child].mailbox_size = -1;
                answer_one();
              });
    }
    return promise;
  }

  node_daemon_config config_;
  supervisor_core core_;
  std::vector<child_runtime> children_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

caf::actor spawn_node_daemon(caf::actor_system& system, node_daemon_config config) {
  return system.spawn<node_daemon_actor>(std::move(config));
}

}  // namespace bucky
