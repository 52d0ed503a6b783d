// Chaos for the zone file system on real processes with real mounts: a writer
// keeps writing files through one node's mount and records each file whose close
// returned 0 (acknowledged); meanwhile nodes are killed (-9) and restarted, every
// node is killed at once, or a chunk is corrupted on a disk. Afterwards every
// acknowledged file reads back byte-exact through every mount, and repair has
// every chunk at R copies again. Seeded: BUCKY_CHAOS_SEEDS=N replays a seed.
#define BOOST_TEST_MODULE chaos_zone_fs
#include <boost/test/unit_test.hpp>

#include <fcntl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tests/support/mounted_zone.hpp"

using namespace bucky::testing;
namespace fs = std::filesystem;

namespace {

std::uint64_t seed_of() {
  const char* given = std::getenv("BUCKY_CHAOS_SEEDS");
  return given ? std::strtoull(given, nullptr, 10) : 1;
}

// Writes files f<N> through `mount` until stopped; remembers the acknowledged ones.
class writer {
 public:
  writer(std::string mount, std::uint64_t seed) : mount_(std::move(mount)), random_(seed) {
    thread_ = std::thread([this] { run(); });
  }
  ~writer() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::string, std::string> acknowledged() {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  std::uint64_t failures() const { return failures_; }
  void switch_to(std::string mount) {
    std::lock_guard lock(mutex_);
    mount_ = std::move(mount);
  }

 private:
  void run() {
    for (std::uint64_t n = 0; !stopping_ && n < 10'000; ++n) {
      std::string bytes(random_() % 3'000'000 + 1, '\0');
      for (auto& c : bytes) c = static_cast<char>(random_());
      std::string path;
      {
        std::lock_guard lock(mutex_);
        path = mount_ + "/f" + std::to_string(n);
      }
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      bool ok = fd >= 0 && ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
      if (fd >= 0) ok = ::close(fd) == 0 && ok;
      if (!ok) {
        ++failures_;
        std::this_thread::sleep_for(200ms);
        continue;
      }
      std::lock_guard lock(mutex_);
      acknowledged_["f" + std::to_string(n)] = std::move(bytes);
    }
  }

  std::string mount_;
  std::mt19937_64 random_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> failures_{0};
  std::mutex mutex_;
  std::map<std::string, std::string> acknowledged_;
  std::thread thread_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void check_acknowledged(mounted_zone& zone, const std::map<std::string, std::string>& files) {
  BOOST_TEST_REQUIRE(!files.empty(), "the writer got no file acknowledged");
  for (const std::string node : {"n1", "n2", "n3"}) {
    for (const auto& [name, bytes] : files) {
      BOOST_TEST_REQUIRE(read_all(zone.mount(node) + "/" + name) == bytes,
                         name << " through " << node << " is not what was acknowledged");
    }
  }
}

void wait_repaired(mounted_zone& zone) {
  nlohmann::json report;
  BOOST_TEST(node_process::wait_for(
                 [&] {
                   report = zone.repair_report();
                   return report.is_object() && report["under_replicated"] == 0 && report["lost"] == 0 &&
                          report["unreachable"].empty() && report["referenced"].get<int>() > 0;
                 },
                 90s),
             "repair did not report R copies of every chunk: " << report.dump());
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill_nine_of_nodes_during_writes_loses_no_acknowledged_file) {
  if (!fuse_usable()) return;
  const auto seed = seed_of();
  BOOST_TEST_MESSAGE("seed " << seed << " (replay: BUCKY_CHAOS_SEEDS=" << seed << ")");
  mounted_zone zone;
  std::mt19937_64 random(seed);
  writer load(zone.mount("n1"), seed);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1'000 + random() % 1'000));
    const std::string victim = random() % 2 ? "n2" : "n3";
    zone.nodes[victim]->signal(SIGKILL);
    BOOST_TEST_REQUIRE(zone.nodes[victim]->wait_exit().has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + random() % 1'500));
    ::umount2(zone.mount(victim).c_str(), MNT_DETACH);
    zone.restart(victim);
  }
  load.stop();
  check_acknowledged(zone, load.acknowledged());
  wait_repaired(zone);
}

BOOST_AUTO_TEST_CASE(every_node_killed_at_once_loses_no_acknowledged_file) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  writer load(zone.mount("n2"), seed_of() + 100);
  std::this_thread::sleep_for(3s);
  for (const std::string node : {"n1", "n2", "n3"}) zone.nodes[node]->signal(SIGKILL);
  for (const std::string node : {"n1", "n2", "n3"}) BOOST_TEST_REQUIRE(zone.nodes[node]->wait_exit().has_value());
  load.stop();  // its writes fail now: the mount is dead
  for (const std::string node : {"n1", "n2", "n3"}) zone.restart_async(node);
  for (const std::string node : {"n1", "n2", "n3"}) zone.wait_mounted(node);
  check_acknowledged(zone, load.acknowledged());
}

BOOST_AUTO_TEST_CASE(a_chunk_corrupted_on_disk_is_never_served_and_is_copied_again) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  zone.sh("head -c 3000000 /dev/urandom > local.bin\ncp local.bin mnt-n1/data.bin");
  // Flip one byte in every chunk n2 holds.
  std::size_t damaged = 0;
  for (const auto& entry : fs::recursive_directory_iterator(zone.data("n2") + "/chunks")) {
    if (!entry.is_regular_file() || entry.path().filename().string().size() != 64) continue;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(17);
    file.put('\x5a' ^ static_cast<char>(file.peek()));
    ++damaged;
  }
  BOOST_TEST_REQUIRE(damaged > 0u);
  zone.sh("cmp local.bin mnt-n2/data.bin\ncmp local.bin mnt-n3/data.bin");  // other copies serve
  BOOST_TEST(zone.nodes["n2"]->wait_for_log("is corrupt on this disk", 30s));
  wait_repaired(zone);
  BOOST_TEST(fs::exists(zone.data("n2") + "/chunks/corrupt"));
}
