// acceptor_store: acceptor state survives restarts and crashes; damaged records stop
// the replica from voting.
#define BOOST_TEST_MODULE paxos_acceptor_store
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "actors/paxos/acceptor_store.hpp"
#include "tests/support/lmdb_env.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;
using bucky::testing::temp_dir;

namespace {

// Runs one acceptor step against the store the way the shell does: persist, then reply.
template <class Step>
void step(acceptor_core& acceptor, acceptor_store& store, Step message) {
  if constexpr (std::is_same_v<Step, paxos_prepare>) {
    BOOST_TEST_REQUIRE(store.persist(acceptor.on_prepare(message)).is_ok());
  } else {
    BOOST_TEST_REQUIRE(store.persist(acceptor.on_accept(message)).is_ok());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(slot_keys_sort_like_slots) {
  BOOST_TEST(slot_key(1) < slot_key(2));
  BOOST_TEST(slot_key(255) < slot_key(256));
  BOOST_TEST(slot_key(0xffffffff) < slot_key(0x100000000));
}

BOOST_AUTO_TEST_CASE(what_was_persisted_is_what_loads) {
  temp_dir dir;
  {
    auto env = bucky::testing::open_test_env(dir.path.string());
    auto store = acceptor_store::open(*env);
    BOOST_TEST_REQUIRE(store.has_value());
    auto acceptor = store->load();
    BOOST_TEST_REQUIRE(acceptor.has_value());
    step(*acceptor, *store, paxos_prepare{{2, 1}, 0});
    step(*acceptor, *store, paxos_accept{{2, 1}, 1, {1, 2, 3}});
    step(*acceptor, *store, paxos_accept{{3, 0}, 2, {4}});
  }
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = acceptor_store::open(*env);
  auto acceptor = store->load();
  BOOST_TEST_REQUIRE(acceptor.has_value(), acceptor.error().to_string());
  BOOST_TEST((acceptor->promised() == ballot{3, 0}));
  BOOST_TEST_REQUIRE(acceptor->accepted().size() == 2u);
  BOOST_TEST((acceptor->accepted().at(1).value == std::vector<std::uint8_t>{1, 2, 3}));
  BOOST_TEST(store->persist(acceptor->compact_below(2)).is_ok());
  auto compacted = store->load();
  BOOST_TEST_REQUIRE(compacted.has_value());
  BOOST_TEST(compacted->accepted().size() == 1u);
  BOOST_TEST(compacted->compacted_below() == 2u);
  // A promise from the reloaded acceptor says where its log starts.
  auto promise = compacted->on_prepare({{4, 0}, 0});
  BOOST_TEST(promise.reply.compacted_below == 2u);
  BOOST_TEST(promise.reply.accepted.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_crash_before_the_commit_leaves_the_previous_promise) {
  temp_dir dir;
  {
    auto env = bucky::testing::open_test_env(dir.path.string());
    auto store = acceptor_store::open(*env);
    auto acceptor = store->load();
    step(*acceptor, *store, paxos_prepare{{1, 0}, 0});
  }
  pid_t child = fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    auto env = bucky::testing::open_env_in_child(dir.path.string());
    auto store = acceptor_store::open(*env);
    auto acceptor = store->load();
    auto out = acceptor->on_prepare({{9, 0}, 0});  // promised in memory, never persisted
    (void)out;
    _exit(0);
  }
  int child_status = 0;
  waitpid(child, &child_status, 0);
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto acceptor = acceptor_store::open(*env)->load();
  BOOST_TEST((acceptor->promised() == ballot{1, 0}));
}

BOOST_AUTO_TEST_CASE(a_damaged_record_refuses_to_load_so_the_replica_does_not_vote) {
  temp_dir dir;
  auto env = bucky::testing::open_test_env(dir.path.string());
  auto store = acceptor_store::open(*env);
  auto acceptor = store->load();
  step(*acceptor, *store, paxos_accept{{1, 0}, 1, {1}});
  auto log = env->table("paxos.log");
  auto txn = env->begin_write();
  BOOST_TEST_REQUIRE(txn->put(*log, slot_key(2), "\xc1garbage").is_ok());
  BOOST_TEST_REQUIRE(txn->commit().is_ok());
  auto loaded = store->load();
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().code() == status_code::corruption));
  BOOST_TEST(loaded.error().message().find("will not vote") != std::string::npos, loaded.error().message());
}
