// The JSON forms of service specs, node configs and node statuses (messages/service.hpp)
// as the zone state holds them, and their validation. A spec a person wrote is
// refused with an error that names the field and says what it must be; unknown
// fields are refused too (a misspelt "instance" must not silently mean 1).
//
//   {"name": "photos", "kind": "app", "command": ["/usr/bin/photo-server", "--port", "8080"],
//    "env": {"LANG": "C.UTF-8"}, "work_dir": "", "instances": 1, "nodes": [],
//    "restart": "always", "restart_backoff_ms_min": 500, "restart_backoff_ms_max": 30000,
//    "stop_grace_ms": 5000, "ports": [8080],
//    "limits": {"memory_bytes_max": 0, "cpu_seconds_max": 0, "open_files_max": 0}}
//
// Only "name" and "command" are required; the rest have the defaults shown.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "messages/common/status.hpp"
#include "messages/service.hpp"

namespace bucky {

namespace service_limits_max {
inline constexpr std::size_t command_args_max = 64;
inline constexpr std::size_t arg_bytes_max = 4'096;
inline constexpr std::size_t env_entries_max = 64;
inline constexpr std::size_t env_bytes_max = 4'096;  // one value
inline constexpr std::uint32_t instances_max = 16;
inline constexpr std::size_t ports_max = 16;
inline constexpr std::size_t path_bytes_max = 1'024;
inline constexpr std::uint64_t backoff_ms_max = 3'600'000;
inline constexpr std::uint64_t stop_grace_ms_max = 600'000;
inline constexpr std::size_t node_instances_max = 256;  // instances on one node
inline constexpr std::size_t services_max = 1'000;
inline constexpr std::size_t app_folders_max = 32;
inline constexpr std::size_t app_services_max = 16;
inline constexpr std::uint32_t app_uid_min = 70'000;  // host uids of apps: one each, none a person's
inline constexpr std::uint32_t app_uid_max = 79'999;
}  // namespace service_limits_max

result<service_spec> parse_service_spec(std::string_view json_text);
result<service_spec> service_spec_from_json(const nlohmann::json& json);  // errors prefixed "service spec"
std::string service_spec_to_json(const service_spec& spec);
nlohmann::json service_spec_json(const service_spec& spec);
// The spec without signed_by and signature (what a signature covers, with signed_by).
nlohmann::json service_spec_fields_json(const service_spec& spec);

result<node_config> parse_node_config(std::string_view json_text);
std::string node_config_to_json(const node_config& config);
// One resolved instance with its spec (the node loop's cache of what it runs).
nlohmann::json instance_assignment_json(const instance_assignment& assignment);
result<instance_assignment> instance_assignment_from_json(const nlohmann::json& json);

result<node_status> parse_node_status(std::string_view json_text);
std::string node_status_to_json(const node_status& status);

}  // namespace bucky
