#include "actors/fuse_mount/fuse_ops.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime/logging.hpp"

namespace bucky::fuse_mount {

namespace {

using namespace zone_fs;

constexpr std::uint32_t list_page_entries = 1'000;
constexpr std::size_t dir_entries_max = 1'000'000;  // one opendir's listing

node_files& files(fuse_req_t req) { return *static_cast<node_files*>(fuse_req_userdata(req)); }

// An open file handle (fi->fh): the node's open file for the inode.
struct file_handle {
  inode_number ino = 0;
  std::shared_ptr<open_file> file;
};

// An open directory (fi->fh): its entries as listed at opendir.
struct dir_handle {
  std::vector<std::pair<std::string, fs_dirent>> entries;
};

void reply_error(fuse_req_t req, int error) { fuse_reply_err(req, error); }

void fail(fuse_req_t req, const fs_status& failure, const char* op) {
  const int error = failure.error();
  // What the zone, not the caller, ran short of or into: the node's log says so
  // (a full volume names itself in the message).
  if (error == EIO || error == EAGAIN || error == ENOSPC || error == EDQUOT || error == ENFILE) {
    logging::get("fuse")->warn("fuse: {} failed: {}", op, failure.to_string());
  }
  fuse_reply_err(req, error);
}

struct stat stat_of(const fs_inode& inode) {
  struct stat st;
  std::memset(&st, 0, sizeof st);
  st.st_ino = inode.ino;
  const mode_t type = inode.kind == fs_kind::directory ? S_IFDIR : inode.kind == fs_kind::symlink ? S_IFLNK : S_IFREG;
  st.st_mode = type | inode.mode;
  st.st_nlink = inode.links;
  st.st_uid = inode.uid;
  st.st_gid = inode.gid;
  st.st_size = static_cast<off_t>(inode.size_bytes);
  st.st_blksize = fs_limits::chunk_bytes;
  st.st_blocks = static_cast<blkcnt_t>((inode.size_bytes + 511) / 512);
  auto put = [](struct timespec& at, std::int64_t ns) {
    at.tv_sec = ns / 1'000'000'000;
    at.tv_nsec = ns % 1'000'000'000;
  };
  put(st.st_atim, inode.atime_ns);
  put(st.st_mtim, inode.mtime_ns);
  put(st.st_ctim, inode.ctime_ns);
  return st;
}

// Names are never cached by the kernel (entry timeout 0): every path walk asks
// again, and its answer carries the latest attributes, so a stat by path, and an
// open, see what the node's replica has. The attributes themselves the kernel may
// keep for attr_valid_s, which spares the getattr that follows each lookup (half
// the round trips of an `ls -l`); only an fstat of a file held open sees them up
// to that old (NFS keeps them 3-60 s).
constexpr double attr_valid_s = 1.0;

void reply_entry(fuse_req_t req, const fs_inode& inode) {
  fuse_entry_param entry;
  std::memset(&entry, 0, sizeof entry);
  entry.ino = inode.ino;
  entry.attr = stat_of(inode);
  entry.attr_timeout = attr_valid_s;
  entry.entry_timeout = 0;
  fuse_reply_entry(req, &entry);
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto found = files(req).lookup(parent, name);  // with an open file's unflushed size
  if (!found) return fail(req, found.error(), "lookup");
  reply_entry(req, *found);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  auto inode = files(req).getattr(ino);
  if (!inode) return fail(req, inode.error(), "getattr");
  struct stat st = stat_of(*inode);
  fuse_reply_attr(req, &st, attr_valid_s);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
  node_files& fs = files(req);
  if (to_set & FUSE_SET_ATTR_SIZE) {
    auto cut = fs.truncate(ino, static_cast<std::uint64_t>(attr->st_size));
    if (!cut) return fail(req, cut.error(), "truncate");
  }
  attr_change change;
  if (to_set & FUSE_SET_ATTR_MODE) change.mode = attr->st_mode & 07777;
  if (to_set & FUSE_SET_ATTR_UID) change.uid = attr->st_uid;
  if (to_set & FUSE_SET_ATTR_GID) change.gid = attr->st_gid;
  auto ns = [](const struct timespec& at) { return std::int64_t{at.tv_sec} * 1'000'000'000 + at.tv_nsec; };
  if (to_set & FUSE_SET_ATTR_ATIME) change.atime_ns = ns(attr->st_atim);
  if (to_set & FUSE_SET_ATTR_MTIME) change.mtime_ns = ns(attr->st_mtim);
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) change.atime_ns = fs.now_ns();
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) change.mtime_ns = fs.now_ns();
  const bool other = change.mode || change.uid || change.gid || change.atime_ns || change.mtime_ns;
  if (other) {
    auto changed = fs.meta().setattr(ino, change, fs.now_ns());
    if (!changed) return fail(req, changed.error(), "setattr");
  }
  op_getattr(req, ino, nullptr);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  auto inode = files(req).meta().getattr(ino);
  if (!inode) return fail(req, inode.error(), "readlink");
  if (inode->kind != fs_kind::symlink) return reply_error(req, EINVAL);
  fuse_reply_readlink(req, inode->symlink_target.c_str());
}

void make(fuse_req_t req, fuse_ino_t parent, const char* name, fs_kind kind, mode_t mode, std::string target) {
  const fuse_ctx* who = fuse_req_ctx(req);
  new_inode fresh;
  fresh.kind = kind;
  fresh.mode = kind == fs_kind::symlink ? 0777 : (mode & 07777);
  fresh.uid = who->uid;
  fresh.gid = who->gid;
  fresh.symlink_target = std::move(target);
  node_files& fs = files(req);
  auto made = fs.meta().make(parent, name, fresh, fs.now_ns());
  if (!made) return fail(req, made.error(), "create");
  reply_entry(req, *made);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
  if (!S_ISREG(mode)) return reply_error(req, EPERM);  // no devices, FIFOs or sockets
  make(req, parent, name, fs_kind::file, mode, "");
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  make(req, parent, name, fs_kind::directory, mode, "");
}

void op_symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  make(req, parent, name, fs_kind::symlink, 0777, target);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  node_files& fs = files(req);
  fs_status done = fs.meta().unlink(parent, name, fs.now_ns());
  if (!done.is_ok()) return fail(req, done, "unlink");
  fuse_reply_err(req, 0);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  node_files& fs = files(req);
  fs_status done = fs.meta().rmdir(parent, name, fs.now_ns());
  if (!done.is_ok()) return fail(req, done, "rmdir");
  fuse_reply_err(req, 0);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t to_parent, const char* to_name,
               unsigned int flags) {
  if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE)) return reply_error(req, EINVAL);
  node_files& fs = files(req);
  const rename_mode mode = (flags & RENAME_NOREPLACE) ? rename_mode::no_replace : rename_mode::replace;
  fs_status done = fs.meta().rename(parent, name, to_parent, to_name, mode, fs.now_ns());
  if (!done.is_ok()) return fail(req, done, "rename");
  fuse_reply_err(req, 0);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent, const char* name) {
  node_files& fs = files(req);
  auto linked = fs.meta().link(ino, parent, name, fs.now_ns());
  if (!linked) return fail(req, linked.error(), "link");
  reply_entry(req, *linked);
}

// Opens a handle into fi->fh; on failure replies the error and returns false.
bool open_handle(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto file = files(req).open(ino);
  if (!file) {
    fail(req, file.error(), "open");
    return false;
  }
  fi->fh = reinterpret_cast<std::uint64_t>(new file_handle{ino, std::move(*file)});
  fi->keep_cache = 0;  // close-to-open: drop what the kernel cached
  return true;
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (open_handle(req, ino, fi)) fuse_reply_open(req, fi);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  const fuse_ctx* who = fuse_req_ctx(req);
  new_inode fresh;
  fresh.mode = mode & 07777;
  fresh.uid = who->uid;
  fresh.gid = who->gid;
  node_files& fs = files(req);
  auto made = fs.meta().make(parent, name, fresh, fs.now_ns());
  if (!made) return fail(req, made.error(), "create");
  if (!open_handle(req, made->ino, fi)) return;
  fuse_entry_param entry;
  std::memset(&entry, 0, sizeof entry);
  entry.ino = made->ino;
  entry.attr = stat_of(*made);
  fuse_reply_create(req, &entry, fi);
}

file_handle& handle(fuse_file_info* fi) { return *reinterpret_cast<file_handle*>(fi->fh); }

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  auto bytes = handle(fi).file->read(static_cast<std::uint64_t>(offset), static_cast<std::uint32_t>(size));
  if (!bytes) return fail(req, bytes.error(), "read");
  fuse_reply_buf(req, bytes->data(), bytes->size());
}

void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  fs_status done = handle(fi).file->write(static_cast<std::uint64_t>(offset), std::string_view(buf, size),
                                          files(req).now_ns());
  if (!done.is_ok()) return fail(req, done, "write");
  fuse_reply_write(req, size);
}

// flush: every close(2) of a descriptor; fsync: fsync(2). Both return only once
// the chunks are on R holders and the commit is chosen.
void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto flushed = handle(fi).file->flush(files(req).now_ns());
  if (!flushed) return fail(req, flushed.error(), "close");
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info* fi) { op_flush(req, ino, fi); }

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  std::unique_ptr<file_handle> owned(reinterpret_cast<file_handle*>(fi->fh));
  fs_status closed = files(req).close(owned->ino, owned->file);
  if (!closed.is_ok()) logging::get("fuse")->warn("fuse: release of inode {}: {}", inode_hex(ino), closed.to_string());
  fuse_reply_err(req, 0);  // release cannot fail: the error went to flush
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto dir = std::make_unique<dir_handle>();
  auto inode = files(req).meta().getattr(ino);
  if (!inode) return fail(req, inode.error(), "opendir");
  if (inode->kind != fs_kind::directory) return reply_error(req, ENOTDIR);
  dir->entries.push_back({".", fs_dirent{ino, fs_kind::directory}});
  dir->entries.push_back({"..", fs_dirent{inode->parent, fs_kind::directory}});
  std::string after;
  for (;;) {
    auto page = files(req).meta().list(ino, after, list_page_entries, true);
    if (!page) return fail(req, page.error(), "readdir");
    for (auto& entry : page->entries) dir->entries.emplace_back(entry.name, entry.dirent);
    if (!page->more || page->entries.empty() || dir->entries.size() > dir_entries_max) break;
    after = page->entries.back().name;
  }
  fi->fh = reinterpret_cast<std::uint64_t>(dir.release());
  fuse_reply_open(req, fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  const auto& entries = reinterpret_cast<dir_handle*>(fi->fh)->entries;
  std::string buffer(size, '\0');
  std::size_t used = 0;
  for (std::size_t index = static_cast<std::size_t>(offset); index < entries.size(); ++index) {
    struct stat st;
    std::memset(&st, 0, sizeof st);
    st.st_ino = entries[index].second.ino;
    st.st_mode = entries[index].second.kind == fs_kind::directory ? S_IFDIR
                 : entries[index].second.kind == fs_kind::symlink ? S_IFLNK
                                                                  : S_IFREG;
    const std::size_t need = fuse_add_direntry(req, buffer.data() + used, size - used, entries[index].first.c_str(),
                                               &st, static_cast<off_t>(index + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buffer.data(), used);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<dir_handle*>(fi->fh);
  fuse_reply_err(req, 0);
}

// The zone's room as a disk of R-times-smaller blocks: what `df` shows.
void op_statfs(fuse_req_t req, fuse_ino_t) {
  auto room = files(req).room();
  if (!room) return fail(req, fs_status::from(room.error()), "statfs");
  constexpr std::uint64_t block = 4096;
  struct statvfs st;
  std::memset(&st, 0, sizeof st);
  st.f_bsize = st.f_frsize = block;
  st.f_blocks = (room->stored_bytes + room->room_bytes) / room->copies / block;
  st.f_bfree = st.f_bavail = room->room_bytes / room->copies / block;
  st.f_files = st.f_ffree = st.f_favail = 1ull << 40;  // inodes are numbered at random: no table to fill
  st.f_namemax = fs_limits::name_bytes_max;
  fuse_reply_statfs(req, &st);
}

void op_init(void*, fuse_conn_info* conn) {
  conn->max_write = fs_limits::chunk_bytes;  // whole chunks per write request
  conn->max_readahead = fs_limits::chunk_bytes;
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_ATOMIC_O_TRUNC);
}

}  // namespace

const fuse_lowlevel_ops& zone_fs_operations() {
  static const fuse_lowlevel_ops operations = [] {
    fuse_lowlevel_ops ops;
    std::memset(&ops, 0, sizeof ops);
    ops.init = op_init;
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.setattr = op_setattr;
    ops.readlink = op_readlink;
    ops.mknod = op_mknod;
    ops.mkdir = op_mkdir;
    ops.symlink = op_symlink;
    ops.unlink = op_unlink;
    ops.rmdir = op_rmdir;
    ops.rename = op_rename;
    ops.link = op_link;
    ops.open = op_open;
    ops.create = op_create;
    ops.read = op_read;
    ops.write = op_write;
    ops.flush = op_flush;
    ops.fsync = op_fsync;
    ops.release = op_release;
    ops.opendir = op_opendir;
    ops.readdir = op_readdir;
    ops.releasedir = op_releasedir;
    ops.statfs = op_statfs;
    return ops;
  }();
  return operations;
}

}  // namespace bucky::fuse_mount
