// The query of a request target, decoded (application/x-www-form-urlencoded rules:
// '+' is a space, %XX a byte), and encoding for the links the gateway makes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bucky::gateway {

inline constexpr std::size_t query_pairs_max = 32;

// nullopt when malformed (a bad %XX, more than query_pairs_max pairs).
std::optional<std::map<std::string, std::string>> parse_query(std::string_view target);
std::string url_encode(std::string_view text);

// A path the gateway may redirect to on its own host: starts with one '/', holds no
// backslash or control character ("//evil.example" would leave the zone).
bool local_path(std::string_view path);

}  // namespace bucky::gateway
