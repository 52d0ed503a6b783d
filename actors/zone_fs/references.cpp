#include "actors/zone_fs/references.hpp"

#include <fmt/format.h>

#include "actors/zone_state/kv_machine.hpp"

namespace bucky::zone_fs {

namespace {

// Adds the refs of every block key in [begin, end) to `scan`, page by page.
status scan_range(kv_port& zone_state, const std::string& begin, const std::string& end, bool pins,
                  reference_scan& scan) {
  std::string from = begin;
  for (std::uint64_t page = 0; page < reference_pages_max; ++page) {
    kv_request request;
    request.success.push_back(range_op(from, end, reference_page_keys));
    auto answer = zone_state.call(request);
    if (!answer) return answer.error();
    if (answer->results.size() != 1) return status(status_code::internal, "reference scan: one result expected");
    const auto& found = answer->results[0];
    for (const auto& kv : found.kvs) {
      if (!pins && !block_of_key(kv.key)) continue;  // an inode
      auto block = decode_block(kv.value, kv.key);
      if (!block) {
        ++scan.unreadable;
        continue;
      }
      ++(pins ? scan.pins : scan.files_blocks);
      for (const chunk_ref& ref : block->chunks) {
        if (!ref.hole()) scan.chunks.insert(ref.id);
      }
    }
    if (!found.more || found.kvs.empty()) return {};
    from = found.kvs.back().key + '\0';
  }
  return status(status_code::too_large, "reference scan: more pages than any zone has");
}

}  // namespace

result<reference_scan> scan_references(kv_port& zone_state) {
  reference_scan scan;
  const std::string inodes(inode_prefix), pins(pin_prefix);
  if (status done = scan_range(zone_state, inodes, prefix_range_end(inodes), false, scan); !done.is_ok()) return done;
  if (status done = scan_range(zone_state, pins, prefix_range_end(pins), true, scan); !done.is_ok()) return done;
  return scan;
}

}  // namespace bucky::zone_fs
