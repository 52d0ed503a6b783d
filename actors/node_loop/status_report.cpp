#include "actors/node_loop/status_report.hpp"

#include <algorithm>
#include <map>

namespace bucky {

namespace {

void fill_from(instance_status& out, const process_record& record) {
  out.pid = record.now == observed_instance::phase::running || record.now == observed_instance::phase::stopping
                ? record.pid
                : 0;
  out.restarts = record.restarts;
  out.last_exit = record.last_exit;
  out.last_error = record.last_error;
  if (!record.host_ports.empty()) out.ports = record.host_ports;  // an app's: where the node forwards to it
}

}  // namespace

node_status make_node_status(const std::string& node_id, std::int64_t config_revision,
                             const resolved_instances& desired, const reconcile_plan& plan,
                             const std::vector<process_record>& processes) {
  std::map<std::string, const process_record*> by_id;
  for (const auto& record : processes) by_id[record.assignment.id()] = &record;
  node_status status{node_id, config_revision, {}};
  for (const auto& wanted : desired.run) {
    instance_status out;
    out.service = wanted.service;
    out.instance = wanted.instance;
    out.spec_revision = wanted.spec_revision;
    auto state = plan.states.find(wanted.id());
    out.state = state == plan.states.end() ? instance_state::starting : state->second;
    // A plain service listens on the host's ports; an app only in its own network
    // namespace, reachable once the node forwards a port of its own to it: until
    // then it has no port to report (a gateway would send requests nowhere).
    if (wanted.spec.sandbox.package.empty()) out.ports = wanted.spec.ports;
    if (auto found = by_id.find(wanted.id()); found != by_id.end()) {
      fill_from(out, *found->second);
      if (found->second->assignment.spec_revision != wanted.spec_revision) out.restarts = 0;
    }
    status.instances.push_back(std::move(out));
  }
  for (const auto& record : processes) {
    const auto& a = record.assignment;
    bool wanted = std::any_of(desired.run.begin(), desired.run.end(),
                              [&](const auto& d) { return d.id() == a.id(); });
    if (wanted || record.now != observed_instance::phase::stopping) continue;
    instance_status out;
    out.service = a.service;
    out.instance = a.instance;
    out.spec_revision = a.spec_revision;
    out.state = instance_state::stopping;
    fill_from(out, record);
    status.instances.push_back(std::move(out));
  }
  for (const auto& refused : desired.refused) {
    instance_status out;
    out.service = refused.pointer.service;
    out.instance = refused.pointer.instance;
    out.spec_revision = refused.pointer.spec_revision;
    out.state = instance_state::failed;
    out.last_error = "not run: " + refused.reason;
    status.instances.push_back(std::move(out));
  }
  std::sort(status.instances.begin(), status.instances.end(), [](const auto& x, const auto& y) { return x.id() < y.id(); });
  return status;
}

}  // namespace bucky
