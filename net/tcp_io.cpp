#include "net/tcp_io.hpp"

#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "net/backoff.hpp"
#include "net/steady_clock.hpp"
#include "net/session_budget.hpp"
#include "net/tcp_listen.hpp"

namespace bucky::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string address_of(const tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

// One TCP connection and its connection_core. Touched only on the I/O thread.
struct session {
  std::uint64_t id = 0;
  tcp::socket socket;
  connection_core core;
  std::string dial_node;  // set when we dialled: the node to redial after a loss
  std::string remote_address;
  bool writing = false;
  bool connected = false;
  bool finished = false;  // closed event delivered; socket closes after the last write
  std::uint64_t created_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::vector<std::uint8_t> read_buffer;

  session(asio::io_context& io, connection_core c) : socket(io), core(std::move(c)) {}
};

struct dial_target {
  std::string node_id;
  public_key key;
  tcp::endpoint endpoint;
  backoff delays;
  std::uint64_t session_id = 0;  // the live attempt or session, 0 if none
  std::unique_ptr<asio::steady_timer> timer;
};

struct tcp_io::engine {
  key_pair self;
  tcp_io_config config;
  std::function<void(io_event)> on_event;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer ticker{io};
  asio::steady_timer accept_retry{io};
  static constexpr std::uint64_t accept_retry_ms = 100;
  std::thread thread;
  std::map<std::uint64_t, std::shared_ptr<session>> sessions;
  std::map<std::string, dial_target> targets;
  std::uint64_t next_session_id = 1;
  bool stopped = false;
  session_budget budget;  // the slots of inbound sessions

  engine(const key_pair& k, tcp_io_config c, std::function<void(io_event)> e)
      : self(k),
        config(std::move(c)),
        on_event(std::move(e)),
        budget({config.sessions_max, config.handshakes_max, config.handshakes_per_address_max,
                config.guest_sessions_max}) {
    BUCKY_CHECK(static_cast<bool>(config.authorize) && static_cast<bool>(on_event));
  }

  void log_info(const std::string& line) {
    if (config.log) config.log->info("{}", line);
  }

  std::shared_ptr<session> make_session(connection_core core) {
    auto s = std::make_shared<session>(io, std::move(core));
    s->id = next_session_id++;
    s->created_ms = steady_ms();
    s->read_buffer.resize(config.read_chunk_bytes);
    sessions[s->id] = s;
    return s;
  }

  void accept_next() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || stopped) return;
      if (!error) return on_accepted(std::move(socket)), accept_next();
      // Out of file descriptors (or the like): retrying at once would spin the thread.
      log_info(fmt::format("accept failed: {}; retrying in {} ms", error.message(), accept_retry_ms));
      accept_retry.expires_after(std::chrono::milliseconds(accept_retry_ms));
      accept_retry.async_wait([this](boost::system::error_code wait_error) {
        if (!wait_error && !stopped) accept_next();
      });
    });
  }

  // A stranger's connection costs a handshake slot until it proves a key
  // (net/session_budget.hpp): an address gets a few, and when all are taken the
  // oldest unfinished handshake gives way.
  void on_accepted(tcp::socket socket) {
    boost::system::error_code error;
    auto remote = socket.remote_endpoint(error);
    if (error) return;  // reset before we got to it
    auto address = address_of(socket);
    auto id = next_session_id;
    auto decision = budget.on_accept(id, remote.address().to_string());
    if (!decision.admitted) {
      log_info(fmt::format("refused connection from {}: {}", address, decision.refusal));
      return;  // socket closes here
    }
    if (decision.evict) evict_handshake(*decision.evict, address);
    auto s = make_session(connection_core::accept(self, config.authorize, config.random, config.options, steady_ms()));
    BUCKY_CHECK(s->id == id);
    s->socket = std::move(socket);
    s->socket.set_option(tcp::no_delay(true), error);
    s->remote_address = address;
    s->connected = true;
    read(s);
    flush(s);
  }

  void evict_handshake(std::uint64_t id, const std::string& newcomer) {
    auto found = sessions.find(id);
    BUCKY_CHECK_MSG(found != sessions.end(), fmt::format("handshake slot of session {} without a session", id));
    auto oldest = found->second;
    auto why = fmt::format("handshake unfinished after {} ms; its slot went to {} (handshakes_max {})",
                           steady_ms() - oldest->created_ms, newcomer, config.handshakes_max);
    log_info(fmt::format("closed connection from {}: {}", oldest->remote_address, why));
    deliver(oldest, oldest->core.close(why));
  }

  void dial(dial_target& target) {
    auto s = make_session(connection_core::dial(self, target.key, config.authorize, config.random, config.options,
                                                steady_ms()));
    s->dial_node = target.node_id;
    target.session_id = s->id;
    s->socket.async_connect(target.endpoint, [this, s](boost::system::error_code error) {
      if (s->finished) return;
      if (error) {
        deliver(s, s->core.on_disconnect(fmt::format("cannot connect: {}", error.message())));
        return;
      }
      boost::system::error_code ignored;
      s->socket.set_option(tcp::no_delay(true), ignored);
      s->remote_address = address_of(s->socket);
      s->connected = true;
      read(s);
      flush(s);
    });
  }

  void schedule_redial(const std::string& node_id) {
    auto found = targets.find(node_id);
    if (found == targets.end() || stopped) return;
    auto& target = found->second;
    target.session_id = 0;
    auto delay_ms = target.delays.next_delay_ms();
    target.timer = std::make_unique<asio::steady_timer>(io, std::chrono::milliseconds(delay_ms));
    target.timer->async_wait([this, node_id](boost::system::error_code error) {
      if (error || stopped) return;
      auto again = targets.find(node_id);
      if (again != targets.end() && again->second.session_id == 0) dial(again->second);
    });
  }

  void read(const std::shared_ptr<session>& s) {
    s->socket.async_read_some(asio::buffer(s->read_buffer), [this, s](boost::system::error_code error, std::size_t n) {
      if (s->finished) return;
      if (error) {
        deliver(s, s->core.on_disconnect(error == asio::error::eof ? "peer closed the connection"
                                                                   : "read failed: " + error.message()));
        return;
      }
      s->bytes_in += n;
      deliver(s, s->core.on_bytes(std::span(s->read_buffer.data(), n), steady_ms()));
      if (!s->finished) read(s);
    });
  }

  void flush(const std::shared_ptr<session>& s) {
    if (s->writing || !s->connected) return;
    auto out = std::make_shared<bytes>(s->core.take_output());
    if (out->empty()) {
      if (s->finished) drop(s);
      return;
    }
    s->writing = true;
    asio::async_write(s->socket, asio::buffer(*out), [this, s, out](boost::system::error_code error, std::size_t n) {
      s->writing = false;
      s->bytes_out += n;
      if (error) {
        if (!s->finished) deliver(s, s->core.on_disconnect("write failed: " + error.message()));
        drop(s);
        return;
      }
      flush(s);
    });
  }

  // Hands core events to the owner; a closed session is flushed, then dropped.
  void deliver(const std::shared_ptr<session>& s, std::vector<connection_event> events) {
    for (auto& event : events) {
      if (event.what == connection_event::kind::established && s->dial_node.empty()) {
        if (auto refused = budget.on_established(s->id, event.peer.role == peer_identity::kind::guest)) {
          log_info(fmt::format("closed session of {} from {}: {}", event.peer.name, s->remote_address, *refused));
          s->core.close(*refused);  // its owner never heard of it: no event, now or later
          s->finished = true;
          break;
        }
      }
      io_event out;
      out.session_id = s->id;
      out.dialled_node = s->dial_node;
      out.remote_address = s->remote_address;
      if (s->core.peer()) out.peer = *s->core.peer();
      switch (event.what) {
        case connection_event::kind::established:
          out.what = io_event::kind::established;
          out.outbound = !s->dial_node.empty();
          if (auto t = targets.find(s->dial_node); t != targets.end()) t->second.delays.reset();
          break;
        case connection_event::kind::message:
          out.what = io_event::kind::message;
          out.message = std::move(event.message);
          break;
        case connection_event::kind::closed:
          out.what = io_event::kind::closed;
          out.reason = event.reason;
          s->finished = true;
          break;
      }
      on_event(std::move(out));
    }
    flush(s);
    if (s->finished && !s->writing) drop(s);
  }

  void drop(const std::shared_ptr<session>& s) {
    if (sessions.erase(s->id) == 0) return;
    budget.on_closed(s->id);
    boost::system::error_code ignored;
    s->socket.shutdown(tcp::socket::shutdown_both, ignored);
    s->socket.close(ignored);
    if (!s->dial_node.empty()) schedule_redial(s->dial_node);
  }

  void tick() {
    ticker.expires_after(std::chrono::milliseconds(config.tick_interval_ms));
    ticker.async_wait([this](boost::system::error_code error) {
      if (error || stopped) return;
      auto now = steady_ms();
      std::vector<std::shared_ptr<session>> all;
      for (auto& [id, s] : sessions) all.push_back(s);
      for (auto& s : all) {
        if (!s->finished) deliver(s, s->core.on_tick(now));
      }
      tick();
    });
  }

  void shutdown_all() {
    stopped = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    ticker.cancel();
    accept_retry.cancel();
    for (auto& [name, target] : targets) {
      if (target.timer) target.timer->cancel();
    }
    std::vector<std::shared_ptr<session>> all;
    for (auto& [id, s] : sessions) all.push_back(s);
    for (auto& s : all) {
      s->core.close("node stopping");
      s->finished = true;
      // Best effort goodbye: one synchronous write of what is queued.
      auto out = s->core.take_output();
      if (s->connected && !s->writing && !out.empty()) asio::write(s->socket, asio::buffer(out), ignored);
      s->socket.close(ignored);
    }
    sessions.clear();
  }
};

tcp_io::tcp_io(const key_pair& self, tcp_io_config config, std::function<void(io_event)> on_event)
    : engine_(std::make_unique<engine>(self, std::move(config), std::move(on_event))) {}

tcp_io::~tcp_io() { stop(); }

result<std::uint16_t> tcp_io::start() {
  auto& e = *engine_;
  std::uint16_t port = 0;
  if (e.config.listen) {
    auto bound = listen_tcp(e.acceptor, e.config.listen_host, e.config.listen_port, "transport");
    if (!bound) {
      if (bound.error().code() != status_code::io_error) return bound.error();
      return status(status_code::io_error, bound.error().message() + "; is another bucky-node using this port?");
    }
    port = *bound;
    e.accept_next();
  }
  e.tick();
  e.thread = std::thread([&e] { e.io.run(); });
  return port;
}

void tcp_io::keep_connected(std::string node_id, public_key key, std::string host, std::uint16_t port) {
  asio::post(engine_->io, [e = engine_.get(), node_id, key, host, port] {
    if (e->stopped || e->targets.count(node_id)) return;
    boost::system::error_code error;
    auto address = asio::ip::make_address(host, error);
    BUCKY_CHECK_MSG(!error, "peer address " + host + " was validated by the peer directory");
    dial_target target{node_id, key, tcp::endpoint(address, port), backoff(e->config.random), 0, nullptr};
    auto& stored = e->targets.emplace(node_id, std::move(target)).first->second;
    e->dial(stored);
  });
}

void tcp_io::forget(std::string node_id, std::string why) {
  asio::post(engine_->io, [e = engine_.get(), node_id, why] {
    auto found = e->targets.find(node_id);
    if (found == e->targets.end()) return;
    if (found->second.timer) found->second.timer->cancel();
    auto session_id = found->second.session_id;
    e->targets.erase(found);  // before closing: the close must not schedule a redial
    auto live = e->sessions.find(session_id);
    if (live != e->sessions.end() && !live->second->finished) e->deliver(live->second, live->second->core.close(why));
  });
}

void tcp_io::send(std::uint64_t session_id, bytes message, std::uint64_t tag) {
  asio::post(engine_->io, [e = engine_.get(), session_id, message = std::move(message), tag]() mutable {
    auto found = e->sessions.find(session_id);
    status outcome = found == e->sessions.end() || found->second->finished
                         ? status(status_code::unavailable, "session is closed")
                         : found->second->core.send(message, steady_ms());
    if (!outcome.is_ok()) {
      io_event refused;
      refused.what = io_event::kind::refused;
      refused.session_id = session_id;
      refused.tag = tag;
      refused.reason = outcome;
      e->on_event(std::move(refused));
      return;
    }
    e->flush(found->second);
  });
}

void tcp_io::close(std::uint64_t session_id, std::string why) {
  asio::post(engine_->io, [e = engine_.get(), session_id, why] {
    auto found = e->sessions.find(session_id);
    if (found == e->sessions.end() || found->second->finished) return;
    auto s = found->second;
    e->deliver(s, s->core.close(why));
  });
}

std::vector<session_info> tcp_io::sessions() {
  auto answer = std::make_shared<std::promise<std::vector<session_info>>>();
  auto future = answer->get_future();
  asio::post(engine_->io, [e = engine_.get(), answer] {
    std::vector<session_info> out;
    auto now = steady_ms();
    for (auto& [id, s] : e->sessions) {
      if (s->finished) continue;  // closed, only flushing its last bytes
      out.push_back({id, s->core.peer() ? s->core.peer()->name : "?", s->remote_address, !s->dial_node.empty(),
                     s->core.established(), now - s->created_ms, s->bytes_in, s->bytes_out});
    }
    answer->set_value(std::move(out));
  });
  if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
  return future.get();
}

void tcp_io::stop() {
  auto& e = *engine_;
  if (!e.thread.joinable()) return;
  asio::post(e.io, [&e] {
    e.shutdown_all();
    e.io.stop();
  });
  e.thread.join();
}

}  // namespace bucky::net
