// The server name of a TLS ClientHello (SNI, RFC 6066), read without ending the
// TLS: what a gateway node needs to pass a connection on while the keys stay at
// home (issue 21). It reads only the first record, which must hold the whole
// ClientHello (browsers send one of about 0.5-2 KiB; a record holds up to 16 KiB).
// Plain functions over untrusted bytes; every length is checked before it is used.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace bucky::net {

inline constexpr std::size_t client_hello_bytes_max = 5 + 16 * 1024;  // one record with its header

struct client_hello_read {
  enum class kind { need_more, found, refused };
  kind what = kind::need_more;
  std::string server_name;  // found: lowercased, without a trailing dot
  std::string reason;       // refused: what was wrong, for the log
};

// Reads the bytes a client sent first: need_more until the first record is whole,
// then the server name or why there is none to trust.
client_hello_read read_client_hello(std::span<const std::uint8_t> bytes);

}  // namespace bucky::net
