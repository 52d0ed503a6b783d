// An app's manifest (actors/packages/manifest.hpp) as untrusted input: a good one
// round-trips; each bad field is refused with its name and what would be right;
// a command that leaves the package, unknown fields, a newer format, oversized or
// malformed text never get through.
#define BOOST_TEST_MODULE packages_manifest
#include <boost/test/unit_test.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "actors/packages/manifest.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::packages;
using json = nlohmann::json;

namespace {

json good() {
  return {{"format", 1},
          {"name", "notes"},
          {"version", "1.2.0"},
          {"description", "Family notes"},
          {"publisher", testing::key(7).public_part().to_text()},
          {"command", {"bin/notes", "--data", "/data"}},
          {"memory_mb", 128},
          {"ports", {{{"name", "web"}, {"port", 8080}, {"public", false}}}},
          {"permissions",
           {{"folders", {{{"path", "/photos"}, {"access", "read"}}, {{"path", "/shared/notes/"}, {"access", "write"}}}},
            {"network", false},
            {"services", {"calendar"}}}}};
}

// The refusal for `manifest`, which must name `field` and contain `says`.
void refused(const json& manifest, const std::string& field, const std::string& says = "") {
  auto parsed = parse_manifest(manifest.dump(), "notes.bpkg:app.json");
  BOOST_TEST_REQUIRE(!parsed.has_value(), "accepted: " << manifest.dump());
  const std::string message = parsed.error().message();
  BOOST_TEST(message.find("notes.bpkg:app.json") != std::string::npos, message);
  BOOST_TEST(message.find("\"" + field + "\"") != std::string::npos, message);
  BOOST_TEST(message.find(says) != std::string::npos, message);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_good_manifest_is_read_whole_and_round_trips) {
  auto parsed = parse_manifest(good().dump(), "app.json");
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().to_string());
  BOOST_TEST(parsed->name == "notes");
  BOOST_TEST((parsed->publisher == testing::key(7).public_part()));
  BOOST_TEST(parsed->command.size() == 3u);
  BOOST_TEST(parsed->memory_mb == 128u);
  BOOST_TEST_REQUIRE(parsed->ports.size() == 1u);
  BOOST_TEST(parsed->ports[0].port == 8080u);
  BOOST_TEST_REQUIRE(parsed->permissions.folders.size() == 2u);
  BOOST_TEST(parsed->permissions.folders[1].path == "/shared/notes");  // normalized
  BOOST_TEST((parsed->permissions.folders[1].access == folder_access::write));
  auto again = parse_manifest(manifest_json(*parsed), "app.json");
  BOOST_TEST_REQUIRE(again.has_value(), again.error().to_string());
  BOOST_TEST((*again == *parsed));
}

BOOST_AUTO_TEST_CASE(optional_fields_take_their_defaults) {
  json minimal = good();
  for (const char* field : {"description", "memory_mb", "ports", "permissions"}) minimal.erase(field);
  auto parsed = parse_manifest(minimal.dump(), "app.json");
  BOOST_TEST_REQUIRE(parsed.has_value(), parsed.error().to_string());
  BOOST_TEST(parsed->memory_mb == 256u);
  BOOST_TEST(parsed->ports.empty());
  BOOST_TEST(!parsed->permissions.network);
  BOOST_TEST(parsed->permissions.folders.empty());
}

BOOST_AUTO_TEST_CASE(a_command_that_leaves_the_package_is_refused) {
  for (const char* program : {"/bin/sh", "../bin/sh", "bin/../../x", "./notes", "bin//notes", "", "bin/"}) {
    json bad = good();
    bad["command"] = {program};
    refused(bad, "command", "not a path inside the package");
  }
  json empty = good();
  empty["command"] = json::array();
  refused(empty, "command", "empty");
  json missing = good();
  missing.erase("command");
  refused(missing, "command", "missing");
  json nul = good();
  nul["command"] = {"bin/notes", std::string("a\0b", 3)};
  refused(nul, "command", "NUL");
}

BOOST_AUTO_TEST_CASE(names_versions_and_keys_are_checked) {
  for (const char* name : {"Notes", "1notes", "notes-", "no tes", "a-very-long-name-that-is-far-over-forty-bytes", ""}) {
    json bad = good();
    bad["name"] = name;
    refused(bad, "name");
  }
  for (const char* version : {"1.2", "1.2.3.4", "01.2.3", "1.2.3-", "v1.2.3", "1.2.3-b@d", "1234567890.0.0"}) {
    json bad = good();
    bad["version"] = version;
    refused(bad, "version", "MAJOR.MINOR.PATCH");
  }
  json key = good();
  key["publisher"] = "not-a-key";
  refused(key, "publisher", "Ed25519");
  json number = good();
  number["name"] = 5;
  refused(number, "name", "string");
}

BOOST_AUTO_TEST_CASE(ports_folders_services_and_memory_are_bounded) {
  json low = good();
  low["ports"][0]["port"] = 80;
  refused(low, "ports[].port", "outside 1024..65535");
  json twice = good();
  twice["ports"].push_back({{"name", "api"}, {"port", 8080}});
  refused(twice, "ports[].port", "twice");
  json many = good();
  many["ports"] = json::array();
  for (int i = 0; i < 9; ++i) many["ports"].push_back({{"name", "p" + std::to_string(i)}, {"port", 9000 + i}});
  refused(many, "ports", "at most 8");
  for (const char* path : {"photos", "/photos/../etc", ""}) {
    json bad = good();
    bad["permissions"]["folders"][0]["path"] = path;
    refused(bad, "permissions.folders[].path", "absolute zone path");
  }
  json access = good();
  access["permissions"]["folders"][0]["access"] = "all";
  refused(access, "permissions.folders[].access", "\"read\" or \"write\"");
  json service = good();
  service["permissions"]["services"] = {"../x"};
  refused(service, "permissions.services", "app name");
  json memory = good();
  memory["memory_mb"] = 1 << 20;
  refused(memory, "memory_mb", "outside 16..65536");
  json network = good();
  network["permissions"]["network"] = "yes";
  refused(network, "permissions.network", "true or false");
}

BOOST_AUTO_TEST_CASE(unknown_fields_and_other_formats_are_refused) {
  json extra = good();
  extra["comand"] = {"bin/x"};
  refused(extra, "comand", "not a field of manifest format 1");
  json nested = good();
  nested["permissions"]["root"] = true;
  refused(nested, "permissions.root", "not a field");
  json newer = good();
  newer["format"] = 2;
  refused(newer, "format", "format 1 only");
  json missing = good();
  missing.erase("format");
  refused(missing, "format", "missing");
}

BOOST_AUTO_TEST_CASE(malformed_or_oversized_text_is_refused_before_reading_fields) {
  for (const std::string text : {"", "{", "[1,2]", "null", "{\"format\": 1,}"}) {
    auto parsed = parse_manifest(text, "app.json");
    BOOST_TEST(!parsed.has_value(), text);
  }
  const std::string deep(10'000, '[');
  BOOST_TEST(!parse_manifest(deep, "app.json").has_value());
  json big = good();
  big["description"] = std::string(70'000, 'x');
  auto parsed = parse_manifest(big.dump(), "app.json");
  BOOST_TEST_REQUIRE(!parsed.has_value());
  BOOST_TEST((parsed.error().code() == status_code::too_large));
  json long_description = good();
  long_description["description"] = std::string(281, 'x');
  refused(long_description, "description", "at most 280");
}

BOOST_AUTO_TEST_CASE(versions_order_as_semantic_versions) {
  BOOST_TEST(compare_versions("1.2.0", "1.10.0") == -1);
  BOOST_TEST(compare_versions("2.0.0", "1.99.99") == 1);
  BOOST_TEST(compare_versions("1.0.0-beta", "1.0.0") == -1);
  BOOST_TEST(compare_versions("1.0.0", "1.0.0") == 0);
  BOOST_TEST(compare_versions("1.0.0-alpha", "1.0.0-beta") == -1);
}
