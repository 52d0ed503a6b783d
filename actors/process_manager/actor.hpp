// process_manager ("procs"): starts and stops this node's service processes as the
// node loop asks, reaps them, and keeps the shared process_table current. It decides
// nothing: whether an exited service starts again is the node loop's call (restart
// policy, backoff). Every change (a start, an exit, a failed start) is told to the
// node loop at once so it reconciles without waiting for its timer.
//
//   (start_atom, instance_assignment)  start it (an instance already alive is a bug
//                                      in the caller: refused with a log line)
//   (stop_atom, id)                    SIGTERM its group; SIGKILL after stop_grace_ms
//   (forget_atom, id)                  drop the record of an exited instance
//
// When the node stops (not when this actor restarts) it ends every service.
//
// An installed app (spec.sandbox.package) is first prepared off this actor's
// thread (app_setup.hpp: package fetched, verified, unpacked; folders made), then
// started in its sandbox; a failed preparation is a failed start with its reason.
//
// Logs: <data_dir>/services/logs/<service>-<index>.log, rotated at
// log_size_bytes_max with log_files_kept old files. Work dir: the spec's, else
// <data_dir>/services/<service>.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/krpc/endpoints.hpp"
#include "actors/process_manager/port_forwards.hpp"
#include "actors/process_manager/process_table.hpp"
#include "actors/runtime/component.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::instance_assignment)

namespace bucky {
struct app_prepared;
}
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::app_prepared)

namespace bucky {

inline constexpr const char* process_manager_actor = "procs";

using start_atom = caf::atom_constant<caf::atom("start")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;
using changed_atom = caf::atom_constant<caf::atom("changed")>;  // procs -> node loop
using prepared_atom = caf::atom_constant<caf::atom("prepared")>;  // app setup -> procs

struct process_manager_config {
  std::string node_id;
  std::string data_dir;
  std::string mount_dir;  // the zone file system's mount on this node ("": none; apps cannot run)
  std::shared_ptr<process_table> table;
  std::shared_ptr<port_forwards> forwards;  // apps' ports on this node (none: not reachable)
  std::shared_ptr<krpc::endpoints> krpc;    // apps' kRPC endpoints (none: apps get no kRPC)
  std::string notify_actor = "nodeloop";  // told (changed_atom) of every change
  std::uint64_t reap_interval_ms = 100;
  std::uint64_t stable_run_ms = 10'000;  // an exit after a run this long resets the backoff
  std::uint64_t log_size_bytes_max = 8 * 1024 * 1024;
  // When the node stops, every service gets SIGTERM and at most this long before
  // SIGKILL (apps must end before the zone's files are unmounted under them).
  std::uint64_t shutdown_grace_ms_max = 10'000;
  int log_files_kept = 3;
};

caf::actor spawn_process_manager(caf::actor_system& system, const child_context& context,
                                 process_manager_config config);

// Milliseconds of a steady clock, the time base of process_record and reconcile.
std::uint64_t process_clock_ms();

}  // namespace bucky
