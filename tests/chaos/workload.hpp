// The chaos workload and what is checked after it, through the etcd JSON API:
//   - clients doing puts, linearizable gets and compare-and-set txns on a few keys,
//     each operation recorded with its invoke and complete times and result;
//   - watchers streaming every change while the faults run, resuming after each
//     broken stream from the revision after the last one they saw (as an etcd
//     client does), each through its own node first;
//   - afterwards: every replica's applied state, and a full watch through every
//     node from revision 1.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/etcd_api/etcd_json.hpp"
#include "tests/chaos/chaos_zone.hpp"
#include "tests/sim/checker/linearizability.hpp"
#include "tests/support/http_client.hpp"

namespace bucky::testing {

using json = nlohmann::json;

// Enough keys that each key's history stays small for the checker (unknown
// outcomes make its search branch).
inline constexpr int chaos_keys = 32;
inline constexpr std::size_t watch_events_max = 1'000'000;

inline std::uint64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct recorded_history {
  std::mutex mutex;
  std::vector<sim::kv_operation> operations;
  std::atomic<std::size_t> acknowledged{0};
  void add(sim::kv_operation operation) {
    std::lock_guard lock(mutex);
    operations.push_back(std::move(operation));
  }
};

// A change a watch delivered: its revision and the value put.
using watched_event = std::pair<std::int64_t, std::string>;

inline json key_range_body() {
  return {{"key", etcd::to_base64("k")}, {"range_end", etcd::to_base64("l")}};
}

inline json cas_body(const std::string& key, const std::optional<std::string>& expected, const std::string& value) {
  json compare = expected ? json{{"key", etcd::to_base64(key)}, {"target", "VALUE"}, {"result", "EQUAL"},
                                 {"value", etcd::to_base64(*expected)}}
                          : json{{"key", etcd::to_base64(key)}, {"target", "VERSION"}, {"result", "EQUAL"},
                                 {"version", "0"}};
  return {{"compare", json::array({compare})},
          {"success", json::array({{{"request_put", {{"key", etcd::to_base64(key)}, {"value", etcd::to_base64(value)}}}}})}};
}

// One client: puts unique values, reads, and swaps from the value it last saw;
// moves to another node after an error.
inline void run_client(chaos_zone& zone, std::uint32_t id, std::uint64_t seed, std::atomic<bool>& stop,
                       recorded_history& history) {
  std::mt19937_64 random(seed * 1'000 + id);
  std::size_t node = id % zone.names.size();
  std::map<std::string, std::optional<std::string>> last_seen;
  auto connect = [&] { return std::make_unique<http_client>("127.0.0.1", zone.api_ports[zone.names[node]], zone.token); };
  auto client = connect();
  for (std::uint32_t n = 0; !stop; ++n) {
    sim::kv_operation op;
    op.client = id;
    op.key = "k" + std::to_string(random() % chaos_keys);
    auto dice = random() % 100;
    op.what = dice < 45 ? sim::kv_operation::kind::put : dice < 75 ? sim::kv_operation::kind::get : sim::kv_operation::kind::cas;
    std::string target = "/v3/kv/range";
    json body = {{"key", etcd::to_base64(op.key)}};
    if (op.what != sim::kv_operation::kind::get) {
      op.value = fmt::format("c{}-{}", id, n);
      target = op.what == sim::kv_operation::kind::put ? "/v3/kv/put" : "/v3/kv/txn";
      if (op.what == sim::kv_operation::kind::cas) op.expected = last_seen[op.key];
      body = op.what == sim::kv_operation::kind::put ? json{{"key", etcd::to_base64(op.key)}, {"value", etcd::to_base64(*op.value)}}
                                                      : cas_body(op.key, op.expected, *op.value);
    }
    op.invoke_ns = now_ns();
    auto answer = client->post(target, body.dump(), std::chrono::seconds(3));
    op.complete_ns = now_ns();
    auto got = json::parse(answer.body, nullptr, false);
    if (answer.status == 200 && !got.is_discarded()) {
      if (op.what == sim::kv_operation::kind::get) {
        op.value = got.contains("kvs") ? std::optional<std::string>(*etcd::from_base64(got["kvs"][0].value("value", ""), "value"))
                                       : std::nullopt;
        last_seen[op.key] = op.value;
      } else if (op.what == sim::kv_operation::kind::cas) {
        op.succeeded = got.value("succeeded", false);
        if (op.succeeded) last_seen[op.key] = op.value;
      } else {
        last_seen[op.key] = op.value;
      }
      ++history.acknowledged;
      history.add(std::move(op));
      continue;
    }
    // No answer: a write may still take effect (unknown outcome); a get constrains nothing.
    if (op.what != sim::kv_operation::kind::get) {
      op.completed = false;
      op.complete_ns = std::numeric_limits<std::uint64_t>::max();
      history.add(std::move(op));
    }
    node = (node + 1) % zone.names.size();
    client = connect();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Streams a watch on the workload's keys from `start_revision` through `node`,
// handing each change to `on_event`, until the stream ends or breaks, `quiet` passes
// without data, or `stop` is set. Whether the stream ended by itself (false: error).
template <class OnEvent>
bool stream_watch(chaos_zone& zone, const std::string& node, std::int64_t start_revision,
                  std::chrono::milliseconds quiet, const std::atomic<bool>* stop, OnEvent on_event) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  boost::system::error_code error;
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), zone.api_ports[node]}, error);
  if (error) return false;
  http::request<http::string_body> request{http::verb::post, "/v3/watch", 11};
  request.set(http::field::authorization, "Bearer " + zone.token);
  auto create = key_range_body();
  create["start_revision"] = start_revision;
  request.body() = json{{"create_request", create}}.dump();
  request.prepare_payload();
  http::write(stream, request, error);
  if (error) return false;
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(512 * 1024 * 1024);
  std::size_t parsed_to = 0;
  auto quiet_since = std::chrono::steady_clock::now();
  bool broke = false;
  bool pending = false;  // one async read outstanding at a time
  bool done = false;
  for (int reads = 0; reads < 10'000'000; ++reads) {
    if (!pending) {
      pending = true;
      done = false;
      http::async_read_some(stream, buffer, parser, [&](boost::system::error_code e, std::size_t) {
        error = e;
        done = true;
      });
    }
    io.restart();
    io.run_for(std::chrono::milliseconds(200));
    if (!done) {
      if ((stop && *stop) || std::chrono::steady_clock::now() - quiet_since >= quiet) break;
      continue;
    }
    pending = false;
    quiet_since = std::chrono::steady_clock::now();
    const auto& body = parser.get().body();
    for (auto end = body.find('\n', parsed_to); end != std::string::npos; end = body.find('\n', parsed_to)) {
      auto item = json::parse(body.substr(parsed_to, end - parsed_to), nullptr, false);
      parsed_to = end + 1;
      if (item.is_discarded() || !item.contains("result") || !item["result"].contains("events")) continue;
      for (const auto& event : item["result"]["events"]) {
        auto value = etcd::from_base64(event["kv"].value("value", ""), "value");
        on_event(watched_event{std::stoll(event["kv"].value("mod_revision", "0")), value ? *value : "?"});
      }
    }
    if (error) {
      broke = error != http::error::end_of_stream;
      break;
    }
    if (parser.is_done() || (stop && *stop)) break;
  }
  if (pending && !done) {  // end the outstanding read
    boost::system::error_code ignored;
    stream.socket().close(ignored);
    io.restart();
    io.run();
  }
  return !broke;
}

// A watcher that runs while the faults do, resuming after each broken stream.
inline void run_watcher(chaos_zone& zone, std::size_t first_node, const std::atomic<bool>& stop,
                        std::vector<watched_event>& seen) {
  std::size_t node = first_node;
  std::int64_t next_revision = 1;
  while (!stop && seen.size() < watch_events_max) {
    stream_watch(zone, zone.names[node], next_revision, std::chrono::hours(1), &stop, [&](watched_event event) {
      seen.push_back(event);
      next_revision = event.first + 1;
    });
    node = (node + 1) % zone.names.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Everything a watch from revision 1 delivers through `node`, read until quiet for 2 s.
inline std::vector<watched_event> watch_all(chaos_zone& zone, const std::string& node) {
  std::vector<watched_event> out;
  stream_watch(zone, node, 1, std::chrono::seconds(2), nullptr, [&](watched_event event) { out.push_back(event); });
  return out;
}

// Every node's applied state through its own API (serializable reads), once they
// agree.
inline std::map<std::string, std::string> replica_contents(chaos_zone& zone) {
  std::map<std::string, std::string> contents;
  auto all = key_range_body();
  all["serializable"] = true;
  node_process::wait_for(
      [&] {
        contents.clear();
        for (const auto& name : zone.names) {
          http_client client("127.0.0.1", zone.api_ports[name], zone.token);
          auto answer = client.post("/v3/kv/range", all.dump(), std::chrono::seconds(3));
          auto body = json::parse(answer.body, nullptr, false);
          if (answer.status != 200 || body.is_discarded()) return false;
          body.erase("header");  // member id and revision differ by design
          contents[name] = body.dump();
        }
        for (const auto& [name, content] : contents) {
          if (content != contents.begin()->second) return false;
        }
        return true;
      },
      std::chrono::seconds(30));
  return contents;
}

// The same changes through every node, in revision order, each once; every
// acknowledged write among them; and each concurrent watcher got a prefix of them.
inline std::string check_watches(chaos_zone& zone, const recorded_history& history,
                                 const std::vector<std::vector<watched_event>>& concurrent) {
  auto first = watch_all(zone, zone.names[0]);
  for (std::size_t i = 1; i < zone.names.size(); ++i) {
    if (watch_all(zone, zone.names[i]) != first) {
      return fmt::format("the watch through {} differs from the one through {}", zone.names[i], zone.names[0]);
    }
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && first[i].first <= first[i - 1].first) {
      return fmt::format("revision {} after {}", first[i].first, first[i - 1].first);
    }
    if (!seen.insert(first[i].second).second) return "value " + first[i].second + " delivered twice";
  }
  for (const auto& op : history.operations) {
    bool wrote = op.what == sim::kv_operation::kind::put || (op.what == sim::kv_operation::kind::cas && op.succeeded);
    if (wrote && op.completed && !seen.count(*op.value)) return "acknowledged write " + *op.value + " never delivered";
  }
  for (std::size_t w = 0; w < concurrent.size(); ++w) {
    const auto& got = concurrent[w];
    if (got.size() > first.size() || !std::equal(got.begin(), got.end(), first.begin())) {
      std::size_t at = 0;
      while (at < got.size() && at < first.size() && got[at] == first[at]) ++at;
      return fmt::format("watcher {} (resumed across faults) differs from the full watch at event {} of {}", w, at,
                         got.size());
    }
  }
  return first.empty() ? "the watch delivered nothing" : "";
}

}  // namespace bucky::testing
