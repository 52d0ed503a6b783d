#include "apps/bucky/url_fetch.hpp"

#include <utility>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

namespace bucky::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct url_parts {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

result<url_parts> split_url(const std::string& url) {
  url_parts out;
  std::string rest;
  if (url.starts_with("http://")) rest = url.substr(7);
  else if (url.starts_with("https://")) rest = url.substr(8), out.tls = true;
  else return status(status_code::invalid_argument, fmt::format("{}: not an http://, https:// or file URL", url));
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  const bool bracketed = authority.starts_with('[');
  if (colon != std::string::npos && (!bracketed || authority[colon - 1] == ']')) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = out.tls ? "443" : "80";
  }
  if (bracketed) out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) return status(status_code::invalid_argument, url + ": no host");
  return out;
}

result<std::string> read_local(const std::string& path, std::uint64_t size_bytes_max) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return status(status_code::not_found, fmt::format("{}: {}", path, error.message()));
  if (size > size_bytes_max) return status(status_code::too_large, fmt::format("{}: {} bytes, over {}", path, size, size_bytes_max));
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return status(status_code::io_error, path + ": could not be read");
  return bytes;
}

// One GET over `stream` (connected); async so the deadline holds whatever the server does.
template <class Stream>
result<std::string> get(asio::io_context& io, Stream& stream, const url_parts& parts, const std::string& url,
                        std::uint64_t size_bytes_max, std::chrono::steady_clock::time_point deadline) {
  http::request<http::empty_body> request{http::verb::get, parts.target, 11};
  request.set(http::field::host, parts.host);
  request.set(http::field::user_agent, "bucky");
  http::response_parser<http::string_body> parser;
  parser.body_limit(size_bytes_max);
  parser.header_limit(64 * 1024);
  beast::flat_buffer buffer;
  beast::error_code error = asio::error::would_block;
  http::async_write(stream, request, [&](beast::error_code e, std::size_t) {
    if (e) return void(error = e);
    http::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) { error = e2; });
  });
  io.restart();
  io.run_until(deadline);
  if (error == asio::error::would_block) return status(status_code::timeout, url + ": no whole answer in time");
  if (error == http::error::body_limit) return status(status_code::too_large, fmt::format("{}: bigger than {} bytes", url, size_bytes_max));
  if (error) return status(status_code::unavailable, fmt::format("{}: {}", url, error.message()));
  const auto code = parser.get().result_int();
  if (code != 200) return status(code == 404 ? status_code::not_found : status_code::unavailable, fmt::format("{}: HTTP {}", url, code));
  return std::move(parser.get().body());
}

}  // namespace

std::string url_join(const std::string& base, const std::string& path) {
  return base.ends_with('/') ? base + path : base + "/" + path;
}

result<std::string> fetch_url(const std::string& url, std::uint64_t size_bytes_max, std::uint64_t timeout_ms) {
  if (url.starts_with("file://")) return read_local(url.substr(7), size_bytes_max);
  if (url.starts_with("/") || url.starts_with(".")) return read_local(url, size_bytes_max);
  auto parts = split_url(url);
  if (!parts) return parts.error();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::error_code error;
  auto endpoints = resolver.resolve(parts->host, parts->port, error);
  if (error) return status(status_code::unavailable, fmt::format("{}: cannot resolve {}: {}", url, parts->host, error.message()));
  beast::tcp_stream tcp(io);
  error = asio::error::would_block;
  tcp.async_connect(endpoints, [&](beast::error_code e, const asio::ip::tcp::endpoint&) { error = e; });
  io.run_until(deadline);
  if (error) return status(status_code::unavailable, fmt::format("{}: cannot connect: {}", url, error == asio::error::would_block ? "timed out" : error.message()));
  if (!parts->tls) return get(io, tcp, *parts, url, size_bytes_max, deadline);
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
  SSL_set_tlsext_host_name(stream.native_handle(), parts->host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(parts->host));
  error = asio::error::would_block;
  stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { error = e; });
  io.restart();
  io.run_until(deadline);
  if (error) return status(status_code::unavailable, fmt::format("{}: TLS: {}", url, error == asio::error::would_block ? "timed out" : error.message()));
  return get(io, stream, *parts, url, size_bytes_max, deadline);
}

}  // namespace bucky::cli
