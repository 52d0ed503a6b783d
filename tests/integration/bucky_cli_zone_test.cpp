// bucky zone create / show as a person runs them: files, modes, exit codes, and a
// tampered or foreign zone config refused.
#define BOOST_TEST_MODULE integration_bucky_cli_zone
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "net/keys.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using namespace bucky::testing;

namespace {

struct cli_run {
  int code;
  std::string out, err;
};

cli_run bucky_cli(const temp_dir& dir, std::vector<std::string> args) {
  node_process run(dir.path, std::move(args), {"HOME=" + (dir.path / "home").string()}, BUCKY_CLI_BINARY);
  auto code = run.wait_exit();
  BOOST_TEST_REQUIRE(code.has_value());
  return {*code, run.out(), run.err()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(zone_create_makes_a_private_owner_key_and_a_signed_config) {
  temp_dir dir;
  auto zone_file = (dir.path / "home.example.zone").string();
  auto created =
      bucky_cli(dir, {"zone", "create", "home.example", "--state-nodes", "nas,desk,mini", "--out", zone_file});
  BOOST_TEST_REQUIRE(created.code == 0, created.err);
  auto key_path = dir.path / "home" / ".bucky" / "home.example.owner.key";
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat(key_path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0600u);

  auto shown = bucky_cli(dir, {"--json", "zone", "show", zone_file});
  BOOST_TEST_REQUIRE(shown.code == 0, shown.err);
  auto config = nlohmann::json::parse(shown.out);
  BOOST_TEST(config["zone_id"] == "home.example");
  BOOST_TEST(config["version"] == 1);
  BOOST_TEST(config["state_nodes"] == nlohmann::json::array({"desk", "mini", "nas"}));
  BOOST_TEST(created.out.find(config["owner_key"].get<std::string>()) != std::string::npos);

  // Made once: a second create refuses and changes nothing.
  auto again = bucky_cli(
      dir, {"zone", "create", "home.example", "--state-nodes", "nas", "--out", (dir.path / "other.zone").string()});
  BOOST_TEST(again.code == 1);
  BOOST_TEST(again.err.find("exists already") != std::string::npos, again.err);

  // Pinned to another owner: refused, naming both keys.
  auto stranger = net::key_pair::generate().public_part().to_text();
  auto foreign = bucky_cli(dir, {"zone", "show", zone_file, "--owner", stranger});
  BOOST_TEST(foreign.code == 1);
  BOOST_TEST(foreign.err.find("trusts " + stranger) != std::string::npos, foreign.err);

  // One flipped byte: refused.
  {
    std::fstream file(zone_file, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(-3, std::ios::end);
    char c = 0;
    file.get(c);
    file.seekp(-3, std::ios::end);
    file.put(static_cast<char>(c ^ 0x20));
  }
  auto tampered = bucky_cli(dir, {"zone", "show", zone_file});
  BOOST_TEST(tampered.code == 1);
  BOOST_TEST(tampered.err.find("refused") != std::string::npos, tampered.err);
}

BOOST_AUTO_TEST_CASE(bad_zone_ids_are_usage_errors) {
  temp_dir dir;
  auto bad = bucky_cli(dir, {"zone", "create", "Home_Zone", "--state-nodes", "nas"});
  BOOST_TEST(bad.code == 2);
  BOOST_TEST(bad.err.find("DNS name") != std::string::npos, bad.err);
  auto missing = bucky_cli(dir, {"zone", "create"});
  BOOST_TEST(missing.code == 2);
  auto even = bucky_cli(dir, {"zone", "create", "home.example", "--state-nodes", "a,b"});
  BOOST_TEST(even.code == 2);
  BOOST_TEST(even.err.find("1, 3 or 5") != std::string::npos, even.err);
  auto unnamed = bucky_cli(dir, {"zone", "create", "home.example"});
  BOOST_TEST(unnamed.code == 2);
  BOOST_TEST(unnamed.err.find("--state-nodes") != std::string::npos, unnamed.err);
}

// Issue 18: a 20-digit number ended the CLI. Every numeric flag is bounded: a usage
// error (exit 2) naming the flag, never a signal.
BOOST_AUTO_TEST_CASE(numbers_out_of_range_are_usage_errors) {
  temp_dir dir;
  const std::string huge = "18446744073709551615";
  const std::vector<std::vector<std::string>> tries{
      {"service", "add", "x", "--wait-ms", huge, "--", "/bin/true"},
      {"service", "add", "x", "--instances", huge, "--", "/bin/true"},
      {"kv", "watch", "k", "--count", huge},
      {"kv", "lease", "revoke", huge},
      {"kv", "put", "k", "v", "--lease", "-1"},
      {"fault", "clock", "n1", "--jump-ms", huge},
      {"api-token", "--valid-s", huge},
      {"--timeout-ms", huge, "status"},
      {"zone", "fetch", "home.test", "--dns", "127.0.0.1:" + huge + "0"},
  };
  for (const auto& args : tries) {
    auto run = bucky_cli(dir, args);
    BOOST_TEST(run.code == 2, args.at(args.size() > 3 ? 3 : 0) << ": exit " << run.code << " " << run.err);
    BOOST_TEST(!run.err.empty());
  }
}

BOOST_AUTO_TEST_CASE(zone_dns_prints_a_txt_record_that_reassembles_to_the_signed_config) {
  temp_dir dir;
  auto zone_file = (dir.path / "z.zone").string();
  BOOST_TEST_REQUIRE(
      bucky_cli(dir, {"zone", "create", "txt.example", "--state-nodes", "n1", "--out", zone_file}).code == 0);
  auto dns = bucky_cli(dir, {"zone", "dns", zone_file});
  BOOST_TEST_REQUIRE(dns.code == 0, dns.err);
  BOOST_TEST(dns.out.find("_bucky.txt.example. 3600 IN TXT \"bucky1 1/") != std::string::npos, dns.out);
}
