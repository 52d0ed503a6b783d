// Hard bounds on everything decoded from untrusted bytes. One place, units in names.
// The transport checks frame sizes against these before it allocates anything.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bucky::limits {

inline constexpr std::size_t message_size_bytes_max = 4 * 1024 * 1024;
inline constexpr std::size_t decode_array_items_max = 65'536;
inline constexpr std::size_t decode_map_items_max = 65'536;
inline constexpr std::size_t decode_string_bytes_max = 1024 * 1024;
inline constexpr std::size_t decode_binary_bytes_max = message_size_bytes_max;
inline constexpr std::size_t decode_ext_bytes_max = 0;  // we define no ext types
inline constexpr std::size_t decode_depth_max = 16;

inline constexpr std::size_t actor_name_bytes_max = 10;  // CAF 0.17 atom length
inline constexpr std::size_t crash_reason_bytes_max = 1024;

}  // namespace bucky::limits
