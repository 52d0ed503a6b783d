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

#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using bucky::testing::temp_dir;
using namespace std::chrono_literals;

extern char** environ;

namespace {

constexpr auto deadline_default = 20s;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}


class node_process {
 public:
  node_process(const fs::path& work, std::vector<std::string> args,
               std::vector<std::string> extra_env = {})
      : stdout_path_(work / ("stdout-" + std::to_string(counter_) + ".txt")),
        stderr_path_(work / ("stderr-" + std::to_string(counter_) + ".txt")) {
    ++counter_;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    args.insert(args.begin(), BUCKY_NODE_BINARY);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (char** e = environ; *e; ++e) env_storage.emplace_back(*e);
    for (auto& e : extra_env) env_storage.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    int rc = posix_spawn(&pid_, BUCKY_NODE_BINARY, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    BOOST_TEST_REQUIRE(rc == 0);
  }

  ~node_process() {
    if (!exit_code_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  void signal(int number) { BOOST_TEST_REQUIRE(kill(pid_, number) == 0); }

  // The exit code, or nullopt if it did not exit before the deadline.
  std::optional<int> wait_exit(std::chrono::steady_clock::duration limit = deadline_default) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!exit_code_ && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    return exit_code_;
  }

  std::string out() const { return read_file(stdout_path_); }
  std::string err() const { return read_file(stderr_path_); }

  // Polls stderr (where every log line also goes) for `fragment`.
  bool wait_for_log(const std::string& fragment, std::chrono::steady_clock::duration limit = deadline_default) {
    return wait_for([&] { return err().find(fragment) != std::string::npos; }, limit);
  }
  bool wait_for_out(const std::string& fragment, std::chrono::steady_clock::duration limit = deadline_default) {
    return wait_for([&] { return out().find(fragment) != std::string::npos; }, limit);
  }

 private:
  template <class Predicate>
  static bool wait_for(Predicate done, std::chrono::steady_clock::duration limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  static inline int counter_ = 0;
  fs::path stdout_path_;
  fs::path stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

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
  };
  for (auto& args : bad) {
    node_process node(work.path, args, {"BUCKY_DATA_DIR="});
    BOOST_TEST((node.wait_exit() == 2));
    auto err = node.err();
    BOOST_TEST(count_lines(err) == 1u, "stderr: " << err);
    BOOST_TEST(err.rfind("bucky-node: ", 0) == 0u, "stderr: " << err);
  }
}

BOOST_AUTO_TEST_CASE(a_second_node_on_the_same_data_dir_is_refused) {
  temp_dir work;
  auto data = (work.path / "data").string();
  node_process first(work.path, {"--data-dir", data, "--node-id", "n1"});
  BOOST_TEST_REQUIRE(first.wait_for_log("child 'log_tail' running"));
  node_process second(work.path, {"--data-dir", data, "--node-id", "n2"});
  BOOST_TEST((second.wait_exit() == 2));
  BOOST_TEST(second.err().find("in use by another bucky-node") != std::string::npos);
  first.signal(SIGTERM);
  BOOST_TEST((first.wait_exit() == 0));
}

BOOST_AUTO_TEST_CASE(sigusr1_prints_the_actor_table_and_sigterm_stops_cleanly) {
  temp_dir work;
  auto data = (work.path / "data").string();
  node_process node(work.path, {"--data-dir", data, "--node-id", "n1"});
  BOOST_TEST_REQUIRE(node.wait_for_log("child 'log_tail' running"));
  node.signal(SIGUSR1);
  BOOST_TEST_REQUIRE(node.wait_for_out("log_tail"));
  BOOST_TEST(node.out().find("node n1: 1 supervised actors") != std::string::npos);
  BOOST_TEST(node.out().find("running") != std::string::npos);
  node.signal(SIGTERM);
  BOOST_TEST((node.wait_exit() == 0));
  auto log = node.err();
  BOOST_TEST(log.find("received SIGTERM; stopping") != std::string::npos);
  BOOST_TEST(log.find("child 'log_tail' stopped (shutdown)") != std::string::npos);
  BOOST_TEST(log.find("bucky-node exits with status 0") != std::string::npos);
  // The same lines went to the log file in the data dir.
  BOOST_TEST(read_file(fs::path(data) / "bucky-node.log").find("bucky-node exits with status 0") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigint_stops_cleanly_too) {
  temp_dir work;
  node_process node(work.path, {"--data-dir", (work.path / "d").string()});
  BOOST_TEST_REQUIRE(node.wait_for_log("child 'log_tail' running"));
  node.signal(SIGINT);
  BOOST_TEST((node.wait_exit() == 0));
}

BOOST_AUTO_TEST_CASE(print_actors_flag_prints_and_exits_zero) {
  temp_dir work;
  node_process node(work.path, {"--data-dir", (work.path / "d").string(), "--print-actors"});
  BOOST_TEST((node.wait_exit() == 0));
  BOOST_TEST(node.out().find("log_tail    running") != std::string::npos, node.out());
}

BOOST_AUTO_TEST_CASE(crashes_restart_children_until_the_intensity_stops_the_node_with_status_one) {
  temp_dir work;
  node_process node(work.path,
                    {"--data-dir", (work.path / "d").string(), "--restart-max", "2",
                     "--restart-period-ms", "60000"},
                    {"BUCKY_FAULT_INJECTION=1"});
  BOOST_TEST_REQUIRE(node.wait_for_log("child 'log_tail' running"));
  for (int crash = 1; crash <= 2; ++crash) {
    node.signal(SIGUSR2);
    BOOST_TEST_REQUIRE(node.wait_for_log("child 'log_tail' running (actor", deadline_default));
    auto expected = "restarts " + std::to_string(crash) + ")";
    BOOST_TEST_REQUIRE(node.wait_for_log(expected), "waiting for " << expected);
  }
  BOOST_TEST(node.err().find("child 'log_tail' crashed: fault injected: crash requested") !=
             std::string::npos);
  node.signal(SIGUSR2);
  BOOST_TEST((node.wait_exit() == 1));
  BOOST_TEST(node.err().find("restart intensity exceeded: more than 2 restarts within 60000 ms") !=
             std::string::npos);
}
