// bucky-bench-http: requests/s and latency of one HTTP GET against a loopback
// port, one request per connection (as the sample apps serve), from CONNECTIONS
// threads for SECONDS. Prints one line of figures; never pass/fail.
//   bucky-bench-http PORT PATH [SECONDS=10] [CONNECTIONS=4]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// One request; its latency in microseconds, or -1 when it failed.
long one_request(std::uint16_t port, const std::string& request) {
  const auto start = clock_type::now();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  char buffer[4096];
  std::size_t got_total = 0;
  for (ssize_t got; ok && (got = ::read(fd, buffer, sizeof buffer)) > 0;) got_total += static_cast<std::size_t>(got);
  ::close(fd);
  if (!ok || got_total < 12) return -1;
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bucky-bench-http PORT PATH [SECONDS=10] [CONNECTIONS=4]\n");
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const std::string request = std::string("GET ") + argv[2] + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  const int seconds = argc > 3 ? std::clamp(std::atoi(argv[3]), 1, 600) : 10;
  const int connections = argc > 4 ? std::clamp(std::atoi(argv[4]), 1, 256) : 4;
  const auto until = clock_type::now() + std::chrono::seconds(seconds);
  std::mutex mutex;
  std::vector<long> latencies;
  std::atomic<long> failures{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < connections; ++i) {
    workers.emplace_back([&] {
      std::vector<long> mine;
      while (clock_type::now() < until && mine.size() < 10'000'000) {
        const long us = one_request(port, request);
        if (us < 0) ++failures;
        else mine.push_back(us);
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& worker : workers) worker.join();
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) { return latencies.empty() ? 0L : latencies[static_cast<std::size_t>(q * (latencies.size() - 1))]; };
  std::printf("requests %zu in %d s: %.0f/s, p50 %ld us, p99 %ld us, failed %ld (%d connections)\n", latencies.size(), seconds,
              static_cast<double>(latencies.size()) / seconds, at(0.5), at(0.99), failures.load(), connections);
  return 0;
}
