#include "actors/log_tail/actor.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/zone_state/acl.hpp"
#include "actors/runtime/message_types.hpp"

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
      [this](const caller& from, const log_tail_request& request) -> caf::result<log_tail_reply> {
        // Nodes have no business reading each other's logs.
        if (auto denied = check_node_action(from, node_action::read_log); !denied.is_ok()) {
          return caf::make_error(caf::sec::runtime_error, denied.message());
        }
        log_tail_reply reply;
        reply.node_id = context().node_id;
        reply.newest_sequence = sink_->newest_sequence();
        auto bounded = std::min<std::size_t>(request.lines_max, log_tail_reply_lines_max);
        for (auto& line : sink_->lines_after(request.after_sequence, request.level_min, bounded)) {
          reply.lines.push_back({line.sequence, line.level, std::move(line.text)});
        }
        return reply;
      },
  };
}

}  // namespace bucky
