// The simulated disk (tests/sim/disk/sim_disk.hpp) must fail the way a real one
// does under a pulled plug, or the simulator proves nothing about the log written
// on it: synced data survives, unsynced data may be kept, lost or torn, directory
// changes need their own sync, and a failed sync leaves the disk behind the page cache.
#define BOOST_TEST_MODULE sim_disk
#include <boost/test/unit_test.hpp>

#include <set>

#include "storage/append_log.hpp"
#include "storage/atomic_file.hpp"
#include "tests/sim/disk/sim_disk.hpp"

using namespace bucky;
using namespace bucky::sim;
using open_mode = storage::file_system::open_mode;

namespace {

std::string read_all(sim_disk& disk, const std::string& path) {
  auto f = disk.open(path, open_mode::read);
  if (!f) return "<" + f.error().message() + ">";
  std::string out((*f)->size().value(), '\0');
  BOOST_TEST_REQUIRE((*f)->read_at(0, out.data(), out.size()).is_ok());
  return out;
}

// A durable file holding `synced`, then `unsynced` written over it and not synced.
void write_file(sim_disk& disk, const std::string& path, const std::string& synced, const std::string& unsynced) {
  auto f = std::move(disk.open(path, open_mode::create).value());
  BOOST_TEST_REQUIRE(f->write_at(0, synced).is_ok());
  BOOST_TEST_REQUIRE(f->sync().is_ok());
  BOOST_TEST_REQUIRE(disk.sync_dir("/").is_ok());
  if (!unsynced.empty()) BOOST_TEST_REQUIRE(f->write_at(synced.size(), unsynced).is_ok());
}

}  // namespace

BOOST_AUTO_TEST_CASE(synced_writes_survive_a_crash_and_unsynced_ones_are_kept_lost_or_torn) {
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::mt19937_64 random(seed);
    sim_disk disk(random);
    write_file(disk, "/f", "durable", "-unsynced");
    BOOST_TEST(read_all(disk, "/f") == "durable-unsynced");  // reads see the page cache
    disk.crash();
    auto after = read_all(disk, "/f");
    BOOST_TEST_REQUIRE(after.substr(0, 7) == "durable");
    BOOST_TEST(std::string("-unsynced").starts_with(after.substr(7)));
    outcomes.insert(after);
  }
  BOOST_TEST(outcomes.count("durable") == 1u);           // lost
  BOOST_TEST(outcomes.count("durable-unsynced") == 1u);  // kept
  BOOST_TEST(outcomes.size() > 3u);                      // and torn at several places
}

BOOST_AUTO_TEST_CASE(a_new_name_is_durable_only_after_its_directory_is_synced) {
  bool lost = false, kept = false;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    std::mt19937_64 random(seed);
    sim_disk disk(random);
    BOOST_TEST_REQUIRE(disk.create_dirs("/d").is_ok());
    BOOST_TEST_REQUIRE(disk.sync_dir("/").is_ok());
    auto f = std::move(disk.open("/d/new", open_mode::create).value());
    BOOST_TEST_REQUIRE(f->write_at(0, "x").is_ok());
    BOOST_TEST_REQUIRE(f->sync().is_ok());
    f.reset();
    disk.crash();
    (disk.exists("/d/new").value() ? kept : lost) = true;
    // Synced, it stays.
    BOOST_TEST_REQUIRE(disk.open("/d/sure", open_mode::create).has_value());
    BOOST_TEST_REQUIRE(disk.sync_dir("/d").is_ok());
    disk.crash();
    BOOST_TEST(disk.exists("/d/sure").value());
  }
  BOOST_TEST(lost);
  BOOST_TEST(kept);
}

BOOST_AUTO_TEST_CASE(an_atomic_file_is_old_or_new_after_any_crash) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::mt19937_64 random(seed);
    sim_disk disk(random);
    BOOST_TEST_REQUIRE(write_file_atomically(disk, "/marker", "old", 0600).is_ok());
    disk.set_failed_syncs_per_10k(3'000);
    auto written = write_file_atomically(disk, "/marker", "new", 0600);
    disk.crash();
    auto text = read_all(disk, "/marker");
    BOOST_TEST((text == "old" || text == "new"), "seed " << seed << ": " << text);
    if (written.is_ok()) BOOST_TEST(text == "new");
  }
}

BOOST_AUTO_TEST_CASE(a_failed_sync_says_so_and_may_leave_the_disk_behind_what_reads_saw) {
  bool behind = false;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::mt19937_64 random(seed);
    sim_disk disk(random);
    write_file(disk, "/f", "a", "b");
    disk.set_failed_syncs_per_10k(10'000);
    auto f = std::move(disk.open("/f", open_mode::read_write).value());
    auto synced = f->sync();
    BOOST_TEST(!synced.is_ok());
    BOOST_TEST(synced.message().find("/f") != std::string::npos);
    f.reset();
    disk.crash();
    if (read_all(disk, "/f") == "a") behind = true;
  }
  BOOST_TEST(behind);
}

BOOST_AUTO_TEST_CASE(a_lost_directory_is_gone_with_everything_in_it) {
  std::mt19937_64 random(1);
  sim_disk disk(random);
  BOOST_TEST_REQUIRE(disk.create_dirs("/state/acceptor").is_ok());
  write_file(disk, "/state/acceptor/1.log", "records", "");
  disk.lose("/state/acceptor");
  BOOST_TEST(!disk.exists("/state/acceptor").value());
  disk.crash();
  BOOST_TEST(!disk.exists("/state/acceptor/1.log").value());
  BOOST_TEST(disk.exists("/state").value());
}

BOOST_AUTO_TEST_CASE(a_write_beyond_the_capacity_fails_with_no_space_and_writes_nothing) {
  std::mt19937_64 random(1);
  sim_disk disk(random);
  disk.set_capacity_bytes(100);
  write_file(disk, "/a", std::string(60, 'a'), "");
  BOOST_TEST(disk.free_bytes("/").value() == 40u);
  auto f = std::move(disk.open("/b", open_mode::create).value());
  auto refused = f->write_at(0, std::string(41, 'b'));
  BOOST_TEST((refused.code() == status_code::no_space));
  BOOST_TEST(refused.message().find("/b") != std::string::npos);
  BOOST_TEST(f->size().value() == 0u);
  BOOST_TEST((f->allocate(41).code() == status_code::no_space));
  BOOST_TEST(f->write_at(0, std::string(40, 'b')).is_ok());
  BOOST_TEST(disk.free_bytes("/").value() == 0u);
  BOOST_TEST(f->write_at(0, std::string(40, 'c')).is_ok());  // overwriting takes no room
  BOOST_TEST(disk.remove("/a").is_ok());
  BOOST_TEST(disk.free_bytes("/").value() == 60u);
  BOOST_TEST((disk.free_bytes("/nowhere").error().code() == status_code::not_found));
}

BOOST_AUTO_TEST_CASE(a_rename_across_directories_is_durable_once_both_directories_are_synced) {
  bool in_both = false, in_neither = false;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    std::mt19937_64 random(seed);
    sim_disk disk(random);
    BOOST_TEST_REQUIRE(disk.create_dirs("/d/from").is_ok());
    BOOST_TEST_REQUIRE(disk.create_dirs("/d/to").is_ok());
    BOOST_TEST_REQUIRE(disk.sync_dir("/").is_ok());
    BOOST_TEST_REQUIRE(disk.sync_dir("/d").is_ok());
    write_file(disk, "/d/from/f", "moved", "");
    BOOST_TEST_REQUIRE(disk.sync_dir("/d/from").is_ok());
    BOOST_TEST_REQUIRE(disk.rename("/d/from/f", "/d/to/f").is_ok());
    BOOST_TEST(!disk.exists("/d/from/f").value());
    BOOST_TEST(read_all(disk, "/d/to/f") == "moved");
    disk.crash();
    bool from = disk.exists("/d/from/f").value(), to = disk.exists("/d/to/f").value();
    in_both |= from && to;
    in_neither |= !from && !to;
    BOOST_TEST_REQUIRE(disk.rename(from ? "/d/from/f" : "/d/to/f", "/d/to/f").is_ok() == (from || to));
    if (!from && !to) continue;
    BOOST_TEST_REQUIRE(disk.sync_dir("/d/to").is_ok());
    BOOST_TEST_REQUIRE(disk.sync_dir("/d/from").is_ok());
    disk.crash();
    BOOST_TEST(!disk.exists("/d/from/f").value());
    BOOST_TEST(read_all(disk, "/d/to/f") == "moved");
  }
  BOOST_TEST(in_both);
  BOOST_TEST(in_neither);
}

// The append log on this disk: whatever a crash does to its last unsynced
// append, it opens, and every record appended before holds.
BOOST_AUTO_TEST_CASE(the_append_log_keeps_every_synced_record_through_crashes_mid_append) {
  std::uint64_t torn = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    std::mt19937_64 random(seed);
    sim_disk disk(random);
    storage::append_log_options options;
    options.dir = "/log";
    options.fs = &disk;
    options.segment_size_bytes = 64 * 1024;
    options.record_size_bytes_max = 8 * 1024;
    options.spare_in_background = false;
    std::vector<std::string> appended;
    auto visit_into = [](std::vector<std::string>& into) {
      return [&into](std::uint64_t, std::string_view payload) {
        into.emplace_back(payload);
        return status{};
      };
    };
    for (int round = 0; round < 6; ++round) {
      std::vector<std::string> read;
      auto log = storage::append_log::open(options, visit_into(read));
      BOOST_TEST_REQUIRE(log.has_value(), "seed " << seed << ": " << log.error().to_string());
      torn += (*log)->torn_bytes_zeroed() > 0;
      // What was acknowledged is there, in order; at most the one cut append more.
      BOOST_TEST_REQUIRE(read.size() >= appended.size());
      BOOST_TEST_REQUIRE(read.size() <= appended.size() + 1);
      BOOST_TEST_REQUIRE(std::equal(appended.begin(), appended.end(), read.begin()));
      appended = read;
      disk.set_failed_syncs_per_10k(round % 2 ? 2'000 : 0);
      for (int i = 0; i < 12; ++i) {
        std::string record(1 + random() % 6'000, static_cast<char>('a' + i));
        status done = (*log)->fits(record.size()) ? status{} : (*log)->start_segment();
        if (done.is_ok()) done = (*log)->append(record);
        if (!done.is_ok()) break;  // the node dies here
        appended.push_back(record);
      }
      disk.set_failed_syncs_per_10k(0);
      log->reset();
      disk.crash();
    }
  }
  BOOST_TEST(torn > 0u);
}
