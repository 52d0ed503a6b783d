// frame_reader: length-prefixed frames from a byte stream cut anywhere.
#define BOOST_TEST_MODULE net_frame_reader
#include <boost/test/unit_test.hpp>

#include "net/frame_reader.hpp"

using namespace bucky;
using namespace bucky::net;

BOOST_AUTO_TEST_CASE(frames_come_out_whole_whatever_the_cut) {
  bytes stream;
  append_frame(stream, bytes{1, 2, 3});
  append_frame(stream, bytes(1000, 9));
  append_frame(stream, bytes{7});
  for (std::size_t chunk = 1; chunk <= stream.size(); chunk += 13) {
    frame_reader reader(4096);
    std::vector<bytes> frames;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      std::size_t size = std::min(chunk, stream.size() - at);
      reader.feed(std::span(stream).subspan(at, size));
      while (true) {
        auto next = reader.next();
        BOOST_TEST_REQUIRE(next.has_value());
        if (!next->has_value()) break;
        frames.emplace_back((**next).begin(), (**next).end());
      }
    }
    BOOST_TEST_REQUIRE(frames.size() == 3u);
    BOOST_TEST(frames[1].size() == 1000u);
    BOOST_TEST(frames[2] == bytes{7});
    BOOST_TEST(reader.buffered_bytes() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(oversized_length_is_refused_before_the_body_arrives) {
  frame_reader reader(1024);
  bytes header = {0x00, 0x00, 0x04, 0x01};  // 1025
  reader.feed(header);
  auto next = reader.next();
  BOOST_TEST_REQUIRE(!next.has_value());
  BOOST_TEST((next.error().code() == status_code::too_large));
  BOOST_TEST(next.error().message().find("1025") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_four_gigabyte_claim_costs_nothing) {
  frame_reader reader(1024);
  reader.feed(bytes{0xff, 0xff, 0xff, 0xff});
  BOOST_TEST(!reader.next().has_value());
  BOOST_TEST(reader.buffered_bytes() == 4u);
}

BOOST_AUTO_TEST_CASE(zero_length_is_refused) {
  frame_reader reader(1024);
  reader.feed(bytes{0, 0, 0, 0});
  BOOST_TEST(!reader.next().has_value());
}
