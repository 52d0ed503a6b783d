// bucky-sample-hostile: an app that tries to get out of its sandbox, for the tests
// that prove it cannot (tests/integration/app_sandbox_test.cpp). Each argument is
// one try; every try is reported as a line "<try> <target>: blocked|OPEN (<why>)"
// on stdout and in /data/report.txt, then the app exits 0 (or stays up with --stay).
//
//   --read PATH       read a file           --write PATH     create and write a file
//   --connect IP:PORT TCP connect           --kill PID       signal 0 to a pid
//   --setuid          become root           --list PATH      list a directory
//   --krpc-put KEY    write its kRPC key    --krpc-identity FILE  call kRPC whoami
//                                           with the identity in FILE (another's)
//   --krpc-file-get ZONE_PATH, --krpc-file-put ZONE_PATH   kRPC file calls
// A try that should work (the app's own data, its package) is asked with --expect-ok
// before it: the report then says "ok" or "FAILED".
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/krpc_client.hpp"

namespace {

std::string why() { return std::strerror(errno); }

// "" when the try worked, else why it did not.
std::string try_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return why();
  char byte = 0;
  const ssize_t got = ::read(fd, &byte, 1);
  const std::string out = got < 0 ? why() : "";
  ::close(fd);
  return out;
}

std::string try_write(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return why();
  const ssize_t wrote = ::write(fd, "escaped\n", 8);
  const std::string out = wrote != 8 ? why() : "";
  ::close(fd);
  return out;
}

std::string try_connect(const std::string& target) {
  const auto colon = target.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(target.substr(colon + 1))));
  if (::inet_pton(AF_INET, target.substr(0, colon).c_str(), &address.sin_addr) != 1) return "bad address";
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return why();
  const int done = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  const std::string out = done != 0 ? why() : "";
  ::close(fd);
  return out;
}

std::string try_kill(const std::string& pid) { return ::kill(std::stoi(pid), 0) == 0 ? "" : why(); }

std::string try_setuid() { return ::setuid(0) == 0 ? "" : why(); }

std::string krpc_failure(const samples::krpc_reply& reply) {
  return reply.status == 200 ? "" : "HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 160);
}

std::string try_krpc_put(const std::string& key) { return krpc_failure(samples::krpc_call("PUT", "/v1/kv/" + key, "x")); }

std::string try_krpc_identity(const std::string& file) {
  return krpc_failure(samples::krpc_call("GET", "/v1/whoami", "", samples::read_identity(file)));
}

std::string try_krpc_file_get(const std::string& path) { return krpc_failure(samples::krpc_call("GET", "/v1/files" + path)); }
std::string try_krpc_file_put(const std::string& path) { return krpc_failure(samples::krpc_call("PUT", "/v1/files" + path, "planted")); }

std::string try_list(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return why();
  int names = 0;
  while (::readdir(dir) != nullptr) ++names;
  ::closedir(dir);
  return names > 2 ? "" : "empty";
}

}  // namespace

int main(int argc, char** argv) {
  std::ostringstream report;
  bool expect_ok = false;
  bool stay = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--expect-ok") {
      expect_ok = true;
      continue;
    }
    if (flag == "--stay") {
      stay = true;
      continue;
    }
    std::string target = flag == "--setuid" || i + 1 >= argc ? "" : argv[++i];
    std::string failed;
    if (flag == "--read") failed = try_read(target);
    else if (flag == "--write") failed = try_write(target);
    else if (flag == "--connect") failed = try_connect(target);
    else if (flag == "--kill") failed = try_kill(target);
    else if (flag == "--setuid") failed = try_setuid();
    else if (flag == "--list") failed = try_list(target);
    else if (flag == "--krpc-put") failed = try_krpc_put(target);
    else if (flag == "--krpc-identity") failed = try_krpc_identity(target);
    else if (flag == "--krpc-file-get") failed = try_krpc_file_get(target);
    else if (flag == "--krpc-file-put") failed = try_krpc_file_put(target);
    else failed = "unknown try";
    const char* verdict = expect_ok ? (failed.empty() ? "ok" : "FAILED") : (failed.empty() ? "OPEN" : "blocked");
    report << flag.substr(2) << " " << target << ": " << verdict << (failed.empty() ? "" : " (" + failed + ")") << "\n";
    expect_ok = false;
  }
  std::cout << report.str() << std::flush;
  std::ofstream("/data/report.txt") << report.str() << "end\n";
  while (stay) ::pause();
  return 0;
}
