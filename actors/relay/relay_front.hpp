// The gateway node's side of the relay (issue 21): it listens where the world can
// reach it, reads each client's TLS ClientHello for the server name only, picks a
// home node that said hello (relay_homes) and carries the still-encrypted bytes to
// it and back (relay_pipes). It never holds a TLS key: a client that does not get
// the zone's certificate from the home node learns nothing here but a closed
// connection.
//
// Limits: connections_max in all, connections_per_address_max per client address,
// the ClientHello within hello_timeout_ms and client_hello_bytes_max; past them a
// connection is closed (and logged). One I/O thread; start/stop from the owner,
// every other method from any thread (posted to the I/O thread).
#pragma once

#include <utility>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "actors/relay/relay_homes.hpp"
#include "actors/relay/relay_pipes.hpp"
#include "messages/common/status.hpp"

namespace bucky::relay {

struct relay_front_config {
  std::string zone_id;
  std::string host = "0.0.0.0";
  std::uint16_t port = 443;  // 0: any free port
  std::size_t connections_max = 1'024;
  std::size_t connections_per_address_max = 64;
  std::uint64_t hello_timeout_ms = 10'000;
  std::uint64_t home_fresh_ms = 7'000;  // a home node not heard for this long is gone
  std::uint64_t idle_timeout_ms = 120'000;
  std::shared_ptr<spdlog::logger> log;
};

using relay_opener = std::function<void(const std::string& node, const relay_open& open)>;

class relay_front : public std::enable_shared_from_this<relay_front> {
 public:
  relay_front(relay_front_config config, relay_send send, relay_opener open);
  ~relay_front();

  result<std::uint16_t> start();  // the port it listens on
  void stop();

  void on_hello(const std::string& node, relay_hello hello);
  void on_message(const std::string& node, relay_message message);  // data, ack or close
  // Forgets silent home nodes (closing their streams) and idle streams.
  void tick();

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace bucky::relay
