// The sockets of one end of the relay (issue 21), on one I/O thread: the gateway
// node's end holds the clients' connections, a home node's end holds connections to
// its own gateway's HTTPS port. Each stream's bytes go to the other end as
// relay_data and come back the same way, within relay_flow's window; an ack is sent
// for what was written out. Every method runs on the io_context's thread.
//
// A stream ends when either socket ends or fails (the other end is told by
// relay_close and closes its socket once what it holds is written), when the other
// end breaks the protocol, or after idle_timeout_ms without a byte either way.
#pragma once

#include <utility>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include "actors/relay/relay_flow.hpp"
#include "messages/relay.hpp"

namespace bucky::relay {

// A stream: the node at the other end, and the id its opener gave it.
struct stream_key {
  std::string node;
  std::uint64_t stream = 0;
  auto operator<=>(const stream_key&) const = default;
};

using relay_message = std::variant<relay_data, relay_ack, relay_close>;
// Sends a message to the end on `node` (over the transport).
using relay_send = std::function<void(const std::string& node, relay_message message)>;

struct relay_pipes_config {
  std::string side;  // for the log: "relay" or "gateway"
  std::uint64_t window_bytes = relay_limits::window_bytes;
  std::uint64_t idle_timeout_ms = 120'000;
  std::shared_ptr<spdlog::logger> log;
};

class relay_pipes : public std::enable_shared_from_this<relay_pipes> {
 public:
  relay_pipes(boost::asio::io_context& io, relay_pipes_config config, relay_send send);

  // A stream begins; `sent`: bytes of it already sent (in relay_open), `received`:
  // bytes that came with it, to be written once its socket is attached.
  void add(const stream_key& key, std::uint64_t sent, std::vector<std::uint8_t> received, std::string label);
  // Its socket, connected: reading and writing start. `on_closed` runs once when
  // the stream is gone (the owner forgets what it kept for it).
  void attach(const stream_key& key, boost::asio::ip::tcp::socket socket, std::function<void()> on_closed = {});
  bool has(const stream_key& key) const { return streams_.count(key) > 0; }

  void on_data(const std::string& node, relay_data message);
  void on_ack(const std::string& node, const relay_ack& message);
  void on_close(const std::string& node, const relay_close& message);
  // Whichever of the three `message` is.
  void on_message(const std::string& node, relay_message message);

  // Ends a stream here (and tells the other end, with `reason`).
  void close(const stream_key& key, const std::string& reason);
  // Ends every stream with `node` (its session is gone: nothing to tell it).
  void close_node(const std::string& node, const std::string& reason);
  // Ends streams idle for idle_timeout_ms.
  void sweep();
  void close_all(const std::string& reason);

  std::map<std::string, std::size_t> open_by_node() const;
  std::size_t size() const { return streams_.size(); }

 private:
  struct stream;
  void read_more(const stream_key& key);
  void write_more(const stream_key& key);
  void finish(const stream_key& key, const std::string& why, bool tell);
  void touch(stream& s);

  boost::asio::io_context& io_;
  relay_pipes_config config_;
  relay_send send_;
  std::map<stream_key, std::shared_ptr<stream>> streams_;
};

}  // namespace bucky::relay
