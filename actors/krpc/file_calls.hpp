// kRPC's file calls carried out (api.hpp says what they are): on this node's
// mount of the zone file system, beneath the folder the call resolved to, as the
// app's uid (this thread's fsuid and fsgid for the call: the mount's permission
// checks are the app's), following no symlink and no "..": openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS. A write goes to a temporary name beside the
// file, is synced and renamed over it, so a reader sees the old file or the new one.
#pragma once

#include <cstdint>

#include "actors/krpc/api.hpp"

namespace bucky::krpc {

http_answer file_call(const krpc_call& call, const file_target& target, std::uint32_t app_uid);

}  // namespace bucky::krpc
