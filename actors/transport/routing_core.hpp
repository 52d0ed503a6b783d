// The transport's decisions as a plain class (DESIGN §6): which nodes to keep
// dialled (dial_rule.hpp), which session carries traffic to a node, our requests
// waiting for answers (ids, deadlines, bound) and what each inbound frame asks
// for. No CAF, no sockets, no clock: time comes in as now_ms (any monotonic
// clock), and every event returns a routing_output that the transport actor
// (actors/transport/actor.cpp) only carries out.
//
// Rules it keeps:
// - One session per node carries our traffic: the newest established. A newer
//   session replaces the route at once and the older one is closed; requests sent
//   on the older one stay bound to it (its answers still count) and fail with the
//   reason when it closes. Requests never move between sessions.
// - No session, no queue: a call to a node without a session fails at once and a
//   cast is dropped (like a lost packet; the protocols above retransmit). The
//   dialler reconnects with backoff (net/backoff.hpp).
// - Request ids start at 1, only grow, and are never reused; each request is
//   answered exactly once: by its answer, a refused send, its deadline, the close
//   of its session, or stop().
// - An answer from another session than the request's closes that session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "actors/transport/routing_output.hpp"

namespace bucky {

// The caller a transport identity acts as (the owner key is the admin "owner").
caller caller_of(const net::peer_identity& peer);
// The same for people only (owner, admins, writers, readers): API tokens name one.
std::optional<caller> person_caller(const net::peer_identity& peer);

// The one actor a guest (transport_config::accept_guests) may reach.
inline constexpr const char* guest_actor = "activation";

struct routing_limits {
  std::size_t pending_requests_max = 4'096;  // our requests waiting for answers
  std::size_t inbound_requests_max = 1'024;  // peers' requests being served here
  // Distinct reasons of failed handshakes counted for the log (cleared when full).
  std::size_t rejection_reasons_max = 64;
  std::uint64_t rejection_log_every = 100;  // a repeating reason: logged 1st, 100th, ...
};

struct routing_config {
  std::string node_id;        // for an admin client: its admin name
  bool admin_client = false;  // dials every node
  routing_limits limits;
};

// A remote_call from a local actor.
struct outgoing_call {
  std::string node;
  std::string actor;
  std::uint16_t type = 0;
  std::vector<std::uint8_t> payload;
  std::uint64_t timeout_ms = 0;
  std::string source_actor;  // for the envelope
};

// A connection that ended: an established session, or one that never finished
// its handshake (dialled_node and remote_address then say which, for the log).
struct connection_end {
  std::uint64_t session_id = 0;
  status reason;  // ok after the peer's goodbye
  std::string dialled_node;
  std::string remote_address;
};

// Asked about an envelope's destination actor at most once per frame.
using actor_lookup = std::function<bool(const std::string& actor)>;

class routing_core {
 public:
  explicit routing_core(routing_config config);

  // Dialling. start: the first directory. on_peers_changed: a newer directory or
  // injected-fault set; nodes that left or whose key or address changed are
  // forgotten and dialled again, nodes no longer blocked are redialled at once, and
  // sessions whose key is no longer trusted (or is blocked) are closed.
  routing_output start(const net::peer_directory& peers);
  routing_output on_peers_changed(const net::peer_directory& peers, const std::set<std::string>& blocked);

  // Sessions.
  routing_output on_session_established(std::uint64_t session_id, const net::peer_identity& peer, bool outbound,
                                        const std::string& remote_address);
  routing_output on_connection_end(const connection_end& end);

  // Our requests. on_call refuses (no session, too many waiting) with a status
  // naming the target; accepted, it gives the request id and the frame to send.
  struct call_accepted {
    std::uint64_t request_id = 0;
    routing_output output;
  };
  result<call_accepted> on_call(const outgoing_call& call, std::uint64_t now_ms);
  routing_output on_cast(const std::string& node, const std::string& actor, std::uint16_t type,
                         std::vector<std::uint8_t> payload);
  routing_output on_send_refused(std::uint64_t tag, const status& reason);
  // Fails every request whose deadline is at or before now_ms.
  routing_output on_tick(std::uint64_t now_ms);
  // The transport stops: every waiting request fails.
  routing_output stop();

  // Frames from peers, and what local actors made of them.
  routing_output on_frame(std::uint64_t session_id, const net::peer_identity& peer,
                          std::span<const std::uint8_t> frame, const actor_lookup& actor_exists);
  routing_output on_served(std::uint64_t session_id, const envelope& request, result<encoded_message> outcome);
  routing_output on_undeliverable(std::uint64_t session_id, const std::string& peer, const status& why);

  // What the shell shows (session lists) and tests read.
  std::optional<std::uint64_t> route(const std::string& node) const;
  std::uint64_t error_answers(std::uint64_t session_id) const;  // sent and received
  std::size_t pending_requests() const { return pending_.size(); }
  std::size_t inbound_in_progress() const { return inbound_in_progress_; }
  const routing_config& config() const { return config_; }

 private:
  struct pending_request {
    std::uint64_t session_id = 0;
    std::string target;  // "node/actor", for errors
    std::uint64_t deadline_ms = 0;
  };

  void sync_dials(const net::peer_directory& peers, routing_output& out);
  void redial_unblocked(const std::set<std::string>& blocked, routing_output& out);
  void close_untrusted(const net::peer_directory& peers, const std::set<std::string>& blocked, routing_output& out);
  void note_failed_connection(const connection_end& end, routing_output& out);
  void serve(std::uint64_t session_id, const net::peer_identity& peer, envelope request,
             const actor_lookup& actor_exists, routing_output& out);
  void answer(std::uint64_t session_id, const net::peer_identity& peer, const envelope& response,
              routing_output& out);
  void deliver_one_way(std::uint64_t session_id, const net::peer_identity& peer, envelope message,
                       const actor_lookup& actor_exists, routing_output& out);
  void reply(std::uint64_t session_id, const envelope& request, result<encoded_message> outcome,
             routing_output& out);
  void fail_request(std::uint64_t request_id, const status& reason, routing_output& out);
  void close(std::uint64_t session_id, std::string why, routing_log_level level, std::string log_text,
             routing_output& out);

  routing_config config_;
  std::map<std::string, std::uint64_t> routes_;                // node_id -> session
  std::map<std::string, net::peer_entry> dialled_;             // nodes kept connected
  std::map<std::uint64_t, net::peer_identity> session_peers_;  // established sessions
  std::set<std::string> blocked_;  // by injected faults, as of the last on_peers_changed
  std::map<std::uint64_t, pending_request> pending_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> deadlines_;  // (deadline_ms, request id)
  std::uint64_t next_request_id_ = 1;
  std::size_t inbound_in_progress_ = 0;
  std::map<std::string, std::uint64_t> rejections_;        // reason -> times seen
  std::map<std::uint64_t, std::uint64_t> session_errors_;  // session -> error answers sent and received
};

}  // namespace bucky
