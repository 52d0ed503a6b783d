#include "actors/process_manager/actor.hpp"

#include <signal.h>

#include <chrono>
#include <ctime>
#include <thread>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/process_manager/app_setup.hpp"
#include "actors/process_manager/child_process.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/node_stopping.hpp"
#include "messages/common/check.hpp"

namespace bucky {

// What preparing an app's sandbox gave (app_setup.hpp), sent back to the manager.
struct app_prepared {
  std::string id;
  std::int64_t spec_revision = 0;
  std::optional<sandbox_paths> paths;  // nothing: `error` says why
  std::string error;
};

std::uint64_t process_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

namespace {

using phase = observed_instance::phase;
constexpr std::uint64_t identity_check_ticks = 600;  // apps' kRPC identities renewed when due (each minute at 100 ms)
using records = std::map<std::string, process_record>;

bool lives(const process_record& record) { return record.now == phase::running || record.now == phase::stopping; }

class process_manager : public component_actor {
 public:
  process_manager(caf::actor_config& actor_config, child_context context, process_manager_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {}

  caf::behavior make_behavior() override {
    BUCKY_CHECK(config_.table != nullptr);
    auto running = config_.table->snapshot();
    if (!running.empty()) log().info("{} service processes known from before this actor started", running.size());
    delayed_send(this, std::chrono::milliseconds(config_.reap_interval_ms), tick_atom::value);
    return {
        [this](start_atom, instance_assignment& wanted) {
          start(wanted);
          return true;
        },
        [this](prepared_atom, app_prepared& done) { launch_prepared(done); },
        [this](stop_atom, const std::string& id) {
          stop(id);
          return true;
        },
        [this](forget_atom, const std::string& id) {
          config_.table->update([&](records& all) {
            auto found = all.find(id);
            if (found != all.end() && !lives(found->second)) all.erase(found);
          });
        },
        [this](tick_atom) {
          kill_overdue();
          if (reap()) notify();
          if (++ticks_ % 10 == 0) rotate_logs();
          if (ticks_ % identity_check_ticks == 0 && config_.krpc) config_.krpc->renew_due(static_cast<std::int64_t>(std::time(nullptr)));
          delayed_send(this, std::chrono::milliseconds(config_.reap_interval_ms), tick_atom::value);
        },
    };
  }

  // A restart keeps the services running (the table outlives this actor); the node
  // stopping ends them here, before the children started earlier (the mount) stop.
  void on_exit() override {
    if (!node_stopping(system())) return caf::event_based_actor::on_exit();
    log().info("node stopping: ending every service (at most {} ms)", config_.shutdown_grace_ms_max);
    config_.table->terminate_all(config_.shutdown_grace_ms_max);
    for (const auto& record : config_.table->snapshot()) close_app_endpoints(record.assignment.id());
    caf::event_based_actor::on_exit();
  }

 private:
  std::string log_path(const instance_assignment& wanted) const {
    return fmt::format("{}/services/logs/{}-{}.log", config_.data_dir, wanted.service, wanted.instance);
  }

  child_launch launch_of(const instance_assignment& wanted) const {
    child_launch launch;
    launch.spec = wanted.spec;
    launch.instance_id = wanted.id();
    launch.node_id = config_.node_id;
    launch.work_dir = wanted.spec.work_dir.empty() ? config_.data_dir + "/services/" + wanted.service : wanted.spec.work_dir;
    launch.log_path = log_path(wanted);
    return launch;
  }

  void start(const instance_assignment& wanted) {
    auto id = wanted.id();
    const bool app = !wanted.spec.sandbox.package.empty();
    bool refused = config_.table->update([&](records& all) {
      auto& record = all[id];
      if ((record.pid != 0 || record.preparing) && lives(record)) return true;
      bool same_spec = record.pid != 0 && record.assignment.spec_revision == wanted.spec_revision;
      record.restarts = same_spec ? record.restarts + 1 : 0;
      if (!same_spec) record.failures = 0;
      record.assignment = wanted;
      record.log_path = log_path(wanted);
      if (app) {
        record.preparing = true;
        record.now = phase::running;
        record.pid = 0;
      }
      return false;
    });
    if (refused) return log().error("asked to start {} while it runs; ignored", id);
    if (app) return prepare(wanted);
    start_process(wanted, launch_of(wanted));
  }

  // The app's package and folders are made ready by a detached actor (blocking file
  // I/O through the mount), which answers with prepared_atom.
  void prepare(const instance_assignment& wanted) {
    auto manager = caf::actor_cast<caf::actor>(this);
    app_setup_config setup{config_.data_dir, config_.mount_dir};
    log().info("preparing app {} (package {})", wanted.id(), wanted.spec.sandbox.package);
    system().spawn<caf::detached>([manager, wanted, setup](caf::event_based_actor* worker) {
      app_prepared done{wanted.id(), wanted.spec_revision, std::nullopt, {}};
      auto paths = prepare_app(wanted.spec, wanted.id(), setup);
      if (paths) done.paths = std::move(*paths);
      else done.error = paths.error().message();
      worker->send(manager, prepared_atom::value, std::move(done));
    });
  }

  void launch_prepared(app_prepared& done) {
    std::optional<instance_assignment> wanted;
    bool stopped = false;
    config_.table->update([&](records& all) {
      auto found = all.find(done.id);
      if (found == all.end() || !found->second.preparing || found->second.assignment.spec_revision != done.spec_revision) return;
      found->second.preparing = false;
      if (found->second.now == phase::stopping) {  // stopped while being prepared: never started
        found->second.now = phase::exited;
        found->second.exit_clean = true;
        found->second.exited_at_ms = process_clock_ms();
        found->second.last_exit = "stopped before it started";
        stopped = true;
        return;
      }
      wanted = found->second.assignment;
    });
    if (stopped) return notify();
    if (!wanted) return;  // a preparation nobody waits for any more
    if (!done.paths) return record_start(*wanted, status(status_code::unavailable, done.error));
    if (config_.krpc) {  // its identity and endpoint exist before it starts
      auto opened = config_.krpc->open(system(), done.id, wanted->spec.name, wanted->spec.sandbox.uid, done.paths->runtime_dir,
                                       file_roots(wanted->spec, *done.paths));
      if (!opened.is_ok()) return record_start(*wanted, opened);
    }
    auto launch = launch_of(*wanted);
    launch.sandbox = std::move(*done.paths);
    start_process(*wanted, launch);
  }

  // What its kRPC file calls may reach: its own folder and each granted one found here.
  static std::vector<krpc::file_root> file_roots(const service_spec& spec, const sandbox_paths& paths) {
    std::vector<krpc::file_root> roots{{std::string(app_data_root) + "/" + spec.name, paths.data_dir, true}};
    for (const auto& grant : spec.sandbox.folders) {
      if (auto host = paths.folders.find(grant.path); host != paths.folders.end()) roots.push_back({grant.path, host->second, grant.writable});
    }
    return roots;
  }

  void start_process(const instance_assignment& wanted, const child_launch& launch) {
    auto pid = start_child(launch);
    if (!pid) close_app_endpoints(wanted.id());
    record_start(wanted, std::move(pid));
  }

  void close_app_endpoints(const std::string& id) {
    if (config_.forwards) config_.forwards->close(id);
    if (config_.krpc) config_.krpc->close(id);
  }

  // An app's ports, reachable on this node's loopback through its forwards.
  std::vector<std::uint16_t> open_ports(const instance_assignment& wanted, pid_t pid) {
    if (wanted.spec.sandbox.package.empty() || wanted.spec.ports.empty() || !config_.forwards) return {};
    auto ports = config_.forwards->open(wanted.id(), pid, wanted.spec.ports);
    if (!ports) {
      log().warn("app {} runs but cannot be reached: {}", wanted.id(), ports.error().message());
      return {};
    }
    log().info("app {} port {} is reachable at 127.0.0.1:{}", wanted.id(), wanted.spec.ports.front(), ports->front());
    return *ports;
  }

  void record_start(const instance_assignment& wanted, result<pid_t> pid) {
    auto id = wanted.id();
    auto now = process_clock_ms();
    auto host_ports = pid ? open_ports(wanted, *pid) : std::vector<std::uint16_t>{};
    config_.table->update([&](records& all) {
      auto& record = all[id];
      record.host_ports = host_ports;
      if (pid) {
        record.now = phase::running;
        record.pid = *pid;
        record.started_at_ms = now;
        record.last_error.clear();
      } else {
        record.now = phase::failed;
        record.pid = -1;  // tried: the next start counts as a restart
        record.exited_at_ms = now;
        record.failures += 1;
        record.last_error = pid.error().message();
      }
    });
    if (pid) log().info("started {} (pid {}, spec revision {}): {}", id, *pid, wanted.spec_revision, wanted.spec.command[0]);
    else log().warn("could not start {}: {}", id, pid.error().message());
    notify();
  }

  void stop(const std::string& id) {
    auto now = process_clock_ms();
    bool sandboxed = false;
    auto pid = config_.table->update([&](records& all) -> pid_t {
      auto found = all.find(id);
      if (found == all.end() || found->second.now != phase::running) return 0;
      sandboxed = !found->second.assignment.spec.sandbox.package.empty();
      found->second.now = phase::stopping;
      found->second.stop_sent_at_ms = found->second.preparing ? 0 : now;  // no process yet: nothing to kill
      return found->second.pid;
    });
    if (pid <= 0) return notify();  // none, or an app still being prepared (never started)
    signal_service(pid, SIGTERM, sandboxed);
    log().info("stopping {} (pid {}): SIGTERM", id, pid);
    notify();
  }

  // Exits since the last tick; true if any.
  bool reap() {
    auto now = process_clock_ms();
    std::vector<std::string> lines, closed;
    bool changed = config_.table->update([&](records& all) {
      bool any = false;
      for (auto& [id, record] : all) {
        if (!lives(record) || record.preparing) continue;
        auto exit = reap_child(record.pid);
        if (!exit) continue;
        any = true;
        bool asked = record.now == phase::stopping;
        bool short_run = now - record.started_at_ms < config_.stable_run_ms;
        record.failures = asked ? 0 : (short_run ? record.failures + 1 : 1);
        record.now = phase::exited;
        record.exit_clean = exit->clean;
        record.exited_at_ms = now;
        record.last_exit = exit->description;
        if (!record.assignment.spec.sandbox.package.empty()) closed.push_back(id);
        record.host_ports.clear();
        lines.push_back(fmt::format("{} (pid {}) {}: {}", id, record.pid, asked ? "stopped" : "exited",
                                    exit->description));
      }
      return any;
    });
    for (const auto& id : closed) close_app_endpoints(id);
    for (const auto& line : lines) log().info("service {}", line);
    return changed;
  }

  // SIGKILL for a stopping service past its grace.
  void kill_overdue() {
    auto now = process_clock_ms();
    std::vector<std::pair<std::string, pid_t>> overdue;
    config_.table->update([&](records& all) {
      for (auto& [id, record] : all) {
        if (record.now != phase::stopping || record.stop_sent_at_ms == 0) continue;
        if (now - record.stop_sent_at_ms < record.assignment.spec.stop_grace_ms) continue;
        record.stop_sent_at_ms = 0;  // once
        overdue.emplace_back(id, record.pid);
      }
    });
    for (const auto& [id, pid] : overdue) {
      signal_group(pid, SIGKILL);
      log().warn("{} (pid {}) did not stop within its grace: SIGKILL", id, pid);
    }
  }

  void rotate_logs() {
    for (const auto& record : config_.table->snapshot()) {
      if (!record.log_path.empty()) rotate_log(record.log_path, config_.log_size_bytes_max, config_.log_files_kept);
    }
  }

  void notify() {
    if (auto loop = system().registry().get<caf::actor>(caf::atom_from_string(config_.notify_actor))) {
      send(loop, changed_atom::value);
    }
  }

  process_manager_config config_;
  std::uint64_t ticks_ = 0;
};

}  // namespace

void process_table::terminate_all(std::uint64_t grace_ms_max) {
  auto live = [this] {
    std::vector<std::pair<pid_t, bool>> pids;  // and whether it is an app's sandbox
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : records_) {
      if (!lives(record)) continue;
      if (auto exit = reap_child(record.pid)) record.now = phase::exited;
      else pids.emplace_back(record.pid, !record.assignment.spec.sandbox.package.empty());
    }
    return pids;
  };
  for (auto [pid, sandboxed] : live()) signal_service(pid, SIGTERM, sandboxed);
  auto deadline = process_clock_ms() + grace_ms_max;
  while (!live().empty() && process_clock_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (auto [pid, sandboxed] : live()) signal_group(pid, SIGKILL);
  while (!live().empty() && process_clock_ms() < deadline + 2'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

caf::actor spawn_process_manager(caf::actor_system& system, const child_context& context,
                                 process_manager_config config) {
  return system.spawn<process_manager>(context, std::move(config));
}

}  // namespace bucky
