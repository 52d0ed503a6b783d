// A replica whose disk cannot be written (full, read-only, failing) must not vote:
// an acceptor's answer is worth only what it has made durable. The first failed
// commit crashes the actor (the in-memory state is then ahead of the disk, and
// only a restart from the disk is sure to be right). The new incarnation probes
// with real writes before it takes part (64 KiB through LMDB, and room for the
// acceptor log's next segment, allocated and given back): while that fails it answers
// nothing to its peers, refuses writes and linearizable reads with the reason
// (serializable reads of what it holds still work), and probes again every second.
// The node, its services and its other actors stay up; node_daemon sees one crash
// per episode, not a crash loop.
#include "actors/paxos/paxos_actor.hpp"

#include <fmt/format.h>

namespace bucky::paxos_shell {

namespace {

constexpr std::uint64_t disk_probe_interval_ms = 1'000;
constexpr std::size_t disk_probe_bytes = 64 * 1024;  // headroom for the next commits

status probe_write(storage::lmdb_env& env) {
  auto table = env.table("disk_probe");
  if (!table) return table.error();
  for (bool keep : {true, false}) {
    auto txn = env.begin_write();
    if (!txn) return txn.error();
    auto written = keep ? txn->put(*table, "probe", std::string(disk_probe_bytes, '\0'))
                        : txn->erase(*table, "probe").error();
    if (!written.is_ok()) return written;
    if (auto committed = txn->commit(); !committed.is_ok()) return committed;
  }
  return {};
}

}  // namespace

void paxos_actor::check_disk() {
  auto now_ms = steady_ms();
  if (disk_problem_ && now_ms < disk_probe_next_ms_) return;
  disk_probe_next_ms_ = now_ms + disk_probe_interval_ms;
  auto probed = probe_write(*env_);
  // The acceptor log must be able to start its next segment too, or the replica
  // would crash again when the current one fills.
  if (probed.is_ok()) probed = acceptor_log_->check_segment_room();
  if (probed.is_ok()) {
    if (disk_problem_) log().info("the zone-state disk in {} is writable again: this replica takes part again",
                                  config_.state_dir);
    disk_problem_.reset();
    return;
  }
  if (!disk_problem_) {
    log().error("the zone-state disk in {} cannot be written ({}): this replica takes no part (no votes, no "
                "writes) until it can; it tries again every {} ms; the other replicas serve the zone. Free space "
                "or fix the disk.",
                config_.state_dir, probed.to_string(), disk_probe_interval_ms);
  }
  disk_problem_ = probed;
}

kv_client_response paxos_actor::refused_for_disk() const {
  return refused({status_code::unavailable,
                  fmt::format("the zone-state replica on {} cannot write its disk ({}); ask another node",
                              config_.node_id, disk_problem_->message())},
                 config_.node_id);
}

}  // namespace bucky::paxos_shell
