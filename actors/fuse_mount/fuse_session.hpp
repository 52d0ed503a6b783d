// One FUSE mount of the zone file system, served by a thread pool libfuse runs:
// mounted at construction (a stale mount a killed node left there is detached
// first), unmounted and its threads joined at stop(). The owner learns through
// `ended` when the kernel side went away by itself (someone unmounted it).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <sys/types.h>

#include "actors/zone_fs/node_files.hpp"
#include "messages/common/status.hpp"

struct fuse_session;

namespace bucky::fuse_mount {

struct mount_options {
  std::string mount_point;
  bool allow_other = true;  // other local users may enter (needs root or user_allow_other)
  std::uint32_t threads_max = 16;
};

class session {
 public:
  // Mounts and starts serving; the error says what to do when it cannot (no
  // /dev/fuse, not permitted, the directory missing).
  static result<std::unique_ptr<session>> start(zone_fs::node_files& files, const mount_options& options,
                                                std::function<void()> ended);
  ~session();  // stop()
  void stop();
  const std::string& mount_point() const { return options_.mount_point; }

 private:
  session(mount_options options) : options_(std::move(options)) {}
  mount_options options_;
  ::fuse_session* fuse_ = nullptr;
  std::thread loop_;
  dev_t device_ = 0;  // the mount's device: /sys/fs/fuse/connections/<minor> aborts it
  std::atomic<bool> stopping_{false};
};

// Detaches whatever is mounted at `mount_point` (a mount a killed node left:
// "Transport endpoint is not connected"). No error when nothing is mounted there.
status detach_stale_mount(const std::string& mount_point);

}  // namespace bucky::fuse_mount
