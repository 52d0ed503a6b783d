#include "actors/zone_fs/metadata.hpp"

#include <fmt/format.h>

#include "actors/zone_fs/metadata_reads.hpp"

namespace bucky::zone_fs {

namespace detail {

fs_result<read_set> read(kv_port& port, const std::vector<std::string>& keys, bool nearby) {
  auto seen = read_keys(port, keys, nearby);
  if (!seen) return fs_status::from(seen.error());
  return std::move(*seen);
}

// A nearby read in which every key is there, or else the latest read: a key the
// nearby replica does not have yet may have been made a moment ago on another
// node, so an absence is confirmed before ENOENT is told.
fs_result<read_set> read_nearby_confirmed(kv_port& port, const std::vector<std::string>& keys) {
  auto seen = read(port, keys, true);
  if (!seen) return seen;
  for (const auto& key : keys) {
    if (!seen->find(key)) return read(port, keys, false);
  }
  return seen;
}

fs_result<fs_inode> inode_in(const read_set& seen, inode_number ino) {
  const key_value* kv = seen.find(inode_key(ino));
  if (!kv) return fs_status(ENOENT, fmt::format("inode {} does not exist (removed meanwhile?)", inode_hex(ino)));
  auto inode = decode_inode(kv->value, kv->key);
  if (!inode) return fs_status(EIO, inode.error().message());
  if (inode->ino != ino) return fs_status(EIO, fmt::format("{} holds inode {}", kv->key, inode_hex(inode->ino)));
  return std::move(*inode);
}

fs_result<fs_dirent> dirent_in(const read_set& seen, inode_number dir, const std::string& name) {
  const key_value* kv = seen.find(dirent_key(dir, name));
  if (!kv) return fs_status(ENOENT, fmt::format("no \"{}\" in directory {}", name, inode_hex(dir)));
  auto dirent = decode_dirent(kv->value, kv->key);
  if (!dirent) return fs_status(EIO, dirent.error().message());
  return std::move(*dirent);
}

fs_status expect_directory(const fs_inode& inode, const std::string& where) {
  if (inode.kind == fs_kind::directory) return {};
  return fs_status(ENOTDIR, fmt::format("{}: not a directory", where));
}

std::string where(inode_number dir, const std::string& name) {
  return fmt::format("\"{}\" in directory {}", name, inode_hex(dir));
}

fs_inode touched(fs_inode inode, std::int64_t now_ns, bool content) {
  inode.ctime_ns = now_ns;
  if (content) inode.mtime_ns = now_ns;
  return inode;
}

fs_status valid_name(const std::string& name) {
  const status valid = check_name(name);
  if (valid.is_ok()) return {};
  return fs_status(valid.code() == status_code::too_large ? ENAMETOOLONG : EINVAL, valid.message());
}

// Drops one name of `inode`: the inode (and its chunk blocks) goes with its last.
void drop_link(txn_plan& plan, volume_ledger& ledger, fs_inode inode, std::int64_t now_ns) {
  const std::uint32_t names_left = inode.kind == fs_kind::directory ? 0 : inode.links - 1;
  BUCKY_CHECK_MSG(inode.links > 0, inode_hex(inode.ino));
  if (names_left == 0) {
    plan.remove(inode_key(inode.ino));
    plan.remove_range(block_range_begin(inode.ino), inode_range_end(inode.ino));
    if (inode.kind == fs_kind::file) ledger.add(inode.volume, -static_cast<std::int64_t>(inode.size_bytes), -1);
    if (inode.kind == fs_kind::directory && inode.volume == inode.ino) plan.remove(volume_key(inode.ino));
    return;
  }
  inode.links = names_left;
  plan.put(inode_key(inode.ino), encode_value(touched(std::move(inode), now_ns, false)));
}

// The dirent a name points at, read first to learn which inode to read with it.
fs_result<fs_dirent> find_dirent(kv_port& port, inode_number dir, const std::string& name) {
  auto seen = read(port, {dirent_key(dir, name)});
  if (!seen) return seen.error();
  return dirent_in(*seen, dir, name);
}

}  // namespace detail

using namespace detail;

metadata::metadata(kv_port& port, std::function<std::uint64_t()> random_u64, metadata_options options)
    : port_(port), random_u64_(std::move(random_u64)), options_(options) {
  BUCKY_CHECK(options_.retries_max > 0);
}

inode_number metadata::fresh_inode_number() {
  for (;;) {
    const inode_number ino = random_u64_();
    if (ino > root_inode) return ino;
  }
}

fs_result<fs_inode> metadata::ensure_root(std::int64_t now_ns) {
  fs_inode root;
  const fs_status done = run_txn(port_, options_.retries_max, "create the root directory", [&]() -> fs_result<txn_plan> {
    auto seen = read(port_, {inode_key(root_inode)});
    if (!seen) return seen.error();
    txn_plan plan;
    if (seen->find(inode_key(root_inode))) {
      auto existing = inode_in(*seen, root_inode);
      if (!existing) return existing.error();
      root = *existing;
      return plan;  // nothing to write
    }
    root = fs_inode{};
    root.ino = root_inode;
    root.kind = fs_kind::directory;
    root.mode = 0755;
    root.links = 2;
    root.parent = root_inode;
    root.mtime_ns = root.ctime_ns = root.atime_ns = now_ns;
    plan.expect_absent(inode_key(root_inode));
    plan.put(inode_key(root_inode), encode_value(root));
    return plan;
  });
  if (!done.is_ok()) return done;
  return root;
}

fs_result<fs_inode> metadata::getattr(inode_number ino) {
  auto seen = read_nearby_confirmed(port_, {inode_key(ino)});
  if (!seen) return seen.error();
  return inode_in(*seen, ino);
}

fs_result<std::map<inode_number, fs_inode>> metadata::getattrs(const std::vector<inode_number>& inodes) {
  std::vector<std::string> keys;
  for (inode_number ino : inodes) keys.push_back(inode_key(ino));
  auto seen = read_nearby_confirmed(port_, keys);
  if (!seen) return seen.error();
  std::map<inode_number, fs_inode> found;
  for (inode_number ino : inodes) {
    if (!seen->find(inode_key(ino))) continue;
    auto inode = inode_in(*seen, ino);
    if (!inode) return inode.error();
    found[ino] = std::move(*inode);
  }
  return found;
}

fs_result<fs_inode> metadata::lookup(inode_number dir, const std::string& name) {
  if (fs_status valid = valid_name(name); !valid.is_ok()) return valid;
  // The entry and its inode in two reads: a rename between them shows as ENOENT,
  // as it would on a local file system at that moment.
  auto seen = read_nearby_confirmed(port_, {dirent_key(dir, name)});
  if (!seen) return seen.error();
  auto dirent = dirent_in(*seen, dir, name);
  if (!dirent) return dirent.error();
  return getattr(dirent->ino);
}

fs_result<fs_inode> metadata::resolve(const std::string& path) {
  if (path.size() > fs_limits::path_bytes_max) return fs_status(ENAMETOOLONG, "path longer than 4095 bytes");
  auto current = getattr(root_inode);
  if (!current) return current;
  std::size_t at = 0;
  std::size_t depth = 0;
  while (at < path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::string name = path.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    at = slash == std::string::npos ? path.size() : slash + 1;
    if (name.empty() || name == ".") continue;
    if (++depth > fs_limits::path_depth_max) return fs_status(ELOOP, fmt::format("{}: too deep", path));
    if (current->kind != fs_kind::directory) return fs_status(ENOTDIR, fmt::format("{}: a component is not a directory", path));
    current = name == ".." ? getattr(current->parent) : lookup(current->ino, name);
    if (!current) return fs_status(current.error().error(), fmt::format("{}: {}", path, current.error().message()));
  }
  return current;
}

fs_result<dir_page> metadata::list(inode_number dir, const std::string& after, std::uint32_t limit, bool nearby) {
  BUCKY_CHECK(limit > 0 && limit <= kv_limits::range_results_max);
  kv_request request;
  request.success.push_back(range_op(after.empty() ? dirents_begin(dir) : dirent_key(dir, after) + '\0',
                                     dirents_end(dir), limit));
  auto response = nearby ? port_.call_nearby(request) : port_.call(request);
  if (!response) return fs_status::from(response.error());
  BUCKY_CHECK(response->results.size() == 1);
  dir_page page;
  page.more = response->results[0].more;
  for (const auto& kv : response->results[0].kvs) {
    auto name = dirent_name(dir, kv.key);
    auto dirent = decode_dirent(kv.value, kv.key);
    if (!name || !dirent) return fs_status(EIO, fmt::format("{}: not a directory entry", kv.key));
    page.entries.push_back({std::move(*name), std::move(*dirent)});
  }
  return page;
}

}  // namespace bucky::zone_fs
