// fs_requests: dispatch, and the ops that read or change names (fs_requests.hpp).
// Writes are in fs_requests_write.cpp, remove and df in fs_requests_tree.cpp.
#include "actors/zone_fs/fs_requests.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/zone_fs/fs_requests_paths.hpp"

namespace bucky::zone_fs {

using namespace request_detail;

fs_entry entry_of(const std::string& name, const fs_inode& inode) {
  fs_entry entry;
  entry.name = name;
  entry.kind = static_cast<std::uint8_t>(inode.kind);
  entry.ino = inode.ino;
  entry.size_bytes = inode.size_bytes;
  entry.mode = inode.mode;
  entry.links = inode.links;
  entry.mtime_ns = inode.mtime_ns;
  entry.symlink_target = inode.symlink_target;
  return entry;
}

fs_requests::fs_requests(node_files& files, kv_port& zone_state, fs_requests_options options)
    : files_(files), zone_state_(zone_state), options_(std::move(options)) {
  BUCKY_CHECK(options_.random_u64 && options_.steady_ms && options_.handles_max > 0);
}

fs_reply fs_requests::serve(const caller& who, const fs_request& request) {
  fs_reply reply;
  if (status valid = request.validate(); !valid.is_ok()) {
    reply = failed(fs_status(EINVAL, valid.message()));
  } else {
    reply = serve_op(who, request);
  }
  reply.node_id = options_.node_id;
  return reply;
}

fs_reply fs_requests::serve_op(const caller& who, const fs_request& request) {
  switch (request.op) {
    case fs_op::stat: return stat(who, request);
    case fs_op::list: return list(who, request);
    case fs_op::mkdir: return request.recursive ? mkdir_parents(who, request.path) : mkdir(who, request);
    case fs_op::remove: return remove(who, request);
    case fs_op::rename: return rename(who, request);
    case fs_op::open_write: return open_write(who, request);
    case fs_op::write: return write(who, request);
    case fs_op::close: return close(who, request);
    case fs_op::read: return read(who, request);
    case fs_op::df: return df(who);
  }
  return failed(fs_status(EINVAL, fmt::format("unknown op {}", static_cast<int>(request.op))));
}

fs_result<std::string> fs_requests::checked_path(const caller& who, fs_access access, const std::string& path) {
  auto normalized = normalize_path(path);
  if (!normalized) return normalized.error();
  if (fs_status allowed = check_fs_access(who, access, *normalized); !allowed.is_ok()) return allowed;
  return normalized;
}

fs_reply fs_requests::stat(const caller& who, const fs_request& request) {
  auto path = checked_path(who, fs_access::read, request.path);
  if (!path) return failed(path.error());
  auto inode = resolve_path(files_.meta(), *path);
  if (!inode) return failed(inode.error());
  fs_reply reply;
  reply.entry = entry_of(*path == "/" ? "/" : last_name(*path), *inode);
  return reply;
}

// A directory's page, each entry with its attributes (read in batches of what one
// zone-state request holds); a file lists as itself, as ls does.
fs_reply fs_requests::list(const caller& who, const fs_request& request) {
  auto path = checked_path(who, fs_access::read, request.path);
  if (!path) return failed(path.error());
  auto inode = resolve_path(files_.meta(), *path);
  if (!inode) return failed(inode.error());
  fs_reply reply;
  if (inode->kind != fs_kind::directory) {
    reply.entries.push_back(entry_of(last_name(*path), *inode));
    return reply;
  }
  const std::uint32_t limit = request.limit == 0 ? fs_message_limits::list_entries_max : request.limit;
  auto page = files_.meta().list(inode->ino, request.after, limit);
  if (!page) return failed(page.error());
  reply.more = page->more;
  std::size_t reply_bytes = 0;
  const std::size_t batch = kv_limits::ops_per_txn_max;
  for (std::size_t first = 0; first < page->entries.size(); first += batch) {
    const std::size_t end = std::min(page->entries.size(), first + batch);
    std::vector<inode_number> inodes;
    for (std::size_t i = first; i < end; ++i) inodes.push_back(page->entries[i].dirent.ino);
    auto attrs = files_.meta().getattrs(inodes);
    if (!attrs) return failed(attrs.error());
    for (std::size_t i = first; i < end; ++i) {
      const auto& entry = page->entries[i];
      auto found = attrs->find(entry.dirent.ino);
      if (found == attrs->end()) continue;  // removed since the page was read
      // Long symlink targets could make a page too big for one message: cut it
      // (the CLI asks again after the last name it got).
      reply_bytes += entry.name.size() + found->second.symlink_target.size() + 64;
      if (reply_bytes > fs_message_limits::list_reply_bytes_max) {
        reply.more = true;
        return reply;
      }
      reply.entries.push_back(entry_of(entry.name, found->second));
    }
  }
  return reply;
}

fs_reply fs_requests::mkdir(const caller& who, const fs_request& request) {
  auto path = checked_path(who, fs_access::make_directory, request.path);
  if (!path) return failed(path.error());
  if (*path == "/") return failed(fs_status(EEXIST, "the root directory exists"));
  auto parent = resolve_directory(files_.meta(), parent_path(*path));
  if (!parent) return failed(parent.error());
  new_inode fresh;
  fresh.kind = fs_kind::directory;
  fresh.mode = 0755;
  auto made = files_.meta().make(parent->ino, last_name(*path), fresh, files_.now_ns());
  if (!made && made.error().error() == EEXIST) return failed(fs_status(EEXIST, "it exists (bucky fs mkdir -p: fine if it does)"));
  if (!made) return failed(made.error());
  fs_reply reply;
  reply.entry = entry_of(last_name(*path), *made);
  reply.count = 1;
  return reply;
}

// mkdir -p: every missing directory on the way, each checked on its own (a writer
// may make /home and /home/<name>, nothing else outside their home).
fs_reply fs_requests::mkdir_parents(const caller& who, const std::string& wanted) {
  auto path = checked_path(who, fs_access::read, wanted);  // who may not even read makes nothing
  if (!path) return failed(path.error());
  auto current = files_.meta().getattr(root_inode);
  if (!current) return failed(current.error());
  fs_reply reply;
  std::string prefix;
  for (const std::string& name : split_path(*path)) {
    prefix += "/" + name;
    auto next = files_.meta().lookup(current->ino, name);
    if (!next && next.error().error() == ENOENT) {
      if (fs_status allowed = check_fs_access(who, fs_access::make_directory, prefix); !allowed.is_ok()) {
        return failed(allowed);
      }
      new_inode fresh;
      fresh.kind = fs_kind::directory;
      fresh.mode = 0755;
      next = files_.meta().make(current->ino, name, fresh, files_.now_ns());
      if (next) ++reply.count;
      else if (next.error().error() == EEXIST) next = files_.meta().lookup(current->ino, name);  // made meanwhile
    }
    if (!next) return failed(fs_status(next.error().error(), fmt::format("{}: {}", prefix, next.error().message())));
    if (next->kind != fs_kind::directory) return failed(fs_status(ENOTDIR, fmt::format("{} is not a directory", prefix)));
    current = std::move(next);
  }
  reply.entry = entry_of(*path == "/" ? "/" : last_name(*path), *current);
  return reply;
}

// mv: onto a name, or into a directory that exists at `to` (as mv(1) does).
fs_reply fs_requests::rename(const caller& who, const fs_request& request) {
  auto from = checked_path(who, fs_access::write, request.path);
  if (!from) return failed(from.error());
  auto to = normalize_path(request.to_path);
  if (!to) return failed(to.error());
  if (*from == "/" || *to == "/") return failed(fs_status(EBUSY, "the root directory cannot be moved or replaced"));
  if (auto target = resolve_path(files_.meta(), *to); target && target->kind == fs_kind::directory) {
    *to += "/" + last_name(*from);
  }
  if (fs_status allowed = check_fs_access(who, fs_access::write, *to); !allowed.is_ok()) return failed(allowed);
  auto from_dir = resolve_directory(files_.meta(), parent_path(*from));
  if (!from_dir) return failed(from_dir.error());
  auto to_dir = resolve_directory(files_.meta(), parent_path(*to));
  if (!to_dir) return failed(to_dir.error());
  fs_status done = files_.meta().rename(from_dir->ino, last_name(*from), to_dir->ino, last_name(*to),
                                        rename_mode::replace, files_.now_ns());
  if (!done.is_ok()) return failed(named_error(done, *from, *to));
  fs_reply reply;
  reply.message = *to;
  return reply;
}

fs_reply fs_requests::read(const caller& who, const fs_request& request) {
  auto path = checked_path(who, fs_access::read, request.path);
  if (!path) return failed(path.error());
  auto inode = resolve_path(files_.meta(), *path);
  if (!inode) return failed(inode.error());
  if (inode->kind == fs_kind::directory) return failed(fs_status(EISDIR, "it is a directory (bucky fs ls lists it)"));
  if (inode->kind == fs_kind::symlink) {
    return failed(fs_status(EINVAL, fmt::format("it is a symlink to {} (get that instead)", inode->symlink_target)));
  }
  auto file = files_.open(inode->ino);
  if (!file) return failed(file.error());
  fs_reply reply;
  auto bytes = (*file)->read(request.offset, request.size_bytes);
  reply.entry = entry_of(last_name(*path), (*file)->attr());
  // A read changes nothing here: a flush failure at close is another writer's on
  // this node (the mount's), and it learns of it at its own close.
  (void)files_.close(inode->ino, *file);
  if (!bytes) return failed(bytes.error());
  reply.bytes = std::move(*bytes);
  return reply;
}

}  // namespace bucky::zone_fs
