#include "tests/sim/paxos/world.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/paxos/carry_out.hpp"
#include "actors/paxos/replica_files.hpp"
#include "storage/atomic_file.hpp"
#include "tests/sim/disk/sim_disk.hpp"
#include "messages/codec.hpp"
#include "messages/common/check.hpp"

namespace bucky::sim {

namespace {

constexpr std::uint64_t tick_ms = 10;
constexpr std::uint64_t client_retry_ms = 300;

struct in_flight_message {
  std::uint64_t deliver_at_ms;
  std::uint64_t sequence;
  std::uint32_t from;
  std::uint32_t to;
  paxos_message message;
  bool operator>(const in_flight_message& other) const {
    return std::tie(deliver_at_ms, sequence) > std::tie(other.deliver_at_ms, other.sequence);
  }
};

// The replicated state machine: a key-value map with once-only commands per client.
struct machine_state {
  std::map<std::string, std::string> kv;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::string>> last_by_client;  // client -> (seq, result)
  std::vector<std::vector<std::uint8_t>> applied;                                  // values, slot order
};

// What survives a crash: the replica's files on its simulated disk (the acceptor
// log, its marker, the rejoin marker, written by the node's own code) and the state
// machine as last committed. As on a node, chosen slots are applied into a batch
// (`live`) committed every batch_interval_ms, before compaction and before a
// snapshot; a crash loses the batch, and its slots are learned and applied again.
struct replica_slot {
  std::optional<replica_core> core;  // nullopt while crashed
  std::unique_ptr<sim_disk> disk;
  std::unique_ptr<acceptor_log> log;  // open while it runs
  machine_state committed;
  machine_state live;                 // committed plus the uncommitted batch
  std::uint64_t committed_ms = 0;
  replica_output pending;              // gathered until the next flush (group commit)
  std::optional<std::uint64_t> flush_at_ms;
  std::map<std::uint64_t, std::uint32_t> reads;  // read id -> client index
  std::uint64_t restart_at_ms = 0;
  bool rejoin = false;  // it lost its acceptor state and has not rebuilt it yet
  bool crash_after_flush = false;  // a write in the flush failed: it dies once the flush is done
};

struct in_flight_snapshot {
  std::uint64_t deliver_at_ms = 0;
  std::uint32_t from = 0;
  machine_state machine;
};

struct client_state {
  std::uint32_t id = 0;
  std::uint64_t sequence = 0;
  std::uint32_t ops_left = 0;
  bool busy = false;
  kv_operation op;
  std::vector<std::uint8_t> encoded;
  std::uint32_t target = 0;
  std::uint64_t next_try_ms = 0;
  std::uint64_t give_up_at_ms = 0;
  bool read_index = false;  // a get through the read index, not the log
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
    batch_interval_ms_ = random_() % 4 == 0 ? 0 : 1 + random_() % 400;  // 0: every slot committed at once
    failed_sync_per_10k_ = options.faults ? random_() % 40 : 0;
    segment_bytes_ = std::size_t{24 * 1024} << (random_() % 4);  // 24 to 192 KiB: many segment switches
    // A flush waits for the mailbox ahead of it and its own sync: meanwhile early
    // accepts are out and answers may come back before our own vote is durable.
    flush_delay_ms_max_ = random_() % 5;
    // In a third of the runs promises come in parts of a few entries.
    promise_bytes_max_ = random_() % 3 == 0 ? 1 + random_() % 100 : SIZE_MAX;
    replicas_.resize(options.replicas);
    snapshots_.resize(options.replicas);
    for (auto& replica : replicas_) replica.disk = fresh_disk();
    for (std::uint32_t r = 0; r < options.replicas; ++r) start_replica(r);
    for (std::uint32_t c = 0; c < options.clients; ++c) {
      client_state client;
      client.id = c + 1;
      client.ops_left = options.ops_per_client;
      client.target = static_cast<std::uint32_t>(random_() % options.replicas);
      clients_.push_back(client);
    }
  }

  world_result run() {
    try {
      std::uint64_t end_ms = options_.fault_phase_ms + options_.settle_ms_max;
      for (now_ms_ = 0; now_ms_ <= end_ms && !result_.failure.size(); now_ms_ += 1) {
        if (now_ms_ == options_.fault_phase_ms) heal();
        if (options_.faults && now_ms_ < options_.fault_phase_ms) maybe_fault();
        restart_due();
        commit_due();
        deliver_due();
        deliver_snapshots();
        if (now_ms_ % tick_ms == 0) tick_all();
        drive_clients();
        flush_due();
        if (now_ms_ > options_.fault_phase_ms && settled()) break;
      }
      if (result_.failure.empty() && !settled()) fail("did not settle after healing (liveness)");
      if (result_.failure.empty()) check_prefixes();
      if (result_.failure.empty()) check_machines();
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
  void fail(const std::string& why) {
    if (result_.failure.empty()) result_.failure = fmt::format("at {} ms: {}", now_ms_, why);
  }

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
    return disk;
  }

  // As the paxos actor starts (replica_files.hpp): the acceptor log is opened and
  // checked by the node's own code; what is lost is set aside and rebuilt (rejoin).
  // A start that fails on the disk (a failed sync) is retried, as node_daemon does.
  void start_replica(std::uint32_t r) {
    auto& slot = replicas_[r];
    slot.live = slot.committed;
    slot.committed_ms = now_ms_;
    // The old shell: no marker, and no check of the log against the applied slots.
    auto applied = options_.mutant == shell_mutant::amnesia_undetected ? 0 : slot.committed.applied.size();
    auto opened = open_acceptor(*slot.disk, files(), log_options(r), nullptr, applied, static_cast<std::int64_t>(now_ms_));
    std::vector<replica_notice> notices;
    auto rejoining = opened ? rejoin_requested(*slot.disk, files(), notices) : result<bool>(opened.error());
    if (!rejoining) {
      if (rejoining.error().code() != status_code::io_error) {
        return fail(fmt::format("replica {} cannot start: {}", r, rejoining.error().to_string()));
      }
      slot.disk->crash();
      slot.restart_at_ms = now_ms_ + 50 + random_() % 500;
      ++result_.failed_starts;
      return;
    }
    if (opened->log->torn_bytes_zeroed() > 0) ++result_.torn_tails;
    auto names = slot.disk->list(files().state_dir);
    for (const auto& name : names.value()) {
      if (name.find(".lost-") != std::string::npos) slot.disk->lose(files().state_dir + "/" + name);  // inspected: gone
    }
    replica_config config;
    config.self = r;
    config.replicas = options_.replicas;
    config.window_slots_max = 8;
    config.batch_commands_max = 4;
    config.log_retain_slots = log_retain_slots_;
    config.compaction_step_slots = compaction_step_slots_;
    config.promise_bytes_max = promise_bytes_max_;
    config.rejoining = *rejoining;
    slot.rejoin = *rejoining;
    auto seed = random_();
    auto engine = std::make_shared<std::mt19937_64>(seed);
    slot.log = std::move(opened->log);
    slot.core.emplace(config, std::move(opened->acceptor), slot.committed.applied.size(),
                      [engine] { return (*engine)(); }, now_ms_);
  }

  void crash(std::uint32_t r) {
    if (!replicas_[r].core) return;
    if (replicas_[r].live.applied.size() > replicas_[r].committed.applied.size()) ++result_.batches_lost;
    replicas_[r].live = replicas_[r].committed;
    replicas_[r].log.reset();
    replicas_[r].disk->crash();  // what was not synced is kept, lost or torn
    replicas_[r].crash_after_flush = false;
    replicas_[r].pending = {};  // never flushed: nothing of it happened
    replicas_[r].flush_at_ms.reset();
    replicas_[r].core.reset();
    replicas_[r].reads.clear();
    snapshots_[r].reset();
    replicas_[r].restart_at_ms = now_ms_ + 50 + random_() % 500;
    ++result_.crashes;
  }

  // The machine dies with its disk; a new one takes its place, empty, and rejoins
  // (one at a time, so f+1 others can still answer it).
  void lose_disk(std::uint32_t r) {
    if (options_.replicas < 3 || !replicas_[r].core) return;
    for (const auto& other : replicas_) {
      if (other.rejoin) return;
    }
    crash(r);
    auto& slot = replicas_[r];
    count_disk(*slot.disk);
    slot.disk = fresh_disk(true);
    slot.committed = {};
    slot.rejoin = true;
    ++result_.disk_losses;
  }

  // The acceptor log alone is lost (deleted, truncated): the node detects it and
  // rebuilds it from the others before voting, keeping its state machine. Put
  // back the old behaviour (amnesia_undetected) and it votes again at once.
  void lose_acceptor_log(std::uint32_t r) {
    if (options_.replicas < 3 || !replicas_[r].core) return;
    for (const auto& other : replicas_) {
      if (other.rejoin) return;
    }
    crash(r);
    auto& disk = *replicas_[r].disk;
    auto dir = files().acceptor_dir();
    auto segments = disk.list(dir);
    auto kind = random_() % 3;
    if (options_.mutant == shell_mutant::amnesia_undetected) {
      disk.lose(dir);  // the old node kept no marker
      disk.lose(files().acceptor_marker);
    } else if (kind == 0 || !segments || segments->empty()) {
      disk.lose(dir);  // deleted whole, or state/ wiped
    } else {
      std::sort(segments->begin(), segments->end());
      disk.lose(dir + "/" + (kind == 1 ? segments->back() : segments->front()));  // its newest or oldest segment
    }
    replicas_[r].rejoin = options_.mutant != shell_mutant::amnesia_undetected;
    ++result_.acceptor_losses;
  }

  // A power cut: every replica crashes at once, losing what it had not made durable.
  void lose_power() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) crash(r);
    ++result_.power_losses;
  }

  void commit_due() {
    for (auto& replica : replicas_) {
      if (replica.core && now_ms_ >= replica.committed_ms + batch_interval_ms_) {
        replica.committed = replica.live;
        replica.committed_ms = now_ms_;
      }
    }
  }

  void restart_due() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      if (!replicas_[r].core && now_ms_ >= replicas_[r].restart_at_ms) start_replica(r);
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
      cut_.clear();
      auto kind = random_() % 4;
      std::uint32_t lone = static_cast<std::uint32_t>(random_() % replicas_.size());
      if (kind == 3) {  // the leader alone: the case read index and step-down are for
        kind = 0;
        for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
          if (replicas_[r].core && replicas_[r].core->role() == replica_role::leader) lone = r;
        }
      }
      for (std::uint32_t a = 0; a < replicas_.size(); ++a) {
        for (std::uint32_t b = 0; b < replicas_.size(); ++b) {
          bool blocked = kind == 0 ? (a == lone) != (b == lone)                 // one node alone
                         : kind == 1 ? (a + b) % replicas_.size() == 1          // a ring-ish cut
                                     : (a < replicas_.size() / 2) != (b < replicas_.size() / 2);  // halves
          if (a != b && blocked) cut_.insert({a, b});
        }
      }
      ++result_.partitions;
    } else if (dice < 20) {
      cut_.clear();
    }
  }

  void heal() {
    cut_.clear();
    drop_percent_ = 0;
    duplicate_percent_ = 0;
  }

  void send(std::uint32_t from, outgoing_message message) {
    ++result_.messages;
    if (cut_.count({from, message.to}) || random_() % 100 < drop_percent_) return;
    int copies = random_() % 100 < duplicate_percent_ ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      network_.push({now_ms_ + 1 + random_() % delay_ms_max_, next_sequence_++, from, message.to, message.message});
    }
  }

  // The simulator's side of carry_out (the node's routine, carry_out.hpp): the
  // acceptor's writes and the state machine go to the replica's simulated disk
  // (durable at once here), sends to the simulated network.
  class sim_effects final : public replica_effects {
   public:
    sim_effects(world& w, std::uint32_t r) : world_(w), r_(r) {}
    status persist(const std::vector<acceptor_output>& steps) override {
      auto written = world_.replicas_[r_].log->persist_all(steps);
      if (!written.is_ok()) ++world_.result_.failed_writes;  // the replica dies: carry_out stops here
      return written;
    }
    void send(outgoing_message& message) override { world_.send(r_, std::move(message)); }
    void apply(const chosen_value& chosen) override { world_.apply(r_, chosen); }
    slot_id durable_applied_below() override { return world_.replicas_[r_].committed.applied.size(); }
    void make_applied_durable() override {
      auto& replica = world_.replicas_[r_];
      replica.committed = replica.live;
      replica.committed_ms = world_.now_ms_;
    }
    void read_ready(std::uint64_t id) override { world_.answer_read(r_, id); }
    void read_dropped(std::uint64_t id) override { world_.replicas_[r_].reads.erase(id); }  // the client retries
    void snapshot_to(std::uint32_t to) override { world_.send_snapshot(r_, to); }
    void rejoined() override {
      auto& replica = world_.replicas_[r_];
      replica.rejoin = false;
      if (!end_rejoin(*replica.disk, world_.files()).is_ok()) replica.crash_after_flush = true;
    }

   private:
    world& world_;
    std::uint32_t r_;
  };

  // As the paxos actor does: outputs gather until a flush, accepts that may leave
  // early leave now (sends_before_flush), the rest at the flush.
  void take(std::uint32_t r, replica_output out) {
    auto& replica = replicas_[r];
    if (!replica.core) return;
    merge_output(replica.pending, std::move(out));
    for (auto& early : sends_before_flush(replica.pending)) send(r, std::move(early));
    if (!replica.flush_at_ms) replica.flush_at_ms = now_ms_ + random_() % (flush_delay_ms_max_ + 1);
  }

  void flush_due() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      auto& replica = replicas_[r];
      if (!replica.core || !replica.flush_at_ms || *replica.flush_at_ms > now_ms_) continue;
      replica.flush_at_ms.reset();
      auto out = std::move(replica.pending);
      replica.pending = {};
      carry_out(r, std::move(out));
    }
  }

  // A failed acceptor write is a crash mid-write: the replica dies there, and
  // nothing that rested on the write has happened.
  void carry_out(std::uint32_t r, replica_output out) {
    sim_effects effects(*this, r);
    if (options_.mutant == shell_mutant::answer_before_persist) {
      for (const auto& chosen : out.chosen) apply(r, chosen);  // the old shell: answers first
      out.chosen.clear();
    }
    auto done = bucky::carry_out(out, effects);
    if (!done.is_ok() || replicas_[r].crash_after_flush) crash(r);
    else if (batch_interval_ms_ == 0) effects.make_applied_durable();
  }

  void apply(std::uint32_t r, const chosen_value& chosen) {
    auto& machine = replicas_[r].live;
    if (chosen.slot < machine.applied.size()) {  // a snapshot got there first (as the node skips it)
      if (machine.applied[chosen.slot] != chosen.value) fail(fmt::format("replica {}: slot {} differs", r, chosen.slot));
      return;
    }
    if (chosen.slot != machine.applied.size()) fail(fmt::format("replica {} applied slot {} out of order", r, chosen.slot));
    auto [known, fresh] = global_chosen_.emplace(chosen.slot, chosen.value);
    if (!fresh && known->second != chosen.value) {
      fail(fmt::format("agreement violated: slot {} chosen twice with different values", chosen.slot));
    }
    machine.applied.push_back(chosen.value);
    if (chosen.value.empty()) return;  // no-op
    auto batch = decode<command_batch>(chosen.value);
    BUCKY_CHECK(batch.has_value());
    for (const auto& command : batch->commands) apply_command(r, command);
  }

  // A snapshot is the sender's state machine as it is now; it travels (or is lost)
  // like a message, one at a time per receiver.
  void send_snapshot(std::uint32_t from, std::uint32_t to) {
    if (snapshots_[to] || cut_.count({from, to}) || random_() % 100 < drop_percent_) return;
    snapshots_[to] = in_flight_snapshot{now_ms_ + 1 + random_() % (5 * delay_ms_max_), from,
                                        replicas_[from].live};
    replicas_[from].committed = replicas_[from].live;  // a snapshot commits the batch first
    ++result_.snapshots;
  }

  void deliver_snapshots() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      auto& snapshot = snapshots_[r];
      if (!snapshot || snapshot->deliver_at_ms > now_ms_) continue;
      auto machine = std::move(snapshot->machine);
      bool blocked = cut_.count({snapshot->from, r}) > 0;
      snapshot.reset();
      auto& target = replicas_[r];
      if (blocked || !target.core || machine.applied.size() <= target.live.applied.size()) continue;
      target.committed = std::move(machine);  // installed in one transaction
      target.live = target.committed;
      take(r, target.core->on_snapshot_installed(target.committed.applied.size()));
    }
  }

  void answer_read(std::uint32_t r, std::uint64_t id) {
    auto& slot = replicas_[r];
    auto reader = slot.reads.find(id);
    if (reader == slot.reads.end()) return;
    auto& client = clients_[reader->second];
    slot.reads.erase(reader);
    if (!client.busy || client.sequence != (id & 0xffffffffu)) return;
    auto found = slot.live.kv.find(client.op.key);
    ++result_.reads_by_index;
    complete(client.id, client.sequence, found == slot.live.kv.end() ? "\x01absent" : found->second);
  }

  // The state machine: a key-value map with once-only commands per (client, sequence).
  void apply_command(std::uint32_t r, const client_command& command) {
    auto& slot = replicas_[r].live;
    auto& last = slot.last_by_client[command.client_id];
    std::string result;
    if (command.sequence <= last.first) {
      result = last.second;  // a retry: no second effect
    } else {
      std::string op(command.operation.begin(), command.operation.end());
      auto space = op.find(' ', 2);
      std::string key = op.substr(2, space == std::string::npos ? std::string::npos : space - 2);
      if (op[0] == 'P') {
        slot.kv[key] = op.substr(space + 1);
        result = "ok";
      } else {
        auto found = slot.kv.find(key);
        result = found == slot.kv.end() ? "\x01absent" : found->second;
      }
      last = {command.sequence, result};
    }
    complete(command.client_id, command.sequence, result);
  }

  void complete(std::uint64_t client_id, std::uint64_t sequence, const std::string& result) {
    auto& client = clients_[client_id - 1];
    if (!client.busy || client.sequence != sequence) return;
    client.op.completed = true;
    client.op.complete_ns = now_ms_ * 1'000'000 + 1;
    if (client.op.what == kv_operation::kind::get) {
      client.op.value = result == "\x01absent" ? std::nullopt : std::optional<std::string>(result);
    }
    history_.push_back(client.op);
    client.busy = false;
    ++result_.ops_completed;
  }

  void deliver_due() {
    while (!network_.empty() && network_.top().deliver_at_ms <= now_ms_) {
      auto message = network_.top();
      network_.pop();
      auto& target = replicas_[message.to];
      if (!target.core || cut_.count({message.from, message.to})) continue;
      if (auto* promise = std::get_if<paxos_promise>(&message.message); promise && promise->more_from != 0) {
        ++result_.promise_parts;
      }
      take(message.to, target.core->on_message(message.from, message.message, now_ms_));
    }
  }

  void tick_all() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      if (replicas_[r].core) take(r, replicas_[r].core->on_tick(now_ms_));
    }
  }

  void start_operation(client_state& client) {
    client.busy = true;
    client.ops_left -= 1;
    client.sequence += 1;
    client.op = {};
    client.op.client = client.id;
    client.op.key = "k" + std::to_string(random_() % 3);
    client.op.invoke_ns = now_ms_ * 1'000'000;
    client.op.completed = false;
    std::string encoded;
    if (random_() % 2) {
      client.op.what = kv_operation::kind::put;
      client.op.value = fmt::format("c{}s{}", client.id, client.sequence);
      encoded = "P " + client.op.key + " " + *client.op.value;
    } else {
      client.op.what = kv_operation::kind::get;
      encoded = "G " + client.op.key;
    }
    client.read_index = client.op.what == kv_operation::kind::get && random_() % 2 == 0;
    client.encoded.assign(encoded.begin(), encoded.end());
    client.next_try_ms = now_ms_;
    client.give_up_at_ms = now_ms_ + client_give_up_ms_;
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
      auto& replica = replicas_[client.target];
      replica_output out;
      bool taken = false;
      if (replica.core && client.read_index) {
        auto id = (std::uint64_t{client.id} << 32) | client.sequence;
        replica.reads[id] = client.id - 1;
        taken = replica.core->on_read(id, out);
        if (!taken) replica.reads.erase(id);
      } else if (replica.core) {
        taken = replica.core->on_client_command({client.id, client.sequence, client.encoded}, out);
      }
      if (replica.core) take(client.target, std::move(out));
      if (taken) {
        // No answer by then: retry, half the time at another replica (as a client
        // whose connection timed out would).
        client.next_try_ms = now_ms_ + client_retry_ms;
        if (random_() % 2) client.target = static_cast<std::uint32_t>(random_() % replicas_.size());
      } else {
        auto hint = replica.core ? replica.core->leader_hint() : std::nullopt;
        client.target = hint && *hint != client.target ? *hint
                                                       : static_cast<std::uint32_t>(random_() % replicas_.size());
        client.next_try_ms = now_ms_ + 5;
      }
    }
  }

  bool settled() const {
    for (const auto& client : clients_) {
      if (client.busy || client.ops_left > 0) return false;
    }
    slot_id chosen = global_chosen_.size();
    for (const auto& replica : replicas_) {
      if (!replica.core || replica.live.applied.size() < chosen) return false;
    }
    return true;
  }

  // Every replica, however it got there (log, catch-up, snapshot, restart), holds
  // the same state.
  void check_machines() {
    const auto& first = replicas_[0].live;
    for (std::uint32_t r = 1; r < replicas_.size(); ++r) {
      const auto& machine = replicas_[r].live;
      if (machine.kv != first.kv || machine.last_by_client != first.last_by_client) {
        return fail(fmt::format("replica {} holds a different state machine than replica 0", r));
      }
    }
  }

  void check_prefixes() {
    for (std::uint32_t r = 0; r < replicas_.size(); ++r) {
      const auto& applied = replicas_[r].live.applied;
      for (std::size_t s = 0; s < applied.size(); ++s) {
        if (applied[s] != global_chosen_.at(s)) return fail(fmt::format("replica {} applied a different slot {}", r, s));
      }
    }
  }

  // Every acknowledged write must still be there at the end (after every crash,
  // power loss and lost batch): a final read of every key, as one more client
  // would make it, must fit the history.
  void read_every_key_at_the_end() {
    for (const char* key : {"k0", "k1", "k2"}) {
      kv_operation read;
      read.what = kv_operation::kind::get;
      read.key = key;
      read.client = options_.clients + 1;
      read.invoke_ns = (now_ms_ + 1) * 1'000'000;
      read.complete_ns = read.invoke_ns + 1;
      auto found = replicas_[0].live.kv.find(key);
      if (found != replicas_[0].live.kv.end()) read.value = found->second;
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
  std::uint64_t flush_delay_ms_max_ = 0;
  std::size_t promise_bytes_max_ = SIZE_MAX;
  std::vector<std::optional<in_flight_snapshot>> snapshots_;  // per receiver
  std::map<slot_id, std::vector<std::uint8_t>> global_chosen_;
  std::vector<kv_operation> history_;
  world_result result_;
};

}  // namespace

world_result run_world(std::uint64_t seed, const world_options& options) {
  world w(seed, options);
  return w.run();
}

}  // namespace bucky::sim
