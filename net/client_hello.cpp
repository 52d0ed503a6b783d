#include "net/client_hello.hpp"

#include <optional>

#include <fmt/format.h>

namespace bucky::net {

namespace {

constexpr std::uint8_t record_handshake = 0x16;
constexpr std::uint8_t handshake_client_hello = 0x01;
constexpr std::uint16_t extension_server_name = 0x0000;
constexpr std::uint8_t name_type_host = 0x00;
constexpr std::size_t record_header_bytes = 5;
constexpr std::size_t record_payload_bytes_max = 16 * 1024;
constexpr std::size_t server_name_bytes_max = 253;

// A cursor over untrusted bytes: every read says whether the bytes were there.
class hello_reader {
 public:
  explicit hello_reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::optional<std::uint32_t> number(std::size_t width) {
    if (left() < width) return std::nullopt;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = value << 8 | bytes_[at_ + i];
    at_ += width;
    return value;
  }
  std::optional<std::span<const std::uint8_t>> take(std::size_t count) {
    if (left() < count) return std::nullopt;
    auto out = bytes_.subspan(at_, count);
    at_ += count;
    return out;
  }
  // A vector with a length prefix of `width` bytes.
  std::optional<std::span<const std::uint8_t>> vector(std::size_t width) {
    auto count = number(width);
    if (!count) return std::nullopt;
    return take(*count);
  }
  std::size_t left() const { return bytes_.size() - at_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

client_hello_read hello_refused(std::string reason) {
  return {client_hello_read::kind::refused, "", std::move(reason)};
}

bool host_character(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

client_hello_read host_name(std::span<const std::uint8_t> raw) {
  if (raw.empty() || raw.size() > server_name_bytes_max + 1) {
    return hello_refused(fmt::format("a server name of {} bytes", raw.size()));
  }
  std::string name;
  for (auto byte : raw) {
    char c = static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte - 'A' + 'a' : byte);
    if (!host_character(c)) return hello_refused(fmt::format("byte 0x{:02x} in the server name", byte));
    name.push_back(c);
  }
  if (name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > server_name_bytes_max || name.front() == '.' ||
      name.find("..") != std::string::npos) {
    return hello_refused("a server name that is not a DNS name");
  }
  return {client_hello_read::kind::found, std::move(name), ""};
}

client_hello_read server_name_extension(std::span<const std::uint8_t> body) {
  hello_reader list(body);
  auto names = list.vector(2);
  if (!names || list.left() != 0) return hello_refused("a malformed server_name extension");
  hello_reader entries(*names);
  while (entries.left() > 0) {
    auto type = entries.number(1);
    auto name = entries.vector(2);
    if (!type || !name) return hello_refused("a malformed server_name entry");
    if (*type == name_type_host) return host_name(*name);
  }
  return hello_refused("a server_name extension without a host name");
}

client_hello_read hello_body(std::span<const std::uint8_t> body) {
  hello_reader in(body);
  if (!in.take(2) || !in.take(32)) return hello_refused("a ClientHello cut short");  // version, random
  auto session = in.vector(1);
  auto suites = in.vector(2);
  auto compression = in.vector(1);
  if (!session || session->size() > 32 || !suites || suites->empty() || suites->size() % 2 != 0 || !compression ||
      compression->empty()) {
    return hello_refused("a malformed ClientHello");
  }
  if (in.left() == 0) return hello_refused("no server name (SNI): the client must ask for the zone by name");
  auto extensions = in.vector(2);
  if (!extensions || in.left() != 0) return hello_refused("malformed ClientHello extensions");
  hello_reader each(*extensions);
  while (each.left() > 0) {
    auto type = each.number(2);
    auto data = each.vector(2);
    if (!type || !data) return hello_refused("a malformed ClientHello extension");
    if (*type == extension_server_name) return server_name_extension(*data);
  }
  return hello_refused("no server name (SNI): the client must ask for the zone by name");
}

}  // namespace

client_hello_read read_client_hello(std::span<const std::uint8_t> bytes) {
  hello_reader record(bytes);
  auto type = record.number(1);
  if (type && *type != record_handshake) return hello_refused(fmt::format("not TLS (first byte 0x{:02x})", *type));
  auto major = record.number(1);
  if (major && *major != 3) return hello_refused(fmt::format("not TLS (record version {}.x)", *major));
  if (!record.take(1)) return {};
  auto length = record.number(2);
  if (!length) return {};
  if (*length == 0 || *length > record_payload_bytes_max) {
    return hello_refused(fmt::format("a first TLS record of {} bytes", *length));
  }
  auto payload = record.take(*length);
  if (!payload) return {};  // the rest of the record is still on its way
  hello_reader hello(*payload);
  auto message = hello.number(1);
  if (!message || *message != handshake_client_hello) return hello_refused("the first handshake message is not a ClientHello");
  auto body = hello.vector(3);
  if (!body) return hello_refused("a ClientHello longer than its record (split over records: not supported)");
  return hello_body(*body);
}

}  // namespace bucky::net
