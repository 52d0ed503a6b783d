// A bucky-node (or another of our binaries) started as a real process with posix_spawn: stdout and stderr go to
// files, waits poll with deadlines, and the process is killed if a test leaves it.
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace bucky::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto deadline_default = 20s;


class node_process {
 public:
  node_process(const fs::path& work, std::vector<std::string> args, std::vector<std::string> extra_env = {},
               const std::string& binary = BUCKY_NODE_BINARY)
      : stdout_path_(work / ("stdout-" + std::to_string(counter_) + ".txt")),
        stderr_path_(work / ("stderr-" + std::to_string(counter_) + ".txt")) {
    ++counter_;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage;
    // extra_env overrides: a variable named there is not inherited.
    auto overridden = [&](const char* entry) {
      for (const auto& e : extra_env) {
        auto name = e.substr(0, e.find('=') + 1);
        if (std::string_view(entry).substr(0, name.size()) == name) return true;
      }
      return false;
    };
    for (char** e = environ; *e; ++e) {
      if (!overridden(*e)) env_storage.emplace_back(*e);
    }
    for (auto& e : extra_env) env_storage.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
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

  template <class Predicate>
  static bool wait_for(Predicate done, std::chrono::steady_clock::duration limit = deadline_default) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

 private:
  static inline int counter_ = 0;
  fs::path stdout_path_;
  fs::path stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// `binary args...` as a process, inside network namespace `netns` when one is named
// (`ip netns exec`, which execs it: the process is the one signalled and waited for).
inline std::unique_ptr<node_process> spawn_in(const std::string& netns, const fs::path& work,
                                              std::vector<std::string> args, std::vector<std::string> extra_env = {},
                                              const std::string& binary = BUCKY_NODE_BINARY) {
  if (netns.empty()) return std::make_unique<node_process>(work, std::move(args), std::move(extra_env), binary);
  args.insert(args.begin(), {"netns", "exec", netns, binary});
  return std::make_unique<node_process>(work, std::move(args), std::move(extra_env), "/usr/sbin/ip");
}

inline std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace bucky::testing
