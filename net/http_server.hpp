// A small HTTP/1.1 server for the etcd-compatible JSON API (issue 7): Boost.Beast
// parses requests (header and body limits checked while reading), everything runs
// on one I/O thread of its own, and each request is handed to the handler as an
// http_exchange that any thread may answer, once: a whole response, or a chunked
// stream (watches, lease keepalives) written piece by piece until the client goes.
//
// Limits: connections_max open at once (more get 503 and are closed), header and
// body sizes (413 past them), idle_timeout_ms without a request (closed). The
// server answers its own protocol errors with {"error", "code", "message"} bodies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "messages/common/status.hpp"

namespace bucky::net {

struct http_request {
  std::string method;  // "POST"
  std::string target;  // "/v3/kv/put"
  std::string body;
  std::string authorization;  // the Authorization header, as sent
  std::string peer;           // ip:port of the client
};

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
  virtual bool gone() const = 0;
};

using http_handler = std::function<void(std::shared_ptr<http_exchange>)>;

struct http_server_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t header_bytes_max = 16 * 1024;
  std::size_t body_bytes_max = 4 * 1024 * 1024;
  std::size_t connections_max = 256;
  std::uint64_t idle_timeout_ms = 60'000;
  std::size_t stream_queue_bytes_max = 8 * 1024 * 1024;  // a slow stream reader past this is dropped
};

class http_server {
 public:
  http_server(http_server_config config, http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  result<std::uint16_t> start();  // the port it listens on
  void stop();

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

const char* http_reason(int status_code);

}  // namespace bucky::net
