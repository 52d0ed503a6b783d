// Byte-exact, or where the first difference is: a failed check names sizes and an
// offset, never megabytes of bytes in the log.
#pragma once

#include <string>

#include <boost/test/unit_test.hpp>

namespace bucky::testing {

inline boost::test_tools::predicate_result same_bytes(const std::string& got, const std::string& want) {
  if (got == want) return true;
  boost::test_tools::predicate_result out(false);
  std::size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  out.message() << "sizes " << got.size() << " and " << want.size() << ", first difference at byte " << at;
  return out;
}

}  // namespace bucky::testing
