// Gets an installed app's pieces ready on this node before its sandbox starts
// (DESIGN §10.2, "the node loop fetches the package from the zone repo, verifies
// it, unpacks it read-only"):
//   - its package, read from the zone repo through this node's mount of the zone
//     file system, accepted only when its SHA-256 is the spec's content id and it
//     opens (publisher signature, entries), then unpacked once per node under
//     <data_dir>/apps/packages/<hex> and kept for the next start;
//   - its data folder /apps/<name> in the zone file system, owned by its uid, 0700;
//   - each granted folder that exists (a write grant's missing folder is made,
//     owned by the app); a read grant of a missing folder is left out;
//   - a fresh runtime directory for this instance (kRPC socket, identity).
// Blocking file I/O (through FUSE): the process manager runs it off its own thread.
#pragma once

#include <string>

#include "actors/process_manager/sandbox.hpp"
#include "messages/common/status.hpp"
#include "messages/service.hpp"

namespace bucky {

struct app_setup_config {
  std::string data_dir;   // the node's
  std::string mount_dir;  // where this node mounts the zone file system ("": none)
};

inline constexpr const char* app_data_root = "/apps";  // zone path of every app's data folder

// Every refusal names the app and says what to do.
result<sandbox_paths> prepare_app(const service_spec& spec, const std::string& instance_id,
                                  const app_setup_config& config);

// <data_dir>/apps/packages/<hex>: where a package is unpacked on this node.
std::string unpacked_package_dir(const std::string& data_dir, const std::string& content_id);

}  // namespace bucky
