// HTTP/1.1 in its plainest form for app tests: one request per connection
// (Connection: close) to a loopback port, and a static file server for a repo
// directory. Blocking sockets with timeouts; errors come back as status 0.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace bucky::testing {

struct plain_reply {
  int status = 0;  // 0: no answer (body says why)
  std::string body;
};

inline plain_reply plain_http(std::uint16_t port, const std::string& method, const std::string& target,
                              const std::string& body = "", int timeout_s = 5) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return {0, "connect failed"};
  }
  std::ostringstream request;
  request << method << " " << target << " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " << body.size()
          << "\r\n\r\n" << body;
  const std::string text = request.str();
  (void)!::write(fd, text.data(), text.size());
  std::string answer;
  char buffer[8192];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  if (answer.size() < 12 || !answer.starts_with("HTTP/1.")) return {0, "no answer: " + answer.substr(0, 200)};
  const auto split = answer.find("\r\n\r\n");
  return {std::stoi(answer.substr(9, 3)), split == std::string::npos ? "" : answer.substr(split + 4)};
}

// Serves the files under `root` (GET only) on a loopback port until destroyed.
class static_http_server {
 public:
  explicit static_http_server(std::filesystem::path root) : root_(std::move(root)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~static_http_server() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stopping_) {
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      ++requests_;
      char buffer[4096];
      const ssize_t got = ::read(client, buffer, sizeof buffer);
      const std::string request(buffer, got > 0 ? static_cast<std::size_t>(got) : 0);
      const auto space = request.find(' ', 4);
      const std::string path = request.starts_with("GET ") && space != std::string::npos ? request.substr(4, space - 4) : "";
      std::ifstream file(root_ / path.substr(path.empty() ? 0 : 1), std::ios::binary);
      std::stringstream content;
      content << file.rdbuf();
      const bool found = !path.empty() && path.find("..") == std::string::npos && file.good();
      const std::string body = found ? content.str() : "not found\n";
      const std::string head = std::string(found ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                               "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
      (void)!::write(client, head.data(), head.size());
      for (std::size_t sent = 0; sent < body.size();) {
        const ssize_t wrote = ::write(client, body.data() + sent, body.size() - sent);
        if (wrote <= 0) break;
        sent += static_cast<std::size_t>(wrote);
      }
      ::close(client);
    }
  }

  std::filesystem::path root_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace bucky::testing
