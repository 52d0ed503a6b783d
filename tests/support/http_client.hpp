// A blocking HTTP/1.1 client for process tests of the etcd v3 JSON API: one
// keep-alive connection, POST a JSON body, get the status and body back. Errors
// (refused, reset, timeout) come back as status 0 with the reason, never thrown.
// The timeout holds even against a stopped (SIGSTOP) server: the I/O is async and
// run for at most that long (Beast's expiry does not apply to blocking calls).
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
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, host_);
    request.set(http::field::authorization, "Bearer " + token_);
    request.body() = body;
    request.prepare_payload();
    http::response<http::string_body> response;
    boost::system::error_code error = boost::asio::error::would_block;
    if (!stream_) stream_.emplace(io_);
    auto send = [&] {
      http::async_write(*stream_, request, [&](boost::system::error_code e, std::size_t) {
        if (e) return void(error = e);
        http::async_read(*stream_, buffer_, response, [&](boost::system::error_code e2, std::size_t) { error = e2; });
      });
    };
    if (!connected_) {
      stream_->async_connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(host_), port_),
                             [&](boost::system::error_code e) {
                               if (e) return void(error = e);
                               connected_ = true;
                               stream_->socket().set_option(boost::asio::ip::tcp::no_delay(true));
                               send();
                             });
    } else {
      send();
    }
    io_.restart();
    io_.run_for(timeout);
    if (error == boost::asio::error::would_block) {  // timed out: drop the connection
      reset();
      return {0, "timeout"};
    }
    if (error) {
      reset();
      return {0, error.message()};
    }
    if (!response.keep_alive()) reset();
    return {static_cast<int>(response.result_int()), response.body()};
  }

 private:
  void reset() {
    if (stream_) {
      boost::system::error_code ignored;
      stream_->socket().close(ignored);
    }
    io_.restart();
    io_.run();  // let the cancelled handlers finish
    stream_.reset();
    buffer_.clear();
    connected_ = false;
  }

  bool connected_ = false;
  std::string host_;
  std::uint16_t port_;
  std::string token_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace bucky::testing
