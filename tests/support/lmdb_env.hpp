// Opens a test LMDB environment (16 MiB map) in `path`, failing the test if it can't.
#pragma once

#include <memory>
#include <string>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "storage/lmdb.hpp"

namespace bucky::testing {

inline std::unique_ptr<storage::lmdb_env> open_test_env(const std::string& path,
                                                        std::size_t map_size_bytes = 1 << 24) {
  storage::lmdb_options options;
  options.path = path;
  options.map_size_bytes = map_size_bytes;
  auto env = storage::lmdb_env::open(options);
  BOOST_TEST_REQUIRE(env.has_value(), env.error().to_string());
  return std::move(*env);
}

// For a forked child that will _exit: no test assertions, abort on failure.
inline std::unique_ptr<storage::lmdb_env> open_env_in_child(const std::string& path) {
  storage::lmdb_options options;
  options.path = path;
  options.map_size_bytes = 1 << 24;
  auto env = storage::lmdb_env::open(options);
  if (!env) _exit(3);
  return std::move(*env);
}

}  // namespace bucky::testing
