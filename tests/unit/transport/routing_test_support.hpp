// What the transport's routing tests share: peers with keys, frames a peer sends,
// and ways to read a routing_output.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "actors/transport/routing_core.hpp"
#include "messages/codec.hpp"
#include "messages/error_reply.hpp"
#include "net/keys.hpp"

namespace bucky::routing_test {

inline constexpr std::uint16_t echo_type = static_cast<std::uint16_t>(message_type::echo_request);

// A key of its own for every name.
inline net::public_key key_of(const std::string& name) {
  std::array<std::uint8_t, net::seed_bytes> seed{};
  std::copy_n(name.begin(), std::min(name.size(), seed.size()), seed.begin());
  return net::key_pair::from_seed(seed).public_part();
}

inline net::peer_identity node(const std::string& name) { return {net::peer_identity::kind::node, name, key_of(name)}; }
inline net::peer_identity admin(const std::string& name) {
  return {net::peer_identity::kind::admin, name, key_of(name)};
}
inline net::peer_identity guest(const std::string& name) {
  return {net::peer_identity::kind::guest, name, key_of(name)};
}

inline net::peer_entry node_entry(const std::string& name, std::uint16_t port, const std::string& host = "127.0.0.1") {
  return {node(name), host, port};
}

// A peers file of these node names, each at 127.0.0.1:7000+i (i from 1).
inline net::peer_directory directory(const std::vector<std::string>& nodes, const std::string& extra = "") {
  std::string text;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    text += "node " + nodes[i] + " " + key_of(nodes[i]).to_text() + " 127.0.0.1:" + std::to_string(7001 + i) + "\n";
  }
  auto parsed = net::peer_directory::parse(text + extra, "peers");
  BUCKY_CHECK_MSG(parsed.has_value(), parsed.error().to_string());
  return std::move(*parsed);
}

inline bytes frame(const envelope& message) { return encode(message); }

inline bytes response_frame(std::uint64_t request_id, std::vector<std::uint8_t> payload = {1, 2, 3}) {
  envelope message;
  message.kind = envelope_kind::response;
  message.type = static_cast<std::uint16_t>(message_type::echo_reply);
  message.request_id = request_id;
  message.payload = std::move(payload);
  return frame(message);
}

inline bytes error_frame(std::uint64_t request_id, const status& failure) {
  envelope message;
  message.kind = envelope_kind::error;
  message.type = static_cast<std::uint16_t>(message_type::error_reply);
  message.request_id = request_id;
  message.payload = encode(error_reply::from(failure));
  return frame(message);
}

inline bytes request_frame(std::uint64_t request_id, const std::string& actor) {
  envelope message;
  message.kind = envelope_kind::request;
  message.type = echo_type;
  message.source_actor = "42";
  message.destination_actor = actor;
  message.request_id = request_id;
  message.payload = {9};
  return frame(message);
}

inline bytes one_way_frame(const std::string& actor) {
  envelope message;
  message.kind = envelope_kind::one_way;
  message.type = echo_type;
  message.destination_actor = actor;
  message.payload = {7};
  return frame(message);
}

// Local actors: "echo" and the guests' "activation".
inline bool local_actor(const std::string& name) { return name == "echo" || name == guest_actor; }

inline outgoing_call call_to(const std::string& node_id, std::uint64_t timeout_ms = 5'000) {
  return {node_id, "echo", echo_type, {1}, timeout_ms, "17"};
}

inline bool logged(const routing_output& out, const std::string& words) {
  return std::any_of(out.log.begin(), out.log.end(),
                     [&](const routing_log_line& line) { return line.text.find(words) != std::string::npos; });
}

inline bool contains(const std::string& text, const std::string& words) {
  return text.find(words) != std::string::npos;
}

}  // namespace bucky::routing_test
