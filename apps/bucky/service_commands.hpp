// bucky service add / remove / list / status: service specs at /services/<name>/spec
// (revision-checked), and where their instances run, from the node configs the
// scheduler wrote and the statuses the node loops report.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct service_options {
  std::string name;
  std::string file;                 // a JSON spec instead of the flags
  std::vector<std::string> command;  // after --
  std::uint32_t instances = 1;
  std::vector<std::string> nodes;
  std::string restart = "always";
  std::vector<std::string> env;     // NAME=VALUE
  std::vector<std::uint16_t> ports;
  std::string work_dir;
  std::string kind = "app";
  std::uint64_t memory_mb = 0;
  std::int64_t revision = 0;        // add: 0 creates; N replaces the spec at revision N
  std::uint64_t wait_ms = 0;        // add: wait until every instance runs
};

int service_add(const cli_options& options, const service_options& service);
// Until every instance of `name` runs its current spec (prints how long it took),
// or `wait_ms` after `started` (prints the instances, returns 1).
int wait_running(admin_session& session, const cli_options& options, const std::string& name, std::uint64_t wait_ms,
                 std::chrono::steady_clock::time_point started);
int service_remove(const cli_options& options, const service_options& service);
int service_list(const cli_options& options);
int service_status(const cli_options& options, const service_options& service);
// bucky node drain|undrain NODE: the scheduler moves every service off a drained node.
int node_drain(const cli_options& options, const std::string& node, bool drained);

}  // namespace bucky::cli
