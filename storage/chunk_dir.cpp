#include "storage/chunk_dir.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "messages/common/check.hpp"
#include "storage/chunk_hash.hpp"

namespace bucky::storage {

namespace {

constexpr std::size_t subdirs = 256;  // one per value of a chunk id's first byte
constexpr std::string_view temp_marker = ".tmp-";
constexpr std::string_view corrupt_subdir = "corrupt";

// The same failure, saying which chunk it was about (the file system's message
// already names the path and the operation).
status about(const chunk_id& id, const status& failure) {
  return status(failure.code(), fmt::format("chunk {}: {}", id.short_hex(), failure.message()));
}

std::string subdir_name(std::size_t first_byte) { return fmt::format("{:02x}", first_byte); }

bool is_subdir_name(std::string_view name) {
  auto lower_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  return (name.size() == 2 && lower_hex(name[0]) && lower_hex(name[1])) || name == corrupt_subdir;
}

// "<64 hex>.tmp-<digits>": what write_durably leaves behind when it is cut short.
bool is_temporary(std::string_view name) {
  if (name.size() <= chunk_id::hex_chars + temp_marker.size()) return false;
  if (name.substr(chunk_id::hex_chars, temp_marker.size()) != temp_marker) return false;
  auto digits = name.substr(chunk_id::hex_chars + temp_marker.size());
  return chunk_id::from_hex(name.substr(0, chunk_id::hex_chars)).has_value() &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Creates `dir` and whatever is missing above it, and syncs the directory holding
// each new name: a chunk synced under a directory whose own name a power cut undoes
// is lost with it.
status create_dir_durably(file_system& fs, const std::string& dir) {
  std::vector<std::string> made{dir};  // dir's own name is synced even if a cut open() made it
  for (auto above = parent_dir(dir); above != made.back(); above = parent_dir(above)) {
    auto there = fs.exists(above);
    if (!there) return there.error();
    if (*there) break;
    made.push_back(above);
  }
  if (auto created = fs.create_dirs(dir); !created.is_ok()) return created;
  for (const auto& name : made) {
    if (auto synced = fs.sync_dir(parent_dir(name)); !synced.is_ok()) return synced;
  }
  return {};
}

}  // namespace

result<std::unique_ptr<chunk_dir>> chunk_dir::open(file_system& fs, chunk_dir_options options, std::int64_t now_ms) {
  if (options.dir.empty()) return status(status_code::invalid_argument, "chunk directory: no path given");
  std::unique_ptr<chunk_dir> opened(new chunk_dir(fs, std::move(options)));
  const auto& dir = opened->options_.dir;
  if (auto created = opened->create_tree(); !created.is_ok()) return created;
  for (std::size_t first_byte = 0; first_byte < subdirs; ++first_byte) {
    if (auto scanned = opened->scan_subdir(subdir_name(first_byte), now_ms); !scanned.is_ok()) return scanned;
  }
  auto names = fs.list(dir);
  if (!names) return names.error();
  for (const auto& name : *names) {
    if (!is_subdir_name(name)) opened->note_stray(dir + "/" + name);
  }
  const auto strays = opened->strays_found_;
  if (opened->options_.log && strays > chunk_dir_limits::stray_names_logged_max) {
    opened->options_.log->warn("chunk directory {}: {} more names that are not chunk files, left alone", dir,
                               strays - chunk_dir_limits::stray_names_logged_max);
  }
  BUCKY_CHECK(opened->figures_.chunks == opened->held_.size());
  return opened;
}

// Every directory a chunk's name depends on is made durable here, once, so put()
// only has to sync the chunk's own subdirectory.
status chunk_dir::create_tree() {
  const auto& dir = options_.dir;
  if (auto created = create_dir_durably(fs_, dir); !created.is_ok()) return created;
  for (std::size_t first_byte = 0; first_byte < subdirs; ++first_byte) {
    if (auto created = fs_.create_dirs(dir + "/" + subdir_name(first_byte)); !created.is_ok()) return created;
  }
  if (auto created = fs_.create_dirs(fmt::format("{}/{}", dir, corrupt_subdir)); !created.is_ok()) return created;
  return fs_.sync_dir(dir);
}

status chunk_dir::scan_subdir(const std::string& prefix, std::int64_t now_ms) {
  const auto subdir = options_.dir + "/" + prefix;
  auto names = fs_.list(subdir);
  if (!names) return names.error();
  bool removed_any = false;
  for (const auto& name : *names) {
    const auto path = subdir + "/" + name;
    if (is_temporary(name)) {
      if (auto removed = fs_.remove(path); !removed.is_ok()) return removed;
      ++figures_.temps_removed;
      removed_any = true;
      continue;
    }
    auto id = chunk_id::from_hex(name);
    if (!id || id->hex() != name || !name.starts_with(prefix)) {
      note_stray(path);
      continue;
    }
    auto file = fs_.open(path, file_system::open_mode::read);
    if (!file) return about(*id, file.error());
    auto size = (*file)->size();
    if (!size) return about(*id, size.error());
    index(*id, *size, now_ms);  // the contents are checked by get()
  }
  return removed_any ? fs_.sync_dir(subdir) : status{};
}

void chunk_dir::note_stray(const std::string& path) {
  ++strays_found_;
  if (options_.log && strays_found_ <= chunk_dir_limits::stray_names_logged_max) {
    options_.log->warn("chunk directory: {} is not a chunk file; left alone", path);
  }
}

status chunk_dir::put(const chunk_id& id, std::string_view bytes, std::int64_t now_ms) {
  if (bytes.size() > chunk_dir_limits::chunk_bytes_max) {
    return status(status_code::too_large, fmt::format("chunk {} of {} bytes exceeds chunk_bytes_max {}; not stored as {}",
                                                      id.short_hex(), bytes.size(), chunk_dir_limits::chunk_bytes_max,
                                                      path_of(id)));
  }
  if (auto named = chunk_hash(bytes); named != id) {
    return status(status_code::corruption, fmt::format("chunk {}: the {} bytes given hash to {}; not stored as {}",
                                                       id.short_hex(), bytes.size(), named.short_hex(), path_of(id)));
  }
  if (auto held = held_.find(id); held != held_.end()) {
    held->second.last_put_ms = std::max(held->second.last_put_ms, now_ms);  // wanted again
    return {};
  }
  auto store_new = [&] {
    auto room = check_room(id, bytes.size());
    return room.is_ok() ? write_durably(id, bytes) : room;
  };
  auto written = store_new();
  if (written.code() == status_code::not_found) {
    // Its subdirectory is gone: the tree was deleted under us. Make it again,
    // forget what went with it, and write once more.
    if (options_.log) options_.log->warn("chunk directory {} lost its files while in use; rebuilt", options_.dir);
    if (auto rebuilt = rebuild(now_ms); !rebuilt.is_ok()) return about(id, rebuilt);
    written = store_new();
  }
  if (!written.is_ok()) return written;
  index(id, bytes.size(), now_ms);
  return {};
}

status chunk_dir::rebuild(std::int64_t now_ms) {
  held_.clear();
  figures_.chunks = 0;
  figures_.bytes = 0;
  if (auto created = create_tree(); !created.is_ok()) return created;
  for (std::size_t first_byte = 0; first_byte < subdirs; ++first_byte) {
    if (auto scanned = scan_subdir(subdir_name(first_byte), now_ms); !scanned.is_ok()) return scanned;
  }
  BUCKY_CHECK(figures_.chunks == held_.size());
  return {};
}

status chunk_dir::check_room(const chunk_id& id, std::size_t size_bytes) const {
  auto free = fs_.free_bytes(options_.dir);
  if (!free) return about(id, free.error());
  if (*free >= size_bytes && *free - size_bytes >= options_.reserve_bytes) return {};
  return status(status_code::no_space,
                fmt::format("no room for chunk {} ({} bytes) in {}: {} bytes free, and {} are kept in reserve for the "
                            "node's zone state and logs; free space on that disk or give the node a larger one",
                            id.short_hex(), size_bytes, options_.dir, *free, options_.reserve_bytes));
}

// The chunk reaches its name only whole and synced: a power cut before the rename
// leaves a temporary (removed at open), after it the whole chunk.
status chunk_dir::write_durably(const chunk_id& id, std::string_view bytes) {
  const auto path = path_of(id);
  const auto temporary = fmt::format("{}{}{}", path, temp_marker, temps_made_++);
  status written;
  {
    auto out = fs_.open(temporary, file_system::open_mode::create_new, 0600);
    if (!out) return about(id, out.error());
    written = (*out)->write_at(0, bytes);
    if (written.is_ok()) written = (*out)->sync();
  }  // closed before the rename
  if (written.is_ok()) written = fs_.rename(temporary, path);
  if (!written.is_ok()) {
    (void)fs_.remove(temporary);  // best effort: the put already failed, and open() removes what is left
    return about(id, written);
  }
  if (auto synced = fs_.sync_dir(subdir_of(id)); !synced.is_ok()) {
    // The name may not survive a power cut, so the chunk is not stored: a retried
    // put writes and syncs it again instead of finding it held.
    (void)fs_.remove(path);
    return about(id, synced);
  }
  return {};
}

result<std::string> chunk_dir::get(const chunk_id& id) {
  const auto path = path_of(id);
  if (!held_.contains(id)) {
    return status(status_code::not_found, fmt::format("chunk {} is not held in {}", id.short_hex(), options_.dir));
  }
  auto in = fs_.open(path, file_system::open_mode::read);
  if (!in && in.error().code() == status_code::not_found) {
    forget(id);  // removed behind the index's back: not held any more
    return status(status_code::not_found, fmt::format("chunk {}: its file {} is gone", id.short_hex(), path));
  }
  if (!in) return about(id, in.error());
  auto size = (*in)->size();
  if (!size) return about(id, size.error());
  if (*size > chunk_dir_limits::chunk_bytes_max) {
    in->reset();
    return set_aside(id, fmt::format("it holds {} bytes, more than chunk_bytes_max {}", *size,
                                     chunk_dir_limits::chunk_bytes_max));
  }
  std::string bytes(*size, '\0');
  if (auto read = (*in)->read_at(0, bytes.data(), bytes.size()); !read.is_ok()) return about(id, read);
  in->reset();
  if (auto named = chunk_hash(bytes); named != id) {
    return set_aside(id, fmt::format("its {} bytes hash to {}", bytes.size(), named.short_hex()));
  }
  return bytes;
}

// Never served again, but kept for a person to look at. corrupt/ is synced before
// the chunk's subdirectory, so a power cut between leaves the file under both names
// (found again at the next read) rather than under none.
status chunk_dir::set_aside(const chunk_id& id, const std::string& why) {
  const auto path = path_of(id);
  const auto aside = fmt::format("{}/{}/{}", options_.dir, corrupt_subdir, id.hex());
  forget(id);
  ++figures_.corrupt_found;
  status moved = fs_.rename(path, aside);
  if (moved.is_ok()) moved = fs_.sync_dir(parent_dir(aside));
  if (moved.is_ok()) moved = fs_.sync_dir(subdir_of(id));
  return status(status_code::corruption,
                fmt::format("chunk {}: {} does not match its name ({}); {}", id.short_hex(), path, why,
                            moved.is_ok() ? "moved to " + aside : "it could not be moved aside: " + moved.message()));
}

bool chunk_dir::has(const chunk_id& id) const { return held_.contains(id); }

// Forgotten only once the removal is durable, so a failed remove retried syncs again.
status chunk_dir::remove(const chunk_id& id) {
  if (!held_.contains(id)) return {};
  if (auto removed = fs_.remove(path_of(id)); !removed.is_ok()) return about(id, removed);
  if (auto synced = fs_.sync_dir(subdir_of(id)); !synced.is_ok()) return about(id, synced);
  forget(id);
  return {};
}

std::int64_t chunk_dir::idle_ms(const chunk_id& id, std::int64_t now_ms) const {
  auto held = held_.find(id);
  if (held == held_.end()) return -1;
  return std::max<std::int64_t>(0, now_ms - held->second.last_put_ms);
}

std::vector<chunk_id> chunk_dir::list(const chunk_id& after, std::size_t limit) const {
  limit = std::min(limit, chunk_dir_limits::list_ids_max);
  std::vector<chunk_id> ids;
  for (auto at = held_.upper_bound(after); at != held_.end() && ids.size() < limit; ++at) ids.push_back(at->first);
  return ids;
}

result<std::uint64_t> chunk_dir::room_bytes() const {
  auto free = fs_.free_bytes(options_.dir);
  if (!free) return free.error();
  return *free > options_.reserve_bytes ? *free - options_.reserve_bytes : std::uint64_t{0};
}

std::string chunk_dir::subdir_of(const chunk_id& id) const {
  return options_.dir + "/" + subdir_name(id.bytes[0]);
}

std::string chunk_dir::path_of(const chunk_id& id) const { return subdir_of(id) + "/" + id.hex(); }

void chunk_dir::index(const chunk_id& id, std::uint64_t size_bytes, std::int64_t now_ms) {
  auto [at, added] = held_.try_emplace(id, held_chunk{size_bytes, now_ms});
  BUCKY_CHECK_MSG(added, fmt::format("chunk {} indexed twice in {}", id.short_hex(), options_.dir));
  ++figures_.chunks;
  figures_.bytes += size_bytes;
  BUCKY_CHECK(figures_.chunks == held_.size());
}

void chunk_dir::forget(const chunk_id& id) {
  auto at = held_.find(id);
  BUCKY_CHECK_MSG(at != held_.end(), fmt::format("chunk {} forgotten but not held in {}", id.short_hex(), options_.dir));
  BUCKY_CHECK(figures_.chunks > 0 && figures_.bytes >= at->second.size_bytes);
  --figures_.chunks;
  figures_.bytes -= at->second.size_bytes;
  held_.erase(at);
  BUCKY_CHECK(figures_.chunks == held_.size());
}

}  // namespace bucky::storage
