#include "actors/gateway/web_cookies.hpp"

#include <fmt/format.h>

namespace bucky::gateway {

namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

template <class Visit>
void each_cookie(std::string_view header, Visit visit) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = trimmed(header.substr(0, end));
    auto equals = pair.find('=');
    if (!pair.empty()) visit(trimmed(pair.substr(0, equals)), pair, equals == std::string_view::npos ? std::string_view() : trimmed(pair.substr(equals + 1)));
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
}

bool gateway_cookie(std::string_view name) { return name == panel_cookie || name == app_cookie; }

}  // namespace

std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name) {
  std::optional<std::string> found;
  int count = 0;
  each_cookie(cookie_header, [&](std::string_view key, std::string_view, std::string_view value) {
    if (key != name) return;
    ++count;
    found = std::string(value);
  });
  if (count != 1) return std::nullopt;  // two of one name: someone planted one
  return found;
}

std::string set_cookie(std::string_view name, std::string_view value, std::uint64_t max_age_s, bool strict) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite={}", name, value, max_age_s,
                     strict ? "Strict" : "Lax");
}

std::string cookies_for_app(std::string_view cookie_header) {
  std::string out;
  each_cookie(cookie_header, [&](std::string_view key, std::string_view pair, std::string_view) {
    if (gateway_cookie(key)) return;
    if (!out.empty()) out += "; ";
    out += pair;
  });
  return out;
}

}  // namespace bucky::gateway
