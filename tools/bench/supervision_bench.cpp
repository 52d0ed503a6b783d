// Benchmark (prints figures; never a pass/fail test) of the actor runtime:
//  1. crash -> restart latency: from the moment a child throws (stamped just before
//     the throw) until its next incarnation runs the first line of make_behavior;
//  2. local message throughput: one-way sends into a component actor, and
//     ping/pong round trips between two event-based actors.
// Usage: bucky-bench-supervision [restart_cycles=10000] [messages=2000000] [round_trips=1000000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "messages/common/check.hpp"
#include "actors/node_daemon/actor.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/logging.hpp"

using namespace bucky;
using clock_type = std::chrono::steady_clock;
using started_atom = caf::atom_constant<caf::atom("started")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

namespace {

// Tells the observer the moment each incarnation starts; throws on `crash`.
std::int64_t now_ticks() { return clock_type::now().time_since_epoch().count(); }

class bench_child : public component_actor {
 public:
  bench_child(caf::actor_config& config, child_context context, caf::actor observer,
              std::shared_ptr<std::atomic<std::int64_t>> crashed_at)
      : component_actor(config, std::move(context)),
        observer_(std::move(observer)),
        crashed_at_(std::move(crashed_at)) {}

  caf::behavior make_behavior() override {
    send(observer_, started_atom::value, now_ticks());
    return {
        [this](crash_atom) -> caf::result<void> {
          crashed_at_->store(now_ticks());
          throw std::runtime_error("bench crash");
        },
        [](ping_atom) { return pong_atom::value; },
        [this](done_atom, std::uint64_t expected) -> caf::result<std::uint64_t> {
          return context().messages_handled->load();
        },
    };
  }

 private:
  caf::actor observer_;
  std::shared_ptr<std::atomic<std::int64_t>> crashed_at_;
};

double percentile(std::vector<double>& values, double p) {
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

caf::actor wait_for_child(caf::actor_system& system, const char* name) {
  for (int attempt = 0; attempt < 10'000; ++attempt) {
    if (auto child = system.registry().get<caf::actor>(caf::atom_from_string(name))) return child;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  std::fprintf(stderr, "bench: child %s never registered\n", name);
  std::exit(1);
}

void bench_restarts(caf::actor_system& system, int cycles) {
  caf::scoped_actor observer{system};
  node_daemon_config config;
  config.node_id = "bench";
  config.intensity = {1'000'000, 1};  // never give up during the benchmark
  auto crashed_at = std::make_shared<std::atomic<std::int64_t>>(0);
  config.children.push_back({"victim", restart_type::permanent, restart_strategy::one_for_one,
                             spawn_component<bench_child>(caf::actor{observer}, crashed_at),
                             1'000});
  auto daemon = spawn_node_daemon(system, config);
  observer->receive([](started_atom, std::int64_t) {});
  std::vector<double> latencies_us;
  latencies_us.reserve(static_cast<std::size_t>(cycles));
  auto victim = wait_for_child(system, "victim");
  for (int cycle = 0; cycle < cycles; ++cycle) {
    observer->send(victim, crash_atom::value);
    observer->receive([&](started_atom, std::int64_t started_ticks) {
      auto ticks = clock_type::duration(started_ticks - crashed_at->load());
      latencies_us.push_back(std::chrono::duration<double, std::micro>(ticks).count());
    });
    // The new incarnation is registered before it runs; wait until the name moved.
    do {
      auto current = system.registry().get<caf::actor>(caf::atom_from_string("victim"));
      if (current && current != victim) { victim = current; break; }
    } while (true);
  }
  std::printf("crash->restart latency over %d cycles: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n",
              cycles, percentile(latencies_us, 0.50), percentile(latencies_us, 0.90),
              percentile(latencies_us, 0.99), percentile(latencies_us, 1.0));
  observer->send(daemon, shutdown_atom::value);
  observer->wait_for(daemon);
}

void bench_messages(caf::actor_system& system, std::uint64_t messages, int round_trips) {
  caf::scoped_actor observer{system};
  child_context context{"bench", "sink", std::make_shared<std::atomic<std::uint64_t>>(0)};
  auto sink = system.spawn<bench_child>(context, caf::actor{observer},
                                        std::make_shared<std::atomic<std::int64_t>>(0));
  observer->receive([](started_atom, std::int64_t) {});
  auto begin = clock_type::now();
  for (std::uint64_t i = 0; i < messages; ++i) caf::anon_send(sink, ping_atom::value);
  observer->request(sink, caf::infinite, done_atom::value, messages)
      .receive([](std::uint64_t) {}, [](caf::error&) {});
  double seconds = std::chrono::duration<double>(clock_type::now() - begin).count();
  std::printf("one-way sends into a component actor: %llu messages in %.3f s = %.2f M msg/s\n",
              static_cast<unsigned long long>(messages), seconds, messages / seconds / 1e6);

  // Ping/pong between two event-based actors: the pinger sends the next ping when
  // the pong arrives, so each round trip is two deliveries through the scheduler.
  auto pinger = system.spawn([sink, round_trips](caf::event_based_actor* self) -> caf::behavior {
    auto left = std::make_shared<int>(round_trips);
    auto caller = std::make_shared<caf::response_promise>();
    return {
        [=](ping_atom) {
          *caller = self->make_response_promise();
          self->send(sink, ping_atom::value);
        },
        [=](pong_atom) {
          if (--*left == 0) {
            caller->deliver(done_atom::value);
          } else {
            self->send(sink, ping_atom::value);
          }
        },
    };
  });
  begin = clock_type::now();
  observer->request(pinger, caf::infinite, ping_atom::value).receive([](done_atom) {}, [](caf::error&) {});
  seconds = std::chrono::duration<double>(clock_type::now() - begin).count();
  std::printf("ping/pong round trips between two actors: %d in %.3f s = %.0f per s, %.2f us each\n",
              round_trips, seconds, round_trips / seconds, seconds * 1e6 / round_trips);
  caf::anon_send_exit(pinger, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

}  // namespace

int main(int argc, char** argv) {
  int cycles = argc > 1 ? std::atoi(argv[1]) : 10'000;
  std::uint64_t messages = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2'000'000;
  int round_trips = argc > 3 ? std::atoi(argv[3]) : 1'000'000;
  BUCKY_CHECK(logging::init({"bench", spdlog::level::off, "", false}).is_ok());
  caf::actor_system_config config;
  caf::actor_system system{config};
  std::printf("bucky supervision benchmark: %u hardware threads, CAF scheduler default\n",
              std::thread::hardware_concurrency());
  bench_restarts(system, cycles);
  bench_messages(system, messages, round_trips);
  return 0;
}
