// bucky pkg pack|verify: packages made and checked on the developer's machine,
// without a zone (actors/packages/package_file.hpp says what a package is).
//   pack DIR --key KEY [--out FILE]  DIR/app.json and the files under DIR, signed by
//                                    KEY (the manifest's publisher); prints the content id
//   verify FILE                      opens it as every node will: hash, signature,
//                                    manifest, entries; prints what it is and asks for
// Each returns the exit code: 0, 1 a package that does not verify or a disk error,
// 2 bad usage or a bad manifest.
#pragma once

#include <string>

#include "actors/packages/package_file.hpp"
#include "messages/common/status.hpp"

namespace bucky::cli {

struct pkg_options {
  std::string dir;       // pack: the app's directory
  std::string key_path;  // pack: the publisher's key file (bucky key create)
  std::string out_path;  // pack: default ./<name>-<version>.bpkg
  std::string file;      // verify: the package
  bool json_output = false;
};

int pkg_pack(const pkg_options& options);
int pkg_verify(const pkg_options& options);

// A package file's bytes (at most package_limits::file_bytes_max).
result<std::string> read_package_file(const std::string& path);

// "folders /photos (read), /shared (write); network; services calendar" or "nothing".
std::string asks_text(const packages::app_permissions& asks);

}  // namespace bucky::cli
