// Always-on invariant checks (TigerBeetle's assertions, FoundationDB's ASSERT).
// A failed check is a bug, not an error: it throws invariant_violation with file,
// line and the values involved; the actor dies and node_daemon logs and restarts it.
// These stay on in release builds. Never use them for bad input: return a status.
#pragma once

#include <stdexcept>
#include <string>

namespace bucky {

class invariant_violation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void check_failed(const char* file, int line, const char* expression,
                               const std::string& detail);

}  // namespace bucky

#define BUCKY_CHECK(expression)                                          \
  do {                                                                   \
    if (!(expression)) [[unlikely]]                                      \
      ::bucky::check_failed(__FILE__, __LINE__, #expression, std::string{}); \
  } while (false)

// detail: anything streamable into std::string, e.g. fmt::format("slot={}", slot).
#define BUCKY_CHECK_MSG(expression, detail)                              \
  do {                                                                   \
    if (!(expression)) [[unlikely]]                                      \
      ::bucky::check_failed(__FILE__, __LINE__, #expression, (detail));  \
  } while (false)
