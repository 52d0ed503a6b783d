// A signed-in person's way into the zone for the panel's calls, and the helpers its
// views share (answers, errors in words with their HTTP status).
#pragma once

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/gateway/api_backend.hpp"
#include "apps/bucky/fs_client.hpp"
#include "apps/panel/panel_backend.hpp"

namespace bucky::panel {

struct panel_link : gateway::person_link {
  cli::fs_target target;  // the person's admin session, and the node of file calls
  cli::cli_options options;
  std::mutex files_mutex;  // file calls of one person, one at a time (they set target.node)
  cli::admin_session& session() { return target.session; }
  // Points target.node at a node with a session now; false when there is none.
  bool pick_file_node();
};

gateway::api_answer json_answer(const nlohmann::json& body, unsigned status_code = 200);
gateway::api_answer error_answer(const status& problem);
gateway::api_answer error_answer(unsigned status_code, const std::string& message);

// The JSON body of a call, or nullopt (with the answer to send) when it is not an object.
std::optional<nlohmann::json> json_body(const gateway::api_call& call, gateway::api_answer& refusal);

// Views (panel_views.cpp, panel_files.cpp, panel_users.cpp).
gateway::api_answer nodes_view(panel_link& link);
gateway::api_answer apps_view(panel_link& link);
gateway::api_answer files_call(panel_link& link, const gateway::api_call& call, std::uint64_t file_bytes_max);
gateway::api_answer users_call(panel_link& link, const gateway::api_call& call);
gateway::api_answer apps_call(panel_link& link, const gateway::api_call& call);

}  // namespace bucky::panel
