// Service processes on the real OS: exits and signals reported, exec failures as
// errors, environment, limits, work dir, logs and their rotation, whole groups.
#define BOOST_TEST_MODULE unit_process_manager_child_process
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "actors/process_manager/child_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using namespace std::chrono_literals;

namespace {

child_launch shell(const bucky::testing::temp_dir& dir, const std::string& script) {
  child_launch launch;
  launch.spec.name = "svc";
  launch.spec.command = {"/bin/sh", "-c", script};
  launch.instance_id = "svc/0";
  launch.node_id = "n1";
  launch.work_dir = (dir.path / "work").string();
  launch.log_path = (dir.path / "logs" / "svc-0.log").string();
  return launch;
}

child_exit wait_exit(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (auto exit = reap_child(pid)) return *exit;
    std::this_thread::sleep_for(10ms);
  }
  BOOST_FAIL("the child did not exit within 5 s");
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(exit_status_environment_work_dir_and_log_are_as_specified) {
  bucky::testing::temp_dir dir;
  auto launch = shell(dir, "echo out $BUCKY_SERVICE $BUCKY_INSTANCE $BUCKY_NODE_ID $GREETING; pwd; "
                           "echo err >&2; ulimit -v; exit 3");
  launch.spec.env = {{"GREETING", "hello"}};
  launch.spec.limits.memory_bytes_max = 512ull << 20;
  auto pid = start_child(launch);
  BOOST_TEST_REQUIRE(pid.has_value(), pid.error().message());
  auto exit = wait_exit(*pid);
  BOOST_TEST(!exit.clean);
  BOOST_TEST(exit.description == "exit 3");
  auto log = bucky::testing::read_file(launch.log_path);
  BOOST_TEST(log.find("out svc svc/0 n1 hello") != std::string::npos, log);
  BOOST_TEST(log.find(launch.work_dir) != std::string::npos, log);
  BOOST_TEST(log.find("err") != std::string::npos, log);
  BOOST_TEST(log.find("524288") != std::string::npos, log);  // KiB
  // Appended, not replaced.
  auto again = start_child(shell(dir, "echo second"));
  BOOST_TEST(wait_exit(*again).clean);
  BOOST_TEST(bucky::testing::read_file(launch.log_path).find("out svc") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_exec_failure_is_an_error_not_an_exit) {
  bucky::testing::temp_dir dir;
  auto launch = shell(dir, "");
  launch.spec.command = {"/nonexistent/server"};
  auto pid = start_child(launch);
  BOOST_TEST_REQUIRE(!pid.has_value());
  BOOST_TEST(pid.error().message() == "exec /nonexistent/server: No such file or directory");
}

BOOST_AUTO_TEST_CASE(a_signal_reaches_the_whole_group) {
  bucky::testing::temp_dir dir;
  auto launch = shell(dir, "sleep 100 & echo $! > child.pid; wait");
  auto pid = start_child(launch);
  BOOST_TEST_REQUIRE(pid.has_value());
  auto child_pid_file = launch.work_dir + "/child.pid";
  for (int i = 0; i < 200 && bucky::testing::read_file(child_pid_file).empty(); ++i) std::this_thread::sleep_for(10ms);
  auto grandchild = std::stoi(bucky::testing::read_file(child_pid_file));
  BOOST_TEST(!reap_child(*pid).has_value());
  signal_group(*pid, SIGTERM);
  BOOST_TEST(wait_exit(*pid).description.find("signal 15") == 0u);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = ::kill(grandchild, 0) != 0;
    std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST(gone);  // the sleep in the background got SIGTERM too
}

BOOST_AUTO_TEST_CASE(logs_rotate_past_their_size_and_keep_the_newest_files) {
  bucky::testing::temp_dir dir;
  auto path = (dir.path / "svc.log").string();
  for (int round = 0; round < 4; ++round) {
    std::ofstream(path, std::ios::app) << std::string(100, char('a' + round)) << "\n";
    rotate_log(path, 50, 2);
  }
  BOOST_TEST(bucky::testing::read_file(path).empty());
  BOOST_TEST(bucky::testing::read_file(path + ".1").substr(0, 3) == "ddd");
  BOOST_TEST(bucky::testing::read_file(path + ".2").substr(0, 3) == "ccc");
  BOOST_TEST(!std::filesystem::exists(path + ".3"));
  std::ofstream(path, std::ios::app) << "small\n";
  rotate_log(path, 50, 2);
  BOOST_TEST(bucky::testing::read_file(path) == "small\n");
}
