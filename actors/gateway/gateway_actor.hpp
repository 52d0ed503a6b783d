// The gateway actor's class, shared by its source files (actor.cpp: life, refresh
// and dispatch; panel_requests.cpp: the panel, sign-in and the API; app_requests.cpp:
// app hosts and the way to apps). Not a public header: spawn_gateway is.
#pragma once

#include <utility>

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <caf/all.hpp>

#include "actors/gateway/actor.hpp"
#include "actors/gateway/login_guard.hpp"
#include "actors/gateway/web_sessions.hpp"
#include "actors/relay/relay_pipes.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/state_client/kv_caller.hpp"
#include "net/https_server.hpp"

namespace bucky::gateway {

using exchange_ptr = std::shared_ptr<net::web_exchange>;

// Work finished on a worker thread, to be carried on on the actor's thread.
struct gateway_step {
  std::function<void()> run;
};

// Where an app answers: a node, and the loopback port that node opened for it.
struct app_place {
  std::string node;
  std::uint16_t port = 0;
};

class web_gateway : public component_actor {
 public:
  web_gateway(caf::actor_config& actor_config, child_context context, gateway_config config);
  caf::behavior make_behavior() override;
  void on_exit() override;

 private:
  // actor.cpp
  void refresh();
  void refresh_certificate();
  // `then` runs once the table is read again (or the read failed).
  void refresh_routes(std::function<void()> then = {});
  void on_request(const exchange_ptr& exchange);
  // Runs `work` on a worker thread, then `then` with its result on this actor's
  // thread; false (nothing run) when pending_max are queued already.
  template <class T>
  bool off_thread(std::function<T()> work, std::function<void(T)> then);
  std::uint64_t now_ms() const;
  // Runs `step` on this actor's thread (from the I/O thread, say), if it still runs.
  void on_actor(std::function<void()> step);
  // Ends a person's link off this thread: closing one waits for its own actor
  // system to stop, which must not block an actor of this one.
  void drop_link(std::shared_ptr<person_link> link);
  void refuse(const exchange_ptr& exchange, unsigned code, const std::string& why, bool log_it = true);

  // panel_requests.cpp
  void on_panel(const exchange_ptr& exchange);
  void serve_asset(const exchange_ptr& exchange);
  void sign_in(const exchange_ptr& exchange);
  void signed_in(const exchange_ptr& exchange, const std::string& user, const std::string& role,
                 std::shared_ptr<const net::key_pair> key);
  void on_api(const exchange_ptr& exchange, const std::string& token, const web_session& session);
  void open_app(const exchange_ptr& exchange, const std::string& token);
  void start_events(const exchange_ptr& exchange);
  void push_events();

  // app_requests.cpp
  // `fresh`: the route table was just read for this request (an app installed or
  // moved a moment ago is found without waiting for the next refresh).
  void on_app(const exchange_ptr& exchange, const std::string& app, bool fresh = false);
  void redeem(const exchange_ptr& exchange, const std::string& app);
  void proxy(const exchange_ptr& exchange, const std::string& app, const web_session* who);
  caf::result<gateway_http_reply> relayed(const caller& from, gateway_http_request& request);
  void relay_here(caf::typed_response_promise<gateway_http_reply> promise, const std::string& from,
                  gateway_http_request request, bool fresh);

  // relay_end.cpp: the home end of the relay through gateway nodes
  void start_relay_end();
  void say_hello();
  void relay_opened(const std::string& from, relay_open open);
  void relay_message(const std::string& from, relay::relay_message message);

  gateway_config config_;
  std::unique_ptr<net::https_server> server_;
  std::uint16_t https_port_ = 0;                               // where relayed streams connect
  std::shared_ptr<relay::relay_pipes> relay_;                  // on server_'s I/O thread
  std::shared_ptr<boost::asio::thread_pool> pool_;
  std::size_t pending_ = 0;
  std::size_t sign_ins_ = 0;
  web_sessions sessions_;
  login_guard guard_;
  kv_caller kv_;
  std::map<std::string, std::shared_ptr<person_link>> links_;  // by session token hash
  std::map<std::string, std::vector<app_place>> apps_;         // installed apps and where they run
  std::set<std::string> public_apps_;                          // reached without signing in
  std::string tls_document_;                                   // the certificate document in use
  std::vector<exchange_ptr> streams_;                          // /api/events
  std::string summary_;                                        // the last event sent to them
  std::int64_t revision_ = 0;                                  // of the last refresh
  std::uint64_t refreshes_ = 0;
};

template <class T>
bool web_gateway::off_thread(std::function<T()> work, std::function<void(T)> then) {
  if (pending_ >= config_.pending_max) return false;
  ++pending_;
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(this);
  auto name = context().name;
  boost::asio::post(*pool_, [this, weak, name, work = std::move(work), then = std::move(then)]() mutable {
    std::shared_ptr<T> value;
    std::string failure;
    try {
      value = std::make_shared<T>(work());
    } catch (const std::exception& error) {
      failure = error.what();
    }
    auto strong = caf::actor_cast<caf::actor>(weak);
    if (!strong) return;
    caf::anon_send(strong, gateway_step{[this, value, failure, then]() {
                     --pending_;
                     // A worker's broken invariant crashes the actor, as it would have here.
                     if (!value) throw std::runtime_error("gateway worker: " + failure);
                     then(std::move(*value));
                   }});
  });
  return true;
}

}  // namespace bucky::gateway

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::gateway::exchange_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(bucky::gateway::gateway_step)
