// The decisions of app install (actors/packages/app_install.hpp, app_record.hpp):
// grants are a subset of the asks, never more; uids are stable per app and never
// shared; the spec runs the package's command under /app with exactly the grants;
// the transaction is guarded so a concurrent install cannot half-apply; records
// round-trip and bad ones are refused.
#define BOOST_TEST_MODULE packages_app_install
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "actors/packages/app_install.hpp"
#include "actors/zone_state/service_json.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::packages;

namespace {

app_permissions sample_asks() {
  app_permissions asks;
  asks.folders = {{"/photos", folder_access::read}, {"/shared/notes", folder_access::write}};
  asks.network = true;
  asks.services = {"calendar"};
  return asks;
}

app_manifest sample_manifest() {
  app_manifest manifest;
  manifest.name = "notes";
  manifest.version = "1.2.0";
  manifest.publisher = testing::key(3).public_part();
  manifest.command = {"bin/notes", "--port", "8080"};
  manifest.memory_mb = 128;
  manifest.ports = {{"web", 8080, false}};
  manifest.permissions = sample_asks();
  return manifest;
}

const std::string content = "sha256:" + std::string(64, 'b');

}  // namespace

BOOST_AUTO_TEST_CASE(grant_flags_give_at_most_what_was_asked) {
  auto all = grants_from_flags(sample_asks(), {"all"});
  BOOST_TEST_REQUIRE(all.has_value());
  BOOST_TEST(all->folders.size() == 2u);
  BOOST_TEST(all->folders[1].writable);
  BOOST_TEST(all->network);
  BOOST_TEST(all->services.size() == 1u);
  auto some = grants_from_flags(sample_asks(), {"/shared/notes:read", "service:calendar"});
  BOOST_TEST_REQUIRE(some.has_value(), some.error().to_string());
  BOOST_TEST_REQUIRE(some->folders.size() == 1u);
  BOOST_TEST(!some->folders[0].writable);  // downgraded
  BOOST_TEST(!some->network);
  auto none = grants_from_flags(sample_asks(), {});
  BOOST_TEST_REQUIRE(none.has_value());
  BOOST_TEST((*none == app_grants{}));
  for (std::string flag : {"/etc", "service:mail", "root", "/photos/../etc"}) {
    auto refused = grants_from_flags(sample_asks(), {flag});
    BOOST_TEST(!refused.has_value(), flag);
  }
  app_permissions no_network;
  BOOST_TEST(!grants_from_flags(no_network, {"network"}).has_value());
  // A read ask is never granted write.
  auto read = grants_from_flags(sample_asks(), {"/photos"});
  BOOST_TEST_REQUIRE(read.has_value());
  BOOST_TEST(!read->folders.at(0).writable);
}

BOOST_AUTO_TEST_CASE(answers_grant_the_asks_answered_yes) {
  const auto lines = ask_lines(sample_asks());
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[1] == "write the zone folder /shared/notes");
  auto grants = grants_from_answers(sample_asks(), {false, true, false, true});
  BOOST_TEST_REQUIRE(grants.folders.size() == 1u);
  BOOST_TEST(grants.folders[0].path == "/shared/notes");
  BOOST_TEST(!grants.network);
  BOOST_TEST(grants.services.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_app_keeps_its_uid_and_no_uid_is_shared) {
  std::map<std::uint32_t, std::string> taken{{70'000, "photos"}, {70'001, "notes"}, {70'003, "mail"}};
  BOOST_TEST(pick_uid(taken, "notes").value() == 70'001u);
  BOOST_TEST(pick_uid(taken, "wiki").value() == 70'002u);
  std::map<std::uint32_t, std::string> full;
  for (std::uint32_t uid = service_limits_max::app_uid_min; uid <= service_limits_max::app_uid_max; ++uid) full[uid] = "x";
  BOOST_TEST(!pick_uid(full, "wiki").has_value());
}

BOOST_AUTO_TEST_CASE(the_spec_runs_the_package_command_with_exactly_the_grants) {
  app_grants grants;
  grants.folders = {{"/photos", false}};
  auto spec = app_spec(sample_manifest(), content, 70'004, grants);
  BOOST_TEST(spec.command.at(0) == "/app/bin/notes");
  BOOST_TEST(spec.command.at(2) == "8080");
  BOOST_TEST(spec.limits.memory_bytes_max == 128u * 1024 * 1024);
  BOOST_TEST(spec.sandbox.package == content);
  BOOST_TEST(spec.sandbox.package_file == "/packages/" + std::string(64, 'b') + ".bpkg");
  BOOST_TEST(spec.sandbox.uid == 70'004u);
  BOOST_TEST((spec.sandbox.folders == grants.folders));
  BOOST_TEST(!spec.sandbox.network);
  // What the zone state stores parses back the same, and the checks hold.
  auto again = parse_service_spec(service_spec_to_json(spec));
  BOOST_TEST_REQUIRE(again.has_value(), again.error().to_string());
  BOOST_TEST((*again == spec));
  spec.sandbox.uid = 1000;  // a person's uid: refused by the zone state's parser
  BOOST_TEST(!parse_service_spec(service_spec_to_json(spec)).has_value());
}

BOOST_AUTO_TEST_CASE(a_plain_service_spec_has_no_sandbox_in_its_json) {
  service_spec plain;
  plain.name = "backup";
  plain.command = {"/usr/bin/true"};
  BOOST_TEST(service_spec_to_json(plain).find("sandbox") == std::string::npos);  // its signature is as before
}

BOOST_AUTO_TEST_CASE(the_install_transaction_is_guarded_by_what_was_read) {
  app_change change;
  change.record.name = "notes";
  change.record.uid = 70'004;
  change.record.current = {"1.2.0", content, {}};
  change.spec = app_spec(sample_manifest(), content, 70'004, {});
  change.new_uid = true;
  change.added = repo_entry{"notes", "1.2.0", content, "/packages/x.bpkg", 10, "", ""};
  auto request = app_change_request(change);
  BOOST_TEST_REQUIRE(request.compares.size() == 3u);
  for (const auto& compare : request.compares) {
    BOOST_TEST((compare.target == kv_compare_target::mod_revision));
    BOOST_TEST(compare.number == 0);  // a fresh install: none of them may exist
  }
  BOOST_TEST(request.compares[2].key == "/apps-uids/70004");
  BOOST_TEST(request.success.size() == 4u);
  BOOST_TEST(request.success[3].key == "/repo/notes/1.2.0");
  auto removal = app_remove_request(change.record, 12, 13, false);
  BOOST_TEST(removal.success.size() == 3u);  // the uid stays the app's
  BOOST_TEST(removal.success[2].key == "/apps-public/notes");  // reinstalled, it is private again
  BOOST_TEST(app_remove_request(change.record, 12, 13, true).success.size() == 4u);
}

BOOST_AUTO_TEST_CASE(records_round_trip_and_bad_ones_are_refused) {
  app_record record;
  record.name = "notes";
  record.publisher = testing::key(3).public_part().to_text();
  record.uid = 70'004;
  record.current = {"1.2.0", content, {{{"/photos", false}}, true, {"calendar"}}};
  record.previous = installed_version{"1.1.0", "sha256:" + std::string(64, 'c'), {}};
  record.installed_by = "owner";
  record.stopped = true;
  auto again = parse_app_record(app_record_json(record));
  BOOST_TEST_REQUIRE(again.has_value(), again.error().to_string());
  BOOST_TEST((*again == record));
  // A record written before stop existed reads as running.
  auto older = nlohmann::json::parse(app_record_json(record));
  older.erase("stopped");
  BOOST_TEST(!parse_app_record(older.dump())->stopped);
  record.previous.reset();
  auto without = parse_app_record(app_record_json(record));
  BOOST_TEST_REQUIRE(without.has_value());
  BOOST_TEST(!without->previous.has_value());
  BOOST_TEST(!parse_app_record(R"({"name":"notes"})").has_value());
  BOOST_TEST(!parse_app_record("not json").has_value());
  auto text = app_record_json(record);
  text.insert(1, R"("extra":1,)");
  BOOST_TEST(!parse_app_record(text).has_value());
  repo_entry entry{"notes", "1.2.0", content, "/packages/x.bpkg", 10, "Family notes", "k"};
  auto entry_again = parse_repo_entry(repo_entry_json(entry));
  BOOST_TEST_REQUIRE(entry_again.has_value());
  BOOST_TEST((*entry_again == entry));
}

BOOST_AUTO_TEST_CASE(an_upgrade_keeps_only_grants_still_asked_for) {
  app_grants before;
  before.folders = {{"/photos", false}, {"/shared/notes", true}, {"/old", true}};
  before.network = true;
  before.services = {"calendar", "mail"};
  auto asks = sample_asks();
  asks.folders[1].access = folder_access::read;  // now asks only to read /shared/notes
  asks.network = false;
  auto kept = carry_grants(before, asks);
  BOOST_TEST_REQUIRE(kept.folders.size() == 2u);
  BOOST_TEST(kept.folders[0].path == "/photos");
  BOOST_TEST(!kept.folders[1].writable);
  BOOST_TEST(!kept.network);
  BOOST_TEST(kept.services == std::vector<std::string>{"calendar"});
}
