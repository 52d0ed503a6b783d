// A man in the middle on 127.0.0.1 for transport tests: it forwards TCP between a
// dialling node and the real listener, reading the dialler's bytes frame by frame
// (4-byte length + body) so a test can alter the next frame: flip a bit, replay it,
// swap it with the one after, or replace its length with an oversized one.
#pragma once

#include <utility>

#include <arpa/inet.h>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace bucky::testing {

class frame_proxy {
 public:
  enum class attack : int { none, flip_bit, replay, reorder, oversize };

  explicit frame_proxy(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address = loopback(0);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 8);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~frame_proxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    {
      std::lock_guard lock(mutex_);
      for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
    }
    acceptor_.join();
    for (auto& t : pumps_) t.join();
    for (int fd : sockets_) ::close(fd);
  }

  std::uint16_t port() const { return port_; }
  // Applies `next` to the next frame from the dialler, once.
  void arm(attack next) { armed_ = static_cast<int>(next); }
  bool fired() const { return armed_ == static_cast<int>(attack::none); }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
  }

  static bool read_exact(int fd, std::uint8_t* out, std::size_t size) {
    while (size > 0) {
      auto n = ::read(fd, out, size);
      if (n <= 0) return false;
      out += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }
  static bool write_all(int fd, const std::vector<std::uint8_t>& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      auto n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  static bool read_frame(int fd, std::vector<std::uint8_t>& frame) {
    std::uint8_t header[4];
    if (!read_exact(fd, header, 4)) return false;
    std::size_t size = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                       (std::size_t{header[2]} << 8) | header[3];
    if (size > 64 * 1024 * 1024) return false;
    frame.assign(header, header + 4);
    frame.resize(4 + size);
    return read_exact(fd, frame.data() + 4, size);
  }

  void accept_loop() {
    while (!stopping_) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address = loopback(upstream_port_);
      if (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(client);
        ::close(upstream);
        continue;
      }
      std::lock_guard lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(upstream);
      pumps_.emplace_back([this, client, upstream] { pump_frames(client, upstream); });
      pumps_.emplace_back([client, upstream] { pump_raw(upstream, client); });
    }
  }

  static void pump_raw(int from, int to) {
    std::vector<std::uint8_t> buffer(64 * 1024);
    while (true) {
      auto n = ::read(from, buffer.data(), buffer.size());
      if (n <= 0) break;
      if (!write_all(to, std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + n))) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
  }

  void pump_frames(int from, int to) {
    std::vector<std::uint8_t> frame, next;
    while (read_frame(from, frame)) {
      auto mode = static_cast<attack>(armed_.exchange(static_cast<int>(attack::none)));
      bool ok = true;
      switch (mode) {
        case attack::none: ok = write_all(to, frame); break;
        case attack::flip_bit: frame[4 + (frame.size() - 4) / 2] ^= 0x01; ok = write_all(to, frame); break;
        case attack::replay: ok = write_all(to, frame) && write_all(to, frame); break;
        case attack::reorder: ok = read_frame(from, next) && write_all(to, next) && write_all(to, frame); break;
        case attack::oversize: ok = write_all(to, {0x7f, 0xff, 0xff, 0xff}); break;
      }
      if (!ok) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
  }

  std::uint16_t upstream_port_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> armed_{0};
  std::mutex mutex_;
  std::vector<int> sockets_;
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

}  // namespace bucky::testing
