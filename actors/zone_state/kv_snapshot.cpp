#include "actors/zone_state/kv_snapshot.hpp"

namespace bucky {

result<std::vector<snapshot_record>> kv_snapshot_reader::next_chunk(std::size_t bytes_max) {
  std::vector<snapshot_record> rows;
  std::size_t bytes = 0;
  while (!done() && (rows.empty() || bytes < bytes_max)) {
    bool full = false;
    const auto& table = tables_[table_];
    auto scanned = txn_.scan(table, from_key_, SIZE_MAX, [&](std::string_view key, std::string_view value) {
      if (!rows.empty() && bytes + key.size() + value.size() > bytes_max) {
        full = true;
        return false;
      }
      bytes += key.size() + value.size();
      rows.push_back({table.name, {key.begin(), key.end()}, {value.begin(), value.end()}});
      from_key_ = std::string(key) + '\0';  // the smallest key after this one
      return true;
    });
    if (!scanned.is_ok()) return scanned;
    if (full) break;
    ++table_;  // this table is exhausted
    from_key_.clear();
  }
  return rows;
}

}  // namespace bucky
