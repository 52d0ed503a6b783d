#include <utility>

#include "actors/krpc/endpoints.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/krpc/api.hpp"
#include "actors/krpc/file_calls.hpp"
#include "actors/runtime/logging.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/state_client/actor.hpp"
#include "messages/kv_client.hpp"
#include "storage/atomic_file.hpp"

namespace bucky::krpc {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using unix_socket = asio::local::stream_protocol::socket;

std::int64_t unix_now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

status endpoint_failed(const std::string& what, const std::string& path) {
  return status(status_code::io_error, fmt::format("kRPC: {} {}: {}", what, path, std::strerror(errno)));
}

}  // namespace

class endpoints::endpoint {
 public:
  endpoint(caf::actor_system& system, node_identity_source node, std::string instance_id, std::string app, std::uint32_t uid,
           std::string runtime_dir, std::vector<file_root> roots)
      : system_(system), node_(std::move(node)), instance_(std::move(instance_id)), app_(std::move(app)), uid_(uid),
        runtime_dir_(std::move(runtime_dir)), roots_(std::move(roots)) {
    std::random_device device;
    client_id_ = (static_cast<std::uint64_t>(device()) << 32) | device() | 1;
  }

  ~endpoint() { stop(); }

  status start() {
    if (auto written = write_identity(unix_now_s()); !written.is_ok()) return written;
    const std::string path = runtime_dir_ + "/krpc.sock";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return status(status_code::invalid_argument, "kRPC: socket path too long: " + path);
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    ::unlink(path.c_str());
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) return endpoint_failed("socket for", path);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return endpoint_failed("binding", path);
    // Only the app may connect: the socket is its uid's, 0600.
    if ((::geteuid() == 0 && ::chown(path.c_str(), uid_, uid_) != 0) || ::chmod(path.c_str(), 0600) != 0) return endpoint_failed("giving", path);
    if (::listen(listener_, 16) != 0) return endpoint_failed("listening at", path);
    acceptor_ = std::thread([this] { accept_loop(); });
    return {};
  }

  void stop() {
    if (stopping_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    if (listener_ >= 0) ::close(listener_);
    std::unique_lock lock(connections_mutex_);
    for (int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
    connections_done_.wait(lock, [this] { return connection_fds_.empty(); });
  }

  status write_identity(std::int64_t now) {
    const std::string text = issue_identity({app_, instance_, node_.node_id, node_.zone_id, now, now + identity_valid_s}, *node_.key);
    const std::string path = runtime_dir_ + "/identity";
    if (auto written = write_file_atomically(path, text, 0400); !written.is_ok()) return written;
    if (::geteuid() == 0 && ::chown(path.c_str(), uid_, uid_) != 0) return endpoint_failed("giving", path);
    issued_unix_s_ = now;
    return {};
  }

  std::int64_t issued_unix_s() const { return issued_unix_s_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 200) <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(connections_mutex_);
      if (connection_fds_.size() >= krpc_limits::connections_max) {
        ::close(fd);  // the app sees a reset: too many at once
        continue;
      }
      connection_fds_.insert(fd);
      std::thread([this, fd] { serve(fd); }).detach();  // stop() waits for every connection to end
    }
  }

  void serve(int fd) {
    timeval idle{static_cast<time_t>(krpc_limits::idle_timeout_ms / 1000), 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle);
    asio::io_context io;
    unix_socket socket(io, asio::local::stream_protocol(), ::dup(fd));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(krpc_limits::header_bytes_max);
      parser.body_limit(krpc_limits::body_bytes_max);
      beast::error_code error;
      http::read(socket, buffer, parser, error);
      if (error) break;
      auto& request = parser.get();
      http_call call{std::string(request.method_string()), std::string(request.target()),
                     std::string(request[http::field::authorization]), std::move(request.body())};
      const http_answer answer = handle(call);
      http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
      response.set(http::field::content_type, answer.content_type);
      if (answer.revision > 0) response.set("Bucky-Revision", std::to_string(answer.revision));
      response.keep_alive(request.keep_alive());
      response.body() = answer.body;
      response.prepare_payload();
      http::write(socket, response, error);
      if (error || !response.keep_alive()) break;
    }
    beast::error_code ignored;
    socket.close(ignored);
    std::lock_guard lock(connections_mutex_);  // the fd closes under it: stop() never shuts a reused number
    connection_fds_.erase(fd);
    ::close(fd);
    connections_done_.notify_all();
  }

  http_answer handle(const http_call& call) {
    auto token = bearer_identity(call.authorization);
    if (!token) return error_answer(token.error());
    auto identity = verify_identity(*token, node_.key->public_part(), unix_now_s());
    if (!identity) return error_answer(identity.error());
    if (identity->app != app_ || identity->instance != instance_ || identity->node != node_.node_id) {
      logging::get("krpc")->warn("[{}] kRPC: app {} called with the identity of {} ({}): refused", node_.node_id, app_, identity->app,
                                 identity->instance);
      return error_answer(status(status_code::permission_denied, fmt::format("kRPC identity: of {}, not of this endpoint's app {}",
                                                                             identity->instance, instance_)));
    }
    auto parsed = parse_call(call);
    if (!parsed) return error_answer(parsed.error());
    if (parsed->what == krpc_call::kind::whoami) return whoami_answer(*identity);
    if (parsed->what == krpc_call::kind::file_get || parsed->what == krpc_call::kind::file_put ||
        parsed->what == krpc_call::kind::file_list) {
      auto target = resolve_file(roots_, parsed->key, parsed->what == krpc_call::kind::file_put);
      if (!target) return error_answer(target.error());
      return file_call(*parsed, *target, uid_);
    }
    auto answer = call_zone_state(kv_request_for(*parsed, app_));
    if (!answer) return error_answer(answer.error());
    return answer_for(*parsed, app_, *answer);
  }

  // One request to the zone state as this app (the replica checks the ACL as it).
  result<kv_response> call_zone_state(kv_request request) {
    auto zone_state = local_zone_state(system_);
    if (!zone_state) return status(status_code::unavailable, "the zone state does not run on this node yet; retry");
    kv_client_request call{client_id_, ++sequence_, std::move(request), false, 0, app_};
    result<kv_response> out = status(status_code::unavailable, "no answer");
    caf::scoped_actor self{system_};
    self->request(zone_state, std::chrono::milliseconds(krpc_limits::call_timeout_ms), std::move(call))
        .receive(
            [&](kv_client_response& answer) {
              if (!answer.ok) out = status(static_cast<status_code>(answer.error_code), answer.error_message);
              else out = std::move(answer.response);
            },
            [&](caf::error& error) { out = status(status_code::unavailable, caf::to_string(error)); });
    return out;
  }

  caf::actor_system& system_;
  node_identity_source node_;
  std::string instance_, app_;
  std::uint32_t uid_;
  std::string runtime_dir_;
  std::vector<file_root> roots_;
  std::uint64_t client_id_ = 0;
  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<std::int64_t> issued_unix_s_{0};
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex connections_mutex_;
  std::set<int> connection_fds_;
  std::condition_variable connections_done_;
};

endpoints::endpoints(node_identity_source node) : node_(std::move(node)) {}

endpoints::~endpoints() {
  std::lock_guard lock(mutex_);
  open_.clear();
}

status endpoints::open(caf::actor_system& system, const std::string& instance_id, const std::string& app, std::uint32_t uid,
                       const std::string& runtime_dir, std::vector<file_root> roots) {
  close(instance_id);
  auto made = std::make_unique<endpoint>(system, node_, instance_id, app, uid, runtime_dir, std::move(roots));
  if (auto started = made->start(); !started.is_ok()) return started;
  std::lock_guard lock(mutex_);
  open_[instance_id] = std::move(made);
  return {};
}

void endpoints::close(const std::string& instance_id) {
  std::unique_ptr<endpoint> closing;
  {
    std::lock_guard lock(mutex_);
    auto found = open_.find(instance_id);
    if (found == open_.end()) return;
    closing = std::move(found->second);
    open_.erase(found);
  }
  closing.reset();  // joins its threads outside the lock
}

void endpoints::renew_due(std::int64_t now_unix_s) {
  std::lock_guard lock(mutex_);
  for (auto& [id, endpoint] : open_) {
    if (now_unix_s - endpoint->issued_unix_s() < identity_renew_after_s) continue;
    if (auto renewed = endpoint->write_identity(now_unix_s); !renewed.is_ok()) {
      logging::get("krpc")->warn("[{}] kRPC: renewing the identity of {} failed: {}", node_.node_id, id, renewed.message());
    }
  }
}

}  // namespace bucky::krpc
