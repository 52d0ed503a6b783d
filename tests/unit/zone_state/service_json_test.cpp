// Service specs, node configs and node statuses as JSON: defaults, round trips, and
// refusals that name the field.
#define BOOST_TEST_MODULE unit_zone_state_service_json
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "actors/zone_state/service_json.hpp"
#include "actors/zone_state/system_config.hpp"

using namespace bucky;

namespace {

bool refused(const std::string& text, const std::string& words) {
  auto parsed = parse_service_spec(text);
  if (parsed) return false;
  BOOST_TEST_MESSAGE(parsed.error().message());
  return parsed.error().message().find(words) != std::string::npos;
}

kv_request put(const std::string& key, const std::string& value) {
  kv_request request;
  request.success.push_back({kv_op_kind::put, key, "", value});
  return request;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_minimal_spec_gets_the_defaults_and_round_trips) {
  auto spec = parse_service_spec(R"({"name": "photos", "command": ["/usr/bin/photos", "--port", "8080"]})");
  BOOST_TEST_REQUIRE(spec.has_value(), spec.error().message());
  BOOST_TEST(spec->instances == 1u);
  BOOST_TEST(spec->kind == "app");
  BOOST_TEST((spec->restart == restart_policy::always));
  BOOST_TEST(spec->stop_grace_ms == 5'000u);
  auto full = *spec;
  full.env = {{"LANG", "C.UTF-8"}};
  full.nodes = {"n1", "n2"};
  full.instances = 2;
  full.restart = restart_policy::on_failure;
  full.limits.memory_bytes_max = 1 << 30;
  full.ports = {8080};
  auto back = parse_service_spec(service_spec_to_json(full));
  BOOST_TEST_REQUIRE(back.has_value(), back.error().message());
  BOOST_TEST((*back == full));
}

BOOST_AUTO_TEST_CASE(bad_specs_are_refused_naming_the_field) {
  BOOST_TEST(refused("[1]", "must be a JSON object"));
  BOOST_TEST(refused("{", "not JSON"));
  BOOST_TEST(refused(R"({"command": ["/bin/true"]})", "\"name\" is required"));
  BOOST_TEST(refused(R"({"name": "Photos", "command": ["/bin/true"]})", "\"name\" must be one DNS label"));
  BOOST_TEST(refused(R"({"name": "p", "command": []})", "\"command\" must name the executable"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["true"]})", "absolute path"));
  BOOST_TEST(refused(R"({"name": "p", "command": "/bin/true"})", "\"command\" has the wrong type"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "instance": 2})", "\"instance\" is not a known field"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "instances": 17})", "\"instances\" must be 0..16 (0: stopped)"));
  BOOST_TEST(parse_service_spec(R"({"name": "p", "command": ["/bin/true"], "instances": 0})").has_value());  // stopped
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "instances": -1})", "\"instances\" must be a non-negative"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "instances": 3, "nodes": ["n1", "n2"]})",
                     "allows only 2"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "nodes": ["n1", "n1"]})", "names a node twice"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "restart": "sometimes"})", "\"restart\" must be"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "env": {"1X": "y"}})", "\"env\" name '1X'"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "work_dir": "relative"})", "\"work_dir\""));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "ports": [0]})", "\"ports\" must be 1..65535"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "ports": [70000]})", "\"ports\""));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "limits": {"memory": 1}})",
                     "\"limits\": \"memory\" is not a known field"));
  BOOST_TEST(refused(R"({"name": "p", "command": ["/bin/true"], "restart_backoff_ms_min": 0})",
                     "\"restart_backoff_ms_min\""));
}

BOOST_AUTO_TEST_CASE(node_configs_and_statuses_round_trip_and_are_checked_where_they_are_stored) {
  node_config config{"n1", {}};
  instance_pointer a{"photos", 1, 9};
  config.instances.push_back(a);
  auto back = parse_node_config(node_config_to_json(config));
  BOOST_TEST_REQUIRE(back.has_value(), back.error().message());
  BOOST_TEST((*back == config));
  auto not_a_name = config;
  not_a_name.instances[0].service = "../x";
  BOOST_TEST(!parse_node_config(node_config_to_json(not_a_name)).has_value());
  // What the node loop caches: an instance with its spec, checked on the way back.
  instance_assignment resolved{"photos", 1, 9, *parse_service_spec(R"({"name": "photos", "command": ["/bin/true"], "instances": 2})")};
  auto resolved_back = instance_assignment_from_json(instance_assignment_json(resolved));
  BOOST_TEST_REQUIRE(resolved_back.has_value(), resolved_back.error().message());
  BOOST_TEST((*resolved_back == resolved));
  resolved.instance = 2;
  BOOST_TEST(!instance_assignment_from_json(instance_assignment_json(resolved)).has_value());
  auto twice = config;
  twice.instances.push_back(a);
  BOOST_TEST(parse_node_config(node_config_to_json(twice)).error().message().find("appears twice") != std::string::npos);

  node_status status{"n1", 12, {{"photos", 1, 9, instance_state::backoff, 0, 3, "exit 1", "", {8080}}}};
  auto status_back = parse_node_status(node_status_to_json(status));
  BOOST_TEST_REQUIRE(status_back.has_value(), status_back.error().message());
  BOOST_TEST((*status_back == status));

  // The zone state's gate: a document at another node's or service's key is refused.
  BOOST_TEST(check_document_writes(put("/nodes/n1/config", node_config_to_json(config)), {}).is_ok());
  BOOST_TEST(check_document_writes(put("/nodes/n2/config", node_config_to_json(config)), {}).message().find(
                 "belongs at /nodes/n1/config") != std::string::npos);
  BOOST_TEST(!check_document_writes(put("/nodes/n1/status", "{}"), {}).is_ok());
  BOOST_TEST(!check_document_writes(put("/services/photos/spec", R"({"name": "photos"})"), {}).is_ok());
  BOOST_TEST(check_document_writes(put("/services/photos/spec", R"({"name": "photos", "command": ["/bin/true"]})"), {}).is_ok());
  BOOST_TEST(check_document_writes(put("/services/photos/notes", "anything"), {}).is_ok());
}
