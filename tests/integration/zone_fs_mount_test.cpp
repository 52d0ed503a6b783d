// The zone file system through real FUSE mounts on a 3-node zone of real processes
// (made by the CLI): ordinary tools on one node's mount, seen by the others; a
// node killed and its chunk directory deleted lose no acknowledged file, and the
// repair actor brings every chunk back to R copies; an fsx-style seeded run on
// the mount against a local file; a full disk gives the writer ENOSPC at close.
// Needs root and /dev/fuse (CI has both): without them each test says so and stops.
#define BOOST_TEST_MODULE integration_zone_fs_mount
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/mounted_zone.hpp"

using namespace bucky::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;


BOOST_AUTO_TEST_CASE(ordinary_tools_on_one_nodes_mount_are_seen_on_the_others) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  zone.sh(R"SH(
a=mnt-n1 b=mnt-n2 c=mnt-n3
echo hello > $a/notes.txt; echo more >> $b/notes.txt
test "$(cat $c/notes.txt)" = "$(printf 'hello\nmore')"
mkdir -p $a/photos/2026
head -c 3000000 /dev/urandom > local.bin
cp local.bin $b/photos/2026/big.bin
cmp local.bin $c/photos/2026/big.bin
cmp local.bin $a/photos/2026/big.bin
mv $c/photos/2026/big.bin $a/photos/moved.bin
test ! -e $b/photos/2026/big.bin
cmp local.bin $b/photos/moved.bin
ln -s moved.bin $a/photos/link
test "$(readlink $b/photos/link)" = moved.bin
cmp local.bin $c/photos/link
chmod 600 $a/notes.txt
cat $c/notes.txt > /dev/null  # an open: close-to-open makes what follows on $c the latest
test "$(stat -c %a $c/notes.txt)" = 600
truncate -s 3 $b/notes.txt
test "$(cat $a/notes.txt)" = hel
truncate -s 10 $c/notes.txt
cat $a/notes.txt > /dev/null
test "$(stat -c %s $a/notes.txt)" = 10
touch -d '2020-01-02 03:04:05' $a/notes.txt
cat $b/notes.txt > /dev/null
test "$(stat -c %Y $b/notes.txt)" = "$(date -d '2020-01-02 03:04:05' +%s)"
printf 'abcdefgh' > $a/edit
printf 'XY' | dd of=$b/edit bs=1 seek=3 conv=notrunc status=none
test "$(cat $c/edit)" = abcXYfgh
# Attributes by path are fresh on every node at once, without an open between
# (the kernel caches no names, so each stat asks): no stale size or time.
stat -c %s $b/edit >/dev/null
touch -d '2021-03-04 05:06:07' $a/edit
test "$(stat -c %Y $b/edit)" = "$(date -d '2021-03-04 05:06:07' +%s)"
printf '123' >> $c/edit
test "$(stat -c %s $b/edit)" = 11
ls -l $a/photos | grep -q moved.bin
rm $b/photos/link $b/photos/moved.bin
rmdir $c/photos/2026 $c/photos
test -z "$(ls $a | grep photos || true)"
sqlite3 $a/db.sqlite 'create table t(a); insert into t values (1),(2),(3);'
sqlite3 $b/db.sqlite 'insert into t values (4);'
test "$(sqlite3 $c/db.sqlite 'select sum(a) from t;')" = 10
mkdir -p tree/sub
head -c 100000 /dev/urandom > tree/sub/x
echo y > tree/y
ln -s y tree/l
rsync -a tree/ $a/tree/
rsync -a $b/tree/ back/
diff -r tree back
test "$(readlink back/l)" = y
)SH");
  // A volume with a quota on the mount: cp past it is "Disk quota exceeded" and
  // leaves an empty file (the bytes never counted), mv out of it copies (EXDEV).
  auto made = zone.cli({"fs", "volume", "create", "/vol", "--quota", "1M"});
  BOOST_TEST_REQUIRE(made.code == 0, made.err);
  zone.sh(R"SH(
head -c 2000000 /dev/urandom > big.bin
if cp big.bin mnt-n2/vol/big.bin 2> cp.err; then exit 1; fi
grep -q "Disk quota exceeded" cp.err
test "$(stat -c %s mnt-n1/vol/big.bin)" = 0
head -c 500000 /dev/urandom > small.bin
cp small.bin mnt-n3/vol/small.bin
mv mnt-n1/vol/small.bin mnt-n1/small.bin
cmp small.bin mnt-n2/small.bin
test ! -e mnt-n2/vol/small.bin
)SH");
  auto listed = zone.cli({"--json", "fs", "volume", "list"});
  BOOST_TEST_REQUIRE(listed.code == 0, listed.err);
  auto volumes = nlohmann::json::parse(listed.out)["volumes"];
  BOOST_TEST_REQUIRE(volumes.size() == 1u, listed.out);
  BOOST_TEST(volumes[0]["used_bytes"] == 0, listed.out);  // big.bin never grew, small.bin left
}

// Many writers at once on every mount (each node's FUSE threads share one way to
// the zone state): every file is there with its own bytes, and of three nodes
// making the same directory name at once exactly one succeeds.
BOOST_AUTO_TEST_CASE(writers_on_every_mount_at_once_lose_nothing_and_one_name_has_one_maker) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  zone.sh(R"SH(
mkdir mnt-n1/par
for n in 1 2 3; do for i in $(seq 1 16); do (printf "node $n file $i" > mnt-n$n/par/f$n.$i) & done; done; wait
for n in 1 2 3; do for i in $(seq 1 16); do test "$(cat mnt-n$(( (n % 3) + 1 ))/par/f$n.$i)" = "node $n file $i"; done; done
test "$(ls mnt-n2/par | wc -l)" = 48
made=0; for n in 1 2 3; do (mkdir mnt-n$n/same 2>/dev/null && echo made > made.$n || true) & done; wait
test "$(ls made.* | wc -l)" = 1
test -d mnt-n3/same
)SH");
}

BOOST_AUTO_TEST_CASE(a_killed_node_with_its_chunks_deleted_loses_no_file_and_repair_restores_two_copies) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  zone.sh(R"SH(
for i in 1 2 3 4 5; do head -c $((i * 700000)) /dev/urandom > local.$i; cp local.$i mnt-n1/f.$i; done
)SH");
  // Kill a node that does not lead repair (the leader's lease would take 30 s to expire).
  auto leader = zone.cli({"kv", "get", "/fs/repair-leader"});
  std::string victim = "n3";
  if (leader.out.find("n3") != std::string::npos) victim = "n2";
  const std::string survivor = victim == "n3" ? "n2" : "n3";
  zone.nodes[victim]->signal(SIGKILL);
  BOOST_TEST_REQUIRE(zone.nodes[victim]->wait_exit().has_value());
  fs::remove_all(zone.data(victim) + "/chunks");
  zone.sh("for i in 1 2 3 4 5; do cmp local.$i mnt-" + survivor + "/f.$i; cmp local.$i mnt-n1/f.$i; done");
  // Repair copies what lost its second copy to the two nodes left.
  nlohmann::json report;
  BOOST_TEST(node_process::wait_for(
                 [&] {
                   report = zone.repair_report();
                   return report.is_object() && report["under_replicated"] == 0 && report["referenced"].get<int>() > 0 &&
                          chunk_files(zone.data("n1")) >= report["referenced"].get<std::size_t>();
                 },
                 60s),
             report.dump());
  // The node comes back with an empty chunk directory and takes its share again.
  zone.restart(victim);
  BOOST_TEST(node_process::wait_for([&] { return chunk_files(zone.data(victim)) > 0; }, 60s));
  zone.sh("for i in 1 2 3 4 5; do cmp local.$i mnt-" + victim + "/f.$i; done");
}

// fsx (random writes, reads, truncates and reopens on the mount, each checked
// against the same operations on a local file), seeded: BUCKY_FSX_SEED=N replays.
BOOST_AUTO_TEST_CASE(seeded_random_operations_on_the_mount_match_a_local_file) {
  if (!fuse_usable()) return;
  mounted_zone zone({"n1", "n2", "n3"});
  const char* given = std::getenv("BUCKY_FSX_SEED");
  const std::uint64_t seed = given ? std::strtoull(given, nullptr, 10) : 42;
  BOOST_TEST_MESSAGE("fsx seed " << seed << " (replay: BUCKY_FSX_SEED=" << seed << ")");
  std::mt19937_64 random(seed);
  auto pick = [&](std::uint64_t below) { return random() % below; };
  const std::string local = (zone.dir.path / "fsx.local").string();
  const std::string nodes[] = {"n1", "n2", "n3"};
  auto open_both = [&](const std::string& node, int* remote_fd, int* local_fd) {
    *remote_fd = ::open((zone.mount(node) + "/fsx").c_str(), O_RDWR | O_CREAT, 0644);
    *local_fd = ::open(local.c_str(), O_RDWR | O_CREAT, 0644);
    BOOST_TEST_REQUIRE(*remote_fd >= 0);
    BOOST_TEST_REQUIRE(*local_fd >= 0);
  };
  int remote = -1, mine = -1;
  open_both("n1", &remote, &mine);
  const std::uint64_t span = 4 * 1024 * 1024 + 12345;
  std::string buffer, expected;
  for (int step = 0; step < 300; ++step) {
    const auto op = pick(10);
    if (op < 4) {  // write
      buffer.resize(pick(300'000) + 1);
      for (auto& c : buffer) c = static_cast<char>(random());
      const off_t at = static_cast<off_t>(pick(span));
      BOOST_REQUIRE_EQUAL(::pwrite(remote, buffer.data(), buffer.size(), at), static_cast<ssize_t>(buffer.size()));
      BOOST_REQUIRE_EQUAL(::pwrite(mine, buffer.data(), buffer.size(), at), static_cast<ssize_t>(buffer.size()));
    } else if (op < 5) {  // truncate
      const off_t size = static_cast<off_t>(pick(span));
      BOOST_REQUIRE_EQUAL(::ftruncate(remote, size), 0);
      BOOST_REQUIRE_EQUAL(::ftruncate(mine, size), 0);
    } else if (op < 6) {  // close, then open on another node (close-to-open)
      BOOST_REQUIRE_EQUAL(::close(remote), 0);
      ::close(mine);
      open_both(nodes[pick(3)], &remote, &mine);
    } else if (op < 7) {
      BOOST_REQUIRE_EQUAL(::fsync(remote), 0);
    } else {  // read
      const off_t at = static_cast<off_t>(pick(span));
      const std::size_t size = pick(400'000) + 1;
      buffer.assign(size, '\0');
      expected.assign(size, '\0');
      const auto got = ::pread(remote, buffer.data(), size, at);
      const auto want = ::pread(mine, expected.data(), size, at);
      BOOST_REQUIRE_EQUAL(got, want);
      BOOST_REQUIRE_MESSAGE(buffer.compare(0, static_cast<std::size_t>(std::max<ssize_t>(got, 0)), expected, 0,
                                           static_cast<std::size_t>(std::max<ssize_t>(want, 0))) == 0,
                            "step " << step << ": bytes differ in a read of " << size << " at " << at);
    }
  }
  BOOST_REQUIRE_EQUAL(::close(remote), 0);
  ::close(mine);
  zone.sh("cmp fsx.local mnt-n2/fsx\ncmp fsx.local mnt-n3/fsx");
}

// The node keeps the bytes it could not store (a later flush tries again): its own
// view shows them; nothing reached a chunk store or the zone state.
BOOST_AUTO_TEST_CASE(a_zone_without_room_gives_the_writer_enospc_at_close_and_stores_nothing) {
  if (!fuse_usable()) return;
  // Every holder keeps more free space in reserve than the disk has.
  mounted_zone zone({"n1"}, {"--chunk-reserve-mb", "1048576"});
  const std::string path = zone.mount("n1") + "/full";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  BOOST_TEST_REQUIRE(fd >= 0);
  const std::string bytes(5000, 'z');
  BOOST_TEST(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));  // buffered
  errno = 0;
  BOOST_TEST(::close(fd) == -1);
  BOOST_TEST(errno == ENOSPC);
  BOOST_TEST(chunk_files(zone.data("n1")) == 0u);
  BOOST_TEST(zone.nodes["n1"]->wait_for_log("no room for chunk"));
}

BOOST_AUTO_TEST_CASE(a_node_activated_later_takes_its_share_of_the_chunks) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  zone.sh("for i in 1 2 3 4 5 6; do head -c 1500000 /dev/urandom > local.$i; cp local.$i mnt-n1/f.$i; done");
  zone.bring_up("n4", zone.args("n4"));
  zone.wait_mounted("n4");
  // Rendezvous ranks the new node first for about a quarter of the chunks: repair
  // copies them there and drops the copies it no longer wants elsewhere.
  BOOST_TEST(node_process::wait_for([&] { return chunk_files(zone.data("n4")) > 0; }, 60s));
  nlohmann::json report;
  BOOST_TEST(node_process::wait_for(
                 [&] {
                   report = zone.repair_report();
                   return report.is_object() && report["under_replicated"] == 0 && report["copied"] == 0;
                 },
                 60s),
             report.dump());
  zone.sh("for i in 1 2 3 4 5 6; do cmp local.$i mnt-n4/f.$i; done");
}
