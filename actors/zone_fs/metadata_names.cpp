// The namespace changes: make, link, unlink, rmdir, rename (metadata.hpp).
#include <fmt/format.h>

#include "actors/zone_fs/metadata.hpp"
#include "actors/zone_fs/metadata_reads.hpp"

namespace bucky::zone_fs {

using namespace detail;

namespace {

// A name, its directory and its inode read at one revision, for a txn that removes
// the name. `current` false: the name pointed elsewhere by the second read.
struct named_inode {
  std::vector<std::string> keys;  // what the txn depends on
  read_set seen;
  fs_inode parent, target;
  bool current = true;
};

fs_result<named_inode> read_name(kv_port& port, inode_number dir, const std::string& name) {
  auto named = find_dirent(port, dir, name);
  if (!named) return named.error();
  named_inode out;
  out.keys = {inode_key(dir), dirent_key(dir, name), inode_key(named->ino)};
  auto seen = read(port, out.keys);
  if (!seen) return seen.error();
  auto dirent = dirent_in(*seen, dir, name);
  if (!dirent) return dirent.error();
  out.current = dirent->ino == named->ino;
  if (!out.current) return out;
  auto parent = inode_in(*seen, dir);
  if (!parent) return parent.error();
  auto target = inode_in(*seen, named->ino);
  if (!target) return target.error();
  out.seen = std::move(*seen);
  out.parent = std::move(*parent);
  out.target = std::move(*target);
  return out;
}

fs_status valid_new_inode(const new_inode& fresh) {
  if (fresh.mode > 07777) return fs_status(EINVAL, fmt::format("mode {:o} has bits beyond 07777", fresh.mode));
  if (fresh.kind == fs_kind::symlink) {
    if (fresh.symlink_target.empty()) return fs_status(ENOENT, "a symlink to an empty target");
    if (fresh.symlink_target.size() > fs_limits::symlink_bytes_max) return fs_status(ENAMETOOLONG, "symlink target too long");
  } else if (!fresh.symlink_target.empty()) {
    return fs_status(EINVAL, "a target for something that is not a symlink");
  }
  return {};
}

// In a directory with the set-group-id bit, a new name takes the directory's group
// and a new directory the bit too (what Linux file systems do; pjdfstest checks it):
// a family's shared folder stays the family group's.
void inherit_set_group_id(const fs_inode& parent, fs_inode& made) {
  constexpr std::uint32_t set_group_id = 02000;
  if ((parent.mode & set_group_id) == 0) return;
  made.gid = parent.gid;
  if (made.kind == fs_kind::directory) made.mode |= set_group_id;
}

}  // namespace

fs_result<fs_inode> metadata::make(inode_number dir, const std::string& name, const new_inode& fresh,
                                   std::int64_t now_ns) {
  if (fs_status valid = valid_name(name); !valid.is_ok()) return valid;
  if (fs_status valid = valid_new_inode(fresh); !valid.is_ok()) return valid;
  fs_inode made;
  const fs_status done = run_txn(port_, options_.retries_max, "create", [&]() -> fs_result<txn_plan> {
    const inode_number ino = fresh_inode_number();
    auto seen = read(port_, {inode_key(dir), dirent_key(dir, name), inode_key(ino)});
    if (!seen) return seen.error();
    auto parent = inode_in(*seen, dir);
    if (!parent) return parent.error();
    if (fs_status is_dir = expect_directory(*parent, where(dir, name)); !is_dir.is_ok()) return is_dir;
    if (seen->find(dirent_key(dir, name))) return fs_status(EEXIST, fmt::format("{} exists", where(dir, name)));
    if (seen->find(inode_key(ino))) return fs_status(EAGAIN, "a random inode number was taken; try again");
    const bool directory = fresh.kind == fs_kind::directory;
    if (directory && parent->links >= fs_limits::links_max) return fs_status(EMLINK, where(dir, name));
    made = fs_inode{};
    made.ino = ino;
    made.kind = fresh.kind;
    made.mode = fresh.mode;
    made.uid = fresh.uid;
    made.gid = fresh.gid;
    inherit_set_group_id(*parent, made);
    made.links = directory ? 2 : 1;
    made.parent = directory ? dir : 0;
    made.symlink_target = fresh.symlink_target;
    made.size_bytes = fresh.symlink_target.size();
    made.mtime_ns = made.ctime_ns = made.atime_ns = now_ns;
    made.volume = fresh.volume_limit_bytes ? ino : parent->volume;
    fs_inode updated_parent = touched(*parent, now_ns, true);
    if (directory) ++updated_parent.links;
    txn_plan plan;
    plan.expect(inode_key(dir), *seen);
    plan.expect_absent(dirent_key(dir, name));
    plan.expect_absent(inode_key(ino));
    plan.put(inode_key(ino), encode_value(made));
    plan.put(dirent_key(dir, name), encode_value(fs_dirent{ino, fresh.kind}));
    plan.put(inode_key(dir), encode_value(updated_parent));
    if (fresh.volume_limit_bytes) {
      plan.expect_absent(volume_key(ino));
      plan.put(volume_key(ino), encode_value(fs_volume{*fresh.volume_limit_bytes, 0, 0}));
    }
    volume_ledger ledger;
    if (fresh.kind == fs_kind::file) ledger.add(made.volume, 0, 1);
    if (fs_status counted = ledger.apply(port_, plan); !counted.is_ok()) return counted;
    return plan;
  });
  if (!done.is_ok()) return done;
  return made;
}

fs_result<fs_inode> metadata::link(inode_number ino, inode_number dir, const std::string& name, std::int64_t now_ns) {
  if (fs_status valid = valid_name(name); !valid.is_ok()) return valid;
  fs_inode linked;
  const fs_status done = run_txn(port_, options_.retries_max, "link", [&]() -> fs_result<txn_plan> {
    auto seen = read(port_, {inode_key(ino), inode_key(dir), dirent_key(dir, name)});
    if (!seen) return seen.error();
    auto target = inode_in(*seen, ino);
    if (!target) return target.error();
    auto parent = inode_in(*seen, dir);
    if (!parent) return parent.error();
    if (fs_status is_dir = expect_directory(*parent, where(dir, name)); !is_dir.is_ok()) return is_dir;
    if (target->kind == fs_kind::directory) return fs_status(EPERM, "a hard link to a directory");
    if (target->links >= fs_limits::links_max) return fs_status(EMLINK, fmt::format("inode {}", inode_hex(ino)));
    if (seen->find(dirent_key(dir, name))) return fs_status(EEXIST, fmt::format("{} exists", where(dir, name)));
    if (fs_status same = same_volume(*target, *parent, "link"); !same.is_ok()) return same;
    linked = touched(*target, now_ns, false);
    ++linked.links;
    txn_plan plan;
    for (const auto& key : {inode_key(ino), inode_key(dir), dirent_key(dir, name)}) plan.expect(key, *seen);
    plan.put(inode_key(ino), encode_value(linked));
    plan.put(inode_key(dir), encode_value(touched(*parent, now_ns, true)));
    plan.put(dirent_key(dir, name), encode_value(fs_dirent{ino, target->kind}));
    return plan;
  });
  if (!done.is_ok()) return done;
  return linked;
}

fs_status metadata::unlink(inode_number dir, const std::string& name, std::int64_t now_ns) {
  if (fs_status valid = valid_name(name); !valid.is_ok()) return valid;
  return run_txn(port_, options_.retries_max, "unlink", [&]() -> fs_result<txn_plan> {
    auto found = read_name(port_, dir, name);
    if (!found) return found.error();
    if (!found->current) return txn_plan::read_again();  // renamed meanwhile
    const auto& [keys, seen, parent, target, current] = *found;
    (void)current;
    if (target.kind == fs_kind::directory) return fs_status(EISDIR, fmt::format("{} is a directory", where(dir, name)));
    txn_plan plan;
    for (const auto& key : keys) plan.expect(key, seen);
    plan.remove(dirent_key(dir, name));
    plan.put(inode_key(dir), encode_value(touched(parent, now_ns, true)));
    volume_ledger ledger;
    drop_link(plan, ledger, target, now_ns);
    if (fs_status counted = ledger.apply(port_, plan); !counted.is_ok()) return counted;
    return plan;
  });
}

fs_status metadata::rmdir(inode_number dir, const std::string& name, std::int64_t now_ns) {
  if (name == ".") return fs_status(EINVAL, "rmdir of \".\"");
  if (name == "..") return fs_status(ENOTEMPTY, "rmdir of \"..\"");
  if (fs_status valid = valid_name(name); !valid.is_ok()) return valid;
  return run_txn(port_, options_.retries_max, "rmdir", [&]() -> fs_result<txn_plan> {
    auto found = read_name(port_, dir, name);
    if (!found) return found.error();
    if (!found->current) return txn_plan::read_again();  // renamed meanwhile
    const auto& [keys, seen, parent, target, current] = *found;
    (void)current;
    if (target.kind != fs_kind::directory) return fs_status(ENOTDIR, fmt::format("{} is not a directory", where(dir, name)));
    // Listed after the inode was read: an entry created since then also changed the
    // inode (its times), so the txn's compare on it fails and this is planned again.
    auto inside = list(target.ino, "", 1);
    if (!inside) return inside.error();
    if (!inside->entries.empty()) return fs_status(ENOTEMPTY, fmt::format("{} is not empty", where(dir, name)));
    fs_inode updated_parent = touched(parent, now_ns, true);
    BUCKY_CHECK_MSG(updated_parent.links > 2, inode_hex(dir));
    --updated_parent.links;
    txn_plan plan;
    for (const auto& key : keys) plan.expect(key, seen);
    plan.remove(dirent_key(dir, name));
    plan.remove(inode_key(target.ino));
    if (target.volume == target.ino) plan.remove(volume_key(target.ino));
    plan.put(inode_key(dir), encode_value(updated_parent));
    return plan;
  });
}

fs_result<fs_inode> metadata::setattr(inode_number ino, const attr_change& change, std::int64_t now_ns) {
  if (change.mode && *change.mode > 07777) return fs_status(EINVAL, fmt::format("mode {:o}", *change.mode));
  fs_inode changed;
  const fs_status done = run_txn(port_, options_.retries_max, "setattr", [&]() -> fs_result<txn_plan> {
    auto seen = read(port_, {inode_key(ino)});
    if (!seen) return seen.error();
    auto inode = inode_in(*seen, ino);
    if (!inode) return inode.error();
    changed = touched(*inode, now_ns, false);
    if (change.mode) changed.mode = *change.mode;
    if (change.uid) changed.uid = *change.uid;
    if (change.gid) changed.gid = *change.gid;
    if (change.atime_ns) changed.atime_ns = *change.atime_ns;
    if (change.mtime_ns) changed.mtime_ns = *change.mtime_ns;
    txn_plan plan;
    plan.expect(inode_key(ino), *seen);
    plan.put(inode_key(ino), encode_value(changed));
    return plan;
  });
  if (!done.is_ok()) return done;
  return changed;
}

}  // namespace bucky::zone_fs
