// The paxos actor's own state on disk: opening it, scrubbing it, and setting aside
// what cannot be trusted. The rules (what is set aside when, rejoin, what a zone of
// fewer than 3 state nodes is told) are in replica_files.hpp, shared with the
// simulator; this file adds the zone state's LMDB environment and the log lines.
#include "actors/paxos/paxos_actor.hpp"

#include <atomic>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::paxos_shell {

replica_files paxos_actor::files() const {
  return {config_.state_dir, config_.acceptor_marker, config_.rejoin_marker, config_.state_corrupt_marker,
          static_cast<std::uint32_t>(config_.replicas.size()), config_.accept_state_loss};
}

void paxos_actor::log_notices(const std::vector<replica_notice>& notices) {
  for (const auto& notice : notices) {
    if (notice.warning) log().warn("{}", notice.text);
    else log().info("{}", notice.text);
  }
}

bool paxos_actor::rejoin_requested() {
  std::vector<replica_notice> notices;
  auto rejoin = bucky::rejoin_requested(storage::posix_file_system(), files(), notices);
  if (!rejoin) throw std::runtime_error("reading the rejoin marker: " + rejoin.error().message());
  log_notices(notices);
  return *rejoin;
}

void paxos_actor::set_aside(const std::string& dir, const status& why, state_loss loss) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  auto notice = bucky::set_aside(storage::posix_file_system(), files(), dir, why, loss, seconds);
  if (!notice) throw std::runtime_error(notice.error().message());
  log_notices({*notice});
}

void paxos_actor::open_state() {
  auto self_index = std::find(config_.replicas.begin(), config_.replicas.end(), config_.node_id);
  BUCKY_CHECK_MSG(self_index != config_.replicas.end(), config_.node_id + " is not a state node");
  BUCKY_CHECK_MSG(!config_.acceptor_marker.empty() && !config_.state_corrupt_marker.empty(),
                  "the paxos actor needs its marker paths");
  if (auto marked = read_small_file(config_.state_corrupt_marker); marked) {
    set_aside(config_.state_dir, status(status_code::corruption, *marked), state_loss::corrupt_value);
  }
  acceptor_core acceptor = open_storage();  // throws when it cannot be trusted: do not vote
  if (acceptor.compacted_below() > applied_below()) {
    status lost(status_code::corruption,
                fmt::format("the zone state in {}/data.mdb holds slots only below {}, but the acceptor log forgot "
                            "every slot below {}: data.mdb was lost or replaced",
                            config_.state_dir, applied_below(), acceptor.compacted_below()));
    close_storage();
    set_aside(config_.state_dir, lost, state_loss::applied_slots);
    acceptor = open_storage();
  }
  replica_config replica;
  replica.self = static_cast<std::uint32_t>(self_index - config_.replicas.begin());
  replica.replicas = static_cast<std::uint32_t>(config_.replicas.size());
  // A short pipeline makes commands that arrive while slots are in flight share
  // the next slot (one fsync per replica per batch, not per command).
  replica.window_slots_max = config_.window_slots_max;
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  replica.log_retain_slots = config_.log_retain_slots;
  replica.compaction_step_slots = config_.compaction_step_slots;
  replica.rejoining = rejoin_requested();
  driver_config driving;
  driving.node_id = config_.node_id;
  driving.replicas = config_.replicas;
  driving.request_timeout_ms = config_.request_timeout_ms;
  driving.waiting_requests_max = config_.waiting_requests_max;
  driving.batch_interval_ms = config_.batch_interval_ms;
  driving.batch_slots_max = config_.batch_slots_max;
  driving.batch_bytes_max = config_.batch_bytes_max;
  driving.snapshot = config_.snapshot;
  auto& out = open_port();
  driver_.emplace(std::move(driving),
                  replica_core(replica, std::move(acceptor), applied_below(), [engine] { return (*engine)(); },
                               steady_ms()),
                  *kv_, *acceptor_log_, out, steady_ms());
  log().info("replica {} of {} ({}); state in {}, applied below slot {}, promised ballot ({},{})", replica.self,
             replica.replicas, fmt::join(config_.replicas, ","), config_.state_dir, applied_below(),
             core().acceptor().promised().round, core().acceptor().promised().replica);
}

// The LMDB environment (zone state) and the acceptor log. A value that fails its
// check, wherever it is read, writes the corruption marker (once) before the read
// returns its error, so the next start rebuilds whatever the reader then does.
acceptor_core paxos_actor::open_storage() {
  storage::lmdb_options options;
  options.path = config_.state_dir;
  options.map_size_bytes = config_.map_size_bytes;
  if (config_.faults) options.before_commit = [faults = config_.faults] { return faults->before_disk_write(); };
  options.on_corruption = [marker = config_.state_corrupt_marker, seen = corruption_seen_](const status& why) {
    if (seen->exchange(true)) return;
    (void)write_file_atomically(marker, why.message() + "\n", 0600);  // best effort: the read fails anyway
  };
  auto env = storage::lmdb_env::open(options);
  if (!env && env.error().code() == status_code::corruption) {
    set_aside(config_.state_dir, env.error(), state_loss::applied_slots);
    env = storage::lmdb_env::open(options);
  }
  if (!env) throw std::runtime_error(env.error().message());
  env_ = std::move(*env);
  auto kv = kv_store::open(*env_);
  if (!kv) {
    throw std::runtime_error(fmt::format("{} (the zone state in {}/data.mdb cannot be read: restore it from a backup, "
                                         "or move {} away and start again to rebuild it from the others)",
                                         kv.error().message(), config_.state_dir, config_.state_dir));
  }
  kv_.emplace(std::move(*kv));
  return open_acceptor_log();
}

// The background scrub reads scrub_rows_per_second values of the committed zone
// state each second, so damage that no request touches is found too. Damage found
// by any read (marked by on_corruption) stops the replica at the next tick: it
// serves nothing more from this state, and the next start rebuilds it.
void paxos_actor::scrub() {
  if (corruption_seen_->load()) {
    throw std::runtime_error("a value of the zone state in " + config_.state_dir +
                             " failed its check; the next start rebuilds it (see " + config_.state_corrupt_marker + ")");
  }
  auto now = steady_ms();
  if (now < scrubbed_ms_ + 1'000) return;
  scrubbed_ms_ = now;
  auto passes = scrub_position_.passes;
  if (auto checked = kv_->scrub(scrub_position_, config_.scrub_rows_per_second,
                                        config_.scrub_bytes_per_second); !checked.is_ok()) {
    throw std::runtime_error("scrubbing the zone state: " + checked.to_string());
  }
  if (scrub_position_.passes != passes) {
    log().debug("scrub: pass {} over the zone state checked {} values", scrub_position_.passes,
                scrub_position_.last_pass_rows);
  }
}

void paxos_actor::close_storage() {
  acceptor_log_.reset();
  kv_.reset();
  env_.reset();
}

storage::append_log_options paxos_actor::acceptor_log_options() const {
  storage::append_log_options options;
  options.dir = config_.state_dir + "/acceptor";
  options.segment_size_bytes = config_.acceptor_segment_bytes;
  if (config_.faults) options.before_write = [faults = config_.faults] { return faults->before_disk_write(); };
  return options;
}

// The acceptor log in <state_dir>/acceptor/ (or, from an earlier version, the
// LMDB tables it replaces: see acceptor_log::open).
acceptor_core paxos_actor::open_acceptor_log() {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  auto opened = open_acceptor(storage::posix_file_system(), files(), acceptor_log_options(), env_.get(),
                              applied_below(), seconds);
  if (!opened) throw std::runtime_error(opened.error().message());
  log_notices(opened->notices);
  acceptor_log_ = std::move(opened->log);
  return std::move(opened->acceptor);
}

}  // namespace bucky::paxos_shell
