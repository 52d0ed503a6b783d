// Benchmark (prints figures; never a pass/fail test): closed-loop writes to a running
// zone through its nodes' "paxos" actors, as an admin client. Each client thread
// puts 128-byte values to its own keys, one request in flight, for the duration.
// Usage: bucky-bench-zone-state KEY_FILE PEERS_FILE [seconds=5] [clients...=1 16 64]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "actors/runtime/logging.hpp"
#include "actors/transport/admin_client.hpp"
#include "net/key_file.hpp"

using namespace bucky;
using clock_type = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void run(admin_client& admin, const std::vector<std::string>& nodes, int clients, double seconds) {
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::atomic<std::uint64_t> errors{0};
  auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 random(std::random_device{}());
      kv_client_request call{random() | 1, 0, {}, false, 0};
      kv_op op;
      op.kind = kv_op_kind::put;
      op.value.assign(128, 'v');
      std::uint64_t i = 0;
      while (clock_type::now() < until) {
        op.key = "/bench/" + std::to_string(c) + "/" + std::to_string(i++ % 1000);
        call.request = {{}, {op}, {}};
        call.sequence += 1;
        const auto& node = nodes[static_cast<std::size_t>(c) % nodes.size()];
        auto started = clock_type::now();
        auto answer = admin.call(node, "paxos", call, std::chrono::seconds(5));
        if (answer && answer->ok) {
          latencies[static_cast<std::size_t>(c)].push_back(
              std::chrono::duration<double, std::milli>(clock_type::now() - started).count());
        } else {
          errors += 1;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::printf("%8d %12.0f %10.2f %10.2f %10llu\n", clients, static_cast<double>(all.size()) / seconds,
              percentile(all, 0.5), percentile(all, 0.99), static_cast<unsigned long long>(errors.load()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bucky-bench-zone-state KEY_FILE PEERS_FILE [seconds] [clients...]\n");
    return 2;
  }
  logging::init({"bench", spdlog::level::err, "", true});
  auto key = net::load_key_file(argv[1]);
  auto peers = net::peer_directory::load(argv[2]);
  if (!key || !peers) {
    std::fprintf(stderr, "bench: %s\n", (!key ? key.error() : peers.error()).to_string().c_str());
    return 2;
  }
  double seconds = argc > 3 ? std::atof(argv[3]) : 5.0;
  std::vector<int> client_counts;
  for (int i = 4; i < argc; ++i) client_counts.push_back(std::atoi(argv[i]));
  if (client_counts.empty()) client_counts = {1, 16, 64};
  std::vector<std::string> nodes;
  for (const auto& entry : peers->entries()) {
    if (entry.identity.role == net::peer_identity::kind::node) nodes.push_back(entry.identity.name);
  }
  std::string name = "admin";
  if (auto me = peers->authorize(key->public_part())) name = me->name;
  admin_client admin(*key, *peers, name);
  if (!admin.wait_connected({nodes.begin(), nodes.end()}, std::chrono::seconds(10))) {
    std::fprintf(stderr, "bench: not every node is reachable\n");
    return 1;
  }
  // Wait (bounded) until a leader is elected and a write goes through.
  kv_op warm;
  warm.kind = kv_op_kind::put;
  warm.key = "/bench/warm-up";
  warm.value = "1";
  kv_client_request first{1, 0, {{}, {warm}, {}}, false, 0};
  bool ready = false;
  for (int attempt = 0; attempt < 100 && !ready; ++attempt) {
    first.sequence += 1;
    auto answer = admin.call(nodes.front(), "paxos", first, std::chrono::seconds(2));
    ready = answer && answer->ok;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ready) {
    std::fprintf(stderr, "bench: the zone state accepts no writes (no leader?)\n");
    return 1;
  }
  std::printf("zone state writes: %zu replicas on this machine, 128-byte values, durable commits, %.0f s per case,\n"
              "clients spread over all nodes (followers forward to the leader)\n",
              nodes.size(), seconds);
  std::printf("%8s %12s %10s %10s %10s\n", "clients", "writes/s", "p50 ms", "p99 ms", "errors");
  for (int clients : client_counts) run(admin, nodes, clients, seconds);
  return 0;
}
