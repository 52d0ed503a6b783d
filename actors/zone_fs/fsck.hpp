// Checks the zone file system's metadata as a whole (every /fs/ key read at one
// revision): the rules every transaction in metadata.hpp keeps. The simulator
// runs it after every seeded history; the scrubber runs it on the zone, and
// `bucky fs df` reports its figures.
//
//   - the root exists, is a directory, and is its own parent;
//   - every entry names an inode that exists, with the kind the entry says, in a
//     directory that exists;
//   - a file's or symlink's link count is the number of entries naming it; a
//     directory has exactly one entry (the root none), its parent is the directory
//     holding that entry, and its link count is 2 + its subdirectories;
//   - every inode but the root is named by some entry (nothing orphaned), and
//     walking parents from any directory reaches the root (no cycles);
//   - a file's chunk blocks lie below its block count, which its size implies;
//   - every inode is in its naming directory's volume (a volume's root in its
//     own), every volume record has its root, and says the sizes and number of
//     the files in it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actors/zone_fs/records.hpp"
#include "messages/kv.hpp"

namespace bucky::zone_fs {

inline constexpr std::size_t fsck_problems_max = 100;

struct fsck_report {
  std::uint64_t files = 0, directories = 0, symlinks = 0;
  std::uint64_t file_bytes = 0;   // sum of file sizes
  std::uint64_t chunk_refs = 0;   // non-hole chunk refs (a chunk shared by files counts per file)
  std::uint64_t volumes = 0;
  std::vector<std::string> problems;  // at most fsck_problems_max, then "... and N more"
  bool clean() const { return problems.empty(); }
};

// `keys`: every key under /fs/ at one revision, in key order. `each_chunk` (may be
// empty) sees every non-hole chunk ref of every file.
fsck_report check_fs(const std::vector<key_value>& keys, const std::function<void(const chunk_ref&)>& each_chunk = {});

}  // namespace bucky::zone_fs
