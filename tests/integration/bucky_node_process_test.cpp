// bucky-node as a real process: flags, exit codes, data dir lock, signals, and
// supervision seen from outside. Waits poll with deadlines; nothing sleeps blindly.
#define BOOST_TEST_MODULE integration_bucky_node
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using bucky::testing::temp_dir;
using namespace bucky::testing;
using namespace std::chrono_literals;


BOOST_AUTO_TEST_CASE(help_and_version_exit_zero) {
  temp_dir work;
  node_process help(work.path, {"--help"});
  BOOST_TEST((help.wait_exit() == 0));
  BOOST_TEST(help.out().find("--data-dir") != std::string::npos);
  node_process version(work.path, {"--version"});
  BOOST_TEST((version.wait_exit() == 0));
  BOOST_TEST(version.out().find("bucky-node ") == 0u);
}

BOOST_AUTO_TEST_CASE(usage_errors_are_one_line_and_exit_two) {
  temp_dir work;
  auto data = (work.path / "data").string();
  std::vector<std::vector<std::string>> bad = {
      {"--bogus"},
      {},  // no data dir
      {"--data-dir", data, "--log-level", "loud"},
      {"--data-dir", data, "--restart-max", "-1"},
      {"--data-dir", "/proc/version"},
      {"--data-dir", data, "--listen", "nowhere"},
      {"--data-dir", data, "--zone-id", ""},
  };
  for (auto& args : bad) {
    node_process node(work.path, args, {"BUCKY_DATA_DIR="});
    BOOST_TEST((node.wait_exit() == 2));
    auto err = node.err();
    BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
    BOOST_TEST(err.rfind("bucky-node: ", 0) == 0u, "stderr: " << err);
  }
}

BOOST_AUTO_TEST_CASE(print_key_is_stable_and_bad_key_or_peers_files_stop_the_start) {
  temp_dir work;
  auto data = work.path / "data";
  node_process first(work.path, {"--data-dir", data.string(), "--print-key"});
  BOOST_TEST_REQUIRE((first.wait_exit() == 0));
  node_process again(work.path, {"--data-dir", data.string(), "--print-key"});
  BOOST_TEST_REQUIRE((again.wait_exit() == 0));
  BOOST_TEST(first.out().size() == 44u);  // 43 characters and a newline
  BOOST_TEST(first.out() == again.out());

  std::ofstream(data / "peers") << "node n2 not-a-key 127.0.0.1:7000\n";
  node_process bad_peers(work.path, {"--data-dir", data.string(), "--listen", "127.0.0.1:0"});
  BOOST_TEST((bad_peers.wait_exit() == 2));
  BOOST_TEST(bad_peers.err().find((data / "peers").string() + " line 1") != std::string::npos, bad_peers.err());
  fs::remove(data / "peers");

  fs::permissions(data / "node.key", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                         fs::perms::others_read);
  node_process readable_key(work.path, {"--data-dir", data.string(), "--listen", "127.0.0.1:0"});
  BOOST_TEST((readable_key.wait_exit() == 2));
  BOOST_TEST(readable_key.err().find("chmod 600") != std::string::npos, readable_key.err());
  BOOST_TEST(count_lines(readable_key.err()) == 1u);
}

BOOST_AUTO_TEST_CASE(a_second_node_on_the_same_data_dir_is_refused) {
  temp_dir work;
  auto data = (work.path / "data").string();
  node_process first(work.path, {"--data-dir", data, "--node-id", "n1", "--listen", "127.0.0.1:0"});
  BOOST_TEST_REQUIRE(first.wait_for_log("child 'log_tail' running"));
  node_process second(work.path, {"--data-dir", data, "--node-id", "n2", "--listen", "127.0.0.1:0"});
  BOOST_TEST((second.wait_exit() == 2));
  BOOST_TEST(second.err().find("in use by another bucky-node") != std::string::npos);
  first.signal(SIGTERM);
  BOOST_TEST((first.wait_exit() == 0));
}

BOOST_AUTO_TEST_CASE(sigusr1_prints_the_actor_table_and_sigterm_stops_cleanly) {
  temp_dir work;
  auto data = (work.path / "data").string();
  node_process node(work.path, {"--data-dir", data, "--node-id", "n1", "--listen", "127.0.0.1:0"});
  BOOST_TEST_REQUIRE(node.wait_for_log("child 'log_tail' running"));
  node.signal(SIGUSR1);
  BOOST_TEST_REQUIRE(node.wait_for_out("log_tail"));
  // No identity and no peers file: a node waiting for activation.
  BOOST_TEST(node.out().find("node n1: 3 supervised actors") != std::string::npos, node.out());
  BOOST_TEST(node.out().find("activation") != std::string::npos);
  BOOST_TEST(node.out().find("running") != std::string::npos);
  node.signal(SIGTERM);
  BOOST_TEST((node.wait_exit() == 0));
  auto log = node.err();
  BOOST_TEST(log.find("received SIGTERM; stopping") != std::string::npos);
  BOOST_TEST(log.find("child 'log_tail' stopped (shutdown)") != std::string::npos);
  // Children stop in reverse start order: transport (started last) first.
  auto transport_stop = log.find("stopping child 'transport'");
  auto log_tail_stop = log.find("stopping child 'log_tail'");
  BOOST_TEST_REQUIRE(transport_stop != std::string::npos);
  BOOST_TEST_REQUIRE(log_tail_stop != std::string::npos);
  BOOST_TEST(transport_stop < log_tail_stop);
  BOOST_TEST(log.find("child 'transport' stopped (shutdown)") < log_tail_stop);
  BOOST_TEST(log.find("bucky-node exits with status 0") != std::string::npos);
  // The same lines went to the log file in the data dir.
  BOOST_TEST(read_file(fs::path(data) / "bucky-node.log").find("bucky-node exits with status 0") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigint_stops_cleanly_too) {
  temp_dir work;
  node_process node(work.path, {"--data-dir", (work.path / "d").string(), "--listen", "127.0.0.1:0"});
  BOOST_TEST_REQUIRE(node.wait_for_log("child 'log_tail' running"));
  node.signal(SIGINT);
  BOOST_TEST((node.wait_exit() == 0));
}

BOOST_AUTO_TEST_CASE(print_actors_flag_prints_and_exits_zero) {
  temp_dir work;
  node_process node(work.path, {"--data-dir", (work.path / "d").string(), "--listen", "127.0.0.1:0", "--print-actors"});
  BOOST_TEST((node.wait_exit() == 0), node.err());
  BOOST_TEST(node.out().find("log_tail    running") != std::string::npos, node.out());
}

BOOST_AUTO_TEST_CASE(crashes_restart_children_until_the_intensity_stops_the_node_with_status_one) {
  temp_dir work;
  fs::create_directories(work.path / "d");
  std::ofstream(work.path / "d" / "peers") << "# a development node that trusts nobody\n";
  node_process node(work.path,
                    {"--data-dir", (work.path / "d").string(), "--listen", "127.0.0.1:0", "--restart-max", "4",
                     "--restart-period-ms", "60000"},
                    {"BUCKY_FAULT_INJECTION=1"});
  BOOST_TEST_REQUIRE(node.wait_for_log("child 'transport' running"));
  for (int crash = 1; crash <= 2; ++crash) {
    node.signal(SIGUSR2);  // both children crash once
    for (auto child : {"log_tail", "transport"}) {
      auto expected = fmt::format("child '{}' running (actor", child);
      auto restarts = fmt::format("restarts {})", crash);
      BOOST_TEST_REQUIRE(node.wait_for([&] {
        auto log = node.err();
        for (auto at = log.find(expected); at != std::string::npos; at = log.find(expected, at + 1)) {
          auto line_end = log.find('\n', at);
          if (log.substr(at, line_end - at).find(restarts) != std::string::npos) return true;
        }
        return false;
      }), "waiting for " << child << " " << restarts);
    }
  }
  BOOST_TEST(node.err().find("child 'log_tail' crashed: fault injected: crash requested") != std::string::npos);
  node.signal(SIGUSR2);
  BOOST_TEST((node.wait_exit() == 1));
  BOOST_TEST(node.err().find("restart intensity exceeded: more than 4 restarts within 60000 ms") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_identity_file_names_the_node_and_flags_may_not_contradict_it) {
  temp_dir work;
  auto data = work.path / "data";
  fs::create_directories(data);
  {
    std::ofstream identity(data / "identity");
    identity << "bucky-node-identity-v1\nzone_id home.example\nnode_id kitchen\n"
             << "owner_key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
  }
  fs::permissions(data / "identity", fs::perms::owner_read | fs::perms::owner_write);
  node_process contradicted(work.path, {"--data-dir", data.string(), "--node-id", "garage", "--listen", "127.0.0.1:0"});
  BOOST_TEST((contradicted.wait_exit() == 2));
  BOOST_TEST(contradicted.err().find("--node-id garage contradicts") != std::string::npos, contradicted.err());
  BOOST_TEST(contradicted.err().find("says kitchen") != std::string::npos, contradicted.err());

  // Named by the file, the node looks for its zone config next (step 2).
  node_process named(work.path, {"--data-dir", data.string(), "--listen", "127.0.0.1:0"});
  BOOST_TEST((named.wait_exit() == 1));
  BOOST_TEST(named.err().find("boot: zone config: none for zone home.example") != std::string::npos, named.err());

  std::ofstream(data / "identity") << "bucky-node-identity-v1\nzone_id home.example\n";
  node_process damaged(work.path, {"--data-dir", data.string(), "--listen", "127.0.0.1:0"});
  BOOST_TEST((damaged.wait_exit() == 2));
  BOOST_TEST(damaged.err().find("identity line 3") != std::string::npos, damaged.err());
}
