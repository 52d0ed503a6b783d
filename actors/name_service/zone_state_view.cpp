#include "actors/name_service/zone_state_view.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"
#include "actors/zone_state/signed_documents.hpp"
#include "messages/common/check.hpp"

namespace bucky {

kv_request zone_state_view_request() {
  kv_request request;
  auto users = range_op(system_keys::users_prefix, prefix_range_end(system_keys::users_prefix));
  users.limit = static_cast<std::uint32_t>(users_max);
  request.success.push_back(std::move(users));
  request.success.push_back(range_op(system_keys::zone_config));
  return request;
}

result<zone_state_view> read_zone_state_view(const kv_response& answer) {
  if (answer.results.size() != 2) {
    return status(status_code::internal, fmt::format("expected 2 range results, got {}", answer.results.size()));
  }
  zone_state_view view;
  const auto& users = answer.results[0];
  if (users.more) view.problems.push_back(fmt::format("more than {} users: only the first are admitted", users_max));
  for (const auto& kv : users.kvs) {
    auto user = user_document::parse(kv.value);
    if (!user) {
      view.problems.push_back(fmt::format("{} (revision {}): {}", kv.key, kv.mod_revision, user.error().message()));
    } else if (kv.key != system_keys::user(user->name)) {
      view.problems.push_back(fmt::format("{} holds user {}: skipped", kv.key, user->name));
    } else {
      view.users.push_back(std::move(*user));
    }
  }
  std::sort(view.users.begin(), view.users.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  const auto& mirror = answer.results[1].kvs;
  if (!mirror.empty()) {
    view.mirror_mod_revision = mirror[0].mod_revision;
    auto zone = zone_config_document::parse(mirror[0].value);
    if (zone) view.mirrored_version = zone->config.version;
    else view.problems.push_back(fmt::format("{}: {}", system_keys::zone_config, zone.error().message()));
  }
  return view;
}

result<net::peer_directory> trusted_directory(const zone_config& config, const std::vector<user_record>& users,
                                              std::vector<std::string>& skipped) {
  auto directory = net::peer_directory::from_zone_config(config);
  if (!directory) return directory.error();
  auto owner = net::public_key::from_text(config.owner_key);
  if (!owner) return owner.error();
  for (const auto& user : users) {
    // A record the owner did not sign is nobody's (a replica could have written it).
    if (auto signed_ok = verify_user(user, *owner); !signed_ok.is_ok()) {
      skipped.push_back(signed_ok.message());
      continue;
    }
    auto key = net::public_key::from_text(user.public_key);
    auto role = user_role_kind(user.role);
    BUCKY_CHECK(role.has_value());  // user_document::parse checked it
    auto added = key ? directory->add_person(user.name, *key, *role, system_keys::user(user.name)) : key.error();
    if (!added.is_ok()) skipped.push_back(added.message());
  }
  return directory;
}

}  // namespace bucky
