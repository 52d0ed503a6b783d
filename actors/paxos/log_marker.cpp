#include "actors/paxos/log_marker.hpp"

#include <sstream>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "storage/atomic_file.hpp"

namespace bucky {

namespace {
constexpr const char* first_line = "bucky acceptor log marker";
}

result<std::optional<segment_range>> log_marker::read() const {
  auto text = read_small_file(*fs_, path_);
  if (!text) {
    if (text.error().code() == status_code::not_found) return std::optional<segment_range>{};
    return text.error();
  }
  std::istringstream in(*text);
  std::string line, word;
  segment_range range;
  if (!std::getline(in, line) || line != first_line || !(in >> word >> range.oldest >> range.newest) ||
      word != "segments" || range.oldest == 0 || range.oldest > range.newest) {
    return status(status_code::corruption, fmt::format("{} does not read as an acceptor log marker", path_));
  }
  return std::optional<segment_range>{range};
}

status log_marker::write(const segment_range& range) const {
  BUCKY_CHECK(range.oldest >= 1 && range.oldest <= range.newest);
  return write_file_atomically(*fs_, path_, fmt::format("{}\nsegments {} {}\n", first_line, range.oldest, range.newest),
                               0600);
}

status log_marker::check(const segment_range& recorded, const std::vector<std::uint64_t>& on_disk,
                         const std::string& log_dir) const {
  if (on_disk.empty()) {
    return status(status_code::corruption,
                  fmt::format("the acceptor log in {} is gone, but {} says it held segments {} to {}: this replica "
                              "has voted and lost its promises",
                              log_dir, path_, recorded.oldest, recorded.newest));
  }
  if (on_disk.front() > recorded.oldest || on_disk.back() < recorded.newest) {
    return status(status_code::corruption,
                  fmt::format("the acceptor log in {} holds segments {} to {}, but {} says it held {} to {}: "
                              "segments were lost",
                              log_dir, on_disk.front(), on_disk.back(), path_, recorded.oldest, recorded.newest));
  }
  return {};
}

}  // namespace bucky
