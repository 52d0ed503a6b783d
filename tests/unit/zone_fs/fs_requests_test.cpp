// What a node does for `bucky fs` (actors/zone_fs/fs_requests.hpp), on the zone
// state's real state machine and chunks in memory: puts invisible until close,
// write handles owned, bounded and dropped when idle, bounded rm -r, roles, df.
#define BOOST_TEST_MODULE zone_fs_fs_requests
#include <boost/test/unit_test.hpp>

#include <random>

#include "actors/zone_fs/fs_requests.hpp"
#include "actors/zone_fs/fsck.hpp"
#include "messages/codec.hpp"
#include "tests/support/memory_chunk_port.hpp"
#include "tests/support/fs_keys_fsck.hpp"
#include "tests/support/memory_kv_port.hpp"

using namespace bucky;
using namespace bucky::zone_fs;

namespace {

const caller owner{caller::kind::owner, "owner"};
const caller alice{caller::kind::writer, "alice"};
const caller bob{caller::kind::reader, "bob"};

struct node_fixture {
  testing::memory_kv_port kv;
  testing::memory_chunk_port chunks;
  std::mt19937_64 random{5};
  std::int64_t now_ms = 1'000;
  node_files files{kv, chunks, files_options()};
  std::unique_ptr<fs_requests> requests;

  explicit node_fixture(fs_requests_options options = {}) {
    BOOST_REQUIRE(files.meta().ensure_root(1));
    options.node_id = "n1";
    options.random_u64 = [this] { return random(); };
    options.steady_ms = [this] { return now_ms; };
    requests = std::make_unique<fs_requests>(files, kv, std::move(options));
  }
  node_files_options files_options() {
    node_files_options options;
    options.random_u64 = [this] { return random(); };
    options.now_ns = [] { return std::int64_t{1'000'000}; };
    return options;
  }

  fs_reply ask(const caller& who, fs_op op, const std::string& path, bool recursive = false) {
    fs_request request;
    request.op = op;
    request.path = path;
    request.recursive = recursive;
    return requests->serve(who, request);
  }
  fs_reply open(const caller& who, const std::string& path) { return ask(who, fs_op::open_write, path); }
  fs_reply write(const caller& who, std::uint64_t handle, std::uint64_t offset, std::string bytes) {
    fs_request request;
    request.op = fs_op::write;
    request.handle = handle;
    request.offset = offset;
    request.bytes = std::move(bytes);
    return requests->serve(who, request);
  }
  fs_reply close(const caller& who, std::uint64_t handle) {
    fs_request request;
    request.op = fs_op::close;
    request.handle = handle;
    return requests->serve(who, request);
  }
  void put(const caller& who, const std::string& path, const std::string& bytes) {
    auto opened = open(who, path);
    BOOST_REQUIRE_MESSAGE(opened.error == 0, opened.message);
    for (std::uint64_t at = 0; at < bytes.size(); at += fs_message_limits::io_bytes_max) {
      BOOST_REQUIRE_EQUAL(write(who, opened.handle, at, bytes.substr(at, fs_message_limits::io_bytes_max)).error, 0);
    }
    auto closed = close(who, opened.handle);
    BOOST_REQUIRE_MESSAGE(closed.error == 0, closed.message);
  }
  std::string read_all(const std::string& path) {
    fs_request request;
    request.op = fs_op::read;
    request.path = path;
    request.size_bytes = fs_message_limits::io_bytes_max;
    std::string out;
    for (;;) {
      auto reply = requests->serve(owner, request);
      BOOST_REQUIRE_MESSAGE(reply.error == 0, reply.message);
      out += reply.bytes;
      request.offset += reply.bytes.size();
      if (reply.bytes.empty() || request.offset >= reply.entry.size_bytes) return out;
    }
  }
  std::vector<std::string> names(const std::string& path) {
    auto listed = ask(owner, fs_op::list, path);
    BOOST_REQUIRE_MESSAGE(listed.error == 0, listed.message);
    std::vector<std::string> out;
    for (const auto& entry : listed.entries) out.push_back(entry.name);
    return out;
  }
  void require_clean() {
    for (const auto& problem : testing::fsck_of(kv).problems) BOOST_ERROR(problem);
  }
};

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  return bytes;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_put_is_invisible_under_its_name_until_close_and_then_whole) {
  node_fixture node;
  node.put(owner, "/f", "old");
  auto opened = node.open(owner, "/f");
  BOOST_REQUIRE(opened.error == 0);
  const std::string bytes = pattern(3 * fs_limits::chunk_bytes + 17);
  for (std::uint64_t at = 0; at < bytes.size(); at += fs_message_limits::io_bytes_max) {
    BOOST_REQUIRE(node.write(owner, opened.handle, at, bytes.substr(at, fs_message_limits::io_bytes_max)).error == 0);
  }
  BOOST_TEST(node.read_all("/f") == "old");  // the target keeps its old contents meanwhile
  BOOST_TEST(node.names("/").size() == 2u);  // and a hidden temporary file sits beside it
  auto closed = node.close(owner, opened.handle);
  BOOST_REQUIRE_MESSAGE(closed.error == 0, closed.message);
  BOOST_TEST(closed.entry.size_bytes == bytes.size());
  BOOST_TEST((node.read_all("/f") == bytes));
  BOOST_TEST(node.names("/") == std::vector<std::string>{"f"});
  BOOST_TEST(node.requests->open_handles() == 0u);
  node.require_clean();
}

BOOST_AUTO_TEST_CASE(a_write_handle_belongs_to_the_caller_that_opened_it) {
  node_fixture node;
  BOOST_REQUIRE(node.ask(owner, fs_op::mkdir, "/home/alice", true).error == 0);
  auto opened = node.open(alice, "/home/alice/a");
  BOOST_REQUIRE_MESSAGE(opened.error == 0, opened.message);
  const caller mallory{caller::kind::writer, "mallory"};
  BOOST_TEST(node.write(mallory, opened.handle, 0, "x").error == EBADF);
  BOOST_TEST(node.close(owner, opened.handle).error == EBADF);  // not even the owner's
  BOOST_TEST(node.write(alice, opened.handle + 1, 0, "x").error == EBADF);
  BOOST_TEST(node.write(alice, opened.handle, 0, "mine").error == 0);
  BOOST_TEST(node.close(alice, opened.handle).error == 0);
  BOOST_TEST(node.close(alice, opened.handle).error == EBADF);  // closed once
  BOOST_TEST(node.read_all("/home/alice/a") == "mine");
}

BOOST_AUTO_TEST_CASE(write_handles_are_bounded_and_idle_ones_are_dropped_with_their_file) {
  fs_requests_options options;
  options.handles_max = 2;
  options.handle_idle_ms_max = 60'000;
  node_fixture node(options);
  auto first = node.open(owner, "/a");
  auto second = node.open(owner, "/b");
  BOOST_REQUIRE(first.error == 0 && second.error == 0);
  BOOST_REQUIRE(node.write(owner, first.handle, 0, pattern(fs_limits::chunk_bytes)).error == 0);
  BOOST_REQUIRE(node.write(owner, first.handle, fs_limits::chunk_bytes, pattern(10)).error == 0);
  auto third = node.open(owner, "/c");
  BOOST_TEST(third.error == EMFILE);
  BOOST_TEST(third.message.find("at most 2") != std::string::npos, third.message);
  node.now_ms += 30'000;
  BOOST_TEST(node.write(owner, second.handle, 0, "kept").error == 0);  // used: not idle
  node.now_ms += 30'001;
  auto dropped = node.requests->drop_idle();
  BOOST_REQUIRE_EQUAL(dropped.size(), 1u);
  BOOST_TEST(dropped[0].find("/a") != std::string::npos, dropped[0]);
  BOOST_TEST(node.write(owner, first.handle, 0, "late").error == EBADF);
  BOOST_TEST(node.ask(owner, fs_op::stat, "/a").error == ENOENT);  // nothing half-written appeared
  BOOST_TEST(node.names("/").size() == 1u);                       // only /b's temporary file
  BOOST_TEST(node.open(owner, "/c").error == 0);                  // room again
  BOOST_TEST(node.close(owner, second.handle).error == 0);
  BOOST_TEST(node.read_all("/b") == "kept");
}

BOOST_AUTO_TEST_CASE(rm_r_refuses_a_tree_over_its_bound_and_removes_nothing) {
  fs_requests_options options;
  options.remove_entries_max = 5;
  node_fixture node(options);
  BOOST_REQUIRE(node.ask(owner, fs_op::mkdir, "/t/a/b", true).error == 0);
  for (auto name : {"/t/1", "/t/a/2", "/t/a/b/3", "/t/a/b/4"}) node.put(owner, name, name);
  auto refused = node.ask(owner, fs_op::remove, "/t", true);
  BOOST_TEST(refused.error == E2BIG);
  BOOST_TEST(refused.message.find("more than 5 names") != std::string::npos, refused.message);
  BOOST_TEST(node.read_all("/t/a/b/4") == "/t/a/b/4");
  BOOST_TEST(node.ask(owner, fs_op::remove, "/t/a").error == EISDIR);  // without -r
  auto removed = node.ask(owner, fs_op::remove, "/t/a", true);
  BOOST_REQUIRE_MESSAGE(removed.error == 0, removed.message);
  BOOST_TEST(removed.count == 5u);  // 2, b, 3, 4 and a itself
  BOOST_TEST(node.names("/t") == std::vector<std::string>{"1"});
  BOOST_TEST(node.ask(owner, fs_op::remove, "/t/1").error == 0);
  BOOST_TEST(node.ask(owner, fs_op::remove, "/").error == EBUSY);
  node.require_clean();
}

BOOST_AUTO_TEST_CASE(roles_decide_who_writes_where) {
  node_fixture node;
  BOOST_TEST(node.ask(alice, fs_op::mkdir, "/home/alice/docs", true).error == 0);  // makes /home on the way
  BOOST_TEST(node.open(alice, "/shared").error == EACCES);
  BOOST_TEST(node.ask(alice, fs_op::mkdir, "/home/bob", true).error == EACCES);
  node.put(alice, "/home/alice/docs/n", "note");
  BOOST_TEST(node.ask(bob, fs_op::stat, "/home/alice/docs/n").error == 0);
  BOOST_TEST(node.open(bob, "/home/bob/x").error == EACCES);
  BOOST_TEST(node.ask(bob, fs_op::remove, "/home/alice/docs/n").error == EACCES);
  fs_request move;
  move.op = fs_op::rename;
  move.path = "/home/alice/docs/n";
  move.to_path = "/n";
  BOOST_TEST(node.requests->serve(alice, move).error == EACCES);  // out of the home: refused
  const caller n2{caller::kind::node, "n2"};
  BOOST_TEST(node.ask(n2, fs_op::stat, "/").error == EACCES);
}

BOOST_AUTO_TEST_CASE(errors_name_what_is_missing) {
  node_fixture node;
  auto missing = node.ask(owner, fs_op::read, "/nope");
  BOOST_TEST(missing.error == ENOENT);
  BOOST_TEST(missing.message == "/nope does not exist");
  BOOST_TEST(missing.node_id == "n1");
  auto no_dir = node.open(owner, "/no/dir/f");
  BOOST_TEST(no_dir.error == ENOENT);
  BOOST_TEST(no_dir.message.find("/no does not exist") != std::string::npos, no_dir.message);
  BOOST_TEST(no_dir.message.find("mkdir -p /no/dir") != std::string::npos, no_dir.message);
  node.put(owner, "/f", "x");
  BOOST_TEST(node.ask(owner, fs_op::stat, "/f/g").error == ENOTDIR);
  BOOST_TEST(node.ask(owner, fs_op::mkdir, "/f").error == EEXIST);
  BOOST_TEST(node.ask(owner, fs_op::mkdir, "/f", true).error == ENOTDIR);
  BOOST_TEST(node.ask(owner, fs_op::read, "/").error == EISDIR);
  BOOST_TEST(node.ask(owner, fs_op::stat, "/a/../f").error == EINVAL);
}

BOOST_AUTO_TEST_CASE(mv_renames_or_moves_into_a_directory) {
  node_fixture node;
  node.put(owner, "/a", "A");
  BOOST_REQUIRE(node.ask(owner, fs_op::mkdir, "/d").error == 0);
  fs_request move;
  move.op = fs_op::rename;
  move.path = "/a";
  move.to_path = "/d";
  auto moved = node.requests->serve(owner, move);
  BOOST_REQUIRE_MESSAGE(moved.error == 0, moved.message);
  BOOST_TEST(moved.message == "/d/a");
  move.path = "/d/a";
  move.to_path = "/d/b";
  BOOST_TEST(node.requests->serve(owner, move).error == 0);
  BOOST_TEST(node.read_all("/d/b") == "A");
  BOOST_TEST(node.requests->serve(owner, move).error == ENOENT);
  node.require_clean();
}

BOOST_AUTO_TEST_CASE(df_counts_the_tree_and_carries_the_nodes_and_the_repair_report) {
  fs_requests_options options;
  options.chunk_figures = [] {
    fs_node_usage up{"n1", true, "", {}};
    up.figures.chunks = 3;
    return std::vector<fs_node_usage>{up, fs_node_usage{"n2", false, "no answer", {}}};
  };
  node_fixture node(options);
  BOOST_REQUIRE(node.ask(owner, fs_op::mkdir, "/d").error == 0);
  node.put(owner, "/d/f", pattern(fs_limits::chunk_bytes + 1));
  auto before = node.ask(bob, fs_op::df, "/");
  BOOST_REQUIRE_MESSAGE(before.error == 0, before.message);
  BOOST_TEST(before.zone.files == 1u);
  BOOST_TEST(before.zone.directories == 2u);  // the root and /d
  BOOST_TEST(before.zone.file_bytes == fs_limits::chunk_bytes + 1);
  BOOST_TEST(before.zone.chunk_refs == 2u);
  BOOST_TEST(before.zone.complete);
  BOOST_TEST(before.zone.repair_report.empty());
  BOOST_REQUIRE_EQUAL(before.nodes.size(), 2u);
  BOOST_TEST(before.nodes[0].figures.chunks == 3u);
  BOOST_TEST(!before.nodes[1].reachable);
  kv_request report;
  report.success.push_back(kv_op{kv_op_kind::put, "/fs/repair", "", R"({"round": 4, "lost": 0})"});
  BOOST_REQUIRE(node.kv.call(report));
  BOOST_TEST(node.ask(owner, fs_op::df, "/").zone.repair_report == R"({"round": 4, "lost": 0})");
}

BOOST_AUTO_TEST_CASE(fs_messages_round_trip_and_refuse_what_is_over_their_bounds) {
  fs_request request;
  request.op = fs_op::write;
  request.handle = 42;
  request.bytes = std::string(fs_message_limits::io_bytes_max, 'x');
  auto decoded = decode<fs_request>(encode(request));
  BOOST_REQUIRE_MESSAGE(decoded, decoded.error().to_string());
  BOOST_TEST(decoded->bytes.size() == fs_message_limits::io_bytes_max);
  request.bytes.push_back('x');
  BOOST_TEST(!decode<fs_request>(encode(request)));
  request.bytes.clear();
  request.op = static_cast<fs_op>(11);
  BOOST_TEST(!decode<fs_request>(encode(request)));
}
