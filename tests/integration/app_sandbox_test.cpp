// The app sandbox (actors/process_manager/sandbox.hpp) for real: the hostile sample
// app is packed, unpacked and started through start_child in bubblewrap as its own
// uid, with a fake node key, another app's data and a listening port beside it on
// the host. Every escape it tries must be blocked, and what an app may do (its data,
// its package, a folder granted to it) must work. Needs root and bwrap (CI has both).
#define BOOST_TEST_MODULE integration_app_sandbox
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "actors/packages/package_file.hpp"
#include "actors/packages/package_tree.hpp"
#include "actors/process_manager/child_process.hpp"
#include "actors/process_manager/sandbox.hpp"
#include "tests/support/sample_apps.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t hostile_uid = 70'001;
constexpr std::uint32_t other_uid = 70'002;

// The sample packed with a test key and unpacked under `root`; its unpacked directory.
std::string unpack_sample(const fs::path& root, const std::string& name, const std::string& binary) {
  const fs::path source = root / ("src-" + name);
  fs::create_directories(source / "bin");
  fs::copy_file(binary, source / "bin" / name);
  const std::string manifest = testing::read_file(std::string(BUCKY_SAMPLES_DIR) + "/" + name + "/app.json.in");
  std::ofstream(source / "app.json") << testing::replaced(manifest, "@PUBLISHER@", testing::key(3).public_part().to_text());
  auto tree = packages::read_package_directory(source.string());
  BOOST_TEST_REQUIRE(tree.has_value(), tree.error().to_string());
  auto file = packages::pack_package(tree->manifest_text, std::move(tree->entries), testing::key(3));
  BOOST_TEST_REQUIRE(file.has_value(), file.error().to_string());
  auto opened = packages::open_package(*file, name);
  BOOST_TEST_REQUIRE(opened.has_value(), opened.error().to_string());
  const fs::path target = root / "packages" / opened->content_id.substr(7);
  fs::create_directories(target.parent_path());
  auto unpacked = packages::unpack_package(*opened, target.string());
  BOOST_TEST_REQUIRE(unpacked.is_ok(), unpacked.to_string());
  return target.string();
}

fs::path owned_dir(const fs::path& path, std::uint32_t uid, mode_t mode) {
  fs::create_directories(path);
  BOOST_TEST_REQUIRE(::chown(path.c_str(), uid, uid) == 0);
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

// A listener on a loopback port: what the app must not reach.
struct host_listener {
  int fd = -1;
  std::uint16_t port = 0;
  host_listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    BOOST_TEST_REQUIRE(::listen(fd, 4) == 0);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  bool was_reached() const { return ::accept(fd, nullptr, nullptr) >= 0; }
  ~host_listener() { ::close(fd); }
};

service_spec hostile_spec(const std::vector<std::string>& tries) {
  service_spec spec;
  spec.name = "hostile";
  spec.command = {"/app/bin/hostile"};
  spec.command.insert(spec.command.end(), tries.begin(), tries.end());
  spec.limits.memory_bytes_max = 256ull << 20;
  spec.sandbox.package = "sha256:" + std::string(64, 'a');
  spec.sandbox.package_file = "/packages/hostile.bpkg";
  spec.sandbox.uid = hostile_uid;
  spec.sandbox.folders = {{"/shared", false}};
  return spec;
}

// Runs the spec to its exit (at most 30 s); the log's text.
std::string run_to_exit(const child_launch& launch) {
  auto pid = start_child(launch);
  BOOST_TEST_REQUIRE(pid.has_value(), pid.error().to_string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::optional<child_exit> exit;
  while (!(exit = reap_child(*pid)) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exit) signal_group(*pid, SIGKILL);
  BOOST_TEST_REQUIRE(exit.has_value(), "the sandboxed app did not exit within 30 s");
  const std::string log = testing::read_file(launch.log_path);
  BOOST_TEST(exit->clean, exit->description << "\n" << log);
  return log;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_bwrap_command_binds_only_the_app_pieces_and_unshares_the_network) {
  sandbox_paths paths;
  paths.package_dir = "/var/lib/bucky/apps/packages/abc";
  paths.data_dir = "/mnt/zone/apps/notes";
  paths.runtime_dir = "/var/lib/bucky/apps/run/notes-0";
  paths.folders = {{"/photos", "/mnt/zone/photos"}};
  paths.system_dirs = {{"/bin", "usr/bin"}, {"/lib", ""}};
  auto spec = hostile_spec({"--stay"});
  spec.sandbox.folders = {{"/photos", false}, {"/missing", true}};
  auto argv = sandbox_command(spec, paths);
  const std::string line = [&] {
    std::string out;
    for (const auto& word : argv) out += word + " ";
    return out;
  }();
  BOOST_TEST(argv.front() == "/usr/bin/bwrap");
  BOOST_TEST(line.find("--unshare-all") != std::string::npos);
  BOOST_TEST(line.find("--share-net") == std::string::npos, line);
  BOOST_TEST(line.find("--die-with-parent") != std::string::npos);
  BOOST_TEST(line.find("--ro-bind /var/lib/bucky/apps/packages/abc /app ") != std::string::npos, line);
  BOOST_TEST(line.find("--bind /mnt/zone/apps/notes /data ") != std::string::npos, line);
  BOOST_TEST(line.find("--ro-bind /mnt/zone/photos /zone/photos ") != std::string::npos, line);
  BOOST_TEST(line.find("/missing") == std::string::npos, line);  // no host folder: not bound
  BOOST_TEST(line.find("--symlink usr/bin /bin ") != std::string::npos, line);
  BOOST_TEST(line.find("--ro-bind /lib /lib ") != std::string::npos, line);
  BOOST_TEST(line.find("/etc/resolv.conf") == std::string::npos, line);
  BOOST_TEST(line.find("-- /app/bin/hostile --stay ") != std::string::npos, line);
  spec.sandbox.network = true;
  const auto networked = sandbox_command(spec, paths);
  BOOST_TEST(std::count(networked.begin(), networked.end(), "--share-net") == 1);
  BOOST_TEST(std::count(networked.begin(), networked.end(), "/etc/resolv.conf") == 2);
}

BOOST_AUTO_TEST_CASE(the_hostile_app_cannot_leave_its_sandbox) {
  BOOST_TEST_REQUIRE(::geteuid() == 0, "needs root (CI runs as root): apps run as their own uid");
  BOOST_TEST_REQUIRE(fs::exists("/usr/bin/bwrap"), "needs bubblewrap: run tools/setup");
  testing::temp_dir dir;
  const fs::path root = dir.path;
  ::chmod(root.c_str(), 0755);  // as a data dir is: the app's uid passes through to its pieces
  const std::string package = unpack_sample(root, "hostile", BUCKY_SAMPLE_HOSTILE);
  // The host around it: a node key, the zone's files with another app's data and a
  // folder shared with this app, and a listening port.
  fs::create_directories(root / "node");
  std::ofstream(root / "node" / "node.key") << "secret seed";
  ::chmod((root / "node" / "node.key").c_str(), 0600);
  const fs::path zone = root / "zone";
  const fs::path data = owned_dir(zone / "apps" / "hostile", hostile_uid, 0700);
  const fs::path other = owned_dir(zone / "apps" / "other", other_uid, 0700);
  std::ofstream(other / "secret") << "other app's data";
  ::chown((other / "secret").c_str(), other_uid, other_uid);
  fs::create_directories(zone / "shared");
  std::ofstream(zone / "shared" / "hello.txt") << "for everyone";
  const fs::path runtime = owned_dir(root / "run" / "hostile-0", hostile_uid, 0700);
  host_listener listener;
  const std::vector<std::string> tries = {
      "--expect-ok", "--write", "/data/own.txt",                      // its own data
      "--expect-ok", "--read", "/app/bin/hostile",                    // its package
      "--expect-ok", "--read", "/zone/shared/hello.txt",              // a granted folder
      "--read", "/etc/shadow",
      "--read", (root / "node" / "node.key").string(),                // the node key, by its host path
      "--read", (other / "secret").string(),                          // another app's data
      "--list", (zone / "apps").string(),
      "--list", "/home",
      "--write", "/zone/shared/planted.txt",                          // granted read only
      "--write", "/app/planted",                                      // its package is read-only
      "--write", "/usr/planted",
      "--write", "/planted",                                          // the sandbox's own root
      "--expect-ok", "--write", "/tmp/scratch",                       // its tmpfs
      "--connect", "127.0.0.1:" + std::to_string(listener.port),      // a port it was not given
      "--kill", std::to_string(::getpid()),                           // a host process
      "--setuid"};
  child_launch launch{hostile_spec(tries), "hostile/0", "n1", (root / "work").string(), (root / "hostile.log").string(), {}, 64};
  launch.sandbox = sandbox_paths{};
  launch.sandbox->package_dir = package;
  launch.sandbox->data_dir = data.string();
  launch.sandbox->runtime_dir = runtime.string();
  launch.sandbox->folders = {{"/shared", (zone / "shared").string()}};
  launch.sandbox->system_dirs = host_system_dirs();
  const std::string log = run_to_exit(launch);
  BOOST_TEST_MESSAGE("the hostile app reported:\n" << log);
  const std::string report = testing::read_file(data / "report.txt");
  BOOST_TEST(report.find("end\n") != std::string::npos, "no report in its data folder; log:\n" << log);
  std::istringstream lines(report);
  int blocked = 0, allowed = 0;
  for (std::string one; std::getline(lines, one);) {
    if (one == "end") continue;
    BOOST_TEST((one.find(": blocked") != std::string::npos || one.find(": ok") != std::string::npos), one);
    blocked += one.find(": blocked") != std::string::npos;
    allowed += one.find(": ok") != std::string::npos;
  }
  BOOST_TEST(allowed == 4);
  BOOST_TEST(blocked == 12);
  BOOST_TEST(!listener.was_reached());
  BOOST_TEST(!fs::exists(zone / "shared" / "planted.txt"));
  struct stat own {};
  BOOST_TEST_REQUIRE(::stat((data / "own.txt").c_str(), &own) == 0);
  BOOST_TEST(own.st_uid == hostile_uid);  // written as the app's uid, not root
}

BOOST_AUTO_TEST_CASE(its_own_uid_still_guards_what_a_wrong_grant_would_show) {
  BOOST_TEST_REQUIRE(::geteuid() == 0, "needs root (CI runs as root): apps run as their own uid");
  testing::temp_dir dir;
  const fs::path root = dir.path;
  ::chmod(root.c_str(), 0755);
  const std::string package = unpack_sample(root, "hostile", BUCKY_SAMPLE_HOSTILE);
  fs::create_directories(root / "node");
  std::ofstream(root / "node" / "node.key") << "secret seed";
  ::chmod((root / "node" / "node.key").c_str(), 0600);
  const fs::path other = owned_dir(root / "other", other_uid, 0700);
  const fs::path data = owned_dir(root / "data", hostile_uid, 0700);
  const fs::path runtime = owned_dir(root / "run", hostile_uid, 0700);
  // Suppose a bug bound the node's directory and another app's data into the sandbox:
  // the files are still the node's (root, 0600) and the other app's (0700).
  auto spec = hostile_spec({"--read", "/zone/node/node.key", "--list", "/zone/other", "--write", "/zone/node/planted"});
  spec.sandbox.folders = {{"/node", true}, {"/other", true}};
  child_launch launch{spec, "hostile/0", "n1", (root / "work").string(), (root / "hostile.log").string(), {}, 64};
  launch.sandbox = sandbox_paths{};
  launch.sandbox->package_dir = package;
  launch.sandbox->data_dir = data.string();
  launch.sandbox->runtime_dir = runtime.string();
  launch.sandbox->folders = {{"/node", (root / "node").string()}, {"/other", other.string()}};
  launch.sandbox->system_dirs = host_system_dirs();
  const std::string log = run_to_exit(launch);
  const std::string report = testing::read_file(data / "report.txt");
  BOOST_TEST(report == "read /zone/node/node.key: blocked (Permission denied)\n"
                       "list /zone/other: blocked (Permission denied)\n"
                       "write /zone/node/planted: blocked (Permission denied)\nend\n",
             log);
}
