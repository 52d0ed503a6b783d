// The gateway's web server (issue 21): HTTP/1.1 over TLS with Boost.Beast and
// Boost.Asio SSL, and optionally a plain-HTTP port that only redirects to HTTPS.
// One I/O thread; every request is handed to the handler as a web_exchange that
// any thread may answer once (a whole response, or a stream written piece by piece:
// server-sent events).
//
// Limits, against strangers and slow clients:
//  - connections_max in all and connections_per_address_max per client address;
//    past them a new connection is closed at once;
//  - the TLS handshake and the first request header within handshake_timeout_ms; a
//    later request's header within idle_timeout_ms of the last answer;
//  - a header at most header_bytes_max (431), a body at most what body_limit says
//    for that request's header (413), read within body_timeout_ms;
//  - a handler that does not answer within handler_timeout_ms gets 504 sent for it;
//  - a stream whose reader falls stream_queue_bytes_max behind is closed.
// Beast refuses what HTTP request smuggling needs (a Content-Length with a
// Transfer-Encoding, two Content-Lengths, a malformed chunk): 400 and close. TLS 1.2
// and 1.3 only. "Expect: 100-continue" is answered before the body is read.
#pragma once

#include <utility>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/logger.h>

#include "messages/common/status.hpp"

namespace bucky::net {

using web_request = boost::beast::http::request<boost::beast::http::string_body>;
using web_response = boost::beast::http::response<boost::beast::http::string_body>;
using web_request_header = boost::beast::http::request_header<>;

class web_exchange {
 public:
  virtual ~web_exchange() = default;
  virtual const web_request& request() const = 0;
  virtual const std::string& client_address() const = 0;
  // A whole response; Content-Length is set here. Once, from any thread.
  virtual void reply(web_response response) = 0;
  // A chunked response: begin once (status and fields; the body is ignored), write
  // any number of chunks, end once. A write returns false when the client is gone
  // or too far behind (the stream should stop).
  virtual void begin_stream(web_response head) = 0;
  virtual bool write_chunk(std::string data) = 0;
  virtual void end_stream() = 0;
  virtual bool gone() const = 0;
};

using web_handler = std::function<void(std::shared_ptr<web_exchange>)>;
// The largest body to accept for a request with this header (0: none).
using web_body_limit = std::function<std::uint64_t(const web_request_header&)>;

struct https_server_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                 // HTTPS; 0: any free port
  std::optional<std::uint16_t> plain_port;  // HTTP that redirects (0: any free port)
  std::size_t header_bytes_max = 16 * 1024;
  std::size_t connections_max = 512;
  std::size_t connections_per_address_max = 64;
  std::uint64_t handshake_timeout_ms = 10'000;
  std::uint64_t idle_timeout_ms = 60'000;
  std::uint64_t body_timeout_ms = 120'000;
  std::uint64_t handler_timeout_ms = 60'000;
  std::size_t stream_queue_bytes_max = 1 << 20;
  std::shared_ptr<spdlog::logger> log;  // refusals and evictions (none: silent)
};

struct https_ports {
  std::uint16_t https = 0;
  std::uint16_t plain = 0;  // 0: no plain port
};

class https_server {
 public:
  https_server(https_server_config config, web_body_limit body_limit, web_handler handler);
  ~https_server();
  https_server(const https_server&) = delete;
  https_server& operator=(const https_server&) = delete;

  // The certificate chain and key (PEM) new connections get; an error (and the old
  // ones kept) when they do not load or do not match. Until the first succeeds, TLS
  // handshakes fail and the plain port answers 503 saying so.
  status set_certificate(const std::string& chain_pem, const std::string& key_pem);
  bool has_certificate() const;

  result<https_ports> start();
  void stop();
  std::size_t connections() const;
  // A connection this process makes on behalf of a client elsewhere (the relay
  // through a gateway node): a connection from `local_end` ("ip:port", bound before
  // connecting) is `client` in the limits per address, the sign-in guard and the
  // logs. Forgotten by the relay once that connection is closed.
  void name_relayed(const std::string& local_end, std::string client);
  void forget_relayed(const std::string& local_end);
  // The I/O thread's context: work posted here runs beside the connections (the
  // gateway forwards requests to apps on it).
  boost::asio::io_context& io();

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

// Beast's string views (Boost 1.74: boost's own) as std::string_view.
inline std::string_view text_of(boost::beast::string_view view) { return {view.data(), view.size()}; }

// A small response with the security headers every gateway answer carries.
web_response make_web_response(unsigned status_code, std::string content_type, std::string body);
// {"error": message} as JSON, with `status_code`.
web_response web_error(unsigned status_code, const std::string& message);

}  // namespace bucky::net
