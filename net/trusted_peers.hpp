// The peer directory a running node trusts right now, shared between the actors that
// read it (transport: who may connect, whom to dial) and the one that replaces it
// (name_service, when a newer verified zone config arrives). Readers take a snapshot
// that stays valid while they hold it; every method is thread-safe (the transport's
// I/O thread authorizes handshakes with it). It outlives actor restarts: a restarted
// transport starts from the latest directory, not the one the process booted with.
#pragma once

#include <memory>
#include <mutex>

#include "net/peer_directory.hpp"

namespace bucky::net {

class trusted_peers {
 public:
  explicit trusted_peers(peer_directory initial)
      : current_(std::make_shared<const peer_directory>(std::move(initial))) {}

  std::shared_ptr<const peer_directory> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void replace(peer_directory next) {
    auto fresh = std::make_shared<const peer_directory>(std::move(next));
    std::lock_guard lock(mutex_);
    current_ = std::move(fresh);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const peer_directory> current_;
};

}  // namespace bucky::net
