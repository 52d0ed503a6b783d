#include "actors/process_manager/actor.hpp"

#include <signal.h>

#include <chrono>
#include <thread>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/process_manager/child_process.hpp"
#include "actors/runtime/atoms.hpp"
#include "messages/common/check.hpp"

namespace bucky {

std::uint64_t process_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

namespace {

using phase = observed_instance::phase;
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
          delayed_send(this, std::chrono::milliseconds(config_.reap_interval_ms), tick_atom::value);
        },
    };
  }

 private:
  std::string log_path(const instance_assignment& wanted) const {
    return fmt::format("{}/services/logs/{}-{}.log", config_.data_dir, wanted.service, wanted.instance);
  }

  void start(const instance_assignment& wanted) {
    auto id = wanted.id();
    child_launch launch{wanted.spec, id, config_.node_id,
                        wanted.spec.work_dir.empty() ? config_.data_dir + "/services/" + wanted.service
                                                     : wanted.spec.work_dir,
                        log_path(wanted)};
    auto now = process_clock_ms();
    bool refused = config_.table->update([&](records& all) {
      auto& record = all[id];
      if (record.pid != 0 && lives(record)) return true;
      bool same_spec = record.pid != 0 && record.assignment.spec_revision == wanted.spec_revision;
      record.restarts = same_spec ? record.restarts + 1 : 0;
      if (!same_spec) record.failures = 0;
      record.assignment = wanted;
      record.log_path = launch.log_path;
      return false;
    });
    if (refused) return log().error("asked to start {} while it runs; ignored", id);
    auto pid = start_child(launch);
    config_.table->update([&](records& all) {
      auto& record = all[id];
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
    auto pid = config_.table->update([&](records& all) -> pid_t {
      auto found = all.find(id);
      if (found == all.end() || found->second.now != phase::running) return 0;
      found->second.now = phase::stopping;
      found->second.stop_sent_at_ms = now;
      return found->second.pid;
    });
    if (pid <= 0) return;
    signal_group(pid, SIGTERM);
    log().info("stopping {} (pid {}): SIGTERM", id, pid);
    notify();
  }

  // Exits since the last tick; true if any.
  bool reap() {
    auto now = process_clock_ms();
    std::vector<std::string> lines;
    bool changed = config_.table->update([&](records& all) {
      bool any = false;
      for (auto& [id, record] : all) {
        if (!lives(record)) continue;
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
        lines.push_back(fmt::format("{} (pid {}) {}: {}", id, record.pid, asked ? "stopped" : "exited",
                                    exit->description));
      }
      return any;
    });
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
    std::vector<pid_t> pids;
    std::lock_guard lock(mutex_);
    for (auto& [id, record] : records_) {
      if (!lives(record)) continue;
      if (auto exit = reap_child(record.pid)) record.now = phase::exited;
      else pids.push_back(record.pid);
    }
    return pids;
  };
  for (auto pid : live()) signal_group(pid, SIGTERM);
  auto deadline = process_clock_ms() + grace_ms_max;
  while (!live().empty() && process_clock_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (auto pid : live()) signal_group(pid, SIGKILL);
  while (!live().empty() && process_clock_ms() < deadline + 2'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

caf::actor spawn_process_manager(caf::actor_system& system, const child_context& context,
                                 process_manager_config config) {
  return system.spawn<process_manager>(context, std::move(config));
}

}  // namespace bucky
