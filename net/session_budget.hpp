// The inbound slots of the transport (net/tcp_io.cpp) and who gives way when they
// are taken, so that strangers on the LAN never keep the zone out (issue 18):
//  - a connection that has not finished the handshake holds a handshake slot: at
//    most handshakes_per_address_max per IP address (past it: refused), at most
//    handshakes_max in all (past it: the oldest unfinished one is closed, since a
//    node's handshake takes one round trip and a stranger's never ends);
//  - a proven key then holds a guest slot (guest_sessions_max) or a node-and-admin
//    slot (sessions_max); past its budget the session is refused.
// Strangers can thus hold handshake and guest slots only, never the zone's. Pure:
// ids and addresses in, decisions out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace bucky::net {

struct session_budget_limits {
  std::size_t sessions_max = 128;
  std::size_t handshakes_max = 32;
  std::size_t handshakes_per_address_max = 4;
  std::size_t guest_sessions_max = 8;
};

class session_budget {
 public:
  explicit session_budget(session_budget_limits limits);

  struct accepted {
    bool admitted = false;
    std::string refusal;                  // when not admitted: why, naming the limit
    std::optional<std::uint64_t> evict;   // admitted in place of this unfinished handshake
  };
  // A new inbound connection `id` (ids grow over time) from `ip`.
  accepted on_accept(std::uint64_t id, const std::string& ip);
  // Its handshake finished: nothing when it has a slot of its kind, else why not.
  std::optional<std::string> on_established(std::uint64_t id, bool guest);
  // Gone (closed, refused or evicted): its slot is free. Unknown ids are ignored.
  void on_closed(std::uint64_t id);

  std::size_t handshakes() const { return handshakes_.size(); }
  std::size_t guests() const { return guests_; }
  std::size_t authenticated() const { return authenticated_; }

 private:
  void forget_handshake(std::map<std::uint64_t, std::string>::iterator at);

  session_budget_limits limits_;
  std::map<std::uint64_t, std::string> handshakes_;  // id -> ip, oldest first
  std::map<std::string, std::size_t> handshakes_per_address_;
  std::map<std::uint64_t, bool> established_;  // id -> guest
  std::size_t guests_ = 0;
  std::size_t authenticated_ = 0;
};

}  // namespace bucky::net
