// system_config: typed documents written only with a revision check, against the
// real state machine.
#define BOOST_TEST_MODULE unit_state_store_system_config
#include <boost/test/unit_test.hpp>

#include "actors/state_store/kv_machine.hpp"
#include "actors/state_store/system_config.hpp"

using namespace bucky;

namespace {

struct fixture {
  memory_kv_backend store;
  kv_response run(const kv_request& request) { return apply_kv_request(store, request); }
};

const user_record alice{"alice", std::string(43, 'A'), "admin"};

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
  demoted.role = "user";
  auto first = write_document_answer(system_keys::user("alice"), *created,
                                     run(write_typed<user_document>("alice", demoted, *created)));
  BOOST_TEST(first.has_value());
  auto second = write_document_answer(system_keys::user("alice"), *created,
                                      run(write_typed<user_document>("alice", alice, *created)));
  BOOST_TEST(!second.has_value());
  auto now = read_typed<user_document>("alice", run(read_document_request(system_keys::user("alice"))));
  BOOST_TEST((*now)->value.role == "user");
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
}

BOOST_AUTO_TEST_SUITE_END()
