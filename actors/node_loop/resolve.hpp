// What a node runs, resolved from its node_config and the service specs. The
// scheduler writes only pointers ("service/instance"); the spec behind each comes
// from /services/<name>/spec, which only the owner and admins write
// (actors/zone_state/control_keys.hpp) and which carries its author's signature
// (actors/zone_state/signed_documents.hpp). A pointer is refused when its service
// has no valid spec, the spec is not signed by the owner or an admin the owner
// signed, its placement does not allow this node, or the instance index is beyond
// the spec's count: whoever holds a node key, even a state node's, can move what
// the owner and admins defined between the nodes they allowed, never make a node
// run anything else (issue 18). Pure: the documents come in, read in one request.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/zone_state/signed_documents.hpp"
#include "messages/kv.hpp"
#include "messages/service.hpp"

namespace bucky {

struct stored_spec {
  std::optional<service_spec> spec;  // none: the stored document is invalid (see error)
  std::string error;
  std::int64_t mod_revision = 0;
};

struct refused_instance {
  instance_pointer pointer;
  std::string reason;
  bool operator==(const refused_instance&) const = default;
};

struct resolved_instances {
  std::vector<instance_assignment> run;  // sorted by id
  std::vector<refused_instance> refused;
  bool operator==(const resolved_instances&) const = default;
};

// The specs in a range answer over /services/ (keys of other shapes are skipped).
std::map<std::string, stored_spec> specs_from_range(const std::vector<key_value>& kvs);

// `signers`: who may sign specs (spec_signers_of); none only in a development zone
// without an owner key, where specs are taken unsigned.
resolved_instances resolve_instances(const std::string& node_id, const node_config& config,
                                     const std::map<std::string, stored_spec>& specs,
                                     const std::optional<spec_signers>& signers);

}  // namespace bucky
