// The bubblewrap sandbox an installed app runs in (DESIGN §10.2). The app sees:
//   /usr (read-only, with /bin /lib /lib64 /sbin as the host has them), a fresh
//   /proc, /dev and /tmp, a few files of /etc (the dynamic loader's cache, the time
//   zone; name resolution and CA certificates only with the network), and:
//   /app        its package, read-only
//   /data       its own folder in the zone file system, read-write
//   /zone/PATH  each granted folder, read-only unless granted write
//   /run/bucky  its kRPC socket and identity (read-only)
// and nothing else: not the node's keys or data dir, not other apps, not the host.
// It runs in new user, mount, pid, ipc, uts and cgroup namespaces, and in a new
// network namespace unless it was granted the network; as its own host uid (one
// per app, process_manager switches to it before bwrap), so even an escape from
// the namespaces lands as an unprivileged user. bwrap is started with
// --die-with-parent; the process manager also kills its process group.
//
// bwrap runs as the app's uid and opens what it binds by path, which that uid could
// not reach where it lies (a data dir under a 0700 home, /tmp/xyz 0700). So the
// launching child first binds each piece, as root, onto a tmpfs over /run in a
// mount namespace of its own (stage_mounts): bwrap finds them at /run/bucky-stage/…
// and the host's mounts are untouched.
//
// Plain code: the argument list is built here and tested without running it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "messages/service.hpp"

namespace bucky {

inline constexpr const char* sandbox_app_dir = "/app";
inline constexpr const char* sandbox_data_dir = "/data";
inline constexpr const char* sandbox_zone_dir = "/zone";
inline constexpr const char* sandbox_runtime_dir = "/run/bucky";

// Where an app's pieces are on this node, resolved by the process manager.
struct sandbox_paths {
  std::string bwrap = "/usr/bin/bwrap";
  std::string package_dir;  // the unpacked package
  std::string data_dir;     // its folder in the zone file system (through the mount)
  std::string runtime_dir;  // this instance's: kRPC socket and identity
  std::map<std::string, std::string> folders;  // granted zone path -> host path
  // The host's top-level system directories: a symlink's target ("usr/bin"), or
  // "" for a real directory bound read-only. Only those that exist.
  std::map<std::string, std::string> system_dirs;
};

inline constexpr const char* sandbox_stage_root = "/run";  // a tmpfs here, in the child's own mount namespace
inline constexpr const char* sandbox_stage_dir = "/run/bucky-stage";

struct stage_mount {
  std::string host;    // where it is
  std::string staged;  // where bwrap finds it
};

// The pieces as bwrap sees them after staging, and the binds that stage them.
struct staged_sandbox {
  sandbox_paths paths;               // every piece under sandbox_stage_dir
  std::vector<stage_mount> mounts;   // host -> staged, in order
};
staged_sandbox stage_sandbox(const sandbox_paths& host);

// /bin, /lib, /lib32, /lib64, /sbin as this machine has them (read from the disk).
std::map<std::string, std::string> host_system_dirs();

// The full argv: bwrap, its options, "--", then the spec's command as the app sees it.
std::vector<std::string> sandbox_command(const service_spec& spec, const sandbox_paths& paths);

// The environment inside: a minimal one plus the spec's, with the sandbox's paths.
std::vector<std::string> sandbox_environment(const service_spec& spec, const std::string& instance_id,
                                             const std::string& node_id);

}  // namespace bucky
