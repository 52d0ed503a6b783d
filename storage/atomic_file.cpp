#include "storage/atomic_file.hpp"

#include <fmt/format.h>

namespace bucky {

status write_file_atomically(storage::file_system& fs, const std::string& path, const std::string& contents,
                             mode_t mode) {
  std::string temporary = path + ".tmp";
  if (auto removed = fs.remove(temporary); !removed.is_ok()) return removed;  // a leftover from a crash mid-write
  auto out = fs.open(temporary, storage::file_system::open_mode::create_new, mode);
  if (!out) return out.error();
  status written = (*out)->write_at(0, contents);
  if (written.is_ok()) written = (*out)->sync();
  out->reset();
  if (written.is_ok()) written = fs.rename(temporary, path);
  if (!written.is_ok()) {
    (void)fs.remove(temporary);  // best effort: the write already failed
    return written;
  }
  return fs.sync_dir(storage::parent_dir(path));
}

result<std::string> read_small_file(storage::file_system& fs, const std::string& path) {
  auto in = fs.open(path, storage::file_system::open_mode::read);
  if (!in) {
    if (in.error().code() == status_code::not_found) {
      return status(status_code::not_found, fmt::format("{} does not exist", path));
    }
    return in.error();
  }
  auto size = (*in)->size();
  if (!size) return size.error();
  if (*size > small_file_bytes_max) {
    return status(status_code::too_large,
                  fmt::format("{} is larger than {} bytes; it is not a file bucky wrote", path, small_file_bytes_max));
  }
  std::string contents(*size, '\0');
  if (auto read = (*in)->read_at(0, contents.data(), contents.size()); !read.is_ok()) return read;
  return contents;
}

}  // namespace bucky
