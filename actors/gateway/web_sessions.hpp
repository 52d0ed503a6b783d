// The people signed in at this node's gateway (issue 21). A session is created by a
// sign-in with the password that opened the person's key (net/password_box.hpp), and
// holds that key in memory only: it never leaves the node, and a restart of the
// node signs everyone out. The browser holds a random token (cookie __Host-bucky,
// HttpOnly, Secure, SameSite=Strict) and a second one it must send back in a header
// on every change (X-CSRF-Token): another site's page can make the browser send the
// cookie, not read the CSRF token.
//
// Apps at <app>.<zone_id> never see the panel's cookie: the panel hands the browser
// a ticket (one use, one app, ticket_ttl_ms), which the app's host trades for a
// cookie of its own (__Host-bucky-app), tied to the session (sign-out ends both).
//
// Tokens are looked up by their BLAKE2b hash, never compared as text. Bounded: at
// most sessions_max sessions, sessions_per_user_max each (the oldest goes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/keys.hpp"

namespace bucky::gateway {

struct web_session_limits {
  std::uint64_t idle_ms_max = 12 * 3600'000ull;       // unused this long: signed out
  std::uint64_t lifetime_ms_max = 7 * 24 * 3600'000ull;  // signed out after this anyway
  std::uint64_t ticket_ttl_ms = 60'000;
  std::size_t sessions_max = 1024;
  std::size_t sessions_per_user_max = 32;
  std::size_t tickets_max = 1024;
  std::size_t app_sessions_max = 4096;
};

struct web_session {
  std::string user;  // "owner" or a user of /users/
  std::string role;  // "owner", "admin", "writer", "reader"
  std::shared_ptr<const net::key_pair> key;
  std::string csrf_token;
  std::uint64_t created_ms = 0;
  std::uint64_t used_ms = 0;
};

class web_sessions {
 public:
  // `random_token` gives a fresh unguessable token (sodium in production).
  web_sessions(web_session_limits limits, std::function<std::string()> random_token);

  // A new session; its token (the cookie's value).
  std::string create(web_session session, std::uint64_t now_ms);
  // The live session of a token (touching it), or nullptr: unknown, idle too long, too old.
  const web_session* find(const std::string& token, std::uint64_t now_ms);
  void remove(const std::string& token);
  // Every session of `user` (their password was reset, they were removed).
  std::size_t remove_user(const std::string& user);

  // A ticket for `app` from the session of `token` ("" if that session is gone).
  std::string ticket(const std::string& token, const std::string& app, std::uint64_t now_ms);
  // Trades a ticket for an app token (the app host's cookie), once; nullopt when the
  // ticket is unknown, used, expired, for another app or its session ended.
  std::optional<std::string> redeem(const std::string& ticket, const std::string& app, std::uint64_t now_ms);
  // The session behind an app token for `app`, or nullptr.
  const web_session* find_app(const std::string& app_token, const std::string& app, std::uint64_t now_ms);

  std::size_t size() const { return sessions_.size(); }
  bool contains_hash(const std::string& hash) const { return sessions_.count(hash) > 0; }
  // Drops every session past its idle time or lifetime, and expired tickets.
  std::size_t expire(std::uint64_t now_ms);

 private:
  struct linked {
    std::string session_hash;
    std::string app;
    std::uint64_t expires_ms = 0;  // tickets only
  };
  bool alive(const web_session& session, std::uint64_t now_ms) const;
  void drop_oldest_of(const std::string& user);
  void drop_oldest();

  web_session_limits limits_;
  std::function<std::string()> random_token_;
  std::map<std::string, web_session> sessions_;  // by token hash
  std::map<std::string, linked> tickets_;        // by ticket hash
  std::map<std::string, linked> app_tokens_;     // by token hash
};

// BLAKE2b-256 of a token, hex: the key it is stored under.
std::string token_hash(const std::string& token);
// 32 random bytes, base64url.
std::string random_web_token();

}  // namespace bucky::gateway
