// A blocking HTTP/1.1 client for process tests of the etcd v3 JSON API: one
// keep-alive connection, POST a JSON body, get the status and body back. Errors
// (refused, reset, timeout) come back as status 0 with the reason, never thrown.
#pragma once

#include <utility>

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace bucky::testing {

class http_client {
 public:
  struct reply {
    int status = 0;  // 0: no answer (see body for why)
    std::string body;
  };

  http_client(std::string host, std::uint16_t port, std::string token)
      : host_(std::move(host)), port_(port), token_(std::move(token)) {}

  reply post(const std::string& target, const std::string& body, std::chrono::milliseconds timeout) {
    namespace http = boost::beast::http;
    try {
      if (!stream_) {
        stream_.emplace(io_);
        stream_->expires_after(timeout);
        stream_->connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(host_), port_));
        stream_->socket().set_option(boost::asio::ip::tcp::no_delay(true));
      }
      http::request<http::string_body> request{http::verb::post, target, 11};
      request.set(http::field::host, host_);
      request.set(http::field::authorization, "Bearer " + token_);
      request.body() = body;
      request.prepare_payload();
      stream_->expires_after(timeout);
      http::write(*stream_, request);
      http::response<http::string_body> response;
      http::read(*stream_, buffer_, response);
      if (!response.keep_alive()) stream_.reset();
      return {static_cast<int>(response.result_int()), response.body()};
    } catch (const std::exception& error) {
      stream_.reset();
      buffer_.clear();
      return {0, error.what()};
    }
  }

 private:
  std::string host_;
  std::uint16_t port_;
  std::string token_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace bucky::testing
