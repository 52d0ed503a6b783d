// Keys and the key file: text form, signatures, and a key file written by hand.
#define BOOST_TEST_MODULE net_keys
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "net/key_file.hpp"
#include "net/keys.hpp"
#include "storage/atomic_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using namespace bucky::net;
using bucky::testing::temp_dir;

namespace {
std::array<std::uint8_t, seed_bytes> seed_of(std::uint8_t value) {
  std::array<std::uint8_t, seed_bytes> seed;
  seed.fill(value);
  return seed;
}
}  // namespace

BOOST_AUTO_TEST_CASE(public_key_text_is_43_base64url_chars_and_round_trips) {
  auto pair = key_pair::from_seed(seed_of(7));
  auto text = pair.public_part().to_text();
  BOOST_TEST(text.size() == 43u);
  BOOST_TEST(text.find_first_of("+/=") == std::string::npos);
  auto back = public_key::from_text(text);
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST((*back == pair.public_part()));
}

BOOST_AUTO_TEST_CASE(malformed_public_key_text_is_an_error_naming_it) {
  for (std::string bad : std::vector<std::string>{"", "abc", std::string(43, '!'), std::string(44, 'A'), std::string(42, 'A') + "="}) {
    auto parsed = public_key::from_text(bad);
    BOOST_TEST_REQUIRE(!parsed.has_value(), "accepted '" << bad << "'");
    BOOST_TEST(parsed.error().message().find("public key") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(same_seed_same_key_and_signatures_verify_only_for_their_message) {
  auto a = key_pair::from_seed(seed_of(1));
  auto b = key_pair::from_seed(seed_of(1));
  BOOST_TEST((a.public_part() == b.public_part()));
  BOOST_TEST((a.seed() == seed_of(1)));
  std::string text = "zone config v2";
  std::span<const std::uint8_t> message(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  auto sig = a.sign(message);
  BOOST_TEST(verify_signature(a.public_part(), message, sig));
  sig[0] ^= 1;
  BOOST_TEST(!verify_signature(a.public_part(), message, sig));
  auto other = key_pair::from_seed(seed_of(2));
  BOOST_TEST(!verify_signature(other.public_part(), message, a.sign(message)));
}

BOOST_AUTO_TEST_CASE(key_file_is_created_owner_only_and_reads_back) {
  temp_dir dir;
  auto path = (dir.path / key_file_name).string();
  auto created = load_or_create_key_file(path);
  BOOST_TEST_REQUIRE(created.has_value(), created.error().to_string());
  struct stat info {};
  BOOST_TEST_REQUIRE(stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);
  auto again = load_or_create_key_file(path);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST((again->public_part() == created->public_part()));
  auto text = read_small_file(path);
  BOOST_TEST(text->find(created->public_part().to_text()) != std::string::npos);  // the comment line
}

BOOST_AUTO_TEST_CASE(group_or_world_readable_key_file_is_refused_with_the_fix) {
  temp_dir dir;
  auto path = (dir.path / key_file_name).string();
  BOOST_TEST_REQUIRE(save_key_file(path, key_pair::generate()).is_ok());
  chmod(path.c_str(), 0644);
  auto loaded = load_key_file(path);
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().code() == status_code::permission_denied));
  BOOST_TEST(loaded.error().message().find("chmod 600 " + path) != std::string::npos);
  BOOST_TEST(loaded.error().message().find("0644") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_key_files_are_refused_not_replaced) {
  temp_dir dir;
  auto path = (dir.path / key_file_name).string();
  for (std::string contents : std::vector<std::string>{std::string(""), std::string("# only a comment\n"),
                               std::string("bucky-node-key-v1\n"), std::string("bucky-node-key-v1 short\n"),
                               std::string("other-format AAAA\n"), std::string(100'000, 'x')}) {
    BOOST_TEST_REQUIRE(write_file_atomically(path, contents, 0600).is_ok());
    auto loaded = load_or_create_key_file(path);
    BOOST_TEST_REQUIRE(!loaded.has_value(), "accepted: " << contents.substr(0, 40));
    BOOST_TEST(loaded.error().message().find(path) != std::string::npos);
    // The bad file is still there for a person to look at: never silently replaced.
    BOOST_TEST(read_small_file(path).has_value() == (contents.size() <= small_file_bytes_max));
  }
}

BOOST_AUTO_TEST_CASE(a_leftover_temporary_file_does_not_block_saving) {
  temp_dir dir;
  auto path = (dir.path / key_file_name).string();
  std::ofstream(path + ".tmp") << "half written";
  BOOST_TEST(save_key_file(path, key_pair::generate()).is_ok());
  BOOST_TEST(!std::filesystem::exists(path + ".tmp"));
  BOOST_TEST(load_key_file(path).has_value());
}
