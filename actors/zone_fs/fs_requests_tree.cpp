// fs_requests: the ops over many names (fs_requests.hpp): remove (rm -r, bounded)
// and df (the chunk stores' figures and the tree as fsck counts it).
#include <fmt/format.h>

#include "actors/zone_fs/fs_requests.hpp"
#include "actors/zone_fs/fs_requests_paths.hpp"
#include "actors/zone_fs/fsck.hpp"

namespace bucky::zone_fs {

using namespace request_detail;

namespace {

inline constexpr std::string_view repair_key = "/fs/repair";  // written by the repair actor

struct named_entry {
  inode_number dir = 0;
  std::string name;
  fs_kind kind = fs_kind::file;
};

}  // namespace

fs_reply fs_requests::remove(const caller& who, const fs_request& request) {
  auto path = checked_path(who, fs_access::write, request.path);
  if (!path) return failed(path.error());
  if (*path == "/") return failed(fs_status(EBUSY, "the root directory cannot be removed"));
  auto dir = resolve_directory(files_.meta(), parent_path(*path));
  if (!dir) return failed(dir.error());
  auto target = files_.meta().lookup(dir->ino, last_name(*path));
  if (!target && target.error().error() == ENOENT) return failed(fs_status(ENOENT, fmt::format("{} does not exist", *path)));
  if (!target) return failed(target.error());
  if (target->kind == fs_kind::directory) {
    if (!request.recursive) return failed(fs_status(EISDIR, "it is a directory (rm -r removes it and all in it)"));
    return remove_tree(*path, *target);
  }
  fs_status done = files_.meta().unlink(dir->ino, last_name(*path), files_.now_ns());
  if (!done.is_ok()) return failed(done);
  fs_reply reply;
  reply.count = 1;
  return reply;
}

// Every name below `top` is listed first (bounded: a tree too big is refused before
// anything is removed), then removed children first: the reverse of the order they
// were found in, since a directory is found before anything in it. A tree that
// takes longer than remove_time_ms_max is removed over several requests (`more`).
fs_reply fs_requests::remove_tree(const std::string& path, const fs_inode& top) {
  const std::int64_t started_ms = options_.steady_ms();
  std::vector<named_entry> found;
  std::vector<inode_number> to_list{top.ino};
  while (!to_list.empty()) {
    const inode_number dir = to_list.back();
    to_list.pop_back();
    std::string after;
    for (bool more = true; more;) {
      auto page = files_.meta().list(dir, after, fs_message_limits::list_entries_max);
      if (!page) return failed(page.error());
      more = page->more && !page->entries.empty();
      for (auto& entry : page->entries) {
        if (found.size() >= options_.remove_entries_max) {
          return failed(fs_status(E2BIG, fmt::format("{} holds more than {} names, more than one rm -r removes: remove "
                                                     "its subdirectories one by one (nothing was removed)",
                                                     path, options_.remove_entries_max)));
        }
        after = entry.name;
        if (entry.dirent.kind == fs_kind::directory) to_list.push_back(entry.dirent.ino);
        found.push_back({dir, std::move(entry.name), entry.dirent.kind});
      }
    }
  }
  const std::int64_t now_ns = files_.now_ns();
  fs_reply reply;
  for (auto at = found.rbegin(); at != found.rend(); ++at) {
    fs_status done = at->kind == fs_kind::directory ? files_.meta().rmdir(at->dir, at->name, now_ns)
                                                    : files_.meta().unlink(at->dir, at->name, now_ns);
    if (done.error() == ENOENT) continue;  // removed meanwhile by someone else
    if (!done.is_ok()) {
      return failed(fs_status(done.error(), fmt::format("removed {} of {} names under {}, then: {}", reply.count,
                                                        found.size(), path, done.message())));
    }
    ++reply.count;
    if (options_.steady_ms() - started_ms > static_cast<std::int64_t>(options_.remove_time_ms_max)) {
      reply.more = true;  // the CLI asks again for the rest
      return reply;
    }
  }
  fs_status done = files_.meta().rmdir(top.parent, last_name(path), now_ns);
  if (!done.is_ok() && done.error() != ENOENT) {
    return failed(fs_status(done.error(), fmt::format("removed the {} names under {}, not the directory itself: {}",
                                                      reply.count, path, done.message())));
  }
  ++reply.count;
  return reply;
}

fs_reply fs_requests::df(const caller& who) {
  if (fs_status allowed = check_fs_access(who, fs_access::read, "/"); !allowed.is_ok()) return failed(allowed);
  fs_reply reply;
  if (options_.chunk_figures) reply.nodes = options_.chunk_figures();
  if (reply.nodes.size() > fs_message_limits::df_nodes_max) reply.nodes.resize(fs_message_limits::df_nodes_max);
  auto zone = scan_zone();
  if (!zone) return failed(fs_status(zone.error().error(), "the zone's tree: " + zone.error().message()));
  reply.zone = std::move(*zone);
  return reply;
}

// Every /fs/ key, a page at a time, up to df_keys_max keys or df_bytes_max bytes
// (past either the figures are a lower bound and say so). Pages are read at
// successive revisions: a change during the scan may be counted half; df reports,
// it decides nothing.
fs_result<fs_zone_usage> fs_requests::scan_zone() {
  fs_zone_usage usage;
  std::vector<key_value> keys;
  std::uint64_t bytes = 0;
  std::string from(fs_prefix);
  const std::string end = "/fs0";  // just past every key starting with "/fs/"
  for (bool more = true; more;) {
    if (keys.size() >= options_.df_keys_max || bytes >= options_.df_bytes_max) {
      usage.complete = false;
      break;
    }
    kv_request request;
    request.success.push_back(range_op(from, end, static_cast<std::uint32_t>(kv_limits::range_results_max)));
    auto answer = zone_state_.call(request);
    if (!answer) return fs_status::from(answer.error());
    BUCKY_CHECK(answer->results.size() == 1);
    auto& page = answer->results[0];
    more = page.more && !page.kvs.empty();
    if (!page.kvs.empty()) from = page.kvs.back().key + '\0';
    for (auto& kv : page.kvs) {
      ++usage.keys_scanned;
      if (kv.key == repair_key) {
        if (kv.value.size() <= fs_message_limits::repair_report_bytes_max) usage.repair_report = kv.value;
        continue;
      }
      if (!kv.key.starts_with(inode_prefix) && !kv.key.starts_with(dirent_prefix)) continue;
      bytes += kv.key.size() + kv.value.size();
      keys.push_back(std::move(kv));
    }
  }
  const fsck_report report = check_fs(keys);
  usage.files = report.files;
  usage.directories = report.directories;
  usage.symlinks = report.symlinks;
  usage.file_bytes = report.file_bytes;
  usage.chunk_refs = report.chunk_refs;
  return usage;
}

}  // namespace bucky::zone_fs
