// resolve_instances: a node runs only specs the owner and admins wrote, where those
// specs allow it (issue 18: a node key wrote a node config with a command in it and
// the node ran it as root).
#define BOOST_TEST_MODULE unit_node_loop_resolve
#include <boost/test/unit_test.hpp>

#include "actors/node_loop/resolve.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "actors/zone_state/system_config.hpp"

using namespace bucky;

namespace {

const net::key_pair owner_key = net::key_pair::generate();
const std::optional<spec_signers> owner_only = spec_signers_of(owner_key.public_part(), {});

// Signed by the owner, as bucky service add does.
service_spec spec(std::string name, std::uint32_t instances = 1, std::vector<std::string> nodes = {}) {
  service_spec out;
  out.name = std::move(name);
  out.command = {"/usr/bin/" + out.name};
  out.instances = instances;
  out.nodes = std::move(nodes);
  sign_spec(out, owner_signer, owner_key);
  return out;
}

key_value stored(const service_spec& s, std::int64_t revision) {
  return {system_keys::service_spec(s.name), service_spec_document::render(s), revision, revision, 1, 0};
}

node_config config(std::vector<instance_pointer> pointers) { return {"nas", std::move(pointers)}; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_pointer_runs_the_spec_as_stored_now) {
  auto specs = specs_from_range({stored(spec("photos"), 7), stored(spec("music", 2), 9)});
  auto resolved = resolve_instances("nas", config({{"music", 1, 3}, {"photos", 0, 7}}), specs, owner_only);
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
      "nas", config({{"ghost", 0, 1}, {"photos", 1, 7}, {"vault", 0, 8}, {"broken", 0, 9}, {"alias", 0, 10}}), specs,
      owner_only);
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
  auto resolved = resolve_instances("nas", *parsed, specs_from_range({stored(spec("photos"), 7)}), owner_only);
  BOOST_TEST_REQUIRE(resolved.run.size() == 1u);
  BOOST_TEST(resolved.run[0].spec.command == std::vector<std::string>{"/usr/bin/photos"});
  BOOST_TEST(node_config_to_json(*parsed).find("/bin/sh") == std::string::npos);
}

// Issue 18: a stolen state-node key is a Paxos replica's identity and can put any
// bytes in the zone state. What it cannot do is sign: a node runs a spec only when
// the owner, or an admin whose record the owner signed, signed it.
BOOST_AUTO_TEST_CASE(a_node_runs_only_specs_the_owner_or_an_owner_signed_admin_signed) {
  auto carol_key = net::key_pair::generate();
  user_record carol{"carol", carol_key.public_part().to_text(), "admin", ""};
  sign_user(carol, owner_key);
  auto mallory_key = net::key_pair::generate();
  user_record mallory{"mallory", mallory_key.public_part().to_text(), "admin", ""};  // a replica wrote it
  user_record dave{"dave", net::key_pair::generate().public_part().to_text(), "writer", ""};
  sign_user(dave, owner_key);
  auto signers = spec_signers_of(owner_key.public_part(), {carol, mallory, dave});
  BOOST_TEST(signers.count("carol") == 1u);
  BOOST_TEST(signers.count("mallory") == 0u);  // not signed by the owner
  BOOST_TEST(signers.count("dave") == 0u);     // a writer signs nothing

  auto by_carol = spec("backup");
  sign_spec(by_carol, "carol", carol_key);
  auto unsigned_spec = spec("evil");
  unsigned_spec.signed_by.clear();
  unsigned_spec.signature.clear();
  auto by_mallory = spec("mal");
  sign_spec(by_mallory, "mallory", mallory_key);
  auto altered = spec("photos");
  altered.command = {"/bin/sh", "-c", "id > /tmp/x"};  // after the owner signed
  auto claimed = spec("claim");
  sign_spec(claimed, owner_signer, mallory_key);  // says owner, signed by someone else

  auto specs = specs_from_range({stored(by_carol, 1), stored(unsigned_spec, 2), stored(by_mallory, 3),
                                 stored(altered, 4), stored(claimed, 5)});
  auto resolved = resolve_instances(
      "nas", config({{"backup", 0, 1}, {"evil", 0, 2}, {"mal", 0, 3}, {"photos", 0, 4}, {"claim", 0, 5}}), specs,
      signers);
  BOOST_TEST_REQUIRE(resolved.run.size() == 1u);
  BOOST_TEST(resolved.run[0].service == "backup");
  BOOST_TEST_REQUIRE(resolved.refused.size() == 4u);
  for (const auto& refused : resolved.refused) {
    BOOST_TEST(refused.reason.find("sign") != std::string::npos, refused.pointer.service << ": " << refused.reason);
  }
  // A development zone (no owner key) takes specs unsigned.
  BOOST_TEST(resolve_instances("nas", config({{"evil", 0, 2}}), specs, std::nullopt).run.size() == 1u);
}
