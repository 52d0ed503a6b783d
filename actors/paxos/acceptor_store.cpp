#include "actors/paxos/acceptor_store.hpp"

#include <fmt/format.h>

#include "messages/codec.hpp"
#include "storage/encoding.hpp"

namespace bucky {

namespace {

constexpr std::string_view promised_key = "promised";
constexpr std::string_view compacted_key = "compacted_below";

using storage::as_bytes;
using storage::as_text;

// msgpack structs without type_name for decode<>: wrap them.
struct stored_ballot {
  static constexpr const char* type_name = "paxos.meta promised ballot";
  ballot value;
  MSGPACK_DEFINE(value);
};
struct stored_entry {
  static constexpr const char* type_name = "paxos.log entry";
  accepted_entry value;
  MSGPACK_DEFINE(value);
};

}  // namespace

std::string slot_key(slot_id slot) { return storage::big_endian_key(slot); }

result<acceptor_store> acceptor_store::open(storage::lmdb_env& env) {
  auto meta = env.table("paxos.meta");
  if (!meta) return meta.error();
  auto log = env.table("paxos.log");
  if (!log) return log.error();
  return acceptor_store(env, *meta, *log);
}

result<acceptor_core> acceptor_store::load() const {
  auto txn = env_->begin_read();
  if (!txn) return txn.error();
  ballot promised;
  auto stored = txn->get(meta_, promised_key);
  if (!stored) return stored.error();
  if (stored->has_value()) {
    auto decoded = decode<stored_ballot>(as_bytes(**stored));
    if (!decoded) {
      return status(status_code::corruption, fmt::format("{}: {}; this replica will not vote until its data dir "
                                                         "is restored or re-synced",
                                                         env_->options().path, decoded.error().message()));
    }
    promised = decoded->value;
  }
  slot_id compacted_below = 0;
  auto compacted = txn->get(meta_, compacted_key);
  if (!compacted) return compacted.error();
  if (compacted->has_value()) {
    auto number = storage::from_big_endian_key(**compacted, env_->options().path + ": paxos.meta compacted_below");
    if (!number) return status(status_code::corruption, number.error().message() + "; this replica will not vote");
    compacted_below = *number;
  }
  std::vector<accepted_entry> entries;
  status problem;
  auto scanned = txn->scan(log_, "", SIZE_MAX, [&](std::string_view key, std::string_view value) {
    auto decoded = decode<stored_entry>(as_bytes(value));
    if (!decoded || key != slot_key(decoded->value.slot)) {
      problem = status(status_code::corruption,
                       fmt::format("{}: paxos.log record {} does not decode to its slot{}; this replica will not "
                                   "vote until its data dir is restored or re-synced",
                                   env_->options().path, entries.size(),
                                   decoded ? "" : " (" + decoded.error().message() + ")"));
      return false;
    }
    entries.push_back(std::move(decoded->value));
    return true;
  });
  if (!scanned.is_ok()) return scanned;
  if (!problem.is_ok()) return problem;
  for (const auto& entry : entries) {
    if (entry.accepted_in > promised) {
      return status(status_code::corruption,
                    fmt::format("{}: slot {} accepted in a ballot above the promised one; this replica will not "
                                "vote",
                                env_->options().path, entry.slot));
    }
  }
  return acceptor_core(promised, std::move(entries), compacted_below);
}

status acceptor_store::persist(const acceptor_output& output) {
  if (!output.persist_promised && !output.persist_accepted && !output.persist_compacted_below) return {};
  auto txn = env_->begin_write();
  if (!txn) return txn.error();
  if (auto written = write(*txn, {output}); !written.is_ok()) return written;
  return txn->commit();
}

result<bool> acceptor_store::empty() const {
  auto txn = env_->begin_read();
  if (!txn) return txn.error();
  bool empty = true;
  for (const auto* table : {&meta_, &log_}) {
    auto scanned = txn->scan(*table, "", 1, [&](std::string_view, std::string_view) { return empty = false; });
    if (!scanned.is_ok()) return scanned;
  }
  return empty;
}

status acceptor_store::clear() {
  auto txn = env_->begin_write();
  if (!txn) return txn.error();
  for (const auto* table : {&meta_, &log_}) {
    if (auto cleared = txn->clear(*table); !cleared.is_ok()) return cleared;
  }
  return txn->commit();
}

status acceptor_store::write(storage::write_txn& txn, const std::vector<acceptor_output>& outputs) {
  for (const auto& output : outputs) {
    if (output.persist_promised) {
      auto put = txn.put(meta_, promised_key, as_text(encode(stored_ballot{*output.persist_promised})));
      if (!put.is_ok()) return put;
    }
    if (output.persist_accepted) {
      auto put = txn.put(log_, slot_key(output.persist_accepted->slot),
                         as_text(encode(stored_entry{*output.persist_accepted})));
      if (!put.is_ok()) return put;
    }
    if (output.persist_compacted_below) {
      auto erased = txn.erase_below(log_, slot_key(*output.persist_compacted_below));
      if (!erased) return erased.error();
      auto put = txn.put(meta_, compacted_key, slot_key(*output.persist_compacted_below));
      if (!put.is_ok()) return put;
    }
  }
  return {};
}

}  // namespace bucky
