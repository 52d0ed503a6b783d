// How a local component (name_service, node_loop, scheduler) talks to the zone
// state: a kv request to local_zone_state() under the component's own random client
// id and rising sequence numbers (so the zone state's retry table never confuses two
// components of one process), answered as a result: the kv_response, or a status
// saying why not (no zone state here yet, refused, timed out).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>

#include <caf/all.hpp>

#include "actors/state_client/actor.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/common/status.hpp"

namespace bucky {

class kv_caller {
 public:
  using answer_fn = std::function<void(result<kv_response>)>;

  explicit kv_caller(caf::event_based_actor* self) : self_(self) {
    std::random_device device;
    client_id_ = (static_cast<std::uint64_t>(device()) << 32) | device() | 1;
  }

  void call(kv_request request, bool serializable, std::uint64_t timeout_ms, answer_fn done) {
    auto zone_state = local_zone_state(self_->system());
    if (!zone_state) return done(status(status_code::unavailable, "the zone state does not run on this node yet"));
    kv_client_request call{client_id_, ++sequence_, std::move(request), serializable, 0};
    self_->request(zone_state, std::chrono::milliseconds(timeout_ms), std::move(call))
        .then(
            [done](kv_client_response& answer) {
              if (!answer.ok) return done(status(static_cast<status_code>(answer.error_code), answer.error_message));
              done(std::move(answer.response));
            },
            [done](caf::error& error) { done(status(status_code::unavailable, caf::to_string(error))); });
  }

  void watch(kv_watch_request request, std::uint64_t timeout_ms, std::function<void(result<kv_watch_response>)> done) {
    auto zone_state = local_zone_state(self_->system());
    if (!zone_state) return done(status(status_code::unavailable, "the zone state does not run on this node yet"));
    self_->request(zone_state, std::chrono::milliseconds(timeout_ms), std::move(request))
        .then(
            [done](kv_watch_response& answer) {
              if (!answer.ok) return done(status(static_cast<status_code>(answer.error_code), answer.error_message));
              done(std::move(answer));
            },
            [done](caf::error& error) { done(status(status_code::unavailable, caf::to_string(error))); });
  }

 private:
  caf::event_based_actor* self_;
  std::uint64_t client_id_ = 0;
  std::uint64_t sequence_ = 0;
};

}  // namespace bucky
