// The node's chunk directory (storage/chunk_dir.hpp): what it stores it serves back
// whole and checked, what does not hash to its name is refused or set aside, it keeps
// the disk's reserve, and a put that returned ok survives a power cut at any point
// while a cut put leaves the whole chunk or nothing. Mostly on the simulated disk
// (tests/sim/disk), which loses what was not synced; round trip and corruption also
// on the real file system.
#define BOOST_TEST_MODULE chunk_dir
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <set>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>

#include "storage/chunk_dir.hpp"
#include "storage/chunk_hash.hpp"
#include "tests/sim/disk/power_cut_fs.hpp"
#include "tests/sim/disk/sim_disk.hpp"
#include "tests/support/temp_dir.hpp"

namespace bucky {  // how Boost.Test prints what a failed check compared
inline std::ostream& operator<<(std::ostream& out, status_code code) { return out << status_code_name(code); }
inline std::ostream& operator<<(std::ostream& out, const chunk_id& id) { return out << id.short_hex(); }
}  // namespace bucky

using namespace bucky;
using bucky::sim::power_cut_fs;
using bucky::sim::sim_disk;
using bucky::storage::chunk_dir;
using bucky::storage::chunk_dir_options;
using open_mode = storage::file_system::open_mode;

namespace {

const std::string chunks_dir = "/node/chunks";

struct chunk {
  chunk_id id;
  std::string bytes;
};

chunk chunk_of(std::string bytes) { return {chunk_hash(bytes), std::move(bytes)}; }

chunk random_chunk(std::mt19937_64& random, std::size_t size_bytes_max = 3000) {
  std::string bytes(1 + random() % size_bytes_max, '\0');
  for (auto& c : bytes) c = static_cast<char>(random());
  return chunk_of(std::move(bytes));
}

std::string subdir_of(const chunk_id& id) { return chunks_dir + "/" + id.hex().substr(0, 2); }
std::string path_of(const chunk_id& id) { return subdir_of(id) + "/" + id.hex(); }

chunk_dir_options options_with_reserve(std::uint64_t reserve_bytes) {
  chunk_dir_options options;
  options.dir = chunks_dir;
  options.reserve_bytes = reserve_bytes;
  return options;
}

std::unique_ptr<chunk_dir> open_dir(storage::file_system& fs, std::int64_t now_ms = 0,
                                    chunk_dir_options options = options_with_reserve(0)) {
  auto opened = chunk_dir::open(fs, std::move(options), now_ms);
  BOOST_TEST_REQUIRE(opened.has_value(), opened.error().to_string());
  return std::move(opened.value());
}

// A durable file on the simulated disk, written behind the chunk directory's back.
void write_durable(sim_disk& disk, const std::string& path, const std::string& bytes) {
  BOOST_TEST_REQUIRE(disk.create_dirs(storage::parent_dir(path)).is_ok());
  auto out = std::move(disk.open(path, open_mode::create).value());
  BOOST_TEST_REQUIRE(out->write_at(0, bytes).is_ok());
  BOOST_TEST_REQUIRE(out->sync().is_ok());
  BOOST_TEST_REQUIRE(disk.sync_dir(storage::parent_dir(path)).is_ok());
}

std::vector<std::string> names_in(storage::file_system& fs, const std::string& dir) {
  auto names = fs.list(dir);
  BOOST_TEST_REQUIRE(names.has_value(), names.error().to_string());
  return *names;
}

struct sim_fixture {
  std::mt19937_64 random{7};
  sim_disk disk{random};
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_put_chunk_reads_back_the_same_bytes, sim_fixture) {
  auto dir = open_dir(disk);
  auto c = random_chunk(random);
  BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 10).is_ok());
  BOOST_TEST(dir->has(c.id));
  auto got = dir->get(c.id);
  BOOST_TEST_REQUIRE(got.has_value(), got.error().to_string());
  BOOST_TEST(*got == c.bytes);
  BOOST_TEST(disk.exists(path_of(c.id)).value());
  BOOST_TEST(dir->figures().chunks == 1u);
  BOOST_TEST(dir->figures().bytes == c.bytes.size());
}

BOOST_FIXTURE_TEST_CASE(get_of_a_chunk_not_held_is_not_found, sim_fixture) {
  auto dir = open_dir(disk);
  auto got = dir->get(chunk_of("never put").id);
  BOOST_TEST(got.error().code() == status_code::not_found);
  BOOST_TEST(!dir->has(chunk_of("never put").id));
}

BOOST_FIXTURE_TEST_CASE(put_refuses_bytes_that_do_not_hash_to_the_id_and_stores_nothing, sim_fixture) {
  auto dir = open_dir(disk);
  auto named = chunk_of("what the id names");
  auto refused = dir->put(named.id, "other bytes", 10);
  BOOST_TEST(refused.code() == status_code::corruption);
  BOOST_TEST(refused.message().find(named.id.short_hex()) != std::string::npos);
  BOOST_TEST(!dir->has(named.id));
  BOOST_TEST(names_in(disk, subdir_of(named.id)).empty());
  BOOST_TEST(dir->figures().chunks == 0u);
}

BOOST_FIXTURE_TEST_CASE(put_refuses_a_chunk_over_chunk_bytes_max_and_takes_one_at_it, sim_fixture) {
  auto dir = open_dir(disk);
  auto largest = chunk_of(std::string(storage::chunk_dir_limits::chunk_bytes_max, 'a'));
  auto oversized = chunk_of(std::string(storage::chunk_dir_limits::chunk_bytes_max + 1, 'a'));
  BOOST_TEST(dir->put(oversized.id, oversized.bytes, 10).code() == status_code::too_large);
  BOOST_TEST(!dir->has(oversized.id));
  BOOST_TEST(names_in(disk, subdir_of(oversized.id)).empty());
  BOOST_TEST(dir->put(largest.id, largest.bytes, 10).is_ok());
  BOOST_TEST(dir->get(largest.id).value() == largest.bytes);
}

BOOST_FIXTURE_TEST_CASE(a_second_put_of_a_held_chunk_writes_nothing_and_refreshes_idle_ms, sim_fixture) {
  power_cut_fs counting(disk);
  auto dir = open_dir(counting);
  auto c = random_chunk(random);
  BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 1'000).is_ok());
  BOOST_TEST(dir->idle_ms(c.id, 5'000) == 4'000);
  const auto ops_before = counting.ops_done;
  BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 6'000).is_ok());
  BOOST_TEST(counting.ops_done == ops_before);  // not written, not even looked at
  BOOST_TEST(dir->idle_ms(c.id, 6'500) == 500);
  BOOST_TEST(dir->figures().chunks == 1u);
  BOOST_TEST(dir->idle_ms(chunk_of("not held").id, 6'500) == -1);
}

BOOST_FIXTURE_TEST_CASE(a_chunk_altered_on_disk_is_reported_corrupt_moved_aside_and_dropped, sim_fixture) {
  auto dir = open_dir(disk);
  auto c = chunk_of(std::string(2000, 'c'));
  BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 10).is_ok());
  {
    auto file = std::move(disk.open(path_of(c.id), open_mode::read_write).value());
    BOOST_TEST_REQUIRE(file->write_at(100, "rot").is_ok());  // a flipped sector
  }
  auto got = dir->get(c.id);
  BOOST_TEST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().code() == status_code::corruption);
  BOOST_TEST(got.error().message().find(path_of(c.id)) != std::string::npos);
  BOOST_TEST(got.error().message().find(c.id.short_hex()) != std::string::npos);
  BOOST_TEST(!dir->has(c.id));
  BOOST_TEST(!disk.exists(path_of(c.id)).value());
  BOOST_TEST(disk.exists(chunks_dir + "/corrupt/" + c.id.hex()).value());
  BOOST_TEST(dir->figures().corrupt_found == 1u);
  BOOST_TEST(dir->figures().chunks == 0u);
  BOOST_TEST(dir->get(c.id).error().code() == status_code::not_found);
  // Put again by someone holding good bytes, it is stored afresh.
  BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 20).is_ok());
  BOOST_TEST(dir->get(c.id).value() == c.bytes);
}

BOOST_FIXTURE_TEST_CASE(open_removes_temporaries_indexes_chunks_and_leaves_other_names, sim_fixture) {
  auto a = chunk_of("chunk a");
  auto b = chunk_of("chunk b, longer");
  write_durable(disk, path_of(a.id), a.bytes);
  write_durable(disk, path_of(b.id), b.bytes);
  write_durable(disk, path_of(a.id) + ".tmp-3", "half a chu");
  write_durable(disk, subdir_of(a.id) + "/notes.txt", "someone's notes");
  write_durable(disk, chunks_dir + "/README", "hello");
  std::ostringstream logged;
  auto options = options_with_reserve(0);
  options.log = std::make_shared<spdlog::logger>("chunk_dir_test",
                                                 std::make_shared<spdlog::sinks::ostream_sink_st>(logged));

  auto dir = open_dir(disk, 7'000, options);
  BOOST_TEST(dir->figures().chunks == 2u);
  BOOST_TEST(dir->figures().bytes == a.bytes.size() + b.bytes.size());
  BOOST_TEST(dir->figures().temps_removed == 1u);
  BOOST_TEST(!disk.exists(path_of(a.id) + ".tmp-3").value());
  BOOST_TEST(disk.exists(subdir_of(a.id) + "/notes.txt").value());
  BOOST_TEST(disk.exists(chunks_dir + "/README").value());
  BOOST_TEST(logged.str().find("notes.txt") != std::string::npos);
  BOOST_TEST(logged.str().find("README") != std::string::npos);
  BOOST_TEST(dir->get(a.id).value() == a.bytes);
  BOOST_TEST(dir->get(b.id).value() == b.bytes);
  BOOST_TEST(dir->idle_ms(a.id, 7'500) == 500);  // counted as put at open
}

BOOST_FIXTURE_TEST_CASE(list_pages_through_held_ids_in_order, sim_fixture) {
  auto dir = open_dir(disk);
  std::set<chunk_id> put;
  for (int i = 0; i < 25; ++i) {
    auto c = random_chunk(random, 100);
    BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 10).is_ok());
    put.insert(c.id);
  }
  auto first = dir->list(chunk_id{}, 10);
  BOOST_TEST(first.size() == 10u);
  BOOST_TEST(std::is_sorted(first.begin(), first.end()));
  BOOST_TEST(first.front() == *put.begin());
  std::vector<chunk_id> paged;
  for (chunk_id after{};;) {
    auto page = dir->list(after, 7);
    BOOST_TEST_REQUIRE(page.size() <= 7u);
    if (page.empty()) break;
    BOOST_TEST_REQUIRE(after < page.front());
    paged.insert(paged.end(), page.begin(), page.end());
    after = page.back();
  }
  BOOST_TEST((paged == std::vector<chunk_id>(put.begin(), put.end())));
  BOOST_TEST(dir->list(chunk_id{}, 0).empty());
  BOOST_TEST(dir->list(chunk_id{}, SIZE_MAX).size() == 25u);  // clamped to list_ids_max
  BOOST_TEST(dir->list(*put.rbegin(), 10).empty());
}

BOOST_FIXTURE_TEST_CASE(remove_drops_a_chunk_durably_and_one_not_held_is_no_error, sim_fixture) {
  auto dir = open_dir(disk);
  auto kept = chunk_of("kept");
  auto dropped = chunk_of("dropped");
  BOOST_TEST_REQUIRE(dir->put(kept.id, kept.bytes, 10).is_ok());
  BOOST_TEST_REQUIRE(dir->put(dropped.id, dropped.bytes, 10).is_ok());
  BOOST_TEST_REQUIRE(dir->remove(dropped.id).is_ok());
  BOOST_TEST(!dir->has(dropped.id));
  BOOST_TEST(dir->get(dropped.id).error().code() == status_code::not_found);
  BOOST_TEST(dir->figures().chunks == 1u);
  BOOST_TEST(dir->remove(dropped.id).is_ok());
  BOOST_TEST(dir->remove(chunk_of("never put").id).is_ok());
  dir.reset();
  disk.crash();
  auto reopened = open_dir(disk);
  BOOST_TEST(!reopened->has(dropped.id));
  BOOST_TEST(reopened->get(kept.id).value() == kept.bytes);
}

BOOST_FIXTURE_TEST_CASE(a_put_that_would_eat_into_the_reserve_fails_with_no_space_and_leaves_nothing, sim_fixture) {
  disk.set_capacity_bytes(10'000);
  auto dir = open_dir(disk, 0, options_with_reserve(4'000));
  BOOST_TEST(dir->room_bytes().value() == 6'000u);
  auto fits = chunk_of(std::string(5'000, 'f'));
  auto too_big = chunk_of(std::string(2'000, 't'));
  BOOST_TEST_REQUIRE(dir->put(fits.id, fits.bytes, 10).is_ok());
  BOOST_TEST(dir->room_bytes().value() == 1'000u);
  auto refused = dir->put(too_big.id, too_big.bytes, 10);
  BOOST_TEST(refused.code() == status_code::no_space);
  BOOST_TEST(refused.message().find(chunks_dir) != std::string::npos);
  BOOST_TEST(refused.message().find("5000 bytes free") != std::string::npos);
  BOOST_TEST(refused.message().find("4000") != std::string::npos);
  BOOST_TEST(!dir->has(too_big.id));
  BOOST_TEST(names_in(disk, subdir_of(too_big.id)).empty());
  BOOST_TEST(disk.free_bytes(chunks_dir).value() == 5'000u);
  BOOST_TEST(dir->figures().chunks == 1u);
  disk.set_capacity_bytes(8'000);  // someone else filled the disk past the reserve
  BOOST_TEST(dir->room_bytes().value() == 0u);
}

BOOST_AUTO_TEST_CASE(a_write_the_disk_has_no_room_for_fails_and_leaves_no_temporary) {
  std::mt19937_64 random(3);
  sim_disk disk(random);
  power_cut_fs stale_free(disk);  // another writer filled the disk after free_bytes() answered
  stale_free.free_bytes_said = std::uint64_t{1} << 40;
  auto dir = open_dir(stale_free);
  disk.set_capacity_bytes(1'000);
  auto c = chunk_of(std::string(2'000, 'x'));
  auto refused = dir->put(c.id, c.bytes, 10);
  BOOST_TEST(refused.code() == status_code::no_space);
  BOOST_TEST(names_in(disk, subdir_of(c.id)).empty());
  BOOST_TEST(!dir->has(c.id));
}

// The heart of it: cut the power after each operation of a put in turn, under many
// seeds of random sync failures, crash the disk, reopen. Every chunk whose put
// returned ok is there and reads back; nothing torn is ever found under a chunk's
// name; no temporary survives the reopen.
BOOST_AUTO_TEST_CASE(a_power_cut_at_any_point_of_a_put_leaves_the_whole_chunk_or_nothing) {
  std::uint64_t ops_per_put = 0;
  {
    std::mt19937_64 random(1);
    sim_disk disk(random);
    power_cut_fs counting(disk);
    auto dir = open_dir(counting);
    auto c = random_chunk(random);
    const auto before = counting.ops_done;
    BOOST_TEST_REQUIRE(dir->put(c.id, c.bytes, 1).is_ok());
    ops_per_put = counting.ops_done - before;
  }
  BOOST_TEST_REQUIRE(ops_per_put >= 5u);  // room, create, write, sync, rename, sync dir
  std::uint64_t cut_and_gone = 0, cut_and_kept = 0, acked = 0, temps_removed = 0;
  for (std::uint64_t seed = 0; seed < 150; ++seed) {
    for (std::uint64_t cut = 0; cut <= ops_per_put; ++cut) {
      std::mt19937_64 random(seed * 100 + cut);
      sim_disk disk(random);
      power_cut_fs power(disk);
      auto dir = open_dir(power, 0);
      disk.set_failed_syncs_per_10k(1'500);
      std::vector<chunk> stored;
      for (int i = 0; i < 3; ++i) {
        auto c = random_chunk(random);
        if (dir->put(c.id, c.bytes, 1).is_ok()) stored.push_back(c);
      }
      auto target = random_chunk(random);
      power.ops_left = cut;
      const bool target_acked = dir->put(target.id, target.bytes, 2).is_ok();
      if (target_acked) stored.push_back(target);
      acked += stored.size();
      dir.reset();
      disk.crash();
      disk.set_failed_syncs_per_10k(0);

      auto reopened = open_dir(disk, 3);
      temps_removed += reopened->figures().temps_removed;
      for (const auto& c : stored) {
        auto got = reopened->get(c.id);
        BOOST_TEST_REQUIRE(got.has_value(), "seed " << seed << " cut " << cut << ": " << got.error().to_string());
        BOOST_TEST_REQUIRE(*got == c.bytes);
      }
      for (const auto& id : reopened->list(chunk_id{}, 100)) {
        auto got = reopened->get(id);
        BOOST_TEST_REQUIRE(got.has_value(), "seed " << seed << " cut " << cut << ": " << got.error().to_string());
      }
      BOOST_TEST_REQUIRE(reopened->figures().corrupt_found == 0u);
      for (const auto& name : names_in(disk, subdir_of(target.id))) {
        BOOST_TEST_REQUIRE(name.find(".tmp-") == std::string::npos, "seed " << seed << " left " << name);
      }
      if (!target_acked) ++(reopened->has(target.id) ? cut_and_kept : cut_and_gone);
    }
  }
  BOOST_TEST_MESSAGE("power cuts: " << acked << " acked puts kept, " << cut_and_kept << " cut puts kept whole, "
                                      << cut_and_gone << " gone, " << temps_removed << " temporaries removed");
  // The loop saw each outcome a cut can leave, so the checks above were exercised.
  BOOST_TEST(cut_and_gone > 0u);
  BOOST_TEST(cut_and_kept > 0u);
  BOOST_TEST(temps_removed > 0u);
  BOOST_TEST(acked > 0u);
}

BOOST_AUTO_TEST_CASE(on_the_real_file_system_a_chunk_round_trips_and_a_damaged_one_is_set_aside) {
  testing::temp_dir temp("bucky-chunk-dir");
  chunk_dir_options options;
  options.dir = (temp.path / "data" / "chunks").string();
  options.reserve_bytes = 0;
  auto& fs = storage::posix_file_system();
  auto c = chunk_of(std::string(70'000, 'r') + "end");
  {
    auto dir = chunk_dir::open(fs, options, 0);
    BOOST_TEST_REQUIRE(dir.has_value(), dir.error().to_string());
    BOOST_TEST_REQUIRE((*dir)->put(c.id, c.bytes, 1).is_ok());
    BOOST_TEST((*dir)->get(c.id).value() == c.bytes);
    BOOST_TEST((*dir)->room_bytes().value() > 0u);
  }
  const auto path = std::filesystem::path(options.dir) / c.id.hex().substr(0, 2) / c.id.hex();
  BOOST_TEST(static_cast<unsigned>(std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
             0600u);
  auto dir = std::move(chunk_dir::open(fs, options, 0).value());
  BOOST_TEST(dir->figures().chunks == 1u);
  BOOST_TEST(dir->get(c.id).value() == c.bytes);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(50'000);
    file.write("rot", 3);
  }
  auto got = dir->get(c.id);
  BOOST_TEST(got.error().code() == status_code::corruption);
  BOOST_TEST(!std::filesystem::exists(path));
  BOOST_TEST(std::filesystem::exists(std::filesystem::path(options.dir) / "corrupt" / c.id.hex()));
  BOOST_TEST(!dir->has(c.id));
}

BOOST_AUTO_TEST_CASE(a_directory_deleted_while_in_use_is_rebuilt_and_forgets_what_went_with_it) {
  testing::temp_dir temp("bucky-chunk-dir");
  chunk_dir_options options;
  options.dir = (temp.path / "chunks").string();
  options.reserve_bytes = 0;
  auto dir = std::move(chunk_dir::open(storage::posix_file_system(), options, 0).value());
  auto before = chunk_of("held before the directory went");
  auto after = chunk_of("stored after");
  BOOST_TEST_REQUIRE(dir->put(before.id, before.bytes, 1).is_ok());
  std::filesystem::remove_all(options.dir);
  BOOST_TEST_REQUIRE(dir->put(after.id, after.bytes, 2).is_ok());  // rebuilt by the put
  BOOST_TEST(!dir->has(before.id));
  BOOST_TEST(dir->figures().chunks == 1u);
  BOOST_TEST(dir->get(after.id).value() == after.bytes);
}
