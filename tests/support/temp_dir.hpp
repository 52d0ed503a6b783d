// A fresh directory under the system temp dir, removed with everything in it when
// the test is done. Tests never write anywhere else.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace bucky::testing {

struct temp_dir {
  std::filesystem::path path;

  explicit temp_dir(const std::string& prefix = "bucky-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    path = mkdtemp(pattern.data());
  }
  // BUCKY_TEST_KEEP=1 keeps the directory (node logs, data dirs) to look at.
  ~temp_dir() {
    if (const char* keep = std::getenv("BUCKY_TEST_KEEP"); keep && *keep && std::string(keep) != "0") {
      std::fprintf(stderr, "kept %s (BUCKY_TEST_KEEP)\n", path.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

// A whole file as text ("" when it cannot be read): what a test checks a file holds.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace bucky::testing
