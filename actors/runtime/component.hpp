// The base of every supervised component actor. It gives node_daemon what it needs
// to supervise: a crash keeps its what() in the exit reason, every handled message
// is counted, and a `stats` request is answered with the counters and the mailbox
// length (read on the actor's own thread, where CAF allows it). Unexpected messages
// are logged once and dropped, never printed by CAF.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>

#include <spdlog/logger.h>

namespace bucky {

// What node_daemon hands each child it starts. The counter outlives restarts, so
// messages_handled adds up over every incarnation of the child.
struct child_context {
  std::string node_id;
  std::string name;
  std::shared_ptr<std::atomic<std::uint64_t>> messages_handled =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

class component_actor : public caf::event_based_actor {
 public:
  component_actor(caf::actor_config& config, child_context context);

  const child_context& context() const { return context_; }
  spdlog::logger& log() { return *log_; }

 protected:
  caf::invoke_message_result consume(caf::mailbox_element& element) override;

 private:
  child_context context_;
  std::shared_ptr<spdlog::logger> log_;
};

// Fault injection for tests of the real process (BUCKY_FAULT_INJECTION=1): when on,
// a `crash` message makes any component throw, as a bug would. Off by default.
void set_fault_injection(bool enabled);
bool fault_injection_enabled();

// Turns an exception into an exit reason that keeps its what(); used by every
// actor of the runtime, node_daemon included.
caf::error exit_reason_from_exception(std::exception_ptr& exception);

// The words of an exit reason: the what() of a crash, "normal", "shutdown", ...
std::string describe_exit_reason(const caf::error& reason);

}  // namespace bucky
