// A blocking TCP client socket for tests that play a stranger on the LAN: connect
// from a chosen loopback address (127.0.0.2, ... stand for other machines), send raw
// bytes, read what comes back. Every read is bounded by a receive timeout, so a
// server that never answers makes the test fail on the missing answer, not hang.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace bucky::testing {

class raw_socket {
 public:
  static constexpr int receive_timeout_ms = 5'000;

  // Connects to 127.0.0.1:port from `source` (any port). ok() tells whether it worked.
  raw_socket(std::uint16_t port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    timeval timeout{receive_timeout_ms / 1000, (receive_timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_socket() { close(); }
  raw_socket(raw_socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  raw_socket& operator=(raw_socket&&) = delete;

  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return fd_ >= 0;
  }

  // Reads until `marker` has arrived, the peer closes, or a read times out.
  std::string read_until(const std::string& marker) {
    std::string got;
    char chunk[4096];
    while (fd_ >= 0 && got.find(marker) == std::string::npos) {
      auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      got.append(chunk, static_cast<std::size_t>(n));
    }
    return got;
  }

  // Reads exactly `count` bytes (fewer when the peer closes or a read times out).
  std::string read_bytes(std::size_t count) {
    std::string got(count, '\0');
    std::size_t have = 0;
    while (fd_ >= 0 && have < count) {
      auto n = ::recv(fd_, got.data() + have, count - have, 0);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    got.resize(have);
    return got;
  }

  // Reads until the peer closes (true) or a read fails or times out (false).
  bool read_to_end(std::string& got) {
    char chunk[4096];
    while (fd_ >= 0) {
      auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) return true;
      if (n < 0) return false;
      got.append(chunk, static_cast<std::size_t>(n));
    }
    return false;
  }

 private:
  int fd_ = -1;
};

}  // namespace bucky::testing
