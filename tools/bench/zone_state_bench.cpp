// Benchmark (prints figures; never a pass/fail test) of a running zone, through its
// nodes' "paxos" actors, as an admin client. Closed loop: each client thread has
// one request in flight for the duration.
//   writes: 128-byte puts to the client's own keys;
//   reads: gets of those keys, linearizable (the leader's read index) and
//          serializable (the asked node's applied state);
//   leader kill: SIGKILL the leader (pid files of tools/zone in BUCKY_ZONE_DIR),
//          time until the next write is acknowledged, restart it; BUCKY_BENCH_KILLS
//          times (default 5; 0 skips).
// Usage: bucky-bench-zone-state KEY_FILE PEERS_FILE [seconds=5] [clients...=1 16 64]
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "messages/common/check.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/transport/admin_client.hpp"
#include "net/key_file.hpp"
#include "net/zone_config_file.hpp"

using namespace bucky;
using clock_type = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

enum class load { writes, linearizable_reads, serializable_reads };

void run(admin_client& admin, const std::vector<std::string>& nodes, int clients, double seconds, load kind) {
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  std::atomic<std::uint64_t> errors{0};
  auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 random(std::random_device{}());
      kv_client_request call{random() | 1, 0, {}, kind == load::serializable_reads, 0};
      kv_op op;
      op.kind = kind == load::writes ? kv_op_kind::put : kv_op_kind::range;
      if (kind == load::writes) op.value.assign(128, 'v');
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
  const char* what = kind == load::writes ? "writes" : kind == load::linearizable_reads ? "reads (linearizable)"
                                                                                      : "reads (serializable)";
  std::printf("%-22s %8d %12.0f %10.2f %10.2f %10llu\n", what, clients, static_cast<double>(all.size()) / seconds,
              percentile(all, 0.5), percentile(all, 0.99), static_cast<unsigned long long>(errors.load()));
}

// One write through any live node, retried until acknowledged; the node that
// applied it as leader is in served_by.
std::optional<std::string> write_once(admin_client& admin, const std::vector<std::string>& nodes,
                                      kv_client_request& call, clock_type::time_point until) {
  std::size_t turn = 0;
  while (clock_type::now() < until) {
    auto answer = admin.call(nodes[turn++ % nodes.size()], "paxos", call, std::chrono::milliseconds(500));
    if (answer && answer->ok) return answer->served_by;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

void leader_kills(admin_client& admin, const std::vector<std::string>& nodes, const std::string& zone_dir, int kills) {
  std::vector<double> recovery_ms;
  kv_op op;
  op.kind = kv_op_kind::put;
  op.key = "/bench/kill";
  op.value.assign(128, 'k');
  kv_client_request call{0xbe4c4, 1'000'000, {{}, {op}, {}}, false, 0};
  for (int k = 0; k < kills; ++k) {
    call.sequence += 1;
    auto leader = write_once(admin, nodes, call, clock_type::now() + std::chrono::seconds(10));
    if (!leader) {
      std::printf("  no write went through before kill %d\n", k + 1);
      break;
    }
    std::ifstream pid_file(zone_dir + "/" + *leader + ".pid");
    pid_t pid = 0;
    if (!(pid_file >> pid) || pid <= 0) {
      std::printf("  no pid file for leader %s in %s\n", leader->c_str(), zone_dir.c_str());
      break;
    }
    std::vector<std::string> others;
    for (const auto& n : nodes) {
      if (n != *leader) others.push_back(n);
    }
    ::kill(pid, SIGKILL);
    auto killed_at = clock_type::now();
    call.sequence += 1;
    if (!write_once(admin, others, call, killed_at + std::chrono::seconds(10))) {
      std::printf("  no commit within 10 s of kill %d\n", k + 1);
      break;
    }
    recovery_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - killed_at).count());
    std::printf("  kill %d: leader %s, first new commit after %.0f ms\n", k + 1, leader->c_str(), recovery_ms.back());
    if (std::system("tools/zone up >/dev/null 2>&1") != 0) {  // brings the killed node back
      std::printf("  tools/zone up failed after kill %d\n", k + 1);
      break;
    }
    admin.wait_connected({nodes.begin(), nodes.end()}, std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::printf("leader kill to first new commit: %zu kills, p50 %.0f ms, max %.0f ms\n", recovery_ms.size(),
              percentile(recovery_ms, 0.5), recovery_ms.empty() ? 0.0 : *std::max_element(recovery_ms.begin(), recovery_ms.end()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bucky-bench-zone-state OWNER_KEY_FILE ZONE_CONFIG_FILE [seconds] [clients...]\n");
    return 2;
  }
  BUCKY_CHECK(logging::init({"bench", spdlog::level::err, "", true}).is_ok());
  auto key = net::load_key_file(argv[1]);
  auto zone = net::load_zone_config_file(argv[2], std::nullopt);
  if (!key || !zone) {
    std::fprintf(stderr, "bench: %s\n", (!key ? key.error() : zone.error()).to_string().c_str());
    return 2;
  }
  auto peers = net::peer_directory::from_zone_config(zone->config);
  if (!peers) {
    std::fprintf(stderr, "bench: %s\n", peers.error().to_string().c_str());
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
  admin_client admin(*key, *peers, name, zone->config.zone_id);
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
  // BUCKY_BENCH_TARGET=leader: every client talks to the leader (no forwarding).
  if (const char* target = std::getenv("BUCKY_BENCH_TARGET"); target && std::string(target) == "leader") {
    kv_client_request probe{2, 0, {{}, {warm}, {}}, false, 0};
    probe.sequence = 1;
    if (auto leader = write_once(admin, nodes, probe, clock_type::now() + std::chrono::seconds(5))) nodes = {*leader};
  }
  std::printf("zone state: 3 replicas on this machine, 128-byte values, durable commits, %.0f s per case,\n"
              "clients %s\n",
              seconds, nodes.size() == 1 ? "all at the leader" : "spread over all nodes (followers forward to the leader)");
  std::printf("%-22s %8s %12s %10s %10s %10s\n", "load", "clients", "ops/s", "p50 ms", "p99 ms", "errors");
  for (auto kind : {load::writes, load::linearizable_reads, load::serializable_reads}) {
    for (int clients : client_counts) run(admin, nodes, clients, seconds, kind);
  }
  const char* zone_dir = std::getenv("BUCKY_ZONE_DIR");
  const char* kills = std::getenv("BUCKY_BENCH_KILLS");
  int kill_count = kills ? std::atoi(kills) : 5;
  if (zone_dir && kill_count > 0) leader_kills(admin, nodes, zone_dir, kill_count);
  return 0;
}
