#include "actors/process_manager/app_setup.hpp"

#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "actors/packages/package_file.hpp"
#include "actors/packages/package_tree.hpp"

namespace bucky {

namespace {

namespace fs = std::filesystem;

status setup_failed(const service_spec& spec, status_code code, const std::string& what) {
  return status(code, fmt::format("app {}: {}", spec.name, what));
}

result<std::string> read_repo_copy(const service_spec& spec, const std::string& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) {
    return setup_failed(spec, status_code::not_found,
                        fmt::format("its package {} is not in the zone repo ({}): install it again", spec.sandbox.package_file, error.message()));
  }
  if (size > packages::package_limits::file_bytes_max) {
    return setup_failed(spec, status_code::too_large, fmt::format("its package {} is over the package limit", spec.sandbox.package_file));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return setup_failed(spec, status_code::unavailable, fmt::format("reading its package {} failed (the zone's files unreachable?)", spec.sandbox.package_file));
  }
  return bytes;
}

// The unpacked package, from the zone repo's copy when this node has none yet.
result<std::string> ensure_package(const service_spec& spec, const app_setup_config& config) {
  const std::string target = unpacked_package_dir(config.data_dir, spec.sandbox.package);
  std::error_code error;
  if (fs::exists(target + "/app.json", error)) return target;  // unpack renames a complete tree into place
  auto bytes = read_repo_copy(spec, config.mount_dir + spec.sandbox.package_file);
  if (!bytes) return bytes.error();
  if (packages::content_id_of(*bytes) != spec.sandbox.package) {
    return setup_failed(spec, status_code::corruption,
                        fmt::format("the zone repo's {} is not package {} (altered or replaced): not run; install it again",
                                    spec.sandbox.package_file, spec.sandbox.package));
  }
  auto opened = packages::open_package(*bytes, spec.sandbox.package_file);
  if (!opened) return setup_failed(spec, opened.error().code(), opened.error().message());
  if (opened->manifest.name != spec.name) {
    return setup_failed(spec, status_code::invalid_argument, fmt::format("its package is app {}, not {}", opened->manifest.name, spec.name));
  }
  fs::create_directories(fs::path(target).parent_path(), error);
  if (error) return setup_failed(spec, status_code::io_error, fmt::format("making {}: {}", fs::path(target).parent_path().string(), error.message()));
  if (auto unpacked = packages::unpack_package(*opened, target); !unpacked.is_ok()) {
    return setup_failed(spec, unpacked.code(), unpacked.message());
  }
  return target;
}

// A directory owned by the app: made when missing; an existing one must be its.
status owned_directory(const service_spec& spec, const std::string& path, mode_t mode) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return setup_failed(spec, status_code::io_error, fmt::format("{}: {}", path, std::strerror(errno)));
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
      return setup_failed(spec, status_code::io_error, fmt::format("making {}: {}", path, std::strerror(errno)));
    }
    if (::geteuid() == 0 && ::chown(path.c_str(), spec.sandbox.uid, spec.sandbox.uid) != 0) {
      return setup_failed(spec, status_code::io_error, fmt::format("giving {} to uid {}: {}", path, spec.sandbox.uid, std::strerror(errno)));
    }
    ::chmod(path.c_str(), mode);  // the umask may have taken bits
    return {};
  }
  if (!S_ISDIR(info.st_mode)) return setup_failed(spec, status_code::invalid_argument, path + " is not a directory");
  if (::geteuid() == 0 && info.st_uid != spec.sandbox.uid) {
    return setup_failed(spec, status_code::permission_denied,
                        fmt::format("{} belongs to uid {}, not the app's uid {}: not run (chown -R it to the app, or remove it)",
                                    path, info.st_uid, spec.sandbox.uid));
  }
  return {};
}

status fresh_runtime_dir(const service_spec& spec, const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error) return setup_failed(spec, status_code::io_error, fmt::format("making {}: {}", path, error.message()));
  return owned_directory(spec, path, 0700);
}

}  // namespace

std::string unpacked_package_dir(const std::string& data_dir, const std::string& content_id) {
  return fmt::format("{}/apps/packages/{}", data_dir, content_id.substr(std::string_view(packages::content_id_prefix).size()));
}

result<sandbox_paths> prepare_app(const service_spec& spec, const std::string& instance_id,
                                  const app_setup_config& config) {
  if (config.mount_dir.empty()) {
    return setup_failed(spec, status_code::unavailable,
                        "this node does not mount the zone's files (bucky-node --mount), where apps keep their data");
  }
  // FUSE's magic number: an unmounted mount point is an empty local directory, and
  // an app must never get a data folder there instead of in the zone.
  constexpr long fuse_super_magic = 0x65735546;
  struct statfs mounted {};
  if (::statfs(config.mount_dir.c_str(), &mounted) != 0 || mounted.f_type != fuse_super_magic) {
    return setup_failed(spec, status_code::unavailable,
                        fmt::format("the zone's files are not mounted at {} on this node (its log says why: \"zone fs\")", config.mount_dir));
  }
  sandbox_paths paths;
  paths.system_dirs = host_system_dirs();
  auto package = ensure_package(spec, config);
  if (!package) return package.error();
  paths.package_dir = *package;
  const std::string apps_root = config.mount_dir + app_data_root;
  std::error_code error;
  fs::create_directories(apps_root, error);
  if (error) return setup_failed(spec, status_code::unavailable, fmt::format("making {}: {}", apps_root, error.message()));
  paths.data_dir = apps_root + "/" + spec.name;
  if (auto data = owned_directory(spec, paths.data_dir, 0700); !data.is_ok()) return data;
  for (const auto& grant : spec.sandbox.folders) {
    const std::string host = config.mount_dir + grant.path;
    if (fs::is_directory(host, error)) {
      paths.folders[grant.path] = host;
    } else if (grant.writable) {
      fs::create_directories(fs::path(host).parent_path(), error);
      if (auto made = owned_directory(spec, host, 0755); !made.is_ok()) return made;
      paths.folders[grant.path] = host;
    }
  }
  std::string runtime_name = instance_id;
  std::replace(runtime_name.begin(), runtime_name.end(), '/', '-');
  paths.runtime_dir = fmt::format("{}/apps/run/{}", config.data_dir, runtime_name);
  if (auto runtime = fresh_runtime_dir(spec, paths.runtime_dir); !runtime.is_ok()) return runtime;
  return paths;
}

}  // namespace bucky
