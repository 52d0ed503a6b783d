// A file system that loses its power on cue, for tests: it forwards to another one
// (the simulated disk) until `ops_left` calls have gone through, then every call
// fails, as on a machine whose plug was just pulled; crash the disk under it next.
// Stepping `ops_left` over 0, 1, 2 … cuts an operation at each of its points in turn.
// It also counts the calls, so a test can see that an operation touched nothing,
// and can answer free_bytes() for the disk (a disk filled by another writer).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/file_system.hpp"

namespace bucky::sim {

class power_cut_fs final : public storage::file_system {
 public:
  explicit power_cut_fs(storage::file_system& disk) : disk_(disk) {}

  std::uint64_t ops_left = UINT64_MAX;
  std::uint64_t ops_done = 0;
  std::optional<std::uint64_t> free_bytes_said;  // what free_bytes() answers instead of the disk

  status step(const std::string& what) {
    if (ops_left == 0) return status(status_code::io_error, what + ": the power went (simulated)");
    --ops_left;
    ++ops_done;
    return {};
  }

  result<std::unique_ptr<storage::file>> open(const std::string& path, open_mode mode,
                                              mode_t permissions = 0600) override;
  status create_dirs(const std::string& dir) override { return forward(dir, [&] { return disk_.create_dirs(dir); }); }
  result<std::vector<std::string>> list(const std::string& dir) override {
    if (auto s = step(dir); !s.is_ok()) return s;
    return disk_.list(dir);
  }
  status rename(const std::string& from, const std::string& to) override {
    return forward(from, [&] { return disk_.rename(from, to); });
  }
  status remove(const std::string& path) override { return forward(path, [&] { return disk_.remove(path); }); }
  status sync_dir(const std::string& dir) override { return forward(dir, [&] { return disk_.sync_dir(dir); }); }
  result<bool> exists(const std::string& path) override {
    if (auto s = step(path); !s.is_ok()) return s;
    return disk_.exists(path);
  }
  result<std::uint64_t> free_bytes(const std::string& dir) override {
    if (auto s = step(dir); !s.is_ok()) return s;
    if (free_bytes_said) return *free_bytes_said;
    return disk_.free_bytes(dir);
  }

  template <class Call>
  status forward(const std::string& what, Call call) {
    if (auto s = step(what); !s.is_ok()) return s;
    return call();
  }

 private:
  storage::file_system& disk_;
};

class power_cut_file final : public storage::file {
 public:
  power_cut_file(power_cut_fs& power, std::unique_ptr<storage::file> inner)
      : storage::file(inner->path()), power_(power), inner_(std::move(inner)) {}
  status read_at(std::uint64_t offset, char* into, std::size_t size) override {
    return power_.forward(path(), [&] { return inner_->read_at(offset, into, size); });
  }
  status write_at(std::uint64_t offset, std::string_view bytes) override {
    return power_.forward(path(), [&] { return inner_->write_at(offset, bytes); });
  }
  status sync() override { return power_.forward(path(), [&] { return inner_->sync(); }); }
  status allocate(std::uint64_t size_bytes) override {
    return power_.forward(path(), [&] { return inner_->allocate(size_bytes); });
  }
  status write_out(std::uint64_t offset, std::uint64_t size_bytes) override {
    return power_.forward(path(), [&] { return inner_->write_out(offset, size_bytes); });
  }
  result<std::uint64_t> size() override {
    if (auto s = power_.step(path()); !s.is_ok()) return s;
    return inner_->size();
  }

 private:
  power_cut_fs& power_;
  std::unique_ptr<storage::file> inner_;
};

inline result<std::unique_ptr<storage::file>> power_cut_fs::open(const std::string& path, open_mode mode,
                                                          mode_t permissions) {
  if (auto s = step(path); !s.is_ok()) return s;
  auto inner = disk_.open(path, mode, permissions);
  if (!inner) return inner.error();
  return std::unique_ptr<storage::file>(new power_cut_file(*this, std::move(*inner)));
}

}  // namespace bucky::sim
