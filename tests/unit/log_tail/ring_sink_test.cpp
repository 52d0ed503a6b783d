// ring_sink: bounded memory of recent log lines, read by sequence and level.
#define BOOST_TEST_MODULE log_tail_ring_sink
#include <boost/test/unit_test.hpp>

#include <spdlog/logger.h>

#include "actors/log_tail/ring_sink.hpp"

using namespace bucky;

BOOST_AUTO_TEST_CASE(keeps_only_the_newest_lines_and_filters_by_level_and_sequence) {
  auto sink = std::make_shared<ring_sink>(3);
  sink->set_pattern("%l %v");
  spdlog::logger logger("test", sink);
  logger.set_level(spdlog::level::trace);
  logger.info("one");
  logger.debug("two");
  logger.warn("three");
  logger.info("four");
  auto all = sink->lines_after(0, spdlog::level::trace, 10);
  BOOST_TEST_REQUIRE(all.size() == 3u);
  BOOST_TEST(all[0].sequence == 2u);
  BOOST_TEST(all[0].text == "debug two");
  BOOST_TEST(all[2].text == "info four");
  auto info_up = sink->lines_after(0, spdlog::level::info, 10);
  BOOST_TEST(info_up.size() == 2u);
  auto newer = sink->lines_after(3, spdlog::level::trace, 10);
  BOOST_TEST_REQUIRE(newer.size() == 1u);
  BOOST_TEST(newer[0].sequence == 4u);
  auto last_only = sink->lines_after(0, spdlog::level::trace, 1);
  BOOST_TEST_REQUIRE(last_only.size() == 1u);
  BOOST_TEST(last_only[0].text == "info four");
}
