#include "tests/sim/paxos/world.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>
#include <variant>

#include <fmt/format.h>

#include "actors/paxos/replica_driver.hpp"
#include "actors/paxos/replica_files.hpp"
#include "messages/common/check.hpp"
#include "storage/atomic_file.hpp"
#include "tests/sim/disk/sim_disk.hpp"

namespace bucky::sim {

namespace {

constexpr std::uint64_t tick_ms = 10;
constexpr std::uint64_t client_retry_ms = 300;
constexpr std::uint64_t request_timeout_ms = 1'000;

using sim_message = std::variant<paxos_message, paxos_snapshot_chunk, paxos_snapshot_ack>;

struct in_flight_message {
  std::uint64_t deliver_at_ms;
  std::uint64_t sequence;
  std::uint32_t from;
  std::uint32_t to;
  sim_message message;
  bool operator>(const in_flight_message& other) const {
    return std::tie(deliver_at_ms, sequence) > std::tie(other.deliver_at_ms, other.sequence);
  }
};

struct client_state {
  std::uint32_t id = 0;
  std::uint64_t sequence = 0;
  std::uint32_t ops_left = 0;
  bool busy = false;
  kv_operation op;
  kv_request request;
  bool via_index = false;  // a get through the read index, not the log
  std::uint32_t target = 0;
  std::uint64_t next_try_ms = 0;
  std::uint64_t give_up_at_ms = 0;
};

class world;

// The driver's way out in the simulator: the simulated network and flush timer.
class sim_port final : public driver_port {
 public:
  sim_port(world& w, std::uint32_t r) : world_(w), r_(r) {}
  void send(std::uint32_t to, const paxos_message& message) override;
  void send_chunk(std::uint32_t to, const paxos_snapshot_chunk& chunk) override;
  void send_ack(std::uint32_t to, const paxos_snapshot_ack& ack) override;
  void flush_needed() override;
  void state_changed() override {}
  void applied(const chosen_value& chosen) override;
  status end_rejoin() override;
  // BUCKY_SIM_TRACE=1 prints the driver's log lines (with a replayed seed).
  void info(const std::string& line) override { trace(line); }
  void warn(const std::string& line) override { trace(line); }
  void trace(const std::string& line);

 private:
  world& world_;
  std::uint32_t r_;
};

// One machine. What survives its crash: its simulated disk (the acceptor log,
// its marker, the rejoin marker) and the zone state's committed LMDB
// transactions (LMDB's own durability is not what this simulates: a crash drops
// the open batch, as a killed process does).
struct replica_slot {
  std::unique_ptr<sim_disk> disk;
  std::unique_ptr<storage::lmdb_env> env;
  std::string env_dir;
  std::optional<kv_store> store;
  std::unique_ptr<acceptor_log> log;
  std::unique_ptr<sim_port> port;
  std::optional<replica_driver> driver;  // nullopt while crashed
  std::optional<std::uint64_t> flush_at_ms;
  std::uint64_t restart_at_ms = 0;
  bool rejoin = false;  // it lost its acceptor state and has not rebuilt it yet
};

class world {
 public:
  world(std::uint64_t seed, const world_options& options) : random_(seed), options_(options) {
    drop_percent_ = options.faults ? random_() % 15 : 0;
    duplicate_percent_ = options.faults ? random_() % 10 : 0;
    delay_ms_max_ = 1 + random_() % 20;
    // Short logs make compaction and snapshot catch-up happen in most runs.
    log_retain_slots_ = 1 + random_() % 40;
    compaction_step_slots_ = 1 + random_() % 8;
    // In some runs clients give up while faults still go on: outcomes stay unknown.
    client_give_up_ms_ = options.faults && random_() % 4 == 0 ? 400 + random_() % 800 : 4'000;
    batch_interval_ms_ = random_() % 4 == 0 ? 0 : 1 + random_() % 400;  // 0: every flush committed at once
    failed_sync_per_10k_ = options.faults ? random_() % 40 : 0;
    segment_bytes_ = std::size_t{24 * 1024} << (random_() % 4);  // 24 to 192 KiB: many segment switches
    snapshot_chunk_bytes_ = 64 + random_() % 512;                // snapshots of several chunks
    // A flush waits for the mailbox ahead of it and its own sync: meanwhile early
    // accepts are out and answers may come back before our own vote is durable.
    flush_delay_ms_max_ = random_() % 5;
    // In a third of the runs promises come in parts of a few entries.
    promise_bytes_max_ = random_() % 3 == 0 ? 1 + random_() % 100 : SIZE_MAX;
    root_dir_ = fmt::format("{}/bucky-sim-{}-{}", std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp",
                            ::getpid(), seed);
    replicas_.resize(options.replicas);
    for (std::uint32_t r = 0; r < options.replicas; ++r) {
      replicas_[r].disk = fresh_disk();
      replicas_[r].port = std::make_unique<sim_port>(*this, r);
      open_env(r);
    }
    for (std::uint32_t r = 0; r < options.replicas; ++r) start_replica(r);
    for (std::uint32_t c = 0; c < options.clients; ++c) {
      client_state client;
      client.id = c + 1;
      client.ops_left = options.ops_per_client;
      client.target = static_cast<std::uint32_t>(random_() % options.replicas);
      clients_.push_back(client);
    }
  }

  ~world() {
    for (auto& replica : replicas_) {
      replica.driver.reset();
      replica.log.reset();
      replica.store.reset();
      replica.env.reset();
    }
    std::error_code ignored;
    std::filesystem::remove_all(root_dir_, ignored);
  }

  world_result run() {
    try {
      std::uint64_t end_ms = options_.fault_phase_ms + options_.settle_ms_max;
      for (now_ms_ = 0; now_ms_ <= end_ms && !result_.failure.size(); now_ms_ += 1) {
        if (now_ms_ == options_.fault_phase_ms) heal();
        if (options_.faults && now_ms_ < options_.fault_phase_ms) maybe_fault();
        restart_due();
        deliver_due();
        if (now_ms_ % tick_ms == 0) tick_all();
        drive_clients();
        flush_due();
        if (now_ms_ > options_.fault_phase_ms && settled()) break;
      }
      if (result_.failure.empty() && !settled()) fail("did not settle after healing (liveness): " + describe());
      if (result_.failure.empty()) check_states();
      if (result_.failure.empty()) read_every_key_at_the_end();
      if (result_.failure.empty()) check_history();
    } catch (const invariant_violation& e) {
      fail(std::string("invariant: ") + e.what());
    }
    result_.ok = result_.failure.empty();
    result_.slots_chosen = global_chosen_.size();
    for (const auto& replica : replicas_) count_disk(*replica.disk);
    return result_;
  }

 private:
  friend class sim_port;

  void fail(const std::string& why) {
    if (result_.failure.empty()) result_.failure = fmt::format("at {} ms: {}", now_ms_, why);
  }

  // --- machines: disks, the zone state's environment, starts and crashes ---

  // Every replica's files are at the same paths, each on its own disk.
  replica_files files() const {
    return {"/state", "/acceptor-log.marker", "/rejoin", "/zone-state.corrupt", options_.replicas, false};
  }

  storage::append_log_options log_options(std::uint32_t r) const {
    storage::append_log_options options;
    options.dir = files().acceptor_dir();
    options.fs = replicas_[r].disk.get();
    options.segment_size_bytes = segment_bytes_;
    options.record_size_bytes_max = 16 * 1024;
    options.spare_in_background = false;
    return options;
  }

  void count_disk(const sim_disk& disk) {
    result_.writes_torn += disk.figures().writes_torn;
    result_.writes_lost += disk.figures().writes_lost;
    result_.syncs_failed += disk.figures().syncs_failed;
    result_.dir_changes_lost += disk.figures().dir_changes_lost;
  }

  // A new machine's disk: the state directory made; marked for rejoin when it
  // replaces a machine (as activation does).
  std::unique_ptr<sim_disk> fresh_disk(bool replacing = false) {
    auto disk = std::make_unique<sim_disk>(random_);
    BUCKY_CHECK(disk->create_dirs(files().state_dir).is_ok() && disk->sync_dir("/").is_ok());
    if (replacing) {
      BUCKY_CHECK(write_file_atomically(*disk, files().rejoin_marker, "replaced machine\n", 0600).is_ok());
    }
    disk->set_failed_syncs_per_10k(failed_sync_per_10k_);
    disk->set_lying_syncs(options_.mutant == shell_mutant::answer_before_persist);
    return disk;
  }

  void open_env(std::uint32_t r) {
    auto& slot = replicas_[r];
    slot.env_dir = fmt::format("{}/r{}-{}", root_dir_, r, ++env_generation_);
    storage::lmdb_options options;
    options.path = slot.env_dir;
    options.map_size_bytes = std::size_t{8} << 20;
    options.readers_max = 8;  // one thread: a snapshot reader or two at most
    options.sync = false;  // a simulated crash is a killed process, not a lost page cache
    auto env = storage::lmdb_env::open(options);
    BUCKY_CHECK_MSG(env.has_value(), env.error().to_string());
    slot.env = std::move(*env);
  }

  // As the paxos actor starts (replica_files.hpp, actor_state.cpp): the zone
  // state and the acceptor log are opened and checked by the node's own code;
  // what is lost is set aside and rebuilt (rejoin). A start that fails on the
  // disk (a failed sync) is retried, as node_daemon does.
  void start_replica(std::uint32_t r) {
    auto& slot = replicas_[r];
    auto store = kv_store::open(*slot.env);
    BUCKY_CHECK_MSG(store.has_value(), store.error().to_string());
    slot.store.emplace(std::move(*store));
    // The old shell: no marker, and no check of the log against the applied slots.
    auto applied = options_.mutant == shell_mutant::amnesia_undetected ? 0 : slot.store->applied_below();
    auto opened = open_acceptor(*slot.disk, files(), log_options(r), nullptr, applied,
                                static_cast<std::int64_t>(now_ms_));
    std::vector<replica_notice> notices;
    auto rejoining = opened ? rejoin_requested(*slot.disk, files(), notices) : result<bool>(opened.error());
    if (!rejoining) {
      if (rejoining.error().code() != status_code::io_error) {
        return fail(fmt::format("replica {} cannot start: {}", r, rejoining.error().to_string()));
      }
      slot.store.reset();
      slot.disk->crash();
      slot.restart_at_ms = now_ms_ + 50 + random_() % 500;
      ++result_.failed_starts;
      return;
    }
    if (opened->log->torn_bytes_zeroed() > 0) ++result_.torn_tails;
    if (opened->acceptor.compacted_below() > slot.store->applied_below()) {
      return fail(fmt::format("replica {}: the acceptor forgot slots below {} but the zone state holds only {}", r,
                              opened->acceptor.compacted_below(), slot.store->applied_below()));
    }
    auto names = slot.disk->list(files().state_dir);
    for (const auto& name : names.value()) {
      if (name.find(".lost-") != std::string::npos) slot.disk->lose(files().state_dir + "/" + name);  // inspected: gone
    }
    slot.log = std::move(opened->log);
    slot.rejoin = *rejoining;
    slot.driver.emplace(driver_config_for(), core_for(r, std::move(opened->acceptor), *rejoining), *slot.store,
                        *slot.log, *slot.port, now_ms_);
  }

  replica_core core_for(std::uint32_t r, acceptor_core acceptor, bool rejoining) {
    replica_config config;
    config.self = r;
    config.replicas = options_.replicas;
    config.window_slots_max = 8;
    config.batch_commands_max = 4;
    config.log_retain_slots = log_retain_slots_;
    config.compaction_step_slots = compaction_step_slots_;
    config.promise_bytes_max = promise_bytes_max_;
    config.rejoining = rejoining;
    auto engine = std::make_shared<std::mt19937_64>(random_());
    return replica_core(config, std::move(acceptor), replicas_[r].store->applied_below(),
                        [engine] { return (*engine)(); }, now_ms_);
  }

  driver_config driver_config_for() const {
    driver_config config;
    config.node_id = "sim";
    for (std::uint32_t r = 0; r < options_.replicas; ++r) config.replicas.push_back(fmt::format("r{}", r));
    config.request_timeout_ms = request_timeout_ms;
    config.waiting_requests_max = 64;
    config.batch_interval_ms = batch_interval_ms_;
    config.batch_slots_max = batch_interval_ms_ == 0 ? 1 : 4'000;
    config.snapshot.chunk_bytes_max = snapshot_chunk_bytes_;
    config.snapshot.resend_ms = 100;
    config.snapshot.idle_ms = 3'000;
    return config;
  }

  void crash(std::uint32_t r) {
    auto& slot = replicas_[r];
    if (!slot.driver) return;
    if (slot.store->batch_slots() > 0) ++result_.batches_lost;
    slot.driver->stop(false);  // the batch is lost, never committed
    slot.driver.reset();
    slot.log.reset();
    slot.store.reset();
    slot.disk->crash();  // what was not synced is kept, lost or torn
    slot.flush_at_ms.reset();
    slot.restart_at_ms = now_ms_ + 50 + random_() % 500;
    ++result_.crashes;
  }

  // Runs one driver event; a std::runtime_error is the shell's let-it-crash (a
  // failed write), so the replica dies there.
  template <class Event>
  void on_replica(std::uint32_t r, Event event) {
    try {
      event(*replicas_[r].driver);
    } catch (const std::runtime_error&) {
      crash(r);
    }
  }

  bool another_rebuilding() const {
    return std::any_of(replicas_.begin(), replicas_.end(), [](const auto& other) { return other.rejoin; });
  }

  // The machine dies with its disk; a new one takes its place, empty, and rejoins
  // (one at a time, so f+1 others can still answer it).
  void lose_disk(std::uint32_t r) {
    if (options_.replicas < 3 || !replicas_[r].driver || another_rebuilding()) return;
    crash(r);
    auto& slot = replicas_[r];
    count_disk(*slot.disk);
    slot.disk = fresh_disk(true);
    slot.env.reset();
    std::error_code ignored;
    std::filesystem::remove_all(slot.env_dir, ignored);
    open_env(r);
    slot.rejoin = true;
    ++result_.disk_losses;
  }

  // The acceptor log alone loses files (deleted whole, or its newest or oldest
  // segment): the node's own checks find it and it rebuilds before voting,
  // keeping its zone state. Put back the old behaviour (amnesia_undetected: no
  // marker, no check) and it votes again at once.
  void lose_acceptor_log(std::uint32_t r) {
    if (options_.replicas < 3 || !replicas_[r].driver || another_rebuilding()) return;
    crash(r);
    auto& disk = *replicas_[r].disk;
    auto dir = files().acceptor_dir();
    auto segments = disk.list(dir);
    auto kind = random_() % 3;
    if (options_.mutant == shell_mutant::amnesia_undetected) {
      disk.lose(dir);
      disk.lose(files().acceptor_marker);
    } else if (kind == 0 || !segments || segments->empty()) {
      disk.lose(dir);
    } else {
      std::sort(segments->begin(), segments->end());
      disk.lose(dir + "/" + (kind == 1 ? segments->back() : segments->front()));
    }
    replicas_[r].rejoin = options_.mutant != shell_mutant::amnesia_undetected;
    ++result_.acceptor_losses;
  }

  // A power cut: every replica crashes at once, losing what it had not made durable.
  void lose_power() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) crash(r);
    ++result_.power_losses;
  }

  void restart_due() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      if (!replicas_[r].driver && now_ms_ >= replicas_[r].restart_at_ms) start_replica(r);
    }
  }

  void maybe_fault() {
    auto dice = random_() % 10'000;
    if (dice < 4) {
      crash(static_cast<std::uint32_t>(random_() % replicas_.size()));
    } else if (dice < 5) {
      lose_disk(static_cast<std::uint32_t>(random_() % replicas_.size()));
    } else if (dice < 6) {
      lose_acceptor_log(static_cast<std::uint32_t>(random_() % replicas_.size()));
    } else if (dice == 6 && random_() % 2 == 0) {
      lose_power();
    } else if (dice < 9) {
      partition();
    } else if (dice < 20) {
      cut_.clear();
    }
  }

  void partition() {
    cut_.clear();
    auto kind = random_() % 4;
    std::uint32_t lone = static_cast<std::uint32_t>(random_() % replicas_.size());
    if (kind == 3) {  // the leader alone: the case read index and step-down are for
      kind = 0;
      for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
        if (replicas_[r].driver && replicas_[r].driver->core().role() == replica_role::leader) lone = r;
      }
    }
    auto n = static_cast<std::uint32_t>(replicas_.size());
    for (std::uint32_t a = 0; a < n; ++a) {
      for (std::uint32_t b = 0; b < n; ++b) {
        bool blocked = kind == 0 ? (a == lone) != (b == lone)          // one node alone
                       : kind == 1 ? (a + b) % n == 1                  // a ring-ish cut
                                   : (a < n / 2) != (b < n / 2);       // halves
        if (a != b && blocked) cut_.insert({a, b});
      }
    }
    ++result_.partitions;
  }

  void heal() {
    cut_.clear();
    drop_percent_ = 0;
    duplicate_percent_ = 0;
  }

  // --- the network and the flush timer (sim_port) ---

  void send(std::uint32_t from, std::uint32_t to, sim_message message) {
    ++result_.messages;
    if (cut_.count({from, to}) || random_() % 100 < drop_percent_) return;
    int copies = random_() % 100 < duplicate_percent_ ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      network_.push({now_ms_ + 1 + random_() % delay_ms_max_, next_sequence_++, from, to, message});
    }
  }

  void schedule_flush(std::uint32_t r) {
    auto& slot = replicas_[r];
    if (!slot.flush_at_ms) slot.flush_at_ms = now_ms_ + random_() % (flush_delay_ms_max_ + 1);
  }

  void flush_due() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      auto& slot = replicas_[r];
      if (!slot.driver || !slot.flush_at_ms || *slot.flush_at_ms > now_ms_) continue;
      slot.flush_at_ms.reset();
      on_replica(r, [&](replica_driver& driver) {
        if (!driver.flush(now_ms_).is_ok()) {
          ++result_.failed_writes;
          throw std::runtime_error("acceptor write failed");
        }
      });
    }
  }

  void deliver_due() {
    while (!network_.empty() && network_.top().deliver_at_ms <= now_ms_) {
      auto message = network_.top();
      network_.pop();
      if (!replicas_[message.to].driver || cut_.count({message.from, message.to})) continue;
      if (auto* paxos = std::get_if<paxos_message>(&message.message)) {
        if (auto* promise = std::get_if<paxos_promise>(paxos); promise && promise->more_from != 0) {
          ++result_.promise_parts;
        }
      }
      on_replica(message.to, [&](replica_driver& driver) {
        std::visit(
            [&](const auto& m) {
              using type = std::decay_t<decltype(m)>;
              if constexpr (std::is_same_v<type, paxos_message>) driver.on_message(message.from, m, now_ms_);
              else if constexpr (std::is_same_v<type, paxos_snapshot_chunk>) {
                driver.on_snapshot_chunk(message.from, m, now_ms_);
              } else {
                driver.on_snapshot_ack(message.from, m, now_ms_);
              }
            },
            message.message);
      });
    }
  }

  void tick_all() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      if (replicas_[r].driver) on_replica(r, [&](replica_driver& driver) { driver.on_tick(now_ms_); });
    }
  }

  // Every chosen slot, as each replica applies it, must be the one value chosen.
  void check_applied(std::uint32_t r, const chosen_value& chosen) {
    auto [known, fresh] = global_chosen_.emplace(chosen.slot, chosen.value);
    if (!fresh && known->second != chosen.value) {
      fail(fmt::format("agreement violated: slot {} chosen twice with different values (replica {})", chosen.slot, r));
    }
  }

  // --- clients ---

  void start_operation(client_state& client) {
    client.busy = true;
    client.ops_left -= 1;
    client.sequence += 1;
    client.op = {};
    client.op.client = client.id;
    client.op.key = "k" + std::to_string(random_() % 3);
    client.op.invoke_ns = now_ms_ * 1'000'000;
    client.op.completed = false;
    client.request = {};
    client.via_index = false;
    auto kind = random_() % 6;
    auto value = fmt::format("c{}s{}", client.id, client.sequence);
    if (kind < 2) {
      client.op.what = kv_operation::kind::put;
      client.op.value = value;
      client.request.success.push_back(put_op(client.op.key, value));
    } else if (kind < 3) {  // compare-and-set against the last value put, or absent
      client.op.what = kv_operation::kind::cas;
      client.op.value = value;
      auto last = last_put_.find(client.op.key);
      if (last != last_put_.end() && random_() % 4 != 0) client.op.expected = last->second;
      kv_compare compare;
      compare.key = client.op.key;
      if (client.op.expected) {
        compare.value = *client.op.expected;
      } else {
        compare.target = kv_compare_target::version;  // a missing key has version 0
      }
      client.request.compares.push_back(compare);
      client.request.success.push_back(put_op(client.op.key, value));
    } else {
      client.op.what = kv_operation::kind::get;
      client.request.success.push_back(range_op(client.op.key));
      client.via_index = random_() % 2 == 0;
    }
    if (client.op.value) last_put_[client.op.key] = *client.op.value;
    client.next_try_ms = now_ms_;
    client.give_up_at_ms = now_ms_ + client_give_up_ms_;
  }

  static kv_op put_op(const std::string& key, const std::string& value) {
    kv_op op;
    op.kind = kv_op_kind::put;
    op.key = key;
    op.value = value;
    return op;
  }

  void drive_clients() {
    for (auto& client : clients_) {
      if (!client.busy) {
        if (client.ops_left > 0 && random_() % 20 == 0) start_operation(client);
        continue;
      }
      if (now_ms_ >= client.give_up_at_ms) {
        client.op.completed = false;  // the outcome stays unknown
        history_.push_back(client.op);
        client.busy = false;
        ++result_.ops_unknown;
        continue;
      }
      if (now_ms_ < client.next_try_ms) continue;
      send_request(client);
    }
  }

  // To the leader, if this replica is it; else on to whom it names. No answer in
  // time: retry, half the time at another replica (as a client whose connection
  // timed out would).
  void send_request(client_state& client) {
    auto& replica = replicas_[client.target];
    if (!replica.driver || replica.driver->core().role() != replica_role::leader) {
      auto hint = replica.driver ? replica.driver->core().leader_hint() : std::nullopt;
      client.target = hint && *hint != client.target ? *hint : static_cast<std::uint32_t>(random_() % replicas_.size());
      client.next_try_ms = now_ms_ + 5;
      return;
    }
    client.next_try_ms = now_ms_ + client_retry_ms;
    auto r = client.target;
    if (random_() % 2) client.target = static_cast<std::uint32_t>(random_() % replicas_.size());
    kv_client_request request{client.id, client.sequence, client.request, false, 0};
    auto done = [this, id = client.id, sequence = client.sequence](kv_client_response response) {
      on_answer(id, sequence, response);
    };
    on_replica(r, [&](replica_driver& driver) {
      if (client.via_index) driver.read(request, done, now_ms_);
      else driver.propose(request, done, now_ms_);
    });
  }

  void on_answer(std::uint64_t client_id, std::uint64_t sequence, const kv_client_response& answer) {
    auto& client = clients_[client_id - 1];
    if (!client.busy || client.sequence != sequence) return;
    if (!answer.ok) {  // refused or timed out: the outcome is unknown, retry the same sequence
      client.next_try_ms = std::min(client.next_try_ms, now_ms_ + 5);
      return;
    }
    const auto& response = answer.response;
    client.op.completed = true;
    client.op.complete_ns = now_ms_ * 1'000'000 + 1;
    if (client.op.what == kv_operation::kind::get) {
      const auto& kvs = response.results.at(0).kvs;
      client.op.value = kvs.empty() ? std::nullopt : std::optional<std::string>(kvs[0].value);
      if (client.via_index) ++result_.reads_by_index;
    }
    if (client.op.what == kv_operation::kind::cas) client.op.succeeded = response.succeeded;
    history_.push_back(client.op);
    client.busy = false;
    ++result_.ops_completed;
  }

  // --- the checks at the end ---

  bool settled() const {
    for (const auto& client : clients_) {
      if (client.busy || client.ops_left > 0) return false;
    }
    slot_id chosen = global_chosen_.size();
    for (const auto& replica : replicas_) {
      if (!replica.driver || replica.store->applied_below() < chosen) return false;
    }
    return true;
  }

  // Where each replica and client stands, for a liveness failure.
  std::string describe() const {
    std::string out = fmt::format("{} slots chosen;", global_chosen_.size());
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      const auto& slot = replicas_[r];
      if (!slot.driver) {
        out += fmt::format(" r{} down;", r);
        continue;
      }
      const auto& core = slot.driver->core();
      out += fmt::format(" r{} {} ballot ({},{}) chosen below {} applied below {}{};", r,
                         core.role() == replica_role::leader      ? "leader"
                         : core.role() == replica_role::candidate ? "candidate"
                                                                  : "follower",
                         core.current_ballot().round, core.current_ballot().replica, core.chosen_below(),
                         slot.store->applied_below(), core.rejoining() ? " rejoining" : "");
    }
    for (const auto& client : clients_) {
      if (client.busy || client.ops_left > 0) {
        out += fmt::format(" client {} at op {} ({} left, target r{});", client.id, client.sequence, client.ops_left,
                           client.target);
      }
    }
    return out;
  }

  result<kv_response> read_all(std::uint32_t r) {
    kv_request everything;
    everything.success.push_back(range_op("k", "l"));
    return replicas_[r].store->read(everything);
  }

  // Every replica, however it got there (log, catch-up, snapshot, restart), holds
  // the same zone state: the same keys, values, revisions and versions.
  void check_states() {
    auto first = read_all(0);
    if (!first) return fail("reading replica 0: " + first.error().to_string());
    for (std::uint32_t r = 1; r < replicas_.size(); ++r) {
      auto state = read_all(r);
      if (!state) return fail(fmt::format("reading replica {}: {}", r, state.error().to_string()));
      if (state->results.at(0).kvs != first->results.at(0).kvs || state->revision != first->revision) {
        return fail(fmt::format("replica {} holds a different zone state than replica 0 (revision {} against {})", r,
                                state->revision, first->revision));
      }
    }
  }

  // Every acknowledged write must still be there at the end (after every crash,
  // power loss and lost batch): a final read of every key, as one more client
  // would make it, must fit the history.
  void read_every_key_at_the_end() {
    auto state = read_all(0);
    for (const char* key : {"k0", "k1", "k2"}) {
      kv_operation read;
      read.what = kv_operation::kind::get;
      read.key = key;
      read.client = options_.clients + 1;
      read.invoke_ns = (now_ms_ + 1) * 1'000'000;
      read.complete_ns = read.invoke_ns + 1;
      for (const auto& kv : state->results.at(0).kvs) {
        if (kv.key == key) read.value = kv.value;
      }
      history_.push_back(read);
    }
  }

  void check_history() {
    auto checked = check_linearizable(history_, 2'000'000);
    if (checked.budget_exhausted) return;  // unknown, not a failure; counted by the caller's figures
    if (!checked.linearizable) fail(fmt::format("history not linearizable on key {}: {}", checked.key, checked.explanation));
  }

  std::mt19937_64 random_;
  world_options options_;
  std::string root_dir_;
  std::uint64_t env_generation_ = 0;
  std::uint64_t now_ms_ = 0;
  std::vector<replica_slot> replicas_;
  std::vector<client_state> clients_;
  std::priority_queue<in_flight_message, std::vector<in_flight_message>, std::greater<>> network_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> cut_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t drop_percent_ = 0;
  std::uint64_t duplicate_percent_ = 0;
  std::uint64_t delay_ms_max_ = 1;
  slot_id log_retain_slots_ = 0;
  slot_id compaction_step_slots_ = 1;
  std::uint64_t client_give_up_ms_ = 0;
  std::uint64_t batch_interval_ms_ = 0;
  std::uint32_t failed_sync_per_10k_ = 0;
  std::size_t segment_bytes_ = 0;
  std::size_t snapshot_chunk_bytes_ = 0;
  std::uint64_t flush_delay_ms_max_ = 0;
  std::size_t promise_bytes_max_ = SIZE_MAX;
  std::map<std::string, std::string> last_put_;  // per key, the last value a client set out to write
  std::map<slot_id, std::vector<std::uint8_t>> global_chosen_;
  std::vector<kv_operation> history_;
  world_result result_;
};

void sim_port::send(std::uint32_t to, const paxos_message& message) { world_.send(r_, to, message); }

void sim_port::send_chunk(std::uint32_t to, const paxos_snapshot_chunk& chunk) {
  if (chunk.chunk == 0) ++world_.result_.snapshots;
  world_.send(r_, to, chunk);
}

void sim_port::send_ack(std::uint32_t to, const paxos_snapshot_ack& ack) { world_.send(r_, to, ack); }

void sim_port::flush_needed() { world_.schedule_flush(r_); }

void sim_port::trace(const std::string& line) {
  static const bool tracing = std::getenv("BUCKY_SIM_TRACE") != nullptr;
  if (tracing) fmt::print(stderr, "{:>6} ms r{}: {}\n", world_.now_ms_, r_, line);
}

void sim_port::applied(const chosen_value& chosen) { world_.check_applied(r_, chosen); }

status sim_port::end_rejoin() {
  world_.replicas_[r_].rejoin = false;
  return bucky::end_rejoin(*world_.replicas_[r_].disk, world_.files());
}

}  // namespace

world_result run_world(std::uint64_t seed, const world_options& options) {
  world w(seed, options);
  return w.run();
}

}  // namespace bucky::sim
