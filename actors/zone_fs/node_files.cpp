#include "actors/zone_fs/node_files.hpp"

#include <fmt/format.h>

namespace bucky::zone_fs {

node_files::node_files(kv_port& zone_state, chunk_port& chunks, node_files_options options)
    : options_(std::move(options)),
      meta_(zone_state, options_.random_u64),
      chunks_(chunks),
      cache_(options_.cache_bytes) {
  BUCKY_CHECK(options_.random_u64 && options_.now_ns);
}

void node_files::read_ahead_with(chunk_readahead* ahead) {
  std::lock_guard lock(mutex_);
  ahead_ = ahead;
}

fs_result<std::shared_ptr<open_file>> node_files::open(inode_number ino) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = open_.find(ino); found != open_.end()) {
      ++found->second.handles;
      auto file = found->second.file;
      if (fs_status fresh = file->refresh(); !fresh.is_ok()) {
        --found->second.handles;
        return fresh;
      }
      return file;
    }
    if (open_.size() >= options_.open_files_max) {
      return fs_status(ENFILE, fmt::format("{} files open on this node (at most {})", open_.size(), options_.open_files_max));
    }
  }
  // Read outside the lock (a zone-state round trip), then publish; another thread
  // that opened the same inode meanwhile wins and this read is dropped.
  auto content = meta_.read_content(ino);
  if (!content) return content.error();
  std::lock_guard lock(mutex_);
  auto [at, inserted] = open_.try_emplace(ino);
  if (inserted) {
    at->second.file = std::make_shared<open_file>(meta_, chunks_, cache_, std::move(*content), options_.file_limits, ahead_);
  }
  ++at->second.handles;
  return at->second.file;
}

fs_status node_files::close(inode_number ino, const std::shared_ptr<open_file>& file) {
  auto flushed = file->flush(options_.now_ns());
  std::lock_guard lock(mutex_);
  auto found = open_.find(ino);
  BUCKY_CHECK_MSG(found != open_.end() && found->second.file == file && found->second.handles > 0, inode_hex(ino));
  // The last handle goes: the file stays only if a failed store left changes here
  // (they are not dropped silently: a later open flushes them).
  if (--found->second.handles == 0 && !file->dirty()) open_.erase(found);
  if (!flushed) return flushed.error();
  return {};
}

std::vector<std::string> node_files::write_back(std::int64_t age_ns) {
  std::vector<std::pair<inode_number, std::shared_ptr<open_file>>> files;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [ino, opened] : open_) files.emplace_back(ino, opened.file);
  }
  std::vector<std::string> lines;
  const std::int64_t now = options_.now_ns();
  for (const auto& [ino, file] : files) {
    const auto since = file->dirty_since_ns();
    if (!since || now - *since < age_ns) continue;
    auto flushed = file->flush(now);
    lines.push_back(flushed ? fmt::format("inode {}: written back after {} s open with changes", inode_hex(ino),
                                          (now - *since) / 1'000'000'000)
                            : fmt::format("inode {}: write-back failed: {}", inode_hex(ino),
                                          flushed.error().to_string()));
    std::lock_guard lock(mutex_);
    auto found = open_.find(ino);  // a file kept only for a failed store goes once it is clean
    if (found != open_.end() && found->second.handles == 0 && !file->dirty()) open_.erase(found);
  }
  return lines;
}

std::optional<fs_inode> node_files::open_attr(inode_number ino) const {
  std::lock_guard lock(mutex_);
  if (auto found = open_.find(ino); found != open_.end()) return found->second.file->attr();
  return std::nullopt;
}

fs_result<fs_inode> node_files::getattr(inode_number ino) {
  if (auto open = open_attr(ino)) return *open;
  return meta_.getattr(ino);
}

fs_result<fs_inode> node_files::lookup(inode_number dir, const std::string& name) {
  auto found = meta_.lookup(dir, name);
  if (!found) return found;
  if (auto open = open_attr(found->ino)) return *open;
  return found;
}

fs_result<fs_inode> node_files::truncate(inode_number ino, std::uint64_t size_bytes) {
  auto file = open(ino);
  if (!file) return file.error();
  fs_status cut = (*file)->truncate(size_bytes, options_.now_ns());
  fs_status closed = close(ino, *file);
  if (!cut.is_ok()) return cut;
  if (!closed.is_ok()) return closed;
  return getattr(ino);
}

std::uint64_t node_files::open_files() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace bucky::zone_fs
