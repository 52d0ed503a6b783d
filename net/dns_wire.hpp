// The DNS wire format (RFC 1035, EDNS0 from RFC 6891), only as much as the name
// service needs: parse one query, build one answer, and parse an answer's TXT, A
// and AAAA records (for bucky's own lookups). Everything is bounds-checked; a
// message that does not parse is refused with an error naming the byte offset.
// Compression pointers are followed in answers (bounded hops), not accepted in the
// question of a query (no resolver sends one there).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "messages/common/status.hpp"

namespace bucky::net {

namespace dns_limits {
inline constexpr std::size_t udp_bytes_classic = 512;      // without EDNS0
inline constexpr std::size_t udp_bytes_max = 1'232;        // what we answer at most over UDP (DNS flag day 2020)
inline constexpr std::size_t name_bytes_max = 255;
inline constexpr std::size_t label_bytes_max = 63;
inline constexpr std::size_t records_max = 64;             // answers parsed from one response
inline constexpr std::size_t pointer_hops_max = 16;
}  // namespace dns_limits

namespace dns_type {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t txt = 16;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t opt = 41;
inline constexpr std::uint16_t any = 255;
}  // namespace dns_type

inline constexpr std::uint16_t dns_class_in = 1;

enum class dns_rcode : std::uint8_t { noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5 };

struct dns_question {
  std::string name;  // lowercase, dotted, no trailing dot ("" is the root)
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
};

struct dns_query {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  dns_question question;
  std::vector<std::uint8_t> question_bytes;     // as sent, echoed in the answer
  std::optional<std::uint16_t> edns_udp_bytes;  // the asker's EDNS0 payload size
};

struct dns_record {
  std::uint16_t type = 0;
  std::uint32_t ttl_s = 60;
  std::vector<std::uint8_t> data;
};

// One standard query (opcode 0) with one question.
result<dns_query> parse_dns_query(std::span<const std::uint8_t> message);

// The answer to `query`: its id, question and RD flag echoed, the records named by
// the question, EDNS0 echoed when asked with it. When the records do not fit the
// asker's UDP size, the answer carries none and sets TC.
std::vector<std::uint8_t> build_dns_response(const dns_query& query, dns_rcode rcode, bool authoritative,
                                             const std::vector<dns_record>& answers);
// What goes out over UDP instead of `answer` (to `query_bytes`) when it may not go
// out whole: the same id, question, rcode and AA flag, TC set, no records; the asker
// retries over TCP. Nothing when the query does not parse.
std::optional<std::vector<std::uint8_t>> truncate_dns_answer(std::span<const std::uint8_t> query_bytes,
                                                             std::span<const std::uint8_t> answer);
// A bare error answer to bytes that did not parse as a query (nothing when even
// the 12-byte header is missing, or it is itself a response).
std::optional<std::vector<std::uint8_t>> build_dns_error(std::span<const std::uint8_t> message, dns_rcode rcode);

// The query bucky sends when it looks a name up.
std::vector<std::uint8_t> build_dns_query(std::uint16_t id, const std::string& name, std::uint16_t type);

struct dns_response {
  std::uint16_t id = 0;
  dns_rcode rcode = dns_rcode::noerror;
  bool truncated = false;
  std::vector<dns_record> answers;  // of every type; TXT data still in wire form
};
result<dns_response> parse_dns_response(std::span<const std::uint8_t> message);

// TXT record data <-> its character-strings.
std::vector<std::uint8_t> txt_record_data(const std::vector<std::string>& strings);
result<std::vector<std::string>> txt_strings(std::span<const std::uint8_t> data);

}  // namespace bucky::net
