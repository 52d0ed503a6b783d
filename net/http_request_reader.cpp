#include "net/http_request_reader.hpp"

#include <optional>
#include <utility>

#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::net {

namespace http = boost::beast::http;

struct http_request_reader::state {
  http_reader_limits limits;
  std::string buffered;  // received, not yet parsed
  std::optional<http::request_parser<http::string_body>> parser;
  std::size_t header_bytes = 0;  // consumed by the parser before the header was done
  bool header_checked = false;
  bool continue_offered = false;
  bool ready = false;
  std::optional<http_rejection> rejected;

  void start_request() {
    parser.emplace();
    parser->eager(false);  // stop after the header, so its size is known exactly
    parser->header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
    parser->body_limit(limits.body_bytes_max);
    header_bytes = 0;
    header_checked = false;
    continue_offered = false;
    ready = false;
  }

  outcome reject(int http_status, int grpc_code, std::string message) {
    rejected = http_rejection{http_status, grpc_code, std::move(message)};
    return outcome::rejected;
  }

  outcome reject_parse_error(const boost::beast::error_code& error) {
    if (error == http::error::body_limit) {
      return reject(413, 8, fmt::format("the body is over {} bytes", limits.body_bytes_max));
    }
    if (error == http::error::header_limit) {
      return reject(431, 3, fmt::format("the headers are over {} bytes", limits.header_bytes_max));
    }
    return reject(400, 3, fmt::format("malformed HTTP request: {}", error.message()));
  }

  // What Beast lets through but a proxy in front could read differently.
  std::optional<outcome> check_header() {
    // Beast checks header_limit only while the header is incomplete: one that
    // arrived whole in one read is checked here, so the limit holds however the
    // bytes were cut.
    if (header_bytes > limits.header_bytes_max) {
      return reject(431, 3, fmt::format("the headers are over {} bytes", limits.header_bytes_max));
    }
    const auto& header = parser->get();
    if (header.version() != 10 && header.version() != 11) {
      return reject(400, 3, fmt::format("HTTP version {}.{} is not served (HTTP/1.1 only)", header.version() / 10,
                                        header.version() % 10));
    }
    if (header.count(http::field::content_length) > 1) {
      return reject(400, 3, "malformed HTTP request: more than one Content-Length");
    }
    if (header.count(http::field::content_length) > 0 && header.count(http::field::transfer_encoding) > 0) {
      return reject(400, 3, "malformed HTTP request: Content-Length together with Transfer-Encoding");
    }
    return std::nullopt;
  }

  bool wants_continue() const {
    const auto& header = parser->get();
    auto expect = header.find(http::field::expect);
    if (expect == header.end()) return false;
    return boost::beast::iequals(expect->value(), "100-continue") && !parser->is_done();
  }
};

http_request_reader::http_request_reader(http_reader_limits limits) : state_(std::make_unique<state>()) {
  state_->limits = limits;
  state_->start_request();
}
http_request_reader::~http_request_reader() = default;
http_request_reader::http_request_reader(http_request_reader&&) noexcept = default;
http_request_reader& http_request_reader::operator=(http_request_reader&&) noexcept = default;

void http_request_reader::append(std::string_view bytes) { state_->buffered.append(bytes); }

std::size_t http_request_reader::buffered_bytes() const { return state_->buffered.size(); }

http_request_reader::outcome http_request_reader::parse() {
  auto& s = *state_;
  if (s.rejected) return outcome::rejected;
  if (s.ready) return outcome::request_ready;
  // Each round consumes bytes or ends: the header, then the body, at most.
  while (!s.buffered.empty() || s.parser->is_done()) {
    std::size_t used = 0;
    boost::beast::error_code error;
    if (!s.parser->is_done()) {
      bool in_header = !s.parser->is_header_done();
      used = s.parser->put(boost::asio::buffer(s.buffered.data(), s.buffered.size()), error);
      BUCKY_CHECK(used <= s.buffered.size());
      s.buffered.erase(0, used);
      if (in_header) s.header_bytes += used;
    }
    if (error && error != http::error::need_more) return s.reject_parse_error(error);
    if (s.parser->is_header_done() && !s.header_checked) {
      if (auto refused = s.check_header()) return *refused;
      s.header_checked = true;
      s.parser->eager(true);  // the body in as few calls as the bytes allow
    }
    if (s.parser->is_done()) {
      s.ready = true;
      return outcome::request_ready;
    }
    if (s.header_checked && !s.continue_offered && s.wants_continue()) {
      s.continue_offered = true;
      return outcome::continue_wanted;
    }
    if (used == 0 || error == http::error::need_more) break;
  }
  return outcome::need_more;
}

http_request http_request_reader::take_request() {
  auto& s = *state_;
  BUCKY_CHECK(s.ready && !s.rejected);
  auto message = s.parser->release();
  http_request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.body = std::move(message.body());
  if (auto auth = message.find(http::field::authorization); auth != message.end()) {
    request.authorization = std::string(auth->value());
  }
  request.keep_alive = message.keep_alive();
  s.start_request();
  return request;
}

const http_rejection& http_request_reader::rejection() const {
  BUCKY_CHECK(state_->rejected.has_value());
  return *state_->rejected;
}

http_request_reader::phase http_request_reader::current_phase() const {
  const auto& s = *state_;
  if (s.parser->is_header_done()) return phase::body;
  if (s.parser->got_some() || !s.buffered.empty()) return phase::header;
  return phase::idle;
}

}  // namespace bucky::net
