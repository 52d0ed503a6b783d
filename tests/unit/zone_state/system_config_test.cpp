// system_config: typed documents written only with a revision check, against the
// real state machine.
#define BOOST_TEST_MODULE unit_zone_state_system_config
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "actors/name_service/zone_state_view.hpp"
#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/system_config.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using bucky::testing::key;

namespace {

net::verified_zone_config signed_zone(std::uint64_t version, const net::key_pair& owner, std::size_t nodes = 3) {
  zone_config config;
  config.zone_id = "home.example";
  config.owner_key = owner.public_part().to_text();
  config.version = version;
  for (std::uint8_t n = 1; n <= nodes; ++n) {
    config.nodes.push_back({"n" + std::to_string(n), key(n).public_part().to_text(), "127.0.0.1:710" + std::to_string(n)});
  }
  config.state_nodes = {"n1", "n2", "n3"};
  auto document = net::sign_zone_config(config, owner);
  BOOST_TEST_REQUIRE(document.has_value(), document.error().message());
  return {*document, net::verify_zone_config(*document, std::nullopt).value()};
}

kv_request put(const std::string& key, const std::string& value) {
  kv_request request;
  request.success.push_back({kv_op_kind::put, key, "", value});
  return request;
}

bool refused_with(const status& checked, const std::string& words) {
  return !checked.is_ok() && checked.message().find(words) != std::string::npos;
}

struct fixture {
  memory_kv_backend store;
  kv_response run(const kv_request& request) { return apply_kv_request(store, request); }
};

const user_record alice{"alice", key(7).public_part().to_text(), "admin", ""};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(system_config, fixture)

BOOST_AUTO_TEST_CASE(a_document_is_created_once_and_changed_only_from_the_revision_read) {
  auto absent = read_typed<user_document>("alice", run(read_document_request(system_keys::user("alice"))));
  BOOST_TEST_REQUIRE(absent.has_value());
  BOOST_TEST(!absent->has_value());
  auto created = write_document_answer(system_keys::user("alice"), 0, run(write_typed<user_document>("alice", alice, 0)));
  BOOST_TEST_REQUIRE(created.has_value(), created.error().message());
  // A second "create" loses: the document exists now.
  auto again = write_document_answer(system_keys::user("alice"), 0, run(write_typed<user_document>("alice", alice, 0)));
  BOOST_TEST_REQUIRE(!again.has_value());
  BOOST_TEST((again.error().code() == status_code::already_exists));
  BOOST_TEST(again.error().message().find("at revision " + std::to_string(*created)) != std::string::npos,
             again.error().message());
  auto read = read_typed<user_document>("alice", run(read_document_request(system_keys::user("alice"))));
  BOOST_TEST_REQUIRE(read->has_value());
  BOOST_TEST(((*read)->value == alice));
  BOOST_TEST((*read)->mod_revision == *created);
  // Two writers read the same revision: the first wins, the second is told to re-read.
  auto demoted = alice;
  demoted.public_key = key(9).public_part().to_text();
  auto first = write_document_answer(system_keys::user("alice"), *created,
                                     run(write_typed<user_document>("alice", demoted, *created)));
  BOOST_TEST(first.has_value());
  auto second = write_document_answer(system_keys::user("alice"), *created,
                                      run(write_typed<user_document>("alice", alice, *created)));
  BOOST_TEST(!second.has_value());
  auto now = read_typed<user_document>("alice", run(read_document_request(system_keys::user("alice"))));
  BOOST_TEST(((*now)->value == demoted));
  // A delete also names the revision it read.
  auto stale_delete = run(delete_document_request(system_keys::user("alice"), *created));
  BOOST_TEST(!write_document_answer(system_keys::user("alice"), *created, stale_delete).has_value());
  auto removed = run(delete_document_request(system_keys::user("alice"), (*now)->mod_revision));
  BOOST_TEST(write_document_answer(system_keys::user("alice"), (*now)->mod_revision, removed).has_value());
  BOOST_TEST(!read_typed<user_document>("alice", run(read_document_request(system_keys::user("alice"))))->has_value());
}

BOOST_AUTO_TEST_CASE(the_acl_is_a_typed_document_too_and_invalid_stored_documents_are_reported) {
  auto written = run(write_typed<acl_document>("", default_acl(), 0));
  BOOST_TEST(written.succeeded);
  auto read = read_typed<acl_document>("", run(read_document_request(acl_key)));
  BOOST_TEST_REQUIRE(read->has_value());
  BOOST_TEST(((*read)->value == default_acl()));
  kv_request raw;
  raw.success.push_back({kv_op_kind::put, system_keys::user("bob"), "", "{\"name\": \"bob\"}"});
  run(raw);
  auto broken = read_typed<user_document>("bob", run(read_document_request(system_keys::user("bob"))));
  BOOST_TEST(!broken.has_value());
  BOOST_TEST(broken.error().message().find("\"public_key\" must be a string") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(users_are_validated) {
  BOOST_TEST(!user_document::parse(R"({"name": "Alice", "public_key": "x", "role": "admin"})").has_value());
  BOOST_TEST(user_document::parse(user_document::render(alice)).has_value());
  auto wrong_role = alice;
  wrong_role.role = "root";
  BOOST_TEST(!user_document::parse(user_document::render(wrong_role)).has_value());
  auto owner_name = alice;
  owner_name.name = "owner";
  BOOST_TEST(!user_document::parse(user_document::render(owner_name)).has_value());
  auto bad_key = alice;
  bad_key.public_key = std::string(43, '!');
  BOOST_TEST(!user_document::parse(user_document::render(bad_key)).has_value());

  // The zone state refuses a user stored under another name, a node's name, a
  // node's key, the owner's key.
  auto zone = signed_zone(1, key(100));
  document_context context{key(100).public_part(), [&]() -> std::optional<zone_config> { return zone.config; }};
  auto write_user = [&](const std::string& at, user_record user) {
    sign_user(user, key(100));
    return check_document_writes(put(at, user_document::render(user)), context);
  };
  BOOST_TEST(write_user("/users/alice", alice).is_ok());
  // Issue 18: only records the owner signed (a replica can write any bytes).
  BOOST_TEST(refused_with(check_document_writes(put("/users/alice", user_document::render(alice)), context),
                          "not signed by the owner"));
  auto forged = alice;
  sign_user(forged, key(3));
  BOOST_TEST(refused_with(check_document_writes(put("/users/alice", user_document::render(forged)), context),
                          "not the zone owner's"));
  BOOST_TEST(refused_with(write_user("/users/bob", alice), "a user lives at /users/alice"));
  auto as_node = alice;
  as_node.name = "n2";
  BOOST_TEST(refused_with(write_user("/users/n2", as_node), "the name is taken by a node"));
  auto node_key = alice;
  node_key.public_key = key(3).public_part().to_text();
  BOOST_TEST(refused_with(write_user("/users/alice", node_key), "the key is node n3's"));
  auto owner_key = alice;
  owner_key.public_key = key(100).public_part().to_text();
  BOOST_TEST(refused_with(write_user("/users/alice", owner_key), "the key is the owner's"));
  BOOST_TEST(refused_with(check_document_writes(put("/users/x", "{}"), context), "\"name\" must be a string"));
}

BOOST_AUTO_TEST_CASE(the_zone_config_is_mirrored_signed_and_only_by_its_successors) {
  auto owner = key(100);
  auto v1 = signed_zone(1, owner);
  auto text = zone_config_document::render(v1);
  auto back = zone_config_document::parse(text);
  BOOST_TEST_REQUIRE(back.has_value(), back.error().message());
  BOOST_TEST((back->config == v1.config));
  BOOST_TEST((back->document.signature == v1.document.signature));
  // A person reading it sees the nodes; the readable fields must match the signed ones.
  auto json = nlohmann::json::parse(text);
  BOOST_TEST(json["nodes"][1]["node_id"] == "n2");
  json["nodes"][1]["address"] = "10.0.0.9:7102";
  BOOST_TEST(refused_with(zone_config_document::parse(json.dump()).error(), "readable fields differ"));
  // Every byte of the signed document matters.
  auto tampered = v1;
  tampered.document.config[tampered.document.config.size() / 2] ^= 1;
  auto tampered_json = nlohmann::json::parse(text);
  tampered_json["signed"] = net::signed_zone_config_to_text(tampered.document);
  BOOST_TEST(!zone_config_document::parse(tampered_json.dump()).has_value());
  tampered_json["signed"] = "not base64!";
  BOOST_TEST(!zone_config_document::parse(tampered_json.dump()).has_value());

  // Written through the zone state's gate: the zone's owner, a successor of the mirror.
  std::optional<zone_config> mirrored;
  document_context context{owner.public_part(), [&] { return mirrored; }};
  auto write = [&](const net::verified_zone_config& zone) {
    return check_document_writes(put(system_keys::zone_config, zone_config_document::render(zone)), context);
  };
  BOOST_TEST(write(v1).is_ok());
  mirrored = v1.config;
  BOOST_TEST(write(v1).is_ok());  // the same again: two state nodes raced
  BOOST_TEST(write(signed_zone(2, owner, 4)).is_ok());
  mirrored = signed_zone(2, owner, 4).config;
  BOOST_TEST(refused_with(write(v1), "may not replace the mirrored version 2"));
  auto stranger = key(101);
  BOOST_TEST(refused_with(write(signed_zone(3, stranger, 4)), "not by this zone's owner"));
  // Removing node n4 without revoking its key is no valid successor either.
  BOOST_TEST(refused_with(write(signed_zone(3, owner, 3)), "may not replace"));
}

BOOST_AUTO_TEST_CASE(name_service_reads_users_and_the_mirror_back_and_admits_users_beside_nodes) {
  auto owner = key(100);
  auto zone = signed_zone(2, owner);
  run(write_typed<zone_config_document>("", zone, 0));
  run(write_typed<user_document>("alice", alice, 0));
  auto bob = alice;
  bob.name = "bob";
  bob.public_key = key(8).public_part().to_text();
  run(write_typed<user_document>("bob", bob, 0));
  run(put("/users/carol", R"({"name": "carol"})"));  // written past the gate (an old zone)
  auto view = read_zone_state_view(run(zone_state_view_request()));
  BOOST_TEST_REQUIRE(view.has_value(), view.error().message());
  BOOST_TEST(view->users.size() == 2);
  BOOST_TEST(view->users[0].name == "alice");
  BOOST_TEST(view->mirrored_version == 2);
  BOOST_TEST(view->mirror_mod_revision == 1);
  BOOST_TEST_REQUIRE(view->problems.size() == 1);
  BOOST_TEST(view->problems[0].find("/users/carol") != std::string::npos, view->problems[0]);

  // Users become admins under their names; one colliding with a node is skipped.
  auto users = view->users;
  auto as_node = bob;
  as_node.name = "n1";
  as_node.public_key = key(9).public_part().to_text();
  users.push_back(as_node);
  auto unsigned_dave = bob;
  unsigned_dave.name = "dave";
  unsigned_dave.public_key = key(10).public_part().to_text();
  for (auto& user : users) sign_user(user, owner);
  users.push_back(unsigned_dave);  // a record the owner never signed: nobody's
  std::vector<std::string> skipped;
  auto directory = trusted_directory(zone.config, users, skipped);
  BOOST_TEST_REQUIRE(directory.has_value());
  auto alice_is = directory->authorize(key(7).public_part());
  BOOST_TEST_REQUIRE(alice_is.has_value());
  BOOST_TEST((alice_is->role == net::peer_identity::kind::admin));
  BOOST_TEST(alice_is->name == "alice");
  BOOST_TEST(directory->authorize(owner.public_part())->name == "owner");
  BOOST_TEST(!directory->authorize(key(9).public_part()).has_value());
  BOOST_TEST(!directory->authorize(key(10).public_part()).has_value());
  BOOST_TEST_REQUIRE(skipped.size() == 2);
  BOOST_TEST(skipped[0].find("'n1' appears twice") != std::string::npos, skipped[0]);
  BOOST_TEST(skipped[1].find("user dave is not signed by the owner") != std::string::npos, skipped[1]);
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 18: with an owner known, the zone state refuses a spec its author did not
// sign before it reaches the log (the node that runs it checks again).
BOOST_AUTO_TEST_CASE(a_spec_is_written_only_with_the_signature_of_the_owner_or_an_admin) {
  auto signed_alice = alice;
  sign_user(signed_alice, key(100));
  document_context context{key(100).public_part(), {}, [&] { return std::vector<user_record>{signed_alice}; }};
  service_spec spec;
  spec.name = "photos";
  spec.command = {"/usr/bin/photos"};
  auto write = [&](const service_spec& s) {
    return check_document_writes(put("/services/photos/spec", service_spec_document::render(s)), context);
  };
  BOOST_TEST(refused_with(write(spec), "not signed"));
  auto by_owner = spec;
  sign_spec(by_owner, owner_signer, key(100));
  BOOST_TEST(write(by_owner).is_ok());
  auto by_alice = spec;
  sign_spec(by_alice, "alice", key(7));
  BOOST_TEST(write(by_alice).is_ok());
  auto by_node = spec;
  sign_spec(by_node, "n3", key(3));
  BOOST_TEST(refused_with(write(by_node), "not the owner or an admin"));
  auto altered = by_owner;
  altered.command = {"/bin/sh"};
  BOOST_TEST(refused_with(write(altered), "forged or altered"));
  BOOST_TEST(check_document_writes(put("/services/photos/spec", service_spec_document::render(spec)), {}).is_ok());
}
