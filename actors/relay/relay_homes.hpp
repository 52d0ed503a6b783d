// Which home node a gateway node passes a connection to (issue 21). Home nodes say
// hello every few seconds over the session they hold to the gateway node; one
// not heard for fresh_ms is gone (its session broke, or it stopped). Pure: the
// relay actor feeds it hellos and the clock.
//
//   <zone_id>, <app>.<zone_id>   the home node that ranks first for the client's
//                       address (rendezvous hashing over the home nodes there): a
//                       person's panel and apps keep going to the same home node,
//                       whose gateway holds their session and tickets in memory,
//                       while the set of home nodes stays the same; that gateway
//                       reaches an app on another node over the transport
//   anything else       refused: this relay carries one zone
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>
#include <string>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::relay {

class relay_homes {
 public:
  relay_homes(std::string zone_id, std::uint64_t fresh_ms);

  // A hello from `node`; true when it was not there before (for the log).
  bool heard(const std::string& node, std::vector<std::string> apps, std::uint64_t now_ms);
  // Nodes whose last hello is older than fresh_ms, now forgotten.
  std::vector<std::string> expire(std::uint64_t now_ms);
  // Where a connection from `client_address` (its IP) for `server_name` goes.
  result<std::string> choose(const std::string& server_name, const std::string& client_address,
                             std::uint64_t now_ms) const;
  std::size_t size() const { return homes_.size(); }

 private:
  struct home {
    std::set<std::string> apps;
    std::uint64_t heard_ms = 0;
  };
  std::string zone_id_;
  std::uint64_t fresh_ms_;
  std::map<std::string, home> homes_;
};

// The weight of `node` for a client (rendezvous hashing: the highest wins; removing
// a node moves only its own clients). Not secret: a client that picks its address
// picks its home node, nothing more.
std::uint64_t rendezvous_weight(const std::string& client_address, const std::string& node);

}  // namespace bucky::relay
