// bucky repo build|add|list|remove and app search: repos are sources of packages
// (actors/packages/repo_index.hpp). A repo is a directory of packages with a
// signed index.json, served by any web server or read from a path; the zone keeps
// the repos the owner added at /repos/<name> (name, URL, key). Any of them can be
// replaced or removed: installed apps live in the zone repo and need none.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct repo_options {
  std::string name;
  std::string url;       // add
  std::string key;       // add: the repo's public key; build: its key file
  std::string dir;       // build
  std::string word;      // search
  bool no_check = false; // add: do not fetch the index now
};

int repo_build(const repo_options& repo);
int repo_add(const cli_options& options, const repo_options& repo);
int repo_list(const cli_options& options);
int repo_remove(const cli_options& options, const repo_options& repo);
int app_search(const cli_options& options, const repo_options& repo);
// The packages of the zone's repos whose name or description holds `word`, and the
// repos that could not be read: {packages: [{repo, name, version, description,
// content_id, size_bytes}], problems: [words], repos: count}.
result<nlohmann::json> repo_packages(admin_session& session, const cli_options& options, const std::string& word);

// NAME or NAME#VERSION from the repos the zone knows: the package's bytes, their
// SHA-256 checked against the signed index (the caller opens and verifies it).
result<std::string> fetch_from_repos(const cli_options& options, admin_session& session, const std::string& wanted);

}  // namespace bucky::cli
