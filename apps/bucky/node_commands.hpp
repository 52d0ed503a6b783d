// bucky node activate / list / remove: the owner's side of a zone's membership.
// Each change is a new version of the signed zone config: written to the owner's
// zone file first (so a version number is never issued twice), then delivered: an
// activation to the waiting machine, a push to every running node (those that miss
// it learn it from their peers within seconds).
#pragma once

#include <cstdint>
#include <string>

#include "apps/bucky/key_paths.hpp"

namespace bucky::cli {

struct node_command_options {
  std::string zone_path;       // the owner's signed zone config file
  std::string owner_key_path;  // default: $HOME/.bucky/<zone_id>.owner.key
  std::string node_id;
  std::string at;              // activate: where the waiting node listens, ip:port
  std::string node_key;        // activate: the key the waiting node printed
  std::string address;         // activate: where it listens once active (default: --at)
  bool gateway = false;        // activate: a gateway node (public relay, DESIGN §10.3)
  std::uint64_t expires_s = 600;
  std::uint64_t timeout_ms = 3'000;
  bool json_output = false;
};

// Adds the node (or gives a listed node_id a new machine: its old key revoked) in a
// new zone config version and activates the waiting machine. Exit 0, 1, 2.
int node_activate(node_command_options options);
// The nodes of the zone file, each with whether it answers now.
int node_list(node_command_options options);
// Removes a node (not a state node) in a new version, its key revoked.
int node_remove(node_command_options options);

}  // namespace bucky::cli
