// API bearer tokens: signed by the named person's key, for one zone, until a time.
#define BOOST_TEST_MODULE unit_net_api_token
#include <boost/test/unit_test.hpp>

#include "net/api_token.hpp"
#include "net/api_token_cache.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::key;

namespace {

const std::uint64_t now = 1'800'000'000;

bool refused_with(const status& checked, const std::string& words) {
  return !checked.is_ok() && checked.message().find(words) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_token_verifies_for_its_signer_zone_and_time_only) {
  auto alice = key(1);
  auto token = make_api_token(alice, "home.example", "alice", now + 3'600);
  BOOST_TEST(token.rfind("bucky1.alice.", 0) == 0u);
  BOOST_TEST(read_api_token(token)->name == "alice");
  BOOST_TEST(check_api_token(token, "home.example", alice.public_part(), now).is_ok());
  BOOST_TEST(check_api_token("Bearer " + token, "home.example", alice.public_part(), now).is_ok());
  BOOST_TEST(refused_with(check_api_token(token, "other.example", alice.public_part(), now), "not alice's"));
  BOOST_TEST(refused_with(check_api_token(token, "home.example", key(2).public_part(), now), "not alice's"));
  BOOST_TEST(refused_with(check_api_token(token, "home.example", alice.public_part(), now + 3'600), "expired"));
  auto forever = make_api_token(alice, "home.example", "alice", now + api_token_lifetime_s_max + 10);
  BOOST_TEST(refused_with(check_api_token(forever, "home.example", alice.public_part(), now), "longer than"));
  // Another name or expiry in the same signature does not verify.
  auto renamed = "bucky1.owner." + token.substr(std::string("bucky1.alice.").size());
  BOOST_TEST(!check_api_token(renamed, "home.example", alice.public_part(), now).is_ok());
  auto extended = token;
  extended.replace(extended.find('.', 7) + 1, 10, std::to_string(now + 7'200));
  BOOST_TEST(!check_api_token(extended, "home.example", alice.public_part(), now).is_ok());
  for (std::size_t i = 0; i < token.size(); i += 5) {
    auto broken = token;
    broken[i] = broken[i] == 'A' ? 'B' : 'A';
    BOOST_TEST(!check_api_token(broken, "home.example", alice.public_part(), now).is_ok(), i);
  }
  for (auto junk : {"", "bucky1.", "bucky1.a.b.c", "Bearer x", "bucky1.alice.12x.sig"}) {
    BOOST_TEST(!check_api_token(junk, "home.example", alice.public_part(), now).is_ok(), junk);
  }
}

// The cache answers exactly what check_api_token answers, for every token above,
// whether it is asked first or again, and stays within its bound.
BOOST_AUTO_TEST_CASE(the_token_cache_answers_like_the_check_and_stays_bounded) {
  auto alice = key(1);
  api_token_cache cache(4);
  auto token = make_api_token(alice, "home.example", "alice", now + 3'600);
  std::vector<std::string> tokens = {token, "Bearer " + token, make_api_token(key(2), "home.example", "alice", now + 60),
                                     make_api_token(alice, "home.example", "alice", now + api_token_lifetime_s_max + 9),
                                     "bucky1.alice.12x.sig", ""};
  for (std::size_t i = 0; i < token.size(); i += 7) {
    auto broken = token;
    broken[i] = broken[i] == 'A' ? 'B' : 'A';
    tokens.push_back(broken);
  }
  for (int round = 0; round < 3; ++round) {
    for (const auto& t : tokens) {
      for (const auto& zone : {"home.example", "other.example"}) {
        for (const auto& signer : {alice.public_part(), key(2).public_part()}) {
          for (auto at : {now, now + 3'599, now + 3'600}) {
            auto expected = check_api_token(t, zone, signer, at);
            auto cached = cache.check(t, zone, signer, at);
            BOOST_TEST(cached.is_ok() == expected.is_ok(), t << " " << zone << " " << at);
            BOOST_TEST(cached.message() == expected.message());
            BOOST_TEST(cache.size() <= 4u);
          }
        }
      }
    }
  }
  BOOST_TEST(cache.size() >= 1u);  // valid tokens were kept
}
