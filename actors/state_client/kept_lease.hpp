// A zone-state lease a component keeps alive (the node loop's status lease, the
// scheduler's leader lease): tick() grants one when there is none and renews it
// otherwise, one request at a time. When the zone state says the lease is gone
// (expired while this node was cut off), it is dropped and the next tick grants a
// new one; the owner hears of both through the callbacks. A zone state that does
// not answer loses nothing: the lease is kept until the zone state says otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "actors/state_client/kv_caller.hpp"

namespace bucky {

class kept_lease {
 public:
  using granted_fn = std::function<void(std::int64_t lease)>;
  using lost_fn = std::function<void(std::int64_t lease, const std::string& why)>;

  kept_lease(kv_caller& zone_state, std::int64_t ttl_s, std::uint64_t timeout_ms)
      : zone_state_(zone_state), ttl_s_(ttl_s), timeout_ms_(timeout_ms) {}

  std::int64_t id() const { return id_; }

  // renewed: called after every answer that leaves a lease held.
  void tick(granted_fn granted, lost_fn lost, std::function<void()> renewed = {}) {
    if (busy_) return;
    busy_ = true;
    kv_request request;
    kv_op op;
    op.kind = id_ == 0 ? kv_op_kind::lease_grant : kv_op_kind::lease_keepalive;
    op.lease = id_;
    op.ttl_s = ttl_s_;
    request.success.push_back(op);
    zone_state_.call(request, false, timeout_ms_, [this, granted, lost, renewed](result<kv_response> answer) {
      busy_ = false;
      if (answer && answer->error.empty() && !answer->results.empty()) {
        if (id_ == 0) {
          id_ = answer->results[0].lease;
          granted(id_);
        }
        if (renewed) renewed();
        return;
      }
      // Gone for sure only when the zone state says so; silence keeps it.
      if (id_ != 0 && (answer || answer.error().code() == status_code::not_found)) {
        auto was = id_;
        id_ = 0;
        lost(was, answer ? answer->error : answer.error().message());
      }
    });
  }

 private:
  kv_caller& zone_state_;
  std::int64_t ttl_s_;
  std::uint64_t timeout_ms_;
  std::int64_t id_ = 0;
  bool busy_ = false;
};

}  // namespace bucky
