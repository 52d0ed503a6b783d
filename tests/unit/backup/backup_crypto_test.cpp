// What a backup target holds (actors/backup/backup_crypto.hpp): chunks that seal the
// same way on every node and open only with their key, names that do not give the
// chunk away, and snapshot documents that only the owner opens, that say who wrote
// them, and that do not open once a byte is changed.
#define BOOST_TEST_MODULE backup_crypto
#include <boost/test/unit_test.hpp>

#include <string>

#include "actors/backup/backup_crypto.hpp"
#include "storage/chunk_hash.hpp"
#include "tests/support/test_keys.hpp"

using namespace bucky;
using namespace bucky::backup;

namespace {

std::vector<std::uint8_t> bytes(const std::string& text) { return {text.begin(), text.end()}; }

chunk_id id_of(const std::vector<std::uint8_t>& plain) {
  return chunk_hash(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_chunk_seals_the_same_everywhere_and_opens_only_with_its_own_key) {
  const auto plain = bytes("the family photos, chunk 1");
  const auto key = key_of_chunk(plain);
  BOOST_TEST((key != id_of(plain).bytes));  // the chunk id alone does not open it
  const auto sealed = seal_chunk(key, plain);
  BOOST_TEST(sealed.size() == plain.size() + sealed_chunk_overhead_bytes);
  BOOST_TEST((seal_chunk(key_of_chunk(plain), plain) == sealed));  // another node, the same bytes
  auto opened = open_chunk(key, sealed);
  BOOST_TEST_REQUIRE(opened.has_value(), opened.error().to_string());
  BOOST_TEST((*opened == plain));

  const auto other = bytes("the family photos, chunk 2");
  BOOST_TEST((key_of_chunk(other) != key));
  BOOST_TEST(!open_chunk(key_of_chunk(other), sealed).has_value());
  for (std::size_t at = 0; at < sealed.size(); ++at) {
    auto altered = sealed;
    altered[at] ^= 0x01;
    auto refused = open_chunk(key, altered);
    BOOST_TEST_REQUIRE(!refused.has_value(), "byte " << at);
    BOOST_TEST((refused.error().code() == status_code::corruption));
  }
  BOOST_TEST(!open_chunk(key, std::span(sealed).first(10)).has_value());
  BOOST_TEST(open_chunk(key, seal_chunk(key, {})).has_value());  // an empty chunk is a chunk
}

BOOST_AUTO_TEST_CASE(names_at_the_target_are_fixed_by_the_salt_and_say_nothing_without_it) {
  const auto id = id_of(bytes("x"));
  backup_salt salt{}, other{};
  salt.fill(7);
  other.fill(8);
  const auto name = target_chunk_name(id, salt);
  BOOST_TEST(name.size() == 64u);
  BOOST_TEST(name == target_chunk_name(id, salt));
  BOOST_TEST(name != target_chunk_name(id, other));
  BOOST_TEST(name != id.hex());
  BOOST_TEST(name != target_chunk_name(id_of(bytes("y")), salt));
}

BOOST_AUTO_TEST_CASE(a_document_opens_for_the_owner_only_and_names_the_node_that_wrote_it) {
  const auto owner = testing::key(1), node = testing::key(2), stranger = testing::key(3);
  const auto plain = bytes("{\"revision\": 42, \"keys\": [...]}");
  const auto sealed = seal_document(owner.public_part(), node, plain);
  BOOST_TEST((seal_document(owner.public_part(), node, plain) != sealed));  // a fresh key each time

  auto opened = open_document(owner, sealed);
  BOOST_TEST_REQUIRE(opened.has_value(), opened.error().to_string());
  BOOST_TEST((opened->plain == plain));
  BOOST_TEST((opened->writer == node.public_part()));
  auto writer = document_writer(sealed);  // what a node may learn without the owner key
  BOOST_TEST_REQUIRE(writer.has_value());
  BOOST_TEST((*writer == node.public_part()));

  for (const auto* who : {&node, &stranger}) {
    auto refused = open_document(*who, sealed);
    BOOST_TEST_REQUIRE(!refused.has_value());
    BOOST_TEST((refused.error().code() == status_code::permission_denied));
  }
}

BOOST_AUTO_TEST_CASE(a_document_with_any_byte_changed_or_cut_does_not_open) {
  const auto owner = testing::key(1), node = testing::key(2);
  const auto sealed = seal_document(owner.public_part(), node, bytes("snapshot at revision 7"));
  for (std::size_t at = 0; at < sealed.size(); ++at) {
    auto altered = sealed;
    altered[at] ^= 0x80;
    auto refused = open_document(owner, altered);
    BOOST_TEST_REQUIRE(!refused.has_value(), "byte " << at);
    BOOST_TEST((refused.error().code() == status_code::corruption), "byte " << at << ": " << refused.error().to_string());
  }
  for (std::size_t size : {std::size_t{0}, std::size_t{8}, sealed.size() - 1}) {
    BOOST_TEST(!open_document(owner, std::span(sealed).first(size)).has_value(), size);
  }
  // Signed again by a node over a changed body: the sealed key no longer fits it.
  auto resigned = std::vector<std::uint8_t>(sealed.begin(), sealed.end() - net::signature_bytes);
  resigned[resigned.size() - 1] ^= 1;
  auto signature = net::sign_in_domain(node, "bucky backup document v1", resigned);
  resigned.insert(resigned.end(), signature.begin(), signature.end());
  auto refused = open_document(owner, resigned);
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST((refused.error().code() == status_code::corruption));
}
