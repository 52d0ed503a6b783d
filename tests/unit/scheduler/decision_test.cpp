// One scheduling decision against the real state machine: the snapshot read, the
// placement written in one fenced txn that the zone state's gate accepts, and the
// two ways a decision must fail (deposed scheduler, stale read).
#define BOOST_TEST_MODULE unit_scheduler_decision
#include <boost/test/unit_test.hpp>

#include "actors/scheduler/decision.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"

using namespace bucky;

namespace {

struct zone_state {
  memory_kv_backend store;
  kv_response run(const kv_request& request) { return apply_kv_request(store, request); }
  kv_response put(const std::string& key, const std::string& value) {
    kv_request request;
    request.success.push_back({kv_op_kind::put, key, "", value});
    return run(request);
  }
  scheduler_view view() { return read_scheduler_view(run(scheduler_read_request())).value(); }
  // Take the leader key as a scheduler does; its create_revision fences decisions.
  std::int64_t lead(const std::string& node) { return put(scheduler_leader_key, node).revision; }
};

const char* spec_json = R"({"name": "hb", "command": ["/bin/sh", "-c", "sleep 9"], "instances": 2})";

}  // namespace

BOOST_AUTO_TEST_CASE(a_decision_reads_one_snapshot_and_writes_every_changed_config_at_once) {
  zone_state zone;
  zone.put("/services/hb/spec", spec_json);
  zone.put("/services/broken/spec", R"({"name": "broken"})");
  for (auto node : {"n1", "n2", "n3"}) zone.put(system_keys::node_status(node), "{}");
  auto held = zone.lead("n2");
  auto view = zone.view();
  BOOST_TEST(view.leader == "n2");
  BOOST_TEST(view.leader_create_revision == held);
  BOOST_TEST_REQUIRE(view.input.specs.count("hb") == 1u);
  BOOST_TEST(view.input.specs.at("hb").spec.name == "hb");
  BOOST_TEST_REQUIRE(view.problems.size() == 1u);
  BOOST_TEST(view.problems[0].find("/services/broken/spec") == 0u);
  BOOST_TEST(view.input.live.size() == 3u);

  auto placed = place(view.input);
  auto changed = changed_configs(view, placed);
  BOOST_TEST(changed.size() == 2u);
  BOOST_TEST(describe_changes(view, changed) == "+hb/0@n1 +hb/1@n2");
  auto request = decision_request(view, changed, held);
  BOOST_TEST(check_document_writes(request, {}).is_ok(), check_document_writes(request, {}).message());
  BOOST_TEST(zone.run(request).succeeded);
  auto after = zone.view();
  BOOST_TEST(after.input.current.at("n1").instances.at(0).id() == "hb/0");
  BOOST_TEST(changed_configs(after, place(after.input)).empty());  // nothing more to do
}

BOOST_AUTO_TEST_CASE(a_deposed_scheduler_and_a_stale_read_both_fail_and_write_nothing) {
  zone_state zone;
  zone.put("/services/hb/spec", spec_json);
  for (auto node : {"n1", "n2"}) zone.put(system_keys::node_status(node), "{}");
  auto held = zone.lead("n1");
  auto view = zone.view();
  auto changed = changed_configs(view, place(view.input));
  // The leader key was lost and taken again by n2 (lease expiry): n1's decision fails.
  kv_request drop;
  drop.success.push_back({kv_op_kind::delete_range, scheduler_leader_key});
  zone.run(drop);
  zone.lead("n2");
  auto deposed = zone.run(decision_request(view, changed, held));
  BOOST_TEST(!deposed.succeeded);
  BOOST_TEST(zone.view().input.current.empty());
  // A node config changed after the read: the decision fails whole.
  auto now_held = zone.view().leader_create_revision;
  auto fresh = zone.view();
  zone.put(system_keys::node_config("n2"), node_config_to_json({"n2", {}}));
  auto stale = zone.run(decision_request(fresh, changed_configs(fresh, place(fresh.input)), now_held));
  BOOST_TEST(!stale.succeeded);
  BOOST_TEST(zone.view().input.current.count("n1") == 0u);
}
