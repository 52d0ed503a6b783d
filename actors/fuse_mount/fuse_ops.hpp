// The zone file system as the kernel sees it through FUSE (libfuse3's low-level
// API): each operation maps onto node_files (zone_fs/node_files.hpp) and replies
// with what it returned, an errno on failure. The kernel checks permissions from
// the attributes (default_permissions); attributes are not cached (timeout 0), so
// every open sees what the zone state has (close-to-open, as NFS).
//
// Not supported, with the errno a program sees: device and FIFO nodes (mknod:
// EPERM), extended attributes (ENOTSUP), RENAME_EXCHANGE (EINVAL), fallocate
// (EOPNOTSUPP). Byte-range and flock locks are the kernel's, local to one node.
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse3/fuse_lowlevel.h>

#include "actors/zone_fs/node_files.hpp"

namespace bucky::fuse_mount {

// The operations table; the session's userdata must be a zone_fs::node_files*.
const fuse_lowlevel_ops& zone_fs_operations();

}  // namespace bucky::fuse_mount
