#include "messages/actor_table.hpp"

namespace bucky {

const char* actor_state_name(actor_state state) {
  switch (state) {
    case actor_state::starting: return "starting";
    case actor_state::running: return "running";
    case actor_state::restarting: return "restarting";
    case actor_state::stopping: return "stopping";
    case actor_state::stopped: return "stopped";
  }
  return "unknown";
}

status actor_status::validate() const {
  if (name.empty() || name.size() > limits::actor_name_bytes_max) {
    return {status_code::invalid_argument,
            "decoding actor_status: name must be 1.." +
                std::to_string(limits::actor_name_bytes_max) + " bytes, got " +
                std::to_string(name.size())};
  }
  if (static_cast<std::uint8_t>(state) > static_cast<std::uint8_t>(actor_state::stopped)) {
    return {status_code::invalid_argument,
            "decoding actor_status '" + name + "': unknown state " +
                std::to_string(static_cast<int>(state))};
  }
  if (last_crash_reason.size() > limits::crash_reason_bytes_max) {
    return {status_code::too_large, "decoding actor_status '" + name + "': crash reason over " +
                                        std::to_string(limits::crash_reason_bytes_max) + " bytes"};
  }
  return {};
}

status actor_table::validate() const {
  for (const auto& row : actors) {
    status valid = row.validate();
    if (!valid.is_ok()) return valid;
  }
  return {};
}

}  // namespace bucky
