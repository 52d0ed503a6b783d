// What the gateway's JSON API does, behind an interface (issue 21): the gateway
// (actors/gateway/actor.hpp) owns HTTP, TLS, sign-in, sessions and CSRF; a backend
// carries out each /api/ call as the signed-in person, with the key their password
// opened, through the same calls and the same ACL as the bucky CLI. bucky-node
// gives the gateway the panel's backend (apps/panel/); tests give their own.
//
// A backend is called from the gateway's worker threads (several at once, for one
// link too) and may block up to its own timeouts.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::gateway {

// A person's way into the zone, opened at sign-in; dropped at sign-out.
class person_link {
 public:
  virtual ~person_link() = default;
};

struct api_call {
  std::string user;
  std::string role;
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;    // after /api/, like "nodes" or "files/list"
  std::map<std::string, std::string> query;  // decoded
  std::string body;
};

struct api_answer {
  unsigned status_code = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // e.g. Content-Disposition
};

class api_backend {
 public:
  virtual ~api_backend() = default;
  virtual result<std::shared_ptr<person_link>> open(const std::string& user, const net::key_pair& key) = 0;
  virtual api_answer call(person_link& link, const api_call& call) = 0;
  // The largest body a call to `path` (after /api/) may send.
  virtual std::uint64_t body_bytes_max(const std::string& method, const std::string& path) const = 0;
};

// The panel's static files: path ("/", "/app.js") to content type and bytes.
struct web_asset {
  std::string content_type;
  std::string body;
};
using web_assets = std::map<std::string, web_asset>;

}  // namespace bucky::gateway
