#include "actors/paxos/acceptor_core.hpp"

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky {

namespace {

std::string text(const ballot& b) { return fmt::format("({},{})", b.round, b.replica); }

}  // namespace

acceptor_core::acceptor_core(ballot promised, std::vector<accepted_entry> accepted, slot_id compacted_below)
    : promised_(promised), compacted_below_(compacted_below) {
  for (auto& entry : accepted) {
    if (entry.slot < compacted_below) continue;  // a compaction that crashed half-way
    auto slot = entry.slot;
    BUCKY_CHECK_MSG(accepted_.emplace(slot, std::move(entry)).second, fmt::format("slot {} stored twice", slot));
  }
  check_invariants();
}

// Every entry: under its own slot, at or above the compaction point, accepted in a
// ballot no higher than the promise. Scanned whole once, at load; afterwards each
// change checks what it touched (check_entry, check_compacted), which keeps the
// whole true because the promise only grows. (A scan per accept cost the leader
// 17 % of its CPU with 10,000 retained slots.)
void acceptor_core::check_invariants() const {
  check_compacted();
  for (const auto& [slot, entry] : accepted_) check_entry(slot, entry);
}

void acceptor_core::check_entry(slot_id slot, const accepted_entry& entry) const {
  BUCKY_CHECK_MSG(entry.slot == slot && slot >= compacted_below_ && entry.accepted_in <= promised_,
                  fmt::format("slot {} (stored under {}, compacted below {}) accepted in {} above promised {}",
                              entry.slot, slot, compacted_below_, text(entry.accepted_in), text(promised_)));
}

void acceptor_core::check_compacted() const {
  BUCKY_CHECK(accepted_.empty() || accepted_.begin()->first >= compacted_below_);
}

// A prepare equal to the promise is a retransmission from the same leader: it is
// answered again (idempotent) without a new write.
promise_output acceptor_core::on_prepare(const paxos_prepare& prepare, std::size_t entries_bytes_max) {
  promise_output out;
  out.reply.proposal = prepare.proposal;
  if (prepare.proposal < promised_) {
    out.reply.ok = false;
    out.reply.promised = promised_;
    return out;
  }
  if (prepare.proposal > promised_) {
    promised_ = prepare.proposal;
    out.persist_promised = promised_;
  }
  out.reply.ok = true;
  out.reply.promised = promised_;
  out.reply.compacted_below = compacted_below_;
  std::size_t bytes = 0;
  for (auto it = accepted_.lower_bound(prepare.first_open_slot); it != accepted_.end(); ++it) {
    if (!out.reply.accepted.empty() && bytes + it->second.value.size() > entries_bytes_max) {
      out.reply.more_from = it->first;
      BUCKY_CHECK(out.reply.more_from > prepare.first_open_slot);
      break;
    }
    bytes += it->second.value.size();
    out.reply.accepted.push_back(it->second);
  }
  BUCKY_CHECK_MSG(out.reply.accepted.size() <= promise_entries_max,
                  fmt::format("{} open slots in one promise: compaction is not keeping up", out.reply.accepted.size()));
  BUCKY_CHECK(promised_ >= prepare.proposal);  // entries unchanged, the promise only grew
  return out;
}

accepted_output acceptor_core::on_accept(const paxos_accept& accept) {
  accepted_output out;
  out.reply.proposal = accept.proposal;
  out.reply.slot = accept.slot;
  if (accept.proposal < promised_) {
    out.reply.ok = false;
    out.reply.promised = promised_;
    return out;
  }
  const ballot before = promised_;
  if (accept.proposal > promised_) {
    promised_ = accept.proposal;
    out.persist_promised = promised_;
  }
  BUCKY_CHECK(promised_ >= before);
  if (accept.slot < compacted_below_) {
    out.reply.ok = true;
    out.reply.promised = promised_;
    return out;
  }
  accepted_entry entry{accept.slot, accept.proposal, accept.value};
  auto existing = accepted_.find(accept.slot);
  // The same ballot re-sending the same slot must carry the same value: a leader
  // proposes one value per slot per ballot.
  if (existing != accepted_.end() && existing->second.accepted_in == accept.proposal) {
    BUCKY_CHECK_MSG(existing->second.value == accept.value,
                    fmt::format("slot {} got two values in ballot {}", accept.slot, text(accept.proposal)));
  } else {
    accepted_[accept.slot] = entry;
    out.persist_accepted = entry;
  }
  out.reply.ok = true;
  out.reply.promised = promised_;
  check_entry(accept.slot, accepted_.at(accept.slot));
  check_compacted();
  return out;
}

acceptor_output acceptor_core::compact_below(slot_id slot) {
  acceptor_output out;
  if (slot <= compacted_below_) return out;
  compacted_below_ = slot;
  accepted_.erase(accepted_.begin(), accepted_.lower_bound(slot));
  out.persist_compacted_below = slot;
  check_compacted();
  return out;
}

}  // namespace bucky
