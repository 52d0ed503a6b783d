// A kRPC call from inside an app's sandbox, in plain POSIX: HTTP/1.1 over the Unix
// socket /run/bucky/krpc.sock with the identity from /run/bucky/identity (README,
// "kRPC"). What any app in any language does with its HTTP client; the sample apps
// use this one.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace samples {

struct krpc_reply {
  int status = 0;  // 0: no answer
  std::string body;
};

inline std::string read_identity(const std::string& path = "/run/bucky/identity") {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline krpc_reply krpc_call(const std::string& method, const std::string& target, const std::string& body = "",
                            const std::string& identity = read_identity()) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, "/run/bucky/krpc.sock", sizeof address.sun_path - 1);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return {0, std::string("no kRPC socket: ") + std::strerror(errno)};
  }
  std::ostringstream request;
  request << method << " " << target << " HTTP/1.1\r\nHost: krpc\r\nAuthorization: Bucky " << identity
          << "\r\nConnection: close\r\nContent-Length: " << body.size() << "\r\n\r\n" << body;
  const std::string text = request.str();
  (void)!::write(fd, text.data(), text.size());
  std::string answer;
  char buffer[8192];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  if (answer.size() < 12) return {0, "no answer"};
  const auto split = answer.find("\r\n\r\n");
  return {std::stoi(answer.substr(9, 3)), split == std::string::npos ? "" : answer.substr(split + 4)};
}

}  // namespace samples
