// fsck (actors/zone_fs/fsck.hpp) over everything a memory_kv_port holds under /fs/:
// what the file-system tests and the simulator check after each step.
#pragma once

#include <vector>

#include "actors/zone_fs/fsck.hpp"
#include "tests/support/memory_kv_port.hpp"

namespace bucky::testing {

inline zone_fs::fsck_report fsck_of(memory_kv_port& port) {
  std::vector<key_value> keys;
  port.backend.scan("/fs/", "/fs0", [&](const key_value& kv) {
    keys.push_back(kv);
    return true;
  });
  return zone_fs::check_fs(keys);
}

}  // namespace bucky::testing
