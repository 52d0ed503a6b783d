#include "actors/zone_fs/storage_view.hpp"

#include <set>

#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"

namespace bucky::zone_fs {

kv_request storage_view_request() {
  kv_request request;
  request.success.push_back(range_op(system_keys::nodes_prefix, prefix_range_end(system_keys::nodes_prefix)));
  request.success.push_back(range_op(system_keys::zone_config));
  return request;
}

result<std::vector<storage_node>> read_storage_view(const kv_response& answer) {
  if (answer.results.size() != 2) {
    return status(status_code::internal, fmt::format("storage view: {} results for 2 reads", answer.results.size()));
  }
  std::set<std::string> up;
  for (const auto& kv : answer.results[0].kvs) {
    auto [node, what] = system_keys::split_node_key(kv.key);
    if (!node.empty() && what == "status") up.insert(node);
  }
  std::set<std::string> members;
  if (!answer.results[1].kvs.empty()) {
    auto zone = zone_config_document::parse(answer.results[1].kvs[0].value);
    if (!zone) return status(status_code::corruption, fmt::format("{}: {}", system_keys::zone_config, zone.error().message()));
    for (const auto& node : zone->config.nodes) {
      if (!node.gateway) members.insert(node.node_id);  // a gateway node stores nothing
    }
  } else {
    members = up;
  }
  std::vector<storage_node> nodes;
  for (const auto& node_id : members) nodes.push_back({node_id, up.count(node_id) > 0, true});
  return nodes;
}

}  // namespace bucky::zone_fs
