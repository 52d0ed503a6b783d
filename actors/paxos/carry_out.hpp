// The one routine that carries out a replica_core's output, shared by the paxos
// actor (the production shell) and the simulator, so the order every safety
// argument rests on is written once (etcd/raft's Ready -> Advance is the model):
//
//   1. persist   the acceptor's promises and accepted values, one synced write;
//                nothing below happens before it returned ok;
//   2. send      Paxos messages (a vote or a commit notice rests on step 1);
//   3. apply     chosen slots into the state machine, in order, answering their
//                clients (chosen = durable on a quorum, our own vote included);
//   4. compact   the acceptor forgets slots only below what the state machine
//                holds durably: the state machine is made durable first;
//   5. the rest  read answers (after the applies they wait for), snapshots to
//                send, and the end of a rejoin (its state was persisted in step 1).
//
// A failed persist stops the routine: the shell crashes (let it crash) and nothing
// that rested on the write has left.
#pragma once

#include "actors/paxos/replica_core.hpp"
#include "messages/common/status.hpp"

namespace bucky {

// What a shell does with each part of an output. No I/O here: the actor's
// implementation writes the acceptor log and LMDB and sends through the transport;
// the simulator's keeps a simulated disk and network.
class replica_effects {
 public:
  virtual ~replica_effects() = default;
  // One synced write of these steps, in order (never empty).
  virtual status persist(const std::vector<acceptor_output>& steps) = 0;
  virtual void send(outgoing_message& message) = 0;
  // Applies one chosen slot (slots come in order) and answers its waiting clients.
  virtual void apply(const chosen_value& chosen) = 0;
  // The state machine holds every slot below this durably.
  virtual slot_id durable_applied_below() = 0;
  // Makes every applied slot durable (commits the state machine's batch).
  virtual void make_applied_durable() = 0;
  virtual void read_ready(std::uint64_t read_id) = 0;
  virtual void read_dropped(std::uint64_t read_id) = 0;
  virtual void snapshot_to(std::uint32_t replica) = 0;
  // The rebuilt acceptor state is durable: the replica votes again.
  virtual void rejoined() = 0;
};

// Group commit: a shell may gather outputs (merge_output, replica_core.hpp) and
// carry them out together in one flush, one synced write for all.
// What of a gathered output may leave before its flush: a leader's accept
// messages are proposals, not acceptor answers, so they go out while our own
// acceptor's write is being made (followers write in parallel with us), unless a
// promise waits in the flush (a new ballot's proposals wait for its promise to be
// durable). Our own vote is counted only in this process, and nothing it implies
// (a chosen slot, an answer, a commit notice) leaves before the flush persists
// it. Removes those messages from `pending` and returns them, in order.
std::vector<outgoing_message> sends_before_flush(replica_output& pending);

// Carries `out` out in the order above. Returns the persist's failure, if any,
// with nothing after it done.
[[nodiscard]] status carry_out(replica_output& out, replica_effects& effects);

}  // namespace bucky
