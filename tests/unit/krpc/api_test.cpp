// kRPC's plain parts (actors/krpc/identity.hpp, api.hpp): an identity verifies only
// with its node's key, unaltered and unexpired; calls parse into the app's own keys
// and nothing outside them; every refusal maps to the HTTP status the docs promise.
#define BOOST_TEST_MODULE krpc_api
#include <boost/test/unit_test.hpp>

#include "actors/krpc/api.hpp"
#include "actors/krpc/identity.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::krpc;

namespace {

app_identity notes_identity() { return {"notes", "notes/0", "n1", "home.test", 1'000, 1'000 + identity_valid_s}; }

}  // namespace

BOOST_AUTO_TEST_CASE(an_identity_verifies_only_unaltered_unexpired_and_with_its_nodes_key) {
  const std::string token = issue_identity(notes_identity(), testing::key(1));
  auto verified = verify_identity(token, testing::key(1).public_part(), 2'000);
  BOOST_TEST_REQUIRE(verified.has_value(), verified.error().to_string());
  BOOST_TEST((*verified == notes_identity()));
  BOOST_TEST(!verify_identity(token, testing::key(2).public_part(), 2'000).has_value());  // another node's key
  BOOST_TEST(!verify_identity(token, testing::key(1).public_part(), 1'000 + identity_valid_s).has_value());  // expired
  for (std::size_t i = 0; i < token.size(); i += 7) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    BOOST_TEST(!verify_identity(altered, testing::key(1).public_part(), 2'000).has_value(), "altered at " << i);
  }
  BOOST_TEST(!verify_identity("", testing::key(1).public_part(), 2'000).has_value());
  BOOST_TEST(!verify_identity(std::string(5000, 'a'), testing::key(1).public_part(), 2'000).has_value());
}

BOOST_AUTO_TEST_CASE(calls_parse_into_the_apps_own_keys_only) {
  auto put = parse_call({"PUT", "/v1/kv/notes/1", "", "first line"});
  BOOST_TEST_REQUIRE(put.has_value(), put.error().to_string());
  BOOST_TEST((put->what == krpc_call::kind::kv_put));
  auto request = kv_request_for(*put, "notes");
  BOOST_TEST_REQUIRE(request.success.size() == 1u);
  BOOST_TEST(request.success[0].key == "/app-data/notes/notes/1");
  BOOST_TEST(request.success[0].value == "first line");
  auto list = parse_call({"GET", "/v1/kv/?prefix=notes/", "", ""});
  BOOST_TEST_REQUIRE(list.has_value());
  auto listing = kv_request_for(*list, "notes");
  BOOST_TEST(listing.success[0].key == "/app-data/notes/notes/");
  BOOST_TEST(listing.success[0].range_end == "/app-data/notes/notes0");
  for (std::string target : {"/v1/kv/../photos/x", "/v1/kv//etc", "/v1/kv/a%2e%2e", "/v1/kv/", "/v1/kv/a b",
                             "/v1/kv/?prefix=../x"}) {
    auto refused = parse_call({target == "/v1/kv/" ? "PUT" : "GET", target, "", ""});
    BOOST_TEST(!refused.has_value(), target);
  }
  BOOST_TEST(error_answer(parse_call({"GET", "/v1/nothing", "", ""}).error()).status == 404);
  BOOST_TEST(error_answer(parse_call({"POST", "/v1/kv/x", "", ""}).error()).status == 405);
  BOOST_TEST(error_answer(parse_call({"PUT", "/v1/kv/x", "", std::string(krpc_limits::body_bytes_max + 1, 'x')}).error()).status == 413);
}

BOOST_AUTO_TEST_CASE(answers_carry_values_revisions_and_statuses) {
  kv_response got;
  got.revision = 9;
  got.results.resize(1);
  got.results[0].kvs.push_back({"/app-data/notes/notes/1", "first", 3, 7, 1, 0});
  auto answer = answer_for({krpc_call::kind::kv_get, "notes/1", ""}, "notes", got);
  BOOST_TEST(answer.status == 200);
  BOOST_TEST(answer.body == "first");
  BOOST_TEST(answer.revision == 7);
  auto listed = answer_for({krpc_call::kind::kv_list, "notes/", ""}, "notes", got);
  BOOST_TEST(listed.body == R"({"keys":["notes/1"],"more":false})");
  got.results[0].kvs.clear();
  BOOST_TEST(answer_for({krpc_call::kind::kv_get, "notes/2", ""}, "notes", got).status == 404);
  BOOST_TEST(bearer_identity("Bearer x").has_value() == false);
  BOOST_TEST(error_answer(bearer_identity("").error()).status == 401);
  BOOST_TEST(error_answer(status(status_code::permission_denied, "app notes may not write '/x'")).status == 403);
  BOOST_TEST(error_answer(status(status_code::unavailable, "no leader")).status == 503);
  BOOST_TEST(whoami_answer(notes_identity()).body.find(R"("app":"notes")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_calls_reach_only_the_apps_own_folder_and_its_grants) {
  const std::vector<file_root> roots{{"/apps/notes", "/mnt/apps/notes", true}, {"/photos", "/mnt/photos", false},
                                     {"/photos/shared", "/mnt/photos/shared", true}};
  auto own = resolve_file(roots, "/apps/notes/notes/1.txt", true);
  BOOST_TEST_REQUIRE(own.has_value(), own.error().to_string());
  BOOST_TEST(own->below == "notes/1.txt");
  BOOST_TEST(own->root.host_path == "/mnt/apps/notes");
  auto deepest = resolve_file(roots, "/photos/shared/a.jpg", true);  // the deeper grant is writable
  BOOST_TEST_REQUIRE(deepest.has_value());
  BOOST_TEST(deepest->root.zone_path == "/photos/shared");
  BOOST_TEST(resolve_file(roots, "/photos/a.jpg", false).has_value());
  BOOST_TEST(!resolve_file(roots, "/photos/a.jpg", true).has_value());  // granted read-only
  for (std::string outside : {"/apps/mail/x", "/apps/notesx/y", "/apps", "/", "/etc/shadow", "/photosx"}) {
    BOOST_TEST(!resolve_file(roots, outside, false).has_value(), outside);
  }
  auto get = parse_call({"GET", "/v1/files/apps/notes/notes/1.txt", "", ""});
  BOOST_TEST_REQUIRE(get.has_value(), get.error().to_string());
  BOOST_TEST((get->what == krpc_call::kind::file_get));
  BOOST_TEST(get->key == "/apps/notes/notes/1.txt");
  auto list = parse_call({"GET", "/v1/files/photos/", "", ""});
  BOOST_TEST_REQUIRE(list.has_value());
  BOOST_TEST((list->what == krpc_call::kind::file_list));
  BOOST_TEST(list->key == "/photos");
  for (std::string target : {std::string("/v1/files/photos/../etc"), std::string("/v1/files/photos/./x"), std::string("/v1/files/a/.."),
                             std::string("/v1/files/x\0y", 13)}) {
    BOOST_TEST(!parse_call({"GET", target, "", ""}).has_value(), target);
  }
  BOOST_TEST(error_answer(parse_call({"DELETE", "/v1/files/photos/x", "", ""}).error()).status == 405);
  BOOST_TEST(error_answer(resolve_file(roots, "/etc/shadow", false).error()).status == 403);
}
