// The node's data dir: created if missing, checked usable, and locked so that one
// bucky-node at a time owns it (a second one sharing the LMDB environment and the
// log would corrupt both). The lock is an flock on <data_dir>/bucky-node.lock,
// released by the OS when the process dies, so a kill -9 never leaves it stale.
#pragma once

#include <string>

#include "messages/common/status.hpp"

namespace bucky {

class data_dir_lock {
 public:
  data_dir_lock() = default;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;
  data_dir_lock(data_dir_lock&& other) noexcept;
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  ~data_dir_lock();

  const std::string& path() const { return path_; }

 private:
  friend result<data_dir_lock> open_data_dir(const std::string& path);
  std::string path_;
  int lock_fd_ = -1;
};

// Creates `path` (mode 0700) if missing; fails with a status naming the problem if
// it is not a directory, not writable, or locked by another running bucky-node.
result<data_dir_lock> open_data_dir(const std::string& path);

}  // namespace bucky
