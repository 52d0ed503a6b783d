#include "actors/gateway/host_route.hpp"

#include <fmt/format.h>

namespace bucky::gateway {

namespace {

constexpr std::size_t host_bytes_max = 253;

bool label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool dns_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!label_char(c)) return false;
  }
  return true;
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

std::string host_name_of(std::string_view host_header) {
  auto host = host_header;
  if (host.empty() || host.size() > host_bytes_max + 6 || host.front() == '[') return "";
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    auto port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) > 65535) {
      return "";
    }
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string out;
  for (char c : host) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  std::string_view rest = out;
  while (!rest.empty()) {
    auto dot = rest.find('.');
    if (!dns_label(rest.substr(0, dot))) return "";
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
    if (rest.empty()) return "";
  }
  return out;
}

host_route route_host(std::string_view host_header, const std::string& zone_id, const std::set<std::string>& node_ids) {
  auto host = host_name_of(host_header);
  if (host.empty()) return {host_route::kind::unknown, "", fmt::format("Host '{}' is not a DNS name", printable(host_header))};
  if (host == zone_id) return {host_route::kind::panel, "", ""};
  auto suffix = "." + zone_id;
  if (host.size() <= suffix.size() || !host.ends_with(suffix)) {
    return {host_route::kind::unknown, "", fmt::format("Host '{}' is not in zone {}", host, zone_id)};
  }
  auto label = host.substr(0, host.size() - suffix.size());
  if (label.find('.') != std::string::npos) {
    return {host_route::kind::unknown, "", fmt::format("Host '{}': no name in zone {} has two labels", host, zone_id)};
  }
  if (node_ids.count(label)) return {host_route::kind::panel, "", ""};
  return {host_route::kind::app, label, ""};
}

}  // namespace bucky::gateway
