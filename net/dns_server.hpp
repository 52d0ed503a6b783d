// A DNS responder over UDP and TCP (RFC 1035 4.2, RFC 7766) on one port and its
// own thread: every query is handed to `answer` (on that thread) and what it returns
// goes back to the asker. It knows sockets, not zones: the name service gives it the
// answer function (net/dns_zone.hpp over the zone config it holds).
//
// Against reflection and amplification with spoofed sources (issue 18): over UDP,
// each source address gets at most source_answers_per_second answers (after a burst
// of source_answers_burst_max; net/dns_rate_limiter.hpp), all sources together
// queries_per_second_max, and the rest are dropped; an answer larger than
// udp_amplification_max times its query goes out truncated (TC, no records), so an
// honest resolver asks again over TCP, where the handshake proves its address. Over
// TCP at most tcp_connections_max connections (the oldest gives way to a newcomer),
// each closed after tcp_idle_timeout_ms without a query. Queries over
// dns_limits::udp_bytes_max are dropped on both. TCP answers are the ones a UDP asker
// with the same EDNS0 size gets, without the amplification bound.
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
  std::uint32_t queries_per_second_max = 1'000;  // UDP answers, all sources together
  std::uint32_t source_answers_per_second = 20;
  std::uint32_t source_answers_burst_max = 40;
  std::size_t sources_max = 4'096;  // sources whose rate is tracked at once
  std::size_t udp_amplification_max = 3;  // answer bytes per query byte over UDP
  std::size_t tcp_connections_max = 16;
  std::uint64_t tcp_idle_timeout_ms = 5'000;
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

// One lookup: sends the query over UDP, waits up to timeout_ms for the answer with
// the same id from the asked server, and when that answer is truncated asks again
// over TCP (within the same timeout).
result<std::vector<std::uint8_t>> dns_exchange(const std::string& server_host, std::uint16_t server_port,
                                               std::span<const std::uint8_t> query, std::uint64_t timeout_ms);

}  // namespace bucky::net
