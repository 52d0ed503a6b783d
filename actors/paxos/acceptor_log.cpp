#include "actors/paxos/acceptor_log.hpp"

#include "actors/paxos/acceptor_store.hpp"

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "messages/common/check.hpp"
#include "storage/encoding.hpp"

namespace bucky {

namespace {

constexpr std::uint8_t has_promised = 1, has_accepted = 2, has_compacted = 4;

struct log_record {
  static constexpr const char* type_name = "acceptor log record";
  std::vector<acceptor_log::step> steps;
  MSGPACK_DEFINE(steps);
};

acceptor_log::step to_step(const acceptor_output& output) {
  acceptor_log::step s;
  if (output.persist_promised) s.has |= has_promised, s.promised = *output.persist_promised;
  if (output.persist_accepted) s.has |= has_accepted, s.accepted = *output.persist_accepted;
  if (output.persist_compacted_below) s.has |= has_compacted, s.compacted_below = *output.persist_compacted_below;
  return s;
}

acceptor_log::step restatement(const ballot& promised, slot_id compacted_below) {
  return {has_promised | has_compacted, promised, {}, compacted_below};
}

std::size_t approximate_bytes(const acceptor_log::step& s) { return 64 + s.accepted.value.size(); }

}  // namespace

result<std::unique_ptr<acceptor_log>> acceptor_log::open(const storage::append_log_options& options,
                                                         const std::string& marker_path, storage::lmdb_env* env,
                                                         acceptor_core& replayed) {
  log_marker marker(marker_path, *options.fs);
  auto recorded = marker.read();
  if (!recorded) return recorded.error();
  auto log = replay_all(options, marker, replayed);
  if (!log) return log;
  if (auto checked = (*log)->check_marker(*recorded); !checked.is_ok()) return checked;
  if (auto headed = (*log)->head_newest_segment(); !headed.is_ok()) return headed;
  std::optional<acceptor_store> tables;
  if (env) {
    auto opened = acceptor_store::open(*env);
    if (!opened) return opened.error();
    tables.emplace(std::move(*opened));
  }
  bool tables_empty = true;
  if (tables) {
    auto empty = tables->empty();
    if (!empty) return empty.error();
    tables_empty = *empty;
  }
  if ((*log)->log_->segments().empty()) {
    acceptor_core earlier;
    if (tables) {
      auto loaded = tables->load();
      if (!loaded) return loaded.error();
      earlier = std::move(*loaded);
    }
    if (auto started = (*log)->start(earlier); !started.is_ok()) return started;
    (*log)->moved_from_tables_ = !tables_empty;
    (*log)->started_empty_ = tables_empty;
    replayed = std::move(earlier);
  }
  if (!tables_empty) {
    if (auto cleared = tables->clear(); !cleared.is_ok()) return cleared;
  }
  return log;
}

// The marker says which segments the log held: none may be missing. A log without
// a marker gets one (a new replica's at its first segment, in start()).
status acceptor_log::check_marker(const std::optional<segment_range>& recorded) {
  const auto& segments = log_->segments();
  if (recorded) {
    if (auto checked = marker_.check(*recorded, segments, log_->options().dir); !checked.is_ok()) return checked;
    if (recorded->oldest == segments.front() && recorded->newest == segments.back()) return {};
  }
  if (segments.empty()) return {};
  marker_made_for_existing_log_ = !recorded;
  return write_marker(segments.front());
}

// A crash between making a segment and appending its first record (which restates
// the promise and the compaction point) leaves the newest segment without one;
// appends would then go on there unrestated, and once the older segments were
// removed the promise would be forgotten. The restatement is written first.
status acceptor_log::head_newest_segment() {
  const auto& segments = log_->segments();
  if (segments.empty() || segment_slots_end_.count(segments.back())) return {};
  return write_record({restatement(promised_, compacted_below_)});
}

status acceptor_log::write_marker(std::uint64_t oldest) {
  return marker_.write({oldest, log_->segments().back()});
}

result<std::unique_ptr<acceptor_log>> acceptor_log::replay_all(const storage::append_log_options& options,
                                                               log_marker marker, acceptor_core& replayed) {
  std::map<slot_id, accepted_entry> entries;
  // Its log_ is set once replay is done.
  std::unique_ptr<acceptor_log> owner(new acceptor_log(nullptr, std::move(marker)));
  auto visit = [&](std::uint64_t segment, std::string_view payload) -> status {
    auto record = decode<log_record>(storage::as_bytes(payload), options.record_size_bytes_max);
    if (!record) {
      return status(status_code::corruption, fmt::format("{}/{:020}.log: a record passed its checksum but does "
                                                         "not decode ({})",
                                                         options.dir, segment, record.error().message()));
    }
    auto where = fmt::format("{}/{:020}.log", options.dir, segment);
    for (const auto& s : record->steps) {
      if (auto replayed_step = owner->replay(segment, where, s, entries); !replayed_step.is_ok()) return replayed_step;
    }
    return {};
  };
  auto log = storage::append_log::open(options, visit);
  if (!log) return log.error();
  owner->log_ = std::move(*log);
  for (const auto& [slot, entry] : entries) {
    if (entry.accepted_in > owner->promised_) {
      return status(status_code::corruption,
                    fmt::format("{}: slot {} accepted in a ballot above the promised one", options.dir, slot));
    }
  }
  std::vector<accepted_entry> kept;
  for (auto& [slot, entry] : entries) kept.push_back(std::move(entry));
  replayed = acceptor_core(owner->promised_, std::move(kept), owner->compacted_below_);
  return owner;
}

status acceptor_log::replay(std::uint64_t segment, const std::string& where, const step& s,
                            std::map<slot_id, accepted_entry>& entries) {
  if ((s.has & has_promised) && s.promised < promised_) {
    return status(status_code::corruption, fmt::format("{}: the promised ballot goes down from ({},{}) to ({},{})",
                                                       where, promised_.round, promised_.replica, s.promised.round,
                                                       s.promised.replica));
  }
  if ((s.has & has_compacted) && s.compacted_below < compacted_below_) {
    return status(status_code::corruption, fmt::format("{}: the compaction point goes down from {} to {}", where,
                                                       compacted_below_, s.compacted_below));
  }
  if ((s.has & has_accepted) && s.accepted.slot >= std::max(compacted_below_,
                                                            (s.has & has_compacted) ? s.compacted_below : 0)) {
    entries[s.accepted.slot] = s.accepted;
  }
  if (s.has & has_compacted) entries.erase(entries.begin(), entries.lower_bound(s.compacted_below));
  track(segment, s);
  return {};
}

void acceptor_log::track(std::uint64_t segment, const step& s) {
  if (s.has & has_promised) promised_ = s.promised;
  if (s.has & has_compacted) compacted_below_ = s.compacted_below;
  auto& end = segment_slots_end_[segment];
  if (s.has & has_accepted) end = std::max(end, s.accepted.slot + 1);
}

status acceptor_log::start(const acceptor_core& acceptor) {
  BUCKY_CHECK(log_->segments().empty());
  std::vector<step> steps{restatement(acceptor.promised(), acceptor.compacted_below())};
  for (const auto& [slot, entry] : acceptor.accepted()) steps.push_back({has_accepted, {}, entry, 0});
  return write_steps(std::move(steps));
}

status acceptor_log::persist_all(const std::vector<acceptor_output>& outputs) {
  std::vector<step> steps;
  for (const auto& output : outputs) {
    auto s = to_step(output);
    if (s.has != 0) steps.push_back(std::move(s));
  }
  if (steps.empty()) return {};
  return write_steps(std::move(steps));
}

status acceptor_log::write_steps(std::vector<step> steps) {
  auto compacted_before = compacted_below_;
  // Half the log's record limit leaves room for the encoding and a restatement.
  const auto bytes_target = std::min(record_bytes_target, log_->options().record_size_bytes_max / 2);
  std::vector<step> chunk;
  std::size_t chunk_bytes = 0;
  for (auto& s : steps) {
    if (!chunk.empty() && (chunk_bytes + approximate_bytes(s) > bytes_target || chunk.size() == record_steps_max)) {
      if (auto written = write_record(std::move(chunk)); !written.is_ok()) return written;
      chunk.clear();
      chunk_bytes = 0;
    }
    chunk_bytes += approximate_bytes(s);
    chunk.push_back(std::move(s));
  }
  if (auto written = write_record(std::move(chunk)); !written.is_ok()) return written;
  return compacted_below_ != compacted_before ? remove_obsolete_segments() : status{};
}

// One record, in a new segment (headed by the state before it) when the current
// one is full.
status acceptor_log::write_record(std::vector<step> steps) {
  log_record record{std::move(steps)};
  auto encoded = encode(record);
  if (!log_->fits(encoded.size())) {
    if (auto started = log_->start_segment(); !started.is_ok()) return started;
    if (auto marked = write_marker(log_->segments().front()); !marked.is_ok()) return marked;
    record.steps.insert(record.steps.begin(), restatement(promised_, compacted_below_));
    encoded = encode(record);
    BUCKY_CHECK_MSG(log_->fits(encoded.size()),
                    fmt::format("a {}-byte acceptor record does not fit in an empty segment", encoded.size()));
  }
  if (auto appended = log_->append(storage::as_text(encoded)); !appended.is_ok()) return appended;
  for (const auto& s : record.steps) track(log_->segments().back(), s);
  return {};
}

// The oldest segments go while every entry in them is below the compaction point.
status acceptor_log::remove_obsolete_segments() {
  std::uint64_t keep_from = log_->segments().back();
  for (auto segment : log_->segments()) {
    if (segment_slots_end_[segment] > compacted_below_) {
      keep_from = std::min(keep_from, segment);
      break;
    }
  }
  // The marker moves up first: a crash in between leaves segments it no longer
  // needs, never a marker naming segments that are gone.
  keep_from = std::min(keep_from, log_->segments().back());
  if (keep_from <= log_->segments().front()) return {};
  if (auto marked = write_marker(keep_from); !marked.is_ok()) return marked;
  auto removed = log_->remove_below(keep_from);
  if (!removed.is_ok()) return removed;
  segment_slots_end_.erase(segment_slots_end_.begin(), segment_slots_end_.lower_bound(keep_from));
  return {};
}

}  // namespace bucky
