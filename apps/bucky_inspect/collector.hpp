// Gathers a zone_snapshot over an admin session: from each node with a session,
// node_daemon's actor table, the transport's sessions and (state nodes) the
// replica's status; then one serializable zone-state read. Each call is bounded by
// call_timeout_ms, so a node that hangs (SIGSTOP) costs one timeout, not a freeze.
// Also carries out the inspector's actions and reads log tails. Blocking; one
// thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/bucky/session.hpp"
#include "apps/bucky_inspect/zone_snapshot.hpp"
#include "messages/admin_action.hpp"
#include "messages/log_tail.hpp"

namespace bucky::inspect {

class collector {
 public:
  // The file system's df counts the whole tree: asked at most this often, the
  // figures in between are the last ones.
  static constexpr std::int64_t files_refresh_ms = 10'000;
  // df waits up to 3 s for each node's chunk store: its call gets at least this.
  static constexpr std::int64_t files_call_timeout_ms_min = 5'000;

  collector(cli::admin_session& session, cli::cli_options options, std::uint64_t call_timeout_ms);

  // A fresh snapshot; actor message rates come from the one before.
  zone_snapshot collect();

  // Lines of `node`'s log at level_min or above after sequence `after` (0: the
  // newest lines_max).
  result<log_tail_reply> log_tail(const std::string& node, std::uint64_t after, int level_min,
                                  std::uint32_t lines_max);

  // Actions; the answer says what happened or why nothing did.
  admin_action_reply restart_actor(const std::string& node, const std::string& actor);
  admin_action_reply step_down(const std::string& node);
  admin_action_reply set_drained(const std::string& node, bool drained);

 private:
  node_view collect_node(const std::string& name);
  void collect_files(zone_snapshot& zone);

  cli::admin_session& session_;
  cli::cli_options options_;
  std::chrono::milliseconds call_timeout_;
  std::optional<zone_snapshot> previous_;
};

}  // namespace bucky::inspect
