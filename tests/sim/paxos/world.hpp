// A seeded, single-threaded world for the zone state's replicas as the node runs
// them: each replica is the production replica_driver (replica_driver.hpp: group
// commit, the zone state's batch, waiting clients, snapshots, rejoin) around the
// Paxos core, applying into the real kv_store (LMDB, in a temporary directory)
// and writing its acceptor log with the node's own code on a simulated disk
// (tests/sim/disk/sim_disk.hpp) that loses, tears and un-syncs writes, fails
// syncs and loses files. Around them: clients sending puts, compare-and-sets and
// reads (through the log and through the read index), a network that drops,
// duplicates, delays (so reorders) and partitions, crashes, power cuts and lost
// disks. Every run checks agreement per slot as values are applied, identical
// zone states at the end, liveness after healing, and linearizability of the
// client history. The same seed replays the same run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/checker/linearizability.hpp"

namespace bucky::sim {

// The shell's old behaviours, put back to prove the simulator catches them
// (issue 17): answering chosen slots before the acceptor write is durable (as a
// disk whose syncs return early), and a replica that lost its acceptor log
// voting again without rebuilding it (no marker, no check).
enum class shell_mutant : std::uint8_t { none, answer_before_persist, amnesia_undetected };

struct world_options {
  std::uint32_t replicas = 3;
  std::uint32_t clients = 4;
  std::uint32_t ops_per_client = 12;
  std::uint64_t fault_phase_ms = 3'000;   // faults happen only in this window
  std::uint64_t settle_ms_max = 20'000;   // then everything heals; all must finish
  bool faults = true;
  shell_mutant mutant = shell_mutant::none;
};

struct world_result {
  bool ok = true;
  std::string failure;
  std::uint64_t ops_completed = 0;
  std::uint64_t ops_unknown = 0;
  std::uint64_t slots_chosen = 0;
  std::uint64_t messages = 0;
  std::uint64_t crashes = 0;
  std::uint64_t disk_losses = 0;  // a machine replaced with an empty disk (it rejoins)
  std::uint64_t acceptor_losses = 0;  // an acceptor log lost alone (detected: it rejoins)
  std::uint64_t power_losses = 0;     // every replica crashed at once
  std::uint64_t failed_writes = 0;    // an acceptor write whose sync failed (the replica dies)
  std::uint64_t failed_starts = 0;    // a start whose writes failed (retried)
  std::uint64_t torn_tails = 0;       // starts that found the log's last write torn by a crash
  std::uint64_t writes_torn = 0;      // unsynced writes a crash kept a prefix of (all disks)
  std::uint64_t writes_lost = 0;      // unsynced writes a crash or a failed sync lost
  std::uint64_t syncs_failed = 0;
  std::uint64_t dir_changes_lost = 0;
  std::uint64_t batches_lost = 0;     // applied slots not yet committed, lost in a crash
  std::uint64_t promise_parts = 0;    // promises too large for one message, sent in parts
  std::uint64_t partitions = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t reads_by_index = 0;
};

world_result run_world(std::uint64_t seed, const world_options& options = {});

}  // namespace bucky::sim
