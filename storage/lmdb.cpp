#include "storage/lmdb.hpp"

#include "storage/row_check.hpp"

#include <vector>

#include <filesystem>

#include <fmt/format.h>

#include "messages/common/check.hpp"

namespace bucky::storage {

namespace {

MDB_val as_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view as_view(const MDB_val& val) {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

}  // namespace

status lmdb_env::error(int rc, const std::string& action) const {
  const auto& path = options_.path;
  switch (rc) {
    case MDB_MAP_FULL:
      return {status_code::too_large,
              fmt::format("{} in {}: the LMDB map of {} bytes is full; nothing was written. Raise the map size "
                          "or free space in the zone state",
                          action, path, options_.map_size_bytes)};
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return {status_code::corruption,
              fmt::format("{}: {} is not an LMDB environment this build can read ({}); it is not ours or it "
                          "is damaged: restore it from a backup or move it aside",
                          action, path, mdb_strerror(rc))};
    case MDB_CORRUPTED:
    case MDB_PANIC:
      return {status_code::corruption, fmt::format("{} in {}: {}; restore the data dir from a backup or "
                                                   "re-sync this node", action, path, mdb_strerror(rc))};
    case MDB_BAD_VALSIZE:
      return {status_code::invalid_argument,
              fmt::format("{} in {}: key is empty or longer than {} bytes", action, path, key_size_bytes_max())};
    case MDB_DBS_FULL:
      return {status_code::too_large,
              fmt::format("{} in {}: more than {} tables", action, path, options_.tables_max)};
    default:
      return {status_code::io_error, fmt::format("{} in {}: {}", action, path, mdb_strerror(rc))};
  }
}

result<std::unique_ptr<lmdb_env>> lmdb_env::open(const lmdb_options& options) {
  std::error_code fs_error;
  std::filesystem::create_directories(options.path, fs_error);
  if (fs_error) {
    return status(status_code::io_error, fmt::format("cannot create {}: {}", options.path, fs_error.message()));
  }
  MDB_env* raw = nullptr;
  BUCKY_CHECK(mdb_env_create(&raw) == 0);
  std::unique_ptr<lmdb_env> env(new lmdb_env(raw, options));
  int rc = mdb_env_set_mapsize(raw, options.map_size_bytes);
  if (rc == 0) rc = mdb_env_set_maxdbs(raw, options.tables_max);
  if (rc == 0) rc = mdb_env_set_maxreaders(raw, options.readers_max);
  unsigned flags = MDB_NOTLS | (options.sync ? 0u : MDB_NOSYNC);
  if (rc == 0) rc = mdb_env_open(raw, options.path.c_str(), flags, 0600);
  if (rc != 0) return env->error(rc, "opening the LMDB environment");
  if (auto whole = env->check_file_size(); !whole.is_ok()) return whole;
  return env;
}

// LMDB maps data.mdb and trusts its size: a file truncated below the pages its
// meta page says are in use ends in SIGBUS at the first read past the end, a
// crash that names nothing. Checked here once, by name.
status lmdb_env::check_file_size() const {
  MDB_envinfo info{};
  MDB_stat stat{};
  if (int rc = mdb_env_info(env_, &info); rc != 0) return error(rc, "reading the environment's meta page");
  if (int rc = mdb_env_stat(env_, &stat); rc != 0) return error(rc, "reading the environment's page size");
  auto file = options_.path + "/data.mdb";
  std::error_code fs_error;
  auto size_bytes = std::filesystem::file_size(file, fs_error);
  if (fs_error) return status(status_code::io_error, fmt::format("cannot stat {}: {}", file, fs_error.message()));
  auto needed_bytes = (static_cast<std::uintmax_t>(info.me_last_pgno) + 1) * stat.ms_psize;
  if (size_bytes >= needed_bytes) return {};
  return status(status_code::corruption,
                fmt::format("{} is {} bytes, but its pages in use reach {} bytes: the file was truncated", file,
                            size_bytes, needed_bytes));
}

lmdb_env::~lmdb_env() { mdb_env_close(env_); }

std::size_t lmdb_env::key_size_bytes_max() const {
  return static_cast<std::size_t>(mdb_env_get_maxkeysize(env_));
}

result<lmdb_table> lmdb_env::table(const std::string& name, bool checked) {
  auto txn = begin_write();
  if (!txn) return txn.error();
  lmdb_table table{0, name, checked};
  int rc = mdb_dbi_open(txn->txn_, name.c_str(), MDB_CREATE, &table.handle);
  if (rc != 0) return error(rc, "opening table " + name);
  if (auto committed = txn->commit(); !committed.is_ok()) return committed;
  return table;
}

result<write_txn> lmdb_env::begin_write() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) return error(rc, "beginning a write transaction");
  return write_txn(*this, txn);
}

result<read_txn> lmdb_env::begin_read() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return error(rc, "beginning a read transaction");
  return read_txn(*this, txn);
}

read_txn::read_txn(read_txn&& other) noexcept : env_(other.env_), txn_(other.txn_) { other.txn_ = nullptr; }

read_txn::~read_txn() {
  if (txn_) mdb_txn_abort(txn_);
}

result<std::optional<std::string>> read_txn::get(const lmdb_table& table, std::string_view key) const {
  BUCKY_CHECK(txn_ != nullptr);
  MDB_val k = as_val(key), v{};
  int rc = mdb_get(txn_, table.handle, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>{};
  if (rc != 0) return env_->error(rc, "reading " + table.name);
  auto value = checked_value(table, key, as_view(v));
  if (!value) return value.error();
  return std::optional<std::string>{std::string(*value)};
}

result<std::string_view> read_txn::checked_value(const lmdb_table& table, std::string_view key,
                                                 std::string_view stored) const {
  if (!table.checked) return stored;
  auto payload = unseal_value(stored);
  if (payload) return *payload;
  status corrupt(status_code::corruption,
                 fmt::format("{}/data.mdb: table {}, key {}: the stored value fails its checksum (changed on disk)",
                             env_->options().path, table.name, printable_key(key)));
  if (env_->options().on_corruption) env_->options().on_corruption(corrupt);
  return corrupt;
}

status read_txn::scan(const lmdb_table& table, std::string_view from, std::size_t limit,
                      const std::function<bool(std::string_view, std::string_view)>& visit) const {
  BUCKY_CHECK(txn_ != nullptr);
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, table.handle, &cursor);
  if (rc != 0) return env_->error(rc, "scanning " + table.name);
  MDB_val k = as_val(from), v{};
  rc = from.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST) : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  std::size_t visited = 0;
  status problem;
  while (rc == 0 && visited < limit) {
    auto value = checked_value(table, as_view(k), as_view(v));
    if (!value) {
      problem = value.error();
      break;
    }
    if (!visit(as_view(k), *value)) break;
    ++visited;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (!problem.is_ok()) return problem;
  if (rc != 0 && rc != MDB_NOTFOUND) return env_->error(rc, "scanning " + table.name);
  return {};
}

write_txn::~write_txn() = default;  // read_txn's destructor aborts an uncommitted txn

status write_txn::put(const lmdb_table& table, std::string_view key, std::string_view value) {
  wrote_ = true;
  BUCKY_CHECK(txn_ != nullptr);
  std::string sealed;
  if (table.checked) sealed = seal_value(value);
  MDB_val k = as_val(key), v = as_val(table.checked ? std::string_view(sealed) : value);
  int rc = mdb_put(txn_, table.handle, &k, &v, 0);
  if (rc != 0) return env_->error(rc, "writing " + table.name);
  return {};
}

result<bool> write_txn::erase(const lmdb_table& table, std::string_view key) {
  wrote_ = true;
  BUCKY_CHECK(txn_ != nullptr);
  MDB_val k = as_val(key);
  int rc = mdb_del(txn_, table.handle, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return env_->error(rc, "deleting from " + table.name);
  return true;
}

result<std::size_t> write_txn::erase_below(const lmdb_table& table, std::string_view end, std::size_t limit) {
  wrote_ = true;
  std::vector<std::string> doomed;
  auto scanned = scan(table, "", limit, [&](std::string_view key, std::string_view) {
    if (key >= end) return false;
    doomed.emplace_back(key);
    return true;
  });
  if (!scanned.is_ok()) return scanned;
  for (const auto& key : doomed) {
    if (auto erased = erase(table, key); !erased) return erased.error();
  }
  return doomed.size();
}

status write_txn::clear(const lmdb_table& table) {
  wrote_ = true;
  BUCKY_CHECK(txn_ != nullptr);
  int rc = mdb_drop(txn_, table.handle, 0);
  if (rc != 0) return env_->error(rc, "clearing " + table.name);
  return {};
}

status write_txn::commit() {
  BUCKY_CHECK(txn_ != nullptr);
  if (const auto& hook = env_->options().before_commit; hook && wrote_) {
    if (auto allowed = hook(); !allowed.is_ok()) {
      mdb_txn_abort(txn_);
      txn_ = nullptr;
      return allowed;
    }
  }
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // committed or aborted by LMDB either way
  if (rc != 0) return env_->error(rc, "committing");
  return {};
}

}  // namespace bucky::storage
