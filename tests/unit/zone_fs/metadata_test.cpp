// The zone file system's namespace transactions (actors/zone_fs/metadata.hpp) on
// the zone state's real state machine in memory, with other clients' changes put
// between a read and its txn, and every history checked by fsck.
#define BOOST_TEST_MODULE zone_fs_metadata
#include <boost/test/unit_test.hpp>

#include <random>

#include "actors/zone_fs/fsck.hpp"
#include "actors/zone_fs/metadata.hpp"
#include "tests/support/fs_keys_fsck.hpp"
#include "tests/support/memory_kv_port.hpp"

using namespace bucky;
using namespace bucky::zone_fs;

namespace {

struct fs_fixture {
  testing::memory_kv_port port;
  std::mt19937_64 random{7};
  metadata fs{port, [this] { return random(); }};
  std::int64_t now_ns = 1'000;

  fs_fixture() { BOOST_REQUIRE(fs.ensure_root(now_ns)); }

  fs_inode make(inode_number dir, const std::string& name, fs_kind kind = fs_kind::file) {
    new_inode fresh;
    fresh.kind = kind;
    fresh.mode = kind == fs_kind::directory ? 0755 : 0644;
    if (kind == fs_kind::symlink) fresh.symlink_target = "target";
    auto made = fs.make(dir, name, fresh, ++now_ns);
    BOOST_REQUIRE_MESSAGE(made, made.error().to_string());
    return *made;
  }
  int error_of(const fs_status& done) { return done.error(); }
  fsck_report fsck() {
    return testing::fsck_of(port);
  }
  void require_clean() {
    auto report = fsck();
    for (const auto& problem : report.problems) BOOST_ERROR(problem);
  }
  bool holds_key_with(const std::string& prefix) {
    bool found = false;
    port.backend.scan(prefix, "\0", [&](const key_value& kv) {
      found = kv.key.starts_with(prefix);
      return false;
    });
    return found;
  }
};

chunk_ref ref_of(std::uint8_t tag, std::uint32_t size = fs_limits::chunk_bytes) {
  chunk_ref ref;
  ref.id.bytes[0] = tag;
  ref.id.bytes[31] = 1;
  ref.size_bytes = size;
  return ref;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(root_is_created_once_and_names_resolve, fs_fixture) {
  BOOST_TEST(fs.ensure_root(99).value().mtime_ns == 1'000);  // the first root stays
  auto dir = make(root_inode, "photos", fs_kind::directory);
  auto file = make(dir.ino, "a.jpg");
  BOOST_TEST(fs.resolve("/photos/a.jpg").value().ino == file.ino);
  BOOST_TEST(fs.resolve("photos//./a.jpg").value().ino == file.ino);
  BOOST_TEST(fs.resolve("/photos/..").value().ino == root_inode);
  BOOST_TEST(fs.resolve("/photos/b.jpg").error().error() == ENOENT);
  BOOST_TEST(fs.resolve("/photos/a.jpg/x").error().error() == ENOTDIR);
  BOOST_TEST(fs.getattr(root_inode).value().links == 3u);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(create_refuses_a_taken_name_a_file_parent_and_bad_names, fs_fixture) {
  auto file = make(root_inode, "notes.txt");
  BOOST_TEST(fs.make(root_inode, "notes.txt", {}, 5).error().error() == EEXIST);
  BOOST_TEST(fs.make(file.ino, "x", {}, 5).error().error() == ENOTDIR);
  BOOST_TEST(fs.make(12345, "x", {}, 5).error().error() == ENOENT);
  BOOST_TEST(fs.make(root_inode, std::string(256, 'a'), {}, 5).error().error() == ENAMETOOLONG);
  BOOST_TEST(fs.make(root_inode, "a/b", {}, 5).error().error() == EINVAL);
  BOOST_TEST(fs.make(root_inode, "..", {}, 5).error().error() == EINVAL);
  new_inode bad_mode;
  bad_mode.mode = 010000;
  BOOST_TEST(fs.make(root_inode, "m", bad_mode, 5).error().error() == EINVAL);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(two_clients_creating_one_name_one_wins, fs_fixture) {
  // B's create lands between A's read and A's txn: A plans again and sees B's file.
  port.before_txn = [&] { make(root_inode, "report.odt"); };
  BOOST_TEST(fs.make(root_inode, "report.odt", {}, 9).error().error() == EEXIST);
  BOOST_TEST(fs.list(root_inode, "", 10).value().entries.size() == 1u);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(rmdir_and_a_racing_create_inside_never_orphan_the_file, fs_fixture) {
  auto dir = make(root_inode, "tmp", fs_kind::directory);
  port.before_txn = [&] { make(dir.ino, "late"); };
  BOOST_TEST(fs.rmdir(root_inode, "tmp", 50).error() == ENOTEMPTY);
  BOOST_TEST(fs.resolve("/tmp/late").has_value());
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_create_racing_the_removal_of_its_directory_fails_and_orphans_nothing, fs_fixture) {
  auto dir = make(root_inode, "tmp", fs_kind::directory);
  port.before_txn = [&] { BOOST_TEST(fs.rmdir(root_inode, "tmp", 40).is_ok()); };
  BOOST_TEST(fs.make(dir.ino, "late", {}, 41).error().error() == ENOENT);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(directories_count_links_and_refuse_the_wrong_removal, fs_fixture) {
  auto dir = make(root_inode, "d", fs_kind::directory);
  make(dir.ino, "sub", fs_kind::directory);
  make(dir.ino, "f");
  BOOST_TEST(fs.getattr(dir.ino).value().links == 3u);
  BOOST_TEST(fs.rmdir(root_inode, "d", 60).error() == ENOTEMPTY);
  BOOST_TEST(fs.unlink(root_inode, "d", 60).error() == EISDIR);
  BOOST_TEST(fs.rmdir(dir.ino, "f", 60).error() == ENOTDIR);
  BOOST_TEST(fs.rmdir(dir.ino, "sub", 60).is_ok());
  BOOST_TEST(fs.unlink(dir.ino, "f", 60).is_ok());
  BOOST_TEST(fs.rmdir(root_inode, "d", 60).is_ok());
  BOOST_TEST(fs.getattr(root_inode).value().links == 2u);
  BOOST_TEST(!holds_key_with("/fs/d/"));
  BOOST_TEST(fs.getattr(dir.ino).error().error() == ENOENT);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(hard_links_share_an_inode_that_goes_with_its_last_name, fs_fixture) {
  auto file = make(root_inode, "a");
  content_change change;
  change.size_bytes = 10;
  change.chunks[0] = ref_of(1, 10);
  BOOST_REQUIRE(fs.commit(file.ino, change, 70));
  BOOST_TEST(fs.link(file.ino, root_inode, "b", 71).value().links == 2u);
  BOOST_TEST(fs.link(root_inode, root_inode, "c", 71).error().error() == EPERM);
  BOOST_TEST(fs.link(file.ino, root_inode, "b", 71).error().error() == EEXIST);
  BOOST_TEST(fs.unlink(root_inode, "a", 72).is_ok());
  BOOST_TEST(fs.resolve("/b").value().links == 1u);
  BOOST_TEST((fs.read_content(file.ino).value().chunks.at(0) == ref_of(1, 10)));
  BOOST_TEST(fs.unlink(root_inode, "b", 73).is_ok());
  BOOST_TEST(!holds_key_with(inode_key(file.ino)));  // the inode and its blocks
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(rename_moves_replaces_and_keeps_posix_rules, fs_fixture) {
  auto a = make(root_inode, "a", fs_kind::directory);
  auto b = make(root_inode, "b", fs_kind::directory);
  auto inner = make(a.ino, "inner", fs_kind::directory);
  auto f = make(a.ino, "f");
  auto g = make(b.ino, "g");
  BOOST_TEST(fs.rename(a.ino, "f", b.ino, "g", rename_mode::no_replace, 80).error() == EEXIST);
  BOOST_TEST(fs.rename(a.ino, "f", b.ino, "g", rename_mode::replace, 80).is_ok());
  BOOST_TEST(fs.getattr(g.ino).error().error() == ENOENT);  // the replaced file is gone
  BOOST_TEST(fs.resolve("/b/g").value().ino == f.ino);
  BOOST_TEST(fs.rename(root_inode, "a", inner.ino, "x", rename_mode::replace, 81).error() == EINVAL);
  BOOST_TEST(fs.rename(root_inode, "a", a.ino, "x", rename_mode::replace, 81).error() == EINVAL);
  BOOST_TEST(fs.rename(a.ino, "inner", b.ino, "g", rename_mode::replace, 81).error() == ENOTDIR);
  BOOST_TEST(fs.rename(b.ino, "g", root_inode, "a", rename_mode::replace, 81).error() == EISDIR);
  BOOST_TEST(fs.rename(root_inode, "b", root_inode, "a", rename_mode::replace, 81).error() == ENOTEMPTY);
  BOOST_TEST(fs.rename(a.ino, "inner", b.ino, "inner2", rename_mode::replace, 82).is_ok());
  BOOST_TEST(fs.getattr(inner.ino).value().parent == b.ino);
  BOOST_TEST(fs.getattr(a.ino).value().links == 2u);
  BOOST_TEST(fs.getattr(b.ino).value().links == 3u);
  BOOST_TEST(fs.resolve("/b/inner2/..").value().ino == b.ino);
  BOOST_TEST(fs.rename(root_inode, "a", b.ino, "inner2", rename_mode::replace, 83).is_ok());  // over an empty dir
  BOOST_TEST(fs.getattr(inner.ino).error().error() == ENOENT);
  BOOST_TEST(fs.rename(b.ino, "g", b.ino, "g", rename_mode::replace, 84).is_ok());  // onto itself: nothing
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(crossing_directory_renames_never_make_a_cycle, fs_fixture) {
  // A moves x into y while B moves y into x: whichever lands second must fail.
  auto x = make(root_inode, "x", fs_kind::directory);
  auto y = make(root_inode, "y", fs_kind::directory);
  port.before_txn = [&] { BOOST_TEST(fs.rename(root_inode, "y", x.ino, "y", rename_mode::replace, 90).is_ok()); };
  BOOST_TEST(fs.rename(root_inode, "x", y.ino, "x", rename_mode::replace, 91).error() == EINVAL);
  BOOST_TEST(fs.getattr(y.ino).value().parent == x.ino);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(commits_merge_chunks_and_truncation_drops_blocks, fs_fixture) {
  auto file = make(root_inode, "big");
  const std::uint64_t chunks = 3 * fs_limits::chunks_per_block + 5;
  content_change grow;
  grow.size_bytes = chunks * fs_limits::chunk_bytes;
  for (std::uint64_t i = 0; i < chunks; ++i) grow.chunks[i] = ref_of(static_cast<std::uint8_t>(i % 200 + 1));
  BOOST_REQUIRE(fs.commit(file.ino, grow, 100));
  BOOST_TEST(fs.getattr(file.ino).value().blocks == 4u);
  // Another writer's commit lands between this one's read and txn: both chunks stay.
  content_change mine;
  mine.chunks[2] = ref_of(222);
  port.before_txn = [&] {
    content_change theirs;
    theirs.chunks[3000] = ref_of(233);
    BOOST_REQUIRE(fs.commit(file.ino, theirs, 101));
  };
  BOOST_REQUIRE(fs.commit(file.ino, mine, 102));
  auto content = fs.read_content(file.ino).value();
  BOOST_TEST(content.chunks.size() == chunks);
  BOOST_TEST((content.chunks[2] == ref_of(222)));
  BOOST_TEST((content.chunks[3000] == ref_of(233)));
  BOOST_TEST((content.chunks[1] == ref_of(2)));
  content_change cut;
  cut.size_bytes = 10;
  cut.chunks[0] = ref_of(9, 10);
  BOOST_REQUIRE(fs.commit(file.ino, cut, 103));
  BOOST_TEST(fs.getattr(file.ino).value().blocks == 1u);
  BOOST_TEST(!holds_key_with(block_key(file.ino, 1)));
  BOOST_TEST(fs.read_content(file.ino).value().chunks.size() == 1u);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_file_larger_than_one_answer_reads_in_pages_at_one_revision, fs_fixture) {
  auto file = make(root_inode, "huge");
  const std::uint64_t blocks = 60;  // ~60 x 40 KB: more than one 2 MiB answer
  for (std::uint64_t first = 0; first < blocks; first += commit_blocks_max) {
    content_change part;
    const std::uint64_t end = std::min<std::uint64_t>(blocks, first + commit_blocks_max);
    part.size_bytes = end * fs_limits::chunks_per_block * std::uint64_t{fs_limits::chunk_bytes};
    for (std::uint64_t i = first * fs_limits::chunks_per_block; i < end * fs_limits::chunks_per_block; ++i) {
      part.chunks[i] = ref_of(static_cast<std::uint8_t>(i % 251 + 1));
    }
    BOOST_REQUIRE(fs.commit(file.ino, part, 110));
  }
  const auto calls_before = port.calls;
  auto content = fs.read_content(file.ino).value();
  BOOST_TEST(port.calls - calls_before > 1u);
  BOOST_TEST(content.chunks.size() == blocks * fs_limits::chunks_per_block);
  for (std::uint64_t i = 0; i < content.chunks.size(); i += 997) {
    BOOST_TEST((content.chunks[i] == ref_of(static_cast<std::uint8_t>(i % 251 + 1))));
  }
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(a_commit_of_too_many_blocks_at_once_is_refused_whole, fs_fixture) {
  auto file = make(root_inode, "wide");
  content_change wide;
  wide.size_bytes = std::uint64_t{commit_blocks_max + 1} * fs_limits::chunks_per_block * fs_limits::chunk_bytes;
  for (std::uint32_t block = 0; block <= commit_blocks_max; ++block) wide.chunks[block * fs_limits::chunks_per_block] = ref_of(1);
  BOOST_TEST(fs.commit(file.ino, wide, 120).error().error() == EFBIG);
  BOOST_TEST(fs.getattr(file.ino).value().size_bytes == 0u);
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(the_zone_state_unreachable_is_eagain_and_changes_nothing, fs_fixture) {
  port.fail_next = true;
  BOOST_TEST(fs.make(root_inode, "x", {}, 130).error().error() == EAGAIN);
  BOOST_TEST(fs.list(root_inode, "", 10).value().entries.empty());
  require_clean();
}

BOOST_FIXTURE_TEST_CASE(fsck_names_what_is_broken, fs_fixture) {
  auto dir = make(root_inode, "d", fs_kind::directory);
  make(dir.ino, "f");
  BOOST_TEST(fsck().clean());
  port.backend.erase(inode_key(dir.ino));  // as a bug or a stolen key might
  auto report = fsck();
  BOOST_TEST(!report.clean());
  bool named = false;
  for (const auto& problem : report.problems) named = named || problem.find(inode_hex(dir.ino)) != std::string::npos;
  BOOST_TEST(named);
}

namespace {

fs_volume volume_of(metadata& fs, inode_number root) {
  auto listed = fs.volumes();
  BOOST_REQUIRE(listed);
  for (const auto& entry : *listed) {
    if (entry.root == root) return entry.record;
  }
  BOOST_FAIL("no volume " << inode_hex(root));
  return {};
}

content_change sized(std::uint64_t size_bytes) {
  content_change change;
  change.size_bytes = size_bytes;
  return change;
}

}  // namespace

// A volume counts its files' sizes in the txn that changes them; past its quota a
// commit is EDQUOT and changes nothing; shrinking, removing and replacing give
// room back; fsck agrees with the figures after every step.
BOOST_FIXTURE_TEST_CASE(a_volume_counts_its_files_and_refuses_growth_past_its_quota, fs_fixture) {
  auto home = fs.make_volume(root_inode, "home", 3'000, ++now_ns);
  BOOST_REQUIRE(home);
  BOOST_TEST(home->volume == home->ino);
  auto docs = make(home->ino, "docs", fs_kind::directory);
  BOOST_TEST(docs.volume == home->ino);
  auto a = make(docs.ino, "a");
  auto b = make(home->ino, "b");
  make(home->ino, "link", fs_kind::symlink);  // symlinks count nothing
  BOOST_TEST(volume_of(fs, home->ino).files == 2u);
  BOOST_REQUIRE(fs.commit(a.ino, sized(2'000), ++now_ns));
  BOOST_REQUIRE(fs.commit(b.ino, sized(1'000), ++now_ns));
  BOOST_TEST(volume_of(fs, home->ino).used_bytes == 3'000u);
  auto over = fs.commit(b.ino, sized(1'001), ++now_ns);
  BOOST_TEST(error_of(over.error()) == EDQUOT);
  BOOST_TEST(over.error().message().find("holds 3000 of its 3000 bytes") != std::string::npos, over.error().message());
  BOOST_TEST(fs.getattr(b.ino).value().size_bytes == 1'000u);  // unchanged
  BOOST_REQUIRE(fs.commit(a.ino, sized(500), ++now_ns));       // a truncate gives room back
  BOOST_REQUIRE(fs.commit(b.ino, sized(2'500), ++now_ns));
  require_clean();
  BOOST_REQUIRE(fs.unlink(docs.ino, "a", ++now_ns).is_ok());
  BOOST_TEST(volume_of(fs, home->ino).used_bytes == 2'500u);
  BOOST_TEST(volume_of(fs, home->ino).files == 1u);
  // Replacing a file by a rename drops the replaced one's bytes.
  auto c = make(home->ino, "c");
  BOOST_REQUIRE(fs.commit(c.ino, sized(100), ++now_ns));
  BOOST_REQUIRE(fs.rename(home->ino, "c", home->ino, "b", rename_mode::replace, ++now_ns).is_ok());
  BOOST_TEST(volume_of(fs, home->ino).used_bytes == 100u);
  // A quota below the use stops growth only; 0 lifts it.
  BOOST_REQUIRE(fs.set_volume_limit(home->ino, 50));
  BOOST_TEST(error_of(fs.commit(c.ino, sized(101), ++now_ns).error()) == EDQUOT);
  BOOST_REQUIRE(fs.commit(c.ino, sized(60), ++now_ns));
  BOOST_REQUIRE(fs.set_volume_limit(home->ino, 0));
  BOOST_REQUIRE(fs.commit(c.ino, sized(1'000'000), ++now_ns));
  BOOST_TEST(error_of(fs.set_volume_limit(docs.ino, 10).error()) == EINVAL);  // not a volume's root
  require_clean();
}

// Between volumes a rename or hard link is EXDEV (mv copies instead); a volume's
// root moves anywhere; a nested volume counts what it holds, not its parent;
// removing an empty volume's root removes its record.
BOOST_FIXTURE_TEST_CASE(names_do_not_cross_volumes_but_a_volume_moves_whole, fs_fixture) {
  auto alice = fs.make_volume(root_inode, "alice", 0, ++now_ns).value();
  auto bob = fs.make_volume(root_inode, "bob", 0, ++now_ns).value();
  auto file = make(alice.ino, "f");
  BOOST_REQUIRE(fs.commit(file.ino, sized(10), ++now_ns));
  auto dir = make(alice.ino, "d", fs_kind::directory);
  BOOST_TEST(error_of(fs.rename(alice.ino, "f", bob.ino, "f", rename_mode::replace, ++now_ns)) == EXDEV);
  BOOST_TEST(error_of(fs.rename(alice.ino, "d", root_inode, "d", rename_mode::replace, ++now_ns)) == EXDEV);
  BOOST_TEST(error_of(fs.link(file.ino, bob.ino, "f", ++now_ns).error()) == EXDEV);
  BOOST_TEST(error_of(fs.rename(alice.ino, "f", dir.ino, "f", rename_mode::replace, ++now_ns)) == 0);  // within
  BOOST_TEST(error_of(fs.rename(root_inode, "alice", bob.ino, "alice", rename_mode::replace, ++now_ns)) == 0);
  auto photos = fs.make_volume(bob.ino, "photos", 0, ++now_ns).value();
  auto pic = make(photos.ino, "pic");
  BOOST_REQUIRE(fs.commit(pic.ino, sized(7), ++now_ns));
  BOOST_TEST(volume_of(fs, photos.ino).used_bytes == 7u);
  BOOST_TEST(volume_of(fs, bob.ino).used_bytes == 0u);
  BOOST_TEST(volume_of(fs, alice.ino).used_bytes == 10u);
  BOOST_REQUIRE(fs.unlink(photos.ino, "pic", ++now_ns).is_ok());
  BOOST_REQUIRE(fs.rmdir(bob.ino, "photos", ++now_ns).is_ok());
  BOOST_TEST(!holds_key_with(volume_key(photos.ino)));
  BOOST_TEST(fs.volumes().value().size() == 2u);
  require_clean();
}

// A writer losing its race against another's commit in the same volume plans
// again from the new figures: the two together still fit or one is EDQUOT.
BOOST_FIXTURE_TEST_CASE(racing_commits_in_one_volume_never_pass_its_quota, fs_fixture) {
  auto vol = fs.make_volume(root_inode, "v", 1'000, ++now_ns).value();
  auto x = make(vol.ino, "x");
  auto y = make(vol.ino, "y");
  port.before_txn = [&] {
    port.before_txn = nullptr;
    BOOST_REQUIRE(fs.commit(y.ino, sized(600), ++now_ns));
  };
  BOOST_TEST(error_of(fs.commit(x.ino, sized(600), ++now_ns).error()) == EDQUOT);
  BOOST_TEST(volume_of(fs, vol.ino).used_bytes == 600u);
  require_clean();
}
