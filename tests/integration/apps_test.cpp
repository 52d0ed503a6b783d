// Apps on a real zone (issue 20): three bucky-node processes mounting the zone's
// files, the sample notes app packed by the test, installed with the CLI as a
// person would, reached through its node, upgraded, rolled back, moved by the
// scheduler when its node is killed (with its data), removed and purged; and every
// bad package or repo refused with nothing installed. Needs root and /dev/fuse
// (apps keep their data in the zone's files) and bwrap: CI has all three.
#define BOOST_TEST_MODULE integration_apps
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/packages/package_file.hpp"
#include "net/key_file.hpp"
#include "tests/support/mounted_zone.hpp"
#include "tests/support/plain_http.hpp"
#include "tests/support/sample_apps.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A publisher key made with the CLI; its public part.
std::string make_key(mounted_zone& zone, const std::string& file) {
  auto made = zone.cli({"--key", (zone.dir.path / file).string(), "key", "create"});
  BOOST_TEST_REQUIRE(made.code == 0, made.err);
  return made.out.substr(0, made.out.find('\n'));
}

// The notes sample packed at `version` by the key in `key_file`; the package's path.
std::string pack_notes(mounted_zone& zone, const std::string& version, const std::string& key_file, const std::string& publisher) {
  const fs::path source = zone.dir.path / ("notes-src-" + version);
  fs::create_directories(source / "bin");
  fs::copy_file(BUCKY_SAMPLE_NOTES, source / "bin" / "notes", fs::copy_options::overwrite_existing);
  const std::string manifest = read_file(std::string(BUCKY_SAMPLES_DIR) + "/notes/app.json.in");
  std::ofstream(source / "app.json") << replaced(replaced(manifest, "@PUBLISHER@", publisher), "@VERSION@", version);
  const std::string out = (zone.dir.path / ("notes-" + version + ".bpkg")).string();
  auto packed = zone.cli({"pkg", "pack", source.string(), "--key", (zone.dir.path / key_file).string(), "--out", out});
  BOOST_TEST_REQUIRE(packed.code == 0, packed.err);
  return out;
}

struct placed_app {
  std::string node, state;
  std::uint16_t port = 0;
};

placed_app where_is(mounted_zone& zone, const std::string& app) {
  auto status = zone.cli({"--json", "app", "status", app});
  auto parsed = json::parse(status.out, nullptr, false);
  if (status.code != 0 || !parsed.is_object() || parsed["instances"].empty()) return {};
  const auto& row = parsed["instances"][0];
  placed_app out{row["node"], row["state"], 0};
  if (!row["ports"].empty()) out.port = row["ports"][0].get<std::uint16_t>();
  return out;
}

// Until the app runs (not on `not_on`) and answers /health with `health`; where.
placed_app wait_serving(mounted_zone& zone, const std::string& health, const std::string& not_on = "",
                        std::chrono::seconds limit = 60s) {
  placed_app last;
  std::string answer;
  const bool served = node_process::wait_for(
      [&] {
        last = where_is(zone, "notes");
        if (last.state != "running" || last.port == 0 || last.node == not_on) return false;
        answer = plain_http(last.port, "GET", "/health").body;
        return answer == "ok " + health + "\n";
      },
      limit);
  BOOST_TEST_REQUIRE(served, "notes never served version " << health << " (last: " << last.node << " " << last.state
                                                           << " port " << last.port << " answer " << answer << ")\n"
                                                           << zone.node_warnings());
  return last;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_app_installs_runs_sandboxed_and_keeps_its_data_through_upgrade_rollback_failover_and_reinstall) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  const std::string publisher = make_key(zone, "publisher.key");
  const std::string v1 = pack_notes(zone, "1.0.0", "publisher.key", publisher);
  const std::string v2 = pack_notes(zone, "1.1.0", "publisher.key", publisher);

  auto verified = zone.cli({"pkg", "verify", v1});
  BOOST_TEST_REQUIRE(verified.code == 0, verified.err);
  BOOST_TEST(verified.out.find("asks for    folders /shared/notes (write)") != std::string::npos, verified.out);

  const auto install_started = std::chrono::steady_clock::now();
  auto installed = zone.cli({"app", "install", v1, "--grant", "all", "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(installed.code == 0, installed.out << installed.err << zone.node_warnings());
  auto first = wait_serving(zone, "1.0.0");
  BOOST_TEST_MESSAGE("notes 1.0.0 installed and serving in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - install_started).count()
                     << " ms on " << first.node);
  auto posted = plain_http(first.port, "POST", "/notes", "buy milk");
  BOOST_TEST_REQUIRE(posted.status == 201, posted.body);
  BOOST_TEST(plain_http(first.port, "GET", "/notes").body == "1 buy milk\n");
  // Through kRPC, as itself: its index in the zone state, under its own prefix.
  auto who = plain_http(first.port, "GET", "/whoami");
  BOOST_TEST(who.body.find(R"("app":"notes","expires_unix_s")") != std::string::npos, who.body);
  BOOST_TEST(plain_http(first.port, "GET", "/index").body == "{\"keys\":[\"notes/1\"],\"more\":false}\n");
  BOOST_TEST(zone.get("/app-data/notes/notes/1").find("buy milk") != std::string::npos);
  std::ofstream(zone.mount("n3") + "/shared/notes/from-n3.txt") << "hello";
  auto shared = plain_http(first.port, "GET", "/shared");  // kRPC files, in a granted folder
  BOOST_TEST(shared.body == "{\"more\":false,\"names\":[\"from-n3.txt\"]}\n", shared.body);

  // Its data is in the zone's files, the app's own, seen from any node.
  struct stat data {};
  const std::string note = zone.mount("n2") + "/apps/notes/notes/1.txt";
  BOOST_TEST_REQUIRE(::stat(note.c_str(), &data) == 0);
  BOOST_TEST(data.st_uid == 70'000u);
  BOOST_TEST((data.st_mode & 0777) == 0600u);
  BOOST_TEST(read_file(note) == "buy milk");

  auto upgraded = zone.cli({"app", "upgrade", v2, "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(upgraded.code == 0, upgraded.out << upgraded.err);
  BOOST_TEST(upgraded.out.find("granted: folders /shared/notes (write)") != std::string::npos, upgraded.out);
  auto second = wait_serving(zone, "1.1.0");
  BOOST_TEST(plain_http(second.port, "GET", "/notes").body == "1 buy milk\n");
  auto rolled = zone.cli({"app", "rollback", "notes", "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(rolled.code == 0, rolled.out << rolled.err);
  auto third = wait_serving(zone, "1.0.0");
  auto listed = zone.cli({"app", "list"});
  BOOST_TEST(listed.out.find("notes            1.0.0        1.1.0") != std::string::npos, listed.out);

  // The node running it dies: the scheduler moves it, and its notes come along.
  const auto killed_at = std::chrono::steady_clock::now();
  zone.nodes[third.node]->signal(SIGKILL);
  auto moved = wait_serving(zone, "1.0.0", third.node, 90s);
  BOOST_TEST_MESSAGE("notes ran again on " << moved.node << " "
                                           << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at).count()
                                           << " ms after " << third.node << " was killed");
  BOOST_TEST(plain_http(moved.port, "GET", "/notes").body == "1 buy milk\n");
  BOOST_TEST(plain_http(moved.port, "POST", "/notes", "call mum").status == 201);  // kRPC from the new node too
  zone.restart(third.node);

  auto removed = zone.cli({"app", "remove", "notes"});
  BOOST_TEST_REQUIRE(removed.code == 0, removed.err);
  BOOST_TEST(node_process::wait_for([&] { return plain_http(moved.port, "GET", "/health").status == 0; }, 30s));
  BOOST_TEST(fs::exists(zone.mount("n1") + "/apps/notes/notes/1.txt"));  // data stays
  // By name: no repo is configured, so from the zone repo, which kept both versions.
  auto again = zone.cli({"app", "install", "notes#1.0.0", "--grant", "all", "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(again.code == 0, again.out << again.err);
  auto back = wait_serving(zone, "1.0.0");
  BOOST_TEST(plain_http(back.port, "GET", "/notes").body == "1 buy milk\n2 call mum\n");  // same uid: its data again
  auto purged = zone.cli({"app", "remove", "notes", "--purge"});
  BOOST_TEST_REQUIRE(purged.code == 0, purged.err);
  BOOST_TEST(!fs::exists(zone.mount("n3") + "/apps/notes"));
  BOOST_TEST(purged.out.find("zone repo: dropped notes 1.1.0") != std::string::npos, purged.out);
  BOOST_TEST(zone.cli({"kv", "get", "/repo/notes/1.0.0"}).code != 0);
  BOOST_TEST(fs::is_empty(zone.mount("n2") + "/packages"));  // both package files went with their entries
}

BOOST_AUTO_TEST_CASE(bad_packages_and_repos_are_refused_with_nothing_installed) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  const std::string publisher = make_key(zone, "publisher.key");
  const std::string other = make_key(zone, "other.key");
  const std::string v1 = pack_notes(zone, "1.0.0", "publisher.key", publisher);
  const std::string bytes = read_file(v1);
  auto refused = [&](const std::vector<std::string>& args, const std::string& says) {
    auto run = zone.cli(args);
    BOOST_TEST(run.code != 0, "accepted: " << args.back());
    BOOST_TEST(run.err.find(says) != std::string::npos, run.err);
  };
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream((zone.dir.path / name).string(), std::ios::binary) << content;
    return (zone.dir.path / name).string();
  };

  std::string tampered = bytes;
  tampered[tampered.size() / 2] ^= 0x01;
  refused({"app", "install", write("tampered.bpkg", tampered), "--grant", "all"}, "does not verify");
  refused({"app", "install", write("cut.bpkg", bytes.substr(0, bytes.size() - 10)), "--grant", "all"}, "truncated");
  // The manifest says another publisher: the signature is the first's.
  refused({"app", "install", write("other.bpkg", replaced(bytes, publisher, other)), "--grant", "all"}, "does not verify against publisher");
  refused({"app", "install", v1, "--grant", "/etc"}, "did not ask for folder /etc");
  // A manifest with a bad field is refused at packing, naming it.
  const fs::path bad_source = zone.dir.path / "bad-src";
  fs::create_directories(bad_source / "bin");
  std::ofstream(bad_source / "bin" / "run") << "#!/bin/sh\n";
  std::ofstream(bad_source / "app.json") << R"({"format":1,"name":"Bad_Name","version":"1.0.0","publisher":")" << publisher
                                         << R"(","command":["bin/run"]})";
  auto bad_pack = zone.cli({"pkg", "pack", bad_source.string(), "--key", (zone.dir.path / "publisher.key").string()});
  BOOST_TEST(bad_pack.code == 2, bad_pack.err);
  BOOST_TEST(bad_pack.err.find("\"name\"") != std::string::npos, bad_pack.err);
  // A package whose entry leaves the package, properly signed by its publisher.
  auto key = net::load_key_file((zone.dir.path / "publisher.key").string());
  BOOST_TEST_REQUIRE(key.has_value());
  const std::string escape_manifest =
      R"({"format":1,"name":"escape","version":"1.0.0","publisher":")" + publisher + R"(","command":["bin/run"]})";
  const std::string escape = packages::encode_package(
      escape_manifest, {{"../../etc/cron.d/x", packages::entry_kind::file, "x"}, {"bin/run", packages::entry_kind::executable, "x"}}, *key);
  refused({"app", "install", write("escape.bpkg", escape), "--grant", "all"}, "not a normalized path");
  refused({"app", "install", "nosuchapp"}, "no repos");
  refused({"app", "upgrade", v1}, "is not installed");

  // A repo: built and signed with the publisher's key, served on loopback.
  fs::create_directories(zone.dir.path / "repo" / "packages");
  fs::copy_file(v1, zone.dir.path / "repo" / "packages" / "notes-1.0.0.bpkg");
  auto built = zone.cli({"repo", "build", (zone.dir.path / "repo").string(), "--key", (zone.dir.path / "publisher.key").string()});
  BOOST_TEST_REQUIRE(built.code == 0, built.err);
  static_http_server server(zone.dir.path / "repo");
  refused({"repo", "add", "main", server.url(), "--key", other}, "not signed by the repo's key");
  auto added = zone.cli({"repo", "add", "main", server.url(), "--key", publisher});
  BOOST_TEST_REQUIRE(added.code == 0, added.err);
  auto found = zone.cli({"app", "search", "notes"});
  BOOST_TEST(found.out.find("notes            1.0.0        main") != std::string::npos, found.out);
  refused({"app", "install", "nosuchapp"}, "has no app nosuchapp");
  refused({"app", "install", "notes#9.9.9"}, "not 9.9.9");
  // The server now hands out other bytes than its signed index names.
  std::ofstream((zone.dir.path / "repo" / "packages" / "notes-1.0.0.bpkg").string(), std::ios::binary) << tampered;
  refused({"app", "install", "notes", "--grant", "all"}, "as the signed index says");

  auto listed = zone.cli({"--json", "app", "list"});
  BOOST_TEST(json::parse(listed.out)["apps"].empty(), listed.out);
  auto packages = zone.cli({"fs", "ls", "/packages"});
  BOOST_TEST(packages.code != 0, packages.out);  // nothing was kept in the zone repo

  // The original package from the repo installs; a repo that then vanishes breaks nothing.
  std::ofstream((zone.dir.path / "repo" / "packages" / "notes-1.0.0.bpkg").string(), std::ios::binary) << bytes;
  auto installed = zone.cli({"app", "install", "notes", "--grant", "all", "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(installed.code == 0, installed.out << installed.err);
  auto removed = zone.cli({"repo", "remove", "main"});
  BOOST_TEST_REQUIRE(removed.code == 0, removed.err);
  wait_serving(zone, "1.0.0");
  // Another publisher's "upgrade" is refused.
  auto impostor = pack_notes(zone, "2.0.0", "other.key", other);
  refused({"app", "upgrade", impostor}, "from publisher");
}

BOOST_AUTO_TEST_CASE(a_hostile_app_in_the_zone_cannot_reach_another_apps_data_or_act_as_it) {
  if (!fuse_usable()) return;
  mounted_zone zone;
  const std::string publisher = make_key(zone, "publisher.key");
  auto notes = zone.cli({"app", "install", pack_notes(zone, "1.0.0", "publisher.key", publisher), "--grant", "all", "--node", "n1",
                         "--wait-ms", "30000"});
  BOOST_TEST_REQUIRE(notes.code == 0, notes.out << notes.err);
  auto serving = wait_serving(zone, "1.0.0");
  BOOST_TEST_REQUIRE(plain_http(serving.port, "POST", "/notes", "secret plan").status == 201);
  // Suppose notes' identity leaked into a folder the hostile app may read.
  fs::create_directories(zone.mount("n1") + "/shared");
  fs::copy_file(zone.data(serving.node) + "/apps/run/notes-0/identity", zone.mount("n1") + "/shared/stolen-identity");
  ::chmod((zone.mount("n1") + "/shared/stolen-identity").c_str(), 0644);
  fs::create_symlink("/etc/shadow", zone.mount("n1") + "/shared/evil");  // a link out of the zone

  const fs::path source = zone.dir.path / "hostile-src";
  fs::create_directories(source / "bin");
  fs::copy_file(BUCKY_SAMPLE_HOSTILE, source / "bin" / "hostile");
  const json tries = {"bin/hostile",
                      "--expect-ok", "--krpc-put", "mine",                 // its own kRPC key
                      "--expect-ok", "--read", "/zone/shared/stolen-identity",
                      "--expect-ok", "--krpc-file-put", "/apps/hostile/mine.txt",  // its own folder
                      "--expect-ok", "--krpc-file-get", "/shared/stolen-identity", // granted read
                      "--krpc-put", "../notes/notes/1",                    // out of its prefix
                      "--krpc-file-get", "/apps/notes/notes/1.txt",        // another app's data
                      "--krpc-file-put", "/shared/planted",                // granted read-only
                      "--krpc-file-get", "/etc/shadow",
                      "--krpc-file-get", "/shared/evil",                   // a symlink to the host's /etc/shadow
                      "--read", "/zone/shared/evil",
                      "--krpc-identity", "/zone/shared/stolen-identity",   // as notes
                      "--read", "/zone/apps/notes/notes/1.txt",
                      "--list", "/zone/apps",
                      "--connect", "127.0.0.1:" + std::to_string(serving.port),
                      "--stay"};
  json manifest = json::parse(replaced(read_file(std::string(BUCKY_SAMPLES_DIR) + "/hostile/app.json.in"), "@PUBLISHER@", publisher));
  manifest["command"] = tries;
  std::ofstream(source / "app.json") << manifest.dump();
  const std::string package = (zone.dir.path / "hostile.bpkg").string();
  auto packed = zone.cli({"pkg", "pack", source.string(), "--key", (zone.dir.path / "publisher.key").string(), "--out", package});
  BOOST_TEST_REQUIRE(packed.code == 0, packed.err);
  // At a terminal, each ask is a question (script(1) gives the CLI one); y grants it.
  zone.sh(std::string("printf 'y\\n' | HOME=\"$PWD/home\" script -qec \"") + BUCKY_CLI_BINARY +
          " --zone zone app install hostile.bpkg --node n1 --wait-ms 30000\" /dev/null > prompt.out\n"
          "grep -q 'allow it to read the zone folder /shared? \\[y/N\\]' prompt.out\n"
          "grep -q 'granted: folders /shared (read)' prompt.out");
  std::string report;
  BOOST_TEST(node_process::wait_for(
                 [&] {
                   report = read_file(zone.mount("n2") + "/apps/hostile/report.txt");
                   return report.find("end\n") != std::string::npos;
                 },
                 60s),
             "no report from the hostile app:\n" << zone.node_warnings());
  BOOST_TEST_MESSAGE("the hostile app in the zone reported:\n" << report);
  BOOST_TEST(report.find("OPEN") == std::string::npos, report);
  BOOST_TEST(report.find("FAILED") == std::string::npos, report);
  // Both run on n1: the identity is this node's, but of another endpoint's app.
  BOOST_TEST(report.find("krpc-identity /zone/shared/stolen-identity: blocked (HTTP 401") != std::string::npos, report);
  BOOST_TEST(report.find("not of this endpoint's app") != std::string::npos, report);
  BOOST_TEST(report.find("krpc-put ../notes/notes/1: blocked (HTTP 400") != std::string::npos, report);
  BOOST_TEST(zone.get("/app-data/hostile/mine").find("x") != std::string::npos);
  BOOST_TEST(report.find("krpc-file-get /apps/notes/notes/1.txt: blocked (HTTP 403") != std::string::npos, report);
  BOOST_TEST(report.find("krpc-file-get /shared/evil: blocked (HTTP 403") != std::string::npos, report);
  BOOST_TEST(read_file(zone.mount("n3") + "/apps/hostile/mine.txt") == "planted");
  BOOST_TEST(!fs::exists(zone.mount("n3") + "/shared/planted"));
  BOOST_TEST(zone.get("/app-data/notes/notes/1").find("secret plan") != std::string::npos);  // untouched
}
