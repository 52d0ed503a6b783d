#include "actors/zone_state/principal.hpp"

#include "actors/zone_state/kv_machine.hpp"
#include "messages/common/check.hpp"

namespace bucky {

std::string principal_of(const caller& who) {
  if (who.role == caller::kind::owner) return owner_principal;
  return std::string(role_name(who.role)) + ":" + who.name;
}

void stamp_request(kv_request& request, const caller& who, std::uint64_t random_bits) {
  request.principal = principal_of(who).substr(0, principal_bytes_max);
  // 62 random bits; never 0, which would mean "the store picks".
  request.lease_pick = static_cast<std::int64_t>(random_bits & (picked_lease_id_bit - 1));
  if (request.lease_pick == 0) request.lease_pick = 1;
  BUCKY_CHECK(request.lease_pick > 0 && request.lease_pick < picked_lease_id_bit);
}

}  // namespace bucky
