#include "net/api_token_cache.hpp"

#include "messages/common/check.hpp"

namespace bucky::net {

api_token_cache::api_token_cache(std::size_t tokens_max) : tokens_max_(tokens_max) { BUCKY_CHECK(tokens_max > 0); }

status api_token_cache::check(std::string_view token, const std::string& zone_id, const public_key& signer,
                              std::uint64_t now_unix_s) {
  if (token.substr(0, 7) == "Bearer ") token.remove_prefix(7);
  std::string entry = zone_id;
  entry += '\0';
  entry += token;
  auto found = verified_.find(entry);
  if (found != verified_.end() && found->second == signer) {
    auto claim = read_api_token(token);
    BUCKY_CHECK(claim.has_value());  // it parsed when it was verified
    return check_api_token_lifetime(*claim, now_unix_s);
  }
  auto checked = check_api_token(token, zone_id, signer, now_unix_s);
  if (!checked.is_ok() || found != verified_.end()) return checked;  // (a known token under another key: not kept)
  if (verified_.size() >= tokens_max_) {
    verified_.erase(order_.front());
    order_.pop_front();
  }
  verified_.emplace(entry, signer);
  order_.push_back(std::move(entry));
  BUCKY_CHECK(verified_.size() == order_.size() && verified_.size() <= tokens_max_);
  return checked;
}

}  // namespace bucky::net
