#include "tests/sim/disk/sim_disk.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::sim {

class sim_file final : public storage::file {
 public:
  sim_file(sim_disk& disk, std::string path, sim_disk::node_id id, bool writable)
      : storage::file(std::move(path)), disk_(disk), id_(id), epoch_(disk.epoch_), writable_(writable) {}

  status read_at(std::uint64_t offset, char* into, std::size_t size) override {
    const auto& bytes = live();
    if (offset + size > bytes.size()) {
      return status(status_code::io_error, fmt::format("cannot read {}: it ends before byte {}", path(), offset + size));
    }
    std::copy_n(bytes.data() + offset, size, into);
    return {};
  }
  status write_at(std::uint64_t offset, std::string_view bytes) override {
    BUCKY_CHECK_MSG(writable_, path() + " was opened read only");
    live();
    return disk_.write(id_, path(), offset, bytes);
  }
  status sync() override {
    live();
    return disk_.sync(id_, path());
  }
  status allocate(std::uint64_t size_bytes) override {
    auto size = live().size();
    if (size_bytes <= size) return {};
    return disk_.extend(id_, path(), size_bytes);
  }
  status write_out(std::uint64_t, std::uint64_t) override { return {}; }
  result<std::uint64_t> size() override { return std::uint64_t{live().size()}; }

 private:
  const std::string& live() const {
    BUCKY_CHECK_MSG(epoch_ == disk_.epoch_, path() + " used after the simulated crash that closed it");
    return disk_.nodes_.at(id_).live;
  }

  sim_disk& disk_;
  sim_disk::node_id id_;
  std::uint64_t epoch_;
  bool writable_;
};

std::vector<std::string> sim_disk::components(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    auto part = path.substr(start, end - start);
    if (!part.empty() && part != ".") out.push_back(part);
    start = end + 1;
  }
  return out;
}

result<sim_disk::node_id> sim_disk::resolve(const std::string& path) const {
  node_id at = root_id;
  for (const auto& part : components(path)) {
    const auto& here = nodes_.at(at);
    auto next = here.directory ? here.entries_live.find(part) : here.entries_live.end();
    if (next == here.entries_live.end()) {
      return status(status_code::not_found, fmt::format("{} does not exist (simulated disk)", path));
    }
    at = next->second;
  }
  return at;
}

result<std::pair<sim_disk::node_id, std::string>> sim_disk::parent_of(const std::string& path) const {
  auto parts = components(path);
  BUCKY_CHECK_MSG(!parts.empty(), "no name in path '" + path + "'");
  auto parent = resolve(storage::parent_dir(path));
  if (!parent) return parent.error();
  if (!nodes_.at(*parent).directory) {
    return status(status_code::io_error, fmt::format("{}: {} is not a directory", path, storage::parent_dir(path)));
  }
  return std::pair{*parent, parts.back()};
}

result<std::unique_ptr<storage::file>> sim_disk::open(const std::string& path, open_mode mode, mode_t) {
  auto found = resolve(path);
  if (mode == open_mode::create_new && found) {
    return status(status_code::already_exists, fmt::format("cannot create {}: something is already there", path));
  }
  if (mode != open_mode::create && mode != open_mode::create_new) {
    if (!found) return found.error();
    if (nodes_.at(*found).directory) return status(status_code::io_error, path + " is a directory");
    return std::unique_ptr<storage::file>(new sim_file(*this, path, *found, mode == open_mode::read_write));
  }
  if (found) {  // emptied: a change of the file's size, durable at its next sync
    BUCKY_CHECK_MSG(!nodes_.at(*found).directory, path + " is a directory");
    auto& file = nodes_.at(*found);
    file.live.clear();
    file.unsynced.push_back({0, {}, 0});  // an empty write at 0 stands for the truncation
    return std::unique_ptr<storage::file>(new sim_file(*this, path, *found, true));
  }
  auto parent = parent_of(path);
  if (!parent) return parent.error();
  auto id = next_id_++;
  nodes_[id];
  nodes_.at(parent->first).entries_live[parent->second] = id;
  return std::unique_ptr<storage::file>(new sim_file(*this, path, id, true));
}

status sim_disk::create_dirs(const std::string& dir) {
  node_id at = root_id;
  for (const auto& part : components(dir)) {
    auto& entries = nodes_.at(at).entries_live;
    auto next = entries.find(part);
    if (next == entries.end()) {
      auto id = next_id_++;
      nodes_[id].directory = true;
      nodes_.at(at).entries_live[part] = id;  // `entries` may have moved with nodes_
      at = id;
      continue;
    }
    if (!nodes_.at(next->second).directory) return status(status_code::io_error, dir + ": not a directory");
    at = next->second;
  }
  return {};
}

result<std::vector<std::string>> sim_disk::list(const std::string& dir) {
  auto found = resolve(dir);
  if (!found) return found.error();
  const auto& here = nodes_.at(*found);
  if (!here.directory) return status(status_code::io_error, dir + " is not a directory");
  std::vector<std::string> names;
  for (const auto& [name, id] : here.entries_live) names.push_back(name);
  return names;
}

// Across directories the name leaves one and enters the other, each change durable
// after its own directory's sync_dir (see the header).
status sim_disk::rename(const std::string& from, const std::string& to) {
  auto source = parent_of(from);
  if (!source) return source.error();
  auto target = parent_of(to);
  if (!target) return target.error();
  auto& entries = nodes_.at(source->first).entries_live;
  auto moving = entries.find(source->second);
  if (moving == entries.end()) return status(status_code::not_found, fmt::format("cannot rename {}: it does not exist", from));
  auto id = moving->second;
  BUCKY_CHECK_MSG(!nodes_.at(id).directory || source->first == target->first,
                  "simulated rename of a directory across directories: " + from + " to " + to);
  entries.erase(moving);
  nodes_.at(target->first).entries_live[target->second] = id;
  return {};
}

status sim_disk::remove(const std::string& path) {
  auto parent = parent_of(path);
  if (!parent) return parent.error().code() == status_code::not_found ? status{} : parent.error();
  nodes_.at(parent->first).entries_live.erase(parent->second);
  return {};
}

status sim_disk::sync_dir(const std::string& dir) {
  auto found = resolve(dir);
  if (!found) return found.error();
  auto& here = nodes_.at(*found);
  if (dice(failed_syncs_per_10k_)) {
    ++figures_.syncs_failed;
    return status(status_code::io_error, fmt::format("cannot fsync directory {}: Input/output error (simulated)", dir));
  }
  here.entries_durable = here.entries_live;
  return {};
}

result<bool> sim_disk::exists(const std::string& path) { return resolve(path).has_value(); }

result<std::uint64_t> sim_disk::free_bytes(const std::string& dir) {
  auto found = resolve(dir);
  if (!found) return found.error();
  auto used = used_bytes();
  return capacity_bytes_ > used ? capacity_bytes_ - used : 0;
}

std::uint64_t sim_disk::used_bytes() const {
  std::uint64_t used = 0;
  std::set<node_id> seen{root_id};  // a name a crash kept in two directories counts once
  std::vector<node_id> pending{root_id};
  while (!pending.empty()) {
    const auto& here = nodes_.at(pending.back());
    pending.pop_back();
    for (const auto& [name, id] : here.entries_live) {
      if (!seen.insert(id).second) continue;
      if (nodes_.at(id).directory) pending.push_back(id);
      else used += nodes_.at(id).live.size();
    }
  }
  return used;
}

status sim_disk::room_for(node_id id, const std::string& path, std::uint64_t end_bytes) const {
  auto size = nodes_.at(id).live.size();
  if (capacity_bytes_ == capacity_bytes_unlimited || end_bytes <= size) return {};
  auto used = used_bytes();
  auto free = capacity_bytes_ > used ? capacity_bytes_ - used : 0;
  if (end_bytes - size <= free) return {};
  return status(status_code::no_space, fmt::format("cannot write {} bytes to {}: No space left on device "
                                                   "(simulated: {} of {} bytes free)",
                                                   end_bytes - size, path, free, capacity_bytes_));
}

void sim_disk::put(std::string& into, std::uint64_t offset, std::string_view bytes) {
  if (into.size() < offset + bytes.size()) into.resize(offset + bytes.size(), '\0');
  std::copy(bytes.begin(), bytes.end(), into.begin() + static_cast<std::ptrdiff_t>(offset));
}

status sim_disk::extend(node_id id, const std::string& path, std::uint64_t size_bytes) {
  if (auto room = room_for(id, path, size_bytes); !room.is_ok()) return room;
  auto& file = nodes_.at(id);
  unsynced_write write{file.live.size(), {}, size_bytes - file.live.size()};
  put(file.live, write);
  file.unsynced.push_back(std::move(write));
  return {};
}

void sim_disk::put(std::string& into, const unsynced_write& write, std::uint64_t size) {
  size = std::min(size, write.size());
  if (!write.bytes.empty()) return put(into, write.offset, std::string_view(write.bytes).substr(0, size));
  if (into.size() < write.offset + size) into.resize(write.offset + size, '\0');
  std::fill_n(into.begin() + static_cast<std::ptrdiff_t>(write.offset), size, '\0');
}

status sim_disk::write(node_id id, const std::string& path, std::uint64_t offset, std::string_view bytes) {
  if (auto room = room_for(id, path, offset + bytes.size()); !room.is_ok()) return room;
  auto& file = nodes_.at(id);
  unsynced_write write{offset, {}, 0};
  if (std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; })) write.zeros = bytes.size();
  else write.bytes = std::string(bytes);
  put(file.live, write);
  file.unsynced.push_back(std::move(write));
  return {};
}

status sim_disk::sync(node_id id, const std::string& path) {
  auto& file = nodes_.at(id);
  if (lying_syncs_ && path.ends_with(".log") && !file.unsynced.empty()) {
    // The sync happens, but only after the answer: the write just made is still
    // at the mercy of a crash, everything before it is durable.
    auto last = std::move(file.unsynced.back());
    file.unsynced.pop_back();
    for (auto& write : file.unsynced) put(file.durable, write);
    file.unsynced.assign(1, std::move(last));
    return {};
  }
  if (dice(failed_syncs_per_10k_)) {
    ++figures_.syncs_failed;
    if (random_() % 2) {  // the power goes during the sync: crash() decides what stays
      return status(status_code::io_error, fmt::format("cannot fdatasync {}: the power went (simulated)", path));
    }
    // As Linux after EIO: the pages are marked clean, so some of what was written
    // never reaches the disk, and a later sync will not retry it.
    for (auto& write : file.unsynced) {
      if (random_() % 2) put(file.durable, write);
      else ++figures_.writes_lost;
    }
    file.unsynced.clear();
    return status(status_code::io_error, fmt::format("cannot fdatasync {}: Input/output error (simulated)", path));
  }
  for (auto& write : file.unsynced) {
    if (write.size() == 0 && write.offset == 0) file.durable.clear();  // a truncation
    put(file.durable, write);
  }
  file.unsynced.clear();
  return {};
}

void sim_disk::crash() {
  ++epoch_;
  ++figures_.crashes;
  for (auto& [id, n] : nodes_) {
    if (n.directory) {
      if (n.entries_live != n.entries_durable) {
        if (random_() % 2) n.entries_durable = n.entries_live;
        else ++figures_.dir_changes_lost;
      }
      n.entries_live = n.entries_durable;
      continue;
    }
    for (auto& write : n.unsynced) {
      if (write.size() == 0 && write.offset == 0) {
        if (random_() % 2) n.durable.clear();
        continue;
      }
      switch (random_() % 3) {
        case 0: put(n.durable, write); break;
        case 1: ++figures_.writes_lost; break;
        default:
          // Cut anywhere, most often early: a record's header and payload sit at its start.
          put(n.durable, write, random_() % std::min<std::uint64_t>(write.size(), 1024));
          ++figures_.writes_torn;
      }
    }
    n.unsynced.clear();
    n.live = n.durable;
  }
}

void sim_disk::lose(const std::string& path) {
  auto parent = parent_of(path);
  if (!parent) return;
  auto& dir = nodes_.at(parent->first);
  dir.entries_live.erase(parent->second);
  dir.entries_durable.erase(parent->second);
}

}  // namespace bucky::sim
