// Reads the HTTP/1.1 requests of one connection from its bytes, without sockets:
// the HTTP server (net/http_server.cpp) feeds what it receives and gets back a whole
// request, a wish for "100 Continue", or a rejection that names what is wrong (the
// server answers it with its status and the JSON error body, then closes). Boost.Beast
// parses; this adds the checks that keep proxies and this server reading the same
// request (no request smuggling): at most one Content-Length, never together with
// Transfer-Encoding, only HTTP/1.0 and HTTP/1.1 (an HTTP/2 preface is refused).
// Pure and deterministic: the HTTP fuzzer (tests/fuzz/http_fuzz.cpp) drives it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace bucky::net {

struct http_request {
  std::string method;  // "POST"
  std::string target;  // "/v3/kv/put"
  std::string body;
  std::string authorization;  // the Authorization header, as sent
  std::string peer;           // ip:port of the client (set by the server)
  bool keep_alive = true;     // the connection stays open after the answer
};

struct http_reader_limits {
  std::size_t header_bytes_max = 16 * 1024;
  std::size_t body_bytes_max = 4 * 1024 * 1024;
};

// Why a request is refused: the HTTP status, the gRPC code of the JSON error body
// (as etcd's gateway answers), and a message naming what was wrong.
struct http_rejection {
  int http_status = 400;
  int grpc_code = 3;  // INVALID_ARGUMENT
  std::string message;
};

class http_request_reader {
 public:
  enum class phase : std::uint8_t { idle, header, body };  // of the request being read
  enum class outcome : std::uint8_t { need_more, continue_wanted, request_ready, rejected };

  explicit http_request_reader(http_reader_limits limits);
  ~http_request_reader();
  http_request_reader(http_request_reader&&) noexcept;
  http_request_reader& operator=(http_request_reader&&) noexcept;

  // Keeps bytes from the client (they may hold the start of the next request too).
  void append(std::string_view bytes);
  std::size_t buffered_bytes() const;

  // Parses as far as the kept bytes go:
  //   request_ready   take_request() (then the next request is read)
  //   continue_wanted once per request: its header asks "Expect: 100-continue" and a
  //                   body is to come; send "100 Continue", then parse() again
  //   rejected        rejection(); the reader stays rejected
  //   need_more       append() more
  outcome parse();
  http_request take_request();
  const http_rejection& rejection() const;
  // idle: no byte of a next request yet (the connection may be closed as idle).
  phase current_phase() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace bucky::net
