// Debian's chromium, headless, driven over the DevTools protocol for browser tests
// (issue 21): the protocol's JSON messages go through two pipes
// (--remote-debugging-pipe: the browser reads fd 3 and writes fd 4, one message per
// NUL), so nothing listens on a port and nothing but Debian packages is needed.
// Every wait is bounded; the browser is closed (then killed) when this goes.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

extern char** environ;

namespace bucky::testing {

class cdp_browser {
 public:
  using json = nlohmann::json;

  // `home`: the browser's HOME and profile (its NSS database of trusted roots).
  cdp_browser(const std::filesystem::path& home, std::vector<std::string> flags) {
    int to_browser[2], from_browser[2];
    BOOST_TEST_REQUIRE(::pipe2(to_browser, O_CLOEXEC) == 0);
    BOOST_TEST_REQUIRE(::pipe2(from_browser, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_browser[0], 3);
    posix_spawn_file_actions_adddup2(&actions, from_browser[1], 4);
    const auto log = (home / "chromium.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args{"/usr/bin/chromium", "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                                  "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                                  "--user-data-dir=" + (home / "profile").string()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back("about:blank");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env{"HOME=" + home.string(), "PATH=/usr/bin:/bin"};
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    BOOST_TEST_REQUIRE(::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_browser[0]);
    ::close(from_browser[1]);
    write_fd_ = to_browser[1];
    read_fd_ = from_browser[0];
  }

  ~cdp_browser() {
    if (pid_ <= 0) return;
    (void)call("Browser.close", {}, "", std::chrono::seconds(3));
    for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(write_fd_);
    ::close(read_fd_);
  }

  // One command and its answer ({} and a test failure when none comes in time).
  json call(const std::string& method, json params = json::object(), const std::string& session = "",
            std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    const int id = ++next_id_;
    json message{{"id", id}, {"method", method}, {"params", std::move(params)}};
    if (!session.empty()) message["sessionId"] = session;
    auto text = message.dump();
    text.push_back('\0');
    for (std::size_t sent = 0; sent < text.size();) {
      auto n = ::write(write_fd_, text.data() + sent, text.size() - sent);
      if (n <= 0) return {};
      sent += static_cast<std::size_t>(n);
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto end = buffer_.find('\0'); end != std::string::npos; end = buffer_.find('\0')) {
        auto reply = json::parse(buffer_.substr(0, end), nullptr, false);
        buffer_.erase(0, end + 1);
        if (reply.is_object() && reply.value("id", -1) == id) {
          BOOST_TEST(!reply.contains("error"), method << ": " << reply.dump());
          return reply.value("result", json::object());
        }
      }
      pollfd readable{read_fd_, POLLIN, 0};
      if (::poll(&readable, 1, 200) <= 0) continue;
      char chunk[1 << 16];
      auto n = ::read(read_fd_, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    BOOST_TEST(false, method << ": no answer from chromium in time");
    return {};
  }

  // A new tab; the session its commands go to.
  std::string open(const std::string& url) {
    auto target = call("Target.createTarget", {{"url", url}});
    auto attached = call("Target.attachToTarget", {{"targetId", target.value("targetId", "")}, {"flatten", true}});
    return attached.value("sessionId", "");
  }

  void go(const std::string& session, const std::string& url) { call("Page.navigate", {{"url", url}}, session); }

  // The value of a JavaScript expression in the page (promises awaited).
  json eval(const std::string& session, const std::string& expression) {
    auto answer = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}},
                       session);
    if (answer.contains("exceptionDetails")) return json();
    return answer.contains("result") ? answer["result"].value("value", json()) : json();
  }

  // Until the expression is true in the page (bounded); false at the deadline.
  bool wait_true(const std::string& session, const std::string& expression,
                 std::chrono::steady_clock::duration limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (eval(session, "Boolean(" + expression + ")") == json(true)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  void screenshot(const std::string& session, const std::filesystem::path& file) {
    auto shot = call("Page.captureScreenshot", {{"format", "png"}}, session);
    auto data = shot.value("data", std::string());
    BOOST_TEST(!data.empty(), "no screenshot for " << file);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << decode_base64(data);
  }

  // Gives a file input (a CSS selector) a local file, as a person choosing it would.
  void choose_file(const std::string& session, const std::string& selector, const std::string& path) {
    auto document = call("DOM.getDocument", {}, session);
    auto root = document["root"].value("nodeId", 0);
    auto node = call("DOM.querySelector", {{"nodeId", root}, {"selector", selector}}, session).value("nodeId", 0);
    BOOST_TEST_REQUIRE(node != 0, "no " << selector);
    call("DOM.setFileInputFiles", {{"files", json::array({path})}, {"nodeId", node}}, session);
  }

 private:
  static std::string decode_base64(const std::string& text) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
      auto at = alphabet.find(c);
      if (at == std::string::npos) continue;
      bits = (bits << 6) | static_cast<unsigned>(at);
      count += 6;
      if (count >= 8) {
        count -= 8;
        out.push_back(static_cast<char>((bits >> count) & 0xff));
      }
    }
    return out;
  }

  pid_t pid_ = -1;
  int write_fd_ = -1;
  int read_fd_ = -1;
  int next_id_ = 0;
  std::string buffer_;
};

}  // namespace bucky::testing
