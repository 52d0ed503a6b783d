#include "actors/zone_fs/chunk_placement.hpp"

#include <algorithm>

#include <sodium.h>

#include "messages/common/check.hpp"

namespace bucky::zone_fs {

namespace {

// BLAKE2b-64 of chunk || node id: uniform and the same on every machine.
std::uint64_t weight(const chunk_id& chunk, const std::string& node_id) {
  crypto_generichash_state state;
  unsigned char out[8];
  BUCKY_CHECK(crypto_generichash_init(&state, nullptr, 0, sizeof out) == 0);
  crypto_generichash_update(&state, chunk.bytes.data(), chunk.bytes.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(node_id.data()), node_id.size());
  crypto_generichash_final(&state, out, sizeof out);
  std::uint64_t value = 0;
  for (unsigned char byte : out) value = value << 8 | byte;
  return value;
}

}  // namespace

std::vector<std::string> rank_nodes(const chunk_id& chunk, const std::vector<std::string>& node_ids) {
  std::vector<std::pair<std::uint64_t, std::string>> weighted;
  weighted.reserve(node_ids.size());
  for (const auto& node_id : node_ids) weighted.emplace_back(weight(chunk, node_id), node_id);
  std::sort(weighted.begin(), weighted.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> ranked;
  ranked.reserve(weighted.size());
  for (auto& [unused, node_id] : weighted) ranked.push_back(std::move(node_id));
  return ranked;
}

std::vector<std::string> place_chunk(const chunk_id& chunk, const std::vector<storage_node>& nodes,
                                     std::uint32_t copies) {
  BUCKY_CHECK(copies >= 1 && copies <= copies_max);
  std::vector<std::string> ids;
  for (const auto& node : nodes) ids.push_back(node.node_id);
  std::vector<std::string> holders;
  for (const auto& node_id : rank_nodes(chunk, ids)) {
    auto node = std::find_if(nodes.begin(), nodes.end(), [&](const storage_node& n) { return n.node_id == node_id; });
    if (!node->up || !node->has_room) continue;
    if (std::find(holders.begin(), holders.end(), node_id) != holders.end()) continue;  // listed twice
    holders.push_back(node_id);
    if (holders.size() == copies) break;
  }
  return holders;
}

}  // namespace bucky::zone_fs
