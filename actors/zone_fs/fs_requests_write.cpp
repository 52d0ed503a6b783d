// fs_requests: puts through write handles (fs_requests.hpp): a hidden temporary
// file next to the target, written in pieces, committed at close and only then
// renamed over the target.
#include <fmt/format.h>

#include "actors/zone_fs/fs_requests.hpp"
#include "actors/zone_fs/fs_requests_paths.hpp"

namespace bucky::zone_fs {

using namespace request_detail;

namespace {

std::string describe(const caller& who) { return fmt::format("{} {}", role_name(who.role), who.name); }

bool same_caller(const caller& a, const caller& b) { return a.role == b.role && a.name == b.name; }

}  // namespace

fs_reply fs_requests::open_write(const caller& who, const fs_request& request) {
  auto path = checked_path(who, fs_access::write, request.path);
  if (!path) return failed(path.error());
  if (*path == "/") return failed(fs_status(EISDIR, "the root is a directory: put LOCAL /NAME"));
  if (handles_.size() >= options_.handles_max) {
    return failed(fs_status(EMFILE, fmt::format("{} puts are under way on node {} (at most {}); try again when one "
                                                "ends (idle ones go after a minute), or use another node (--node)",
                                                handles_.size(), options_.node_id, options_.handles_max)));
  }
  auto dir = resolve_directory(files_.meta(), parent_path(*path));
  if (!dir && dir.error().error() == ENOENT) {
    return failed(fs_status(ENOENT, fmt::format("{} (make it first: bucky fs mkdir -p {})", dir.error().message(),
                                                parent_path(*path))));
  }
  if (!dir) return failed(dir.error());
  auto existing = files_.meta().lookup(dir->ino, last_name(*path));
  if (existing && existing->kind == fs_kind::directory) {
    return failed(fs_status(EISDIR, fmt::format("it is a directory: put LOCAL {}/NAME", *path)));
  }
  write_handle handle;
  handle.owner = who;
  handle.path = *path;
  handle.dir = dir->ino;
  handle.temp_name = fmt::format(".bucky-put-{:016x}", options_.random_u64());
  auto made = files_.meta().make(dir->ino, handle.temp_name, new_inode{}, files_.now_ns());
  if (!made) return failed(fs_status(made.error().error(), fmt::format("{}/{}: {}", parent_path(*path),
                                                                       handle.temp_name, made.error().message())));
  handle.ino = made->ino;
  auto file = files_.open(handle.ino);
  if (!file) {
    (void)files_.meta().unlink(handle.dir, handle.temp_name, files_.now_ns());
    return failed(file.error());
  }
  handle.file = std::move(*file);
  handle.used_ms = options_.steady_ms();
  std::uint64_t id = 0;
  while (id == 0 || handles_.count(id)) id = options_.random_u64();
  handles_.emplace(id, std::move(handle));
  fs_reply reply;
  reply.handle = id;
  return reply;
}

fs_result<fs_requests::write_handle*> fs_requests::owned_handle(const caller& who, std::uint64_t id) {
  auto found = handles_.find(id);
  if (found == handles_.end()) {
    return fs_status(EBADF, fmt::format("no put {:016x} under way on node {} (it was closed, or dropped after {} s "
                                        "idle, or the node restarted): put the file again",
                                        id, options_.node_id, options_.handle_idle_ms_max / 1'000));
  }
  if (!same_caller(found->second.owner, who)) {
    return fs_status(EBADF, fmt::format("put {:016x} on node {} belongs to another caller, not {}", id,
                                        options_.node_id, describe(who)));
  }
  return &found->second;
}

fs_reply fs_requests::write(const caller& who, const fs_request& request) {
  auto handle = owned_handle(who, request.handle);
  if (!handle) return failed(handle.error());
  write_handle& writing = **handle;
  fs_status done = writing.file->write(request.offset, request.bytes, files_.now_ns());
  writing.used_ms = options_.steady_ms();
  if (!done.is_ok()) return failed(fs_status(done.error(), fmt::format("{}: {}", writing.path, done.message())));
  writing.bytes_written += request.bytes.size();
  fs_reply reply;
  reply.count = request.bytes.size();
  return reply;
}

// Committed first (close stores what is left and chooses the chunk list), renamed
// second: the target names either its old contents or all of the new.
fs_reply fs_requests::close(const caller& who, const fs_request& request) {
  auto handle = owned_handle(who, request.handle);
  if (!handle) return failed(handle.error());
  write_handle writing = std::move(**handle);
  handles_.erase(request.handle);
  fs_status committed = files_.close(writing.ino, writing.file);
  writing.file.reset();
  const std::int64_t now_ns = files_.now_ns();
  if (!committed.is_ok()) {
    (void)files_.meta().unlink(writing.dir, writing.temp_name, now_ns);
    return failed(fs_status(committed.error(), fmt::format("{} not written: {}", writing.path, committed.message())));
  }
  const std::string name = last_name(writing.path);
  fs_status renamed = files_.meta().rename(writing.dir, writing.temp_name, writing.dir, name, rename_mode::replace, now_ns);
  if (!renamed.is_ok()) {
    (void)files_.meta().unlink(writing.dir, writing.temp_name, now_ns);
    return failed(fs_status(renamed.error(), fmt::format("{} committed but not put in place: {}", writing.path,
                                                         renamed.message())));
  }
  fs_reply reply;
  auto inode = files_.meta().getattr(writing.ino);
  if (inode) reply.entry = entry_of(name, *inode);
  reply.count = writing.bytes_written;
  reply.message = fmt::format("{}: {} bytes committed", writing.path, writing.bytes_written);
  return reply;
}

// Cut to nothing first, so closing stores no chunk of an abandoned put.
void fs_requests::abandon(write_handle& handle) {
  const std::int64_t now_ns = files_.now_ns();
  (void)handle.file->truncate(0, now_ns);
  (void)files_.close(handle.ino, handle.file);
  handle.file.reset();
  (void)files_.meta().unlink(handle.dir, handle.temp_name, now_ns);
}

std::vector<std::string> fs_requests::drop_idle() {
  std::vector<std::string> dropped;
  const std::int64_t now_ms = options_.steady_ms();
  for (auto at = handles_.begin(); at != handles_.end();) {
    write_handle& handle = at->second;
    const std::int64_t idle_ms = now_ms - handle.used_ms;
    if (idle_ms < static_cast<std::int64_t>(options_.handle_idle_ms_max)) {
      ++at;
      continue;
    }
    abandon(handle);
    dropped.push_back(fmt::format("dropped the put {:016x} of {} to {}: idle for {} s after {} bytes, never closed",
                                  at->first, describe(handle.owner), handle.path, idle_ms / 1'000,
                                  handle.bytes_written));
    at = handles_.erase(at);
  }
  return dropped;
}

}  // namespace bucky::zone_fs
