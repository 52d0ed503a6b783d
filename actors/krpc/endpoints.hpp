// The kRPC endpoints of this node's running apps (api.hpp says what they serve):
// one Unix socket per app instance in its runtime directory, which the sandbox
// shows at /run/bucky/krpc.sock, with its identity beside it (/run/bucky/identity,
// 0400, the app's uid). Each call's identity must be this node's, unexpired, and of
// the endpoint's own instance; a kv call then goes to the zone state as the app.
//
// Shared by the process manager (opens one before an app starts, closes it when the
// app ends) across its restarts, like the process table. Threads: one accepting
// per endpoint, one per connection (at most krpc_limits::connections_max each).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/krpc/api.hpp"
#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::krpc {

struct node_identity_source {
  std::string node_id;
  std::string zone_id;
  std::shared_ptr<const net::key_pair> key;  // signs the identities
};

class endpoints {
 public:
  explicit endpoints(node_identity_source node);
  ~endpoints();
  endpoints(const endpoints&) = delete;
  endpoints& operator=(const endpoints&) = delete;

  // Writes the identity and listens at <runtime_dir>/krpc.sock (both the app's uid);
  // `roots` are the folders its file calls may reach (api.hpp).
  status open(caf::actor_system& system, const std::string& instance_id, const std::string& app, std::uint32_t uid,
              const std::string& runtime_dir, std::vector<file_root> roots);
  void close(const std::string& instance_id);
  // New identities for those issued more than identity_renew_after_s ago.
  void renew_due(std::int64_t now_unix_s);

  class endpoint;

 private:
  node_identity_source node_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<endpoint>> open_;
};

}  // namespace bucky::krpc
