// write_file_atomically on the machine's own file system: key files and markers
// are written whole, with their mode, and never through something left at the
// temporary name.
#define BOOST_TEST_MODULE storage_atomic_file
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "storage/atomic_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
namespace fs = std::filesystem;
using bucky::testing::read_file;
using bucky::testing::temp_dir;

BOOST_AUTO_TEST_CASE(a_file_is_replaced_whole_with_its_mode) {
  temp_dir root;
  auto path = (root.path / "node.key").string();
  BOOST_TEST_REQUIRE(write_file_atomically(path, "old", 0644).is_ok());
  BOOST_TEST_REQUIRE(write_file_atomically(path, "new secret", 0600).is_ok());
  BOOST_TEST(read_file(path) == "new secret");
  BOOST_TEST(((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write)));
  BOOST_TEST(!fs::exists(path + ".tmp"));
  BOOST_TEST(read_small_file(path).value() == "new secret");
}

// A link planted at the temporary name (by a crash leftover or by someone else)
// is removed, never written through: the secret does not land in its target.
BOOST_AUTO_TEST_CASE(a_link_left_at_the_temporary_name_is_not_followed) {
  temp_dir root;
  auto path = (root.path / "node.key").string();
  auto elsewhere = root.path / "elsewhere";
  { std::ofstream(elsewhere) << "untouched"; }
  fs::create_symlink(elsewhere, path + ".tmp");
  BOOST_TEST_REQUIRE(write_file_atomically(path, "secret", 0600).is_ok());
  BOOST_TEST(read_file(elsewhere) == "untouched");
  BOOST_TEST(read_file(path) == "secret");
  BOOST_TEST(!fs::is_symlink(path));
}

BOOST_AUTO_TEST_CASE(a_missing_file_reads_as_not_found_naming_it) {
  temp_dir root;
  auto path = (root.path / "absent").string();
  auto read = read_small_file(path);
  BOOST_TEST_REQUIRE(!read.has_value());
  BOOST_TEST((read.error().code() == status_code::not_found));
  BOOST_TEST(read.error().message().find(path) != std::string::npos);
}
