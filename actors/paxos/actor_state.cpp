// The paxos actor's own state on disk: opening it, and what happens when part of
// it cannot be trusted (issue 17). A replica never votes on, nor serves, state it
// knows to be damaged or incomplete:
//   - the acceptor log lost records, segments or all of itself (acceptor_log's
//     checks and its marker), or the zone state here holds slots the acceptor log
//     does not (both lost with state/): the acceptor log is set aside;
//   - a value of the zone state failed its check (on read or in the scrub: the
//     corruption marker was written), or the zone state lost slots the acceptor log
//     already forgot (data.mdb lost or replaced): the whole state/ is set aside.
// Set aside = moved to <dir>.lost-<unix seconds>, kept for inspection; then the
// replica rebuilds from a majority of the others before it votes (rejoin), as a
// replaced machine does. A zone of fewer than 3 state nodes has no others: the
// replica refuses to start and says what its operator can do.
#include "actors/paxos/paxos_actor.hpp"

#include <atomic>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::paxos_shell {

bool paxos_actor::rejoin_requested(std::uint32_t replicas) {
  if (config_.rejoin_marker.empty() || !std::filesystem::exists(config_.rejoin_marker)) return false;
  if (replicas >= 3) {
    log().info("this replica's acceptor state was lost: it votes again once rebuilt from {} others",
               replicas / 2 + 1);
    return true;
  }
  log().warn("a zone state of {} replica(s) cannot rebuild a lost acceptor from others: starting it empty", replicas);
  std::error_code ignored;
  std::filesystem::remove(config_.rejoin_marker, ignored);
  return false;
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
  replica.rejoining = rejoin_requested(replica.replicas);
  core_.emplace(replica, std::move(acceptor), applied_below(), [engine] { return (*engine)(); }, steady_ms());
  log().info("replica {} of {} ({}); state in {}, applied below slot {}, promised ballot ({},{})", replica.self,
             replica.replicas, fmt::join(config_.replicas, ","), config_.state_dir, applied_below(),
             core_->acceptor().promised().round, core_->acceptor().promised().replica);
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
  auto options = acceptor_log_options();
  acceptor_core acceptor;
  auto opened = acceptor_log::open(options, config_.acceptor_marker, *env_, acceptor);
  if (opened && (*opened)->started_empty() && applied_below() > 0) {
    opened = status(status_code::corruption,
                    fmt::format("the acceptor log in {} and its marker {} are gone, but the zone state here holds "
                                "{} applied slots: this replica has voted and lost its promises",
                                options.dir, config_.acceptor_marker, applied_below()));
  }
  if (!opened && opened.error().code() == status_code::corruption) {
    set_aside(options.dir, opened.error(), state_loss::acceptor_log);
    acceptor = acceptor_core();
    opened = acceptor_log::open(options, config_.acceptor_marker, *env_, acceptor);
  }
  if (!opened) throw std::runtime_error(opened.error().message());
  acceptor_log_ = std::move(*opened);
  if (acceptor_log_->torn_bytes_zeroed() > 0) {
    log().warn("the acceptor log in {} ended in a write cut short by a crash (never acknowledged): {} bytes zeroed",
               options.dir, acceptor_log_->torn_bytes_zeroed());
  }
  if (acceptor_log_->moved_from_tables()) {
    log().info("acceptor state moved from the LMDB tables to the acceptor log in {} (promised ballot ({},{}), {} "
               "accepted entries)",
               options.dir, acceptor.promised().round, acceptor.promised().replica, acceptor.accepted().size());
  }
  if (acceptor_log_->marker_made_for_existing_log()) {
    log().info("the acceptor log in {} now has a marker, {} (first start of a version that keeps one)", options.dir,
               config_.acceptor_marker);
  }
  return acceptor;
}

// What a zone of fewer than 3 state nodes, which cannot rebuild, is told to do.
std::string paxos_actor::single_node_choices(state_loss loss) const {
  if (loss == state_loss::corrupt_value) {
    return fmt::format("restore {} from a backup, or delete {} to serve the zone state as it is", config_.state_dir,
                       config_.state_corrupt_marker);
  }
  return fmt::format("restore {} from a backup, or start bucky-node once with --accept-state-loss added to its "
                     "command line to go on from what is left here ({})",
                     config_.state_dir,
                     loss == state_loss::acceptor_log
                         ? "the zone state as last committed: writes acknowledged in its last second may be missing"
                         : "an empty zone state");
}

// Moves `dir` aside (see the top of this file). The rejoin marker is written first,
// so a crash at any step here still rejoins.
void paxos_actor::set_aside(const std::string& dir, const status& why, state_loss loss) {
  bool can_rebuild = config_.replicas.size() >= 3;
  bool accepted = loss != state_loss::corrupt_value && config_.accept_state_loss;
  if (!can_rebuild && !accepted) {
    throw std::runtime_error(fmt::format("{}. A zone state of {} state node(s) cannot rebuild it from the others: {}",
                                         why.message(), config_.replicas.size(), single_node_choices(loss)));
  }
  if (can_rebuild) {
    auto marked = write_file_atomically(config_.rejoin_marker, "acceptor state lost\n", 0600);
    if (!marked.is_ok()) throw std::runtime_error("marking this replica for rejoin: " + marked.to_string());
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  auto aside = fmt::format("{}.lost-{}", dir, seconds);
  std::error_code error;
  bool existed = std::filesystem::exists(dir, error);
  if (existed) std::filesystem::rename(dir, aside, error);
  if (!error) std::filesystem::remove(config_.acceptor_marker, error);
  if (!error) std::filesystem::remove(config_.state_corrupt_marker, error);
  if (error) throw std::runtime_error(fmt::format("moving {} aside: {}", dir, error.message()));
  log().warn("{}; this replica does not vote on it: {}, and {}", why.message(),
             existed ? "what is left is kept in " + aside : "nothing of it is left to keep",
             can_rebuild ? "the state is rebuilt from the others before this replica votes again (rejoin)"
                         : "the zone state goes on from what is left (--accept-state-loss)");
}

}  // namespace bucky::paxos_shell
