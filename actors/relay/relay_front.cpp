#include "actors/relay/relay_front.hpp"

#include <chrono>
#include <map>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <sodium.h>

#include "messages/common/check.hpp"
#include "net/client_hello.hpp"
#include "net/steady_clock.hpp"
#include "net/tcp_listen.hpp"

namespace bucky::relay {

namespace asio = boost::asio;
using boost::system::error_code;
using asio::ip::tcp;

namespace {

// Stream ids start at a random point, so a home node never mistakes a stream of
// this process for one of a gateway node that ran before it under the same name.
std::uint64_t first_stream_id() {
  std::uint64_t id = 0;
  randombytes_buf(&id, sizeof id);
  return (id >> 2) + 1;
}

}  // namespace

class relay_front::impl : public std::enable_shared_from_this<relay_front::impl> {
 public:
  impl(relay_front_config config, relay_send send, relay_opener open)
      : config_(std::move(config)), open_(std::move(open)), acceptor_(io_),
        homes_(config_.zone_id, config_.home_fresh_ms),
        pipes_(std::make_shared<relay_pipes>(io_, relay_pipes_config{"relay", relay_limits::window_bytes,
                                                                     config_.idle_timeout_ms, config_.log},
                                             std::move(send))),
        next_stream_(first_stream_id()) {}

  result<std::uint16_t> start() {
    auto port = net::listen_tcp(acceptor_, config_.host, config_.port, "relay");
    if (!port) return port;
    accept();
    thread_ = std::thread([self = shared_from_this()] { self->io_.run(); });
    return port;
  }

  void stop() {
    asio::post(io_, [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->pipes_->close_all("the gateway node's relay stops");
      self->io_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  template <class F>
  void on_io(F work) {
    asio::post(io_, [self = shared_from_this(), work = std::move(work)]() mutable { work(*self); });
  }

  void hello(const std::string& node, relay_hello hello) {
    if (hello.apps.size() > relay_limits::apps_max) hello.apps.resize(relay_limits::apps_max);
    auto apps = fmt::format("{}", fmt::join(hello.apps, ", "));
    if (homes_.heard(node, std::move(hello.apps), net::steady_ms()) && config_.log) {
      config_.log->info("relay: home node {} is connected (apps here: {})", node, apps.empty() ? "none" : apps);
    }
  }

  void tick() {
    for (const auto& node : homes_.expire(net::steady_ms())) {
      auto open = pipes_->open_by_node()[node];
      if (config_.log) {
        config_.log->warn("relay: home node {} is gone (no hello for {} s); closing its {} stream(s)", node,
                          config_.home_fresh_ms / 1'000, open);
      }
      pipes_->close_node(node, "its home node is gone");
    }
    pipes_->sweep();
  }

  relay_pipes& pipes() { return *pipes_; }

 private:
  struct peek {
    explicit peek(asio::io_context& io) : socket(io), timer(io) {}
    tcp::socket socket;
    asio::steady_timer timer;
    std::vector<std::uint8_t> bytes;
    std::string client;   // ip:port
    std::string address;  // ip, for the per-address limit
  };

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](const error_code& error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (!error) self->admit(std::move(socket));
      self->accept();
    });
  }

  void admit(tcp::socket socket) {
    error_code ignored;
    auto remote = socket.remote_endpoint(ignored);
    auto p = std::make_shared<peek>(io_);
    p->address = remote.address().to_string();
    p->client = fmt::format("{}:{}", p->address, remote.port());
    auto& count = per_address_[p->address];
    if (connections_ >= config_.connections_max || count >= config_.connections_per_address_max) {
      if (count == 0) per_address_.erase(p->address);
      if (config_.log) {
        config_.log->warn("relay: refused {}: {} connections ({} from it); limits {} and {} per address", p->client,
                          connections_, count, config_.connections_max, config_.connections_per_address_max);
      }
      socket.close(ignored);
      return;
    }
    ++count;
    ++connections_;
    p->socket = std::move(socket);
    p->timer.expires_after(std::chrono::milliseconds(config_.hello_timeout_ms));
    p->timer.async_wait([p](const error_code& error) {
      if (error) return;
      error_code ignored;
      p->socket.close(ignored);  // the pending read fails and reports it
    });
    read_hello(p);
  }

  void release(const std::string& address) {
    --connections_;
    if (auto found = per_address_.find(address); found != per_address_.end() && --found->second == 0) {
      per_address_.erase(found);
    }
  }

  void read_hello(const std::shared_ptr<peek>& p) {
    const auto had = p->bytes.size();
    p->bytes.resize(net::client_hello_bytes_max);
    p->socket.async_read_some(asio::buffer(p->bytes.data() + had, p->bytes.size() - had),
                              [self = shared_from_this(), p, had](const error_code& error, std::size_t bytes) {
                                p->bytes.resize(had + (error ? 0 : bytes));
                                self->on_hello_bytes(p, error);
                              });
  }

  void on_hello_bytes(const std::shared_ptr<peek>& p, const error_code& error) {
    auto drop = [&](const std::string& why) {
      if (config_.log) config_.log->info("relay: closed {}: {}", p->client, why);
      error_code ignored;
      p->timer.cancel(ignored);
      p->socket.close(ignored);
      release(p->address);
    };
    if (error) {
      return drop(error == asio::error::operation_aborted
                      ? fmt::format("no ClientHello within {} s", config_.hello_timeout_ms / 1'000)
                      : "before its ClientHello: " + error.message());
    }
    auto read = net::read_client_hello(p->bytes);
    if (read.what == net::client_hello_read::kind::need_more) {
      if (p->bytes.size() >= net::client_hello_bytes_max) return drop("a ClientHello past its size limit");
      return read_hello(p);
    }
    if (read.what == net::client_hello_read::kind::refused) return drop(read.reason);
    auto home = homes_.choose(read.server_name, p->address, net::steady_ms());
    if (!home) return drop(fmt::format("for {}: {}", read.server_name, home.error().message()));
    error_code ignored;
    p->timer.cancel(ignored);
    const stream_key key{*home, next_stream_++};
    if (config_.log) {
      config_.log->info("relay: {} for {} -> home node {} (stream {})", p->client, read.server_name, key.node,
                        key.stream);
    }
    open_(key.node, relay_open{key.stream, read.server_name, p->client, p->bytes});
    pipes_->add(key, p->bytes.size(), {}, p->client);
    pipes_->attach(key, std::move(p->socket),
                   [weak = weak_from_this(), address = p->address] {
                     if (auto self = weak.lock()) self->release(address);
                   });
  }

  relay_front_config config_;
  relay_opener open_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  relay_homes homes_;
  std::shared_ptr<relay_pipes> pipes_;
  std::uint64_t next_stream_;
  std::size_t connections_ = 0;
  std::map<std::string, std::size_t> per_address_;
  std::thread thread_;
};

relay_front::relay_front(relay_front_config config, relay_send send, relay_opener open)
    : impl_(std::make_shared<impl>(std::move(config), std::move(send), std::move(open))) {}

relay_front::~relay_front() { stop(); }

result<std::uint16_t> relay_front::start() { return impl_->start(); }
void relay_front::stop() {
  if (impl_) impl_->stop();
}

void relay_front::on_hello(const std::string& node, relay_hello hello) {
  impl_->on_io([node, hello = std::move(hello)](impl& self) mutable { self.hello(node, std::move(hello)); });
}
void relay_front::on_message(const std::string& node, relay_message message) {
  impl_->on_io([node, message = std::move(message)](impl& self) mutable {
    self.pipes().on_message(node, std::move(message));
  });
}
void relay_front::tick() {
  impl_->on_io([](impl& self) { self.tick(); });
}

}  // namespace bucky::relay
