// Starting, signalling and reaping one service process (the OS side of the process
// manager). A service runs in its own process group (signals reach its children
// too), with a minimal environment plus the spec's, the spec's rlimits, stdin from
// /dev/null and stdout/stderr appended to its log file. It gets SIGKILL if
// bucky-node dies (PR_SET_PDEATHSIG), so a crashed node never leaves services it no
// longer knows of; the restarted node starts them again.
//
// An app (launch.sandbox) runs inside bubblewrap instead (sandbox.hpp), as its own
// host uid when the node runs as root, in a session of its own (no terminal).
//
// An exec failure is reported by the child through a close-on-exec pipe, so a wrong
// path is an error from start_child, not a mysterious exit 127.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "actors/process_manager/sandbox.hpp"
#include "messages/common/status.hpp"
#include "messages/service.hpp"

namespace bucky {

struct child_launch {
  service_spec spec;
  std::string instance_id;  // "service/index"
  std::string node_id;
  std::string work_dir;     // created if missing
  std::string log_path;     // stdout and stderr, appended
  // An installed app's (spec.sandbox.package set): it runs in bwrap as its uid (when
  // the node is root), in its own session, with at most procs_max processes.
  std::optional<sandbox_paths> sandbox;
  std::uint64_t procs_max = 256;
};

result<pid_t> start_child(const child_launch& launch);

struct child_exit {
  bool clean = false;       // exit status 0
  std::string description;  // "exit 3", "signal 9 (Killed)"
};

// The exit of `pid` if it has exited (reaped now), nullopt while it runs.
std::optional<child_exit> reap_child(pid_t pid);

// Sends `signal` to the process group of `pid` (the service and its children).
void signal_group(pid_t pid, int signal);

// The same for any service: for an app (`sandboxed`, pid is bwrap's) a SIGTERM goes
// to the processes of its group but bwrap itself, which would die of it at once and
// take the app down with SIGKILL (--die-with-parent) before it could finish; the
// sandbox's init ignores it, and bwrap ends when the app does. SIGKILL: the group.
void signal_service(pid_t pid, int signal, bool sandboxed);

// Keeps a log file under size_bytes_max: when over, its content moves to path.1
// (path.1 to path.2, …, keeping files_kept) and the file is truncated in place, so
// the service's open descriptor (O_APPEND) goes on writing at its start. Lines
// written between the copy and the truncation are lost (the logrotate trade-off).
void rotate_log(const std::string& path, std::uint64_t size_bytes_max, int files_kept);

}  // namespace bucky
