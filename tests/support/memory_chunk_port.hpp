// A zone_fs::chunk_port with the zone's chunks in memory: stores complete at
// once (the ticket holds the result), loads check the hash as a holder would.
// A test can make stores fail (a full zone) or corrupt a stored chunk.
#pragma once

#include <map>
#include <mutex>
#include <optional>

#include "actors/zone_fs/chunk_port.hpp"
#include "storage/chunk_hash.hpp"

namespace bucky::testing {

class memory_chunk_port final : public zone_fs::chunk_port {
 public:
  ticket store(std::string bytes) override {
    std::lock_guard lock(mutex_);
    const ticket next = ++last_ticket_;
    ++stores;
    if (fail_stores) {
      results_.emplace(next, *fail_stores);
      return next;
    }
    zone_fs::chunk_ref ref{chunk_hash(bytes), static_cast<std::uint32_t>(bytes.size())};
    chunks[ref.id] = std::move(bytes);
    results_.emplace(next, ref);
    return next;
  }

  result<zone_fs::chunk_ref> wait(ticket pending) override {
    std::lock_guard lock(mutex_);
    auto found = results_.find(pending);
    BUCKY_CHECK_MSG(found != results_.end(), "a ticket waited for twice or never issued");
    auto out = std::move(found->second);
    results_.erase(found);
    return out;
  }

  result<std::string> load(const chunk_id& id) override {
    std::lock_guard lock(mutex_);
    ++loads;
    auto found = chunks.find(id);
    if (found == chunks.end()) return status(status_code::not_found, "chunk " + id.short_hex() + " on no holder");
    if (chunk_hash(found->second) != id) return status(status_code::corruption, "chunk " + id.short_hex() + " is corrupt");
    return found->second;
  }

  result<zone_fs::zone_room> room() override {
    std::lock_guard lock(mutex_);
    zone_fs::zone_room out;
    for (const auto& [id, bytes] : chunks) out.stored_bytes += bytes.size();
    out.room_bytes = 1ull << 40;
    out.holders_answered = 1;
    return out;
  }

  std::size_t tickets_open() const {
    std::lock_guard lock(mutex_);
    return results_.size();
  }

  std::map<chunk_id, std::string> chunks;
  std::optional<status> fail_stores;
  std::uint64_t stores = 0, loads = 0;

 private:
  mutable std::mutex mutex_;
  ticket last_ticket_ = 0;
  std::map<ticket, result<zone_fs::chunk_ref>> results_;
};

}  // namespace bucky::testing
