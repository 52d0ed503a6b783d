// kRPC: the frame services an app calls as itself (DESIGN §10.2). HTTP/1.1 on the
// Unix socket /run/bucky/krpc.sock inside its sandbox, so any language with an HTTP
// client can use it (curl --unix-socket). Every call carries the app's identity
// (identity.hpp) in "Authorization: Bucky <contents of /run/bucky/identity>".
//
//   GET    /v1/whoami          {"app", "instance", "node", "zone", "expires_unix_s"}
//   GET    /v1/kv/KEY          the value (raw bytes); 404 when absent. Header
//                              Bucky-Revision: the key's mod_revision
//   PUT    /v1/kv/KEY          body: the value (raw bytes) -> {"revision"}
//   DELETE /v1/kv/KEY          -> {"deleted", "revision"}
//   GET    /v1/kv/?prefix=P    {"keys": [...], "more": bool} (at most 1000)
//   GET    /v1/files/PATH      a file's bytes (at most 16 MiB; bigger: use the mount)
//   GET    /v1/files/PATH/     a directory's names: {"names": [...]} (at most 10,000)
//   PUT    /v1/files/PATH      body: the file's new bytes (written whole, then renamed)
//
// KEY is the app's own: the zone state holds it at /app-data/<app>/KEY, and the
// node asks for it as the app (kv_client_request::on_behalf), so the zone state's
// ACL ("app" rules, default: /app-data/{self}/ only) is checked on every call at
// the revision it is applied at. PATH is a zone path inside the app's own folder
// /apps/<app> or a folder the owner granted it (read-only unless granted write),
// the same ones its sandbox shows at /data and /zone/PATH; the node opens it as the
// app's uid, beneath that folder, following no symlink. Errors: JSON {"error"} with
// 400 bad request, 401 identity, 403 refused by the ACL, 404, 405, 413, 503.
//
// Plain code: parsing a request into a call, the zone-state request it makes, and
// the reply; the endpoint (endpoints.hpp) does the I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/krpc/identity.hpp"
#include "messages/common/status.hpp"
#include "messages/kv.hpp"

namespace bucky::krpc {

struct krpc_limits {
  static constexpr std::size_t header_bytes_max = 8 * 1024;
  static constexpr std::size_t body_bytes_max = 1024 * 1024;
  static constexpr std::size_t key_bytes_max = 256;
  static constexpr std::uint32_t list_keys_max = 1000;
  static constexpr std::size_t connections_max = 16;  // per app instance
  static constexpr std::uint64_t call_timeout_ms = 10'000;
  static constexpr std::uint64_t idle_timeout_ms = 30'000;
  static constexpr std::uint64_t file_bytes_max = 16 * 1024 * 1024;  // a GET of a file
  static constexpr std::size_t names_max = 10'000;                  // a GET of a directory
};

// A zone folder an app may reach through kRPC files: its own, or a grant.
struct file_root {
  std::string zone_path;  // "/apps/notes", "/photos"
  std::string host_path;  // where this node has it (through the mount)
  bool writable = false;
};

// The root `zone_path` lies in (the deepest), and the path below it ("" for the
// root itself); permission_denied naming the path when it is in none, or when
// `write` is asked of a read-only root.
struct file_target {
  file_root root;
  std::string below;  // relative: "notes/1.txt"
};
result<file_target> resolve_file(const std::vector<file_root>& roots, const std::string& zone_path, bool write);

inline constexpr const char* app_data_prefix = "/app-data/";

// "/app-data/<app>/<key>"
std::string app_kv_key(std::string_view app, std::string_view key);

struct http_call {
  std::string method;
  std::string target;         // "/v1/kv/notes/1"
  std::string authorization;  // the header's value
  std::string body;
};

struct http_answer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::int64_t revision = 0;  // Bucky-Revision when > 0
};

struct krpc_call {
  enum class kind : std::uint8_t { whoami, kv_get, kv_put, kv_delete, kv_list, file_get, file_put, file_list };
  kind what = kind::whoami;
  std::string key;    // kv_*: the app's key (kv_list: the prefix); file_*: the normalized zone path
  std::string value;  // kv_put
};

// The call a request asks for (identity not checked here); 4xx statuses say why not.
result<krpc_call> parse_call(const http_call& request);

// The token of "Bucky <token>"; an error naming what to send instead.
result<std::string> bearer_identity(std::string_view authorization);

kv_request kv_request_for(const krpc_call& call, std::string_view app);
http_answer answer_for(const krpc_call& call, std::string_view app, const kv_response& response);
http_answer whoami_answer(const app_identity& identity);
// An error as JSON, with the HTTP status its status_code means.
http_answer error_answer(const status& problem);

}  // namespace bucky::krpc
