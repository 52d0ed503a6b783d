// What the node loop reports at /nodes/<node_id>/status: every desired instance
// with the state reconcile gave it, and what its process record says (pid, restarts,
// last exit, last error); then any process still alive that is no longer desired
// (being stopped), and every pointer it refused to run (failed, with the reason). Pure, sorted by instance id, so an unchanged node writes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/node_loop/reconcile.hpp"
#include "actors/node_loop/resolve.hpp"
#include "actors/process_manager/process_table.hpp"

namespace bucky {

// Refused pointers (resolve.hpp) are reported as failed, with the reason.
node_status make_node_status(const std::string& node_id, std::int64_t config_revision,
                             const resolved_instances& desired, const reconcile_plan& plan,
                             const std::vector<process_record>& processes);

}  // namespace bucky
