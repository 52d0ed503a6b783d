// A file open on a node (actors/zone_fs/open_file.hpp): buffered writes, chunks
// stored before their commit, close-to-open visibility between nodes, failures
// that lose nothing, and a seeded fsx-style run against a plain string.
#define BOOST_TEST_MODULE zone_fs_open_file
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <random>

#include "actors/zone_fs/fsck.hpp"
#include "actors/zone_fs/node_files.hpp"
#include "actors/zone_fs/open_file.hpp"
#include "tests/support/memory_chunk_port.hpp"
#include "tests/support/fs_keys_fsck.hpp"
#include "tests/support/memory_kv_port.hpp"
#include "tests/support/same_bytes.hpp"

using namespace bucky;
using namespace bucky::zone_fs;
using bucky::testing::same_bytes;

namespace {

constexpr std::uint64_t chunk = fs_limits::chunk_bytes;

struct zone_fixture {
  testing::memory_kv_port kv;
  testing::memory_chunk_port chunks;
  std::mt19937_64 random{11};
  metadata meta{kv, [this] { return random(); }};
  chunk_cache cache{16 * chunk};
  inode_number ino = 0;
  std::int64_t now_ns = 1;

  zone_fixture() {
    BOOST_REQUIRE(meta.ensure_root(now_ns));
    new_inode fresh;
    ino = meta.make(root_inode, "f", fresh, now_ns).value().ino;
  }
  // What another node gets when it opens the file now (its own cache).
  std::unique_ptr<open_file> open(chunk_cache* node_cache = nullptr) {
    return std::make_unique<open_file>(meta, chunks, node_cache ? *node_cache : cache, meta.read_content(ino).value());
  }
  std::string pattern(std::size_t size, char seed) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(seed + i * 7 % 251);
    return bytes;
  }
  void require_clean() {
    for (const auto& problem : testing::fsck_of(kv).problems) BOOST_ERROR(problem);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(writes_are_seen_here_at_once_and_elsewhere_after_flush, zone_fixture) {
  auto here = open();
  const std::string data = pattern(3 * chunk + 1234, 'a');
  BOOST_REQUIRE(here->write(0, data, ++now_ns).is_ok());
  BOOST_TEST(same_bytes(here->read(0, static_cast<std::uint32_t>(data.size())).value(), data));
  BOOST_TEST(here->attr().size_bytes == data.size());
  chunk_cache other_cache(16 * chunk);
  BOOST_TEST(open(&other_cache)->attr().size_bytes == 0u);  // not committed yet
  BOOST_TEST(chunks.stores == 3u);  // the three full chunks went to the stores already
  BOOST_REQUIRE(here->flush(++now_ns));
  BOOST_TEST(chunks.stores == 4u);
  auto there = open(&other_cache);
  BOOST_TEST(there->attr().size_bytes == data.size());
  BOOST_TEST(there->read(chunk - 10, 20).value() == data.substr(chunk - 10, 20));
  BOOST_TEST(same_bytes(there->read(0, static_cast<std::uint32_t>(data.size() + 100)).value(), data));
  BOOST_TEST(!here->dirty());
  BOOST_TEST(chunks.tickets_open() == 0u);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_failed_store_reaches_the_writer_at_flush_and_loses_nothing, zone_fixture) {
  auto file = open();
  const std::string data = pattern(chunk + 10, 'x');
  chunks.fail_stores = status(status_code::no_space, "every holder is full");
  BOOST_REQUIRE(file->write(0, data, ++now_ns).is_ok());
  auto failed = file->flush(++now_ns);
  BOOST_REQUIRE(!failed);
  BOOST_TEST(failed.error().error() == ENOSPC);
  BOOST_TEST(meta.getattr(ino).value().size_bytes == 0u);  // nothing committed
  BOOST_TEST(same_bytes(file->read(0, static_cast<std::uint32_t>(data.size())).value(), data));  // nothing lost
  chunks.fail_stores.reset();
  BOOST_REQUIRE(file->flush(++now_ns));
  BOOST_TEST(same_bytes(open()->read(0, static_cast<std::uint32_t>(data.size())).value(), data));
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(truncate_then_grow_reads_zeros_where_the_old_bytes_were, zone_fixture) {
  auto file = open();
  BOOST_REQUIRE(file->write(0, pattern(2 * chunk, 'q'), ++now_ns).is_ok());
  BOOST_REQUIRE(file->flush(++now_ns));
  BOOST_REQUIRE(file->truncate(100, ++now_ns).is_ok());
  BOOST_REQUIRE(file->truncate(2 * chunk, ++now_ns).is_ok());
  BOOST_REQUIRE(file->flush(++now_ns));
  const std::string back = open()->read(0, 2 * chunk).value();
  BOOST_TEST(back.substr(0, 100) == pattern(100, 'q'));
  BOOST_TEST(same_bytes(back.substr(100), std::string(2 * chunk - 100, '\0')));
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(two_nodes_writing_different_chunks_of_one_file_both_survive, zone_fixture) {
  chunk_cache cache_b(16 * chunk);
  auto a = open();
  auto b = open(&cache_b);
  BOOST_REQUIRE(a->write(0, pattern(100, 'a'), ++now_ns).is_ok());
  BOOST_REQUIRE(b->write(2 * chunk, pattern(100, 'b'), ++now_ns).is_ok());
  BOOST_REQUIRE(b->flush(++now_ns));
  BOOST_REQUIRE(a->flush(++now_ns));
  auto c = open();
  BOOST_TEST(c->attr().size_bytes == 2 * chunk + 100);
  BOOST_TEST(c->read(0, 100).value() == pattern(100, 'a'));
  BOOST_TEST(c->read(2 * chunk, 100).value() == pattern(100, 'b'));
  BOOST_TEST(a->read(2 * chunk, 100).value() == pattern(100, 'b'));  // a read the file back at flush
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_change_over_many_blocks_commits_in_parts, zone_fixture) {
  auto file = open();
  const std::uint32_t blocks = commit_blocks_max + 6;
  for (std::uint32_t block = 0; block < blocks; ++block) {
    BOOST_REQUIRE(file->write(std::uint64_t{block} * fs_limits::chunks_per_block * chunk, "x", ++now_ns).is_ok());
  }
  BOOST_REQUIRE(file->flush(++now_ns));
  auto back = open();
  BOOST_TEST(back->attr().blocks == blocks);
  BOOST_TEST(back->read(std::uint64_t{blocks - 1} * fs_limits::chunks_per_block * chunk, 1).value() == "x");
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_truncate_before_a_change_over_many_blocks_loses_none_of_it, zone_fixture) {
  auto file = open();
  BOOST_REQUIRE(file->write(0, pattern(100, 'o'), ++now_ns).is_ok());
  BOOST_REQUIRE(file->flush(++now_ns));
  BOOST_REQUIRE(file->truncate(0, ++now_ns).is_ok());
  const std::uint32_t blocks = commit_blocks_max + 2;
  for (std::uint32_t block = 0; block < blocks; ++block) {
    BOOST_REQUIRE(file->write(std::uint64_t{block} * fs_limits::chunks_per_block * chunk, "y", ++now_ns).is_ok());
  }
  BOOST_REQUIRE(file->flush(++now_ns));
  auto back = open();
  for (std::uint32_t block = 0; block < blocks; ++block) {
    BOOST_TEST(back->read(std::uint64_t{block} * fs_limits::chunks_per_block * chunk, 2).value() == (block + 1 == blocks ? "y" : std::string("y\0", 2)));
  }
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_corrupt_chunk_is_an_error_not_wrong_bytes, zone_fixture) {
  auto file = open();
  BOOST_REQUIRE(file->write(0, pattern(1000, 'c'), ++now_ns).is_ok());
  BOOST_REQUIRE(file->flush(++now_ns));
  for (auto& [id, bytes] : chunks.chunks) bytes[3] ^= 1;
  chunk_cache cold(16 * chunk);
  auto read = open(&cold)->read(0, 1000);
  BOOST_REQUIRE(!read);
  BOOST_TEST(read.error().error() == EIO);
}

// fsx's idea (random writes, truncates, reads, reopens, each checked against the
// same operations on a plain string), on the zone's own code paths.
BOOST_FIXTURE_TEST_CASE(seeded_random_operations_match_a_plain_string, zone_fixture) {
  const char* only = std::getenv("BUCKY_FSX_SEED");
  const std::uint64_t first = only ? std::strtoull(only, nullptr, 10) : 1;
  const std::uint64_t last = only ? first : 20;
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed << " (replay: BUCKY_FSX_SEED=" << seed << ")") {
      std::mt19937_64 ops(seed);
      auto pick = [&](std::uint64_t below) { return ops() % below; };
      BOOST_REQUIRE(open()->truncate(0, ++now_ns).is_ok());
      auto file = open();
      BOOST_REQUIRE(file->truncate(0, ++now_ns).is_ok());
      BOOST_REQUIRE(file->flush(++now_ns));
      std::string model;
      for (int step = 0; step < 200; ++step) {
        const std::uint64_t limit = 5 * chunk;
        switch (pick(6)) {
          case 0:
          case 1: {
            const std::uint64_t offset = pick(limit);
            const std::string bytes = pattern(pick(2 * chunk) + 1, static_cast<char>(pick(200)));
            BOOST_REQUIRE(file->write(offset, bytes, ++now_ns).is_ok());
            if (model.size() < offset + bytes.size()) model.resize(offset + bytes.size(), '\0');
            model.replace(offset, bytes.size(), bytes);
            break;
          }
          case 2: {
            const std::uint64_t size = pick(limit);
            BOOST_REQUIRE(file->truncate(size, ++now_ns).is_ok());
            model.resize(size, '\0');
            break;
          }
          case 3: BOOST_REQUIRE(file->flush(++now_ns)); break;
          case 4: {  // close and open again (what was not flushed is flushed at close)
            BOOST_REQUIRE(file->flush(++now_ns));
            file = open();
            break;
          }
          default: {
            const std::uint64_t offset = pick(limit);
            const std::uint32_t size = static_cast<std::uint32_t>(pick(2 * chunk));
            const std::string expected = offset < model.size() ? model.substr(offset, size) : std::string();
            BOOST_TEST_INFO("step " << step << " read " << offset << "+" << size);
            BOOST_REQUIRE(same_bytes(file->read(offset, size).value(), expected));
          }
        }
        BOOST_REQUIRE_EQUAL(file->attr().size_bytes, model.size());
      }
      BOOST_REQUIRE(file->flush(++now_ns));
      BOOST_REQUIRE(same_bytes(open()->read(0, static_cast<std::uint32_t>(model.size())).value(), model));
      require_clean();
    }
  }
}

// A file kept open with changes is written back once they are older than the age
// given (what the node does every few seconds with an hour): other nodes see the
// bytes before any close, and nothing is written back while it is younger or clean.
namespace {

// Remembers which chunks a file asked to have loaded ahead, and loads them into
// the cache at once (as the node's prefetch threads would, later).
struct recording_readahead final : chunk_readahead {
  chunk_port& chunks;
  chunk_cache& cache;
  std::vector<chunk_id> wanted;
  recording_readahead(chunk_port& port, chunk_cache& node_cache) : chunks(port), cache(node_cache) {}
  void want(const chunk_ref& ref) override {
    if (cache.find(ref.id)) return;  // as the node's prefetch does
    wanted.push_back(ref.id);
    cache.insert(ref.id, std::make_shared<const std::string>(chunks.load(ref.id).value()));
  }
  std::shared_ptr<const std::string> wait_for(const chunk_id& id) override { return cache.find(id); }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_sequential_reader_has_the_next_chunks_loaded_ahead_and_a_random_one_not, zone_fixture) {
  auto writer = open();
  const std::string data = pattern(10 * chunk, 'r');
  BOOST_REQUIRE(writer->write(0, data, ++now_ns).is_ok());
  BOOST_REQUIRE(writer->flush(++now_ns).has_value());
  const auto refs = meta.read_content(ino).value().chunks;
  chunk_cache reader_cache{16 * chunk};
  recording_readahead ahead(chunks, reader_cache);
  open_file_limits limits;
  limits.readahead_chunks = 3;
  open_file reader(meta, chunks, reader_cache, meta.read_content(ino).value(), limits, &ahead);
  // 128 KiB reads through the first two chunks: chunks 1-3 asked for on entering
  // chunk 0, then 4 on entering chunk 1 (1-3 are cached: not asked again).
  const std::uint32_t piece = 128 << 10;
  for (std::uint64_t at = 0; at < 2 * chunk; at += piece) {
    BOOST_TEST(same_bytes(reader.read(at, piece).value(), data.substr(at, piece)));
  }
  BOOST_TEST_REQUIRE(ahead.wanted.size() == 4u);
  for (std::size_t i = 0; i < 4; ++i) BOOST_TEST((ahead.wanted[i] == refs[i + 1].id));
  // The loads the reader did itself: chunk 0 only.
  const auto loads_before_random = chunks.loads;
  ahead.wanted.clear();
  BOOST_TEST(same_bytes(reader.read(8 * chunk, piece).value(), data.substr(8 * chunk, piece)));  // a jump
  BOOST_TEST(ahead.wanted.empty());
  BOOST_TEST(chunks.loads == loads_before_random + 1);
  // Near the end: never past the last chunk.
  BOOST_TEST(same_bytes(reader.read(9 * chunk, piece).value(), data.substr(9 * chunk, piece)));
  BOOST_TEST(ahead.wanted.empty());
}

namespace {

// Loads of one chunk wait until the test opens the gate (a slow holder).
struct gated_port final : chunk_port {
  chunk_port& inner;
  chunk_id gated;
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::promise<void> entered;  // a load of the gated chunk began
  explicit gated_port(chunk_port& port) : inner(port) {}
  ticket store(std::string bytes) override { return inner.store(std::move(bytes)); }
  result<chunk_ref> wait(ticket pending) override { return inner.wait(pending); }
  result<std::string> load(const chunk_id& id) override {
    if (id == gated) {
      entered.set_value();
      opened.wait();
    }
    return inner.load(id);
  }
  result<zone_room> room() override { return inner.room(); }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_slow_chunk_load_holds_up_no_other_reader_of_the_file, zone_fixture) {
  auto writer = open();
  const std::string data = pattern(2 * chunk, 's');
  BOOST_REQUIRE(writer->write(0, data, ++now_ns).is_ok());
  BOOST_REQUIRE(writer->flush(++now_ns).has_value());
  gated_port slow(chunks);
  slow.gated = meta.read_content(ino).value().chunks[0].id;
  chunk_cache reader_cache{16 * chunk};
  open_file reader(meta, slow, reader_cache, meta.read_content(ino).value());
  auto stuck = std::async(std::launch::async, [&] { return reader.read(0, 4096); });
  slow.entered.get_future().wait();
  auto other = std::async(std::launch::async, [&] { return reader.read(chunk, 4096); });
  const bool other_done = other.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  slow.gate.set_value();
  BOOST_TEST(other_done);
  BOOST_TEST(same_bytes(other.get().value(), data.substr(chunk, 4096)));
  BOOST_TEST(same_bytes(stuck.get().value(), data.substr(0, 4096)));
}

BOOST_AUTO_TEST_CASE(a_file_open_with_changes_for_long_is_written_back) {
  testing::memory_kv_port kv;
  testing::memory_chunk_port chunks;
  std::mt19937_64 random{5};
  std::int64_t now_ns = 1'000;
  node_files_options options;
  options.random_u64 = [&] { return random(); };
  options.now_ns = [&] { return now_ns; };
  node_files files(kv, chunks, options);
  BOOST_REQUIRE(files.meta().ensure_root(now_ns));
  const inode_number ino = files.meta().make(root_inode, "log", new_inode{}, now_ns).value().ino;
  auto file = files.open(ino).value();
  const std::string bytes(3 * chunk + 10, 'w');
  BOOST_REQUIRE(file->write(0, bytes, now_ns).is_ok());
  const std::int64_t hour_ns = 3'600'000'000'000;
  now_ns += hour_ns - 1;
  BOOST_TEST(files.write_back(hour_ns).empty());  // not old enough yet
  BOOST_TEST(files.meta().getattr(ino).value().size_bytes == 0u);
  now_ns += 1;
  auto lines = files.write_back(hour_ns);
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].find("written back after 3600 s") != std::string::npos, lines[0]);
  BOOST_TEST(files.meta().getattr(ino).value().size_bytes == bytes.size());
  BOOST_TEST(!file->dirty_since_ns().has_value());
  now_ns += 2 * hour_ns;
  BOOST_TEST(files.write_back(hour_ns).empty());  // clean: nothing to do
  BOOST_REQUIRE(file->write(5, "x", now_ns).is_ok());
  BOOST_TEST((file->dirty_since_ns() == std::optional<std::int64_t>(now_ns)));
  BOOST_TEST(files.close(ino, file).is_ok());
  BOOST_TEST(files.open_files() == 0u);
}
