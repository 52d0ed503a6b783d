#include "actors/log_tail/actor.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/runtime/atoms.hpp"

namespace bucky {

log_tail_actor::log_tail_actor(caf::actor_config& config, child_context context,
                               std::shared_ptr<ring_sink> sink)
    : component_actor(config, std::move(context)), sink_(std::move(sink)) {}

caf::behavior log_tail_actor::make_behavior() {
  return {
      [this](tail_atom, std::uint64_t after_sequence, int level_min,
             std::uint32_t lines_max) -> std::vector<std::string> {
        auto bounded = std::min<std::size_t>(lines_max, log_tail_reply_lines_max);
        std::vector<std::string> out;
        for (auto& line : sink_->lines_after(after_sequence, level_min, bounded)) {
          out.push_back(std::to_string(line.sequence) + "\t" + line.text);
        }
        return out;
      },
  };
}

}  // namespace bucky
