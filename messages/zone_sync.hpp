// How a zone config travels between nodes and from the owner's CLI to nodes
// (name_service, DESIGN §3). Every document that arrives this way is verified under
// the owner key the node pinned at activation and must pass check_zone_update:
// the path it took never makes it trusted.
//
//   zone_config_request  -> signed_zone_config   "what is your current config?"
//   zone_config_push     -> zone_config_ack      "adopt this newer config" (owner CLI)
//   zone_config_version  one-way gossip between nodes, every few seconds: a node
//                        that holds a newer version answers with signed_zone_config
//                        (one-way), so a node that missed a push catches up.
#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

#include "messages/type_ids.hpp"
#include "messages/zone_config.hpp"

namespace bucky {

struct zone_config_request {
  static constexpr message_type type_id = message_type::zone_config_request;
  static constexpr const char* type_name = "zone_config_request";
  using response_type = signed_zone_config;
  std::string zone_id;
  MSGPACK_DEFINE(zone_id);
};

struct zone_config_ack {
  static constexpr message_type type_id = message_type::zone_config_ack;
  static constexpr const char* type_name = "zone_config_ack";
  std::uint64_t version = 0;  // the version the node holds now
  MSGPACK_DEFINE(version);
};

struct zone_config_push {
  static constexpr message_type type_id = message_type::zone_config_push;
  static constexpr const char* type_name = "zone_config_push";
  using response_type = zone_config_ack;
  signed_zone_config document;
  MSGPACK_DEFINE(document);
};

struct zone_config_version {
  static constexpr message_type type_id = message_type::zone_config_version;
  static constexpr const char* type_name = "zone_config_version";
  std::string zone_id;
  std::uint64_t version = 0;
  MSGPACK_DEFINE(zone_id, version);
};

}  // namespace bucky
