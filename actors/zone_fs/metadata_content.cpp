// A file's chunk list: read whole (open) and changed by a writer (commit).
#include <fmt/format.h>

#include "actors/zone_fs/metadata.hpp"
#include "actors/zone_fs/metadata_reads.hpp"

namespace bucky::zone_fs {

using namespace detail;

namespace {

inline constexpr std::uint32_t content_pages_max = 4'096;  // ≥ blocks_max / blocks per 2 MiB answer

std::uint64_t chunks_for(std::uint64_t size_bytes) {
  return (size_bytes + fs_limits::chunk_bytes - 1) / fs_limits::chunk_bytes;
}

std::uint32_t blocks_for(std::uint64_t chunks) {
  return static_cast<std::uint32_t>((chunks + fs_limits::chunks_per_block - 1) / fs_limits::chunks_per_block);
}

// Puts one page of [inode, blocks...] into `content`; returns the last key seen.
fs_result<std::string> take_page(const kv_op_result& page, file_content& content) {
  std::string last;
  for (const auto& kv : page.kvs) {
    last = kv.key;
    if (kv.key == inode_key(content.inode.ino)) continue;  // the inode, read with its own op
    auto block = block_of_key(kv.key);
    if (!block || *block >= content.inode.blocks) continue;  // not a block of this size: ignored
    auto decoded = decode_block(kv.value, kv.key);
    if (!decoded) return fs_status(EIO, decoded.error().message());
    const std::uint64_t first = std::uint64_t{*block} * fs_limits::chunks_per_block;
    for (std::size_t i = 0; i < decoded->chunks.size() && first + i < content.chunks.size(); ++i) {
      content.chunks[first + i] = decoded->chunks[i];
    }
  }
  return last;
}

fs_block block_of(const std::vector<chunk_ref>& chunks, std::uint32_t block) {
  const std::uint64_t first = std::uint64_t{block} * fs_limits::chunks_per_block;
  const std::uint64_t end = std::min<std::uint64_t>(chunks.size(), first + fs_limits::chunks_per_block);
  fs_block out;
  if (first < end) out.chunks.assign(chunks.begin() + static_cast<std::ptrdiff_t>(first), chunks.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

}  // namespace

fs_result<file_content> metadata::read_content(inode_number ino) {
  // Page by page; every page also reads the inode, and all must see one revision
  // of it (else a commit came between them: start again).
  for (std::uint32_t attempt = 0; attempt < options_.retries_max; ++attempt) {
    file_content content;
    std::string after = inode_key(ino);
    bool consistent = true;
    for (std::uint32_t page = 0; page < content_pages_max; ++page) {
      kv_request request;
      request.success.push_back(range_op(inode_key(ino)));
      request.success.push_back(range_op(page == 0 ? after : after + '\0', inode_range_end(ino)));
      auto response = port_.call(request);
      if (!response) return fs_status::from(response.error());
      BUCKY_CHECK(response->results.size() == 2);
      read_set seen;
      for (const auto& kv : response->results[0].kvs) seen.found[kv.key] = kv;
      auto inode = inode_in(seen, ino);
      if (!inode) return inode.error();
      if (page == 0) {
        if (inode->kind != fs_kind::file) return fs_status(EISDIR, fmt::format("inode {} is not a file", inode_hex(ino)));
        content.inode = *inode;
        content.mod_revision = seen.find(inode_key(ino))->mod_revision;
        content.chunks.resize(chunks_for(inode->size_bytes));
      } else if (seen.find(inode_key(ino))->mod_revision != content.mod_revision) {
        consistent = false;
        break;
      }
      auto last = take_page(response->results[1], content);
      if (!last) return last.error();
      if (!response->results[1].more) return content;
      after = *last;
    }
    if (consistent) return fs_status(EIO, fmt::format("inode {}: more pages than any file has", inode_hex(ino)));
  }
  return fs_status(EAGAIN, fmt::format("inode {} kept changing while it was read", inode_hex(ino)));
}

fs_result<fs_inode> metadata::commit(inode_number ino, const content_change& change, std::int64_t now_ns) {
  for (const auto& size : {change.size_bytes, change.size_at_least}) {
    if (size && *size > fs_limits::file_bytes_max) {
      return fs_status(EFBIG, fmt::format("a size of {} bytes (files hold at most 1 TiB)", *size));
    }
  }
  fs_inode committed;
  const fs_status done = run_txn(port_, options_.retries_max, "commit", [&]() -> fs_result<txn_plan> {
    auto content = read_content(ino);
    if (!content) return content.error();
    const std::vector<chunk_ref> before = content->chunks;
    std::uint64_t size = change.size_bytes.value_or(content->inode.size_bytes);
    if (change.size_at_least) size = std::max(size, *change.size_at_least);
    std::vector<chunk_ref>& chunks = content->chunks;
    if (change.cut_to) chunks.resize(std::min<std::uint64_t>(chunks.size(), chunks_for(*change.cut_to)));
    chunks.resize(chunks_for(size));
    for (const auto& [index, ref] : change.chunks) {
      if (index < chunks.size()) chunks[index] = ref;
    }
    committed = touched(content->inode, now_ns, true);
    if (change.mtime_ns) committed.mtime_ns = *change.mtime_ns;
    committed.size_bytes = size;
    committed.blocks = blocks_for(chunks.size());
    txn_plan plan;
    plan.expect_revision(inode_key(ino), content->mod_revision);
    plan.put(inode_key(ino), encode_value(committed));
    std::uint32_t dirty = 0;
    for (std::uint32_t block = 0; block < committed.blocks; ++block) {
      const fs_block now = block_of(chunks, block);
      if (block < content->inode.blocks && now == block_of(before, block)) continue;
      if (++dirty > commit_blocks_max) {
        return fs_status(EFBIG, fmt::format("one commit changes more than {} chunk blocks", commit_blocks_max));
      }
      plan.put(block_key(ino, block), encode_value(now));
    }
    if (committed.blocks < content->inode.blocks) {
      plan.remove_range(block_key(ino, committed.blocks), inode_range_end(ino));
    }
    volume_ledger ledger;
    ledger.add(committed.volume, static_cast<std::int64_t>(size) - static_cast<std::int64_t>(content->inode.size_bytes), 0);
    if (fs_status counted = ledger.apply(port_, plan); !counted.is_ok()) return counted;
    return plan;
  });
  if (!done.is_ok()) return done;
  return committed;
}

}  // namespace bucky::zone_fs
