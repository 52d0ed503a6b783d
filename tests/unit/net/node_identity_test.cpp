#define BOOST_TEST_MODULE unit_net_node_identity
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>

#include "net/node_identity.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::temp_dir;

namespace {

node_identity sample() {
  return {"home.example", "n1", key_pair::generate().public_part()};
}

void write(const temp_dir& dir, const std::string& text) {
  std::ofstream(dir.path / identity_file_name) << text;
}

std::string load_error(const temp_dir& dir) {
  auto loaded = load_node_identity(dir.path.string());
  return loaded ? std::string() : loaded.error().message();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_data_dir_without_identity_is_not_activated) {
  temp_dir dir;
  auto loaded = load_node_identity(dir.path.string());
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST(!loaded->has_value());
}

BOOST_AUTO_TEST_CASE(an_identity_is_saved_privately_and_read_back) {
  temp_dir dir;
  auto identity = sample();
  BOOST_TEST_REQUIRE(save_node_identity(dir.path.string(), identity).is_ok());
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat((dir.path / identity_file_name).c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  auto loaded = load_node_identity(dir.path.string());
  BOOST_TEST_REQUIRE((loaded && loaded->has_value()));
  BOOST_TEST((**loaded == identity));
  BOOST_TEST(save_node_identity(dir.path.string(), identity).is_ok());  // the same again: fine
}

BOOST_AUTO_TEST_CASE(a_data_dir_joins_one_zone_once) {
  temp_dir dir;
  BOOST_TEST_REQUIRE(save_node_identity(dir.path.string(), sample()).is_ok());
  auto other = sample();
  other.node_id = "n2";
  auto refused = save_node_identity(dir.path.string(), other);
  BOOST_TEST((refused.code() == status_code::already_exists));
  BOOST_TEST(refused.message().find("as node n1") != std::string::npos, refused.message());
}

BOOST_AUTO_TEST_CASE(a_damaged_identity_is_refused_naming_the_line) {
  temp_dir dir;
  write(dir, "something else\n");
  BOOST_TEST(load_error(dir).find("line 1") != std::string::npos);
  write(dir, "bucky-node-identity-v1\nzone_id Home\nnode_id n1\nowner_key x\n");
  BOOST_TEST(load_error(dir).find("line 2: zone_id") != std::string::npos, load_error(dir));
  write(dir, "bucky-node-identity-v1\nzone_id home.example\nnode_id n_1\nowner_key x\n");
  BOOST_TEST(load_error(dir).find("line 3") != std::string::npos, load_error(dir));
  write(dir, "bucky-node-identity-v1\nzone_id home.example\nnode_id n1\nowner_key short\n");
  BOOST_TEST(load_error(dir).find("line 4") != std::string::npos, load_error(dir));
  write(dir, "bucky-node-identity-v1\nzone_id home.example\nnode_id n1\n");
  BOOST_TEST(load_error(dir).find("missing owner_key") != std::string::npos, load_error(dir));
  BOOST_TEST(load_error(dir).find("activate again") != std::string::npos);
}
