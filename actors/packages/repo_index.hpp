// A repo's index (DESIGN §10.2): the list of packages a repo offers, signed by the
// repo's key, so a repo can be any static web server or directory and still be
// trusted only as far as its key. `bucky repo build` writes one; `bucky app
// search|install` read one and refuse it unless it verifies against the key the
// owner added the repo with.
//
//   index.json = {"index": {"format": 1, "repo": "main", "generated_unix_s": N,
//                           "packages": [{"name", "version", "description",
//                                         "publisher", "content_id", "size_bytes",
//                                         "path": "packages/notes-1.0.0.bpkg"}]},
//                 "signature": "<Ed25519 over the index's canonical JSON, base64url>"}
//
// An index is untrusted until verified and bounded in size and entries; a path is
// relative to the index and stays inside the repo. Every package fetched through it
// must still hash to its content id and open (package_file.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/common/status.hpp"
#include "net/keys.hpp"

namespace bucky::packages {

struct repo_index_limits {
  static constexpr std::size_t text_bytes_max = 4 * 1024 * 1024;
  static constexpr std::size_t packages_max = 10'000;
};

inline constexpr const char* repo_signing_domain = "bucky-repo-index-v1";
inline constexpr const char* repo_index_file = "index.json";

struct repo_package {
  std::string name;
  std::string version;
  std::string description;
  std::string publisher;
  std::string content_id;
  std::uint64_t size_bytes = 0;
  std::string path;  // relative to the index: "packages/notes-1.0.0.bpkg"
  bool operator==(const repo_package&) const = default;
};

struct repo_index {
  std::string repo;
  std::int64_t generated_unix_s = 0;
  std::vector<repo_package> packages;
};

std::string signed_repo_index(const repo_index& index, const net::key_pair& repo_key);

// `where` names it in errors ("repo main (http://…/index.json)").
result<repo_index> verify_repo_index(std::string_view text, const net::public_key& repo_key, std::string_view where);

// The entry for NAME (the newest release) or NAME#VERSION; not_found naming what
// the index has of it.
result<repo_package> find_package(const repo_index& index, std::string_view wanted, std::string_view where);

}  // namespace bucky::packages
