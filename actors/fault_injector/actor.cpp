#include "actors/fault_injector/actor.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/runtime/atoms.hpp"
#include "actors/zone_state/acl.hpp"
#include "actors/runtime/message_types.hpp"
#include "messages/common/check.hpp"

namespace bucky {

namespace {

class fault_injector : public component_actor {
 public:
  fault_injector(caf::actor_config& actor_config, child_context context, fault_injector_config config)
      : component_actor(actor_config, std::move(context)), config_(std::move(config)) {
    BUCKY_CHECK(config_.faults != nullptr);
  }

  caf::behavior make_behavior() override {
    return {
        [this](const caller& from, fault_request& asked) { return serve(from, asked); },
    };
  }

 private:
  fault_state serve(const caller& from, const fault_request& asked) {
    fault_state out{this->context().node_id, "", ""};
    out.error = apply(from, asked);
    out.faults = config_.faults->describe();
    if (out.error.empty() && asked.what != fault_request::kind::show) {
      log().warn("faults injected by {}: now {}", from.name, out.faults);
    }
    return out;
  }

  // The reason the request is refused, or "" once applied.
  std::string apply(const caller& from, const fault_request& asked) {
    if (auto denied = check_node_action(from, node_action::inject_fault); !denied.is_ok()) return denied.message();
    switch (asked.what) {
      case fault_request::kind::show: return "";
      case fault_request::kind::block: return block(asked.blocked);
      case fault_request::kind::heal:
        config_.faults->set_disk(0, false);
        return block({});
      case fault_request::kind::disk:
        if (asked.disk_delay_ms > injected_faults_limits::disk_delay_ms_max) {
          return fmt::format("disk delay {} ms is over the limit of {} ms", asked.disk_delay_ms,
                             injected_faults_limits::disk_delay_ms_max);
        }
        config_.faults->set_disk(asked.disk_delay_ms, asked.disk_full);
        return "";
      case fault_request::kind::clock_jump:
        if (asked.clock_jump_ms > injected_faults_limits::clock_jump_ms_max) {
          return fmt::format("a clock jump of {} ms is over the limit of {} ms", asked.clock_jump_ms,
                             injected_faults_limits::clock_jump_ms_max);
        }
        config_.faults->jump_clock(asked.clock_jump_ms);
        return "";
    }
    return fmt::format("unknown fault kind {}", static_cast<int>(asked.what));
  }

  std::string block(const std::vector<std::string>& nodes) {
    if (nodes.size() > injected_faults_limits::blocked_max) {
      return fmt::format("{} blocked nodes is over the limit of {}", nodes.size(), injected_faults_limits::blocked_max);
    }
    config_.faults->block_only({nodes.begin(), nodes.end()});
    if (auto transport = system().registry().get<caf::actor>(caf::atom("transport"))) {
      send(transport, peers_atom::value);
    }
    return "";
  }

  fault_injector_config config_;
};

}  // namespace

caf::actor spawn_fault_injector(caf::actor_system& system, const child_context& context,
                                fault_injector_config config) {
  return system.spawn<fault_injector>(context, std::move(config));
}

}  // namespace bucky
