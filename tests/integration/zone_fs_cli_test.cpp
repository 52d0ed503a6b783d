// bucky fs on a 3-node zone of real processes made by the CLI, without a mount:
// a file put through one node reads back byte-exact through the others (also after
// the node that took it is killed -9), the namespace commands, df, the errors a
// person sees, and what writers and readers may do.
#define BOOST_TEST_MODULE integration_zone_fs_cli
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/cli_zone.hpp"
#include "tests/support/same_bytes.hpp"

using namespace bucky::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct fs_zone : zone_dir {
  fs_zone() {
    auto created = cli({"zone", "create", "home.test", "--state-nodes", "n1,n2,n3", "--out", zone_file});
    BOOST_TEST_REQUIRE(created.code == 0, created.err);
    for (auto name : {"n1", "n2", "n3"}) bring_up(name);
    for (auto name : {"n1", "n2", "n3"}) {
      BOOST_TEST_REQUIRE(nodes[name]->wait_for_log("zone fs: ready on node"), nodes[name]->err());
    }
    // Every node's status lease is up: chunks can go to R = 2 of them.
    BOOST_TEST_REQUIRE(node_process::wait_for(
        [&] {
          for (auto name : {"n1", "n2", "n3"}) {
            if (cli({"kv", "get", std::string("/nodes/") + name + "/status"}).code != 0) return false;
          }
          return true;
        },
        30s));
  }

  std::string local(const std::string& name) const { return (dir.path / name).string(); }

  std::string write_random(const std::string& name, std::size_t size, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::string bytes(size, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random());
    std::ofstream(local(name), std::ios::binary) << bytes;
    return bytes;
  }

  static std::string read_local(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // A user with a role, admitted by every node (they read /users/ every 2 s).
  std::string add_user(const std::string& name, const std::string& role) {
    auto key = local(name + ".key");
    auto made = cli({"--key", key, "key", "create"});
    BOOST_TEST_REQUIRE(made.code == 0, made.err);
    auto public_key = made.out.substr(0, made.out.find('\n'));
    auto added = cli({"user", "add", name, "--public-key", public_key, "--role", role});
    BOOST_TEST_REQUIRE(added.code == 0, added.err + added.out);
    BOOST_TEST_REQUIRE(node_process::wait_for(
        [&] {
          for (auto node : {"n1", "n2", "n3"}) {
            if (cli({"--key", key, "fs", "--node", node, "stat", "/"}).code != 0) return false;
          }
          return true;
        },
        20s));
    return key;
  }
};


}  // namespace

BOOST_AUTO_TEST_CASE(a_file_put_through_one_node_reads_back_from_the_others_even_after_it_is_killed) {
  fs_zone zone;
  const auto big = zone.write_random("big.bin", 5 * 1024 * 1024 + 12'345, 19);
  auto made = zone.cli({"fs", "mkdir", "-p", "/photos/2024"});
  BOOST_TEST_REQUIRE(made.code == 0, made.err);
  auto put = zone.cli({"fs", "put", zone.local("big.bin"), "/photos/2024/", "--node", "n1"});
  BOOST_TEST_REQUIRE(put.code == 0, put.err);
  BOOST_TEST_MESSAGE("put: " << put.out);
  BOOST_TEST(put.out.find("5255225 bytes") != std::string::npos, put.out);
  for (auto node : {"n2", "n3"}) {
    auto copy = zone.local(std::string("from-") + node);
    auto got = zone.cli({"fs", "--node", node, "get", "/photos/2024/big.bin", copy});
    BOOST_TEST_REQUIRE(got.code == 0, got.err);
    BOOST_TEST(same_bytes(zone.read_local(copy), big));
  }
  // A second file, so every node surely holds some chunk (2 copies each, 3 nodes).
  const auto second = zone.write_random("second.bin", 3 * 1024 * 1024, 23);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "put", zone.local("second.bin"), "/photos/second.bin"}).code == 0);

  auto df = zone.cli({"--json", "fs", "df"});
  BOOST_TEST_REQUIRE(df.code == 0, df.err);
  auto usage = json::parse(df.out);
  BOOST_TEST_REQUIRE(usage["nodes"].size() == 3u, df.out);
  for (const auto& node : usage["nodes"]) {
    BOOST_TEST(node["reachable"] == true, df.out);
    BOOST_TEST(node["chunks"].get<std::uint64_t>() > 0u, df.out);
  }
  BOOST_TEST(usage["zone"]["files"] == 2, df.out);
  BOOST_TEST(usage["zone"]["file_bytes"] == big.size() + second.size(), df.out);
  auto df_text = zone.cli({"fs", "df"});
  BOOST_TEST(df_text.out.find("repair: ") != std::string::npos, df_text.out);
  BOOST_TEST_MESSAGE("df:\n" << df_text.out);
  // bucky status shows the same per node and zone-wide.
  auto status_json = zone.cli({"--json", "status"});
  auto zone_status = json::parse(status_json.out, nullptr, false);
  BOOST_TEST_REQUIRE(!zone_status.is_discarded(), status_json.out);
  BOOST_TEST(zone_status["files"]["zone"]["files"] == 2, status_json.out);
  BOOST_TEST(zone_status["files"]["nodes"].size() == 3u, status_json.out);
  BOOST_TEST(zone.cli({"status"}).out.find("repair: ") != std::string::npos);

  // kill -9 of the node that took the put: both files read back through the others
  // (polled: if n1 led the zone state, the others elect a new leader first).
  zone.nodes["n1"]->signal(SIGKILL);
  zone.nodes["n1"]->wait_exit();
  for (auto node : {"n2", "n3"}) {
    auto copy = zone.local(std::string("after-kill-") + node);
    cli_run got;
    node_process::wait_for([&] {
      got = zone.cli({"fs", "--node", node, "get", "/photos/2024/big.bin", copy});
      return got.code == 0;
    }, 30s);
    BOOST_TEST_REQUIRE(got.code == 0, got.err);
    BOOST_TEST(same_bytes(zone.read_local(copy), big));
  }
  auto got_second = zone.cli({"fs", "--node", "n3", "get", "/photos/second.bin", "-"});
  BOOST_TEST_REQUIRE(got_second.code == 0, got_second.err);
  BOOST_TEST(same_bytes(got_second.out, second));
  auto dead = zone.cli({"fs", "--node", "n2", "df"});
  BOOST_TEST(dead.code == 0, dead.err);
  BOOST_TEST(dead.out.find("unreachable") != std::string::npos, dead.out);
  BOOST_TEST_MESSAGE("df with n1 killed:\n" << dead.out);
}

BOOST_AUTO_TEST_CASE(namespace_commands_and_the_errors_a_person_sees) {
  fs_zone zone;
  zone.write_random("small", 1000, 3);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "mkdir", "-p", "/a/b/c"}).code == 0);
  BOOST_TEST(zone.cli({"fs", "mkdir", "-p", "/a/b/c"}).code == 0);  // -p: fine if it exists
  BOOST_TEST_REQUIRE(zone.cli({"fs", "put", zone.local("small"), "/a/one"}).code == 0);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "put", zone.local("small"), "/a/b/two"}).code == 0);

  auto listed = zone.cli({"fs", "ls", "/a", "--json"});
  BOOST_TEST_REQUIRE(listed.code == 0, listed.err);
  auto entries = json::parse(listed.out)["entries"];
  BOOST_TEST_REQUIRE(entries.size() == 2u, listed.out);
  BOOST_TEST(entries[0]["name"] == "b");
  BOOST_TEST(entries[0]["kind"] == "directory");
  BOOST_TEST(entries[1]["name"] == "one");
  BOOST_TEST(entries[1]["size_bytes"] == 1000);
  auto text = zone.cli({"fs", "ls", "/a"});
  BOOST_TEST(text.out.find("-rw-r--r--") != std::string::npos, text.out);

  auto stat = zone.cli({"--json", "fs", "stat", "/a/one"});
  BOOST_TEST_REQUIRE(stat.code == 0, stat.err);
  BOOST_TEST(json::parse(stat.out)["size_bytes"] == 1000);
  BOOST_TEST(json::parse(stat.out)["kind"] == "file");

  BOOST_TEST_REQUIRE(zone.cli({"fs", "mv", "/a/one", "/a/b/c"}).code == 0);  // into a directory
  BOOST_TEST(zone.cli({"fs", "stat", "/a/b/c/one"}).code == 0);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "mv", "/a/b/c/one", "/a/renamed"}).code == 0);
  BOOST_TEST(zone.cli({"fs", "stat", "/a/renamed"}).code == 0);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "rm", "/a/renamed"}).code == 0);

  auto not_recursive = zone.cli({"fs", "rm", "/a/b"});
  BOOST_TEST(not_recursive.code != 0);
  BOOST_TEST(not_recursive.err.find("(EISDIR)") != std::string::npos, not_recursive.err);
  auto removed = zone.cli({"fs", "rm", "-r", "/a/b"});
  BOOST_TEST_REQUIRE(removed.code == 0, removed.err);
  BOOST_TEST(zone.cli({"fs", "stat", "/a/b/two"}).code != 0);

  auto missing = zone.cli({"fs", "get", "/nowhere/x.jpg", zone.local("x.jpg")});
  BOOST_TEST(missing.code != 0);
  BOOST_TEST(missing.err.find("bucky fs get /nowhere/x.jpg: /nowhere does not exist (ENOENT)") != std::string::npos,
             missing.err);
  BOOST_TEST(!std::filesystem::exists(zone.local("x.jpg")));
  auto no_dir = zone.cli({"fs", "put", zone.local("small"), "/nodir/f"});
  BOOST_TEST(no_dir.code != 0);
  BOOST_TEST(no_dir.err.find("/nodir does not exist") != std::string::npos, no_dir.err);
  BOOST_TEST(no_dir.err.find("(ENOENT)") != std::string::npos, no_dir.err);
  auto bad_local = zone.cli({"fs", "put", zone.local("no-such-file"), "/f"});
  BOOST_TEST(bad_local.code == 2);
  BOOST_TEST(bad_local.err.find("cannot open it to read") != std::string::npos, bad_local.err);
}

BOOST_AUTO_TEST_CASE(a_writer_writes_only_in_their_home_and_a_reader_only_reads) {
  fs_zone zone;
  zone.write_random("note", 2000, 7);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "mkdir", "/shared"}).code == 0);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "put", zone.local("note"), "/shared/note"}).code == 0);
  auto alice = zone.add_user("alice", "writer");
  auto bob = zone.add_user("bob", "reader");

  BOOST_TEST_REQUIRE(zone.cli({"--key", alice, "fs", "mkdir", "-p", "/home/alice/docs"}).code == 0);
  auto inside = zone.cli({"--key", alice, "fs", "put", zone.local("note"), "/home/alice/docs/note"});
  BOOST_TEST(inside.code == 0, inside.err);
  auto outside = zone.cli({"--key", alice, "fs", "put", zone.local("note"), "/shared/mine"});
  BOOST_TEST(outside.code != 0);
  BOOST_TEST(outside.err.find("(EACCES)") != std::string::npos, outside.err);
  BOOST_TEST(outside.err.find("only under /home/alice/") != std::string::npos, outside.err);
  BOOST_TEST(zone.cli({"--key", alice, "fs", "rm", "/shared/note"}).code != 0);
  BOOST_TEST(zone.cli({"--key", alice, "fs", "mkdir", "-p", "/home/bob"}).code != 0);
  BOOST_TEST(zone.cli({"--key", alice, "fs", "get", "/shared/note", zone.local("alice-got")}).code == 0);

  auto read = zone.cli({"--key", bob, "fs", "get", "/home/alice/docs/note", "-"});
  BOOST_TEST(read.code == 0, read.err);
  BOOST_TEST(same_bytes(read.out, zone.read_local(zone.local("note"))));
  BOOST_TEST(zone.cli({"--key", bob, "fs", "ls", "/home/alice/docs"}).code == 0);
  auto write = zone.cli({"--key", bob, "fs", "put", zone.local("note"), "/home/bob-note"});
  BOOST_TEST(write.code != 0);
  BOOST_TEST(write.err.find("(EACCES)") != std::string::npos, write.err);
  BOOST_TEST(zone.cli({"--key", bob, "fs", "mkdir", "-p", "/home/bob"}).code != 0);
  BOOST_TEST(zone.cli({"--key", bob, "fs", "mv", "/home/alice/docs/note", "/home/alice/x"}).code != 0);
}

// A volume's quota: what does not fit is refused with EDQUOT and leaves nothing
// behind; a name does not move out of its volume (EXDEV); a raised quota lets it in.
BOOST_AUTO_TEST_CASE(a_volume_with_a_quota_refuses_what_does_not_fit_and_says_so) {
  fs_zone zone;
  zone.write_random("600k", 600 * 1024, 11);
  zone.write_random("300k", 300 * 1024, 12);
  auto made = zone.cli({"fs", "volume", "create", "/photos", "--quota", "1M"});
  BOOST_TEST_REQUIRE(made.code == 0, made.err + made.out);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "put", zone.local("600k"), "/photos/a"}).code == 0);
  auto over = zone.cli({"fs", "put", zone.local("600k"), "/photos/b"});
  BOOST_TEST(over.code == 1);
  BOOST_TEST(over.err.find("(EDQUOT)") != std::string::npos, over.err);
  BOOST_TEST(over.err.find("bucky fs volume list") != std::string::npos, over.err);
  BOOST_TEST(zone.cli({"fs", "stat", "/photos/b"}).code != 0);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "put", zone.local("300k"), "/photos/c"}).code == 0);

  auto listed = zone.cli({"--json", "fs", "volume", "list"});
  BOOST_TEST_REQUIRE(listed.code == 0, listed.err);
  auto volumes = json::parse(listed.out)["volumes"];
  BOOST_TEST_REQUIRE(volumes.size() == 1u, listed.out);
  BOOST_TEST(volumes[0]["path"] == "/photos");
  BOOST_TEST(volumes[0]["used_bytes"] == 900 * 1024);
  BOOST_TEST(volumes[0]["files"] == 2);
  BOOST_TEST(volumes[0]["limit_bytes"] == 1024 * 1024);
  auto text = zone.cli({"fs", "volume", "list"});
  BOOST_TEST(text.out.find("/photos") != std::string::npos, text.out);

  auto out_of_volume = zone.cli({"fs", "mv", "/photos/a", "/a"});
  BOOST_TEST(out_of_volume.code == 1);
  BOOST_TEST(out_of_volume.err.find("(EXDEV)") != std::string::npos, out_of_volume.err);

  auto bad_size = zone.cli({"fs", "volume", "quota", "/photos", "12Q"});
  BOOST_TEST(bad_size.code == 2);
  BOOST_TEST(bad_size.err.find("\"12Q\" is not a size") != std::string::npos, bad_size.err);
  auto not_volume = zone.cli({"fs", "volume", "quota", "/", "1G"});
  BOOST_TEST(not_volume.code == 1);
  BOOST_TEST(not_volume.err.find("not the root of a volume") != std::string::npos, not_volume.err);
  BOOST_TEST_REQUIRE(zone.cli({"fs", "volume", "quota", "/photos", "2M"}).code == 0);
  auto fits = zone.cli({"fs", "put", zone.local("600k"), "/photos/b"});
  BOOST_TEST(fits.code == 0, fits.err);
}
