#include "actors/runtime/component.hpp"

#include <caf/all.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"

namespace bucky {

namespace {
std::atomic<bool> fault_injection{false};
}  // namespace

void set_fault_injection(bool enabled) { fault_injection.store(enabled); }
bool fault_injection_enabled() { return fault_injection.load(); }

caf::error exit_reason_from_exception(std::exception_ptr& exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, std::string(e.what()));
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, std::string("unknown exception type"));
  }
}

std::string describe_exit_reason(const caf::error& reason) {
  if (!reason) return "normal";
  if (reason == caf::exit_reason::user_shutdown) return "shutdown";
  if (reason == caf::exit_reason::kill) return "killed";
  if (reason == caf::exit_reason::unhandled_exception) return "unhandled exception";
  const auto& context = reason.context();
  if (context.match_elements<std::string>()) return context.get_as<std::string>(0);
  return caf::to_string(reason);
}

component_actor::component_actor(caf::actor_config& config, child_context context)
    : caf::event_based_actor(config),
      context_(std::move(context)),
      log_(logging::get(context_.name)) {
  set_exception_handler(
      [](caf::scheduled_actor*, std::exception_ptr& e) { return exit_reason_from_exception(e); });
  // CAF's defaults print to stdout; a component logs instead. Components that
  // monitor other actors install their own down handler.
  set_down_handler([this](caf::down_msg& down) {
    log_->warn("unhandled down message from actor {}: {}", down.source.id(),
               describe_exit_reason(down.reason));
  });
  set_default_handler([this](caf::scheduled_actor*, caf::message_view& view) -> caf::result<caf::message> {
    auto message = view.move_content_to_message();
    if (message.match_elements<stats_atom>()) {
      auto handled = context_.messages_handled->load(std::memory_order_relaxed);
      auto mailbox_size = static_cast<std::int64_t>(mailbox().size());
      return caf::make_message(handled, mailbox_size);
    }
    if (message.match_elements<crash_atom>() && fault_injection_enabled()) {
      throw std::runtime_error("fault injected: crash requested");
    }
    log_->warn("dropped unexpected message {} from actor {}", caf::to_string(message),
               current_sender() ? std::to_string(current_sender()->id()) : "anonymous");
    return caf::sec::unexpected_message;
  });
}

caf::invoke_message_result component_actor::consume(caf::mailbox_element& element) {
  context_.messages_handled->fetch_add(1, std::memory_order_relaxed);
  return caf::event_based_actor::consume(element);
}

}  // namespace bucky
