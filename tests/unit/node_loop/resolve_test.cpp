// resolve_instances: a node runs only specs the owner and admins wrote, where those
// specs allow it (issue 18: a node key wrote a node config with a command in it and
// the node ran it as root).
#define BOOST_TEST_MODULE unit_node_loop_resolve
#include <boost/test/unit_test.hpp>

#include "actors/node_loop/resolve.hpp"
#include "actors/zone_state/system_config.hpp"

using namespace bucky;

namespace {

service_spec spec(std::string name, std::uint32_t instances = 1, std::vector<std::string> nodes = {}) {
  service_spec out;
  out.name = std::move(name);
  out.command = {"/usr/bin/" + out.name};
  out.instances = instances;
  out.nodes = std::move(nodes);
  return out;
}

key_value stored(const service_spec& s, std::int64_t revision) {
  return {system_keys::service_spec(s.name), service_spec_document::render(s), revision, revision, 1, 0};
}

node_config config(std::vector<instance_pointer> pointers) { return {"nas", std::move(pointers)}; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_pointer_runs_the_spec_as_stored_now) {
  auto specs = specs_from_range({stored(spec("photos"), 7), stored(spec("music", 2), 9)});
  auto resolved = resolve_instances("nas", config({{"music", 1, 3}, {"photos", 0, 7}}), specs);
  BOOST_TEST_REQUIRE(resolved.run.size() == 2u);
  BOOST_TEST(resolved.refused.empty());
  BOOST_TEST(resolved.run[0].id() == "music/1");
  BOOST_TEST(resolved.run[0].spec_revision == 9);  // not the scheduler's 3
  BOOST_TEST(resolved.run[0].spec.command.at(0) == "/usr/bin/music");
  BOOST_TEST(resolved.run[1].id() == "photos/0");
}

BOOST_AUTO_TEST_CASE(pointers_outside_what_the_specs_allow_are_refused_with_the_reason) {
  auto only_mini = spec("vault", 1, {"mini"});
  std::vector<key_value> kvs{stored(spec("photos"), 7), stored(only_mini, 8)};
  kvs.push_back({"/services/broken/spec", "{not json", 9, 9, 1, 0});
  kvs.push_back({"/services/alias/spec", service_spec_document::render(spec("photos")), 10, 10, 1, 0});
  auto specs = specs_from_range(kvs);
  auto resolved = resolve_instances(
      "nas", config({{"ghost", 0, 1}, {"photos", 1, 7}, {"vault", 0, 8}, {"broken", 0, 9}, {"alias", 0, 10}}), specs);
  BOOST_TEST(resolved.run.empty());
  BOOST_TEST_REQUIRE(resolved.refused.size() == 5u);
  auto reason = [&](const std::string& service) {
    for (const auto& r : resolved.refused) {
      if (r.pointer.service == service) return r.reason;
    }
    return std::string("(not refused)");
  };
  BOOST_TEST(reason("ghost").find("no service spec") != std::string::npos, reason("ghost"));
  BOOST_TEST(reason("photos").find("has 1") != std::string::npos, reason("photos"));
  BOOST_TEST(reason("vault").find("does not allow node nas") != std::string::npos, reason("vault"));
  BOOST_TEST(reason("broken").find("invalid") != std::string::npos, reason("broken"));
  BOOST_TEST(reason("alias").find("names service photos") != std::string::npos, reason("alias"));
}

// The attack itself: a node config that carries its own command. The command is not
// even read: the JSON holds pointers only, and a "spec" inside is ignored.
BOOST_AUTO_TEST_CASE(a_command_inside_a_node_config_is_never_run) {
  auto evil = R"({"node_id":"nas","instances":[{"service":"photos","instance":0,"spec_revision":7,
                  "spec":{"name":"photos","command":["/bin/sh","-c","id > /tmp/x"]}}]})";
  auto parsed = parse_node_config(evil);
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().message());
  auto resolved = resolve_instances("nas", *parsed, specs_from_range({stored(spec("photos"), 7)}));
  BOOST_TEST_REQUIRE(resolved.run.size() == 1u);
  BOOST_TEST(resolved.run[0].spec.command == std::vector<std::string>{"/usr/bin/photos"});
  BOOST_TEST(node_config_to_json(*parsed).find("/bin/sh") == std::string::npos);
}
