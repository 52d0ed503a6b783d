// Fuzzes what the gateway (issue 21) reads from strangers before anyone signed in:
// Host headers, Cookie headers, query strings and redirect targets, whole HTTP
// requests and responses as they cross between gateways, and the documents it reads
// from the zone state (password-sealed keys, node certificates), and the TLS
// ClientHello a gateway node reads the server name from. The first byte picks
// the part; every refusal is a value, never a crash, and what is accepted holds the
// properties the gateway relies on.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "actors/gateway/host_route.hpp"
#include "actors/gateway/url_query.hpp"
#include "actors/gateway/web_cookies.hpp"
#include "messages/common/check.hpp"
#include "net/client_hello.hpp"
#include "net/gateway_tls.hpp"
#include "net/http_forward.hpp"
#include "net/password_box.hpp"

namespace {

using namespace bucky;

void host(std::string_view input) {
  static const std::set<std::string> nodes{"n1", "n2"};
  auto route = gateway::route_host(input, "home.test", nodes);
  if (route.what == gateway::host_route::kind::app) {
    BUCKY_CHECK(!route.app.empty() && route.app.size() <= 63 && route.app.find('.') == std::string::npos);
    BUCKY_CHECK(!nodes.count(route.app));
  }
  if (route.what == gateway::host_route::kind::unknown) BUCKY_CHECK(!route.reason.empty());
}

void cookies(std::string_view input) {
  auto kept = gateway::cookies_for_app(input);
  // What an app gets never carries the gateway's own cookies.
  BUCKY_CHECK(!gateway::cookie_value(kept, gateway::panel_cookie).has_value());
  BUCKY_CHECK(!gateway::cookie_value(kept, gateway::app_cookie).has_value());
  (void)gateway::cookie_value(input, gateway::panel_cookie);
}

void query(std::string_view input) {
  if (auto parsed = gateway::parse_query(input)) {
    BUCKY_CHECK(parsed->size() <= gateway::query_pairs_max);
    for (const auto& [key, value] : *parsed) {
      if (gateway::local_path(value)) BUCKY_CHECK(value[0] == '/' && (value.size() == 1 || (value[1] != '/' && value[1] != '\\')));
    }
  }
  auto encoded = gateway::url_encode(input);
  auto back = gateway::parse_query("?x=" + encoded);
  BUCKY_CHECK(back.has_value());
  // '&' and '=' are encoded, so one pair comes back with the input as its value.
  BUCKY_CHECK(back->size() == 1 && back->at("x") == std::string(input));
}

void messages(std::string_view input) {
  net::http_forward_limits limits;
  limits.header_bytes_max = 4096;
  limits.body_bytes_max = 4096;
  if (auto request = net::parse_request_bytes(std::string(input), limits)) {
    BUCKY_CHECK(request->body().size() <= limits.body_bytes_max);
    auto again = net::parse_request_bytes(net::request_bytes(*request), limits);
    BUCKY_CHECK(again.has_value() && again->body() == request->body());
  }
  if (auto response = net::parse_response_bytes(std::string(input), limits)) {
    BUCKY_CHECK(response->body().size() <= limits.body_bytes_max);
  }
}

void documents(std::string_view input) {
  (void)net::parse_password_record(input);
  (void)net::parse_node_tls(input);
}

void client_hello(std::string_view input) {
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  auto read = net::read_client_hello(bytes);
  switch (read.what) {
    case net::client_hello_read::kind::found:
      BUCKY_CHECK(!read.server_name.empty() && read.server_name.size() <= 253);
      for (char c : read.server_name) BUCKY_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
      break;
    case net::client_hello_read::kind::refused: BUCKY_CHECK(!read.reason.empty()); break;
    case net::client_hello_read::kind::need_more: BUCKY_CHECK(input.size() < net::client_hello_bytes_max); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: host(input); break;
    case 1: cookies(input); break;
    case 2: query(input); break;
    case 3: messages(input); break;
    case 4: documents(input); break;
    case 5: client_hello(input); break;
  }
  return 0;
}
