// rename (metadata.hpp): one txn that moves a name, replacing what the new name
// held, with the POSIX rules for directories (a directory only over an empty one,
// never into itself or below itself).
#include <fmt/format.h>

#include "actors/zone_fs/metadata.hpp"
#include "actors/zone_fs/metadata_reads.hpp"

namespace bucky::zone_fs {

using namespace detail;

namespace {

struct rename_names {
  inode_number from_dir;
  const std::string& from_name;
  inode_number to_dir;
  const std::string& to_name;
};

// Refuses moving directory `moved` below itself: walks up from the new parent to
// the root, and makes the txn depend on every inode on the way (a concurrent
// rename of one of them changes its parent, so this is planned again).
fs_status check_not_below(kv_port& port, txn_plan& plan, inode_number moved, inode_number new_parent) {
  inode_number at = new_parent;
  for (std::size_t depth = 0; depth <= fs_limits::path_depth_max; ++depth) {
    if (at == moved) return fs_status(EINVAL, "a directory cannot move below itself");
    if (at == root_inode) return {};
    auto seen = read(port, {inode_key(at)});
    if (!seen) return seen.error();
    auto inode = inode_in(*seen, at);
    if (!inode) return inode.error();
    plan.expect(inode_key(at), *seen);
    at = inode->parent;
  }
  return fs_status(ELOOP, fmt::format("more than {} directories above inode {}", fs_limits::path_depth_max,
                                      inode_hex(new_parent)));
}

// What the txn writes once every rule held: the names, the moved inode, both
// parents (one when the same), and what was replaced.
void plan_move(txn_plan& plan, volume_ledger& ledger, const rename_names& names, fs_inode moved, fs_inode from_parent,
               fs_inode to_parent, const std::optional<fs_inode>& replaced, std::int64_t now_ns) {
  const bool same_dir = names.from_dir == names.to_dir;
  const bool directory = moved.kind == fs_kind::directory;
  fs_inode& source = from_parent;
  fs_inode& target = same_dir ? from_parent : to_parent;
  source = touched(source, now_ns, true);
  target = touched(target, now_ns, true);
  if (directory && !same_dir) {
    --source.links;  // the moved directory's ".." left it
    ++target.links;
    moved.parent = names.to_dir;
  }
  if (replaced) {
    if (replaced->kind == fs_kind::directory) --target.links;
    drop_link(plan, ledger, *replaced, now_ns);
  }
  plan.remove(dirent_key(names.from_dir, names.from_name));
  plan.put(dirent_key(names.to_dir, names.to_name), encode_value(fs_dirent{moved.ino, moved.kind}));
  plan.put(inode_key(moved.ino), encode_value(touched(std::move(moved), now_ns, false)));
  plan.put(inode_key(names.from_dir), encode_value(source));
  if (!same_dir) plan.put(inode_key(names.to_dir), encode_value(target));
}

// The kinds must fit: a directory over an empty directory, a non-directory over a
// non-directory.
fs_status check_replace(const fs_inode& moved, const fs_inode& replaced, const std::string& where_to) {
  if (moved.kind == fs_kind::directory && replaced.kind != fs_kind::directory) {
    return fs_status(ENOTDIR, fmt::format("{} is not a directory", where_to));
  }
  if (moved.kind != fs_kind::directory && replaced.kind == fs_kind::directory) {
    return fs_status(EISDIR, fmt::format("{} is a directory", where_to));
  }
  return {};
}

}  // namespace

fs_status metadata::rename(inode_number from_dir, const std::string& from_name, inode_number to_dir,
                           const std::string& to_name, rename_mode mode, std::int64_t now_ns) {
  if (fs_status valid = valid_name(from_name); !valid.is_ok()) return valid;
  if (fs_status valid = valid_name(to_name); !valid.is_ok()) return valid;
  const rename_names names{from_dir, from_name, to_dir, to_name};
  return run_txn(port_, options_.retries_max, "rename", [&]() -> fs_result<txn_plan> {
    auto first = read(port_, {dirent_key(from_dir, from_name), dirent_key(to_dir, to_name)});
    if (!first) return first.error();
    auto from_dirent = dirent_in(*first, from_dir, from_name);
    if (!from_dirent) return from_dirent.error();
    auto to_dirent = dirent_in(*first, to_dir, to_name);
    std::vector<std::string> keys{inode_key(from_dir), inode_key(to_dir), dirent_key(from_dir, from_name),
                                  dirent_key(to_dir, to_name), inode_key(from_dirent->ino)};
    if (to_dirent) keys.push_back(inode_key(to_dirent->ino));
    auto seen = read(port_, keys);
    if (!seen) return seen.error();
    // Both names must still be what the first read found (else read again).
    auto from_now = dirent_in(*seen, from_dir, from_name);
    auto to_now = dirent_in(*seen, to_dir, to_name);
    if (!from_now || from_now->ino != from_dirent->ino || bool(to_now) != bool(to_dirent) ||
        (to_now && to_now->ino != to_dirent->ino)) {
      return txn_plan::read_again();
    }
    if (to_dirent && mode == rename_mode::no_replace) {
      return fs_status(EEXIST, fmt::format("{} exists", where(to_dir, to_name)));
    }
    if (to_dirent && to_dirent->ino == from_dirent->ino) return txn_plan{};  // POSIX: two names of one file
    auto from_parent = inode_in(*seen, from_dir);
    if (!from_parent) return from_parent.error();
    auto to_parent = inode_in(*seen, to_dir);
    if (!to_parent) return to_parent.error();
    if (fs_status is_dir = expect_directory(*to_parent, where(to_dir, to_name)); !is_dir.is_ok()) return is_dir;
    auto moved = inode_in(*seen, from_dirent->ino);
    if (!moved) return moved.error();
    txn_plan plan;
    for (const auto& key : keys) plan.expect(key, *seen);
    std::optional<fs_inode> replaced;
    if (to_dirent) {
      auto old = inode_in(*seen, to_dirent->ino);
      if (!old) return old.error();
      if (fs_status fits = check_replace(*moved, *old, where(to_dir, to_name)); !fits.is_ok()) return fits;
      if (old->kind == fs_kind::directory) {
        auto inside = list(old->ino, "", 1);  // after the read: see rmdir
        if (!inside) return inside.error();
        if (!inside->entries.empty()) return fs_status(ENOTEMPTY, fmt::format("{} is not empty", where(to_dir, to_name)));
      }
      replaced = std::move(*old);
    }
    if (moved->kind == fs_kind::directory && from_dir != to_dir) {
      if (to_parent->links >= fs_limits::links_max) return fs_status(EMLINK, where(to_dir, to_name));
      if (fs_status below = check_not_below(port_, plan, moved->ino, to_dir); !below.is_ok()) return below;
    }
    if (fs_status same = same_volume(*moved, *to_parent, "rename"); !same.is_ok()) return same;
    volume_ledger ledger;
    plan_move(plan, ledger, names, std::move(*moved), std::move(*from_parent), std::move(*to_parent), replaced, now_ns);
    if (fs_status counted = ledger.apply(port_, plan); !counted.is_ok()) return counted;
    return plan;
  });
}

}  // namespace bucky::zone_fs
