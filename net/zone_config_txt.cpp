#include "net/zone_config_txt.hpp"

#include <map>

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "net/keys.hpp"

namespace bucky::net {

namespace {

constexpr std::string_view prefix = "bucky1 ";

status bad(const std::string& why) { return status(status_code::invalid_argument, "zone config TXT record: " + why); }

}  // namespace

std::string zone_config_txt_name(const std::string& zone_id) { return "_bucky." + zone_id; }

std::string signed_zone_config_to_text(const signed_zone_config& document) { return to_base64url(encode(document)); }

result<signed_zone_config> signed_zone_config_from_text(std::string_view text, const char* what) {
  auto refused = [what](const std::string& why) { return status(status_code::invalid_argument, fmt::format("{}: {}", what, why)); };
  if (text.size() % 4 == 1) return refused("the base64url text has an impossible length");
  auto bytes = from_base64url(text, text.size() * 3 / 4, what);
  if (!bytes) return refused(bytes.error().message().substr(0, 200));
  auto document = decode<signed_zone_config>(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()));
  if (!document) return refused(document.error().message());
  return *document;
}

std::vector<std::string> zone_config_txt_strings(const signed_zone_config& document) {
  auto text = signed_zone_config_to_text(document);
  std::size_t parts = (text.size() + txt_chunk_chars_max - 1) / txt_chunk_chars_max;
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < parts; ++i) {
    strings.push_back(fmt::format("{}{}/{} {}", prefix, i + 1, parts, text.substr(i * txt_chunk_chars_max, txt_chunk_chars_max)));
  }
  return strings;
}

result<signed_zone_config> parse_zone_config_txt(const std::vector<std::string>& strings) {
  std::map<std::size_t, std::string> chunks;
  std::size_t parts = 0;
  for (const auto& s : strings) {
    if (s.compare(0, prefix.size(), prefix) != 0) continue;  // other TXT data
    if (s.size() > 255) return bad("a string is longer than 255 bytes");
    auto slash = s.find('/', prefix.size());
    auto space = s.find(' ', prefix.size());
    if (slash == std::string::npos || space == std::string::npos || slash > space) return bad("a part has no <n>/<of>");
    std::size_t part = 0, of = 0;
    try {
      part = std::stoul(s.substr(prefix.size(), slash - prefix.size()));
      of = std::stoul(s.substr(slash + 1, space - slash - 1));
    } catch (const std::exception&) {
      return bad("a part number is not a number");
    }
    if (of == 0 || of > txt_parts_max || part == 0 || part > of) {
      return bad(fmt::format("part {}/{} is out of range (at most {} parts)", part, of, txt_parts_max));
    }
    if (parts != 0 && of != parts) return bad("parts disagree on how many there are");
    parts = of;
    if (!chunks.emplace(part, s.substr(space + 1)).second) return bad(fmt::format("part {} appears twice", part));
  }
  if (parts == 0) return bad("no \"bucky1\" strings");
  if (chunks.size() != parts) return bad(fmt::format("{} of {} parts present", chunks.size(), parts));
  std::string text;
  for (const auto& [part, chunk] : chunks) text += chunk;
  return signed_zone_config_from_text(text, "zone config TXT record data");
}

}  // namespace bucky::net
