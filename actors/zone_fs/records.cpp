#include "actors/zone_fs/records.hpp"

#include <span>

#include <fmt/format.h>

#include "messages/codec.hpp"

namespace bucky::zone_fs {

namespace {

status bad(std::string_view what, std::string detail) {
  return status(status_code::corruption, fmt::format("{}: {}", what, detail));
}

bool known_kind(fs_kind kind) {
  return kind == fs_kind::file || kind == fs_kind::directory || kind == fs_kind::symlink;
}

std::optional<std::uint64_t> parse_hex(std::string_view text, std::size_t digits) {
  if (text.size() != digits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<std::uint64_t>(digit);
  }
  return value;
}

template <class Record>
std::string encode_record(const Record& record) {
  const bytes encoded = encode(record);
  return std::string(encoded.begin(), encoded.end());
}

template <class Record>
result<Record> decode_record(std::string_view value, std::string_view where) {
  const auto* begin = reinterpret_cast<const std::uint8_t*>(value.data());
  auto decoded = decode<Record>(std::span<const std::uint8_t>(begin, value.size()));
  if (!decoded) return bad(where, decoded.error().message());
  return decoded;
}

}  // namespace

status fs_inode::validate() const {
  if (ino == 0) return bad("fs_inode", "inode number 0");
  if (!known_kind(kind)) return bad("fs_inode", fmt::format("unknown kind {}", static_cast<int>(kind)));
  if (mode > 07777) return bad("fs_inode", fmt::format("mode {:o} has bits beyond 07777", mode));
  if (size_bytes > fs_limits::file_bytes_max) return bad("fs_inode", fmt::format("size {} over 1 TiB", size_bytes));
  if (blocks > fs_limits::blocks_max) return bad("fs_inode", fmt::format("{} chunk blocks", blocks));
  if (links > fs_limits::links_max) return bad("fs_inode", fmt::format("{} links", links));
  if (symlink_target.size() > fs_limits::symlink_bytes_max) return bad("fs_inode", "symlink target too long");
  if (kind != fs_kind::symlink && !symlink_target.empty()) return bad("fs_inode", "a target on a non-symlink");
  if (kind != fs_kind::file && blocks != 0) return bad("fs_inode", "chunk blocks on a non-file");
  if (kind == fs_kind::directory && parent == 0) return bad("fs_inode", "a directory without a parent");
  return {};
}

status fs_block::validate() const {
  if (chunks.size() > fs_limits::chunks_per_block) return bad("fs_block", fmt::format("{} chunks", chunks.size()));
  for (const chunk_ref& ref : chunks) {
    if (ref.size_bytes > fs_limits::chunk_bytes) return bad("fs_block", fmt::format("a chunk of {} bytes", ref.size_bytes));
  }
  return {};
}

status fs_volume::validate() const {
  if (used_bytes > fs_limits::file_bytes_max * (files + 1)) return bad("fs_volume", "more bytes than its files can hold");
  return {};
}

status fs_dirent::validate() const {
  if (ino == 0) return bad("fs_dirent", "inode number 0");
  if (!known_kind(kind)) return bad("fs_dirent", fmt::format("unknown kind {}", static_cast<int>(kind)));
  return {};
}

std::string inode_hex(inode_number ino) { return fmt::format("{:016x}", ino); }

std::string volume_key(inode_number root) { return fmt::format("{}{:016x}", volume_prefix, root); }

std::optional<inode_number> volume_of_key(std::string_view key) {
  if (key.substr(0, volume_prefix.size()) != volume_prefix) return std::nullopt;
  return parse_hex(key.substr(volume_prefix.size()), 16);
}

std::string inode_key(inode_number ino) { return fmt::format("{}{:016x}", inode_prefix, ino); }

std::string inode_range_end(inode_number ino) { return inode_key(ino) + "0"; }  // '0' follows '/'

std::string block_range_begin(inode_number ino) { return inode_key(ino) + "/b/"; }

std::string block_key(inode_number ino, std::uint32_t block) {
  return fmt::format("{}{:08x}", block_range_begin(ino), block);
}

std::string dirents_begin(inode_number dir) { return fmt::format("{}{:016x}/", dirent_prefix, dir); }

std::string dirents_end(inode_number dir) { return fmt::format("{}{:016x}0", dirent_prefix, dir); }

std::string dirent_key(inode_number dir, std::string_view name) { return dirents_begin(dir) + std::string(name); }

std::optional<std::string> dirent_name(inode_number dir, std::string_view key) {
  const std::string begin = dirents_begin(dir);
  if (key.size() <= begin.size() || key.substr(0, begin.size()) != begin) return std::nullopt;
  return std::string(key.substr(begin.size()));
}

std::optional<inode_number> inode_of_key(std::string_view key) {
  const std::size_t at = inode_prefix.size();
  if (key.substr(0, at) != inode_prefix) return std::nullopt;
  if (key.size() != at + 16 && !block_of_key(key)) return std::nullopt;
  return parse_hex(key.substr(at, 16), 16);
}

std::optional<std::uint32_t> block_of_key(std::string_view key) {
  const std::size_t at = inode_prefix.size() + 16;
  if (key.size() != at + 3 + 8 || key.substr(at, 3) != "/b/") return std::nullopt;
  auto block = parse_hex(key.substr(at + 3), 8);
  if (!block) return std::nullopt;
  return static_cast<std::uint32_t>(*block);
}

status check_name(std::string_view name) {
  if (name.empty()) return status(status_code::invalid_argument, "an empty file name");
  if (name.size() > fs_limits::name_bytes_max) {
    return status(status_code::too_large, fmt::format("file name of {} bytes (at most {})", name.size(),
                                                      fs_limits::name_bytes_max));
  }
  if (name == "." || name == "..") return status(status_code::invalid_argument, fmt::format("\"{}\" as a name", name));
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return status(status_code::invalid_argument, "a file name with '/' or NUL in it");
  }
  return {};
}

std::string encode_value(const fs_inode& inode) { return encode_record(inode); }
std::string encode_value(const fs_block& block) { return encode_record(block); }
std::string encode_value(const fs_dirent& dirent) { return encode_record(dirent); }
std::string encode_value(const fs_volume& volume) { return encode_record(volume); }

result<fs_inode> decode_inode(std::string_view value, std::string_view where) {
  return decode_record<fs_inode>(value, where);
}
result<fs_block> decode_block(std::string_view value, std::string_view where) {
  return decode_record<fs_block>(value, where);
}
result<fs_dirent> decode_dirent(std::string_view value, std::string_view where) {
  return decode_record<fs_dirent>(value, where);
}
result<fs_volume> decode_volume(std::string_view value, std::string_view where) {
  return decode_record<fs_volume>(value, where);
}

}  // namespace bucky::zone_fs
