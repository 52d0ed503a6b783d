// acceptor_log: what a replica persisted is what it loads, across segments and
// compaction; old segments go only once their entries are below the compaction
// point; acceptor state of an earlier version moves out of the LMDB tables once;
// a log that breaks the acceptor's invariants refuses to load (no vote).
#define BOOST_TEST_MODULE paxos_acceptor_log
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "actors/paxos/acceptor_log.hpp"
#include "actors/paxos/acceptor_store.hpp"
#include "messages/codec.hpp"
#include "storage/encoding.hpp"
#include "tests/support/lmdb_env.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using bucky::testing::temp_dir;

namespace {

struct replica_disk {
  temp_dir dir;
  std::unique_ptr<storage::lmdb_env> env = bucky::testing::open_test_env((dir.path / "state").string());

  storage::append_log_options options(std::size_t segment_bytes = 64 * 1024) const {
    storage::append_log_options o;
    o.dir = (dir.path / "state" / "acceptor").string();
    o.segment_size_bytes = segment_bytes;
    o.record_size_bytes_max = 16 * 1024;
    return o;
  }
  std::string marker() const { return (dir.path / "acceptor-log.marker").string(); }
  std::unique_ptr<acceptor_log> open(acceptor_core& into, std::size_t segment_bytes = 64 * 1024) {
    auto log = acceptor_log::open(options(segment_bytes), marker(), env.get(), into);
    BOOST_TEST_REQUIRE(log.has_value(), log.error().to_string());
    return std::move(*log);
  }
};

std::vector<std::uint8_t> value_of(slot_id slot, std::size_t bytes = 16) {
  return std::vector<std::uint8_t>(bytes, static_cast<std::uint8_t>(slot));
}

// One flush of accepts in `round`, persisted the way the shell does.
void accept_slots(acceptor_core& acceptor, acceptor_log& log, std::uint64_t round, slot_id from, slot_id to,
                  std::size_t value_bytes = 16) {
  std::vector<acceptor_output> flush;
  for (slot_id s = from; s < to; ++s) flush.push_back(acceptor.on_accept({{round, 0}, s, value_of(s, value_bytes)}));
  BOOST_TEST_REQUIRE(log.persist_all(flush).is_ok());
}

// A record as acceptor_log writes it, for writing ones it never would.
struct raw_record {
  std::vector<acceptor_log::step> steps;
  MSGPACK_DEFINE(steps);
};

void check_same(const acceptor_core& a, const acceptor_core& b) {
  BOOST_TEST((a.promised() == b.promised()));
  BOOST_TEST(a.compacted_below() == b.compacted_below());
  BOOST_TEST_REQUIRE(a.accepted().size() == b.accepted().size());
  for (const auto& [slot, entry] : a.accepted()) BOOST_TEST((b.accepted().at(slot) == entry));
}

}  // namespace

BOOST_AUTO_TEST_CASE(what_was_persisted_is_what_loads) {
  replica_disk disk;
  acceptor_core acceptor;
  {
    auto log = disk.open(acceptor);
    BOOST_TEST(!log->moved_from_tables());
    BOOST_TEST_REQUIRE(log->persist_all({acceptor.on_prepare({{2, 0}, 0})}).is_ok());
    accept_slots(acceptor, *log, 2, 1, 3);
    BOOST_TEST_REQUIRE(log->persist_all({acceptor.on_accept({{3, 0}, 3, {4}})}).is_ok());
    BOOST_TEST_REQUIRE(log->persist_all({acceptor.compact_below(2)}).is_ok());
    BOOST_TEST_REQUIRE(log->persist_all({acceptor_output{}}).is_ok());  // nothing to write
  }
  acceptor_core loaded;
  auto log = disk.open(loaded);
  check_same(acceptor, loaded);
  BOOST_TEST((loaded.promised() == ballot{3, 0}));
  BOOST_TEST(loaded.accepted().size() == 2u);  // slots 2 and 3; 1 was compacted
  BOOST_TEST(loaded.on_prepare({{4, 0}, 0}).reply.compacted_below == 2u);
}

BOOST_AUTO_TEST_CASE(segments_go_once_their_entries_are_below_the_compaction_point) {
  replica_disk disk;
  acceptor_core acceptor;
  auto log = disk.open(acceptor);
  BOOST_TEST_REQUIRE(log->persist_all({acceptor.on_prepare({{1, 0}, 0})}).is_ok());
  for (slot_id s = 0; s < 200; s += 4) accept_slots(acceptor, *log, 1, s, s + 4, 1000);
  auto segments = log->segments();
  BOOST_TEST_REQUIRE(segments >= 4u);
  BOOST_TEST_REQUIRE(log->persist_all({acceptor.compact_below(100)}).is_ok());
  BOOST_TEST(log->segments() < segments);
  BOOST_TEST(log->segments() >= 2u);  // slots 100..199 are still needed
  auto after_first = log->segments();
  BOOST_TEST_REQUIRE(log->persist_all({acceptor.compact_below(200)}).is_ok());
  BOOST_TEST(log->segments() == 1u);
  BOOST_TEST(log->segments() < after_first);
  accept_slots(acceptor, *log, 1, 200, 203);
  acceptor_core loaded;
  auto reopened = disk.open(loaded);
  check_same(acceptor, loaded);  // the promise and the point came from the newest segment's head
  BOOST_TEST((loaded.promised() == ballot{1, 0}));
  BOOST_TEST(loaded.accepted().size() == 3u);
}

BOOST_AUTO_TEST_CASE(acceptor_state_of_an_earlier_version_moves_out_of_the_tables_once) {
  replica_disk disk;
  acceptor_core before;
  {
    auto tables = acceptor_store::open(*disk.env);
    BOOST_TEST_REQUIRE(tables.has_value());
    BOOST_TEST_REQUIRE(tables->persist(before.on_prepare({{5, 2}, 0})).is_ok());
    for (slot_id s = 10; s < 20; ++s) BOOST_TEST_REQUIRE(tables->persist(before.on_accept({{5, 2}, s, value_of(s)})).is_ok());
    BOOST_TEST_REQUIRE(tables->persist(before.compact_below(12)).is_ok());
  }
  {
    acceptor_core moved;
    auto log = disk.open(moved);
    BOOST_TEST(log->moved_from_tables());
    check_same(before, moved);
    BOOST_TEST(acceptor_store::open(*disk.env)->empty().value());
  }
  acceptor_core again;
  auto log = disk.open(again);
  BOOST_TEST(!log->moved_from_tables());
  check_same(before, again);
}

BOOST_AUTO_TEST_CASE(a_promise_that_goes_down_or_an_entry_above_the_promise_refuses_to_load) {
  using step = acceptor_log::step;
  std::vector<std::pair<std::vector<step>, std::string>> cases = {
      {{{1, {5, 0}, {}, 0}, {1, {3, 0}, {}, 0}}, "goes down"},
      {{{1, {2, 0}, {}, 0}, {2, {}, {7, {4, 0}, {1}}, 0}}, "above the promised"},
      {{{4, {}, {}, 9}, {4, {}, {}, 3}}, "goes down"},
  };
  for (const auto& [steps, words] : cases) {
    replica_disk disk;
    {
      auto raw = storage::append_log::open(disk.options(), [](auto, auto) { return status{}; });
      BOOST_TEST_REQUIRE(raw.has_value());
      BOOST_TEST_REQUIRE((*raw)->start_segment().is_ok());
      BOOST_TEST_REQUIRE((*raw)->append(storage::as_text(encode(raw_record{steps}))).is_ok());
    }
    acceptor_core ignored;
    auto log = acceptor_log::open(disk.options(), disk.marker(), disk.env.get(), ignored);
    BOOST_TEST_REQUIRE(!log.has_value());
    BOOST_TEST((log.error().code() == status_code::corruption));
    BOOST_TEST(log.error().message().find(words) != std::string::npos, log.error().message());
    BOOST_TEST(log.error().message().find(disk.options().dir) != std::string::npos,
               log.error().message());  // names where (the segment file, for a step)
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_record_refuses_to_load_so_the_replica_does_not_vote) {
  replica_disk disk;
  acceptor_core acceptor;
  {
    auto log = disk.open(acceptor);
    accept_slots(acceptor, *log, 1, 0, 2);
    accept_slots(acceptor, *log, 1, 2, 4);
  }
  auto segment = disk.options().dir + "/00000000000000000001.log";
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(storage::append_log::records_start_bytes + 20);  // inside the first record, which a valid one follows
    file.write("XX", 2);
  }
  acceptor_core ignored;
  auto log = acceptor_log::open(disk.options(), disk.marker(), disk.env.get(), ignored);
  BOOST_TEST_REQUIRE(!log.has_value());
  BOOST_TEST((log.error().code() == status_code::corruption));
  BOOST_TEST(log.error().message().find("does not check out") != std::string::npos, log.error().message());
}

namespace {

// A log of several segments with a promise and accepted values, closed.
void write_several_segments(replica_disk& disk, acceptor_core& acceptor) {
  auto log = disk.open(acceptor);
  BOOST_TEST_REQUIRE(log->persist_all({acceptor.on_prepare({{5, 0}, 0})}).is_ok());
  for (slot_id s = 0; s < 200; s += 4) accept_slots(acceptor, *log, 5, s, s + 4, 1000);
  BOOST_TEST_REQUIRE(log->segments() >= 3u);
}

void expect_lost(replica_disk& disk, const std::string& words) {
  acceptor_core ignored;
  auto log = acceptor_log::open(disk.options(), disk.marker(), disk.env.get(), ignored);
  BOOST_TEST_REQUIRE(!log.has_value(), "loaded a log that lost state");
  BOOST_TEST((log.error().code() == status_code::corruption));
  BOOST_TEST(log.error().message().find(words) != std::string::npos, log.error().message());
}

std::vector<std::filesystem::path> segment_files(const replica_disk& disk) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(disk.options().dir)) {
    if (entry.path().extension() == ".log") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

// Issue 17, defect 1: a replica whose acceptor log was deleted, or lost its newest
// or oldest segments, loaded what was left (promised ballot (0,0) for a deleted
// log) and voted again, so a value chosen with its vote could be lost. The marker
// kept apart from the log makes each of these refuse to load.
BOOST_AUTO_TEST_CASE(a_log_deleted_whole_refuses_to_load) {
  replica_disk disk;
  acceptor_core acceptor;
  write_several_segments(disk, acceptor);
  std::filesystem::remove_all(disk.options().dir);
  expect_lost(disk, "is gone");
  expect_lost(disk, disk.marker());
}

BOOST_AUTO_TEST_CASE(a_log_missing_its_newest_or_oldest_segment_refuses_to_load) {
  for (bool newest : {true, false}) {
    replica_disk disk;
    acceptor_core acceptor;
    write_several_segments(disk, acceptor);
    auto files = segment_files(disk);
    std::filesystem::remove(newest ? files.back() : files.front());
    expect_lost(disk, "segments were lost");
  }
}

BOOST_AUTO_TEST_CASE(segments_removed_by_compaction_and_a_crash_before_the_marker_moved_still_load) {
  replica_disk disk;
  acceptor_core written;
  write_several_segments(disk, written);
  acceptor_core acceptor;
  {
    auto log = disk.open(acceptor);
    BOOST_TEST_REQUIRE(log->persist_all({acceptor.compact_below(100)}).is_ok());
  }
  acceptor_core loaded;
  disk.open(loaded);
  check_same(acceptor, loaded);
  // A segment made after the marker was last written (a crash in between) is fine:
  // the marker moves up to it at this open.
  auto files = segment_files(disk);
  BOOST_TEST_REQUIRE(files.size() >= 2u);
  std::ofstream(disk.marker(), std::ios::trunc) << "bucky acceptor log marker\nsegments "
                                                 << std::stoull(files.front().stem().string()) << " "
                                                 << std::stoull(files.back().stem().string()) - 1 << "\n";
  acceptor_core again;
  disk.open(again);
  check_same(acceptor, again);
}

BOOST_AUTO_TEST_CASE(a_log_without_a_marker_gets_one_and_a_damaged_marker_refuses) {
  replica_disk disk;
  acceptor_core acceptor;
  write_several_segments(disk, acceptor);
  std::filesystem::remove(disk.marker());
  {
    acceptor_core loaded;
    auto log = disk.open(loaded);  // a log of an earlier version: no marker yet
    BOOST_TEST(log->marker_made_for_existing_log());
    check_same(acceptor, loaded);
  }
  BOOST_TEST(std::filesystem::exists(disk.marker()));
  std::filesystem::remove(segment_files(disk).back());
  expect_lost(disk, "segments were lost");  // the new marker protects from then on
  std::ofstream(disk.marker(), std::ios::trunc) << "something else\n";
  expect_lost(disk, "does not read as an acceptor log marker");
}

// A crash right after a new segment was made, before its first record (the one that
// restates the promise): appends went on in it unrestated, and once compaction
// removed the older segments the promise was forgotten at the next start.
BOOST_AUTO_TEST_CASE(a_segment_left_empty_by_a_crash_is_headed_before_appends_go_on) {
  replica_disk disk;
  acceptor_core acceptor;
  write_several_segments(disk, acceptor);  // promised (5,0)
  {
    auto raw = storage::append_log::open(disk.options(), [](std::uint64_t, std::string_view) { return status{}; });
    BOOST_TEST_REQUIRE(raw.has_value());
    BOOST_TEST_REQUIRE((*raw)->start_segment().is_ok());  // made, then the crash: no record in it
  }
  {
    acceptor_core loaded;
    auto log = disk.open(loaded);
    accept_slots(loaded, *log, 5, 200, 202);
    BOOST_TEST_REQUIRE(log->persist_all({loaded.compact_below(200)}).is_ok());
    BOOST_TEST(log->segments() == 1u);
    acceptor = std::move(loaded);
  }
  acceptor_core reloaded;
  disk.open(reloaded);
  BOOST_TEST((reloaded.promised() == ballot{5, 0}));
  check_same(acceptor, reloaded);
}
