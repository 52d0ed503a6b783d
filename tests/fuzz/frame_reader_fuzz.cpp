// Fuzzes frame_reader: the input is cut into chunks (sizes from the input itself)
// and fed in; every frame that comes out must respect the limit, and an error must
// be final.
#include <cstddef>
#include <cstdint>

#include "messages/common/check.hpp"
#include "net/frame_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t frame_size_bytes_max = 4096;
  bucky::net::frame_reader reader(frame_size_bytes_max);
  std::size_t at = 0;
  while (at < size) {
    std::size_t chunk = 1 + data[at] % 64;
    ++at;
    chunk = std::min(chunk, size - at);
    reader.feed(std::span(data + at, chunk));
    at += chunk;
    while (true) {
      auto next = reader.next();
      if (!next) return 0;  // a bad length ends the stream
      if (!next->has_value()) break;
      BUCKY_CHECK(!(**next).empty() && (**next).size() <= frame_size_bytes_max);
    }
  }
  return 0;
}
