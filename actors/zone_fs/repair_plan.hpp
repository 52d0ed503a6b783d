// What the repair actor does about each chunk (DESIGN §10.1): plain decisions from
// what the zone state references and what the up nodes hold, so the simulator
// drives the same rules the zone runs.
//
// For a chunk some file (or package, or snapshot) references:
//   - fewer than R copies on up nodes: copy it to the best-ranked up nodes with
//     room that lack it (repair; the most endangered chunks first);
//   - R or more, but a node it now ranks among its first R lacks it (a node
//     joined): copy it there (rebalance), and once every one of its first R
//     holds it, drop the copies elsewhere;
//   - on no up node: lost for now (reported: a down node may still bring it back).
// A chunk nothing references is garbage: every holder is asked to collect it,
// and collects it only once it has been idle there for the grace period (a writer
// stores a file's chunks before it commits the file).
// A copy is pulled by its new holder from the best-ranked up holder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/zone_fs/chunk_placement.hpp"
#include "messages/chunk_id.hpp"

namespace bucky::zone_fs {

struct chunk_view {
  chunk_id id;
  bool referenced = false;
  std::vector<std::string> holders;  // up nodes whose chunk store lists it
};

enum class repair_kind : std::uint8_t { copy, rebalance, drop, collect };

struct repair_action {
  repair_kind kind = repair_kind::copy;
  chunk_id chunk;
  std::string node;    // copy, rebalance: the new holder; drop, collect: the holder
  std::string source;  // copy, rebalance: where the new holder pulls it from
  bool operator==(const repair_action&) const = default;
};

struct chunk_decision {
  std::vector<repair_action> actions;
  std::uint32_t copies_up = 0;       // referenced: copies on up nodes
  std::uint32_t copies_missing = 0;  // referenced: R - copies_up when below R
  bool lost = false;                 // referenced, on no up node
  bool garbage = false;              // not referenced
};

chunk_decision decide_chunk(const chunk_view& chunk, const std::vector<storage_node>& nodes, std::uint32_t copies);

struct repair_budget {
  std::uint32_t copies_max = 256;  // repair and rebalance copies per round
  std::uint32_t drops_max = 1'024;
  std::uint32_t collects_max = 4'096;
};

struct repair_round {
  std::vector<repair_action> actions;  // copies (fewest copies first), then rebalances, drops, collects
  std::uint64_t chunks = 0, referenced = 0, under_replicated = 0, lost = 0, garbage = 0;
  std::uint64_t copies_missing = 0;
  std::uint64_t deferred = 0;  // actions left for a later round by the budget
};

repair_round plan_repair(const std::vector<chunk_view>& chunks, const std::vector<storage_node>& nodes,
                         std::uint32_t copies, const repair_budget& budget = {});

}  // namespace bucky::zone_fs
