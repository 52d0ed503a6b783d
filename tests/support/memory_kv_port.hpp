// A zone_fs::kv_port over the zone state's own state machine in memory
// (apply_kv_request on a memory_kv_backend): the file-system tests and the
// simulator run the real transaction semantics without a zone. Requests are
// validated as the zone state would (sizes, op counts). Hooks let a test put
// another client's change between a read and a txn, or lose an answer.
#pragma once

#include <functional>

#include "actors/zone_fs/kv_port.hpp"
#include "actors/zone_state/kv_machine.hpp"

namespace bucky::testing {

class memory_kv_port final : public zone_fs::kv_port {
 public:
  result<kv_response> call(const kv_request& request) override {
    ++calls;
    if (!request.compares.empty() && before_txn) {
      auto hook = std::move(before_txn);  // once: the hook may call this port itself
      before_txn = nullptr;
      hook();
    }
    if (status valid = validate(request); !valid.is_ok()) return valid;
    if (fail_next) {
      fail_next = false;
      return status(status_code::unavailable, "memory_kv_port: failing as told");
    }
    kv_response response = apply_kv_request(backend, request);
    if (lose_next_answer && !request.compares.empty()) {
      lose_next_answer = false;
      return status(status_code::timeout, "memory_kv_port: applied, answer lost as told");
    }
    return response;
  }

  memory_kv_backend backend;
  std::function<void()> before_txn;  // runs before the next request with compares
  bool fail_next = false;            // the next request is refused, not applied
  bool lose_next_answer = false;     // the next txn applies but its answer is lost
  std::uint64_t calls = 0;
};

}  // namespace bucky::testing
