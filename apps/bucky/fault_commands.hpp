// bucky fault: inject faults into the nodes of a test zone (nodes started with
// BUCKY_FAULT_INJECTION=1 only; owner or admin key). For chaos tests and for
// seeing with one's own eyes what the zone does when a link, a disk or a clock
// misbehaves.
//   bucky fault partition n1|n2,n3   nodes reach each other only within a group
//   bucky fault heal                 every link and disk healthy again
//   bucky fault disk NODE [--delay-ms N] [--full]   slow or full disk (neither: healthy)
//   bucky fault clock NODE --jump-ms N             the node's zone-state clock jumps ahead
//   bucky fault show                 what each node has injected now
#pragma once

#include <cstdint>
#include <string>

#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct fault_options {
  std::string groups;       // partition
  std::string node;         // disk, clock
  std::uint64_t delay_ms = 0;
  bool full = false;
  std::uint64_t jump_ms = 0;
};

int fault_partition(const cli_options& options, const fault_options& fault);
int fault_heal(const cli_options& options);
int fault_disk(const cli_options& options, const fault_options& fault);
int fault_clock(const cli_options& options, const fault_options& fault);
int fault_show(const cli_options& options);

}  // namespace bucky::cli
