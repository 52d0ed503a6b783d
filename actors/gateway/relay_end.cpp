// The home node's end of the relay through a gateway node (issue 21): hellos to
// every gateway node of the zone config, and each relayed stream connected to this
// gateway's own HTTPS port, where the TLS ends as for any client (named by the
// relay's client address for limits and the sign-in guard).
#include <boost/asio.hpp>
#include <fmt/format.h>

#include "actors/gateway/gateway_actor.hpp"
#include "actors/relay/actor.hpp"
#include "actors/relay/relay_cast.hpp"
#include "actors/runtime/logging.hpp"

namespace bucky::gateway {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t relayed_streams_per_gateway_node_max = 1'024;

// Where this node's HTTPS port answers: its listen address, or loopback for "any".
asio::ip::address local_https_address(const std::string& listen_host) {
  boost::system::error_code error;
  auto address = asio::ip::make_address(listen_host, error);
  if (error || address.is_unspecified()) {
    return address.is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                           : asio::ip::address(asio::ip::address_v4::loopback());
  }
  return address;
}

}  // namespace

void web_gateway::start_relay_end() {
  relay::relay_pipes_config pipes;
  pipes.side = "gateway relay";
  pipes.log = logging::get(context().name);
  relay_ = std::make_shared<relay::relay_pipes>(server_->io(), pipes, relay::cast_to(system(), relay_actor));
}

void web_gateway::say_hello() {
  if (!server_->has_certificate()) return;  // nothing to end TLS with yet
  relay_hello hello;
  for (const auto& [app, places] : apps_) {
    for (const auto& place : places) {
      if (place.node == config_.node_id && hello.apps.size() < relay_limits::apps_max) hello.apps.push_back(app);
    }
  }
  auto peers = config_.peers->current();
  for (const auto& entry : peers->entries()) {
    if (entry.gateway) relay::cast_hello(system(), entry.identity.name, hello);
  }
  asio::post(server_->io(), [relay = relay_] { relay->sweep(); });
}

void web_gateway::relay_opened(const std::string& from, relay_open open) {
  auto peers = config_.peers->current();
  const auto* entry = peers->node(from);
  if (entry == nullptr || !entry->gateway) {
    log().warn("gateway: refused stream {} from {}: not a gateway node of the zone config", open.stream, from);
    relay::cast_to(system(), relay_actor)(from, relay_close{open.stream, "not a gateway node"});
    return;
  }
  auto label = fmt::format("{} via {}", open.client.substr(0, 64), from);
  auto* server = server_.get();
  auto address = local_https_address(config_.listen_host);
  asio::post(server_->io(), [relay = relay_, server, address, port = https_port_, from, label,
                             open = std::move(open)]() mutable {
    const relay::stream_key key{from, open.stream};
    if (relay->has(key)) return;  // opened twice: the first stays
    if (relay->open_by_node()[from] >= relayed_streams_per_gateway_node_max) {
      relay->add(key, 0, {}, label);
      relay->close(key, fmt::format("{} relayed streams from {} already", relayed_streams_per_gateway_node_max, from));
      return;
    }
    relay->add(key, 0, std::move(open.bytes), label);
    auto socket = std::make_shared<tcp::socket>(server->io());
    boost::system::error_code error;
    socket->open(address.is_v6() ? tcp::v6() : tcp::v4(), error);
    if (!error) socket->bind(tcp::endpoint(address, 0), error);
    if (error) return relay->close(key, "a socket to the gateway: " + error.message());
    auto local = socket->local_endpoint(error);
    const auto local_end = fmt::format("{}:{}", local.address().to_string(), local.port());
    server->name_relayed(local_end, label);
    socket->async_connect(tcp::endpoint(address, port), [relay, server, socket, key, local_end](
                                                            const boost::system::error_code& failed) {
      if (failed) {
        server->forget_relayed(local_end);
        return relay->close(key, "connecting to this gateway: " + failed.message());
      }
      relay->attach(key, std::move(*socket), [server, local_end] { server->forget_relayed(local_end); });
    });
  });
}

void web_gateway::relay_message(const std::string& from, relay::relay_message message) {
  asio::post(server_->io(), [relay = relay_, from, message = std::move(message)]() mutable {
    relay->on_message(from, std::move(message));
  });
}

}  // namespace bucky::gateway
