// Benchmark (prints figures; never a pass/fail test) of the node-to-node transport:
//  1. handshake: two connection_cores in memory (crypto cost), and over loopback TCP
//     (connect + three handshake messages);
//  2. request/response over loopback TCP, the same echo exchange framed plain and
//     through connection_core (handshake + secretstream), for 64 B and 64 KiB:
//     one request in flight (latency p50/p99) and a window of 16 (throughput).
// Usage: bucky-bench-transport [seconds_per_case=3]
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "net/connection_core.hpp"

using namespace bucky;
using namespace bucky::net;
using clock_type = std::chrono::steady_clock;

namespace {

key_pair key_of(std::uint8_t value) {
  std::array<std::uint8_t, seed_bytes> seed;
  seed.fill(value);
  return key_pair::from_seed(seed);
}
const key_pair server_key = key_of(1);
const key_pair client_key = key_of(2);

std::optional<peer_identity> authorize(const public_key& key) {
  if (key == server_key.public_part()) return peer_identity{peer_identity::kind::node, "server", key};
  if (key == client_key.public_part()) return peer_identity{peer_identity::kind::node, "client", key};
  return std::nullopt;
}

double micros(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// ---- plain sockets --------------------------------------------------------------
int listen_socket(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(fd, 16);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  port = ntohs(address.sin_port);
  return fd;
}

int connect_socket(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) std::abort();
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Returns false when the other end has gone (the benchmark's own shutdown).
bool write_all(int fd, const bytes& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// One side of an echo exchange: `framed` turns messages into bytes for the wire and
// back; plain framing or a connection_core.
struct endpoint {
  virtual ~endpoint() = default;
  virtual void send(const bytes& message) = 0;
  virtual std::vector<bytes> receive(std::span<const std::uint8_t> input) = 0;
  virtual bytes output() = 0;
};

struct plain_endpoint : endpoint {
  frame_reader reader{net::limits::frame_size_bytes_max};
  bytes out;
  void send(const bytes& message) override { append_frame(out, message); }
  std::vector<bytes> receive(std::span<const std::uint8_t> input) override {
    reader.feed(input);
    std::vector<bytes> messages;
    while (true) {
      auto next = reader.next();
      if (!next || !next->has_value()) return messages;
      messages.emplace_back((**next).begin(), (**next).end());
    }
  }
  bytes output() override { return std::exchange(out, {}); }
};

struct secure_endpoint : endpoint {
  connection_core core;
  explicit secure_endpoint(connection_core c) : core(std::move(c)) {}
  void send(const bytes& message) override {
    if (!core.send(message, 0).is_ok()) std::abort();
  }
  std::vector<bytes> receive(std::span<const std::uint8_t> input) override {
    std::vector<bytes> messages;
    for (auto& event : core.on_bytes(input, 0)) {
      if (event.what == connection_event::kind::message) messages.push_back(std::move(event.message));
      if (event.what == connection_event::kind::closed) std::abort();
    }
    return messages;
  }
  bytes output() override { return core.take_output(); }
};

// Reads until `ready()` or the socket ends; returns false at end of stream.
template <class Ready>
bool pump_until(int fd, endpoint& side, std::vector<bytes>& inbox, Ready ready) {
  std::vector<std::uint8_t> buffer(256 * 1024);
  while (!ready()) {
    auto n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) return false;
    for (auto& m : side.receive(std::span(buffer.data(), static_cast<std::size_t>(n)))) inbox.push_back(std::move(m));
    auto out = side.output();
    if (!out.empty() && !write_all(fd, out)) return false;
  }
  return true;
}

void serve_echo(int fd, std::unique_ptr<endpoint> side) {
  std::vector<bytes> inbox;
  auto out = side->output();
  if (!out.empty()) write_all(fd, out);
  while (pump_until(fd, *side, inbox, [&] { return !inbox.empty(); })) {
    for (auto& m : inbox) side->send(m);
    inbox.clear();
    if (!write_all(fd, side->output())) break;
  }
  ::close(fd);
}

struct result_row {
  double p50_us = 0, p99_us = 0, requests_per_s = 0, megabytes_per_s = 0;
};

result_row run_case(bool secure, std::size_t message_bytes, int window, double seconds) {
  std::uint16_t port = 0;
  int listener = listen_socket(port);
  std::thread server([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::unique_ptr<endpoint> side;
    if (secure) {
      side = std::make_unique<secure_endpoint>(connection_core::accept(server_key, authorize, system_random(), {}, 0));
    } else {
      side = std::make_unique<plain_endpoint>();
    }
    serve_echo(fd, std::move(side));
  });
  int fd = connect_socket(port);
  std::unique_ptr<endpoint> client;
  std::vector<bytes> inbox;
  if (secure) {
    auto c = std::make_unique<secure_endpoint>(
        connection_core::dial(client_key, server_key.public_part(), authorize, system_random(), {}, 0));
    write_all(fd, c->output());
    auto* core = &c->core;
    pump_until(fd, *c, inbox, [&] { return core->established(); });
    write_all(fd, c->output());  // message 3
    client = std::move(c);
  } else {
    client = std::make_unique<plain_endpoint>();
  }
  bytes request(message_bytes, 0x42);
  std::vector<double> latencies;
  std::vector<clock_type::time_point> sent;
  std::size_t completed = 0;
  auto begin = clock_type::now();
  auto end = begin + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; i < window; ++i) {
    client->send(request);
    sent.push_back(clock_type::now());
  }
  write_all(fd, client->output());
  std::size_t next_reply = 0;
  while (clock_type::now() < end) {
    pump_until(fd, *client, inbox, [&] { return !inbox.empty(); });
    for (auto& reply : inbox) {
      if (reply.size() != message_bytes) std::abort();
      latencies.push_back(micros(clock_type::now() - sent[next_reply++]));
      ++completed;
      client->send(request);
      sent.push_back(clock_type::now());
    }
    inbox.clear();
    write_all(fd, client->output());
  }
  double elapsed = std::chrono::duration<double>(clock_type::now() - begin).count();
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  server.join();
  ::close(listener);
  result_row row;
  row.p50_us = percentile(latencies, 0.5);
  row.p99_us = percentile(latencies, 0.99);
  row.requests_per_s = static_cast<double>(completed) / elapsed;
  row.megabytes_per_s = row.requests_per_s * 2.0 * static_cast<double>(message_bytes) / 1e6;
  return row;
}

void bench_handshakes(int count) {
  std::vector<double> memory_us, tcp_us;
  for (int i = 0; i < count; ++i) {
    auto started = clock_type::now();
    auto a = connection_core::dial(client_key, server_key.public_part(), authorize, system_random(), {}, 0);
    auto b = connection_core::accept(server_key, authorize, system_random(), {}, 0);
    b.on_bytes(a.take_output(), 0);
    a.on_bytes(b.take_output(), 0);
    b.on_bytes(a.take_output(), 0);
    if (!a.established() || !b.established()) std::abort();
    memory_us.push_back(micros(clock_type::now() - started));
  }
  std::uint16_t port = 0;
  int listener = listen_socket(port);
  std::thread server([&] {
    for (int i = 0; i < count; ++i) {
      int fd = ::accept(listener, nullptr, nullptr);
      secure_endpoint side(connection_core::accept(server_key, authorize, system_random(), {}, 0));
      std::vector<bytes> inbox;
      pump_until(fd, side, inbox, [&] { return side.core.established(); });
      ::close(fd);
    }
  });
  for (int i = 0; i < count; ++i) {
    auto started = clock_type::now();
    int fd = connect_socket(port);
    secure_endpoint side(connection_core::dial(client_key, server_key.public_part(), authorize, system_random(), {}, 0));
    std::vector<bytes> inbox;
    write_all(fd, side.output());
    pump_until(fd, side, inbox, [&] { return side.core.established(); });
    write_all(fd, side.output());
    tcp_us.push_back(micros(clock_type::now() - started));
    char byte;
    (void)::read(fd, &byte, 1);  // wait for the server to finish its side and close
    ::close(fd);
  }
  server.join();
  ::close(listener);
  std::printf("handshake in memory (crypto only), %d runs: p50 %.0f us, p99 %.0f us\n", count,
              percentile(memory_us, 0.5), percentile(memory_us, 0.99));
  std::printf("handshake over loopback TCP incl. connect, %d runs: p50 %.0f us, p99 %.0f us\n", count,
              percentile(tcp_us, 0.5), percentile(tcp_us, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  ensure_sodium();
  std::printf("bucky transport benchmark: loopback TCP, one connection, %.1f s per case, %u hardware threads\n",
              seconds, std::thread::hardware_concurrency());
  bench_handshakes(1'000);
  std::printf("\n%-8s %-7s %-6s %12s %12s %14s %10s %10s %8s\n", "size", "window", "path", "p50 us", "p99 us",
              "requests/s", "MB/s", "", "ratio");
  for (std::size_t size : {std::size_t{64}, std::size_t{64 * 1024}}) {
    for (int window : {1, 16}) {
      auto plain = run_case(false, size, window, seconds);
      auto secure = run_case(true, size, window, seconds);
      for (auto [name, row] : {std::pair{"plain", plain}, std::pair{"secure", secure}}) {
        std::printf("%-8s %-7d %-6s %12.1f %12.1f %14.0f %10.1f %10s %8s\n",
                    size == 64 ? "64 B" : "64 KiB", window, name, row.p50_us, row.p99_us, row.requests_per_s,
                    row.megabytes_per_s, "",
                    std::string(name) == "secure"
                        ? (std::to_string(secure.requests_per_s / plain.requests_per_s).substr(0, 4) + "x").c_str()
                        : "");
      }
    }
  }
  return 0;
}
