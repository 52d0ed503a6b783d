// A zone-state request from a local caller that takes its answer as a callback on
// the replica's thread rather than as a CAF response: the etcd API sends these
// from its HTTP thread, two thread handoffs less per request than a request to an
// actor that then answers the HTTP thread. The callback runs exactly once: with the
// replica's answer, or, when the call is dropped unanswered (the replica stopped
// or never got it), with "unavailable" from the destructor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/caller.hpp"
#include "messages/kv_client.hpp"

namespace bucky {

class answer_once {
 public:
  explicit answer_once(std::function<void(kv_client_response)> deliver) : deliver_(std::move(deliver)) {}
  ~answer_once() {
    if (deliver_) {
      kv_client_response dropped;
      dropped.ok = false;
      dropped.error_code = static_cast<std::uint8_t>(status_code::unavailable);
      dropped.error_message = "the zone-state replica stopped before it answered; retry";
      deliver_(std::move(dropped));
    }
  }
  answer_once(const answer_once&) = delete;
  answer_once& operator=(const answer_once&) = delete;

  void operator()(kv_client_response response) {
    auto deliver = std::move(deliver_);
    deliver_ = nullptr;
    if (deliver) deliver(std::move(response));
  }

 private:
  std::function<void(kv_client_response)> deliver_;
};

struct local_kv_call {
  caller from;
  kv_client_request request;
  std::shared_ptr<answer_once> answer;
};

}  // namespace bucky

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::local_kv_call)
