// Getting a repo's index or a package from where the repo is: http:// or
// https:// (any static web server; TLS checked against the system's CAs), or a
// local directory (a path, or file://). One GET, no redirects followed, bounded in
// size and time; errors name the URL and what to check.
#pragma once

#include <cstdint>
#include <string>

#include "messages/common/status.hpp"

namespace bucky::cli {

// `base` is a repo's URL, `path` relative to it ("index.json", "packages/x.bpkg").
std::string url_join(const std::string& base, const std::string& path);

result<std::string> fetch_url(const std::string& url, std::uint64_t size_bytes_max, std::uint64_t timeout_ms);

}  // namespace bucky::cli
