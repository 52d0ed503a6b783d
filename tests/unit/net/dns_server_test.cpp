// net/dns_server against reflection (issue 18 #7): a spoofed source must not be able
// to point many or large answers at a victim. One source gets a bounded number of
// answers a second; over UDP an answer much larger than its query is truncated (TC)
// and the whole answer is served over TCP, where the asker's address is proven.
// The server listens on 127.0.0.1; askers bind other loopback addresses.
#define BOOST_TEST_MODULE net_dns_server
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "net/dns_server.hpp"
#include "net/dns_wire.hpp"
#include "net/dns_zone.hpp"
#include "net/zone_config_dns.hpp"
#include "net/zone_config_sign.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/test_keys.hpp"
#include "tests/support/test_zone.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::key;

namespace {

std::shared_ptr<const verified_zone_config> zone() {
  return std::make_shared<verified_zone_config>(bucky::testing::test_zone());
}

struct dns_fixture {
  std::shared_ptr<const verified_zone_config> served = zone();
  dns_server server{dns_server_config{}, [z = served](std::span<const std::uint8_t> message) {
                      return serve_dns_message(*z, message);
                    }};
  std::uint16_t port = 0;
  dns_fixture() {
    auto bound = server.start();
    BOOST_TEST_REQUIRE(bound.has_value());
    port = *bound;
  }
};

// A UDP socket on `source`, reads bounded by a receive timeout.
struct udp_asker {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  udp_asker(const std::string& source, std::uint16_t port, int receive_timeout_ms) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    timeval timeout{receive_timeout_ms / 1000, (receive_timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int buffer_bytes = 1 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  }
  ~udp_asker() { ::close(fd); }
  void send(const std::vector<std::uint8_t>& query) {
    ::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  std::optional<std::vector<std::uint8_t>> receive() {
    std::vector<std::uint8_t> reply(65536);
    auto n = ::recv(fd, reply.data(), reply.size(), 0);
    if (n <= 0) return std::nullopt;
    reply.resize(static_cast<std::size_t>(n));
    return reply;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dns_server_suite, dns_fixture)

BOOST_AUTO_TEST_CASE(one_source_gets_a_bounded_number_of_answers_per_second) {
  constexpr int queries = 300;
  udp_asker victim("127.0.0.2", port, 1'000);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < queries; ++i) victim.send(build_dns_query(static_cast<std::uint16_t>(i), "nas.home.example", dns_type::a));
  int answers = 0;
  while (victim.receive()) ++answers;  // until a second without an answer
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // The burst, plus the refill for however long this took (generously rounded up).
  auto allowed = dns_server_config{}.source_answers_burst_max +
                 dns_server_config{}.source_answers_per_second * (static_cast<std::uint32_t>(seconds) + 1);
  BOOST_TEST_MESSAGE(answers << " answers to " << queries << " queries from one source in " << seconds << " s");
  BOOST_TEST(answers > 0);
  BOOST_TEST(answers <= static_cast<int>(allowed), answers << " answers to " << queries << " queries in " << seconds << " s");
  // Another source is not punished for the first one's queries.
  udp_asker other("127.0.0.3", port, 5'000);
  other.send(build_dns_query(7, "nas.home.example", dns_type::a));
  BOOST_TEST(other.receive().has_value());
}

BOOST_AUTO_TEST_CASE(a_large_answer_over_udp_is_truncated_to_a_few_times_the_query) {
  udp_asker asker("127.0.0.2", port, 5'000);
  auto query = build_dns_query(42, "_bucky.home.example", dns_type::txt);
  asker.send(query);
  auto reply = asker.receive();
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST_MESSAGE("TXT query " << query.size() << " bytes, UDP answer " << reply->size() << " bytes");
  BOOST_TEST(reply->size() <= dns_server_config{}.udp_amplification_max * query.size());
  auto parsed = parse_dns_response(*reply);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed->truncated);
  BOOST_TEST(parsed->answers.empty());
}

BOOST_AUTO_TEST_CASE(the_whole_txt_record_is_served_over_tcp) {
  auto query = build_dns_query(43, "_bucky.home.example", dns_type::txt);
  bucky::testing::raw_socket client(port, "127.0.0.2");
  BOOST_TEST_REQUIRE(client.ok());
  std::string framed{static_cast<char>(query.size() >> 8), static_cast<char>(query.size() & 0xff)};
  framed.append(query.begin(), query.end());
  BOOST_TEST_REQUIRE(client.send(framed));
  auto length = client.read_bytes(2);
  BOOST_TEST_REQUIRE(length.size() == 2u);
  auto got = client.read_bytes(static_cast<std::uint8_t>(length[0]) << 8 | static_cast<std::uint8_t>(length[1]));
  BOOST_TEST_REQUIRE(got.size() > 12u);
  std::vector<std::uint8_t> reply(got.begin(), got.end());
  auto parsed = parse_dns_response(reply);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(!parsed->truncated);
  BOOST_TEST(parsed->answers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_zone_config_is_still_found_through_dns) {
  auto fetched = fetch_zone_config_dns("127.0.0.1", port, "home.example", 5'000);
  BOOST_TEST_REQUIRE(fetched.has_value(), fetched.error().message());
  BOOST_TEST(verify_zone_config(*fetched, key(100).public_part())->version == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
