// LMDB and nothing above it: one environment per data dir, named tables, and
// transactions whose failures come back as statuses that say what and where
// (a full map names the map size and how to raise it). Writes go through a
// write_txn that must begin and commit inside one actor handler (LMDB ties a write
// transaction to its thread); readers are opened with MDB_NOTLS so any thread may
// use them. Commits use LMDB's default durable sync unless the environment was
// opened with sync off (tests and benchmarks only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "messages/common/status.hpp"

namespace bucky::storage {

struct lmdb_options {
  std::string path;  // a directory; created if missing
  std::size_t map_size_bytes = std::size_t{1} << 30;
  unsigned tables_max = 32;
  unsigned readers_max = 126;
  bool sync = true;  // false: no fsync on commit (never for acceptor state)
  // Tests only (injected slow or full disk): runs before every commit that writes
  // something (as a real disk, an unchanged txn never touches it); a failure
  // aborts the transaction and is what commit() returns.
  std::function<status()> before_commit;
  // Runs (on the reading thread) each time a checked table's value fails its check,
  // before the read returns the corruption status: the zone state marks itself for
  // a rebuild whatever its caller then does.
  std::function<void(const status&)> on_corruption;
};

class lmdb_env;

// A named database inside the environment. Cheap to copy. A checked table's
// values carry a CRC, verified on every read (row_check.hpp).
struct lmdb_table {
  MDB_dbi handle = 0;
  std::string name;
  bool checked = false;
};

class read_txn {
 public:
  read_txn(read_txn&& other) noexcept;
  read_txn& operator=(read_txn&&) = delete;
  virtual ~read_txn();

  // The value stored under `key`, nullopt when absent; a corruption status when a
  // checked table's value fails its check.
  result<std::optional<std::string>> get(const lmdb_table& table, std::string_view key) const;
  // Visits keys >= `from` in order while `visit` returns true; at most `limit`
  // entries. A checked table's value that fails its check stops the scan with a
  // corruption status.
  status scan(const lmdb_table& table, std::string_view from, std::size_t limit,
              const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

 protected:
  friend class lmdb_env;
  read_txn(lmdb_env& env, MDB_txn* txn) : env_(&env), txn_(txn) {}
  // The payload of a value read from `table`, or the corruption status (reported
  // to on_corruption) naming the environment, table and key.
  result<std::string_view> checked_value(const lmdb_table& table, std::string_view key,
                                         std::string_view stored) const;
  lmdb_env* env_;
  MDB_txn* txn_;
};

class write_txn : public read_txn {
 public:
  write_txn(write_txn&&) noexcept = default;
  ~write_txn() override;  // aborts unless committed

  status put(const lmdb_table& table, std::string_view key, std::string_view value);
  // Removes `key`; returns whether it was there.
  result<bool> erase(const lmdb_table& table, std::string_view key);
  // Removes the first entries of `table` whose keys are below `end`, at most
  // `limit` of them; returns how many went.
  result<std::size_t> erase_below(const lmdb_table& table, std::string_view end, std::size_t limit = SIZE_MAX);
  // Removes every entry of `table` (the table stays).
  status clear(const lmdb_table& table);
  // Makes everything durable (fsync unless sync is off). The txn is over after this.
  status commit();

 private:
  friend class lmdb_env;
  using read_txn::read_txn;
  bool wrote_ = false;  // something changed: commit() writes (and runs before_commit)
};

class lmdb_env {
 public:
  static result<std::unique_ptr<lmdb_env>> open(const lmdb_options& options);
  ~lmdb_env();
  lmdb_env(const lmdb_env&) = delete;
  lmdb_env& operator=(const lmdb_env&) = delete;

  // Opens (creating if needed) a named table. Call before concurrent use.
  // `checked`: its values carry a CRC (row_check.hpp).
  result<lmdb_table> table(const std::string& name, bool checked = false);
  result<write_txn> begin_write();
  result<read_txn> begin_read();

  const lmdb_options& options() const { return options_; }
  std::size_t key_size_bytes_max() const;
  // Turns an LMDB return code into a status naming `action` and this environment.
  status error(int rc, const std::string& action) const;

 private:
  lmdb_env(MDB_env* env, lmdb_options options) : env_(env), options_(std::move(options)) {}
  status check_file_size() const;
  MDB_env* env_;
  lmdb_options options_;
};

}  // namespace bucky::storage
