// A small HTTP/1.1 server for the etcd-compatible JSON API (issue 7): requests are
// read by net/http_request_reader.hpp (header and body limits checked while reading),
// everything runs on one I/O thread of its own, and each request is handed to the
// handler as an http_exchange that any thread may answer, once: a whole response, or
// a chunked stream (watches, lease keepalives) written piece by piece until the
// client goes.
//
// Against clients that hold sockets without using them (issue 18):
//  - a connection must deliver a request header within header_timeout_ms of opening
//    (or of the first byte of a later request), and may wait idle_timeout_ms between
//    requests;
//  - at most connections_per_address_max connections per client address;
//  - at connections_max, the connection idle longest (no request in progress) is
//    closed to admit the newcomer; only when every connection has a request in
//    progress is the newcomer refused (503);
//  - the socket is read all the time, so a client that closes while its request or
//    stream is outstanding is noticed at once: its connection and slot are freed and
//    its exchange reports gone().
// Malformed requests get 400 (413, 431 past the limits) with a {"error", "code",
// "message"} body, then the connection closes. "Expect: 100-continue" is honoured.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "messages/common/status.hpp"
#include "net/http_request_reader.hpp"

namespace bucky::net {

class http_exchange {
 public:
  virtual ~http_exchange() = default;
  virtual const http_request& request() const = 0;
  // A complete response (Content-Length); the connection then reads the next request.
  virtual void reply(int status_code, std::string body) = 0;
  // A chunked response: begin once, write any number of chunks, end once. A write
  // returns false when the client is gone (the stream should stop).
  virtual void begin_stream(int status_code) = 0;
  virtual bool write_chunk(std::string body) = 0;
  virtual void end_stream() = 0;
  // The client closed the connection (or it failed): nothing sent will arrive.
  virtual bool gone() const = 0;
};

using http_handler = std::function<void(std::shared_ptr<http_exchange>)>;

struct http_server_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t header_bytes_max = 16 * 1024;
  std::size_t body_bytes_max = 4 * 1024 * 1024;
  std::size_t connections_max = 256;
  std::size_t connections_per_address_max = 32;
  // Loopback clients are the node's own processes, not strangers on the LAN: they
  // are bounded by connections_max only (tests turn this off to play strangers).
  bool loopback_exempt_from_address_max = true;
  std::uint64_t header_timeout_ms = 5'000;
  std::uint64_t body_timeout_ms = 60'000;  // from the end of the header
  std::uint64_t idle_timeout_ms = 60'000;  // between requests
  std::uint64_t close_linger_ms = 1'000;   // after a last answer, for the client to close
  std::size_t read_chunk_bytes = 16 * 1024;
  std::size_t stream_queue_bytes_max = 8 * 1024 * 1024;  // a slow stream reader past this is dropped
  std::shared_ptr<spdlog::logger> log;  // connection refusals and evictions (none: silent)
};

class http_server {
 public:
  http_server(http_server_config config, http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  result<std::uint16_t> start();  // the port it listens on
  void stop();
  // Connections open now (from any thread; blocks until the I/O thread answers).
  std::size_t connections();

  class impl;

 private:
  std::shared_ptr<impl> impl_;  // shared with the sessions that exchanges still hold
};

const char* http_reason(int status_code);

}  // namespace bucky::net
