#include "actors/packages/package_file.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <msgpack.hpp>

#include "storage/chunk_hash.hpp"

namespace bucky::packages {

namespace {


status package_refused(std::string_view where, std::string_view why) {
  return status(status_code::invalid_argument, fmt::format("{}: {}", where, why));
}

status package_corrupt(std::string_view where, std::string_view why) {
  return status(status_code::corruption, fmt::format("{}: {}", where, why));
}

bool known_entry_kind(std::uint64_t kind) { return kind <= static_cast<std::uint64_t>(entry_kind::directory); }

// Bounds for one msgpack object of the package: the body is an array of 4 whose
// last item lists the entries, each an array of 3. Strings hold a path or the
// manifest; binaries an entry's content (a package is one file under the cap).
msgpack::unpack_limit package_unpack_limit() {
  return msgpack::unpack_limit(package_limits::entries_max, 0, manifest_limits::text_bytes_max, package_limits::file_bytes_max, 0, 4);
}

bool refer_to_package(msgpack::type::object_type type, std::size_t, void*) {
  return type == msgpack::type::STR || type == msgpack::type::BIN;
}

// One object starting at `offset`; offset moves past it.
result<msgpack::object_handle> unpack_at(std::string_view bytes, std::size_t& offset, std::string_view where,
                                         std::string_view what) {
  try {
    return msgpack::unpack(bytes.data(), bytes.size(), offset, refer_to_package, nullptr, package_unpack_limit());
  } catch (const msgpack::insufficient_bytes&) {
    return package_corrupt(where, fmt::format("truncated: the {} ends early (a partial download?)", what));
  } catch (const std::exception& e) {
    return package_corrupt(where, fmt::format("not a package: its {} is not well-formed ({})", what, e.what()));
  }
}

std::string_view view_of(const msgpack::object& o) {
  if (o.type == msgpack::type::STR) return {o.via.str.ptr, o.via.str.size};
  return {o.via.bin.ptr, o.via.bin.size};
}

// The entries list, checked: shapes, kinds, paths (valid, unique, sorted), sizes.
result<std::vector<package_entry>> read_entries(const msgpack::object& list, std::string_view where) {
  if (list.type != msgpack::type::ARRAY) return package_corrupt(where, "its entries are not a list");
  std::vector<package_entry> out;
  out.reserve(list.via.array.size);
  for (std::uint32_t i = 0; i < list.via.array.size; ++i) {
    const auto& item = list.via.array.ptr[i];
    if (item.type != msgpack::type::ARRAY || item.via.array.size != 3) return package_corrupt(where, fmt::format("entry {} is not [path, kind, bytes]", i));
    const auto& path = item.via.array.ptr[0];
    const auto& kind = item.via.array.ptr[1];
    const auto& content = item.via.array.ptr[2];
    if (path.type != msgpack::type::STR || kind.type != msgpack::type::POSITIVE_INTEGER || content.type != msgpack::type::BIN ||
        !known_entry_kind(kind.via.u64)) {
      return package_corrupt(where, fmt::format("entry {} is not [path, kind, bytes] with a known kind", i));
    }
    package_entry entry{std::string(view_of(path)), static_cast<entry_kind>(kind.via.u64), view_of(content)};
    if (auto valid = check_entry_path(entry.path); !valid.is_ok()) return package_refused(where, valid.message());
    if (entry.path == "app.json") return package_corrupt(where, "an entry named app.json (the manifest is kept apart)");
    if (entry.kind == entry_kind::directory && !entry.content.empty()) return package_corrupt(where, "directory \"" + entry.path + "\" has content");
    if (!out.empty() && out.back().path >= entry.path) {
      return package_corrupt(where, fmt::format("entry \"{}\" is out of order or repeated (entries are sorted, each once)", entry.path));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// No entry lies under a file ("bin" a file and "bin/x" an entry): unpacking could not make both.
status check_tree_shape(const std::vector<package_entry>& entries, std::string_view where) {
  std::set<std::string_view> files;
  for (const auto& entry : entries) {
    if (entry.kind != entry_kind::directory) files.insert(entry.path);
  }
  for (const auto& entry : entries) {
    for (std::size_t slash = entry.path.find('/'); slash != std::string::npos; slash = entry.path.find('/', slash + 1)) {
      if (files.contains(std::string_view(entry.path).substr(0, slash))) {
        return package_refused(where, fmt::format("\"{}\" is inside \"{}\", which is a file", entry.path, entry.path.substr(0, slash)));
      }
    }
  }
  return {};
}

status check_command_entry(const app_manifest& manifest, const std::vector<package_entry>& entries,
                           std::string_view where) {
  const std::string& program = manifest.command.front();
  auto found = std::find_if(entries.begin(), entries.end(), [&](const package_entry& e) { return e.path == program; });
  if (found == entries.end()) return package_refused(where, fmt::format("app.json's command \"{}\" is not in the package", program));
  if (found->kind != entry_kind::executable) {
    return package_refused(where, fmt::format("app.json's command \"{}\" is not executable (chmod +x it before packing)", program));
  }
  return {};
}

}  // namespace

status check_entry_path(std::string_view path) {
  if (path.empty()) return status(status_code::invalid_argument, "an empty path");
  if (path.size() > package_limits::path_bytes_max) return status(status_code::invalid_argument, fmt::format("a path over {} bytes", package_limits::path_bytes_max));
  if (path.front() == '/') return status(status_code::invalid_argument, fmt::format("\"{}\" is absolute: package paths are relative", path));
  std::size_t depth = 0;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view name = path.substr(start, end - start);
    if (name.empty() || name == "." || name == "..") {
      return status(status_code::invalid_argument, fmt::format("\"{}\" is not a normalized path inside the package (an empty, \".\" or \"..\" name)", path));
    }
    if (name.size() > package_limits::name_bytes_max || name.find('\0') != std::string_view::npos) {
      return status(status_code::invalid_argument, fmt::format("\"{}\" has a name over {} bytes or a NUL byte", path, package_limits::name_bytes_max));
    }
    if (++depth > package_limits::path_depth_max) return status(status_code::invalid_argument, fmt::format("\"{}\" is more than {} levels deep", path, package_limits::path_depth_max));
    start = end + 1;
  }
  return {};
}

std::string content_id_of(std::string_view file_bytes) { return content_id_prefix + chunk_hash(file_bytes).hex(); }

status check_content_id(std::string_view text) {
  const std::string_view prefix = content_id_prefix;
  if (!text.starts_with(prefix) || !chunk_id::from_hex(text.substr(prefix.size())) ||
      text.substr(prefix.size()).find_first_of("ABCDEF") != std::string_view::npos) {
    return status(status_code::invalid_argument, fmt::format("\"{}\" is not a content id (sha256: and 64 lowercase hex digits)", text));
  }
  return {};
}

result<opened_package> open_package(std::string_view file_bytes, std::string_view where) {
  if (file_bytes.size() > package_limits::file_bytes_max) {
    return status(status_code::too_large, fmt::format("{}: {} bytes, over the package limit of {} bytes", where, file_bytes.size(), package_limits::file_bytes_max));
  }
  std::size_t offset = 0;
  auto body = unpack_at(file_bytes, offset, where, "body");
  if (!body) return body.error();
  const std::size_t body_bytes = offset;
  auto tail = unpack_at(file_bytes, offset, where, "signature");
  if (!tail) return tail.error();
  if (offset != file_bytes.size()) return package_corrupt(where, fmt::format("{} bytes after the signature", file_bytes.size() - offset));
  const auto& b = body->get();
  const auto& sig = tail->get();
  if (b.type != msgpack::type::ARRAY || b.via.array.size != 4 || b.via.array.ptr[0].type != msgpack::type::STR ||
      view_of(b.via.array.ptr[0]) != package_tag) {
    return package_corrupt(where, "not a bucky package (made by bucky pkg pack)");
  }
  const auto& format = b.via.array.ptr[1];
  if (format.type != msgpack::type::POSITIVE_INTEGER || format.via.u64 != package_format) {
    return package_refused(where, fmt::format("package format {} is not format {} (made by a newer bucky?)",
                                      format.type == msgpack::type::POSITIVE_INTEGER ? std::to_string(format.via.u64) : "?", package_format));
  }
  if (b.via.array.ptr[2].type != msgpack::type::STR) return package_corrupt(where, "its manifest is not text");
  opened_package out;
  out.manifest_text = std::string(view_of(b.via.array.ptr[2]));
  auto manifest = parse_manifest(out.manifest_text, fmt::format("{}:app.json", where));
  if (!manifest) return manifest.error();
  out.manifest = std::move(*manifest);
  if (sig.type != msgpack::type::BIN) return package_corrupt(where, "its signature is not 64 bytes");
  const auto* signed_bytes = reinterpret_cast<const std::uint8_t*>(file_bytes.data());
  const auto* sig_bytes = reinterpret_cast<const std::uint8_t*>(sig.via.bin.ptr);
  if (!net::verify_in_domain(out.manifest.publisher, package_signing_domain, {signed_bytes, body_bytes}, {sig_bytes, sig.via.bin.size})) {
    return status(status_code::permission_denied,
                  fmt::format("{}: the signature does not verify against publisher {} (altered after packing, or signed by another key)",
                              where, out.manifest.publisher.to_text()));
  }
  auto entries = read_entries(b.via.array.ptr[3], where);
  if (!entries) return entries.error();
  out.entries = std::move(*entries);
  if (auto shape = check_tree_shape(out.entries, where); !shape.is_ok()) return shape;
  if (auto command = check_command_entry(out.manifest, out.entries, where); !command.is_ok()) return command;
  out.content_id = content_id_of(file_bytes);
  out.size_bytes = file_bytes.size();
  for (const auto& entry : out.entries) out.content_bytes += entry.content.size();
  return out;
}

std::string encode_package(std::string_view manifest_text, const std::vector<entry_to_pack>& entries,
                           const net::key_pair& signer) {
  msgpack::sbuffer body;
  msgpack::packer<msgpack::sbuffer> out(body);
  out.pack_array(4);
  out.pack(std::string_view(package_tag));
  out.pack(package_format);
  out.pack(manifest_text);
  out.pack_array(static_cast<std::uint32_t>(entries.size()));
  for (const auto& entry : entries) {
    out.pack_array(3);
    out.pack(entry.path);
    out.pack(static_cast<std::uint64_t>(entry.kind));
    out.pack_bin(static_cast<std::uint32_t>(entry.content.size()));
    out.pack_bin_body(entry.content.data(), static_cast<std::uint32_t>(entry.content.size()));
  }
  const auto* body_bytes = reinterpret_cast<const std::uint8_t*>(body.data());
  auto sig = net::sign_in_domain(signer, package_signing_domain, {body_bytes, body.size()});
  out.pack_bin(static_cast<std::uint32_t>(sig.size()));
  out.pack_bin_body(reinterpret_cast<const char*>(sig.data()), static_cast<std::uint32_t>(sig.size()));
  return std::string(body.data(), body.size());
}

result<std::string> pack_package(std::string_view manifest_text, std::vector<entry_to_pack> entries,
                                 const net::key_pair& publisher) {
  auto manifest = parse_manifest(manifest_text, "app.json");
  if (!manifest) return manifest.error();
  if (manifest->publisher != publisher.public_part()) {
    return status(status_code::invalid_argument,
                  fmt::format("app.json names publisher {} but the key is {}: put the key's public part in \"publisher\"",
                              manifest->publisher.to_text(), publisher.public_part().to_text()));
  }
  if (entries.size() > package_limits::entries_max) {
    return status(status_code::too_large, fmt::format("{} entries, over the limit of {}", entries.size(), package_limits::entries_max));
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string file = encode_package(manifest_text, entries, publisher);
  // What every reader will do: a package that does not open is never written.
  auto opened = open_package(file, "the package being packed");
  if (!opened) return opened.error();
  return file;
}

}  // namespace bucky::packages
