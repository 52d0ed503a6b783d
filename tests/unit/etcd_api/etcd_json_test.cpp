// etcd's v3 JSON gateway bodies: what maps onto the zone state, what is refused
// (naming the field), and answers in etcd's own shape.
#define BOOST_TEST_MODULE unit_etcd_api_etcd_json
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "actors/etcd_api/etcd_json.hpp"
#include "actors/zone_state/kv_machine.hpp"

using namespace bucky;
using json = nlohmann::json;

namespace {

etcd::call parsed(etcd::method what, const std::string& body) {
  auto out = etcd::parse_call(what, body);
  BOOST_TEST_REQUIRE(out.has_value(), out.error().message());
  return *out;
}

std::string refused(etcd::method what, const std::string& body) {
  auto out = etcd::parse_call(what, body);
  BOOST_TEST_REQUIRE(!out.has_value());
  return out.error().message();
}

const etcd::header header{7, 9, 42, 3};

}  // namespace

BOOST_AUTO_TEST_CASE(base64_is_etcds_and_reading_is_lenient) {
  BOOST_TEST(etcd::to_base64("foo") == "Zm9v");
  BOOST_TEST(etcd::to_base64(std::string("\0", 1)) == "AA==");
  BOOST_TEST(etcd::to_base64("") == "");
  BOOST_TEST(etcd::from_base64("AA==", "k").value() == std::string("\0", 1));
  BOOST_TEST(etcd::from_base64("AA", "k").value() == std::string("\0", 1));
  BOOST_TEST(etcd::from_base64("-_8=", "k").value() == "\xfb\xff");
  BOOST_TEST(!etcd::from_base64("Zm9v!", "k").has_value());
  BOOST_TEST((etcd::method_of("/v3/kv/put").value() == etcd::method::put));
  BOOST_TEST(!etcd::method_of("/v3/kv/compact").has_value());
}

BOOST_AUTO_TEST_CASE(kv_bodies_map_onto_zone_state_requests) {
  auto put = parsed(etcd::method::put, R"({"key": "Zm9v", "value": "YmFy", "lease": "12", "prev_kv": true})");
  BOOST_TEST_REQUIRE(put.request.success.size() == 1u);
  BOOST_TEST(put.request.success[0].key == "foo");
  BOOST_TEST(put.request.success[0].value == "bar");
  BOOST_TEST(put.request.success[0].lease == 12);
  BOOST_TEST(put.request.success[0].prev_kv);
  auto range = parsed(etcd::method::range, R"({"key": "Zm9v", "range_end": "Zm9w", "limit": 5, "serializable": true})");
  BOOST_TEST(range.request.success[0].range_end == "fop");
  BOOST_TEST(range.request.success[0].limit == 5u);
  BOOST_TEST(range.serializable);
  auto all = parsed(etcd::method::range, R"({"key": "AA==", "range_end": "AA=="})");
  BOOST_TEST(all.request.success[0].key == std::string("\0", 1));
  auto gone = parsed(etcd::method::delete_range, R"({"key": "Zm9v"})");
  BOOST_TEST((gone.request.success[0].kind == kv_op_kind::delete_range));
  auto txn = parsed(etcd::method::txn, R"({
      "compare": [{"key": "Zm9v", "target": "MOD", "result": "LESS", "mod_revision": "10"},
                  {"key": "Zm9v", "target": 3, "value": "YmFy"}],
      "success": [{"request_put": {"key": "Zm9v", "value": "YmF6"}}],
      "failure": [{"request_range": {"key": "Zm9v"}}]})");
  BOOST_TEST_REQUIRE(txn.request.compares.size() == 2u);
  BOOST_TEST((txn.request.compares[0].target == kv_compare_target::mod_revision));
  BOOST_TEST((txn.request.compares[0].result == kv_compare_result::less));
  BOOST_TEST(txn.request.compares[0].number == 10);
  BOOST_TEST((txn.request.compares[1].target == kv_compare_target::value));  // 3 = VALUE
  BOOST_TEST((txn.request.compares[1].result == kv_compare_result::equal));  // the default
  BOOST_TEST(txn.request.success[0].value == "baz");
  BOOST_TEST((txn.request.failure[0].kind == kv_op_kind::range));
  auto grant = parsed(etcd::method::lease_grant, R"({"TTL": 5})");
  BOOST_TEST(grant.request.success[0].ttl_s == 5);
  BOOST_TEST((parsed(etcd::method::lease_keepalive, R"({"ID": "77"})").request.success[0].lease == 77));
}

BOOST_AUTO_TEST_CASE(what_does_not_map_is_refused_naming_the_field) {
  BOOST_TEST(refused(etcd::method::put, "{") == "the body is not JSON");
  BOOST_TEST(refused(etcd::method::put, R"({"value": "YmFy"})").find("\"key\" is required") != std::string::npos);
  BOOST_TEST(refused(etcd::method::put, R"({"key": "%%%"})").find("\"key\" is not valid base64") != std::string::npos);
  BOOST_TEST(refused(etcd::method::put, R"({"key": "Zm9v", "lease": "x1"})").find("\"lease\" must be an integer") !=
             std::string::npos);
  BOOST_TEST(refused(etcd::method::put, R"({"key": "Zm9v", "valeu": "YmFy"})").find("unknown field \"valeu\"") !=
             std::string::npos);
  BOOST_TEST(refused(etcd::method::range, R"({"key": "Zm9v", "sort_order": "DESCEND"})").find("\"sort_order\" is not supported") !=
             std::string::npos);
  BOOST_TEST(refused(etcd::method::range, R"({"key": "Zm9v", "revision": 3})").find("\"revision\" is not supported") !=
             std::string::npos);
  BOOST_TEST(refused(etcd::method::txn, R"({"success": [{"request_txn": {}}]})").find("\"request_txn\"") != std::string::npos);
  BOOST_TEST(refused(etcd::method::txn, R"({"compare": [{"key": "Zm9v", "target": "LEASE"}]})").find("LEASE") !=
             std::string::npos);
  BOOST_TEST(refused(etcd::method::lease_grant, R"({"TTL": 0})").find("\"TTL\" must be") != std::string::npos);
  BOOST_TEST(refused(etcd::method::lease_revoke, R"({})").find("\"ID\" must name a lease") != std::string::npos);
  // Refusals come back as etcd's gateway errors.
  auto bad = etcd::error_of(etcd::parse_call(etcd::method::put, "{").error());
  BOOST_TEST(bad.http_status == 400);
  BOOST_TEST(json::parse(etcd::render_error(bad))["code"] == 3);
  BOOST_TEST(etcd::error_of(status(status_code::permission_denied, "no")).http_status == 403);
  BOOST_TEST(etcd::error_of(status(status_code::unavailable, "no quorum")).http_status == 503);
}

BOOST_AUTO_TEST_CASE(answers_have_etcds_shape) {
  memory_kv_backend store;
  auto run = [&](const etcd::call& c) { return etcd::render_answer(c, apply_kv_request(store, c.request), header); };
  auto put_answer = json::parse(run(parsed(etcd::method::put, R"({"key": "Zm9v", "value": "YmFy"})")));
  BOOST_TEST(put_answer["header"]["revision"] == "42");
  BOOST_TEST(put_answer["header"]["cluster_id"] == "7");
  BOOST_TEST(!put_answer.contains("prev_kv"));
  auto range = json::parse(run(parsed(etcd::method::range, R"({"key": "Zm9v"})")));
  BOOST_TEST(range["count"] == "1");
  BOOST_TEST(range["kvs"][0]["key"] == "Zm9v");
  BOOST_TEST(range["kvs"][0]["value"] == "YmFy");
  BOOST_TEST(range["kvs"][0]["version"] == "1");
  BOOST_TEST(!range["kvs"][0].contains("lease"));  // zero values are left out
  BOOST_TEST(!range.contains("more"));
  auto keys = json::parse(run(parsed(etcd::method::range, R"({"key": "Zm9v", "keys_only": true})")));
  BOOST_TEST(!keys["kvs"][0].contains("value"));
  auto counted = json::parse(run(parsed(etcd::method::range, R"({"key": "Zm9v", "count_only": true})")));
  BOOST_TEST(!counted.contains("kvs"));
  BOOST_TEST(counted["count"] == "1");
  auto txn = json::parse(run(parsed(etcd::method::txn, R"({
      "compare": [{"key": "Zm9v", "target": "VALUE", "value": "YmFy"}],
      "success": [{"request_put": {"key": "Zm9v", "value": "YmF6", "prev_kv": true}}, {"request_range": {"key": "Zm9v"}}]})")));
  BOOST_TEST(txn["succeeded"] == true);
  BOOST_TEST(txn["responses"][0]["response_put"]["prev_kv"]["value"] == "YmFy");
  BOOST_TEST(txn["responses"][1]["response_range"]["kvs"][0]["value"] == "YmF6");
  auto failed = json::parse(run(parsed(etcd::method::txn, R"({"compare": [{"key": "Zm9v", "target": "VERSION", "version": 9}]})")));
  BOOST_TEST(!failed.contains("succeeded"));
  auto grant = json::parse(run(parsed(etcd::method::lease_grant, R"({"TTL": "5"})")));
  BOOST_TEST(grant["TTL"] == "5");
  BOOST_TEST(grant["ID"] != "0");
  auto deleted = json::parse(run(parsed(etcd::method::delete_range, R"({"key": "Zm9v", "prev_kv": true})")));
  BOOST_TEST(deleted["deleted"] == "1");
  BOOST_TEST(deleted["prev_kvs"][0]["value"] == "YmF6");
}
