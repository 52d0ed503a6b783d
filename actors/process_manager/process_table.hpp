// The service processes this node runs, shared between the process manager (which
// starts, signals and reaps them), the node loop (which reads what runs) and main
// (which stops them all when bucky-node shuts down). It outlives actor restarts: a
// restarted process manager finds its children here, so none is started twice.
// Thread-safe; readers get copies.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "actors/node_loop/reconcile.hpp"
#include "messages/service.hpp"

namespace bucky {

struct process_record {
  instance_assignment assignment;  // what was started: spec and its revision
  observed_instance::phase now = observed_instance::phase::running;
  pid_t pid = 0;
  std::uint64_t started_at_ms = 0;
  std::uint64_t stop_sent_at_ms = 0;  // SIGTERM; SIGKILL after the spec's grace
  std::uint64_t exited_at_ms = 0;
  bool exit_clean = false;
  std::uint32_t failures = 0;  // exits after short runs, in a row (backoff exponent)
  std::uint32_t restarts = 0;  // starts after the first, for this spec revision
  std::string last_exit;
  std::string last_error;
  std::string log_path;
  // An app whose sandbox is being prepared (app_setup.hpp): no process yet (pid 0),
  // `now` is running, or stopping when a stop came meanwhile.
  bool preparing = false;
  std::vector<std::uint16_t> host_ports;  // an app's ports as reachable on this node (port_forwards.hpp)

  observed_instance observed() const {
    return {assignment.id(), assignment.spec_revision, now, exit_clean, failures, exited_at_ms};
  }
};

class process_table {
 public:
  std::vector<process_record> snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<process_record> out;
    for (const auto& [id, record] : records_) out.push_back(record);
    return out;
  }

  // Runs `change` on the records under the lock (the process manager's mutations).
  template <class Change>
  auto update(Change change) {
    std::lock_guard lock(mutex_);
    return change(records_);
  }

  // bucky-node is shutting down: SIGTERM every live service, wait up to
  // grace_ms_max for them, SIGKILL the rest, reap them all.
  void terminate_all(std::uint64_t grace_ms_max);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, process_record> records_;  // by instance id
};

}  // namespace bucky
