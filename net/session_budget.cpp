#include "net/session_budget.hpp"

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::net {

session_budget::session_budget(session_budget_limits limits) : limits_(limits) {
  BUCKY_CHECK(limits_.handshakes_max > 0 && limits_.handshakes_per_address_max > 0);
}

session_budget::accepted session_budget::on_accept(std::uint64_t id, const std::string& ip) {
  BUCKY_CHECK(!handshakes_.count(id) && !established_.count(id));
  accepted out;
  auto from_ip = handshakes_per_address_.find(ip);
  if (from_ip != handshakes_per_address_.end() && from_ip->second >= limits_.handshakes_per_address_max) {
    out.refusal = fmt::format("{} unfinished handshakes from {} already (handshakes_per_address_max)", from_ip->second, ip);
    return out;
  }
  if (handshakes_.size() >= limits_.handshakes_max) {
    auto oldest = handshakes_.begin();
    out.evict = oldest->first;
    forget_handshake(oldest);
  }
  handshakes_.emplace(id, ip);
  ++handshakes_per_address_[ip];
  out.admitted = true;
  BUCKY_CHECK(handshakes_.size() <= limits_.handshakes_max);
  return out;
}

std::optional<std::string> session_budget::on_established(std::uint64_t id, bool guest) {
  auto at = handshakes_.find(id);
  BUCKY_CHECK_MSG(at != handshakes_.end(), fmt::format("session {} finished a handshake it had no slot for", id));
  forget_handshake(at);
  auto& held = guest ? guests_ : authenticated_;
  auto held_max = guest ? limits_.guest_sessions_max : limits_.sessions_max;
  if (held >= held_max) {
    return fmt::format("{} {} sessions open already ({})", held, guest ? "guest" : "node and admin",
                       guest ? "guest_sessions_max" : "sessions_max");
  }
  ++held;
  established_.emplace(id, guest);
  return std::nullopt;
}

void session_budget::on_closed(std::uint64_t id) {
  if (auto at = handshakes_.find(id); at != handshakes_.end()) return forget_handshake(at);
  auto at = established_.find(id);
  if (at == established_.end()) return;
  auto& held = at->second ? guests_ : authenticated_;
  BUCKY_CHECK(held > 0);
  --held;
  established_.erase(at);
}

void session_budget::forget_handshake(std::map<std::uint64_t, std::string>::iterator at) {
  auto from_ip = handshakes_per_address_.find(at->second);
  BUCKY_CHECK(from_ip != handshakes_per_address_.end() && from_ip->second > 0);
  if (--from_ip->second == 0) handshakes_per_address_.erase(from_ip);
  handshakes_.erase(at);
}

}  // namespace bucky::net
