#include "actors/process_manager/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace bucky {

namespace {

namespace fs = std::filesystem;

// argv/envp as the child needs them: built before fork, since between fork and exec
// only async-signal-safe calls are allowed in a threaded process.
struct exec_image {
  std::vector<std::string> words;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;

  std::vector<stage_mount> stage;  // an app's: binds made in the child's mount namespace

  explicit exec_image(const child_launch& launch) : words(launch.spec.command) {
    if (launch.sandbox) {
      // Only root can stage (and needs to: it switches to the app's uid); a node run
      // by a user gives bwrap the paths that user reaches anyway.
      auto staged = ::geteuid() == 0 ? stage_sandbox(*launch.sandbox) : staged_sandbox{*launch.sandbox, {}};
      stage = std::move(staged.mounts);
      words = sandbox_command(launch.spec, staged.paths);
      env = sandbox_environment(launch.spec, launch.instance_id, launch.node_id);
    } else {
      env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + launch.work_dir, "LANG=C.UTF-8",
             "BUCKY_SERVICE=" + launch.spec.name, "BUCKY_INSTANCE=" + launch.instance_id,
             "BUCKY_NODE_ID=" + launch.node_id, "BUCKY_DATA_DIR=" + launch.work_dir};
      for (const auto& [name, value] : launch.spec.env) env.push_back(name + "=" + value);
    }
    for (auto& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    for (auto& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
  }
};

void set_limit(int resource, std::uint64_t value) {
  if (value == 0) return;
  rlimit limit{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  ::setrlimit(resource, &limit);
}

// The app's pieces bound under sandbox_stage_dir on a tmpfs over /run, in a mount
// namespace of this child's own (sandbox.hpp says why). Still root here.
template <class Fail>
void stage_app(const exec_image& image, Fail& fail) {
  if (image.stage.empty()) return;
  if (::unshare(CLONE_NEWNS) != 0) fail("unshare a mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("making mounts private");
  if (::mount("tmpfs", sandbox_stage_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=65536") != 0) fail("staging tmpfs");
  if (::mkdir(sandbox_stage_dir, 0755) != 0) fail("staging dir");
  for (const auto& piece : image.stage) {
    if (::mkdir(piece.staged.c_str(), 0755) != 0) fail("staging a piece");
    if (::mount(piece.host.c_str(), piece.staged.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) fail("binding a piece");
  }
}

// An app's own uid and gid, no supplementary groups, and a cap on its processes
// (RLIMIT_NPROC counts per uid: one per app). Raw syscalls: after fork there is one
// thread, and glibc's wrappers would try to reach the others. A node that is not
// root cannot switch: the app runs as the node's user (still in the sandbox).
template <class Fail>
void become_app_user(const child_launch& launch, Fail& fail) {
  set_limit(RLIMIT_NPROC, launch.procs_max);
  if (::geteuid() != 0) return;
  const auto id = static_cast<long>(launch.spec.sandbox.uid);
  if (::syscall(SYS_setgroups, 0, nullptr) != 0) fail("setgroups");
  if (::syscall(SYS_setresgid, id, id, id) != 0) fail("setresgid");
  if (::syscall(SYS_setresuid, id, id, id) != 0) fail("setresuid");
  // The uid change cleared it: set again, so the app still dies with the node.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("prctl");
}

// In the child: only async-signal-safe calls; any failure is written to `report`.
[[noreturn]] void become_service(const exec_image& image, const child_launch& launch, int log_fd, int report) {
  auto fail = [report](const char* step) {
    int error = errno;
    char message[64] = {};  // "<step>\0<errno>", one write
    auto length = std::min<std::size_t>(std::strlen(step), sizeof message - sizeof error - 1);
    std::memcpy(message, step, length);
    std::memcpy(message + length + 1, &error, sizeof error);
    (void)!::write(report, message, length + 1 + sizeof error);
    ::_exit(127);
  };
  // An app gets a session of its own: no terminal to push input into (TIOCSTI),
  // and still one process group the process manager signals whole.
  if (launch.sandbox ? ::setsid() < 0 : ::setpgid(0, 0) != 0) fail("setsid");
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("prctl");
  if (::getppid() == 1) ::_exit(1);  // the node died before the line above
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) fail("redirect");
  if (::chdir(launch.work_dir.c_str()) != 0) fail("chdir to the work dir");
  set_limit(RLIMIT_AS, launch.spec.limits.memory_bytes_max);
  set_limit(RLIMIT_CPU, launch.spec.limits.cpu_seconds_max);
  set_limit(RLIMIT_NOFILE, launch.spec.limits.open_files_max);
  if (launch.sandbox) {
    stage_app(image, fail);
    become_app_user(launch, fail);
  }
  // Every other descriptor closes (the report pipe is close-on-exec).
  for (int fd = 3; fd < 1024; ++fd) {
    if (fd != report) ::close(fd);
  }
  ::execve(image.argv[0], image.argv.data(), image.envp.data());
  fail("exec");
  ::_exit(127);  // fail() does not return; said again for the compiler
}

}  // namespace

result<pid_t> start_child(const child_launch& launch) {
  std::error_code error;
  fs::create_directories(launch.work_dir, error);
  if (error) return status(status_code::io_error, fmt::format("work dir {}: {}", launch.work_dir, error.message()));
  fs::create_directories(fs::path(launch.log_path).parent_path(), error);
  int log_fd = ::open(launch.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) return status(status_code::io_error, fmt::format("log {}: {}", launch.log_path, std::strerror(errno)));
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return status(status_code::io_error, fmt::format("pipe: {}", std::strerror(errno)));
  }
  exec_image image(launch);
  pid_t pid = ::fork();
  if (pid == 0) become_service(image, launch, log_fd, report[1]);
  ::close(log_fd);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return status(status_code::io_error, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (!launch.sandbox) ::setpgid(pid, pid);  // also from here, so signals reach the group at once
  char step[64] = {};
  int child_errno = 0;
  ssize_t got = ::read(report[0], step, sizeof step);  // 0: exec succeeded (pipe closed)
  if (got > 0) {
    auto length = ::strnlen(step, sizeof step);
    if (static_cast<std::size_t>(got) >= length + 1 + sizeof child_errno) std::memcpy(&child_errno, step + length + 1, sizeof child_errno);
  }
  ::close(report[0]);
  if (got > 0) {
    ::waitpid(pid, nullptr, 0);
    return status(status_code::invalid_argument, fmt::format("{} {}: {}", step, image.argv[0],
                                                             std::strerror(child_errno)));
  }
  return pid;
}

std::optional<child_exit> reap_child(pid_t pid) {
  // waitpid(0 or -1) would reap someone else's child: never ask for those.
  if (pid <= 0) return child_exit{false, "no process"};
  int wstatus = 0;
  pid_t done = ::waitpid(pid, &wstatus, WNOHANG);
  if (done == 0) return std::nullopt;
  if (done < 0) return child_exit{false, fmt::format("lost ({})", std::strerror(errno))};
  if (WIFEXITED(wstatus)) return child_exit{WEXITSTATUS(wstatus) == 0, fmt::format("exit {}", WEXITSTATUS(wstatus))};
  if (WIFSIGNALED(wstatus)) {
    return child_exit{false, fmt::format("signal {} ({})", WTERMSIG(wstatus), ::strsignal(WTERMSIG(wstatus)))};
  }
  return std::nullopt;
}

void signal_group(pid_t pid, int signal) {
  if (pid > 0 && ::kill(-pid, signal) != 0) ::kill(pid, signal);
}

namespace {

// The pids of the processes in process group `group` (from /proc).
std::vector<pid_t> group_members(pid_t group) {
  std::vector<pid_t> out;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_file(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat_file, line)) continue;
    const auto after_comm = line.rfind(')');
    if (after_comm == std::string::npos) continue;
    std::istringstream rest(line.substr(after_comm + 2));  // "S ppid pgrp ..."
    char state = 0;
    pid_t parent = 0, pgrp = 0;
    if (rest >> state >> parent >> pgrp && pgrp == group) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

}  // namespace

void signal_service(pid_t pid, int signal, bool sandboxed) {
  if (!sandboxed || signal == SIGKILL || pid <= 0) return signal_group(pid, signal);
  for (pid_t member : group_members(pid)) {
    if (member != pid) ::kill(member, signal);
  }
}

void rotate_log(const std::string& path, std::uint64_t size_bytes_max, int files_kept) {
  std::error_code error;
  auto size = fs::file_size(path, error);
  if (error || size <= size_bytes_max) return;
  for (int n = files_kept - 1; n >= 1; --n) {
    fs::rename(fmt::format("{}.{}", path, n), fmt::format("{}.{}", path, n + 1), error);
  }
  fs::copy_file(path, path + ".1", fs::copy_options::overwrite_existing, error);
  ::truncate(path.c_str(), 0);
}

}  // namespace bucky
