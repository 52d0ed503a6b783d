// Packages and directories on this machine's disk: what `bucky pkg pack` reads
// and what a node unpacks before it runs an app (DESIGN §10.2).
//
// Reading takes regular files and directories only: a symlink, device or socket in
// the directory is refused by name (a package must mean the same on every node).
// Unpacking never follows or overwrites anything: it builds the tree in a fresh
// sibling directory with O_EXCL | O_NOFOLLOW, syncs it, makes it read-only and
// renames it into place, so a power cut leaves either no tree or a complete one,
// and a half-built one is removed by the next unpack.
#pragma once

#include <string>
#include <vector>

#include "actors/packages/package_file.hpp"
#include "messages/common/status.hpp"

namespace bucky::packages {

struct packed_directory {
  std::string manifest_text;  // DIR/app.json
  std::vector<entry_to_pack> entries;  // everything else, paths relative to DIR
};

// DIR's app.json and every other file and directory under it, within package_limits.
result<packed_directory> read_package_directory(const std::string& dir);

// Unpacks into `target` (which must not exist; its parent must). The tree ends
// read-only: files 0444 (executables 0555), directories 0555.
status unpack_package(const opened_package& package, const std::string& target);

// Removes a tree unpack_package made (it makes its own directories writable first).
status remove_unpacked(const std::string& target);

}  // namespace bucky::packages
