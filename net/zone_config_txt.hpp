// The signed zone config as a DNS TXT record, so a zone can be found by its name
// (DESIGN §2): one TXT record at _bucky.<zone_id> whose character-strings are
//   "bucky1 <part>/<parts> <base64url chunk>"
// each at most 255 bytes. Strings without the "bucky1 " prefix are other TXT data and
// are skipped. Parsing only reassembles the bytes: the result must still pass
// verify_zone_config — where a document came from never makes it trusted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/zone_config.hpp"

namespace bucky::net {

inline constexpr std::size_t txt_chunk_chars_max = 200;  // + "bucky1 nn/nn " stays under 255
inline constexpr std::size_t txt_parts_max = 64;

std::string zone_config_txt_name(const std::string& zone_id);  // "_bucky.<zone_id>"

// The signed document as one base64url string of its msgpack (what the TXT parts
// carry, and the "signed" field of /system/zone_config). Decoding only checks shape:
// verify_zone_config still decides whether to trust it.
std::string signed_zone_config_to_text(const signed_zone_config& document);
result<signed_zone_config> signed_zone_config_from_text(std::string_view text, const char* what);

std::vector<std::string> zone_config_txt_strings(const signed_zone_config& document);
result<signed_zone_config> parse_zone_config_txt(const std::vector<std::string>& strings);

}  // namespace bucky::net
