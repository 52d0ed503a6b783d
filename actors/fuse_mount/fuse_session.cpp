#include "actors/fuse_mount/fuse_session.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "actors/fuse_mount/fuse_ops.hpp"

namespace bucky::fuse_mount {

namespace {

// The device of the mount at `mount_point`, from /proc/self/mountinfo (its third
// field is major:minor); 0 when not found.
dev_t device_of_mount(const std::string& mount_point) {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  for (std::size_t lines = 0; lines < 100'000 && std::getline(mounts, line); ++lines) {
    std::istringstream fields(line);
    std::string id, parent, numbers, root, point;
    fields >> id >> parent >> numbers >> root >> point;
    unsigned major_number = 0, minor_number = 0;
    if (point == mount_point && std::sscanf(numbers.c_str(), "%u:%u", &major_number, &minor_number) == 2) {
      return makedev(major_number, minor_number);
    }
  }
  return 0;
}

}  // namespace

status detach_stale_mount(const std::string& mount_point) {
  struct stat st;
  if (::stat(mount_point.c_str(), &st) == 0 || errno != ENOTCONN) return {};
  if (::umount2(mount_point.c_str(), MNT_DETACH) == 0) return {};
  const int error = errno;
  // Not root: the setuid helper can detach a FUSE mount of this user's.
  const std::string command = fmt::format("fusermount3 -u -z '{}' 2>/dev/null", mount_point);
  if (std::system(command.c_str()) == 0) return {};
  return status(status_code::io_error, fmt::format("{} is a dead FUSE mount and cannot be detached ({}); run "
                                                   "`fusermount3 -u -z {}` or `umount -l {}` as root",
                                                   mount_point, std::strerror(error), mount_point, mount_point));
}

result<std::unique_ptr<session>> session::start(zone_fs::node_files& files, const mount_options& asked,
                                                std::function<void()> ended) {
  // An absolute, normal path: how /proc/self/mountinfo names the mount.
  mount_options options = asked;
  options.mount_point = std::filesystem::absolute(asked.mount_point).lexically_normal().string();
  if (options.mount_point.size() > 1 && options.mount_point.back() == '/') options.mount_point.pop_back();
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    return status(status_code::unavailable, fmt::format("cannot mount the zone at {}: /dev/fuse is not usable ({}); "
                                                        "install fuse3 and load the fuse module (modprobe fuse)",
                                                        options.mount_point, std::strerror(errno)));
  }
  if (status stale = detach_stale_mount(options.mount_point); !stale.is_ok()) return stale;
  std::error_code made;
  std::filesystem::create_directories(options.mount_point, made);
  if (made) return status(status_code::io_error, fmt::format("cannot create {}: {}", options.mount_point, made.message()));
  std::unique_ptr<session> out(new session(options));
  std::vector<std::string> argv_text{"bucky-node", "-o", "default_permissions,fsname=bucky-zone,subtype=bucky"};
  if (options.allow_other) argv_text[2] += ",allow_other";
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  const auto& ops = zone_fs_operations();
  out->fuse_ = fuse_session_new(&args, &ops, sizeof ops, &files);
  fuse_opt_free_args(&args);
  if (!out->fuse_) return status(status_code::internal, "fuse_session_new failed (see the lines above from libfuse)");
  if (fuse_session_mount(out->fuse_, options.mount_point.c_str()) != 0) {
    fuse_session_destroy(out->fuse_);
    out->fuse_ = nullptr;
    return status(status_code::permission_denied,
                  fmt::format("cannot mount the zone at {} (not root, or allow_other without user_allow_other in "
                              "/etc/fuse.conf?)", options.mount_point));
  }
  out->device_ = device_of_mount(options.mount_point);  // (a stat would wait for the loop)
  session* self = out.get();
  out->loop_ = std::thread([self, ended = std::move(ended), threads = options.threads_max] {
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, threads);
    fuse_session_loop_mt(self->fuse_, config);
    fuse_loop_cfg_destroy(config);
    if (!self->stopping_) ended();
  });
  return out;
}

namespace {

// Ends the kernel side of the mount even while others hold it: a process with a file
// open there, or an app's sandbox with a bind of it in its own mount namespace
// (which a lazy unmount of ours does not reach). Needs the fuse control file system;
// where the system did not mount it (containers), root mounts it here.
void abort_connection(dev_t device) {
  const std::string abort_path = fmt::format("/sys/fs/fuse/connections/{}/abort", minor(device));
  FILE* abort_file = std::fopen(abort_path.c_str(), "w");
  if (abort_file == nullptr && errno == ENOENT && ::geteuid() == 0) {
    ::mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, nullptr);
    abort_file = std::fopen(abort_path.c_str(), "w");
  }
  if (abort_file == nullptr) return;
  std::fputs("1", abort_file);
  std::fclose(abort_file);
}

}  // namespace

void session::stop() {
  if (!fuse_ || stopping_.exchange(true)) return;
  fuse_session_exit(fuse_);
  // Detach lazily (a process may still have a file open there), then abort the
  // connection so the loop's threads return from /dev/fuse whatever is open.
  if (::umount2(options_.mount_point.c_str(), MNT_DETACH) != 0) fuse_session_unmount(fuse_);
  if (device_ != 0) abort_connection(device_);
  if (loop_.joinable()) loop_.join();
  fuse_session_destroy(fuse_);
  fuse_ = nullptr;
}

session::~session() { stop(); }

}  // namespace bucky::fuse_mount
