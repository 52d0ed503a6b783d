#include "apps/bucky_inspect/zone_snapshot.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace bucky::inspect {

using json = nlohmann::json;

const node_view* zone_snapshot::node(const std::string& name) const {
  for (const auto& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::uint64_t replica_lag(const zone_snapshot& zone, const node_view& node) {
  if (!node.replica || !node.replica->error.empty()) return 0;
  std::uint64_t chosen_max = 0;
  for (const auto& n : zone.nodes) {
    if (n.replica && n.replica->error.empty()) chosen_max = std::max(chosen_max, n.replica->chosen_below);
  }
  return chosen_max > node.replica->applied_below ? chosen_max - node.replica->applied_below : 0;
}

void fill_rates(const zone_snapshot* previous, zone_snapshot& current) {
  for (auto& node : current.nodes) {
    const node_view* before = previous ? previous->node(node.name) : nullptr;
    auto elapsed_ms = previous ? current.captured_unix_ms - previous->captured_unix_ms : 0;
    for (auto& actor : node.actors) {
      actor.messages_per_s = -1;
      if (!before || !before->up || elapsed_ms <= 0) continue;
      for (const auto& old : before->actors) {
        if (old.name != actor.name || old.messages_handled > actor.messages_handled) continue;
        actor.messages_per_s = double(actor.messages_handled - old.messages_handled) * 1000.0 / double(elapsed_ms);
      }
    }
  }
}

namespace {

json replica_json(const replica_view& r) {
  if (!r.error.empty()) return {{"error", r.error}};
  return {{"role", r.role}, {"leader", r.leader}, {"ballot", r.ballot}, {"chosen_below", r.chosen_below},
          {"applied_below", r.applied_below}, {"revision", r.revision}};
}

json node_json(const zone_snapshot& zone, const node_view& n) {
  json out = {{"node", n.name}, {"address", n.address}, {"up", n.up}, {"state_node", n.state_node},
              {"drained", n.drained}, {"reports_status", n.reports_status}};
  if (!n.error.empty()) out["error"] = n.error;
  if (n.replica) {
    out["zone_state"] = replica_json(*n.replica);
    if (n.replica->error.empty()) out["zone_state"]["lag"] = replica_lag(zone, n);
  }
  out["restart_budget"] = {{"used", n.restarts_in_period}, {"max", n.restarts_max}, {"period_ms", n.restart_period_ms}};
  out["actors"] = json::array();
  for (const auto& a : n.actors) {
    json row = {{"name", a.name}, {"state", a.state}, {"restarts", a.restarts},
                {"messages_handled", a.messages_handled}, {"mailbox_size", a.mailbox_size},
                {"last_crash_reason", a.last_crash_reason}, {"last_crash_unix_ms", a.last_crash_unix_ms}};
    row["messages_per_s"] = a.messages_per_s < 0 ? json(nullptr) : json(a.messages_per_s);
    out["actors"].push_back(std::move(row));
  }
  out["sessions"] = json::array();
  for (const auto& s : n.sessions) {
    out["sessions"].push_back({{"peer", s.peer}, {"remote_address", s.remote_address}, {"outbound", s.outbound},
                               {"established", s.established}, {"age_ms", s.age_ms}, {"bytes_in", s.bytes_in},
                               {"bytes_out", s.bytes_out}, {"errors", s.errors}});
  }
  if (n.chunks) {
    const auto& c = *n.chunks;
    out["chunk_store"] = c.reachable ? json{{"chunks", c.chunks}, {"bytes", c.bytes}, {"room_bytes", c.room_bytes},
                                            {"disk_free_bytes", c.disk_free_bytes}, {"accepting", c.accepting}}
                                     : json{{"problem", c.problem}};
  }
  out["services"] = json::array();
  for (const auto& i : n.services) {
    out["services"].push_back({{"instance", i.id}, {"desired", i.desired}, {"state", i.state}, {"pid", i.pid},
                               {"restarts", i.restarts}, {"last_exit", i.last_exit}, {"last_error", i.last_error}});
  }
  return out;
}

}  // namespace

json to_json(const zone_snapshot& zone) {
  json out = {{"zone", zone.zone_id},
              {"captured_unix_ms", zone.captured_unix_ms},
              {"leader", zone.leader},
              {"ballot", zone.ballot},
              {"revision", zone.revision},
              {"scheduler", zone.scheduler}};
  if (!zone.zone_state_error.empty()) out["zone_state_error"] = zone.zone_state_error;
  out["nodes"] = json::array();
  for (const auto& n : zone.nodes) out["nodes"].push_back(node_json(zone, n));
  if (zone.files) {
    const auto& f = *zone.files;
    auto reported = [](std::int64_t figure) { return figure < 0 ? json(nullptr) : json(figure); };
    out["files"] = f.error.empty() ? json{{"served_by", f.served_by},
                                          {"asked_unix_ms", f.asked_unix_ms},
                                          {"files", f.files},
                                          {"directories", f.directories},
                                          {"file_bytes", f.file_bytes},
                                          {"complete", f.complete},
                                          {"under_replicated", reported(f.under_replicated)},
                                          {"copies_missing", reported(f.copies_missing)},
                                          {"lost", reported(f.lost)},
                                          {"repair_node", f.repair_node}}
                                   : json{{"error", f.error}, {"asked_unix_ms", f.asked_unix_ms}};
  }
  return out;
}

}  // namespace bucky::inspect
