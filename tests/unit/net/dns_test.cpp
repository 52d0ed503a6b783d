// The name service's DNS: queries parsed strictly, answers built to the RFCs, and
// what a zone answers for each name.
#define BOOST_TEST_MODULE unit_net_dns
#include <boost/test/unit_test.hpp>

#include "net/dns_wire.hpp"
#include "net/dns_zone.hpp"
#include "net/zone_config_sign.hpp"
#include "net/zone_config_txt.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/test_zone.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::key;

namespace {

// A node activated but not yet reachable ("new") besides nas and mini.
verified_zone_config zone() { return bucky::testing::test_zone({{"new", key(3).public_part().to_text(), ""}}); }

dns_response ask(const std::string& name, std::uint16_t type, bool edns = true) {
  auto query = build_dns_query(0x1234, name, type);
  if (!edns) {  // drop the OPT record: a classic 512-byte asker
    query.resize(query.size() - 11);
    query[11] = 0;
  }
  auto reply = serve_dns_message(zone(), query);
  BOOST_TEST_REQUIRE(reply.has_value());
  auto parsed = parse_dns_response(*reply);
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().message());
  BOOST_TEST(parsed->id == 0x1234);
  return *parsed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(nodes_answer_with_their_addresses) {
  auto a = ask("nas.home.example", dns_type::a);
  BOOST_TEST((a.rcode == dns_rcode::noerror));
  BOOST_TEST_REQUIRE(a.answers.size() == 1u);
  BOOST_TEST((a.answers[0].data == std::vector<std::uint8_t>{192, 168, 1, 10}));
  auto v6 = ask("MINI.Home.Example", dns_type::aaaa);  // names are case-insensitive
  BOOST_TEST_REQUIRE(v6.answers.size() == 1u);
  BOOST_TEST(v6.answers[0].data.size() == 16u);
  BOOST_TEST(v6.answers[0].data[0] == 0xfd);
  // Known names without a record of that type: empty, not an error.
  BOOST_TEST(ask("mini.home.example", dns_type::a).answers.empty());
  BOOST_TEST((ask("new.home.example", dns_type::a).rcode == dns_rcode::noerror));
  BOOST_TEST((ask("garage.home.example", dns_type::a).rcode == dns_rcode::nxdomain));
  BOOST_TEST((ask("x.nas.home.example", dns_type::a).rcode == dns_rcode::nxdomain));
  BOOST_TEST((ask("example.org", dns_type::a).rcode == dns_rcode::refused));
  BOOST_TEST((ask("xhome.example", dns_type::a).rcode == dns_rcode::refused));
}

BOOST_AUTO_TEST_CASE(the_txt_record_carries_the_signed_config_and_needs_edns) {
  auto txt = ask("_bucky.home.example", dns_type::txt);
  BOOST_TEST_REQUIRE(txt.answers.size() == 1u);
  auto strings = txt_strings(txt.answers[0].data);
  BOOST_TEST_REQUIRE(strings.has_value());
  auto document = parse_zone_config_txt(*strings);
  BOOST_TEST_REQUIRE(document.has_value(), document.error().message());
  BOOST_TEST(verify_zone_config(*document, key(100).public_part())->version == 3u);
  // Too big for 512 bytes: no records, TC set (the asker retries with EDNS or TCP).
  auto classic = ask("_bucky.home.example", dns_type::txt, false);
  BOOST_TEST(classic.truncated);
  BOOST_TEST(classic.answers.empty());
}

BOOST_AUTO_TEST_CASE(malformed_queries_get_formerr_or_nothing) {
  auto query = build_dns_query(7, "nas.home.example", dns_type::a);
  for (std::size_t cut = 12; cut < query.size() - 11; ++cut) {  // every truncation of the question
    auto reply = serve_dns_message(zone(), std::span<const std::uint8_t>(query.data(), cut));
    BOOST_TEST_REQUIRE(reply.has_value());
    BOOST_TEST((parse_dns_response(*reply)->rcode == dns_rcode::formerr), "cut at " << cut);
  }
  BOOST_TEST(!serve_dns_message(zone(), std::span<const std::uint8_t>(query.data(), 5)).has_value());
  auto pointer = query;
  pointer[12] = 0xC0;  // a compression pointer in the question
  BOOST_TEST((parse_dns_response(*serve_dns_message(zone(), pointer))->rcode == dns_rcode::formerr));
  auto update = query;
  update[2] |= 0x28;  // opcode 5 (UPDATE)
  BOOST_TEST((parse_dns_response(*serve_dns_message(zone(), update))->rcode == dns_rcode::notimp));
  auto response = query;
  response[2] |= 0x80;  // a response: never answered (no reflection loops)
  BOOST_TEST(!serve_dns_message(zone(), response).has_value());
}

BOOST_AUTO_TEST_CASE(responses_with_loops_or_overruns_are_refused) {
  std::vector<std::uint8_t> loop = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  BOOST_TEST(!parse_dns_response(loop).has_value());
  BOOST_TEST(!txt_strings(std::vector<std::uint8_t>{5, 'a', 'b'}).has_value());
}
