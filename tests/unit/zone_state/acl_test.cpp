// acl_config: what each caller may read and write, and how bad rules are refused.
#define BOOST_TEST_MODULE unit_zone_state_acl
#include <boost/test/unit_test.hpp>

#include <functional>

#include "actors/zone_state/acl.hpp"
#include "actors/zone_state/system_config.hpp"
#include "actors/zone_state/kv_machine.hpp"

using namespace bucky;

namespace {

kv_request one(kv_op_kind kind, std::string key, std::string range_end = "", std::string value = "") {
  kv_request request;
  kv_op op;
  op.kind = kind;
  op.key = std::move(key);
  op.range_end = std::move(range_end);
  op.value = std::move(value);
  request.success.push_back(op);
  return request;
}

kv_request put(std::string key, std::string value = "v") { return one(kv_op_kind::put, std::move(key), "", std::move(value)); }
kv_request get(std::string key) { return one(kv_op_kind::range, std::move(key)); }
kv_request prefix(std::string key) {
  auto end = prefix_range_end(key);
  return one(kv_op_kind::range, std::move(key), end);
}

const caller owner{caller::kind::owner, "owner"};
const caller admin{caller::kind::admin, "alice"};
const caller nas{caller::kind::node, "nas"};
const caller guest{caller::kind::guest, "guest-abc"};

bool ok(const acl_config& acl, const caller& who, const kv_request& r) { return check_access(acl, who, r).is_ok(); }

}  // namespace

BOOST_AUTO_TEST_CASE(defaults_let_nodes_read_everything_and_write_their_own_keys) {
  auto acl = default_acl();
  BOOST_TEST(ok(acl, nas, get("/services/photos/spec")));
  BOOST_TEST(ok(acl, nas, prefix("/")));
  BOOST_TEST(ok(acl, nas, one(kv_op_kind::range, "a", std::string(1, '\0'))));
  BOOST_TEST(ok(acl, nas, put("/nodes/nas/status")));
  BOOST_TEST(!ok(acl, nas, put("/nodes/mini/status")));
  BOOST_TEST(ok(acl, nas, put("/nodes/mini/config")));  // the scheduler places services
  BOOST_TEST(!ok(acl, nas, put("/nodes//config")));     // "*" is one or more characters
  BOOST_TEST(!ok(acl, nas, put("/nodes/a/b/config")));  // and one segment
  BOOST_TEST(ok(acl, nas, put("/scheduler/leader")));
  BOOST_TEST(!ok(acl, nas, put("/services/photos/spec")));
  BOOST_TEST(!ok(acl, nas, put(acl_key, acl_to_json(default_acl()))));
  BOOST_TEST(!ok(acl, nas, one(kv_op_kind::delete_range, "/nodes/", prefix_range_end("/nodes/"))));
  BOOST_TEST(ok(acl, nas, one(kv_op_kind::delete_range, "/nodes/nas/", prefix_range_end("/nodes/nas/"))));
  BOOST_TEST(ok(acl, nas, one(kv_op_kind::lease_grant, "")));
  BOOST_TEST(ok(acl, admin, put("/services/photos/spec")));
  BOOST_TEST(ok(acl, owner, put(acl_key, acl_to_json(default_acl()))));
  BOOST_TEST(!ok(acl, guest, get("/x")));
}

BOOST_AUTO_TEST_CASE(the_owner_cannot_be_locked_out_and_rules_narrow_everyone_else) {
  acl_config acl{{{"admin:alice", "/photos/", true}, {"*", "/public/", false}}};
  BOOST_TEST(ok(acl, owner, put("/anything")));
  BOOST_TEST(ok(acl, admin, put("/photos/1")));
  BOOST_TEST(ok(acl, admin, prefix("/photos/")));
  BOOST_TEST(!ok(acl, admin, prefix("/photos")));  // would include /photosecret
  BOOST_TEST(!ok(acl, admin, get("/secret")));
  BOOST_TEST(ok(acl, nas, get("/public/motd")));
  BOOST_TEST(!ok(acl, nas, put("/public/motd")));
  BOOST_TEST(!ok(acl, caller{caller::kind::admin, "bob"}, put("/photos/1")));
  // A range is judged by the prefix all its keys share.
  BOOST_TEST(ok(acl, admin, one(kv_op_kind::range, "/photos/a", "/photos/b")));
  BOOST_TEST(!ok(acl, admin, one(kv_op_kind::range, "/photos/a", "/q")));
  // Compares read; failure branches count too.
  auto txn = put("/photos/2");
  txn.compares.push_back({"/secret", kv_compare_target::version, kv_compare_result::equal, "", 0});
  BOOST_TEST(!ok(acl, admin, txn));
  auto branch = put("/photos/3");
  branch.failure.push_back(put("/secret").success[0]);
  BOOST_TEST(!ok(acl, admin, branch));
  // Leases need write access somewhere.
  BOOST_TEST(ok(acl, admin, one(kv_op_kind::lease_grant, "")));
  BOOST_TEST(!ok(acl, nas, one(kv_op_kind::lease_grant, "")));
  auto refusal = check_access(acl, admin, get("/secret")).message();
  BOOST_TEST(refusal.find("admin alice may not read '/secret'") != std::string::npos, refusal);
  kv_watch_request watch;
  watch.key = "/photos/";
  watch.range_end = prefix_range_end("/photos/");
  BOOST_TEST(check_access(acl, admin, watch).is_ok());
  watch.key = "/";
  watch.range_end = prefix_range_end("/");
  BOOST_TEST(!check_access(acl, admin, watch).is_ok());
}

BOOST_AUTO_TEST_CASE(self_stands_for_the_callers_name) {
  acl_config acl{{{"node", "/nodes/{self}/", true}}};
  BOOST_TEST(ok(acl, nas, put("/nodes/nas/x")));
  BOOST_TEST(!ok(acl, nas, put("/nodes/nasty/x")));
}

BOOST_AUTO_TEST_CASE(rules_round_trip_and_bad_ones_are_refused_naming_the_rule) {
  auto acl = default_acl();
  BOOST_TEST((parse_acl(acl_to_json(acl)).value() == acl));
  auto refused = [](std::string_view text, const std::string& words) {
    auto parsed = parse_acl(text);
    return !parsed && parsed.error().message().find(words) != std::string::npos;
  };
  BOOST_TEST(refused("{", "not JSON"));
  BOOST_TEST(refused(R"({"rule": []})", "expected"));
  BOOST_TEST(refused(R"({"rules": [{"who": "node", "prefix": "/"}]})", "rule 0: \"access\""));
  BOOST_TEST(refused(R"({"rules": [{"who": "node", "prefix": "/", "access": "read"},
                                   {"who": "root", "prefix": "/", "access": "read"}]})", "rule 1: \"who\""));
  BOOST_TEST(refused(R"({"rules": [{"who": "node", "prefix": "/", "access": "all"}]})", "\"read\" or \"write\""));
  // Writing a bad acl_config is refused before it reaches the log (the owner may
  // write it, but not broken).
  BOOST_TEST(check_access(acl, owner, put(acl_key, "{broken")).is_ok());
  BOOST_TEST(!check_document_writes(put(acl_key, "{broken"), {}).is_ok());
}

// Issue 18: one etcd-habit `deleterange` of everything with the owner's token
// removed every service spec, the users, the ACL and the node configs.
BOOST_AUTO_TEST_CASE(a_delete_reaching_control_keys_must_lie_inside_one_prefix) {
  auto acl = default_acl();
  const std::string all(1, '\0');
  auto everything = one(kv_op_kind::delete_range, all, all);
  auto refusal = check_access(acl, owner, everything).message();
  BOOST_TEST(refusal.find("control keys") != std::string::npos, refusal);
  BOOST_TEST(!ok(acl, owner, one(kv_op_kind::delete_range, "/", prefix_range_end("/"))));
  BOOST_TEST(!ok(acl, owner, one(kv_op_kind::delete_range, "/a", "/t")));        // reaches /nodes/ .. /services/
  BOOST_TEST(!ok(acl, owner, one(kv_op_kind::delete_range, "/services", "/services0")));  // "/services" then all of it
  BOOST_TEST(ok(acl, owner, one(kv_op_kind::delete_range, "/services/web/", prefix_range_end("/services/web/"))));
  BOOST_TEST(ok(acl, owner, one(kv_op_kind::delete_range, "/services/", prefix_range_end("/services/"))));
  BOOST_TEST(ok(acl, owner, one(kv_op_kind::delete_range, "/photos/", prefix_range_end("/photos/"))));
  BOOST_TEST(ok(acl, owner, one(kv_op_kind::delete_range, "/services/web/spec")));  // one key
  BOOST_TEST(ok(acl, owner, one(kv_op_kind::delete_range, "/v", all)));           // after every control prefix
  BOOST_TEST(!ok(acl, owner, one(kv_op_kind::delete_range, "/t", all)));          // /users/ is after /t
  // Inside a transaction's failure branch too.
  auto branch = put("/photos/1");
  branch.failure.push_back(everything.success[0]);
  BOOST_TEST(!ok(acl, owner, branch));
}

// Issue 18: a node's key wrote /nodes/n2/config with a command, and n2 ran it as
// root. Nodes point at specs; what a spec runs only the owner and admins write, and
// the users and the ACL only the owner, whatever /system/acl grants.
BOOST_AUTO_TEST_CASE(control_keys_are_written_by_their_role_whatever_the_rules_grant) {
  acl_config generous{{{"*", "", true}}};
  for (const auto& key : {"/services/web/spec", "/users/mallory", "/system/acl"}) {
    BOOST_TEST(!ok(generous, nas, put(key)), key);
    BOOST_TEST(!ok(generous, nas, one(kv_op_kind::delete_range, key)), key);
  }
  BOOST_TEST(ok(generous, admin, put("/services/web/spec")));
  BOOST_TEST(!ok(generous, admin, put("/users/alice")));  // an admin cannot make admins
  BOOST_TEST(!ok(generous, admin, put(acl_key)));
  BOOST_TEST(ok(generous, owner, put("/users/alice")));
  BOOST_TEST(ok(generous, nas, put("/nodes/mini/config")));
  BOOST_TEST(ok(generous, nas, put("/system")));  // not under /system/
  auto refusal = check_access(generous, nas, put("/services/web/spec")).message();
  BOOST_TEST(refusal.find("only the owner and admins") != std::string::npos, refusal);
}

// Issue 18: one place decides who may do what. Every operation an entry point can
// ask of the zone state or of a node, against every role, with the default rules.
// A row lists the roles allowed: O owner, A admin, W writer (alice), R reader
// (bob), N node (nas), G guest (a key waiting for activation).
namespace {

const caller writer{caller::kind::writer, "alice"};
const caller reader{caller::kind::reader, "bob"};

struct row {
  const char* what;
  std::function<status(const caller&)> ask;
  const char* allowed;
};

std::function<status(const caller&)> kv(kv_request request) {
  return [request](const caller& who) { return check_access(default_acl(), who, request); };
}

std::function<status(const caller&)> action(node_action what) {
  return [what](const caller& who) { return check_node_action(who, what); };
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_operation_against_every_role) {
  const std::string all(1, '\0');
  kv_watch_request watch_all;
  watch_all.key = "/";
  watch_all.range_end = prefix_range_end("/");
  const std::vector<row> table{
      {"read a key", kv(get("/photos/1")), "OAWRN"},
      // Every key includes /logins/ (password-sealed keys): not for readers and writers.
      {"read every key", kv(one(kv_op_kind::range, all, all)), "OAN"},
      {"watch every key", [&](const caller& who) { return check_access(default_acl(), who, watch_all); }, "OAN"},
      {"read alice's sealed key", kv(get("/logins/alice")), "OAWN"},
      {"read every sealed key", kv(one(kv_op_kind::range, "/logins/", prefix_range_end("/logins/"))), "OAN"},
      {"write alice's sealed key", kv(put("/logins/alice")), "OAW"},
      {"write another's sealed key", kv(put("/logins/carol")), "O"},
      {"write own home", kv(put("/home/alice/notes")), "OAW"},
      {"write another's home", kv(put("/home/carol/notes")), "OA"},
      {"write a shared folder", kv(put("/photos/1")), "OA"},
      {"write a service spec", kv(put("/services/web/spec")), "OA"},
      {"delete every service", kv(one(kv_op_kind::delete_range, "/services/", prefix_range_end("/services/"))), "OA"},
      {"write a user", kv(put("/users/eve")), "O"},
      {"write the acl", kv(put(acl_key)), "O"},
      {"write the zone config mirror", kv(put("/system/zone_config")), "O"},
      {"write own node status", kv(put("/nodes/nas/status")), "OAN"},
      {"write another node's status", kv(put("/nodes/mini/status")), "OA"},
      {"place services (node config)", kv(put("/nodes/mini/config")), "OAN"},
      {"take the scheduler lead", kv(put("/scheduler/leader")), "OAN"},
      {"delete everything", kv(one(kv_op_kind::delete_range, all, all)), ""},
      {"delete under /", kv(one(kv_op_kind::delete_range, "/", prefix_range_end("/"))), ""},
      {"grant a lease", kv(one(kv_op_kind::lease_grant, "")), "OAWN"},
      {"revoke a lease (then: only its own)", kv(one(kv_op_kind::lease_revoke, "")), "OAWN"},
      {"restart an actor", action(node_action::restart_actor), "OA"},
      {"make the leader step down", action(node_action::step_down), "OA"},
      {"read a node's log", action(node_action::read_log), "OA"},
      {"inject faults", action(node_action::inject_fault), "OA"},
  };
  const std::vector<std::pair<char, caller>> roles{{'O', owner}, {'A', admin}, {'W', writer},
                                                   {'R', reader}, {'N', nas},   {'G', guest}};
  for (const auto& r : table) {
    for (const auto& [letter, who] : roles) {
      bool expected = std::string_view(r.allowed).find(letter) != std::string_view::npos;
      auto answer = r.ask(who);
      BOOST_TEST(answer.is_ok() == expected, r.what << " by " << role_name(who.role) << " " << who.name << ": "
                                                      << (answer.is_ok() ? "allowed" : answer.message()));
      if (!answer.is_ok()) BOOST_TEST(answer.message().find(who.name) != std::string::npos, answer.message());
    }
  }
}
