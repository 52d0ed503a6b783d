#include "apps/bucky/app_command_line.hpp"

namespace bucky::cli {

void add_app_commands(CLI::App& app, app_command_line& line) {
  auto* pkg = app.add_subcommand("pkg", "packages of apps: pack a directory, verify a package file");
  pkg->require_subcommand(1);
  line.pkg_pack = pkg->add_subcommand("pack", "pack DIR (with its app.json) into one signed package file");
  line.pkg_pack->add_option("dir", line.pkg.dir, "the app's directory, app.json at its top")->required();
  line.pkg_pack->add_option("--key", line.pkg.key_path, "the publisher's key file (its public part is app.json's publisher)");
  line.pkg_pack->add_option("--out", line.pkg.out_path, "the package file (default ./NAME-VERSION.bpkg)");
  line.pkg_pack->add_flag("--json", line.pkg.json_output, "machine-readable output");
  line.pkg_verify = pkg->add_subcommand("verify", "check a package's hash, signature and contents; print its content id");
  line.pkg_verify->add_option("file", line.pkg.file, "the package file")->required();
  line.pkg_verify->add_flag("--json", line.pkg.json_output, "machine-readable output");
}

std::optional<int> run_app_command(app_command_line& line, const cli_options& options) {
  line.pkg.json_output = line.pkg.json_output || options.json_output;
  if (line.pkg_pack->parsed()) return pkg_pack(line.pkg);
  if (line.pkg_verify->parsed()) return pkg_verify(line.pkg);
  return std::nullopt;
}

}  // namespace bucky::cli
