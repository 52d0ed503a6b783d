// bucky-node's boot steps before any actor runs (DESIGN §4), and the table of
// actors node_daemon starts for what the data dir says this node is:
//
//   zone member   the identity file names the node and zone (step 1); the zone
//                 config, from --zone-config or the cached copy, verifies under the
//                 owner key the identity pins and lists this node with its key
//                 (step 2). Peers and state nodes come from it; the transport
//                 (step 3) and, on a state node, the zone-state replica (step 4).
//   development   no identity, but a peers file: names from flags, trust from the
//                 file, every node of the file a replica (tests of lower layers).
//   waiting       neither: the transport lets unknown keys reach only the
//                 activation actor, and bucky-node prints how to activate it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/log_tail/ring_sink.hpp"
#include "actors/node_daemon/actor.hpp"
#include "actors/process_manager/port_forwards.hpp"
#include "actors/process_manager/process_table.hpp"
#include "apps/bucky_node/options.hpp"
#include "net/node_identity.hpp"
#include "net/trusted_peers.hpp"
#include "net/zone_config_file.hpp"

namespace bucky {

enum class node_mode { zone_member, development, waiting };

struct boot_plan {
  node_mode mode = node_mode::waiting;
  std::shared_ptr<const net::key_pair> key;
  std::shared_ptr<net::trusted_peers> peers;
  std::optional<net::node_identity> identity;     // zone member
  std::optional<net::verified_zone_config> zone;  // zone member
  std::string zone_source;                        // where the zone config came from
  std::vector<std::string> replicas;              // zone-state replicas, sorted
  std::optional<net::public_key> activation_owner;  // waiting: --owner-key
  // The service processes: shared by the process manager and node loop across
  // their restarts, and stopped by main when bucky-node exits.
  std::shared_ptr<process_table> processes = std::make_shared<process_table>();
  std::shared_ptr<port_forwards> app_ports = std::make_shared<port_forwards>();  // into apps' sandboxes
};

// A step that failed: which, why, and the exit code (2 usage, 1 otherwise).
struct boot_failure {
  int exit_code = 1;
  std::string message;
};

// Steps 1-2. May fill options (node/zone names, listen address) from the identity
// and the zone config.
std::variant<boot_plan, boot_failure> plan_boot(node_options& options);

// One info line per step taken; in waiting mode also how to activate, on stdout.
void report_boot(const node_options& options, const boot_plan& plan);

node_daemon_config make_daemon_config(const node_options& options, const boot_plan& plan,
                                      std::shared_ptr<ring_sink> tail);

}  // namespace bucky
