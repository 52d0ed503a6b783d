// What the inspector shows, as plain data: one zone_snapshot per refresh, gathered
// by collector.hpp from every node (node_daemon's actor table, the transport's
// sessions, the zone-state replica's status) and from the zone state (node configs
// and statuses, drains, the scheduler's leader key). No I/O here: the view model
// renders it, `--once --json` prints it, tests build it by hand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace bucky::inspect {

struct actor_row {
  std::string name;
  std::string state;               // starting, running, restarting, stopping, stopped
  std::uint32_t restarts = 0;
  std::string last_crash_reason;   // empty: never crashed
  std::int64_t last_crash_unix_ms = 0;
  std::uint64_t messages_handled = 0;
  double messages_per_s = -1;      // -1: not known yet (one sample so far)
  std::int64_t mailbox_size = -1;  // -1: not obtainable
};

struct session_view {
  std::string peer;
  std::string remote_address;
  bool outbound = false;
  bool established = false;
  std::uint64_t age_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t errors = 0;  // error answers sent or received
};

struct replica_view {
  std::string role;  // leader, follower, candidate, disk_unwritable
  std::string leader;
  std::uint64_t ballot = 0;
  std::uint64_t chosen_below = 0;
  std::uint64_t applied_below = 0;
  std::int64_t revision = 0;
  std::string error;  // non-empty: the replica did not answer
};

// One service instance as the zone state says: placed here by the scheduler
// (desired) and/or reported by this node's node loop.
struct instance_view {
  std::string id;            // "service/index"
  bool desired = false;      // in this node's node_config
  std::string state;         // from the node's status; "not reported" when absent
  std::int64_t pid = 0;
  std::uint32_t restarts = 0;
  std::string last_exit;
  std::string last_error;
};

// One node's chunk store, as the zone file system's df reports it.
struct chunk_store_view {
  bool reachable = false;
  std::string problem;  // why not (down, no answer)
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t room_bytes = 0;       // what it still takes, above its reserve
  std::uint64_t disk_free_bytes = 0;
  bool accepting = false;             // false: full, takes no new chunks
};

// The zone file system as a whole: its tree as counted and the repair actor's last
// report (-1: not reported).
struct files_view {
  std::string error;      // non-empty: no node answered df
  std::string served_by;  // the node that counted
  std::int64_t asked_unix_ms = 0;
  std::uint64_t files = 0;
  std::uint64_t directories = 0;
  std::uint64_t file_bytes = 0;
  bool complete = true;  // false: the count stopped at its bound (a lower bound)
  std::int64_t under_replicated = -1;
  std::int64_t copies_missing = -1;
  std::int64_t lost = -1;
  std::string repair_node;  // the node that led the last repair round
  std::string repair_problem;  // non-empty: /fs/repair is there but not readable
};

struct node_view {
  std::string name;
  std::string address;
  bool up = false;
  std::string error;  // why it is down or partly unknown
  bool state_node = false;
  std::optional<replica_view> replica;
  std::uint32_t restarts_max = 0;
  std::uint64_t restart_period_ms = 0;
  std::uint32_t restarts_in_period = 0;
  std::vector<actor_row> actors;  // supervision order: node_daemon's children
  std::vector<session_view> sessions;
  bool drained = false;
  bool reports_status = false;  // its status key exists (its node loop's lease lives)
  std::vector<instance_view> services;
  std::optional<chunk_store_view> chunks;  // unset: the file system was not asked yet
};

struct zone_snapshot {
  std::string zone_id;
  std::int64_t captured_unix_ms = 0;
  std::vector<node_view> nodes;
  std::string leader;      // the zone state's leader as most replicas name it ("" none)
  std::uint64_t ballot = 0;
  std::int64_t revision = 0;
  std::string scheduler;   // the node holding /scheduler/leader ("" none)
  std::string zone_state_error;  // the zone-state read failed: services/scheduler unknown
  std::optional<files_view> files;  // unset: not asked yet

  const node_view* node(const std::string& name) const;
};

// Lag of a replica: how far its applied index trails the highest chosen index.
std::uint64_t replica_lag(const zone_snapshot& zone, const node_view& node);

// messages_per_s of every actor from the previous snapshot of the same node (same
// actor name, counters that only grow); -1 where there is no earlier sample.
void fill_rates(const zone_snapshot* previous, zone_snapshot& current);

nlohmann::json to_json(const zone_snapshot& zone);

}  // namespace bucky::inspect
