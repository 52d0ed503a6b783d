// append_log: records come back in order across segments and reopenings; a write
// torn by a crash at the end of the newest segment is zeroed, damage anywhere else
// refuses to open; old segments go on request; nothing half-created survives.
#define BOOST_TEST_MODULE storage_append_log
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "storage/append_log.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using bucky::storage::append_log;
using bucky::testing::temp_dir;

namespace {

constexpr std::size_t segment_bytes = 64 * 1024;

storage::append_log_options small_segments(const std::string& dir) {
  storage::append_log_options options;
  options.dir = dir;
  options.segment_size_bytes = segment_bytes;
  options.record_size_bytes_max = 16 * 1024;
  return options;
}

struct opened {
  std::unique_ptr<append_log> log;
  std::vector<std::string> records;
  std::vector<std::uint64_t> record_segments;
};

result<opened> open_log(const storage::append_log_options& options) {
  opened o;
  auto log = append_log::open(options, [&](std::uint64_t segment, std::string_view payload) {
    o.records.emplace_back(payload);
    o.record_segments.push_back(segment);
    return status{};
  });
  if (!log) return log.error();
  o.log = std::move(*log);
  return o;
}

// Appends, starting a segment when the current one is full (as acceptor_log does).
void append(append_log& log, const std::string& payload) {
  if (!log.fits(payload.size())) BOOST_TEST_REQUIRE(log.start_segment().is_ok());
  BOOST_TEST_REQUIRE(log.append(payload).is_ok());
}

void overwrite(const std::string& path, std::uint64_t offset, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST_REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)) ==
                     static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

}  // namespace

BOOST_AUTO_TEST_CASE(records_come_back_in_order_across_segments_and_reopenings) {
  temp_dir dir;
  std::vector<std::string> written;
  {
    auto o = open_log(small_segments(dir.path.string()));
    BOOST_TEST_REQUIRE(o.has_value(), o.error().to_string());
    BOOST_TEST(o->log->segments().empty());
    BOOST_TEST(!o->log->fits(10));  // no segment yet
    for (int i = 0; i < 40; ++i) {
      written.push_back(std::string(100 + i * 150, static_cast<char>('a' + i % 26)));
      append(*o->log, written.back());
    }
    BOOST_TEST(o->log->segments().size() > 2u);
  }
  auto o = open_log(small_segments(dir.path.string()));
  BOOST_TEST_REQUIRE(o.has_value(), o.error().to_string());
  BOOST_TEST(o->records == written, boost::test_tools::per_element());
  BOOST_TEST(o->log->torn_bytes_zeroed() == 0u);
  // Appends continue where the newest segment's records end.
  append(*o->log, "after reopening");
  auto again = open_log(small_segments(dir.path.string()));
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->records.back() == "after reopening");
  BOOST_TEST(again->records.size() == written.size() + 1);
}

BOOST_AUTO_TEST_CASE(a_torn_last_record_is_zeroed_and_the_log_goes_on) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  std::string path;
  {
    auto o = open_log(options);
    append(*o->log, "first");
    append(*o->log, std::string(6000, 'x'));  // spans two blocks
    path = o->log->segment_path(o->log->segments().back());
  }
  // The crash kept the record's first block but not its second: the CRC fails.
  overwrite(path, append_log::records_start_bytes + append_log::block_size_bytes + 100, std::string(50, '\0'));
  auto o = open_log(options);
  BOOST_TEST_REQUIRE(o.has_value(), o.error().to_string());
  BOOST_TEST(o->records == std::vector<std::string>{"first"}, boost::test_tools::per_element());
  BOOST_TEST(o->log->torn_bytes_zeroed() == 2 * append_log::block_size_bytes);
  append(*o->log, "second");
  auto again = open_log(options);
  BOOST_TEST_REQUIRE(again.has_value(), again.error().to_string());
  BOOST_TEST(again->records == (std::vector<std::string>{"first", "second"}), boost::test_tools::per_element());
  BOOST_TEST(again->log->torn_bytes_zeroed() == 0u);
}

BOOST_AUTO_TEST_CASE(damage_before_valid_records_refuses_to_open_and_changes_nothing) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  std::string path;
  {
    auto o = open_log(options);
    for (const char* text : {"one", "two", "three"}) append(*o->log, text);
    path = o->log->segment_path(o->log->segments().back());
  }
  overwrite(path, append_log::records_start_bytes + append_log::block_size_bytes + append_log::record_header_bytes,
            "TWO");  // "two" damaged
  for (int attempt = 0; attempt < 2; ++attempt) {  // the same answer twice: nothing was zeroed
    auto o = open_log(options);
    BOOST_TEST_REQUIRE(!o.has_value());
    BOOST_TEST((o.error().code() == status_code::corruption));
    BOOST_TEST(o.error().message().find(path) != std::string::npos, o.error().message());
    BOOST_TEST(o.error().message().find("byte 8192") != std::string::npos, o.error().message());
  }
}

BOOST_AUTO_TEST_CASE(damage_in_an_older_segment_refuses_to_open) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  std::string oldest;
  {
    auto o = open_log(options);
    for (int i = 0; i < 30; ++i) append(*o->log, std::string(3000, 'y'));
    oldest = o->log->segment_path(o->log->segments().front());
  }
  overwrite(oldest, segment_bytes - 2 * append_log::block_size_bytes, "garbage");  // its last record
  auto o = open_log(options);
  BOOST_TEST_REQUIRE(!o.has_value());
  BOOST_TEST((o.error().code() == status_code::corruption));
}

BOOST_AUTO_TEST_CASE(old_segments_go_on_request_but_never_the_current_one) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  auto o = open_log(options);
  for (int i = 0; i < 50; ++i) append(*o->log, std::string(3000, 'z'));
  auto segments = o->log->segments();
  BOOST_TEST_REQUIRE(segments.size() >= 3u);
  BOOST_TEST(o->log->remove_below(segments[1]).is_ok());
  BOOST_TEST(!std::filesystem::exists(o->log->segment_path(segments[0])));
  BOOST_TEST(o->log->segments().front() == segments[1]);
  BOOST_TEST(o->log->remove_below(segments.back() + 10).is_ok());
  BOOST_TEST(o->log->segments() == std::vector<std::uint64_t>{segments.back()}, boost::test_tools::per_element());
  auto again = open_log(options);
  BOOST_TEST_REQUIRE(again.has_value());
  for (auto segment : again->record_segments) BOOST_TEST(segment == segments.back());
}

BOOST_AUTO_TEST_CASE(a_segment_whose_creation_was_cut_short_is_removed) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  {
    auto o = open_log(options);
    append(*o->log, "kept");
  }
  auto leftover = dir.path / "00000000000000000002.log.tmp";
  std::ofstream(leftover) << "half made";
  auto o = open_log(options);
  BOOST_TEST_REQUIRE(o.has_value(), o.error().to_string());
  BOOST_TEST(!std::filesystem::exists(leftover));
  BOOST_TEST(o->log->check_segment_room().is_ok());
  BOOST_TEST(!std::filesystem::exists(dir.path / "room-probe.log.tmp"));  // given back
  BOOST_TEST(o->records == std::vector<std::string>{"kept"}, boost::test_tools::per_element());
  BOOST_TEST(o->log->segments().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failing_disk_writes_nothing_and_says_so) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  bool full = false;
  options.before_write = [&] {
    return full ? status(status_code::io_error, "no space left on device (injected)") : status{};
  };
  auto o = open_log(options);
  append(*o->log, "before");
  full = true;
  auto refused = o->log->append("during");
  BOOST_TEST(!refused.is_ok());
  BOOST_TEST(refused.message().find("no space") != std::string::npos);
  BOOST_TEST(!o->log->start_segment().is_ok());
  BOOST_TEST(o->log->check_segment_room().is_ok());  // a real allocation: the injected fault is for writes
  full = false;
  auto again = open_log(options);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->records == std::vector<std::string>{"before"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(segments_are_written_zeros_and_the_next_one_is_made_ahead) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  auto o = open_log(options);
  append(*o->log, "one");
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat(o->log->segment_path(1).c_str(), &info) == 0);
  BOOST_TEST(info.st_size == static_cast<off_t>(segment_bytes));
  BOOST_TEST(info.st_blocks * 512 >= static_cast<off_t>(segment_bytes));  // no holes, not just allocated
  auto spare = o->log->segment_path(2) + ".tmp";
  for (int i = 0; i < 200 && !std::filesystem::exists(spare); ++i) ::usleep(10'000);
  BOOST_TEST(std::filesystem::exists(spare));
  BOOST_TEST_REQUIRE(o->log->start_segment().is_ok());  // takes the spare
  BOOST_TEST(std::filesystem::exists(o->log->segment_path(2)));
  BOOST_TEST(o->log->fits(100));
  append(*o->log, "two");
  auto again = open_log(options);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->records == (std::vector<std::string>{"one", "two"}), boost::test_tools::per_element());
}

// Closing while the next segment is still being written (paced, in the background)
// stops that work: the half-made spare is removed, never left half-made, and the
// log reopens with its records and goes on.
BOOST_AUTO_TEST_CASE(closing_stops_a_spare_being_made_and_leaves_no_half_segment) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  options.segment_size_bytes = std::size_t{64} << 20;  // 256 paced chunks: still being made at the close
  std::string spare;
  {
    auto o = open_log(options);
    BOOST_TEST_REQUIRE(o.has_value());
    append(*o->log, "one");
    spare = o->log->segment_path(2) + ".tmp";
  }
  // Cancelled and removed by the close itself (making it takes at least 256 pauses
  // of 2 ms; the close came right after it began).
  BOOST_TEST(!std::filesystem::exists(spare));
  auto again = open_log(options);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->records == (std::vector<std::string>{"one"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(again->log->start_segment().is_ok());
  append(*again->log, "two");
  auto third = open_log(options);
  BOOST_TEST_REQUIRE(third.has_value());
  BOOST_TEST(third->records == (std::vector<std::string>{"one", "two"}), boost::test_tools::per_element());
}

namespace {

// A log of three segments, closed; returns their paths.
std::vector<std::string> three_segments(const storage::append_log_options& options) {
  auto o = open_log(options);
  BOOST_TEST_REQUIRE(o.has_value(), o.error().to_string());
  while (o->log->segments().size() < 3) append(*o->log, std::string(3000, 's'));
  std::vector<std::string> paths;
  for (auto segment : o->log->segments()) paths.push_back(o->log->segment_path(segment));
  return paths;
}

void expect_corruption(const storage::append_log_options& options, const std::string& words) {
  auto o = open_log(options);
  BOOST_TEST_REQUIRE(!o.has_value(), "opened a damaged log");
  BOOST_TEST((o.error().code() == status_code::corruption));
  BOOST_TEST(o.error().message().find(words) != std::string::npos, o.error().message());
}

}  // namespace

// Issue 17, defect 1: a log whose segment was emptied, truncated or removed read as
// a log that ends early, so the acceptor forgot promises and votes silently.
BOOST_AUTO_TEST_CASE(an_emptied_or_truncated_segment_refuses_to_open) {
  for (std::size_t keep_bytes : {std::size_t{0}, std::size_t{100}, segment_bytes / 2, segment_bytes - 4096}) {
    temp_dir dir;
    auto options = small_segments(dir.path.string());
    auto paths = three_segments(options);
    std::filesystem::resize_file(paths.back(), keep_bytes);
    expect_corruption(options, paths.back());
    expect_corruption(options, keep_bytes < 4096 ? "no segment header" : "truncated");
  }
}

BOOST_AUTO_TEST_CASE(a_segment_missing_between_others_refuses_to_open) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  auto paths = three_segments(options);
  std::filesystem::remove(paths[1]);
  expect_corruption(options, "segment 2 is missing");
}

BOOST_AUTO_TEST_CASE(a_segment_under_another_number_refuses_to_open) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  auto paths = three_segments(options);
  std::filesystem::copy_file(paths[1], paths[2], std::filesystem::copy_options::overwrite_existing);
  expect_corruption(options, "header says segment 2");
}

// A segment written before headers existed (records from byte 0) still reads.
BOOST_AUTO_TEST_CASE(a_segment_of_an_earlier_version_without_header_still_reads) {
  temp_dir dir;
  auto options = small_segments(dir.path.string());
  std::string path;
  {
    auto o = open_log(options);
    for (const char* text : {"one", "two"}) append(*o->log, text);
    path = o->log->segment_path(1);
  }
  std::string bytes(segment_bytes, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  bytes = bytes.substr(append_log::records_start_bytes) + std::string(append_log::records_start_bytes, '\0');
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto o = open_log(options);
  BOOST_TEST_REQUIRE(o.has_value(), o.error().to_string());
  BOOST_TEST(o->records == (std::vector<std::string>{"one", "two"}), boost::test_tools::per_element());
  append(*o->log, "three");
  auto again = open_log(options);
  BOOST_TEST_REQUIRE(again.has_value(), again.error().to_string());
  BOOST_TEST(again->records.size() == 3u);
}
