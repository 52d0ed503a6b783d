#include "net/key_file.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "storage/atomic_file.hpp"

namespace bucky::net {

namespace {

constexpr std::string_view key_file_tag = "bucky-node-key-v1";

status check_owner_only(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return status(status_code::io_error, fmt::format("cannot stat key file {}", path));
  }
  if (!S_ISREG(info.st_mode)) {
    return status(status_code::invalid_argument,
                  fmt::format("key file {} is not a regular file", path));
  }
  if ((info.st_mode & 077) != 0) {
    return status(status_code::permission_denied,
                  fmt::format("key file {} is readable or writable by group or others (mode "
                              "{:04o}); run: chmod 600 {}",
                              path, info.st_mode & 07777, path));
  }
  return {};
}

}  // namespace

result<key_pair> load_key_file(const std::string& path) {
  auto contents = read_small_file(path);
  if (!contents) return contents.error();
  if (auto owner_only = check_owner_only(path); !owner_only.is_ok()) return owner_only;
  std::size_t line_start = 0;
  while (line_start < contents->size()) {
    std::size_t line_end = contents->find('\n', line_start);
    if (line_end == std::string::npos) line_end = contents->size();
    std::string_view line(contents->data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, key_file_tag.size()) != key_file_tag || line.size() < key_file_tag.size() + 1 ||
        line[key_file_tag.size()] != ' ') {
      break;
    }
    auto seed = from_base64url(line.substr(key_file_tag.size() + 1), seed_bytes, "key seed");
    if (!seed) {
      return status(status_code::corruption,
                    fmt::format("key file {} is malformed: {}", path, seed.error().message()));
    }
    std::array<std::uint8_t, seed_bytes> raw;
    std::copy(seed->begin(), seed->end(), raw.begin());
    return key_pair::from_seed(raw);
  }
  return status(status_code::corruption,
                fmt::format("key file {} is malformed: expected a line '{} <seed>'; restore it "
                            "from a backup or remove it to make this node a new identity",
                            path, key_file_tag));
}

status save_key_file(const std::string& path, const key_pair& key) {
  auto seed = key.seed();
  std::string contents = fmt::format(
      "# bucky node key: the secret identity of this node. Keep it private (mode 0600).\n"
      "# public key: {}\n{} {}\n",
      key.public_part().to_text(), key_file_tag, to_base64url(seed));
  return write_file_atomically(path, contents, 0600);
}

result<key_pair> load_or_create_key_file(const std::string& path) {
  auto loaded = load_key_file(path);
  if (loaded || loaded.error().code() != status_code::not_found) return loaded;
  auto fresh = key_pair::generate();
  if (auto saved = save_key_file(path, fresh); !saved.is_ok()) return saved;
  return load_key_file(path);  // what was written reads back
}

}  // namespace bucky::net
