// Volumes (records.hpp): the ledger every size-changing txn writes through, and
// making, limiting and listing volumes (metadata.hpp).
#include <fmt/format.h>

#include "actors/zone_fs/metadata.hpp"
#include "actors/zone_fs/metadata_reads.hpp"

namespace bucky::zone_fs {

using namespace detail;

namespace detail {

void volume_ledger::add(inode_number volume, std::int64_t bytes, std::int64_t files) {
  if (volume == 0 || (bytes == 0 && files == 0)) return;
  change& sum = changes_[volume];
  sum.bytes += bytes;
  sum.files += files;
}

namespace {

std::uint64_t moved_by(std::uint64_t figure, std::int64_t delta) {
  if (delta >= 0) return figure + static_cast<std::uint64_t>(delta);
  const auto down = static_cast<std::uint64_t>(-delta);
  return figure > down ? figure - down : 0;  // a record a stolen key wrote may say less than is there
}

}  // namespace

fs_status volume_ledger::apply(kv_port& port, txn_plan& plan) const {
  if (changes_.empty()) return {};
  std::vector<std::string> keys;
  for (const auto& [volume, sum] : changes_) keys.push_back(volume_key(volume));
  auto seen = read(port, keys);
  if (!seen) return seen.error();
  for (const auto& [volume, sum] : changes_) {
    const std::string key = volume_key(volume);
    const key_value* kv = seen->find(key);
    plan.expect(key, *seen);
    if (!kv) continue;  // the volume's root is gone: nothing counts against it
    auto record = decode_volume(kv->value, key);
    if (!record) return fs_status(EIO, record.error().message());
    fs_volume updated = *record;
    updated.used_bytes = moved_by(record->used_bytes, sum.bytes);
    updated.files = moved_by(record->files, sum.files);
    if (sum.bytes > 0 && record->limit_bytes > 0 && updated.used_bytes > record->limit_bytes) {
      return fs_status(EDQUOT, fmt::format("volume {} holds {} of its {} bytes; this change needs {} more "
                                           "(bucky fs volume list; the owner raises it with bucky fs volume quota)",
                                           inode_hex(volume), record->used_bytes, record->limit_bytes, sum.bytes));
    }
    plan.put(key, encode_value(updated));
  }
  return {};
}

fs_status same_volume(const fs_inode& inode, const fs_inode& to_parent, const char* op) {
  if (inode.volume == inode.ino || inode.volume == to_parent.volume) return {};
  return fs_status(EXDEV, fmt::format("{}: inode {} belongs to volume {}, the target directory to {}", op,
                                      inode_hex(inode.ino), inode_hex(inode.volume), inode_hex(to_parent.volume)));
}

}  // namespace detail

fs_result<fs_inode> metadata::make_volume(inode_number dir, const std::string& name, std::uint64_t limit_bytes,
                                          std::int64_t now_ns) {
  new_inode root{fs_kind::directory, 0755, 0, 0, {}};
  root.volume_limit_bytes = limit_bytes;
  return make(dir, name, root, now_ns);
}

fs_result<fs_volume> metadata::set_volume_limit(inode_number root, std::uint64_t limit_bytes) {
  fs_volume updated;
  const fs_status done = run_txn(port_, options_.retries_max, "volume quota", [&]() -> fs_result<txn_plan> {
    auto seen = read(port_, {volume_key(root)});
    if (!seen) return seen.error();
    const key_value* kv = seen->find(volume_key(root));
    if (!kv) return fs_status(EINVAL, fmt::format("inode {} is not the root of a volume", inode_hex(root)));
    auto record = decode_volume(kv->value, kv->key);
    if (!record) return fs_status(EIO, record.error().message());
    updated = *record;
    updated.limit_bytes = limit_bytes;  // below what it uses: nothing is removed, it only stops growing
    txn_plan plan;
    plan.expect(volume_key(root), *seen);
    plan.put(volume_key(root), encode_value(updated));
    return plan;
  });
  if (!done.is_ok()) return done;
  return updated;
}

fs_result<std::vector<volume_entry>> metadata::volumes() {
  kv_request request;
  const std::string begin(volume_prefix);
  const std::string end = begin.substr(0, begin.size() - 1) + "0";  // '0' follows '/'
  request.success.push_back(range_op(begin, end, volumes_max));
  auto response = port_.call_nearby(request);
  if (!response) return fs_status::from(response.error());
  std::vector<volume_entry> out;
  for (const auto& kv : response->results.at(0).kvs) {
    auto root = volume_of_key(kv.key);
    auto record = decode_volume(kv.value, kv.key);
    if (!root || !record) return fs_status(EIO, fmt::format("{}: not a volume record", kv.key));
    out.push_back({*root, *record});
  }
  return out;
}

}  // namespace bucky::zone_fs
