// A UDP DNS responder on its own thread: every datagram is handed to `answer` (on
// that thread) and what it returns goes back to the sender. It knows sockets, not
// zones: the name service gives it the answer function (net/dns_zone.hpp over the
// zone config it holds). Datagrams over dns_limits::udp_bytes_max are dropped, and at
// most queries_per_second_max are answered (the rest dropped: no amplification).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::net {

struct dns_server_config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: any free port (tests)
  std::uint32_t queries_per_second_max = 1'000;
};

using dns_answer_fn = std::function<std::optional<std::vector<std::uint8_t>>(std::span<const std::uint8_t>)>;

class dns_server {
 public:
  dns_server(dns_server_config config, dns_answer_fn answer);
  ~dns_server();  // stop()
  dns_server(const dns_server&) = delete;
  dns_server& operator=(const dns_server&) = delete;

  // Binds (synchronously, so a busy port is reported here) and starts the thread.
  result<std::uint16_t> start();
  void stop();  // idempotent

 private:
  struct engine;
  std::unique_ptr<engine> engine_;
};

// One lookup over UDP: sends the query, waits up to timeout_ms for the answer with
// the same id from the asked server.
result<std::vector<std::uint8_t>> dns_exchange(const std::string& server_host, std::uint16_t server_port,
                                               std::span<const std::uint8_t> query, std::uint64_t timeout_ms);

}  // namespace bucky::net
