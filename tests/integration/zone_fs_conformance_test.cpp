// POSIX behaviours of the zone's mount, as pjdfstest checks them, for the
// operations the mount supports: open/create, mkdir/rmdir, unlink, rename, link,
// truncate, chmod/chown, permissions (other users, the sticky bit), symlinks and
// times. Each check is a system call and the errno POSIX (Linux) gives for it;
// checks as another user run in a child process that dropped to that user.
// README "Conformance" lists these results and what the mount does not support.
#define BOOST_TEST_MODULE integration_zone_fs_conformance
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/mounted_zone.hpp"

using namespace bucky::testing;
using namespace std::chrono_literals;

namespace {

constexpr uid_t owner_uid = 65534;  // "nobody": owns the files the other user tries
constexpr uid_t other_uid = 65533;
constexpr gid_t users_gid = 65534;

// One node is enough here: these are the mount's semantics, not replication.
mounted_zone& zone() {
  static std::unique_ptr<mounted_zone> shared;
  if (!shared) {
    ::umask(022);
    shared = std::make_unique<mounted_zone>(std::vector<std::string>{"n1"});
    // The other users must reach the mount through the test's private directory.
    BOOST_TEST_REQUIRE(::chmod(shared->dir.path.c_str(), 0755) == 0);
  }
  return *shared;
}

// A fresh directory on the mount for one test case, open to every user.
std::string scratch(const std::string& name) {
  const std::string path = zone().mount("n1") + "/" + name;
  BOOST_TEST_REQUIRE(::mkdir(path.c_str(), 0777) == 0, path << ": " << std::strerror(errno));
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0777) == 0);
  return path;
}

// 0 when the call succeeded, else its errno.
int err(long rc) { return rc < 0 ? errno : 0; }

// Runs `call` as `uid` (group users_gid, no supplementary groups) in a child
// process; its errno (0 for success).
int as_user(uid_t uid, const std::function<int()>& call) {
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(users_gid, users_gid, users_gid) != 0 ||
        ::setresuid(uid, uid, uid) != 0) {
      ::_exit(255);
    }
    ::_exit(call() & 0xff);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST_REQUIRE(WEXITSTATUS(status) != 255, "could not become uid " << uid);
  return WEXITSTATUS(status);
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::lstat(path.c_str(), &st) == 0, path << ": " << std::strerror(errno));
  return st;
}

std::int64_t ns(const timespec& at) { return at.tv_sec * 1'000'000'000ll + at.tv_nsec; }

void make_file(const std::string& path, mode_t mode = 0644, const std::string& bytes = "") {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  BOOST_TEST_REQUIRE(fd >= 0, path << ": " << std::strerror(errno));
  BOOST_TEST_REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  BOOST_TEST_REQUIRE(::close(fd) == 0);
}

std::string read_all(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  BOOST_TEST_REQUIRE(fd >= 0, path << ": " << std::strerror(errno));
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// Times on the mount come from the node's wall clock: a step between the
// observations keeps "later" strictly later.
void tick() { std::this_thread::sleep_for(20ms); }

}  // namespace

BOOST_AUTO_TEST_CASE(opening_and_creating) {
  if (!fuse_usable()) return;
  const std::string d = scratch("open");
  BOOST_TEST(err(::open((d + "/missing").c_str(), O_RDONLY)) == ENOENT);
  make_file(d + "/f", 0777, "abc");
  BOOST_TEST((stat_of(d + "/f").st_mode & 07777) == 0755u);  // the umask applies
  BOOST_TEST(err(::open((d + "/f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644)) == EEXIST);
  BOOST_TEST(err(::open((d + "/f/x").c_str(), O_WRONLY | O_CREAT, 0644)) == ENOTDIR);
  BOOST_TEST(err(::open(d.c_str(), O_WRONLY)) == EISDIR);
  const std::string longest(255, 'n');
  make_file(d + "/" + longest);
  BOOST_TEST(err(::open((d + "/" + longest + "x").c_str(), O_WRONLY | O_CREAT, 0644)) == ENAMETOOLONG);
  // O_TRUNC empties the file and moves its mtime and ctime.
  const auto before = stat_of(d + "/f");
  tick();
  const int fd = ::open((d + "/f").c_str(), O_WRONLY | O_TRUNC);
  BOOST_TEST_REQUIRE(fd >= 0);
  ::close(fd);
  const auto after = stat_of(d + "/f");
  BOOST_TEST(after.st_size == 0);
  BOOST_TEST(ns(after.st_mtim) > ns(before.st_mtim));
  BOOST_TEST(ns(after.st_ctim) > ns(before.st_ctim));
  // A new file belongs to its creator.
  BOOST_TEST(as_user(owner_uid, [&] { return err(::creat((d + "/mine").c_str(), 0600)); }) == 0);
  BOOST_TEST(stat_of(d + "/mine").st_uid == owner_uid);
  BOOST_TEST(stat_of(d + "/mine").st_gid == users_gid);
  // Creating a name updates the directory's mtime.
  const auto dir_before = stat_of(d);
  tick();
  make_file(d + "/g");
  BOOST_TEST(ns(stat_of(d).st_mtim) > ns(dir_before.st_mtim));
}

BOOST_AUTO_TEST_CASE(making_and_removing_directories) {
  if (!fuse_usable()) return;
  const std::string d = scratch("dirs");
  const auto links_before = stat_of(d).st_nlink;
  BOOST_TEST(err(::mkdir((d + "/a").c_str(), 0700)) == 0);
  BOOST_TEST((stat_of(d + "/a").st_mode & 07777) == 0700u);
  BOOST_TEST(S_ISDIR(stat_of(d + "/a").st_mode));
  BOOST_TEST(stat_of(d + "/a").st_nlink == 2u);
  BOOST_TEST(stat_of(d).st_nlink == links_before + 1);  // a's ".."
  BOOST_TEST(err(::mkdir((d + "/a").c_str(), 0755)) == EEXIST);
  BOOST_TEST(err(::mkdir((d + "/none/b").c_str(), 0755)) == ENOENT);
  make_file(d + "/file");
  BOOST_TEST(err(::mkdir((d + "/file/b").c_str(), 0755)) == ENOTDIR);
  BOOST_TEST(err(::mkdir((d + "/file").c_str(), 0755)) == EEXIST);
  BOOST_TEST(err(::mkdir((d + "/a/b").c_str(), 0755)) == 0);
  BOOST_TEST(err(::rmdir((d + "/a").c_str())) == ENOTEMPTY);
  BOOST_TEST(err(::rmdir((d + "/file").c_str())) == ENOTDIR);
  BOOST_TEST(err(::rmdir((d + "/none").c_str())) == ENOENT);
  const auto dir_before = stat_of(d + "/a");
  tick();
  BOOST_TEST(err(::rmdir((d + "/a/b").c_str())) == 0);
  const auto dir_after = stat_of(d + "/a");
  BOOST_TEST(dir_after.st_nlink == 2u);
  BOOST_TEST(ns(dir_after.st_mtim) > ns(dir_before.st_mtim));
  BOOST_TEST(ns(dir_after.st_ctim) > ns(dir_before.st_ctim));
  BOOST_TEST(err(::rmdir((d + "/a").c_str())) == 0);
  BOOST_TEST(stat_of(d).st_nlink == links_before);
}

BOOST_AUTO_TEST_CASE(unlinking) {
  if (!fuse_usable()) return;
  const std::string d = scratch("unlink");
  BOOST_TEST(::mkdir((d + "/dir").c_str(), 0755) == 0);
  BOOST_TEST(err(::unlink((d + "/dir").c_str())) == EISDIR);
  BOOST_TEST(err(::unlink((d + "/none").c_str())) == ENOENT);
  make_file(d + "/f", 0644, "still here");
  // An open file that loses its name still reads (the data goes with the last close).
  const int fd = ::open((d + "/f").c_str(), O_RDONLY);
  BOOST_TEST_REQUIRE(fd >= 0);
  const auto dir_before = stat_of(d);
  tick();
  BOOST_TEST(err(::unlink((d + "/f").c_str())) == 0);
  BOOST_TEST(err(::access((d + "/f").c_str(), F_OK)) == ENOENT);
  char buffer[32] = {};
  BOOST_TEST(::pread(fd, buffer, sizeof buffer, 0) == 10);
  BOOST_TEST(std::string(buffer) == "still here");
  ::close(fd);
  BOOST_TEST(ns(stat_of(d).st_mtim) > ns(dir_before.st_mtim));
}

BOOST_AUTO_TEST_CASE(renaming) {
  if (!fuse_usable()) return;
  const std::string d = scratch("rename");
  BOOST_TEST(::mkdir((d + "/x").c_str(), 0755) == 0);
  make_file(d + "/f", 0644, "one");
  const auto moved = stat_of(d + "/f");
  tick();
  BOOST_TEST(err(::rename((d + "/f").c_str(), (d + "/x/g").c_str())) == 0);
  BOOST_TEST(err(::access((d + "/f").c_str(), F_OK)) == ENOENT);
  BOOST_TEST(stat_of(d + "/x/g").st_ino == moved.st_ino);
  BOOST_TEST(ns(stat_of(d + "/x/g").st_ctim) > ns(moved.st_ctim));
  // Over an existing file: replaced in one step.
  make_file(d + "/h", 0644, "two");
  BOOST_TEST(err(::rename((d + "/h").c_str(), (d + "/x/g").c_str())) == 0);
  BOOST_TEST(read_all(d + "/x/g") == "two");
  // Kinds must match; a directory replaces only an empty one.
  BOOST_TEST(::mkdir((d + "/e").c_str(), 0755) == 0);
  BOOST_TEST(::mkdir((d + "/full").c_str(), 0755) == 0);
  make_file(d + "/full/in");
  make_file(d + "/file");
  BOOST_TEST(err(::rename((d + "/file").c_str(), (d + "/e").c_str())) == EISDIR);
  BOOST_TEST(err(::rename((d + "/e").c_str(), (d + "/file").c_str())) == ENOTDIR);
  BOOST_TEST(err(::rename((d + "/e").c_str(), (d + "/full").c_str())) == ENOTEMPTY);
  BOOST_TEST(err(::rename((d + "/x").c_str(), (d + "/e").c_str())) == 0);
  BOOST_TEST(read_all(d + "/e/g") == "two");
  // Not into itself; a missing source; a name onto itself changes nothing.
  BOOST_TEST(::mkdir((d + "/e/sub").c_str(), 0755) == 0);
  BOOST_TEST(err(::rename((d + "/e").c_str(), (d + "/e/sub/e").c_str())) == EINVAL);
  BOOST_TEST(err(::rename((d + "/none").c_str(), (d + "/n2").c_str())) == ENOENT);
  BOOST_TEST(err(::rename((d + "/file").c_str(), (d + "/file").c_str())) == 0);
  BOOST_TEST(err(::access((d + "/file").c_str(), F_OK)) == 0);
  // Two names of one inode: POSIX says rename does nothing, both stay.
  BOOST_TEST(::link((d + "/file").c_str(), (d + "/file2").c_str()) == 0);
  BOOST_TEST(err(::rename((d + "/file").c_str(), (d + "/file2").c_str())) == 0);
  BOOST_TEST(err(::access((d + "/file").c_str(), F_OK)) == 0);
  BOOST_TEST(err(::access((d + "/file2").c_str(), F_OK)) == 0);
  // A directory moved to another parent moves its ".." link.
  const auto links_d = stat_of(d).st_nlink;
  const auto links_full = stat_of(d + "/full").st_nlink;
  BOOST_TEST(err(::rename((d + "/e/sub").c_str(), (d + "/full/sub").c_str())) == 0);
  BOOST_TEST(stat_of(d).st_nlink == links_d);
  BOOST_TEST(stat_of(d + "/full").st_nlink == links_full + 1);
}

BOOST_AUTO_TEST_CASE(hard_links) {
  if (!fuse_usable()) return;
  const std::string d = scratch("link");
  make_file(d + "/a", 0644, "shared");
  const auto before = stat_of(d + "/a");
  tick();
  BOOST_TEST(err(::link((d + "/a").c_str(), (d + "/b").c_str())) == 0);
  BOOST_TEST(stat_of(d + "/a").st_nlink == 2u);
  BOOST_TEST(stat_of(d + "/b").st_ino == before.st_ino);
  BOOST_TEST(ns(stat_of(d + "/a").st_ctim) > ns(before.st_ctim));
  BOOST_TEST(err(::link((d + "/a").c_str(), (d + "/b").c_str())) == EEXIST);
  BOOST_TEST(err(::link((d + "/none").c_str(), (d + "/c").c_str())) == ENOENT);
  BOOST_TEST(::mkdir((d + "/dir").c_str(), 0755) == 0);
  BOOST_TEST(err(::link((d + "/dir").c_str(), (d + "/dir2").c_str())) == EPERM);
  // A write through one name is read through the other; one unlink keeps the data.
  const int fd = ::open((d + "/b").c_str(), O_WRONLY | O_APPEND);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(::write(fd, "!", 1) == 1);
  ::close(fd);
  BOOST_TEST(read_all(d + "/a") == "shared!");
  BOOST_TEST(::unlink((d + "/a").c_str()) == 0);
  BOOST_TEST(stat_of(d + "/b").st_nlink == 1u);
  BOOST_TEST(read_all(d + "/b") == "shared!");
}

BOOST_AUTO_TEST_CASE(truncating) {
  if (!fuse_usable()) return;
  const std::string d = scratch("truncate");
  make_file(d + "/f", 0644, "abcdef");
  const auto before = stat_of(d + "/f");
  tick();
  BOOST_TEST(err(::truncate((d + "/f").c_str(), 3)) == 0);
  BOOST_TEST(read_all(d + "/f") == "abc");
  const auto after = stat_of(d + "/f");
  BOOST_TEST(ns(after.st_mtim) > ns(before.st_mtim));
  BOOST_TEST(ns(after.st_ctim) > ns(before.st_ctim));
  BOOST_TEST(err(::truncate((d + "/f").c_str(), 5)) == 0);
  BOOST_TEST((read_all(d + "/f") == std::string("abc\0\0", 5)));
  BOOST_TEST(err(::truncate((d + "/f").c_str(), 3ll << 30)) == 0);  // sparse: no bytes stored
  BOOST_TEST(stat_of(d + "/f").st_size == 3ll << 30);
  BOOST_TEST(err(::truncate(d.c_str(), 0)) == EISDIR);
  BOOST_TEST(err(::truncate((d + "/f").c_str(), -1)) == EINVAL);
  BOOST_TEST(err(::truncate((d + "/none").c_str(), 0)) == ENOENT);
  const int fd = ::open((d + "/f").c_str(), O_RDWR);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(err(::ftruncate(fd, 2)) == 0);
  ::close(fd);
  BOOST_TEST(read_all(d + "/f") == "ab");
  // Without write permission: EACCES.
  BOOST_TEST(::chmod((d + "/f").c_str(), 0444) == 0);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::truncate((d + "/f").c_str(), 0)); }) == EACCES);
}

BOOST_AUTO_TEST_CASE(modes_and_owners) {
  if (!fuse_usable()) return;
  const std::string d = scratch("owners");
  make_file(d + "/f", 0644);
  BOOST_TEST(::chown((d + "/f").c_str(), owner_uid, users_gid) == 0);
  BOOST_TEST(stat_of(d + "/f").st_uid == owner_uid);
  const auto before = stat_of(d + "/f");
  tick();
  BOOST_TEST(as_user(owner_uid, [&] { return err(::chmod((d + "/f").c_str(), 0600)); }) == 0);
  BOOST_TEST((stat_of(d + "/f").st_mode & 07777) == 0600u);
  BOOST_TEST(ns(stat_of(d + "/f").st_ctim) > ns(before.st_ctim));
  BOOST_TEST(as_user(other_uid, [&] { return err(::chmod((d + "/f").c_str(), 0666)); }) == EPERM);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::chown((d + "/f").c_str(), other_uid, -1)); }) == EPERM);
  BOOST_TEST(as_user(other_uid, [&] { return err(::chown((d + "/f").c_str(), other_uid, -1)); }) == EPERM);
  // The set-user-id bit goes when the owner changes.
  BOOST_TEST(::chmod((d + "/f").c_str(), 04755) == 0);
  BOOST_TEST(::chown((d + "/f").c_str(), other_uid, users_gid) == 0);
  BOOST_TEST((stat_of(d + "/f").st_mode & 04000) == 0u);
  BOOST_TEST(err(::chmod((d + "/none").c_str(), 0644)) == ENOENT);
  // A write by someone else takes the set-user-id bit away.
  make_file(d + "/tool");
  BOOST_TEST(::chown((d + "/tool").c_str(), owner_uid, users_gid) == 0);
  BOOST_TEST(::chmod((d + "/tool").c_str(), 04777) == 0);
  BOOST_TEST(as_user(other_uid, [&] {
               const int fd = ::open((d + "/tool").c_str(), O_WRONLY);
               if (fd < 0) return errno;
               const int written = err(::write(fd, "x", 1));
               ::close(fd);
               return written;
             }) == 0);
  BOOST_TEST((stat_of(d + "/tool").st_mode & 04000) == 0u);
  // The set-group-id bit for a group the owner is not in is dropped.
  BOOST_TEST(::chown((d + "/tool").c_str(), owner_uid, 0) == 0);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::chmod((d + "/tool").c_str(), 02755)); }) == 0);
  BOOST_TEST((stat_of(d + "/tool").st_mode & 07777) == 0755u);
}

// In a set-group-id directory new names take its group, new directories the bit.
BOOST_AUTO_TEST_CASE(set_group_id_directories) {
  if (!fuse_usable()) return;
  const std::string d = scratch("setgid");
  BOOST_TEST(::chown(d.c_str(), 0, 4242) == 0);
  BOOST_TEST(::chmod(d.c_str(), 02777) == 0);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::creat((d + "/f").c_str(), 0644)); }) == 0);
  BOOST_TEST(stat_of(d + "/f").st_gid == 4242u);
  BOOST_TEST(stat_of(d + "/f").st_uid == owner_uid);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::mkdir((d + "/sub").c_str(), 0755)); }) == 0);
  BOOST_TEST(stat_of(d + "/sub").st_gid == 4242u);
  BOOST_TEST((stat_of(d + "/sub").st_mode & 02000) != 0u);
  BOOST_TEST(::chmod(d.c_str(), 0777) == 0);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::creat((d + "/g").c_str(), 0644)); }) == 0);
  BOOST_TEST(stat_of(d + "/g").st_gid == users_gid);
}

BOOST_AUTO_TEST_CASE(permissions_of_other_users) {
  if (!fuse_usable()) return;
  const std::string d = scratch("perms");
  make_file(d + "/private", 0600, "secret");
  make_file(d + "/public", 0644, "open");
  BOOST_TEST(::mkdir((d + "/closed").c_str(), 0700) == 0);
  make_file(d + "/closed/in", 0644);
  BOOST_TEST(::mkdir((d + "/mine").c_str(), 0755) == 0);
  for (const auto& name : {"/private", "/public", "/closed", "/closed/in", "/mine"}) {
    BOOST_TEST(::chown((d + name).c_str(), owner_uid, users_gid) == 0);
  }
  BOOST_TEST(as_user(other_uid, [&] { return err(::open((d + "/private").c_str(), O_RDONLY)); }) == EACCES);
  BOOST_TEST(as_user(other_uid, [&] { return err(::open((d + "/public").c_str(), O_RDONLY)); }) == 0);
  BOOST_TEST(as_user(other_uid, [&] { return err(::open((d + "/public").c_str(), O_WRONLY)); }) == EACCES);
  BOOST_TEST(as_user(other_uid, [&] { return err(::open((d + "/closed/in").c_str(), O_RDONLY)); }) == EACCES);
  BOOST_TEST(as_user(other_uid, [&] { return err(::creat((d + "/mine/x").c_str(), 0644)); }) == EACCES);
  BOOST_TEST(as_user(other_uid, [&] { return err(::unlink((d + "/public").c_str())); }) == 0);  // d is 0777
  BOOST_TEST(as_user(owner_uid, [&] { return err(::open((d + "/private").c_str(), O_RDWR)); }) == 0);
  BOOST_TEST(read_all(d + "/private") == "secret");  // root reads whatever the mode
  // The sticky bit: in a 1777 directory only a name's owner removes or renames it.
  const std::string shared = d + "/tmp";
  BOOST_TEST(::mkdir(shared.c_str(), 01777) == 0);
  BOOST_TEST(::chmod(shared.c_str(), 01777) == 0);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::creat((shared + "/theirs").c_str(), 0666)); }) == 0);
  BOOST_TEST(as_user(other_uid, [&] { return err(::unlink((shared + "/theirs").c_str())); }) == EPERM);
  BOOST_TEST(as_user(other_uid, [&] { return err(::rename((shared + "/theirs").c_str(), (shared + "/x").c_str())); }) ==
             EPERM);
  BOOST_TEST(as_user(owner_uid, [&] { return err(::unlink((shared + "/theirs").c_str())); }) == 0);
}

BOOST_AUTO_TEST_CASE(symlinks) {
  if (!fuse_usable()) return;
  const std::string d = scratch("symlinks");
  make_file(d + "/target", 0644, "via link");
  BOOST_TEST(err(::symlink("target", (d + "/l").c_str())) == 0);
  BOOST_TEST(S_ISLNK(stat_of(d + "/l").st_mode));
  char buffer[2048] = {};
  BOOST_TEST(::readlink((d + "/l").c_str(), buffer, sizeof buffer) == 6);
  BOOST_TEST(std::string(buffer) == "target");
  BOOST_TEST(read_all(d + "/l") == "via link");
  BOOST_TEST(err(::symlink("x", (d + "/l").c_str())) == EEXIST);
  BOOST_TEST(err(::symlink("nowhere", (d + "/dangling").c_str())) == 0);
  BOOST_TEST(err(::open((d + "/dangling").c_str(), O_RDONLY)) == ENOENT);
  const std::string long_target(1023, 't');
  BOOST_TEST(err(::symlink(long_target.c_str(), (d + "/long").c_str())) == 0);
  BOOST_TEST(::readlink((d + "/long").c_str(), buffer, sizeof buffer) == 1023);
  BOOST_TEST(err(::unlink((d + "/l").c_str())) == 0);
  BOOST_TEST(read_all(d + "/target") == "via link");
}

BOOST_AUTO_TEST_CASE(times) {
  if (!fuse_usable()) return;
  const std::string d = scratch("times");
  make_file(d + "/f");
  BOOST_TEST(::chown((d + "/f").c_str(), owner_uid, users_gid) == 0);
  BOOST_TEST(::chmod((d + "/f").c_str(), 0666) == 0);  // past the umask: others may write
  const timespec set[2] = {{1'000'000'000, 123'000'000}, {1'500'000'000, 456'000'000}};
  BOOST_TEST(err(::utimensat(AT_FDCWD, (d + "/f").c_str(), set, 0)) == 0);
  BOOST_TEST(ns(stat_of(d + "/f").st_atim) == 1'000'000'000'123'000'000ll);
  BOOST_TEST(ns(stat_of(d + "/f").st_mtim) == 1'500'000'000'456'000'000ll);
  // Only the owner (or root) sets explicit times; anyone who may write sets "now".
  BOOST_TEST(as_user(other_uid, [&] { return err(::utimensat(AT_FDCWD, (d + "/f").c_str(), set, 0)); }) == EPERM);
  BOOST_TEST(as_user(other_uid, [&] { return err(::utimensat(AT_FDCWD, (d + "/f").c_str(), nullptr, 0)); }) == 0);
  BOOST_TEST(ns(stat_of(d + "/f").st_mtim) > 1'500'000'000'456'000'000ll);
  BOOST_TEST(::chmod((d + "/f").c_str(), 0644) == 0);
  BOOST_TEST(as_user(other_uid, [&] { return err(::utimensat(AT_FDCWD, (d + "/f").c_str(), nullptr, 0)); }) == EACCES);
  // A write moves mtime and ctime.
  const auto before = stat_of(d + "/f");
  tick();
  const int fd = ::open((d + "/f").c_str(), O_WRONLY);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(::write(fd, "x", 1) == 1);
  ::close(fd);
  BOOST_TEST(ns(stat_of(d + "/f").st_mtim) > ns(before.st_mtim));
  BOOST_TEST(ns(stat_of(d + "/f").st_ctim) > ns(before.st_ctim));
}
