#include "messages/common/check.hpp"

namespace bucky {

void check_failed(const char* file, int line, const char* expression,
                  const std::string& detail) {
  std::string what = "invariant violated at ";
  what += file;
  what += ':';
  what += std::to_string(line);
  what += ": ";
  what += expression;
  if (!detail.empty()) {
    what += " (";
    what += detail;
    what += ')';
  }
  throw invariant_violation(what);
}

}  // namespace bucky
