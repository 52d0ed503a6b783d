// Shared by the metadata .cpp files: decoding what a read_set holds, as fs_results.
#pragma once

#include <fmt/format.h>

#include <map>
#include <string>

#include "actors/zone_fs/fs_status.hpp"
#include "actors/zone_fs/kv_port.hpp"
#include "actors/zone_fs/records.hpp"

namespace bucky::zone_fs::detail {

// The inode `ino` as `seen` has it: ENOENT when absent, EIO when it does not decode.
fs_result<fs_inode> inode_in(const read_set& seen, inode_number ino);
// The dirent `name` of `dir`: ENOENT when absent.
fs_result<fs_dirent> dirent_in(const read_set& seen, inode_number dir, const std::string& name);
fs_result<read_set> read(kv_port& port, const std::vector<std::string>& keys, bool nearby = false);
// ENOTDIR unless `inode` is a directory.
fs_status expect_directory(const fs_inode& inode, const std::string& where);
// "dir 00000000000000ab name \"x\"" for messages.
std::string where(inode_number dir, const std::string& name);
// The inode as written by a change at now_ns.
fs_inode touched(fs_inode inode, std::int64_t now_ns, bool content);

// EINVAL / ENAMETOOLONG for a name check_name refuses.
fs_status valid_name(const std::string& name);
// Size and file-count changes to volumes, gathered while a txn is planned and
// written into it once per volume (two changes to one volume in a txn add up).
class volume_ledger {
 public:
  void add(inode_number volume, std::int64_t bytes, std::int64_t files);
  // Reads every volume changed, refuses a change that adds bytes past a quota
  // (EDQUOT), and makes the plan depend on and update each record. A volume whose
  // record is gone (its root was removed) counts nothing.
  fs_status apply(kv_port& port, txn_plan& plan) const;

 private:
  struct change {
    std::int64_t bytes = 0;
    std::int64_t files = 0;
  };
  std::map<inode_number, change> changes_;
};

// Drops one name of `inode`: the inode (and its chunk blocks) goes with its last,
// and a file's size and count leave its volume; a volume's root takes its record.
void drop_link(txn_plan& plan, volume_ledger& ledger, fs_inode inode, std::int64_t now_ns);
// EXDEV when `inode` would move (rename) or get a name (link) in `to_parent`'s
// volume but belongs to another; a volume's root moves anywhere.
fs_status same_volume(const fs_inode& inode, const fs_inode& to_parent, const char* op);
// The dirent a name points at (read first, to learn which inode to read with it).
fs_result<fs_dirent> find_dirent(kv_port& port, inode_number dir, const std::string& name);

// Plans and applies one txn until it applies or `plan` fails: `plan` reads afresh
// and returns the txn (no writes: nothing to do). A txn that lost a race to a
// concurrent change is planned again, at most retries_max times (then EAGAIN).
template <class Plan>
fs_status run_txn(kv_port& port, std::uint32_t retries_max, const char* what, Plan&& plan) {
  for (std::uint32_t attempt = 0; attempt < retries_max; ++attempt) {
    fs_result<txn_plan> planned = plan();
    if (!planned) return planned.error();
    if (planned->wants_read_again()) continue;
    if (planned->writes() == 0) return {};
    auto response = port.call(planned->request());
    if (!response) return fs_status::from(response.error());
    if (response->succeeded) return {};
  }
  return fs_status(EAGAIN, fmt::format("{}: lost to concurrent changes {} times in a row; try again", what,
                                       retries_max));
}

}  // namespace bucky::zone_fs::detail
