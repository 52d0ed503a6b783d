// Which part of the zone a request is for, from its Host header (DESIGN §10.3):
//
//   <zone_id>, <node_id>.<zone_id>   the control panel and its JSON API
//   <app>.<zone_id>                  the app <app>, wherever it runs
//   anything else                    refused (421): an IP address, another zone, a
//                                    name two labels deep, a malformed header
//
// Names compare without case and without a trailing dot; a port is ignored (the
// gateway answers on the port it listens on, whatever the client typed).
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace bucky::gateway {

struct host_route {
  enum class kind { panel, app, unknown };
  kind what = kind::unknown;
  std::string app;     // kind::app: the app's name
  std::string reason;  // kind::unknown: why, for the log and the 421 body
};

host_route route_host(std::string_view host_header, const std::string& zone_id, const std::set<std::string>& node_ids);

// The host without its port, lowercased ("" when malformed). Shared with redirects.
std::string host_name_of(std::string_view host_header);

}  // namespace bucky::gateway
