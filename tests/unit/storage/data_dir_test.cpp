// open_data_dir: creates, checks, and locks a node's data dir.
#define BOOST_TEST_MODULE storage_data_dir
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "tests/support/temp_dir.hpp"

#include "storage/data_dir.hpp"

using namespace bucky;
namespace fs = std::filesystem;
using bucky::testing::temp_dir;

namespace {


}  // namespace

BOOST_AUTO_TEST_CASE(missing_dir_is_created_owner_only) {
  temp_dir root;
  auto dir = root.path / "a" / "b";
  auto lock = open_data_dir(dir.string());
  BOOST_TEST_REQUIRE(lock.has_value(), lock.error().to_string());
  BOOST_TEST(fs::is_directory(dir));
  BOOST_TEST(((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all));
  std::ifstream pid_file(dir / "bucky-node.lock");
  long pid = 0;
  pid_file >> pid;
  BOOST_TEST(pid == static_cast<long>(getpid()));
}

BOOST_AUTO_TEST_CASE(second_open_while_locked_names_the_owner_and_what_to_do) {
  temp_dir root;
  auto first = open_data_dir(root.path.string());
  BOOST_TEST_REQUIRE(first.has_value());
  auto second = open_data_dir(root.path.string());
  BOOST_TEST_REQUIRE(!second.has_value());
  BOOST_TEST((second.error().code() == status_code::already_exists));
  BOOST_TEST(second.error().message().find("pid " + std::to_string(getpid())) != std::string::npos);
  BOOST_TEST(second.error().message().find("--data-dir") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lock_is_released_when_the_owner_goes) {
  temp_dir root;
  { auto first = open_data_dir(root.path.string()); BOOST_TEST_REQUIRE(first.has_value()); }
  auto again = open_data_dir(root.path.string());
  BOOST_TEST(again.has_value());
}

BOOST_AUTO_TEST_CASE(a_file_in_the_way_is_an_error) {
  temp_dir root;
  auto file = root.path / "file";
  std::ofstream(file) << "x";
  auto lock = open_data_dir(file.string());
  BOOST_TEST_REQUIRE(!lock.has_value());
  BOOST_TEST(lock.error().message().find(file.string()) != std::string::npos);
  auto below = open_data_dir((file / "sub").string());
  BOOST_TEST(!below.has_value());
}

BOOST_AUTO_TEST_CASE(empty_path_is_an_error) {
  BOOST_TEST(!open_data_dir("").has_value());
}
