#include "net/dns_wire.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace bucky::net {

namespace {

constexpr std::size_t header_bytes = 12;
constexpr std::uint16_t flag_response = 0x8000;
constexpr std::uint16_t flag_authoritative = 0x0400;
constexpr std::uint16_t flag_truncated = 0x0200;
constexpr std::uint16_t flag_recursion_desired = 0x0100;
constexpr std::uint16_t opcode_mask = 0x7800;

status malformed(std::size_t at, const std::string& what) {
  return status(status_code::invalid_argument, fmt::format("DNS message: {} at byte {}", what, at));
}

// A cursor that refuses to read past the end.
struct reader {
  std::span<const std::uint8_t> bytes;
  std::size_t at = 0;

  bool has(std::size_t n) const { return at <= bytes.size() && bytes.size() - at >= n; }
  std::uint16_t u16() {
    std::uint16_t v = static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]);
    at += 2;
    return v;
  }
  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return hi << 16 | u16();
  }
};

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A name at r.at; `compressed` follows pointers (answers), else they are refused.
result<std::string> read_name(reader& r, bool compressed) {
  std::string name;
  std::size_t hops = 0, wire_bytes = 0;
  std::optional<std::size_t> resume;  // where the outer cursor continues after a pointer
  std::size_t at = r.at;
  while (true) {
    if (at >= r.bytes.size()) return malformed(at, "name runs past the end");
    std::uint8_t length = r.bytes[at];
    if ((length & 0xC0) == 0xC0) {
      if (!compressed) return malformed(at, "compression pointer in a question");
      if (at + 1 >= r.bytes.size()) return malformed(at, "cut compression pointer");
      if (++hops > dns_limits::pointer_hops_max) return malformed(at, "too many compression pointers");
      if (!resume) resume = at + 2;
      at = static_cast<std::size_t>((length & 0x3F) << 8 | r.bytes[at + 1]);
      continue;
    }
    if (length & 0xC0) return malformed(at, "unknown label type");
    if (length == 0) {
      r.at = resume.value_or(at + 1);
      return name;
    }
    if (at + 1 + length > r.bytes.size()) return malformed(at, "label runs past the end");
    wire_bytes += 1 + length;
    if (wire_bytes + 1 > dns_limits::name_bytes_max) return malformed(at, "name longer than 255 bytes");
    if (!name.empty()) name.push_back('.');
    for (std::size_t i = 0; i < length; ++i) name.push_back(lower(static_cast<char>(r.bytes[at + 1 + i])));
    at += 1 + length;
  }
}

void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    auto label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  out.push_back(0);
}

// Skips one resource record; returns its (type, class, ttl, data) when asked.
result<dns_record> read_record(reader& r, std::uint16_t& klass) {
  auto name = read_name(r, true);
  if (!name) return name.error();
  if (!r.has(10)) return malformed(r.at, "record header runs past the end");
  dns_record record;
  record.type = r.u16();
  klass = r.u16();
  record.ttl_s = r.u32();
  auto length = r.u16();
  if (!r.has(length)) return malformed(r.at, "record data runs past the end");
  record.data.assign(r.bytes.begin() + static_cast<std::ptrdiff_t>(r.at),
                     r.bytes.begin() + static_cast<std::ptrdiff_t>(r.at + length));
  r.at += length;
  return record;
}

}  // namespace

result<dns_query> parse_dns_query(std::span<const std::uint8_t> message) {
  reader r{message};
  if (!r.has(header_bytes)) return malformed(message.size(), "shorter than the 12-byte header");
  dns_query query;
  query.id = r.u16();
  query.flags = r.u16();
  auto questions = r.u16(), answers = r.u16(), authority = r.u16(), additional = r.u16();
  if (query.flags & flag_response) return malformed(2, "a response, not a query");
  if (query.flags & opcode_mask) return status(status_code::unsupported, "DNS message: only standard queries");
  if (questions != 1) return malformed(4, fmt::format("{} questions; exactly 1 is answered", questions));
  if (answers != 0 || authority != 0) return malformed(6, "a query with answer or authority records");
  auto question_start = r.at;
  auto name = read_name(r, false);
  if (!name) return name.error();
  if (!r.has(4)) return malformed(r.at, "question runs past the end");
  query.question = {*name, r.u16(), r.u16()};
  query.question_bytes.assign(message.begin() + static_cast<std::ptrdiff_t>(question_start),
                              message.begin() + static_cast<std::ptrdiff_t>(r.at));
  for (std::uint16_t i = 0; i < additional && i < 4; ++i) {
    std::uint16_t klass = 0;
    auto record = read_record(r, klass);
    if (!record) return record.error();
    if (record->type == dns_type::opt) query.edns_udp_bytes = std::max<std::uint16_t>(klass, 512);
  }
  return query;
}

namespace {

// The answer with its records, or (truncated) with none and TC set.
std::vector<std::uint8_t> build_answer(const dns_query& query, dns_rcode rcode, bool authoritative,
                                       const std::vector<dns_record>& answers, bool truncated) {
  bool with_answers = !truncated;
  std::vector<std::uint8_t> out;
  put16(out, query.id);
  std::uint16_t flags = flag_response | (query.flags & flag_recursion_desired) | static_cast<std::uint16_t>(rcode);
  if (authoritative) flags |= flag_authoritative;
  if (truncated) flags |= flag_truncated;
  put16(out, flags);
  put16(out, 1);
  put16(out, with_answers ? static_cast<std::uint16_t>(answers.size()) : 0);
  put16(out, 0);
  put16(out, query.edns_udp_bytes ? 1 : 0);
  out.insert(out.end(), query.question_bytes.begin(), query.question_bytes.end());
  for (std::size_t i = 0; with_answers && i < answers.size(); ++i) {
    put16(out, 0xC000 | header_bytes);  // the question's name
    put16(out, answers[i].type);
    put16(out, dns_class_in);
    put32(out, answers[i].ttl_s);
    put16(out, static_cast<std::uint16_t>(answers[i].data.size()));
    out.insert(out.end(), answers[i].data.begin(), answers[i].data.end());
  }
  if (query.edns_udp_bytes) {
    out.push_back(0);  // root
    put16(out, dns_type::opt);
    put16(out, static_cast<std::uint16_t>(dns_limits::udp_bytes_max));
    put32(out, 0);
    put16(out, 0);
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> build_dns_response(const dns_query& query, dns_rcode rcode, bool authoritative,
                                             const std::vector<dns_record>& answers) {
  std::size_t limit = query.edns_udp_bytes
                          ? std::min<std::size_t>(*query.edns_udp_bytes, dns_limits::udp_bytes_max)
                          : dns_limits::udp_bytes_classic;
  auto full = build_answer(query, rcode, authoritative, answers, false);
  return full.size() <= limit || answers.empty() ? full : build_answer(query, rcode, authoritative, answers, true);
}

std::optional<std::vector<std::uint8_t>> truncate_dns_answer(std::span<const std::uint8_t> query_bytes,
                                                             std::span<const std::uint8_t> answer) {
  auto query = parse_dns_query(query_bytes);
  if (!query || answer.size() < header_bytes) return std::nullopt;
  auto rcode = static_cast<dns_rcode>(answer[3] & 0x0f);
  bool authoritative = (answer[2] << 8 | answer[3]) & flag_authoritative;
  return build_answer(*query, rcode, authoritative, {}, true);
}

std::optional<std::vector<std::uint8_t>> build_dns_error(std::span<const std::uint8_t> message, dns_rcode rcode) {
  if (message.size() < header_bytes || (message[2] & 0x80)) return std::nullopt;
  std::vector<std::uint8_t> out(message.begin(), message.begin() + header_bytes);
  out[2] = static_cast<std::uint8_t>(0x80 | (message[2] & 0x79));  // QR, opcode and RD kept
  out[3] = static_cast<std::uint8_t>(rcode);
  std::fill(out.begin() + 4, out.end(), 0);
  return out;
}

std::vector<std::uint8_t> build_dns_query(std::uint16_t id, const std::string& name, std::uint16_t type) {
  std::vector<std::uint8_t> out;
  put16(out, id);
  put16(out, flag_recursion_desired);
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, 1);
  put_name(out, name);
  put16(out, type);
  put16(out, dns_class_in);
  out.push_back(0);  // EDNS0: room for a zone config's TXT record
  put16(out, dns_type::opt);
  put16(out, static_cast<std::uint16_t>(dns_limits::udp_bytes_max));
  put32(out, 0);
  put16(out, 0);
  return out;
}

result<dns_response> parse_dns_response(std::span<const std::uint8_t> message) {
  reader r{message};
  if (!r.has(header_bytes)) return malformed(message.size(), "shorter than the 12-byte header");
  dns_response response;
  response.id = r.u16();
  auto flags = r.u16();
  if (!(flags & flag_response)) return malformed(2, "a query, not a response");
  response.truncated = flags & flag_truncated;
  response.rcode = static_cast<dns_rcode>(flags & 0x000F);
  auto questions = r.u16(), answers = r.u16();
  r.at += 4;
  for (std::uint16_t i = 0; i < questions; ++i) {
    auto name = read_name(r, true);
    if (!name) return name.error();
    if (!r.has(4)) return malformed(r.at, "question runs past the end");
    r.at += 4;
  }
  if (answers > dns_limits::records_max) return malformed(6, fmt::format("{} answers; at most 64 are read", answers));
  for (std::uint16_t i = 0; i < answers; ++i) {
    std::uint16_t klass = 0;
    auto record = read_record(r, klass);
    if (!record) return record.error();
    response.answers.push_back(std::move(*record));
  }
  return response;
}

std::vector<std::uint8_t> txt_record_data(const std::vector<std::string>& strings) {
  std::vector<std::uint8_t> out;
  for (const auto& s : strings) {
    out.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(s.size(), 255)));
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(s.size(), 255)));
  }
  return out;
}

result<std::vector<std::string>> txt_strings(std::span<const std::uint8_t> data) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < data.size()) {
    std::size_t length = data[at];
    if (at + 1 + length > data.size()) return malformed(at, "TXT string runs past its record");
    out.emplace_back(reinterpret_cast<const char*>(data.data() + at + 1), length);
    at += 1 + length;
  }
  return out;
}

}  // namespace bucky::net
