// The way into an app's sandbox from its node (DESIGN §10.2-10.3): an app without
// the network has a network namespace of its own, so the port it serves (its
// manifest's "ports") is reachable only through here. For each such port the node
// listens on a loopback port of its own and carries each connection into the app's
// namespace: the socket to the app is made inside it (setns on this thread, then
// back), connected to 127.0.0.1:<app port> there, and bytes are copied both ways.
// The app can reach nothing outside through it: connections only go in.
//
// Shared by the process manager (opens when an app starts, closes when it exits)
// across its restarts, like the process table; one I/O thread for all of them.
// Needs root (setns into another user's namespace).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky {

struct port_forward_limits {
  static constexpr std::size_t connections_max = 256;       // per app port
  static constexpr std::size_t buffer_bytes = 64 * 1024;     // per direction of a connection
  static constexpr std::uint64_t namespace_wait_ms_max = 5'000;  // for bwrap to make it
};

class port_forwards {
 public:
  port_forwards();
  ~port_forwards();
  port_forwards(const port_forwards&) = delete;
  port_forwards& operator=(const port_forwards&) = delete;

  // Opens a loopback listener for each of the app's ports; the host ports, in order.
  // `sandbox_pid` is bwrap's: the namespace is its child's, found at the first connection.
  result<std::vector<std::uint16_t>> open(const std::string& instance_id, pid_t sandbox_pid,
                                          const std::vector<std::uint16_t>& app_ports);
  // Stops listening and drops every connection of the instance.
  void close(const std::string& instance_id);

 private:
  struct state;
  std::unique_ptr<state> state_;
  std::thread io_thread_;
};

}  // namespace bucky
