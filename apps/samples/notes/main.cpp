// bucky-sample-notes: the sample app the app tests install (apps/samples/notes).
// A small HTTP/1.1 server (one request per connection) that keeps notes as files
// in its data folder (/data/notes/<n>.txt, synced before the answer) and an index
// of them in the zone state through kRPC (its key notes/<n>: the note's first line):
//   GET  /health          "ok <version>"
//   GET  /notes           every note, one per line: "<n> <text>"
//   POST /notes           body: the note's text (at most 64 KiB); answers its number
//   GET  /index           the kRPC keys it wrote, as kRPC lists them
//   GET  /whoami          what kRPC says this app is
//   GET  /shared          the names in the granted folder /shared/notes, as kRPC lists them
//   GET  /me              who the gateway says signed in (its X-Bucky-User and X-Bucky-Role)
// Its version (--version-text) lets the upgrade tests tell two packages apart.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "../common/krpc_client.hpp"

namespace {

constexpr std::size_t request_bytes_max = 80 * 1024;
constexpr std::size_t note_bytes_max = 64 * 1024;
const std::string notes_dir = "/data/notes";
volatile std::sig_atomic_t stopping = 0;

std::string version_text = "1";

std::string answer(int code, const std::string& body) {
  const char* reason = code == 200 ? "OK" : code == 201 ? "Created" : code == 404 ? "Not Found" : code == 413 ? "Too Large"
                     : code == 503 ? "Unavailable" : "Bad Request";
  std::ostringstream out;
  out << "HTTP/1.1 " << code << " " << reason << "\r\nContent-Type: text/plain\r\nContent-Length: " << body.size()
      << "\r\nConnection: close\r\n\r\n" << body;
  return out.str();
}

std::map<int, std::string> read_notes() {
  std::map<int, std::string> out;
  DIR* dir = ::opendir(notes_dir.c_str());
  if (dir == nullptr) return out;
  while (auto* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (!name.ends_with(".txt")) continue;
    std::ifstream in(notes_dir + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    out[std::atoi(name.c_str())] = text.str();
  }
  ::closedir(dir);
  return out;
}

std::string add_note(const std::string& text) {
  ::mkdir(notes_dir.c_str(), 0700);
  const auto notes = read_notes();
  const int next = notes.empty() ? 1 : notes.rbegin()->first + 1;
  const std::string path = notes_dir + "/" + std::to_string(next) + ".txt";
  const std::string partial = path + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "";
  const bool whole = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!whole || ::rename(partial.c_str(), path.c_str()) != 0) return "";
  return std::to_string(next);
}

// A header's value ("-" when absent); names compare without case.
std::string header_of(const std::string& request, const std::string& name) {
  std::string lower_request = request.substr(0, request.find("\r\n\r\n"));
  std::string lower_name = "\r\n" + name + ":";
  for (auto* text : {&lower_request, &lower_name}) {
    for (auto& c : *text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto at = lower_request.find(lower_name);
  if (at == std::string::npos) return "-";
  auto start = at + lower_name.size();
  auto end = request.find("\r\n", start);
  auto value = request.substr(start, end - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

std::string handle(const std::string& request) {
  const auto line_end = request.find("\r\n");
  const std::string line = request.substr(0, line_end);
  const auto body_at = request.find("\r\n\r\n");
  const std::string body = body_at == std::string::npos ? "" : request.substr(body_at + 4);
  if (line.starts_with("GET /health ")) return answer(200, "ok " + version_text + "\n");
  if (line.starts_with("GET /me ")) return answer(200, header_of(request, "X-Bucky-User") + " " + header_of(request, "X-Bucky-Role") + "\n");
  if (line.starts_with("GET /shared ")) {
    const auto listed = samples::krpc_call("GET", "/v1/files/shared/notes/");
    return answer(listed.status == 200 ? 200 : 503, listed.body + "\n");
  }
  if (line.starts_with("GET /index ")) {
    const auto listed = samples::krpc_call("GET", "/v1/kv/?prefix=notes/");
    return answer(listed.status == 200 ? 200 : 503, listed.body + "\n");
  }
  if (line.starts_with("GET /whoami ")) {
    const auto who = samples::krpc_call("GET", "/v1/whoami");
    return answer(who.status == 200 ? 200 : 503, who.body + "\n");
  }
  if (line.starts_with("GET /notes ")) {
    std::string out;
    for (const auto& [n, text] : read_notes()) out += std::to_string(n) + " " + text + "\n";
    return answer(200, out);
  }
  if (line.starts_with("POST /notes ")) {
    if (body.size() > note_bytes_max) return answer(413, "a note is at most 64 KiB\n");
    const std::string n = add_note(body);
    if (n.empty()) return answer(400, std::string("could not store the note: ") + std::strerror(errno) + "\n");
    const auto indexed = samples::krpc_call("PUT", "/v1/kv/notes/" + n, body.substr(0, body.find('\n')));
    if (indexed.status != 200) return answer(503, "stored, but not indexed (kRPC " + std::to_string(indexed.status) + ": " + indexed.body + ")\n");
    return answer(201, n + "\n");
  }
  return answer(404, "GET /health, GET /notes, POST /notes, GET /index, GET /whoami, GET /shared, GET /me\n");
}

// Reads one request: headers, then Content-Length bytes of body (bounded).
std::string read_request(int fd) {
  std::string data;
  char buffer[8192];
  std::size_t wanted = std::string::npos;
  while (data.size() < request_bytes_max) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0) break;
    data.append(buffer, static_cast<std::size_t>(got));
    const auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    if (wanted == std::string::npos) {
      auto at = data.find("Content-Length: ");
      wanted = end + 4 + (at == std::string::npos || at > end ? 0 : std::stoul(data.substr(at + 16)));
    }
    if (data.size() >= wanted) break;
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--version-text") version_text = argv[i + 1];
  }
  struct sigaction on_term {};
  on_term.sa_handler = [](int) { stopping = 1; };  // no SA_RESTART: accept() returns EINTR
  ::sigaction(SIGTERM, &on_term, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(server, 64) != 0) {
    std::cerr << "notes: cannot listen on port " << port << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "notes " << version_text << " listening on port " << port << std::endl;
  while (!stopping) {
    const int client = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval timeout{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const std::string reply = handle(read_request(client));
    (void)!::write(client, reply.data(), reply.size());
    ::close(client);
  }
  std::cout << "notes: stopping (SIGTERM)" << std::endl;
  return 0;
}
