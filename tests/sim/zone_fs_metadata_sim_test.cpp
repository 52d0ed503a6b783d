// Seeded histories of namespace operations from several clients on the zone
// state's state machine, with another client's change landing between a read and
// its txn, requests refused, and txns that applied but whose answer was lost (a
// node dying mid-call). Some directories are volumes with quotas. After every
// step fsck must find nothing (fsck.hpp lists the rules: volume figures too). CI runs a fixed range of seeds; BUCKY_SIM_SEED=N replays one
// (build/tests/sim_zone_fs_metadata); BUCKY_SIM_SEEDS and BUCKY_SIM_BASE_SEED run
// other ranges. Failing seeds go into regression_seeds.
#define BOOST_TEST_MODULE sim_zone_fs_metadata
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <random>

#include "actors/zone_fs/fsck.hpp"
#include "actors/zone_fs/metadata.hpp"
#include "tests/support/fs_keys_fsck.hpp"
#include "tests/support/memory_kv_port.hpp"

using namespace bucky;
using namespace bucky::zone_fs;

namespace {

constexpr std::uint32_t steps_per_seed = 400;
// Seeds that once failed (none yet): each replays in every run.
constexpr std::uint64_t regression_seeds[] = {1};

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text ? std::strtoull(text, nullptr, 10) : fallback;
}

class history {
 public:
  explicit history(std::uint64_t seed) : random_(seed), fs_(port_, [this] { return random_(); }) {
    BOOST_REQUIRE(fs_.ensure_root(0));
  }

  void run() {
    for (std::uint32_t step = 0; step < steps_per_seed; ++step) {
      const std::uint32_t fault = pick(10);
      if (fault == 0) port_.before_txn = [this] { one_operation(); };
      if (fault == 1) port_.lose_next_answer = true;
      if (fault == 2) port_.fail_next = true;
      one_operation();
      port_.before_txn = nullptr;
      port_.lose_next_answer = port_.fail_next = false;
      check(step);
    }
  }

 private:
  std::uint32_t pick(std::uint32_t below) { return static_cast<std::uint32_t>(random_() % below); }
  std::string name() { return std::string(1, static_cast<char>('a' + pick(4))); }

  // A random existing directory: walks down from the root a few random steps.
  inode_number directory() {
    inode_number at = root_inode;
    for (std::uint32_t depth = pick(4); depth > 0; --depth) {
      auto page = fs_.list(at, "", 16);
      if (!page) return at;
      std::vector<inode_number> dirs;
      for (const auto& entry : page->entries) {
        if (entry.dirent.kind == fs_kind::directory) dirs.push_back(entry.dirent.ino);
      }
      if (dirs.empty()) return at;
      at = dirs[pick(static_cast<std::uint32_t>(dirs.size()))];
    }
    return at;
  }

  void one_operation() {
    const std::int64_t now = ++now_ns_;
    const inode_number dir = directory();
    switch (pick(8)) {
      case 0:
      case 1: {
        new_inode fresh;
        fresh.kind = pick(3) == 0 ? fs_kind::directory : fs_kind::file;
        // Some directories are volumes, a few with quotas small enough to refuse.
        if (fresh.kind == fs_kind::directory && pick(3) == 0) fresh.volume_limit_bytes = pick(4) * std::uint64_t{fs_limits::chunk_bytes};
        (void)fs_.make(dir, name(), fresh, now);
        break;
      }
      case 2: (void)fs_.unlink(dir, name(), now); break;
      case 3: (void)fs_.rmdir(dir, name(), now); break;
      case 4:
      case 5: {
        const inode_number to = directory();
        (void)fs_.rename(dir, name(), to, name(), pick(2) ? rename_mode::replace : rename_mode::no_replace, now);
        break;
      }
      case 6: {
        auto target = fs_.lookup(dir, name());
        if (target && target->kind == fs_kind::file) (void)fs_.link(target->ino, directory(), name(), now);
        break;
      }
      default: {
        auto target = fs_.lookup(dir, name());
        if (!target || target->kind != fs_kind::file) break;
        content_change change;
        change.size_bytes = pick(3) * std::uint64_t{fs_limits::chunk_bytes} + pick(100);
        chunk_ref ref;
        ref.id.bytes[0] = static_cast<std::uint8_t>(pick(255) + 1);
        ref.size_bytes = 100;
        change.chunks[pick(3)] = ref;
        (void)fs_.commit(target->ino, change, now);
      }
    }
  }

  void check(std::uint32_t step) {
    auto report = testing::fsck_of(port_);
    for (const auto& problem : report.problems) BOOST_ERROR("step " << step << ": " << problem);
    BOOST_REQUIRE(report.clean());
  }

  testing::memory_kv_port port_;
  std::mt19937_64 random_;
  metadata fs_;
  std::int64_t now_ns_ = 0;
};

void run_seed(std::uint64_t seed) {
  BOOST_TEST_CONTEXT("seed " << seed << " (replay: BUCKY_SIM_SEED=" << seed << ")") {
    history(seed).run();
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(seeded_histories_with_races_and_lost_answers_keep_the_tree_whole) {
  if (const char* only = std::getenv("BUCKY_SIM_SEED")) {
    run_seed(std::strtoull(only, nullptr, 10));
    return;
  }
  for (std::uint64_t seed : regression_seeds) run_seed(seed);
  const std::uint64_t base = env_number("BUCKY_SIM_BASE_SEED", 10'000);
  const std::uint64_t count = env_number("BUCKY_SIM_SEEDS", 60);
  for (std::uint64_t seed = base; seed < base + count; ++seed) run_seed(seed);
}
