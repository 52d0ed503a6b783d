// Who wrote what a node runs (issue 18). The zone state is only as honest as its
// replicas, and a replica's key can be stolen: a stolen state-node key could put
// any bytes there, a spec included. So the documents that decide what runs carry
// their author's signature and the node that runs them checks it:
//
//   /users/<name>           signed by the zone owner (bucky user add)
//   /services/<name>/spec   signed by its author: the owner, or an admin whose user
//                           record the owner signed (bucky service add)
//
// Signatures are Ed25519 over a domain string and the document's canonical JSON
// without its "signature" (a spec's includes "signed_by"), base64url. Removing a
// user takes the right to sign with them: their specs stop being run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "actors/zone_state/system_config.hpp"
#include "messages/common/status.hpp"
#include "messages/service.hpp"
#include "net/keys.hpp"

namespace bucky {

inline constexpr const char* user_signing_domain = "bucky-user-record-v1";
inline constexpr const char* spec_signing_domain = "bucky-service-spec-v1";
inline constexpr const char* owner_signer = "owner";

// The bytes a signature covers.
std::string user_signed_bytes(const user_record& user);
std::string spec_signed_bytes(const service_spec& spec);

void sign_user(user_record& user, const net::key_pair& owner);
void sign_spec(service_spec& spec, const std::string& signer_name, const net::key_pair& signer);

status verify_user(const user_record& user, const net::public_key& owner);

// Who may sign specs: the owner, and every admin whose record verifies.
using spec_signers = std::map<std::string, net::public_key>;
spec_signers spec_signers_of(const net::public_key& owner, const std::vector<user_record>& users);

// Errors say who signed, or that nobody did, and what to do.
status verify_spec(const service_spec& spec, const spec_signers& signers);

}  // namespace bucky
