// A package: one file holding an app's directory, its manifest and its
// publisher's signature (DESIGN §10.2). `bucky pkg pack` writes one, every reader
// (`bucky pkg verify`, the zone repo, a node about to run it) opens it here, and a
// package is used only when opening it succeeded: whatever it came from.
//
//   file = body || signature
//   body = msgpack ["bucky-package", 1, app.json text, [[path, kind, bytes], ...]]
//   signature = msgpack bin of 64 bytes: Ed25519 by the manifest's publisher over
//               the body's exact bytes, in the domain "bucky-package-v1"
//
// Its content id is "sha256:" and the SHA-256 of the whole file: what a repo index
// names and what the zone state records at install. Packing sorts the entries and
// Ed25519 signatures are deterministic, so one directory and key give one id.
//
// The bytes are untrusted. Every count and size is bounded, paths are relative and
// normalized (no "..", no absolute path, no duplicate), entries are regular files
// (plain or executable) and directories only, and the manifest's command[0] must be
// an executable entry. Plain code: no I/O (package_tree.hpp reads and writes trees).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/packages/manifest.hpp"
#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::packages {

struct package_limits {
  static constexpr std::size_t file_bytes_max = 256 * 1024 * 1024;  // the whole package
  static constexpr std::size_t entries_max = 20'000;
  static constexpr std::size_t path_bytes_max = 1024;
  static constexpr std::size_t path_depth_max = 32;
  static constexpr std::size_t name_bytes_max = 255;  // one path component
};

inline constexpr const char* package_tag = "bucky-package";
inline constexpr std::int64_t package_format = 1;
inline constexpr const char* package_signing_domain = "bucky-package-v1";
inline constexpr const char* content_id_prefix = "sha256:";
inline constexpr const char* package_extension = ".bpkg";

enum class entry_kind : std::uint8_t { file = 0, executable = 1, directory = 2 };

struct package_entry {
  std::string path;  // relative, normalized: "bin/notes"
  entry_kind kind = entry_kind::file;
  std::string_view content;  // into the package bytes (empty for a directory)
};

// A package that opened: its signature and hash verified, its entries checked.
// Views point into the bytes given to open_package, which must outlive it.
struct opened_package {
  app_manifest manifest;
  std::string manifest_text;
  std::string content_id;  // "sha256:<64 hex>"
  std::vector<package_entry> entries;  // in file order (sorted by path)
  std::uint64_t size_bytes = 0;        // of the whole file
  std::uint64_t content_bytes = 0;     // of every entry's content
};

// What pack takes: a manifest text and the directory's entries (content owned).
struct entry_to_pack {
  std::string path;
  entry_kind kind = entry_kind::file;
  std::string content;
};

// The package's bytes. Checks what open_package checks (the manifest, the entries,
// that `publisher` is the manifest's publisher), so a packed file always opens.
result<std::string> pack_package(std::string_view manifest_text, std::vector<entry_to_pack> entries,
                                 const net::key_pair& publisher);

// The package's bytes for exactly these entries in this order, signed, with no
// check at all: pack_package is the checked way. Tests build bad packages with it.
std::string encode_package(std::string_view manifest_text, const std::vector<entry_to_pack>& entries,
                           const net::key_pair& signer);

// `where` names the package in errors ("notes-1.2.0.bpkg").
result<opened_package> open_package(std::string_view file_bytes, std::string_view where);

// "sha256:<hex>" of these bytes; and whether a text is such an id.
std::string content_id_of(std::string_view file_bytes);
status check_content_id(std::string_view text);

// ok for a relative path of normalized names ("bin/notes"); EINVAL-like refusals
// name the path and what is wrong with it.
status check_entry_path(std::string_view path);

}  // namespace bucky::packages
