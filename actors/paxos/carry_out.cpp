#include "actors/paxos/carry_out.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky {

namespace {

// Compaction steps wait for step 4 (the state machine made durable first); the
// others keep their order. A compaction step only drops entries below its point,
// so moving it after accept steps of the same output gives the same replayed state.
struct split_steps {
  std::vector<acceptor_output> votes;
  std::vector<acceptor_output> compactions;
};

split_steps split(std::vector<acceptor_output>& steps) {
  split_steps out;
  for (auto& step : steps) {
    if (!step.persist_compacted_below) {
      out.votes.push_back(std::move(step));
      continue;
    }
    acceptor_output compaction;
    compaction.persist_compacted_below = step.persist_compacted_below;
    step.persist_compacted_below.reset();
    if (step.persist_promised || step.persist_accepted) out.votes.push_back(std::move(step));
    out.compactions.push_back(std::move(compaction));
  }
  return out;
}

}  // namespace

std::vector<outgoing_message> sends_before_flush(replica_output& pending) {
  std::vector<outgoing_message> early;
  for (const auto& p : pending.persist) {
    if (p.persist_promised) return early;
  }
  auto late = std::stable_partition(pending.sends.begin(), pending.sends.end(), [](const outgoing_message& m) {
    return !std::holds_alternative<paxos_accept>(m.message);
  });
  for (auto it = late; it != pending.sends.end(); ++it) early.push_back(std::move(*it));
  pending.sends.erase(late, pending.sends.end());
  return early;
}

status carry_out(replica_output& out, replica_effects& effects) {
  auto steps = split(out.persist);
  if (!steps.votes.empty()) {
    if (auto written = effects.persist(steps.votes); !written.is_ok()) return written;
  }
  for (auto& message : out.sends) effects.send(message);
  for (const auto& chosen : out.chosen) effects.apply(chosen);
  if (!steps.compactions.empty()) {
    slot_id below = 0;
    for (const auto& step : steps.compactions) below = std::max(below, *step.persist_compacted_below);
    if (below > effects.durable_applied_below()) effects.make_applied_durable();
    BUCKY_CHECK_MSG(below <= effects.durable_applied_below(),
                    fmt::format("compacting below slot {} with slots durable only below {}", below,
                                effects.durable_applied_below()));
    if (auto written = effects.persist(steps.compactions); !written.is_ok()) return written;
  }
  if (out.rejoined) effects.rejoined();
  for (auto to : out.snapshot_to) effects.snapshot_to(to);
  for (auto id : out.reads_ready) effects.read_ready(id);
  for (auto id : out.reads_dropped) effects.read_dropped(id);
  return {};
}

}  // namespace bucky
