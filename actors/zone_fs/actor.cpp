#include "actors/zone_fs/actor.hpp"

#include <unistd.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <random>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/fuse_mount/fuse_session.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/runtime/steady_now.hpp"
#include "actors/zone_fs/actor_requests.hpp"
#include "actors/zone_fs/fs_requests.hpp"
#include "actors/zone_fs/chunk_prefetch.hpp"
#include "actors/zone_fs/node_files.hpp"
#include "actors/zone_fs/zone_ports.hpp"

namespace bucky {

namespace {

using mount_atom = caf::atom_constant<caf::atom("mount")>;
using unmounted_atom = caf::atom_constant<caf::atom("unmounted")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
constexpr std::uint64_t idle_check_ms = 5'000;       // how often idle `bucky fs put` handles are looked for
// An open file with changes uncommitted this long is written back (well inside the
// 24 h a stored chunk nothing references is kept before it is collected).
constexpr std::int64_t write_back_age_ns = 3'600'000'000'000;
constexpr std::uint64_t df_node_timeout_ms = 3'000;  // one node's chunk figures for df

std::int64_t wall_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

class zone_fs_shell : public component_actor {
 public:
  zone_fs_shell(caf::actor_config& actor_config, child_context context, zone_fs_config config)
      : component_actor(actor_config, std::move(context)),
        config_(std::move(config)),
        random_(std::random_device{}()),
        kv_(system(), config_.zone_timeout_ms),
        chunks_(system(), kv_, chunk_options()),
        files_(kv_, chunks_, files_options()),
        ahead_(chunks_, files_.cache(), zone_fs::chunk_prefetch_options{}),
        requests_(files_, kv_, requests_options()) {
    files_.read_ahead_with(&ahead_);
  }

  caf::behavior make_behavior() override {
    send(this, mount_atom::value);
    delayed_send(this, std::chrono::milliseconds(idle_check_ms), idle_atom::value);
    return {
        [this](mount_atom) { prepare(); },
        // `bucky fs` (messages/fs.hpp): only over the transport, which names the caller.
        [this](const caller& from, const fs_request& request) { return requests_.serve(from, request); },
        [this](idle_atom) {
          for (const auto& line : requests_.drop_idle()) log().warn("zone fs: {}", line);
          for (const auto& line : files_.write_back(write_back_age_ns)) log().info("zone fs: {}", line);
          delayed_send(this, std::chrono::milliseconds(idle_check_ms), idle_atom::value);
        },
        [this](unmounted_atom) {
          // Let it crash: node_daemon starts us again, and we mount again.
          throw std::runtime_error(fmt::format("the zone mount at {} went away (unmounted from outside?)",
                                               config_.mount_point));
        },
    };
  }

  void on_exit() override {
    if (session_) {
      session_->stop();
      log().info("zone fs: unmounted {}", config_.mount_point);
    }
    session_.reset();
  }

 private:
  zone_fs::chunk_port_options chunk_options() const {
    zone_fs::chunk_port_options options;
    options.node_id = config_.node_id;
    options.copies = config_.copies;
    return options;
  }

  // The actor's one random generator, for the FUSE threads and the handlers alike.
  std::function<std::uint64_t()> random_source() {
    return [this] {
      std::lock_guard lock(random_mutex_);
      return random_();
    };
  }

  zone_fs::node_files_options files_options() {
    zone_fs::node_files_options options;
    options.cache_bytes = config_.cache_bytes;
    options.random_u64 = random_source();
    options.now_ns = wall_ns;
    return options;
  }

  zone_fs::fs_requests_options requests_options() {
    zone_fs::fs_requests_options options;
    options.node_id = config_.node_id;
    options.random_u64 = random_source();
    options.steady_ms = steady_now_ms;
    options.chunk_figures = [this] {
      return zone_fs::ask_chunk_figures(system(), chunks_, config_.node_id, df_node_timeout_ms);
    };
    return options;
  }

  // The root first (the zone state may not be up yet: tried again), then the mount.
  void prepare() {
    if (!root_ready_) {
      auto root = files_.meta().ensure_root(wall_ns());
      if (!root) return retry(fmt::format("zone fs: no root directory yet: {}", root.error().to_string()));
      root_ready_ = true;
      log().info("zone fs: ready on node {} ({} copies of every chunk)", config_.node_id, config_.copies);
    }
    if (config_.mount_point.empty() || session_) return;
    fuse_mount::mount_options options;
    options.mount_point = config_.mount_point;
    options.allow_other = ::geteuid() == 0;
    auto self = caf::actor_cast<caf::actor>(this);
    auto started = fuse_mount::session::start(files_, options, [self] { caf::anon_send(self, unmounted_atom::value); });
    if (!started) return retry(fmt::format("zone fs: {}", started.error().message()), true);
    session_ = std::move(*started);
    log().info("zone fs: mounted the zone at {}", config_.mount_point);
  }

  void retry(const std::string& why, bool loud = false) {
    if (loud || ++quiet_retries_ % 15 == 1) log().warn("{}; trying again in {} ms", why, config_.retry_ms);
    delayed_send(this, std::chrono::milliseconds(config_.retry_ms), mount_atom::value);
  }

  zone_fs_config config_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
  zone_fs::zone_kv_port kv_;
  zone_fs::zone_chunk_port chunks_;
  zone_fs::node_files files_;
  zone_fs::chunk_prefetch ahead_;  // before the handles and the mount: their reads use it
  zone_fs::fs_requests requests_;  // after files_: its handles hold open files
  std::unique_ptr<fuse_mount::session> session_;
  bool root_ready_ = false;
  std::uint64_t quiet_retries_ = 0;
};

}  // namespace

caf::actor spawn_zone_fs(caf::actor_system& system, const child_context& context, zone_fs_config config) {
  return system.spawn<zone_fs_shell, caf::detached>(context, std::move(config));
}

}  // namespace bucky
