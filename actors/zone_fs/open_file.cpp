#include "actors/zone_fs/open_file.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace bucky::zone_fs {

namespace {

constexpr std::uint64_t chunk_size = fs_limits::chunk_bytes;

std::uint64_t chunks_for(std::uint64_t size_bytes) { return (size_bytes + chunk_size - 1) / chunk_size; }

const std::shared_ptr<const std::string>& no_bytes() {
  static const auto empty = std::make_shared<const std::string>();
  return empty;
}

}  // namespace

open_file::open_file(metadata& meta, chunk_port& chunks, chunk_cache& cache, file_content content,
                     open_file_limits limits, chunk_readahead* ahead)
    : meta_(meta), chunks_(chunks), cache_(cache), limits_(limits), ahead_(ahead), content_(std::move(content)) {
  BUCKY_CHECK(limits_.stores_in_flight_max > 0);
  size_bytes_ = content_.inode.size_bytes;
}

// Thread-safe (the port, the cache and the read-ahead are): called with or
// without the file's lock.
fs_result<std::shared_ptr<const std::string>> open_file::load(const chunk_ref& ref, inode_number ino) {
  if (ref.hole()) return no_bytes();
  if (auto cached = cache_.find(ref.id)) return cached;
  if (ahead_) {
    if (auto came = ahead_->wait_for(ref.id)) return came;
  }
  auto loaded = chunks_.load(ref.id);
  if (!loaded) {
    return fs_status(fs_status::from(loaded.error()).error(),
                     fmt::format("inode {}: chunk {}: {}", inode_hex(ino), ref.id.short_hex(), loaded.error().message()));
  }
  if (loaded->size() != ref.size_bytes) {
    return fs_status(EIO, fmt::format("inode {}: chunk {} has {} bytes, its ref says {}", inode_hex(ino),
                                      ref.id.short_hex(), loaded->size(), ref.size_bytes));
  }
  auto bytes = std::make_shared<const std::string>(std::move(*loaded));
  cache_.insert(ref.id, bytes);
  return bytes;
}

// The refs of the chunks [offset, offset + size) needs that are neither here nor
// in the cache.
std::vector<chunk_ref> open_file::uncached(std::uint64_t offset, std::uint64_t size_bytes) {
  std::vector<chunk_ref> out;
  const std::uint64_t end = std::min<std::uint64_t>(size_bytes_, offset + size_bytes);
  for (std::uint64_t index = offset / chunk_size; index * chunk_size < end; ++index) {
    if (buffered_.count(index) || storing_.count(index)) continue;
    const chunk_ref* ref = nullptr;
    if (auto found = stored_.find(index); found != stored_.end()) ref = &found->second;
    else if (index < content_.chunks.size()) ref = &content_.chunks[index];
    if (ref && !ref->hole() && !cache_.find(ref->id)) out.push_back(*ref);
  }
  return out;
}

// The bytes chunk `index` holds as this node sees it when it is not buffered (may
// be shorter than the chunk's span in the file: the rest reads as zeros).
fs_result<std::shared_ptr<const std::string>> open_file::chunk_bytes(std::uint64_t index) {
  BUCKY_CHECK(!buffered_.count(index));
  if (auto found = storing_.find(index); found != storing_.end()) return found->second.bytes;
  if (auto found = stored_.find(index); found != stored_.end()) return load(found->second, content_.inode.ino);
  if (index < content_.chunks.size()) return load(content_.chunks[index], content_.inode.ino);
  return no_bytes();
}

// Loads the chunks [offset, offset + size) needs into the cache without the
// file's lock: a load is a round trip to a holder, and readers of other parts of
// the file and writers go on meanwhile. Reads and writes then work under the
// lock; a load that failed here, or a chunk the cache let go of meanwhile, is
// loaded again there, which also reports the error.
void open_file::warm_cache(std::uint64_t offset, std::uint64_t size_bytes) {
  std::vector<chunk_ref> missing;
  inode_number ino = 0;
  {
    lock guard(mutex_);
    missing = uncached(offset, size_bytes);
    ino = content_.inode.ino;
  }
  for (const auto& ref : missing) {
    if (!load(ref, ino)) return;
  }
}

fs_result<std::string> open_file::read(std::uint64_t offset, std::uint32_t size_bytes) {
  {
    lock guard(mutex_);  // loads ahead start before this read's own loads
    const std::uint64_t end = std::min<std::uint64_t>(size_bytes_, offset + size_bytes);
    for (std::uint64_t index = offset / chunk_size; index * chunk_size < end; ++index) read_ahead_of(index);
  }
  warm_cache(offset, size_bytes);
  lock guard(mutex_);
  return read_locked(offset, size_bytes);
}

fs_result<std::string> open_file::read_locked(std::uint64_t offset, std::uint32_t size_bytes) {
  if (offset >= size_bytes_) return std::string();
  const std::uint64_t end = std::min<std::uint64_t>(size_bytes_, offset + size_bytes);
  std::string out(end - offset, '\0');
  for (std::uint64_t at = offset; at < end;) {
    const std::uint64_t index = at / chunk_size;
    const std::uint64_t in_chunk = at % chunk_size;
    const std::uint64_t span = std::min<std::uint64_t>(end - at, chunk_size - in_chunk);
    std::shared_ptr<const std::string> held;
    const std::string* chunk = nullptr;
    if (auto buffer = buffered_.find(index); buffer != buffered_.end()) {
      chunk = &buffer->second;  // read in place
    } else {
      auto bytes = chunk_bytes(index);
      if (!bytes) return bytes.error();
      held = std::move(*bytes);
      chunk = held.get();
    }
    const std::string& source = *chunk;
    if (in_chunk < source.size()) {
      const std::uint64_t available = std::min<std::uint64_t>(span, source.size() - in_chunk);
      std::copy_n(source.data() + in_chunk, available, out.data() + (at - offset));
    }
    at += span;
  }
  return out;
}

// A reader at the chunk it read last or the one after is sequential: the chunks
// after `index` that the zone holds (not changed here) are loaded ahead, once per
// chunk the reader enters.
void open_file::read_ahead_of(std::uint64_t index) {
  const bool sequential = index == read_next_chunk_ || index + 1 == read_next_chunk_;
  const bool entering = index == read_next_chunk_;
  read_next_chunk_ = index + 1;
  if (!ahead_ || !sequential || !entering) return;
  const std::uint64_t last = std::min<std::uint64_t>(content_.chunks.size(), index + 1 + limits_.readahead_chunks);
  for (std::uint64_t next = index + 1; next < last; ++next) {
    if (buffered_.count(next) || storing_.count(next) || stored_.count(next)) continue;
    ahead_->want(content_.chunks[next]);
  }
}

// The buffer for chunk `index`, created from what the chunk holds now (cut at the
// file's size: bytes past it must read as zeros if the file grows again).
fs_result<std::string*> open_file::writable_chunk(std::uint64_t index) {
  if (auto found = buffered_.find(index); found != buffered_.end()) return &found->second;
  auto bytes = chunk_bytes(index);
  if (!bytes) return bytes.error();
  std::string buffer = **bytes;
  const std::uint64_t start = index * chunk_size;
  buffer.resize(std::min<std::uint64_t>(buffer.size(), size_bytes_ > start ? size_bytes_ - start : 0));
  if (storing_.count(index)) finish_store(index);  // superseded: its result is not committed
  stored_.erase(index);
  return &buffered_.emplace(index, std::move(buffer)).first->second;
}

fs_status open_file::write(std::uint64_t offset, std::string_view bytes, std::int64_t now_ns) {
  if (offset + bytes.size() > fs_limits::file_bytes_max || offset > fs_limits::file_bytes_max) {
    return fs_status(EFBIG, fmt::format("a write ending at byte {} (files hold at most 1 TiB)", offset + bytes.size()));
  }
  warm_cache(offset, bytes.size());  // what a partial chunk write merges with
  lock guard(mutex_);
  if (!dirty_since_ns_) dirty_since_ns_ = now_ns;
  for (std::uint64_t done = 0; done < bytes.size();) {
    const std::uint64_t at = offset + done;
    const std::uint64_t index = at / chunk_size;
    const std::uint64_t in_chunk = at % chunk_size;
    const std::uint64_t span = std::min<std::uint64_t>(bytes.size() - done, chunk_size - in_chunk);
    auto buffer = writable_chunk(index);
    if (!buffer) return buffer.error();
    std::string& chunk = **buffer;
    if (chunk.size() < in_chunk + span) chunk.resize(in_chunk + span, '\0');
    std::copy_n(bytes.data() + done, span, chunk.data() + in_chunk);
    done += span;
    size_bytes_ = std::max(size_bytes_, at + span);
    // A chunk written to its end is done for a sequential writer: store it now.
    if (in_chunk + span == chunk_size) start_store(index);
  }
  mtime_ns_ = now_ns;
  store_early_if_over_budget(offset / chunk_size);
  return {};
}

fs_status open_file::truncate(std::uint64_t size_bytes, std::int64_t now_ns) {
  if (size_bytes > fs_limits::file_bytes_max) return fs_status(EFBIG, fmt::format("a size of {} bytes", size_bytes));
  lock guard(mutex_);
  if (!dirty_since_ns_) dirty_since_ns_ = now_ns;
  const std::uint64_t keep = chunks_for(size_bytes);
  while (!storing_.empty() && storing_.rbegin()->first >= keep) finish_store(storing_.rbegin()->first);
  buffered_.erase(buffered_.lower_bound(keep), buffered_.end());
  stored_.erase(stored_.lower_bound(keep), stored_.end());
  // Committed chunks past the end are gone for this node now (and at the commit).
  if (content_.chunks.size() > keep) content_.chunks.resize(keep);
  if (size_bytes < size_bytes_ && size_bytes % chunk_size != 0) {
    // The new last chunk is cut where the file now ends.
    auto buffer = writable_chunk(size_bytes / chunk_size);
    if (!buffer) return buffer.error();
    (*buffer)->resize(std::min<std::uint64_t>((*buffer)->size(), size_bytes % chunk_size));
  }
  size_bytes_ = size_bytes;
  truncated_ = true;
  cut_to_ = std::min(cut_to_.value_or(size_bytes), size_bytes);
  mtime_ns_ = now_ns;
  return {};
}

void open_file::start_store(std::uint64_t index) {
  auto found = buffered_.find(index);
  BUCKY_CHECK(found != buffered_.end());
  if (storing_.count(index)) finish_store(index);
  while (storing_.size() >= limits_.stores_in_flight_max) finish_oldest_store();
  auto bytes = std::make_shared<const std::string>(std::move(found->second));
  buffered_.erase(found);
  const std::uint64_t order = ++store_order_;
  store_started_[order] = index;
  storing_[index] = {chunks_.store(*bytes), std::move(bytes), order};
}

void open_file::finish_store(std::uint64_t index) {
  auto found = storing_.find(index);
  BUCKY_CHECK(found != storing_.end());
  storing pending = std::move(found->second);
  storing_.erase(found);
  store_started_.erase(pending.order);
  auto ref = chunks_.wait(pending.ticket);
  if (!ref) {
    if (failed_.is_ok()) failed_ = fs_status(fs_status::from(ref.error()).error(),
                                             fmt::format("storing a chunk of inode {}: {}",
                                                         inode_hex(content_.inode.ino), ref.error().message()));
    buffered_.emplace(index, *pending.bytes);  // kept: the next flush stores it again
    return;
  }
  BUCKY_CHECK(ref->size_bytes == pending.bytes->size());
  cache_.insert(ref->id, std::move(pending.bytes));
  stored_[index] = *ref;
}

void open_file::finish_oldest_store() {
  BUCKY_CHECK(!store_started_.empty());
  finish_store(store_started_.begin()->second);
}

std::uint64_t open_file::buffered_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [index, bytes] : buffered_) total += bytes.size();
  return total;
}

// Random writes leave partly written chunks buffered: past the budget the ones
// furthest from where the writer is go to the stores early.
void open_file::store_early_if_over_budget(std::uint64_t writing) {
  while (buffered_bytes() > limits_.buffered_bytes_max && buffered_.size() > 1) {
    auto first = buffered_.begin();
    auto last = std::prev(buffered_.end());
    const std::uint64_t from_first = writing - std::min(writing, first->first);
    const std::uint64_t from_last = last->first - std::min(last->first, writing);
    start_store(from_first >= from_last ? first->first : last->first);
  }
}

bool open_file::dirty_locked() const {
  return !buffered_.empty() || !storing_.empty() || !stored_.empty() || truncated_ ||
         size_bytes_ != content_.inode.size_bytes || mtime_ns_.has_value();
}

bool open_file::dirty() const {
  lock guard(mutex_);
  return dirty_locked();
}

fs_inode open_file::attr() const {
  lock guard(mutex_);
  fs_inode inode = content_.inode;
  inode.size_bytes = size_bytes_;
  if (mtime_ns_) inode.mtime_ns = *mtime_ns_;
  return inode;
}

fs_result<fs_inode> open_file::flush(std::int64_t now_ns) {
  lock guard(mutex_);
  failed_ = {};  // a background store that failed left its bytes buffered: tried again here
  while (!buffered_.empty()) start_store(buffered_.begin()->first);
  while (!storing_.empty()) finish_oldest_store();
  if (!failed_.is_ok()) {
    fs_status failure = std::move(failed_);
    failed_ = {};
    return failure;
  }
  if (!dirty_locked()) return content_.inode;
  if (fs_status done = commit(now_ns); !done.is_ok()) return done;
  return content_.inode;
}

// Commits stored_ in parts of at most commit_blocks_max blocks: a truncate's cut
// goes with the first (before any new chunk lands), the exact size with the last.
// Then reads the file back: other nodes' commits merged in are seen here.
fs_status open_file::commit(std::int64_t now_ns) {
  const std::uint64_t per_part = std::uint64_t{commit_blocks_max} * fs_limits::chunks_per_block;
  auto next = stored_.begin();
  bool first = true;
  do {
    content_change change;
    const std::uint64_t part_end = next == stored_.end() ? 0 : (next->first / per_part + 1) * per_part;
    for (; next != stored_.end() && next->first < part_end; ++next) change.chunks.insert(*next);
    if (first) change.cut_to = cut_to_;
    first = false;
    if (next == stored_.end()) {
      if (truncated_) change.size_bytes = size_bytes_;
      else change.size_at_least = size_bytes_;
      change.mtime_ns = mtime_ns_;
    } else {
      change.size_at_least = std::min(size_bytes_, part_end * chunk_size);
    }
    auto committed = meta_.commit(content_.inode.ino, change, now_ns);
    if (!committed) return committed.error();
  } while (next != stored_.end());
  stored_.clear();
  truncated_ = false;
  cut_to_.reset();
  mtime_ns_.reset();
  dirty_since_ns_.reset();
  auto fresh = meta_.read_content(content_.inode.ino);
  if (!fresh) return fresh.error();
  content_ = std::move(*fresh);
  size_bytes_ = content_.inode.size_bytes;
  return {};
}

std::optional<std::int64_t> open_file::dirty_since_ns() const {
  lock guard(mutex_);
  if (!dirty_locked()) return std::nullopt;
  return dirty_since_ns_;
}

fs_status open_file::refresh() {
  lock guard(mutex_);
  if (dirty_locked()) return {};
  auto fresh = meta_.read_content(content_.inode.ino);
  if (!fresh) return fresh.error();
  content_ = std::move(*fresh);
  size_bytes_ = content_.inode.size_bytes;
  return {};
}

}  // namespace bucky::zone_fs
