// log_tail: serves the node's recent log lines from a ring_sink. Asked with
// (tail, after_sequence, level_min, lines_max) it answers the matching lines as
// "sequence<TAB>text" strings, oldest first.
#pragma once

#include <memory>

#include <caf/event_based_actor.hpp>

#include "actors/log_tail/ring_sink.hpp"
#include "actors/runtime/component.hpp"

namespace bucky {

inline constexpr std::size_t log_tail_reply_lines_max = 1'000;

class log_tail_actor : public component_actor {
 public:
  log_tail_actor(caf::actor_config& config, child_context context,
                 std::shared_ptr<ring_sink> sink);
  caf::behavior make_behavior() override;

 private:
  std::shared_ptr<ring_sink> sink_;
};

}  // namespace bucky
