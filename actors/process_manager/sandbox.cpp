#include "actors/process_manager/sandbox.hpp"

#include <filesystem>
#include <system_error>

namespace bucky {

namespace {

namespace fs = std::filesystem;

// Files of /etc every program may want: the loader's cache and the time zone.
constexpr const char* etc_always[] = {"/etc/ld.so.cache", "/etc/localtime"};
// And with the network: name resolution and the CA certificates for TLS.
constexpr const char* etc_network[] = {"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl",
                                       "/etc/ca-certificates"};
// /tmp is a tmpfs of this size: it counts against the machine's memory.
constexpr const char* tmp_size_bytes = "67108864";

void add_words(std::vector<std::string>& argv, std::initializer_list<std::string> words) {
  argv.insert(argv.end(), words.begin(), words.end());
}

}  // namespace

staged_sandbox stage_sandbox(const sandbox_paths& host) {
  staged_sandbox out;
  out.paths = host;
  auto stage = [&](const std::string& from, const std::string& name) {
    std::string staged = std::string(sandbox_stage_dir) + "/" + name;
    out.mounts.push_back({from, staged});
    return staged;
  };
  out.paths.package_dir = stage(host.package_dir, "app");
  out.paths.data_dir = stage(host.data_dir, "data");
  out.paths.runtime_dir = stage(host.runtime_dir, "run");
  std::size_t index = 0;
  for (auto& [zone_path, host_path] : out.paths.folders) host_path = stage(host_path, "folder-" + std::to_string(index++));
  return out;
}

std::map<std::string, std::string> host_system_dirs() {
  std::map<std::string, std::string> out;
  for (const char* dir : {"/bin", "/lib", "/lib32", "/lib64", "/sbin"}) {
    std::error_code error;
    const auto status = fs::symlink_status(dir, error);
    if (error || !fs::exists(status)) continue;
    if (fs::is_symlink(status)) {
      out[dir] = fs::read_symlink(dir, error).string();
    } else if (fs::is_directory(status)) {
      out[dir] = "";
    }
  }
  return out;
}

std::vector<std::string> sandbox_command(const service_spec& spec, const sandbox_paths& paths) {
  const app_sandbox& box = spec.sandbox;
  std::vector<std::string> argv{paths.bwrap, "--die-with-parent", "--unshare-all", "--unshare-user", "--disable-userns"};
  if (box.network) argv.push_back("--share-net");
  add_words(argv, {"--hostname", spec.name, "--cap-drop", "ALL"});
  add_words(argv, {"--ro-bind", "/usr", "/usr"});
  for (const auto& [dir, target] : paths.system_dirs) {
    if (target.empty()) add_words(argv, {"--ro-bind", dir, dir});
    else add_words(argv, {"--symlink", target, dir});
  }
  for (const char* file : etc_always) add_words(argv, {"--ro-bind-try", file, file});
  if (box.network) {
    for (const char* file : etc_network) add_words(argv, {"--ro-bind-try", file, file});
  }
  add_words(argv, {"--proc", "/proc", "--dev", "/dev", "--size", tmp_size_bytes, "--tmpfs", "/tmp"});
  add_words(argv, {"--ro-bind", paths.package_dir, sandbox_app_dir});
  add_words(argv, {"--bind", paths.data_dir, sandbox_data_dir});
  for (const auto& grant : box.folders) {
    auto host = paths.folders.find(grant.path);
    if (host == paths.folders.end()) continue;  // the process manager found no such folder
    add_words(argv, {grant.writable ? "--bind" : "--ro-bind", host->second, std::string(sandbox_zone_dir) + grant.path});
  }
  add_words(argv, {"--ro-bind", paths.runtime_dir, sandbox_runtime_dir});
  // bwrap's root is a tmpfs the app could write; everything is mounted on it now.
  add_words(argv, {"--remount-ro", "/", "--chdir", sandbox_data_dir, "--"});
  argv.insert(argv.end(), spec.command.begin(), spec.command.end());
  return argv;
}

std::vector<std::string> sandbox_environment(const service_spec& spec, const std::string& instance_id,
                                             const std::string& node_id) {
  std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin",
                               std::string("HOME=") + sandbox_data_dir,
                               "LANG=C.UTF-8",
                               "TMPDIR=/tmp",
                               "BUCKY_APP=" + spec.name,
                               "BUCKY_SERVICE=" + spec.name,
                               "BUCKY_INSTANCE=" + instance_id,
                               "BUCKY_NODE_ID=" + node_id,
                               std::string("BUCKY_DATA_DIR=") + sandbox_data_dir,
                               std::string("BUCKY_KRPC=") + sandbox_runtime_dir + "/krpc.sock"};
  for (const auto& [name, value] : spec.env) env.push_back(name + "=" + value);
  return env;
}

}  // namespace bucky
