// acceptor_core: the Paxos acceptor's rules, step by step.
#define BOOST_TEST_MODULE paxos_acceptor_core
#include <boost/test/unit_test.hpp>

#include <random>

#include "actors/paxos/acceptor_core.hpp"
#include "messages/common/check.hpp"

using namespace bucky;

namespace {
ballot b(std::uint64_t round, std::uint32_t replica) { return {round, replica}; }
std::vector<std::uint8_t> v(std::uint8_t x) { return {x}; }
}  // namespace

BOOST_AUTO_TEST_CASE(ballots_order_by_round_then_replica) {
  BOOST_TEST((b(1, 2) < b(2, 0)));
  BOOST_TEST((b(2, 0) < b(2, 1)));
  BOOST_TEST((b(0, 0).is_zero()));
}

BOOST_AUTO_TEST_CASE(prepare_above_the_promise_is_promised_and_must_be_persisted) {
  acceptor_core acceptor;
  auto out = acceptor.on_prepare({b(1, 0), 0});
  BOOST_TEST(out.reply.ok);
  BOOST_TEST_REQUIRE(out.persist_promised.has_value());
  BOOST_TEST((*out.persist_promised == b(1, 0)));
  BOOST_TEST((acceptor.promised() == b(1, 0)));
}

BOOST_AUTO_TEST_CASE(a_repeated_prepare_is_answered_again_without_a_write) {
  acceptor_core acceptor;
  acceptor.on_prepare({b(1, 0), 0});
  auto again = acceptor.on_prepare({b(1, 0), 0});
  BOOST_TEST(again.reply.ok);
  BOOST_TEST(!again.persist_promised.has_value());
}

BOOST_AUTO_TEST_CASE(acceptor_never_lowers_its_promised_ballot) {
  acceptor_core acceptor;
  acceptor.on_prepare({b(5, 1), 0});
  auto lower_prepare = acceptor.on_prepare({b(4, 2), 0});
  BOOST_TEST(!lower_prepare.reply.ok);
  BOOST_TEST((lower_prepare.reply.promised == b(5, 1)));
  BOOST_TEST(!lower_prepare.persist_promised.has_value());
  auto lower_accept = acceptor.on_accept({b(5, 0), 3, v(1)});
  BOOST_TEST(!lower_accept.reply.ok);
  BOOST_TEST(!lower_accept.persist_accepted.has_value());
  BOOST_TEST((acceptor.promised() == b(5, 1)));
  BOOST_TEST(acceptor.accepted().empty());
}

BOOST_AUTO_TEST_CASE(accept_at_or_above_the_promise_is_accepted_and_raises_the_promise) {
  acceptor_core acceptor;
  acceptor.on_prepare({b(1, 0), 0});
  auto same = acceptor.on_accept({b(1, 0), 7, v(7)});
  BOOST_TEST(same.reply.ok);
  BOOST_TEST(!same.persist_promised.has_value());
  BOOST_TEST_REQUIRE(same.persist_accepted.has_value());
  BOOST_TEST(same.persist_accepted->slot == 7u);
  auto higher = acceptor.on_accept({b(3, 2), 8, v(8)});
  BOOST_TEST(higher.reply.ok);
  BOOST_TEST_REQUIRE(higher.persist_promised.has_value());
  BOOST_TEST((acceptor.promised() == b(3, 2)));
}

BOOST_AUTO_TEST_CASE(promise_reports_what_was_accepted_from_the_first_open_slot_on) {
  acceptor_core acceptor;
  acceptor.on_accept({b(1, 0), 1, v(1)});
  acceptor.on_accept({b(1, 0), 2, v(2)});
  acceptor.on_accept({b(2, 1), 2, v(22)});  // a later ballot overwrote slot 2
  acceptor.on_accept({b(2, 1), 5, v(5)});
  auto out = acceptor.on_prepare({b(3, 0), 2});
  BOOST_TEST_REQUIRE(out.reply.accepted.size() == 2u);
  BOOST_TEST(out.reply.accepted[0].slot == 2u);
  BOOST_TEST((out.reply.accepted[0].accepted_in == b(2, 1)));
  BOOST_TEST(out.reply.accepted[0].value == v(22));
  BOOST_TEST(out.reply.accepted[1].slot == 5u);
}

BOOST_AUTO_TEST_CASE(a_resent_accept_in_the_same_ballot_writes_nothing_and_two_values_are_a_bug) {
  acceptor_core acceptor;
  acceptor.on_accept({b(1, 0), 4, v(1)});
  auto resent = acceptor.on_accept({b(1, 0), 4, v(1)});
  BOOST_TEST(resent.reply.ok);
  BOOST_TEST(!resent.persist_accepted.has_value());
  BOOST_CHECK_THROW(acceptor.on_accept({b(1, 0), 4, v(2)}), invariant_violation);
}

BOOST_AUTO_TEST_CASE(compaction_drops_chosen_entries_only_and_never_moves_back) {
  acceptor_core acceptor;
  for (slot_id s = 1; s <= 5; ++s) acceptor.on_accept({b(1, 0), s, v(static_cast<std::uint8_t>(s))});
  auto out = acceptor.compact_below(4);
  BOOST_TEST((out.persist_compacted_below == std::optional<slot_id>(4)));
  BOOST_TEST(acceptor.accepted().size() == 2u);
  BOOST_TEST(acceptor.accepted().begin()->first == 4u);
  BOOST_TEST(!acceptor.compact_below(3).persist_compacted_below.has_value());
  BOOST_TEST(acceptor.compacted_below() == 4u);
}

BOOST_AUTO_TEST_CASE(an_accept_below_the_compaction_point_is_acknowledged_without_a_write) {
  acceptor_core acceptor;
  acceptor.on_accept({b(1, 0), 1, v(1)});
  acceptor.compact_below(2);
  auto late = acceptor.on_accept({b(2, 0), 1, v(1)});
  BOOST_TEST(late.reply.ok);
  BOOST_TEST(!late.persist_accepted.has_value());
  BOOST_TEST(acceptor.accepted().empty());
  auto promise = acceptor.on_prepare({b(3, 0), 0});
  BOOST_TEST(promise.reply.compacted_below == 2u);
  BOOST_TEST(promise.reply.accepted.empty());
}

// A promise carries at most the byte budget of values (at least one entry); the
// candidate asks for the rest in the same ballot, which changes nothing durable
// (issue 17: after a power cut, the open slots of large values did not fit one
// message, so no candidate could gather a quorum of promises).
BOOST_AUTO_TEST_CASE(a_promise_too_large_for_one_message_comes_in_parts) {
  acceptor_core acceptor;
  for (slot_id slot = 1; slot <= 5; ++slot) {
    acceptor.on_accept({b(1, 0), slot, std::vector<std::uint8_t>(1000, static_cast<std::uint8_t>(slot))});
  }
  auto first = acceptor.on_prepare({b(2, 1), 2}, 2'500);
  BOOST_TEST(first.reply.ok);
  BOOST_TEST(first.persist_promised.has_value());
  BOOST_TEST(first.reply.accepted.size() == 2u);  // slots 2 and 3: a third would pass 2,500 bytes
  BOOST_TEST(first.reply.more_from == 4u);
  auto rest = acceptor.on_prepare({b(2, 1), first.reply.more_from}, 2'500);
  BOOST_TEST(rest.reply.ok);
  BOOST_TEST(!rest.persist_promised.has_value());  // the same ballot: nothing to write
  BOOST_TEST(rest.reply.accepted.size() == 2u);
  BOOST_TEST(rest.reply.accepted.front().slot == 4u);
  BOOST_TEST(rest.reply.more_from == 0u);
  auto tiny = acceptor.on_prepare({b(2, 1), 1}, 10);  // one entry always goes, whatever the budget
  BOOST_TEST(tiny.reply.accepted.size() == 1u);
  BOOST_TEST(tiny.reply.more_from == 2u);
}

BOOST_AUTO_TEST_CASE(restored_state_above_the_promise_is_refused) {
  BOOST_CHECK_THROW(acceptor_core(b(1, 0), {{3, b(2, 0), v(1)}}), invariant_violation);
  BOOST_CHECK_THROW(acceptor_core(b(2, 0), {{3, b(1, 0), v(1)}, {3, b(1, 0), v(1)}}), invariant_violation);
}

// Random prepares and accepts from several proposers: the promised ballot is
// monotonic and every reply is consistent with it.
BOOST_AUTO_TEST_CASE(random_steps_keep_the_acceptor_invariants) {
  std::mt19937_64 random(42);
  acceptor_core acceptor;
  for (int step = 0; step < 20'000; ++step) {
    ballot proposal{random() % 50, static_cast<std::uint32_t>(random() % 3)};
    ballot before = acceptor.promised();
    if (random() % 2) {
      auto out = acceptor.on_prepare({proposal, random() % 10});
      BOOST_TEST_REQUIRE(out.reply.ok == (proposal >= before));
    } else {
      slot_id slot = random() % 10;
      // One value per (ballot, slot), as a correct leader sends.
      std::uint8_t value = static_cast<std::uint8_t>(proposal.round * 7 + proposal.replica * 3 + slot);
      auto out = acceptor.on_accept({proposal, slot, v(value)});
      BOOST_TEST_REQUIRE(out.reply.ok == (proposal >= before));
    }
    BOOST_TEST_REQUIRE((acceptor.promised() >= before));
  }
}
