// A blocking HTTPS client for tests of the gateway: one connection per request,
// the server's certificate checked against a CA (PEM) for the name asked for
// (SNI and host name verification), a request as fields or as raw bytes (to send
// what no well-behaved client would). Errors come back as status 0 with the reason,
// never thrown. Every call is bounded by its timeout.
#pragma once

#include <utility>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace bucky::testing {

struct tls_reply {
  int status = 0;  // 0: no answer; error says why
  std::string error;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names; the last of each
  std::vector<std::string> set_cookies;

  // "name=value" of a Set-Cookie of that name ("" when none).
  std::string cookie(const std::string& name) const {
    for (const auto& line : set_cookies) {
      if (line.rfind(name + "=", 0) == 0) return line.substr(0, line.find(';'));
    }
    return "";
  }
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
};

class tls_client {
 public:
  tls_client(std::uint16_t port, std::string host, std::string ca_pem)
      : port_(port), host_(std::move(host)), ca_pem_(std::move(ca_pem)) {}

  tls_reply request(const std::string& method, const std::string& target, const std::map<std::string, std::string>& fields = {},
                    const std::string& body = "", std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, host_header());
    for (const auto& [name, value] : fields) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    request.keep_alive(false);
    std::ostringstream out;
    out << request;
    return raw(out.str(), timeout);
  }

  // Sends `bytes` as they are and reads one response (or what came before the close).
  tls_reply raw(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    tls_reply out;
    asio::io_context io;
    asio::ssl::context context(asio::ssl::context::tls_client);
    boost::system::error_code error;
    context.add_certificate_authority(asio::buffer(ca_pem_), error);
    if (error) {
      out.error = "CA: " + error.message();
      return out;
    }
    context.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    SSL_set_tlsext_host_name(stream.native_handle(), host_.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host_));
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256ull << 20);
    std::string step = "connect";
    auto fail = [&](const char* where, const boost::system::error_code& e) {
      if (out.error.empty()) out.error = std::string(where) + ": " + e.message();
    };
    beast::get_lowest_layer(stream).async_connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), [&](const boost::system::error_code& e) {
          if (e) return fail("connect", e);
          stream.async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& e) {
            if (e) return fail("handshake", e);
            asio::async_write(stream, asio::buffer(bytes), [&](const boost::system::error_code& e, std::size_t) {
              if (e) return fail("write", e);
              http::async_read(stream, buffer, parser, [&](const boost::system::error_code& e, std::size_t) {
                if (e) return fail("read", e);
              });
            });
          });
        });
    io.run_for(timeout);
    if (!io.stopped() && out.error.empty()) out.error = "timeout";
    if (!parser.is_header_done()) return out;
    auto response = parser.release();
    out.status = static_cast<int>(response.result_int());
    out.body = response.body();
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value(field.value());
      if (name == "set-cookie") out.set_cookies.push_back(value);
      out.headers[name] = value;
    }
    return out;
  }

  void set_host(std::string host) { host_ = std::move(host); }
  const std::string& host() const { return host_; }

 private:
  std::string host_header() const { return host_ + ":" + std::to_string(port_); }

  std::uint16_t port_;
  std::string host_;
  std::string ca_pem_;
};

}  // namespace bucky::testing
