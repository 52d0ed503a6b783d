// Cookies of the gateway (issue 21). "__Host-" names: the browser accepts them only
// from HTTPS, for the exact host (no Domain), for Path=/ — another host of the
// zone, an app among them, can neither set nor read them.
//
//   __Host-bucky      the panel's session (web_sessions.hpp)
//   __Host-bucky-app  an app host's session, from a ticket
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bucky::gateway {

inline constexpr const char* panel_cookie = "__Host-bucky";
inline constexpr const char* app_cookie = "__Host-bucky-app";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), if present once.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

// A Set-Cookie value: HttpOnly, Secure, SameSite=Lax for the app's (it is reached by
// a redirect from the panel) and Strict for the panel's; max_age_s 0 deletes it.
std::string set_cookie(std::string_view name, std::string_view value, std::uint64_t max_age_s, bool strict);

// The Cookie header without the gateway's own cookies: what an app gets.
std::string cookies_for_app(std::string_view cookie_header);

}  // namespace bucky::gateway
