// Services in the zone (DESIGN §3–§5): what should run (service_spec, written by a
// person), where (node_config, written by the scheduler: pointers to specs), and what does run
// (node_status, written by each node's node loop under its lease). Plain structs;
// their JSON forms, validation and limits are in actors/zone_state/service_json.hpp.
//
//   /services/<name>/spec     service_spec
//   /nodes/<node_id>/config   node_config: the instances this node must run
//   /nodes/<node_id>/status   node_status: what runs, attached to the node's lease
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bucky {

enum class restart_policy : std::uint8_t {
  always,      // whatever the exit: start again (after the backoff)
  on_failure,  // again unless it exited with status 0
  never,       // an exited instance stays exited until its spec changes
};

struct service_limits {
  std::uint64_t memory_bytes_max = 0;  // RLIMIT_AS; 0: none
  std::uint64_t cpu_seconds_max = 0;   // RLIMIT_CPU; 0: none
  std::uint64_t open_files_max = 0;    // RLIMIT_NOFILE; 0: inherited
  bool operator==(const service_limits&) const = default;
};

// A folder of the zone file system the owner let an app use (bucky app install):
// bound into its sandbox at /zone<path>, read-only unless writable.
struct folder_grant {
  std::string path;  // normalized zone path: "/photos"
  bool writable = false;
  bool operator==(const folder_grant&) const = default;
};

// What makes a spec an installed app (DESIGN §10.2): its package, the host user it
// runs as and what the owner granted. The node runs such a spec only inside a
// bubblewrap sandbox (process_manager/sandbox.hpp); a spec without a package is a
// service run as it is (bucky service add). Part of the signed spec, so a node
// grants exactly what the owner signed.
struct app_sandbox {
  std::string package;                // content id "sha256:<hex>"; "": not an app
  std::string package_file;           // where the zone repo keeps it: a zone path
  std::uint32_t uid = 0;              // host uid and gid, one per app (its data's owner)
  std::vector<folder_grant> folders;  // granted folders
  bool network = false;               // outbound network (else only loopback inside)
  std::vector<std::string> services;  // other apps it may call through kRPC
  bool operator==(const app_sandbox&) const = default;
};

struct service_spec {
  std::string name;                       // one DNS label
  std::string kind = "app";               // "kernel" or "app"
  std::vector<std::string> command;       // [0]: absolute path of an executable on the machine
                                          // (an app's: inside its sandbox, /app/...)
  std::map<std::string, std::string> env;  // added to a minimal environment
  std::string work_dir;                   // absolute; "": <data_dir>/services/<name>
  std::uint32_t instances = 1;            // at most one per node
  std::vector<std::string> nodes;         // placement: only these nodes; empty: any node
  restart_policy restart = restart_policy::always;
  std::uint64_t restart_backoff_ms_min = 500;
  std::uint64_t restart_backoff_ms_max = 30'000;
  std::uint64_t stop_grace_ms = 5'000;  // SIGTERM, then SIGKILL after this
  service_limits limits;
  std::vector<std::uint16_t> ports;  // TCP ports it listens on (reported, not enforced)
  app_sandbox sandbox{};             // an installed app's; empty for a plain service
  // Who wrote it: "owner" or an admin's user name, and their Ed25519 signature over
  // the rest (actors/zone_state/signed_documents.hpp). A node runs only signed specs.
  std::string signed_by{};
  std::string signature{};  // base64url
  bool operator==(const service_spec&) const = default;
};

// One instance the scheduler placed on a node, with the spec it was placed from.
struct instance_assignment {
  std::string service;
  std::uint32_t instance = 0;      // 0 .. instances-1
  std::int64_t spec_revision = 0;  // mod_revision of the spec: a change restarts it
  service_spec spec;
  std::string id() const { return service + "/" + std::to_string(instance); }
  bool operator==(const instance_assignment&) const = default;
};

// What the scheduler writes into a node_config: which instance of which service,
// and the spec's revision it placed. Never the spec itself: the node reads that
// from /services/<name>/spec, which nodes cannot write (issue 18; node_loop/resolve).
struct instance_pointer {
  std::string service;
  std::uint32_t instance = 0;
  std::int64_t spec_revision = 0;
  std::string id() const { return service + "/" + std::to_string(instance); }
  bool operator==(const instance_pointer&) const = default;
};

struct node_config {
  std::string node_id;
  std::vector<instance_pointer> instances;  // sorted by id
  bool operator==(const node_config&) const = default;
};

enum class instance_state : std::uint8_t {
  starting,  // asked to start, not seen running yet
  running,
  stopping,  // SIGTERM sent, waiting for the exit (SIGKILL after the grace)
  backoff,   // exited; starts again at next_start_ms
  exited,    // exited for good under its restart policy
  failed,    // could not be started (exec failed, bad work dir): see last_error
};

struct instance_status {
  std::string service;
  std::uint32_t instance = 0;
  std::int64_t spec_revision = 0;
  instance_state state = instance_state::starting;
  std::int64_t pid = 0;
  std::uint32_t restarts = 0;  // starts after the first, since the spec last changed
  std::string last_exit;       // "exit 1", "signal 9", ""
  std::string last_error;
  std::vector<std::uint16_t> ports;
  std::string id() const { return service + "/" + std::to_string(instance); }
  bool operator==(const instance_status&) const = default;
};

struct node_status {
  std::string node_id;
  std::int64_t config_revision = 0;  // the node_config it converges to (0: none seen)
  std::vector<instance_status> instances;
  bool operator==(const node_status&) const = default;
};

const char* to_string(restart_policy policy);
const char* to_string(instance_state state);

}  // namespace bucky
