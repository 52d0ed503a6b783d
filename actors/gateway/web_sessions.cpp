#include "actors/gateway/web_sessions.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::gateway {

std::string token_hash(const std::string& token) {
  net::ensure_sodium();
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  std::string out;
  for (auto byte : digest) out += fmt::format("{:02x}", byte);
  return out;
}

std::string random_web_token() {
  net::ensure_sodium();
  std::array<std::uint8_t, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return net::to_base64url(bytes);
}

web_sessions::web_sessions(web_session_limits limits, std::function<std::string()> random_token)
    : limits_(limits), random_token_(std::move(random_token)) {}

bool web_sessions::alive(const web_session& session, std::uint64_t now_ms) const {
  return now_ms < session.used_ms + limits_.idle_ms_max && now_ms < session.created_ms + limits_.lifetime_ms_max;
}

void web_sessions::drop_oldest_of(const std::string& user) {
  std::size_t count = 0;
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.user != user) continue;
    ++count;
    if (oldest == sessions_.end() || it->second.used_ms < oldest->second.used_ms) oldest = it;
  }
  if (count >= limits_.sessions_per_user_max && oldest != sessions_.end()) sessions_.erase(oldest);
}

void web_sessions::drop_oldest() {
  if (sessions_.size() < limits_.sessions_max) return;
  auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                 [](const auto& a, const auto& b) { return a.second.used_ms < b.second.used_ms; });
  sessions_.erase(oldest);
}

std::string web_sessions::create(web_session session, std::uint64_t now_ms) {
  BUCKY_CHECK(session.key != nullptr && !session.user.empty());
  drop_oldest_of(session.user);
  drop_oldest();
  auto token = random_token_();
  session.csrf_token = random_token_();
  session.created_ms = now_ms;
  session.used_ms = now_ms;
  sessions_[token_hash(token)] = std::move(session);
  BUCKY_CHECK(sessions_.size() <= limits_.sessions_max);
  return token;
}

const web_session* web_sessions::find(const std::string& token, std::uint64_t now_ms) {
  auto found = sessions_.find(token_hash(token));
  if (found == sessions_.end()) return nullptr;
  if (!alive(found->second, now_ms)) {
    sessions_.erase(found);
    return nullptr;
  }
  found->second.used_ms = now_ms;
  return &found->second;
}

std::size_t web_sessions::expire(std::uint64_t now_ms) {
  std::erase_if(tickets_, [&](const auto& entry) { return entry.second.expires_ms <= now_ms; });
  auto dropped = std::erase_if(sessions_, [&](const auto& entry) { return !alive(entry.second, now_ms); });
  std::erase_if(app_tokens_, [&](const auto& entry) { return !sessions_.count(entry.second.session_hash); });
  return dropped;
}

void web_sessions::remove(const std::string& token) { sessions_.erase(token_hash(token)); }

std::size_t web_sessions::remove_user(const std::string& user) {
  return std::erase_if(sessions_, [&](const auto& entry) { return entry.second.user == user; });
}

std::string web_sessions::ticket(const std::string& token, const std::string& app, std::uint64_t now_ms) {
  auto hash = token_hash(token);
  if (!sessions_.count(hash)) return "";
  std::erase_if(tickets_, [&](const auto& entry) { return entry.second.expires_ms <= now_ms; });
  if (tickets_.size() >= limits_.tickets_max) tickets_.erase(tickets_.begin());
  auto ticket = random_token_();
  tickets_[token_hash(ticket)] = {hash, app, now_ms + limits_.ticket_ttl_ms};
  return ticket;
}

std::optional<std::string> web_sessions::redeem(const std::string& ticket, const std::string& app,
                                                std::uint64_t now_ms) {
  auto found = tickets_.find(token_hash(ticket));
  if (found == tickets_.end()) return std::nullopt;
  auto link = found->second;
  tickets_.erase(found);  // one use, whatever happens next
  if (link.app != app || link.expires_ms <= now_ms) return std::nullopt;
  auto session = sessions_.find(link.session_hash);
  if (session == sessions_.end() || !alive(session->second, now_ms)) return std::nullopt;
  if (app_tokens_.size() >= limits_.app_sessions_max) {
    std::erase_if(app_tokens_, [&](const auto& entry) { return !sessions_.count(entry.second.session_hash); });
    if (app_tokens_.size() >= limits_.app_sessions_max) app_tokens_.erase(app_tokens_.begin());
  }
  auto token = random_token_();
  app_tokens_[token_hash(token)] = {link.session_hash, app, 0};
  return token;
}

const web_session* web_sessions::find_app(const std::string& app_token, const std::string& app, std::uint64_t now_ms) {
  auto found = app_tokens_.find(token_hash(app_token));
  if (found == app_tokens_.end() || found->second.app != app) return nullptr;
  auto session = sessions_.find(found->second.session_hash);
  if (session == sessions_.end() || !alive(session->second, now_ms)) {
    app_tokens_.erase(found);
    return nullptr;
  }
  session->second.used_ms = now_ms;
  return &session->second;
}

}  // namespace bucky::gateway
