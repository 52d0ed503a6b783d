// One closed-loop load generator for etcd's v3 JSON API, pointed at a bucky zone or
// at an etcd cluster alike (issue 7): N clients, each on its own keep-alive HTTP
// connection to one endpoint (spread round robin), issue put or range requests on a
// key space for a fixed time and record each latency. Prints one JSON line:
//   {"clients", "ops", "ops_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "errors", ...}
// Not a test: a tool that prints figures.
//
// Usage: bucky-bench-etcd-api --endpoints 127.0.0.1:7201,... [--token T] [--clients 16]
//        [--seconds 5] [--value-bytes 128] [--keys 10000] [--read-percent 0]
//        [--serializable] [--trace FILE]
// --trace writes one line per successful request (endpoint index, start and
// latency in ms from the run's start), to see where a tail comes from.
#include <utility>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "actors/etcd_api/etcd_json.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using json = nlohmann::json;

namespace {

struct options {
  std::vector<std::string> endpoints;
  std::string token;
  std::size_t clients = 16;
  double seconds = 5;
  std::size_t value_bytes = 128;
  std::size_t keys = 10'000;
  int read_percent = 0;
  bool serializable = false;
  std::string trace_path;
};

struct client_result {
  std::vector<double> latencies_ms;
  std::vector<double> started_ms;  // from the run's start, for --trace
  std::size_t errors = 0;
  std::string last_error;
};

// Clients are spread round robin over the endpoints.
std::size_t endpoint_index(const options& o, std::size_t client) { return client % o.endpoints.size(); }

// One client: a keep-alive connection; reconnects after an error.
void run_client(const options& o, std::size_t index, std::chrono::steady_clock::time_point run_started,
                std::chrono::steady_clock::time_point until, client_result& out) {
  boost::asio::io_context io;
  const auto& endpoint = o.endpoints[endpoint_index(o, index)];
  auto colon = endpoint.rfind(':');
  auto host = endpoint.substr(0, colon), port = endpoint.substr(colon + 1);
  std::mt19937_64 random(index * 7919 + 1);
  std::string value(o.value_bytes, 'v');
  auto value64 = bucky::etcd::to_base64(value);
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (!stream) {
        stream.emplace(io);
        stream->connect(tcp::resolver(io).resolve(host, port));
        stream->socket().set_option(tcp::no_delay(true));
      }
      auto key = bucky::etcd::to_base64("bench/" + std::to_string(random() % o.keys));
      bool read = int(random() % 100) < o.read_percent;
      json body = read ? json{{"key", key}} : json{{"key", key}, {"value", value64}};
      if (read && o.serializable) body["serializable"] = true;
      http::request<http::string_body> request{http::verb::post, read ? "/v3/kv/range" : "/v3/kv/put", 11};
      request.set(http::field::host, host);
      request.set(http::field::content_type, "application/json");
      if (!o.token.empty()) request.set(http::field::authorization, "Bearer " + o.token);
      request.body() = body.dump();
      request.prepare_payload();
      auto started = std::chrono::steady_clock::now();
      http::write(*stream, request);
      http::response<http::string_body> response;
      http::read(*stream, buffer, response);
      auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      if (response.result_int() == 200) {
        out.latencies_ms.push_back(ms);
        out.started_ms.push_back(std::chrono::duration<double, std::milli>(started - run_started).count());
      } else {
        ++out.errors;
        out.last_error = std::to_string(response.result_int()) + " " + response.body().substr(0, 200);
      }
      if (!response.keep_alive()) stream.reset();
    } catch (const std::exception& error) {
      ++out.errors;
      out.last_error = error.what();
      stream.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto index = std::min(sorted.size() - 1, static_cast<std::size_t>(p * double(sorted.size())));
  return sorted[index];
}

void write_trace(const options& o, std::chrono::steady_clock::time_point run_started,
                 const std::vector<client_result>& results) {
  std::FILE* file = std::fopen(o.trace_path.c_str(), "w");
  if (!file) {
    std::fprintf(stderr, "bucky-bench-etcd-api: cannot write the trace to %s\n", o.trace_path.c_str());
    return;
  }
  // The start on the machine's monotonic clock, to line a tail up with events in logs.
  std::fprintf(file, "# run started at steady_clock %.3f ms\n",
               std::chrono::duration<double, std::milli>(run_started.time_since_epoch()).count());
  std::fprintf(file, "client endpoint started_ms latency_ms\n");
  for (std::size_t i = 0; i < results.size(); ++i) {
    for (std::size_t k = 0; k < results[i].latencies_ms.size(); ++k) {
      std::fprintf(file, "%zu %zu %.3f %.3f\n", i, endpoint_index(o, i), results[i].started_ms[k],
                   results[i].latencies_ms[k]);
    }
  }
  std::fclose(file);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"closed-loop load on etcd's v3 JSON API (a bucky zone or etcd)"};
  app.add_option("--endpoints", o.endpoints, "host:port of each member, comma separated")->required()->delimiter(',');
  app.add_option("--token", o.token, "bearer token (bucky api-token); none for etcd");
  app.add_option("--clients", o.clients, "concurrent closed-loop clients")->check(CLI::Range(1, 1024));
  app.add_option("--seconds", o.seconds, "how long")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--value-bytes", o.value_bytes, "value size")->check(CLI::Range(0, 1'000'000));
  app.add_option("--keys", o.keys, "key space")->check(CLI::Range(1, 100'000'000));
  app.add_option("--read-percent", o.read_percent, "share of range requests")->check(CLI::Range(0, 100));
  app.add_flag("--serializable", o.serializable, "reads from the asked member's state (no quorum)");
  app.add_option("--trace", o.trace_path, "write each request's endpoint, start and latency (ms) to this file");
  CLI11_PARSE(app, argc, argv);
  std::vector<client_result> results(o.clients);
  std::vector<std::thread> threads;
  auto started = std::chrono::steady_clock::now();
  auto until = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(o.seconds));
  for (std::size_t i = 0; i < o.clients; ++i) threads.emplace_back([&, i] { run_client(o, i, started, until, results[i]); });
  for (auto& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<double> all;
  std::size_t errors = 0;
  std::string last_error;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    errors += r.errors;
    if (!r.last_error.empty()) last_error = r.last_error;
  }
  if (!o.trace_path.empty()) write_trace(o, started, results);
  std::sort(all.begin(), all.end());
  json out = {{"clients", o.clients},         {"read_percent", o.read_percent}, {"ops", all.size()},
              {"ops_per_s", double(all.size()) / elapsed}, {"p50_ms", percentile(all, 0.50)},
              {"p90_ms", percentile(all, 0.90)}, {"p99_ms", percentile(all, 0.99)},
              {"p999_ms", percentile(all, 0.999)}, {"errors", errors}};
  if (!last_error.empty()) out["last_error"] = last_error;
  std::printf("%s\n", out.dump().c_str());
  return all.empty() ? 1 : 0;
}
