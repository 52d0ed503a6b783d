#include "actors/node_daemon/table_format.hpp"

#include <ctime>

#include <fmt/format.h>

namespace bucky {

std::string format_unix_ms(std::int64_t unix_ms) {
  if (unix_ms == 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", text, unix_ms % 1000);
}

std::string format_actor_table(const actor_table& table) {
  std::string out = fmt::format(
      "node {}: {} supervised actors; restart budget used {}/{} in {} ms; at {}\n",
      table.node_id, table.actors.size(), table.restarts_in_period, table.restarts_max,
      table.restart_period_ms, format_unix_ms(table.captured_unix_ms));
  out += fmt::format("{:<10}  {:<10}  {:>8}  {:>10}  {:>7}  {}\n", "ACTOR", "STATE", "RESTARTS",
                     "HANDLED", "MAILBOX", "LAST CRASH");
  for (const auto& row : table.actors) {
    std::string mailbox = row.mailbox_size < 0 ? "?" : std::to_string(row.mailbox_size);
    std::string crash = row.last_crash_unix_ms == 0
                            ? "-"
                            : format_unix_ms(row.last_crash_unix_ms) + " " + row.last_crash_reason;
    out += fmt::format("{:<10}  {:<10}  {:>8}  {:>10}  {:>7}  {}\n", row.name,
                       actor_state_name(row.state), row.restart_count, row.messages_handled,
                       mailbox, crash);
  }
  return out;
}

}  // namespace bucky
