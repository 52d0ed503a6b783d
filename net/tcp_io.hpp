// The transport's sockets: a Boost.Asio engine on its own thread that listens,
// dials (and redials with backoff) the nodes it is told to keep connected, and runs
// one connection_core per TCP connection. It reports established sessions, received
// messages, refused sends and closed sessions through one callback, called on its
// own thread. All public methods are thread-safe (they post to the I/O thread).
// It knows bytes and peers, not actors: the transport actor sits on top.
#pragma once

#include <utility>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "messages/common/status.hpp"
#include "net/connection_core.hpp"
#include "net/handshake.hpp"

namespace bucky::net {

struct io_event {
  enum class kind : std::uint8_t { established, message, refused, closed };
  kind what = kind::closed;
  std::uint64_t session_id = 0;
  peer_identity peer;         // established, message, closed (when known)
  bool outbound = false;      // established: we dialled it
  std::string dialled_node;   // the node we dialled, if we did
  std::string remote_address; // "ip:port" of the other end, when connected
  bytes message;              // message
  std::uint64_t tag = 0;      // refused: the tag given to send()
  status reason;              // refused, closed
};

struct tcp_io_config {
  bool listen = true;  // admin clients only dial
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: any free port (tests)
  connection_options options;
  peer_authorizer authorize;
  random_source random = system_random();
  std::uint64_t tick_interval_ms = 100;
  // Budgets, so that strangers never starve the zone (issue 18). Zone nodes and
  // admins (the owner) are counted in sessions_max; connections that have not
  // finished the handshake (options.handshake_timeout_ms) and guests have budgets of
  // their own, so they can never take those slots.
  std::size_t sessions_max = 128;  // inbound sessions of zone nodes and admins (our dials: one per node)
  // Inbound connections still in the handshake; when full, the oldest is closed to
  // admit the newcomer (a node's handshake takes a round trip, a stranger's lasts).
  std::size_t handshakes_max = 32;
  std::size_t handshakes_per_address_max = 4;  // from one IP address; past it, refused
  std::size_t guest_sessions_max = 8;          // unknown keys let in (waiting for activation)
  std::size_t read_chunk_bytes = 256 * 1024;
  std::shared_ptr<spdlog::logger> log;
};

struct session_info {
  std::uint64_t session_id = 0;
  std::string peer;           // name, or "?" before the handshake
  std::string remote_address;
  bool outbound = false;
  bool established = false;
  std::uint64_t age_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

class tcp_io {
 public:
  tcp_io(const key_pair& self, tcp_io_config config, std::function<void(io_event)> on_event);
  ~tcp_io();  // stop()
  tcp_io(const tcp_io&) = delete;
  tcp_io& operator=(const tcp_io&) = delete;

  // Binds the listener (synchronously, so a busy port is reported here) and starts
  // the I/O thread. Returns the bound port (0 when not listening).
  result<std::uint16_t> start();
  // Keeps a connection to this node up: dials now and after every loss, with backoff.
  void keep_connected(std::string node_id, public_key key, std::string host, std::uint16_t port);
  // Stops keeping this node connected and closes its dialled session (its key or
  // address changed, or it left the zone). Unknown names are ignored.
  void forget(std::string node_id, std::string why);
  // Queues one message on a session; a refusal comes back as a `refused` event.
  void send(std::uint64_t session_id, bytes message, std::uint64_t tag);
  // Says goodbye and closes one session.
  void close(std::uint64_t session_id, std::string why);
  // Closes everything and joins the I/O thread. Idempotent.
  void stop();
  // A snapshot of the open sessions (blocks until the I/O thread answers, bounded);
  // closed ones still flushing their last bytes are left out.
  std::vector<session_info> sessions();

 private:
  struct engine;
  std::unique_ptr<engine> engine_;
};

}  // namespace bucky::net
