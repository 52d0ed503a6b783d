#include <utility>

#include "actors/process_manager/port_forwards.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>

#include <boost/asio.hpp>
#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using forward_limits = port_forward_limits;

// The network namespace of bwrap's child (the sandbox), once it differs from ours.
int open_sandbox_netns(pid_t sandbox_pid) {
  struct stat ours {};
  ::stat("/proc/self/ns/net", &ours);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(forward_limits::namespace_wait_ms_max);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream children(fmt::format("/proc/{}/task/{}/children", sandbox_pid, sandbox_pid));
    pid_t child = 0;
    if (children >> child && child > 0) {
      const std::string path = fmt::format("/proc/{}/ns/net", child);
      struct stat theirs {};
      if (::stat(path.c_str(), &theirs) == 0 && theirs.st_ino != ours.st_ino) return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

// A TCP socket made inside `netns` (this thread goes there and comes back).
int socket_in(int netns) {
  static thread_local int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  BUCKY_CHECK(home >= 0);
  if (::setns(netns, CLONE_NEWNET) != 0) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int error = errno;
  BUCKY_CHECK(::setns(home, CLONE_NEWNET) == 0);  // a thread left in an app's namespace would be a hole
  errno = error;
  return fd;
}

// One connection: bytes copied both ways until both sides finished.
class netns_relay : public std::enable_shared_from_this<netns_relay> {
 public:
  netns_relay(tcp::socket outside, tcp::socket inside) : outside_(std::move(outside)), inside_(std::move(inside)) {}

  void start(std::uint16_t app_port) {
    auto self = shared_from_this();
    inside_.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), app_port), [self](boost::system::error_code error) {
      if (error) return self->close();
      self->pump(self->outside_, self->inside_, self->to_app_);
      self->pump(self->inside_, self->outside_, self->to_client_);
    });
  }

  void close() {
    boost::system::error_code ignored;
    outside_.close(ignored);
    inside_.close(ignored);
  }

 private:
  using buffer = std::array<char, forward_limits::buffer_bytes>;

  void pump(tcp::socket& from, tcp::socket& to, buffer& bytes) {
    auto self = shared_from_this();
    from.async_read_some(asio::buffer(bytes), [self, &from, &to, &bytes](boost::system::error_code error, std::size_t got) {
      if (error) {
        boost::system::error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);  // pass the end on
        if (++self->ended_ == 2 || error != asio::error::eof) self->close();
        return;
      }
      asio::async_write(to, asio::buffer(bytes.data(), got), [self, &from, &to, &bytes](boost::system::error_code e, std::size_t) {
        if (e) return self->close();
        self->pump(from, to, bytes);
      });
    });
  }

  tcp::socket outside_, inside_;
  buffer to_app_{}, to_client_{};
  int ended_ = 0;
};

}  // namespace

// One loopback listener for one app port.
class port_listener : public std::enable_shared_from_this<port_listener> {
 public:
  port_listener(asio::io_context& io, pid_t sandbox_pid, std::uint16_t app_port)
      : io_(io), acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)), sandbox_pid_(sandbox_pid), app_port_(app_port) {}
  ~port_listener() {
    if (netns_ >= 0) ::close(netns_);
  }

  std::uint16_t host_port() const { return acceptor_.local_endpoint().port(); }

  void accept_next() {
    auto self = shared_from_this();
    acceptor_.async_accept([self](boost::system::error_code error, tcp::socket client) {
      if (error == asio::error::operation_aborted) return;
      if (!error) self->carry(std::move(client));
      self->accept_next();
    });
  }

  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : relays_) {
      if (auto live = weak.lock()) live->close();
    }
  }

 private:
  void carry(tcp::socket client) {
    std::erase_if(relays_, [](const std::weak_ptr<netns_relay>& r) { return r.expired(); });
    if (relays_.size() >= forward_limits::connections_max) return;  // dropped: the client sees a reset
    if (netns_ < 0) netns_ = open_sandbox_netns(sandbox_pid_);
    if (netns_ < 0) return;
    const int fd = socket_in(netns_);
    if (fd < 0) return;
    tcp::socket inside(io_, tcp::v4(), fd);
    auto carried = std::make_shared<netns_relay>(std::move(client), std::move(inside));
    relays_.push_back(carried);
    carried->start(app_port_);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  pid_t sandbox_pid_;
  std::uint16_t app_port_;
  int netns_ = -1;
  std::vector<std::weak_ptr<netns_relay>> relays_;
};

struct port_forwards::state {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::mutex mutex;
  std::map<std::string, std::vector<std::shared_ptr<port_listener>>> open;
};

port_forwards::port_forwards() : state_(std::make_unique<state>()) {
  io_thread_ = std::thread([this] { state_->io.run(); });
}

port_forwards::~port_forwards() {
  state_->io.stop();
  io_thread_.join();
  state_->open.clear();  // the I/O thread is gone: sockets close here
}

result<std::vector<std::uint16_t>> port_forwards::open(const std::string& instance_id, pid_t sandbox_pid,
                                                       const std::vector<std::uint16_t>& app_ports) {
  close(instance_id);
  std::vector<std::shared_ptr<port_listener>> listeners;
  std::vector<std::uint16_t> host_ports;
  try {
    for (auto port : app_ports) {
      listeners.push_back(std::make_shared<port_listener>(state_->io, sandbox_pid, port));
      host_ports.push_back(listeners.back()->host_port());
    }
  } catch (const boost::system::system_error& e) {
    return status(status_code::io_error, fmt::format("{}: no loopback port to reach it by: {}", instance_id, e.what()));
  }
  asio::post(state_->io, [listeners] {
    for (const auto& listener : listeners) listener->accept_next();
  });
  std::lock_guard lock(state_->mutex);
  state_->open[instance_id] = std::move(listeners);
  return host_ports;
}

void port_forwards::close(const std::string& instance_id) {
  std::vector<std::shared_ptr<port_listener>> closing;
  {
    std::lock_guard lock(state_->mutex);
    auto found = state_->open.find(instance_id);
    if (found == state_->open.end()) return;
    closing = std::move(found->second);
    state_->open.erase(found);
  }
  asio::post(state_->io, [closing] {
    for (const auto& listener : closing) listener->close();
  });
}

}  // namespace bucky
