// Packages (actors/packages/package_file.hpp, package_tree.hpp) as untrusted bytes:
// a packed directory opens, unpacks read-only and byte-exact, and packs again to the
// same content id; a flipped byte anywhere, a truncation, another signer, an entry
// escaping the package, a missing or non-executable command are each refused with
// what is wrong, and nothing is unpacked.
#define BOOST_TEST_MODULE packages_package_file
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/packages/package_file.hpp"
#include "actors/packages/package_tree.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::packages;
namespace fs = std::filesystem;

namespace {

std::string manifest_text(const net::key_pair& publisher, const std::string& program = "bin/notes") {
  return nlohmann::json{{"format", 1}, {"name", "notes"}, {"version", "1.0.0"},
                        {"publisher", publisher.public_part().to_text()}, {"command", {program, "--data", "/data"}}}
      .dump();
}

std::vector<entry_to_pack> sample_entries() {
  return {{"bin/notes", entry_kind::executable, "#!/bin/sh\necho notes\n"},
          {"share/index.html", entry_kind::file, std::string(70'000, 'x')},
          {"share/empty", entry_kind::directory, {}},
          {"share", entry_kind::directory, {}},
          {"bin", entry_kind::directory, {}}};
}

std::string packed(const net::key_pair& publisher = testing::key(3)) {
  auto file = pack_package(manifest_text(publisher), sample_entries(), publisher);
  BOOST_TEST_REQUIRE(file.has_value(), file.error().to_string());
  return *file;
}

// The refusal of `bytes`, which must contain `says`.
void refused(const std::string& bytes, const std::string& says) {
  auto opened = open_package(bytes, "notes.bpkg");
  BOOST_TEST_REQUIRE(!opened.has_value(), "opened though it should not: " << says);
  BOOST_TEST(opened.error().message().find("notes.bpkg") != std::string::npos, opened.error().message());
  BOOST_TEST(opened.error().message().find(says) != std::string::npos, opened.error().message());
}

// A package whose body is `entries` as given (not sorted or checked), signed properly.
std::string forged(const net::key_pair& publisher, const std::vector<entry_to_pack>& entries,
                   const std::string& manifest) {
  return encode_package(manifest, entries, publisher);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_packed_package_opens_with_its_manifest_entries_and_content_id) {
  const std::string file = packed();
  auto opened = open_package(file, "notes.bpkg");
  BOOST_TEST_REQUIRE(opened.has_value(), opened.error().to_string());
  BOOST_TEST(opened->manifest.name == "notes");
  BOOST_TEST(opened->content_id == content_id_of(file));
  BOOST_TEST(check_content_id(opened->content_id).is_ok());
  BOOST_TEST_REQUIRE(opened->entries.size() == 5u);
  BOOST_TEST(opened->entries[0].path == "bin");  // sorted
  BOOST_TEST(opened->entries[1].path == "bin/notes");
  BOOST_TEST(opened->content_bytes == 70'000u + 21u);
  BOOST_TEST((packed() == file));  // deterministic: same input, same id
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_or_truncation_is_refused) {
  const std::string file = packed();
  // Every byte of the small prefix and a spread over the rest: header, manifest,
  // paths, contents and the signature itself.
  for (std::size_t i = 0; i < file.size(); i += (i < 600 ? 1 : 997)) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    BOOST_TEST(!open_package(bad, "notes.bpkg").has_value(), "flipping byte " << i << " went unnoticed");
  }
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, file.size() / 2, file.size() - 1}) {
    BOOST_TEST(!open_package(file.substr(0, cut), "notes.bpkg").has_value(), "cut at " << cut);
  }
  refused(file + "x", "after the signature");
  refused("not a package at all", "not");
}

BOOST_AUTO_TEST_CASE(a_package_signed_by_another_key_than_its_publisher_is_refused) {
  // The manifest names key 3; key 4 signs: re-signing a tampered package needs the publisher's key.
  refused(forged(testing::key(4), sample_entries(), manifest_text(testing::key(3))), "does not verify against publisher");
  auto wrong_key = pack_package(manifest_text(testing::key(3)), sample_entries(), testing::key(4));
  BOOST_TEST_REQUIRE(!wrong_key.has_value());
  BOOST_TEST(wrong_key.error().message().find("put the key's public part") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(entries_escaping_the_package_or_malformed_are_refused_even_when_signed) {
  const auto& key = testing::key(3);
  const auto manifest = manifest_text(key);
  const entry_to_pack command{"bin/notes", entry_kind::executable, "x"};
  refused(forged(key, {command, {"../etc/passwd", entry_kind::file, "x"}}, manifest), "not a normalized path");
  refused(forged(key, {{"/etc/passwd", entry_kind::file, "x"}, command}, manifest), "absolute");
  refused(forged(key, {{"bin/./x", entry_kind::file, "x"}, command}, manifest), "not a normalized path");
  refused(forged(key, {command, command}, manifest), "out of order or repeated");
  refused(forged(key, {{"app.json", entry_kind::file, "{}"}, command}, manifest), "app.json");
  refused(forged(key, {{"bin", entry_kind::file, "x"}, command}, manifest), "which is a file");
  refused(forged(key, {command, {"dir", entry_kind::directory, "x"}}, manifest), "has content");
  refused(forged(key, {{"bin/notes", static_cast<entry_kind>(7), "x"}}, manifest), "known kind");
  refused(forged(key, {{"bin/notes", entry_kind::file, "x"}}, manifest), "not executable");
  refused(forged(key, {{"bin/other", entry_kind::executable, "x"}}, manifest), "is not in the package");
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "d/";
  refused(forged(key, {command, {deep + "x", entry_kind::file, "x"}}, manifest), "levels deep");
}

BOOST_AUTO_TEST_CASE(content_ids_are_checked_for_shape) {
  BOOST_TEST(check_content_id("sha256:" + std::string(64, 'a')).is_ok());
  BOOST_TEST(!check_content_id("sha256:" + std::string(64, 'A')).is_ok());
  BOOST_TEST(!check_content_id("sha256:" + std::string(63, 'a')).is_ok());
  BOOST_TEST(!check_content_id("md5:" + std::string(64, 'a')).is_ok());
}

BOOST_AUTO_TEST_CASE(a_directory_packs_and_unpacks_read_only_and_byte_exact) {
  testing::temp_dir dir;
  const std::string source = dir.path.string() + "/src";
  fs::create_directories(source + "/bin");
  fs::create_directories(source + "/share/empty");
  std::ofstream(source + "/app.json") << manifest_text(testing::key(3));
  std::ofstream(source + "/bin/notes") << "#!/bin/sh\necho notes\n";
  ::chmod((source + "/bin/notes").c_str(), 0755);
  std::ofstream(source + "/share/index.html") << std::string(70'000, 'x');
  auto read = read_package_directory(source);
  BOOST_TEST_REQUIRE(read.has_value(), read.error().to_string());
  auto file = pack_package(read->manifest_text, std::move(read->entries), testing::key(3));
  BOOST_TEST_REQUIRE(file.has_value(), file.error().to_string());
  BOOST_TEST((*file == packed()));  // the same tree made by hand: the same package
  auto opened = open_package(*file, "notes.bpkg");
  BOOST_TEST_REQUIRE(opened.has_value());
  const std::string target = dir.path.string() + "/unpacked";
  auto unpacked = unpack_package(*opened, target);
  BOOST_TEST_REQUIRE(unpacked.is_ok(), unpacked.to_string());
  std::ifstream html(target + "/share/index.html", std::ios::binary);
  BOOST_TEST(std::string(std::istreambuf_iterator<char>(html), {}) == std::string(70'000, 'x'));
  BOOST_TEST(fs::is_directory(target + "/share/empty"));
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat((target + "/bin/notes").c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 07777) == 0555u);
  BOOST_TEST_REQUIRE(::stat((target + "/share/index.html").c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 07777) == 0444u);
  BOOST_TEST_REQUIRE(::stat(target.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 07777) == 0555u);
  BOOST_TEST(fs::exists(target + "/app.json"));
  BOOST_TEST(!unpack_package(*opened, target).is_ok());  // never over an existing tree
  BOOST_TEST(remove_unpacked(target).is_ok());
  BOOST_TEST(!fs::exists(target));
}

BOOST_AUTO_TEST_CASE(a_directory_with_a_symlink_or_without_app_json_is_refused_by_name) {
  testing::temp_dir dir;
  const std::string source = dir.path.string() + "/src";
  fs::create_directories(source + "/bin");
  auto missing = read_package_directory(source);
  BOOST_TEST_REQUIRE(!missing.has_value());
  BOOST_TEST(missing.error().message().find("app.json") != std::string::npos, missing.error().message());
  std::ofstream(source + "/app.json") << manifest_text(testing::key(3));
  fs::create_symlink("/etc/shadow", source + "/bin/shadow");
  auto linked = read_package_directory(source);
  BOOST_TEST_REQUIRE(!linked.has_value());
  BOOST_TEST(linked.error().message().find("bin/shadow") != std::string::npos, linked.error().message());
}

BOOST_AUTO_TEST_CASE(a_half_unpacked_tree_is_replaced_by_the_next_unpack) {
  testing::temp_dir dir;
  const std::string file = packed();
  auto opened = open_package(file, "notes.bpkg");
  BOOST_TEST_REQUIRE(opened.has_value());
  const std::string target = dir.path.string() + "/unpacked";
  fs::create_directories(target + ".partial/bin");  // a power cut in the middle of the last try
  std::ofstream(target + ".partial/bin/notes") << "half";
  auto unpacked = unpack_package(*opened, target);
  BOOST_TEST_REQUIRE(unpacked.is_ok(), unpacked.to_string());
  std::ifstream notes(target + "/bin/notes");
  BOOST_TEST(std::string(std::istreambuf_iterator<char>(notes), {}) == "#!/bin/sh\necho notes\n");
  BOOST_TEST(!fs::exists(target + ".partial"));
}

BOOST_AUTO_TEST_CASE(a_directory_entry_without_its_parent_listed_unpacks) {
  testing::temp_dir dir;
  const auto& key = testing::key(3);
  const std::string file = forged(key, {{"bin/notes", entry_kind::executable, "x"}, {"share/deep/empty", entry_kind::directory, {}}}, manifest_text(key));
  auto opened = open_package(file, "notes.bpkg");
  BOOST_TEST_REQUIRE(opened.has_value(), opened.error().to_string());
  auto unpacked = unpack_package(*opened, dir.path.string() + "/unpacked");
  BOOST_TEST_REQUIRE(unpacked.is_ok(), unpacked.to_string());
  BOOST_TEST(fs::is_directory(dir.path / "unpacked/share/deep/empty"));
}
