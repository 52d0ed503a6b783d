#include "actors/relay/relay_pipes.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "net/steady_clock.hpp"

namespace bucky::relay {

namespace asio = boost::asio;
using boost::system::error_code;
using asio::ip::tcp;

struct relay_pipes::stream {
  stream(asio::io_context& io, std::uint64_t window_bytes, std::string label)
      : socket(io), flow(window_bytes), buffer(relay_limits::data_bytes_max), label(std::move(label)) {}
  tcp::socket socket;
  relay_flow flow;
  std::vector<std::uint8_t> buffer;             // one read
  std::deque<std::vector<std::uint8_t>> pending;  // from the other end, to write
  std::string label;                            // the client, for the log
  std::function<void()> on_closed;
  std::uint64_t active_ms = 0;
  bool attached = false, reading = false, writing = false;
  bool closing = false;  // close once `pending` is written
};

relay_pipes::relay_pipes(asio::io_context& io, relay_pipes_config config, relay_send send)
    : io_(io), config_(std::move(config)), send_(std::move(send)) {}

void relay_pipes::touch(stream& s) { s.active_ms = net::steady_ms(); }

void relay_pipes::add(const stream_key& key, std::uint64_t sent, std::vector<std::uint8_t> received,
                      std::string label) {
  BUCKY_CHECK(!streams_.count(key));
  auto s = std::make_shared<stream>(io_, config_.window_bytes, std::move(label));
  s->flow.on_sent(sent);
  if (!received.empty()) {
    BUCKY_CHECK(s->flow.on_data(0, received.size()).is_ok());
    s->pending.push_back(std::move(received));
  }
  touch(*s);
  streams_.emplace(key, std::move(s));
}

void relay_pipes::attach(const stream_key& key, tcp::socket socket, std::function<void()> on_closed) {
  auto found = streams_.find(key);
  if (found == streams_.end()) {  // ended while its socket was being connected
    error_code ignored;
    socket.close(ignored);
    if (on_closed) on_closed();
    return;
  }
  auto& s = *found->second;
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  s.socket = std::move(socket);
  s.on_closed = std::move(on_closed);
  s.attached = true;
  write_more(key);
  read_more(key);
}

void relay_pipes::read_more(const stream_key& key) {
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  auto s = found->second;
  if (!s->attached || s->reading || s->closing) return;
  auto budget = std::min<std::uint64_t>(s->flow.send_budget(), s->buffer.size());
  if (budget == 0) return;  // the other end has not written enough yet: its ack resumes
  s->reading = true;
  s->socket.async_read_some(asio::buffer(s->buffer.data(), budget),
                            [self = shared_from_this(), key, s](const error_code& error, std::size_t bytes) {
                              s->reading = false;
                              auto found = self->streams_.find(key);
                              if (found == self->streams_.end() || found->second != s || s->closing) return;
                              if (error) {
                                bool clean = error == asio::error::eof;
                                self->finish(key, clean ? "" : error.message(), true);
                                return;
                              }
                              relay_data data{key.stream, s->flow.sent(),
                                              std::vector<std::uint8_t>(s->buffer.begin(), s->buffer.begin() + bytes)};
                              s->flow.on_sent(bytes);
                              self->touch(*s);
                              self->send_(key.node, std::move(data));
                              self->read_more(key);
                            });
}

void relay_pipes::write_more(const stream_key& key) {
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  auto s = found->second;
  if (!s->attached || s->writing) return;
  if (s->pending.empty()) {
    if (s->closing) finish(key, "", false);
    return;
  }
  s->writing = true;
  asio::async_write(s->socket, asio::buffer(s->pending.front()),
                    [self = shared_from_this(), key, s](const error_code& error, std::size_t bytes) {
                      s->writing = false;
                      auto found = self->streams_.find(key);
                      if (found == self->streams_.end() || found->second != s) return;
                      if (error) {
                        s->closing = false;
                        s->pending.clear();
                        self->close(key, "writing: " + error.message());
                        return;
                      }
                      s->flow.on_written(bytes);
                      s->pending.pop_front();
                      self->touch(*s);
                      if (auto written = s->flow.ack_due(); written > 0 && !s->closing) {
                        self->send_(key.node, relay_ack{key.stream, written});
                      }
                      self->write_more(key);
                    });
}

void relay_pipes::on_data(const std::string& node, relay_data message) {
  stream_key key{node, message.stream};
  auto found = streams_.find(key);
  if (found == streams_.end()) {
    send_(node, relay_close{message.stream, "no such stream"});
    return;
  }
  auto& s = *found->second;
  if (s.closing) return;  // in flight when we said we were done
  if (auto fits = s.flow.on_data(message.offset, message.bytes.size()); !fits.is_ok()) {
    close(key, fits.message());
    return;
  }
  touch(s);
  if (!message.bytes.empty()) s.pending.push_back(std::move(message.bytes));
  write_more(key);
}

void relay_pipes::on_ack(const std::string& node, const relay_ack& message) {
  stream_key key{node, message.stream};
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  if (auto fits = found->second->flow.on_ack(message.written); !fits.is_ok()) {
    close(key, fits.message());
    return;
  }
  touch(*found->second);
  read_more(key);
}

void relay_pipes::on_close(const std::string& node, const relay_close& message) {
  stream_key key{node, message.stream};
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  if (!message.reason.empty() && config_.log) {
    config_.log->debug("{}: stream {} with {} ended there: {}", config_.side, key.stream, node,
                       message.reason.substr(0, relay_limits::reason_bytes_max));
  }
  found->second->closing = true;
  write_more(key);  // closes once what it holds is written
}

void relay_pipes::on_message(const std::string& node, relay_message message) {
  if (auto* data = std::get_if<relay_data>(&message)) return on_data(node, std::move(*data));
  if (auto* ack = std::get_if<relay_ack>(&message)) return on_ack(node, *ack);
  on_close(node, std::get<relay_close>(message));
}

void relay_pipes::close(const stream_key& key, const std::string& reason) {
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  found->second->pending.clear();
  found->second->closing = false;
  finish(key, reason, true);
}

// Ends a stream: tells the other end (`tell`), and closes the socket now unless
// bytes for it are still to be written (then write_more closes it after them).
void relay_pipes::finish(const stream_key& key, const std::string& why, bool tell) {
  auto found = streams_.find(key);
  if (found == streams_.end()) return;
  auto s = found->second;
  if (tell) send_(key.node, relay_close{key.stream, why.substr(0, relay_limits::reason_bytes_max)});
  if (s->writing || (!s->pending.empty() && s->attached)) {
    s->closing = true;
    return;
  }
  if (!why.empty() && config_.log) {
    config_.log->info("{}: stream {} with {} ({}) closed: {}", config_.side, key.stream, key.node, s->label, why);
  }
  error_code ignored;
  s->socket.shutdown(tcp::socket::shutdown_both, ignored);
  s->socket.close(ignored);
  streams_.erase(found);
  if (s->on_closed) s->on_closed();
}

void relay_pipes::close_node(const std::string& node, const std::string& reason) {
  std::vector<stream_key> keys;
  for (const auto& [key, s] : streams_) {
    if (key.node == node) keys.push_back(key);
  }
  for (const auto& key : keys) {
    streams_.at(key)->pending.clear();
    finish(key, reason, false);
  }
}

void relay_pipes::sweep() {
  const auto now = net::steady_ms();
  std::vector<stream_key> idle;
  for (const auto& [key, s] : streams_) {
    if (now > s->active_ms + config_.idle_timeout_ms) idle.push_back(key);
  }
  for (const auto& key : idle) close(key, fmt::format("idle for {} s", config_.idle_timeout_ms / 1'000));
}

void relay_pipes::close_all(const std::string& reason) {
  std::vector<stream_key> keys;
  for (const auto& [key, s] : streams_) keys.push_back(key);
  for (const auto& key : keys) close(key, reason);
}

std::map<std::string, std::size_t> relay_pipes::open_by_node() const {
  std::map<std::string, std::size_t> out;
  for (const auto& [key, s] : streams_) ++out[key.node];
  return out;
}

}  // namespace bucky::relay
