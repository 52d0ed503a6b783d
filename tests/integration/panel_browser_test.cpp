// The control panel in a real browser (issue 21): Debian's chromium, headless,
// trusting the zone's CA the way a person installs it (an NSS root), on a zone of
// three nodes. Signs in as the owner, sees the three nodes up, installs the sample
// app from the zone's repo through the consent screen (granting what was ticked),
// opens it at notes.<zone> (signed in there too), uploads a file that the CLI then
// finds in the zone's files, looks at it phone-wide, and signs out. Screenshots go
// to build/test-artifacts/panel/. Needs root, /dev/fuse, bwrap and chromium (CI).
#define BOOST_TEST_MODULE integration_panel_browser
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cdp_browser.hpp"
#include "tests/support/gateway_zone.hpp"

using namespace bucky;
using namespace bucky::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const fs::path shots = fs::path(BUCKY_ARTIFACTS_DIR) / "panel";

// The zone's CA in an NSS database under `home`, as a trusted root for websites.
void trust_zone_ca(const fs::path& home, const std::string& ca_pem) {
  const auto db = home / ".pki" / "nssdb";
  fs::create_directories(db);
  std::ofstream(home / "zone-ca.pem") << ca_pem;
  const std::string certutil = "certutil -d sql:" + db.string();
  BOOST_TEST_REQUIRE(std::system((certutil + " -N --empty-password").c_str()) == 0);
  BOOST_TEST_REQUIRE(std::system((certutil + " -A -t C,, -n bucky-zone -i " + (home / "zone-ca.pem").string()).c_str()) == 0);
}

std::string click(const std::string& selector) {
  return "(() => { const e = document.querySelector(" + json(selector).dump() + "); if (!e) return false; e.click(); return true; })()";
}

std::string fill(const std::string& selector, const std::string& value) {
  return "(() => { const e = document.querySelector(" + json(selector).dump() + "); if (!e) return false; e.value = " +
         json(value).dump() + "; return true; })()";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_person_uses_the_zone_from_a_browser) {
  if (!fuse_usable()) return;
  gateway_zone gz;
  // The sample app in a repo the zone knows.
  const auto package = pack_notes(gz);
  const auto repo = gz.zone.dir.path / "repo";
  fs::create_directories(repo);
  fs::copy_file(package, repo / "notes-1.0.0.bpkg");
  auto publisher = gz.zone.cli({"--key", (gz.zone.dir.path / "publisher.key").string(), "key", "create"}).out;
  publisher = publisher.substr(0, publisher.find('\n'));
  BOOST_TEST_REQUIRE(gz.zone.cli({"repo", "build", repo.string(), "--key", (gz.zone.dir.path / "publisher.key").string()}).code == 0);
  auto added = gz.zone.cli({"repo", "add", "main", repo.string(), "--key", publisher});
  BOOST_TEST_REQUIRE(added.code == 0, added.err);

  const auto home = gz.zone.dir.path / "browser";
  trust_zone_ca(home, gz.ca_pem);
  const auto port = std::to_string(gz.gateway_ports.at("n1"));
  const std::string panel = "https://" + zone_id + ":" + port + "/";
  cdp_browser browser(home, {"--host-resolver-rules=MAP " + zone_id + " 127.0.0.1, MAP *." + zone_id + " 127.0.0.1",
                             "--window-size=1280,900"});
  auto page = browser.open("about:blank");
  BOOST_TEST_REQUIRE(!page.empty());
  browser.call("Page.enable", {}, page);

  // Sign in.
  browser.go(page, panel);
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.getElementById('signin') && !document.getElementById('signin').hidden"),
                     "no sign-in form at " << panel << " (does chromium trust the zone CA?)");
  browser.eval(page, fill("#signin-user", "owner"));
  browser.eval(page, fill("#signin-password", owner_password));
  browser.eval(page, click("#signin-form button[type=submit]"));
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.querySelectorAll('.card.node').length === 3 && "
                                             "[...document.querySelectorAll('.card.node .up')].length === 3"),
                     "three nodes up never showed: " << browser.eval(page, "document.body.innerText"));
  browser.screenshot(page, shots / "1-nodes.png");

  // Install the sample from the store, granting what the consent screen offers.
  browser.go(page, panel + "#apps");
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.getElementById('store-button')"));
  browser.eval(page, click("#store-button"));
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.querySelector('[data-package=notes] .install-app')"),
                     browser.eval(page, "document.body.innerText"));
  browser.eval(page, click("[data-package=notes] .install-app"));
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.querySelectorAll('#consent input.ask').length > 0"),
                     browser.eval(page, "document.body.innerText"));
  auto asks = browser.eval(page, "[...document.querySelectorAll('#consent label')].map(l => l.innerText)");
  BOOST_TEST(asks.dump().find("/shared/notes") != std::string::npos, asks.dump());
  browser.screenshot(page, shots / "2-consent.png");
  browser.eval(page, "document.querySelectorAll('#consent input.ask').forEach(b => b.checked = true)");
  browser.eval(page, click("#consent-install"));
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.getElementById('installed')", 60s),
                     browser.eval(page, "document.getElementById('status').innerText"));
  BOOST_TEST(gz.zone.cli({"app", "list"}).out.find("/shared/notes") != std::string::npos);
  BOOST_TEST_REQUIRE(browser.wait_true(page, "(document.querySelector('[data-app=notes]') || {innerText: ''}).innerText.includes('running')", 60s));
  browser.screenshot(page, shots / "3-apps.png");

  // Open it: the app's own host, the person signed in there too.
  browser.go(page, "https://notes." + zone_id + ":" + port + "/me");
  BOOST_TEST(browser.wait_true(page, "document.body && document.body.innerText.trim() === 'owner owner'", 30s),
             browser.eval(page, "location.href + ' ' + (document.body ? document.body.innerText : '')"));
  browser.screenshot(page, shots / "4-app.png");

  // Upload a file into the zone's files; the CLI finds it there.
  const auto local = gz.zone.dir.path / "holiday.txt";
  std::ofstream(local) << std::string(100'000, 'h');
  browser.go(page, panel + "#files?path=%2F");
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.getElementById('upload-file')"));
  browser.choose_file(page, "#upload-file", local.string());
  browser.eval(page, click("#upload-button"));
  BOOST_TEST_REQUIRE(browser.wait_true(page, "document.querySelector('[data-name=\"holiday.txt\"]')"),
                     browser.eval(page, "document.getElementById('status').innerText"));
  auto stat = gz.zone.cli({"fs", "stat", "/holiday.txt", "--json"});
  BOOST_TEST(stat.out.find("100000") != std::string::npos, stat.out << stat.err);
  browser.screenshot(page, shots / "5-files.png");

  // Phone width: the nodes still fit.
  browser.call("Emulation.setDeviceMetricsOverride", {{"width", 390}, {"height", 844}, {"deviceScaleFactor", 2}, {"mobile", true}}, page);
  browser.go(page, panel + "#nodes");
  BOOST_TEST(browser.wait_true(page, "document.querySelectorAll('.card.node').length === 3"));
  BOOST_TEST(browser.eval(page, "document.documentElement.scrollWidth <= window.innerWidth + 1") == json(true));
  browser.screenshot(page, shots / "6-phone.png");

  // Sign out: the sign-in form again, and the session gone for good.
  browser.eval(page, click("#sign-out"));
  BOOST_TEST(browser.wait_true(page, "!document.getElementById('signin').hidden"));
  BOOST_TEST(browser.eval(page, "fetch('/api/session').then(r => r.status)") == json(401));
}
