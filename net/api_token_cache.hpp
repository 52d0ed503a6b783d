// API tokens whose signature this node has verified, so a client that sends the same
// token with every request costs a lookup instead of an Ed25519 verification (about
// a tenth of a state node's CPU at a few thousand requests per second). Answers are
// exactly check_api_token's: a hit still checks the expiry and the lifetime bound
// now, and only counts for the signer key the caller passes, which is the key the
// node trusts for that name now (a removed user's key is never passed, so its
// cached tokens stop working at once). Bounded: the oldest entry goes first.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/api_token.hpp"

namespace bucky::net {

class api_token_cache {
 public:
  explicit api_token_cache(std::size_t tokens_max = 256);

  status check(std::string_view token, const std::string& zone_id, const public_key& signer,
               std::uint64_t now_unix_s);

  std::size_t size() const { return verified_.size(); }

 private:
  std::size_t tokens_max_;
  std::unordered_map<std::string, public_key> verified_;  // zone_id + '\0' + token -> the key it verified with
  std::deque<std::string> order_;                         // oldest first
};

}  // namespace bucky::net
