// Fuzzes the HTTP server's request path (net/http_request_reader.hpp) with bytes from
// the network. The first byte picks the size of the pieces the rest arrives in (as
// TCP may cut it anywhere); every request read is taken, a rejection always carries
// a 4xx status and a message, and reading the same bytes in one piece yields the same
// requests: where the stream is cut never changes what the server reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/check.hpp"
#include "net/http_request_reader.hpp"

namespace {

struct read_outcome {
  std::vector<std::string> requests;  // method, target and body of each
  bool rejected = false;
};

read_outcome read_all(std::string_view input, std::size_t piece_bytes) {
  bucky::net::http_reader_limits limits;
  limits.header_bytes_max = 512;
  limits.body_bytes_max = 1024;
  bucky::net::http_request_reader reader(limits);
  read_outcome out;
  for (std::size_t at = 0; at < input.size() && !out.rejected; at += piece_bytes) {
    reader.append(input.substr(at, piece_bytes));
    // Each round takes a request or ends: bounded by the requests the bytes hold.
    for (std::size_t round = 0; round <= input.size(); ++round) {
      auto step = reader.parse();
      if (step == bucky::net::http_request_reader::outcome::need_more) break;
      if (step == bucky::net::http_request_reader::outcome::continue_wanted) continue;
      if (step == bucky::net::http_request_reader::outcome::rejected) {
        const auto& why = reader.rejection();
        BUCKY_CHECK(why.http_status >= 400 && why.http_status < 500 && !why.message.empty());
        out.rejected = true;
        break;
      }
      auto request = reader.take_request();
      BUCKY_CHECK(request.body.size() <= limits.body_bytes_max);
      out.requests.push_back(request.method + " " + request.target + " " + request.body);
    }
    BUCKY_CHECK(reader.buffered_bytes() <= input.size());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto pieces = read_all(input, data[0] % 64 + 1);
  auto whole = read_all(input, input.size() + 1);
  // The requests read never depend on the cuts. The verdict on a bad header may: in
  // one piece Beast may reject a malformed line at once or see the header limit
  // passed first (431), in pieces wait for more bytes or meet the bad line first
  // (400). Both refuse; neither accepts what the other refused.
  BUCKY_CHECK(pieces.requests == whole.requests);
  return 0;
}
