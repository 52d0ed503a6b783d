// The node's log file holds peer addresses, key names and errors: only its user may
// read it (issue 18). Every file the log sink writes, rotated ones included, and a
// log file left 0644 by an older version, ends up 0600 whatever the umask.
#define BOOST_TEST_MODULE runtime_logging
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "actors/runtime/logging.hpp"
#include "tests/support/temp_dir.hpp"

using namespace bucky;

namespace {

unsigned permissions_of(const std::filesystem::path& path) {
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

// The usual umask of a shell: files would be 0644 unless the code says otherwise.
struct usual_umask {
  mode_t previous = ::umask(022);
  ~usual_umask() { ::umask(previous); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(log_files_are_created_readable_by_their_owner_only) {
  usual_umask umask;
  testing::temp_dir dir;
  logging::log_config config;
  config.to_stderr = false;
  config.file_path = (dir.path / "bucky-node.log").string();
  config.file_size_bytes_max = 4 * 1024;  // small: the test also rotates
  config.file_rotations_max = 2;
  BOOST_TEST_REQUIRE(logging::init(config).is_ok());
  auto log = logging::get("logging_test");
  for (int i = 0; i < 200; ++i) log->info("line {} from 192.0.2.7:7101, node nas", i);
  logging::flush();
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    ++files;
    BOOST_TEST(permissions_of(entry.path()) == 0600u, entry.path().string());
  }
  BOOST_TEST(files >= 2u);  // the log rotated at least once
  logging::init({});        // back to stderr: the files can go
}

BOOST_AUTO_TEST_CASE(a_log_file_left_world_readable_is_made_private) {
  usual_umask umask;
  testing::temp_dir dir;
  auto path = dir.path / "bucky-node.log";
  std::ofstream(path) << "an older version's line\n";
  BOOST_TEST_REQUIRE(permissions_of(path) == 0644u);
  logging::log_config config;
  config.to_stderr = false;
  config.file_path = path.string();
  BOOST_TEST_REQUIRE(logging::init(config).is_ok());
  BOOST_TEST(permissions_of(path) == 0600u);
  logging::init({});
}
