#include "actors/zone_fs/fsck.hpp"

#include <map>

#include <fmt/format.h>

namespace bucky::zone_fs {

namespace {

struct fs_model {
  std::map<inode_number, fs_inode> inodes;
  std::map<inode_number, std::vector<std::uint32_t>> blocks;       // ino -> block numbers
  std::map<inode_number, std::vector<std::pair<inode_number, fs_dirent>>> named;  // ino -> (dir, entry)
  std::map<inode_number, std::uint32_t> subdirectories;
  std::map<inode_number, fs_volume> volumes;  // root -> record
};

class problems {
 public:
  explicit problems(fsck_report& report) : report_(report) {}
  ~problems() {
    if (dropped_ > 0) report_.problems.push_back(fmt::format("... and {} more", dropped_));
  }
  template <class... Args>
  void add(fmt::format_string<Args...> format, Args&&... args) {
    if (report_.problems.size() >= fsck_problems_max) {
      ++dropped_;
      return;
    }
    report_.problems.push_back(fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  fsck_report& report_;
  std::uint64_t dropped_ = 0;
};

void load_inode_key(const key_value& kv, fs_model& model, problems& found,
                    const std::function<void(const chunk_ref&)>& each_chunk, fsck_report& report) {
  auto ino = inode_of_key(kv.key);
  if (!ino) return found.add("{}: not an inode or block key", kv.key);
  if (auto block = block_of_key(kv.key)) {
    auto decoded = decode_block(kv.value, kv.key);
    if (!decoded) return found.add("{}", decoded.error().message());
    model.blocks[*ino].push_back(*block);
    for (const chunk_ref& ref : decoded->chunks) {
      if (ref.hole()) continue;
      ++report.chunk_refs;
      if (each_chunk) each_chunk(ref);
    }
    return;
  }
  auto inode = decode_inode(kv.value, kv.key);
  if (!inode) return found.add("{}", inode.error().message());
  if (inode->ino != *ino) return found.add("{} holds inode {}", kv.key, inode_hex(inode->ino));
  model.inodes[*ino] = std::move(*inode);
}

void load_dirent_key(const key_value& kv, fs_model& model, problems& found) {
  const std::size_t at = dirent_prefix.size();
  if (kv.key.size() < at + 18 || kv.key[at + 16] != '/') return found.add("{}: not a directory entry key", kv.key);
  auto dir = inode_of_key(std::string(inode_prefix) + kv.key.substr(at, 16));
  auto dirent = decode_dirent(kv.value, kv.key);
  if (!dir || !dirent) return found.add("{}: does not decode as a directory entry", kv.key);
  if (!check_name(kv.key.substr(at + 17)).is_ok()) found.add("{}: not a valid name", kv.key);
  model.named[dirent->ino].emplace_back(*dir, *dirent);
  if (dirent->kind == fs_kind::directory) ++model.subdirectories[*dir];
}

void load_volume_key(const key_value& kv, fs_model& model, problems& found) {
  auto root = volume_of_key(kv.key);
  auto record = decode_volume(kv.value, kv.key);
  if (!root || !record) return found.add("{}: not a volume record", kv.key);
  model.volumes[*root] = *record;
}

// Every inode in its parent's volume (a volume's root in its own), every volume
// with a root, and each volume's figures the sum of its files.
void check_volumes(const fs_model& model, problems& found) {
  std::map<inode_number, fs_volume> counted;
  for (const auto& [ino, inode] : model.inodes) {
    if (inode.volume == 0) continue;
    if (!model.volumes.count(inode.volume)) {
      found.add("inode {} counts against volume {}, which has no record", inode_hex(ino), inode_hex(inode.volume));
    }
    if (inode.kind == fs_kind::file) {
      counted[inode.volume].used_bytes += inode.size_bytes;
      counted[inode.volume].files += 1;
    }
  }
  for (const auto& [ino, names] : model.named) {
    auto inode = model.inodes.find(ino);
    if (inode == model.inodes.end() || inode->second.volume == ino) continue;
    for (const auto& [dir, dirent] : names) {
      auto parent = model.inodes.find(dir);
      if (parent != model.inodes.end() && parent->second.volume != inode->second.volume) {
        found.add("inode {} is in volume {} but named in directory {} of volume {}", inode_hex(ino),
                  inode_hex(inode->second.volume), inode_hex(dir), inode_hex(parent->second.volume));
      }
    }
  }
  for (const auto& [root, record] : model.volumes) {
    auto inode = model.inodes.find(root);
    if (inode == model.inodes.end() || inode->second.volume != root) {
      found.add("volume {} has no root directory naming it", inode_hex(root));
    }
    const fs_volume& sum = counted[root];
    if (record.used_bytes != sum.used_bytes || record.files != sum.files) {
      found.add("volume {} says {} bytes in {} files; its files hold {} bytes in {}", inode_hex(root), record.used_bytes,
                record.files, sum.used_bytes, sum.files);
    }
  }
}

void check_names(const fs_model& model, problems& found) {
  for (const auto& [ino, names] : model.named) {
    for (const auto& [dir, dirent] : names) {
      auto parent = model.inodes.find(dir);
      if (parent == model.inodes.end()) found.add("an entry for {} in directory {}, which does not exist", inode_hex(ino), inode_hex(dir));
      else if (parent->second.kind != fs_kind::directory) found.add("an entry for {} in {}, not a directory", inode_hex(ino), inode_hex(dir));
      auto target = model.inodes.find(ino);
      if (target == model.inodes.end()) found.add("directory {} names inode {}, which does not exist", inode_hex(dir), inode_hex(ino));
      else if (target->second.kind != dirent.kind) found.add("directory {} names inode {} with the wrong kind", inode_hex(dir), inode_hex(ino));
    }
  }
}

void check_directory(const fs_model& model, const fs_inode& inode, std::size_t names, problems& found) {
  auto subdirs = model.subdirectories.find(inode.ino);
  const std::uint32_t want = 2 + (subdirs == model.subdirectories.end() ? 0 : subdirs->second);
  if (inode.links != want) found.add("directory {} has link count {}, expected {}", inode_hex(inode.ino), inode.links, want);
  if (inode.ino == root_inode) {
    if (names != 0) found.add("the root directory is named by {} entries", names);
    if (inode.parent != root_inode) found.add("the root's parent is {}", inode_hex(inode.parent));
    return;
  }
  if (names != 1) return found.add("directory {} is named by {} entries, expected 1", inode_hex(inode.ino), names);
  const inode_number holder = model.named.at(inode.ino)[0].first;
  if (inode.parent != holder) found.add("directory {} says parent {} but sits in {}", inode_hex(inode.ino), inode_hex(inode.parent), inode_hex(holder));
  // Walk up: must reach the root.
  inode_number at = inode.parent;
  for (std::size_t depth = 0; at != root_inode; ++depth) {
    auto up = model.inodes.find(at);
    if (depth > model.inodes.size() || up == model.inodes.end()) {
      return found.add("directory {} does not reach the root through its parents", inode_hex(inode.ino));
    }
    at = up->second.parent;
  }
}

void check_inodes(const fs_model& model, problems& found, fsck_report& report) {
  auto root = model.inodes.find(root_inode);
  if (root == model.inodes.end() || root->second.kind != fs_kind::directory) found.add("no root directory");
  for (const auto& [ino, inode] : model.inodes) {
    auto names_at = model.named.find(ino);
    const std::size_t names = names_at == model.named.end() ? 0 : names_at->second.size();
    if (inode.kind == fs_kind::directory) {
      ++report.directories;
      check_directory(model, inode, names, found);
      continue;
    }
    inode.kind == fs_kind::file ? ++report.files : ++report.symlinks;
    report.file_bytes += inode.kind == fs_kind::file ? inode.size_bytes : 0;
    if (names == 0) found.add("inode {} is named by no entry (orphaned)", inode_hex(ino));
    if (inode.links != names) found.add("inode {} has link count {} but {} entries", inode_hex(ino), inode.links, names);
    const std::uint64_t chunks = (inode.size_bytes + fs_limits::chunk_bytes - 1) / fs_limits::chunk_bytes;
    const std::uint64_t blocks = (chunks + fs_limits::chunks_per_block - 1) / fs_limits::chunks_per_block;
    if (inode.kind == fs_kind::file && inode.blocks != blocks) found.add("file {} of {} bytes says {} blocks, expected {}", inode_hex(ino), inode.size_bytes, inode.blocks, blocks);
  }
  for (const auto& [ino, blocks] : model.blocks) {
    auto inode = model.inodes.find(ino);
    for (std::uint32_t block : blocks) {
      if (inode == model.inodes.end() || block >= inode->second.blocks) found.add("block {} of inode {} is left over", block, inode_hex(ino));
    }
  }
}

}  // namespace

fsck_report check_fs(const std::vector<key_value>& keys, const std::function<void(const chunk_ref&)>& each_chunk) {
  fsck_report report;
  {
    problems found(report);
    fs_model model;
    for (const auto& kv : keys) {
      if (kv.key.starts_with(inode_prefix)) load_inode_key(kv, model, found, each_chunk, report);
      else if (kv.key.starts_with(dirent_prefix)) load_dirent_key(kv, model, found);
      else if (kv.key.starts_with(volume_prefix)) load_volume_key(kv, model, found);
    }
    check_names(model, found);
    check_inodes(model, found, report);
    check_volumes(model, found);
    report.volumes = model.volumes.size();
  }
  return report;
}

}  // namespace bucky::zone_fs
