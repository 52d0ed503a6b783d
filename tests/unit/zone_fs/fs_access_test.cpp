// Who may do what through `bucky fs` (actors/zone_fs/fs_access.hpp), and the paths
// the rule is applied to: normalized, so no spelling of a path escapes a home.
#define BOOST_TEST_MODULE zone_fs_fs_access
#include <boost/test/unit_test.hpp>

#include "actors/zone_fs/fs_access.hpp"

using namespace bucky;
using namespace bucky::zone_fs;

namespace {

const caller owner{caller::kind::owner, "owner"};
const caller admin{caller::kind::admin, "carol"};
const caller alice{caller::kind::writer, "alice"};
const caller bob{caller::kind::reader, "bob"};
const caller node{caller::kind::node, "n1"};
const caller guest{caller::kind::guest, "guest"};

int error_of(const caller& who, fs_access access, const std::string& path) {
  return check_fs_access(who, access, path).error();
}

std::string normalized(std::string_view path) {
  auto done = normalize_path(path);
  BOOST_REQUIRE_MESSAGE(done, done.error().to_string());
  return *done;
}

}  // namespace

BOOST_AUTO_TEST_CASE(owner_and_admins_may_do_everything) {
  for (const auto& who : {owner, admin}) {
    for (auto access : {fs_access::read, fs_access::write, fs_access::make_directory}) {
      BOOST_TEST(error_of(who, access, "/") == 0);
      BOOST_TEST(error_of(who, access, "/home/alice/x") == 0);
      BOOST_TEST(error_of(who, access, "/photos/a.jpg") == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(nodes_and_guests_may_not_even_read) {
  for (const auto& who : {node, guest}) {
    for (auto access : {fs_access::read, fs_access::write, fs_access::make_directory}) {
      BOOST_TEST(error_of(who, access, "/photos") == EACCES);
    }
  }
  BOOST_TEST(check_fs_access(node, fs_access::read, "/").message().find("node n1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_reader_reads_everything_and_writes_nothing) {
  BOOST_TEST(error_of(bob, fs_access::read, "/") == 0);
  BOOST_TEST(error_of(bob, fs_access::read, "/home/alice/x") == 0);
  BOOST_TEST(error_of(bob, fs_access::write, "/home/bob/x") == EACCES);
  BOOST_TEST(error_of(bob, fs_access::make_directory, "/home/bob") == EACCES);
  auto refused = check_fs_access(bob, fs_access::write, "/x");
  BOOST_TEST(refused.message().find("reader bob may not change /x") != std::string::npos, refused.message());
}

BOOST_AUTO_TEST_CASE(a_writer_writes_only_below_their_home) {
  BOOST_TEST(error_of(alice, fs_access::read, "/photos/a.jpg") == 0);
  BOOST_TEST(error_of(alice, fs_access::write, "/home/alice/notes.txt") == 0);
  BOOST_TEST(error_of(alice, fs_access::write, "/home/alice/a/b/c") == 0);
  BOOST_TEST(error_of(alice, fs_access::make_directory, "/home/alice/docs") == 0);
  // Their home itself: made (and /home on the way), never removed or replaced.
  BOOST_TEST(error_of(alice, fs_access::make_directory, "/home/alice") == 0);
  BOOST_TEST(error_of(alice, fs_access::make_directory, "/home") == 0);
  BOOST_TEST(error_of(alice, fs_access::write, "/home/alice") == EACCES);
  BOOST_TEST(error_of(alice, fs_access::write, "/home") == EACCES);
  // Not someone else's home, nor a name that only starts like theirs.
  BOOST_TEST(error_of(alice, fs_access::write, "/home/bob/x") == EACCES);
  BOOST_TEST(error_of(alice, fs_access::make_directory, "/home/bob") == EACCES);
  BOOST_TEST(error_of(alice, fs_access::write, "/home/alicex/y") == EACCES);
  BOOST_TEST(error_of(alice, fs_access::write, "/photos/a.jpg") == EACCES);
  BOOST_TEST(error_of(alice, fs_access::make_directory, "/photos") == EACCES);
  auto refused = check_fs_access(alice, fs_access::write, "/photos/a.jpg");
  BOOST_TEST(refused.message().find("only under /home/alice/") != std::string::npos, refused.message());
}

BOOST_AUTO_TEST_CASE(a_writer_without_a_name_writes_nowhere) {
  const caller nameless{caller::kind::writer, ""};
  BOOST_TEST(error_of(nameless, fs_access::write, "/home//x") == EACCES);
  BOOST_TEST(error_of(nameless, fs_access::make_directory, "/home") == EACCES);
}

BOOST_AUTO_TEST_CASE(paths_are_normalized_before_the_rule_sees_them) {
  BOOST_TEST(normalized("/") == "/");
  BOOST_TEST(normalized("") == "/");
  BOOST_TEST(normalized("a//b/") == "/a/b");
  BOOST_TEST(normalized("/a/./b") == "/a/b");
  BOOST_TEST(normalized("/home/alice/") == "/home/alice");
  // ".." could climb out of a home: refused, not resolved.
  BOOST_TEST(normalize_path("/home/alice/../bob/x").error().error() == EINVAL);
  BOOST_TEST(normalize_path("..").error().error() == EINVAL);
  BOOST_TEST(normalize_path(std::string("/a\0b", 4)).error().error() == EINVAL);
  BOOST_TEST(normalize_path("/" + std::string(256, 'n')).error().error() == ENAMETOOLONG);
  BOOST_TEST(normalize_path(std::string(4096, 'a')).error().error() == ENAMETOOLONG);
  BOOST_TEST(normalized("/" + std::string(255, 'n')).size() == 256u);
}

BOOST_AUTO_TEST_CASE(parent_and_last_name_of_a_normalized_path) {
  BOOST_TEST(parent_path("/a/b/c") == "/a/b");
  BOOST_TEST(parent_path("/a") == "/");
  BOOST_TEST(parent_path("/") == "/");
  BOOST_TEST(last_name("/a/b/c") == "c");
  BOOST_TEST(last_name("/a") == "a");
  BOOST_TEST(last_name("/") == "");
}
