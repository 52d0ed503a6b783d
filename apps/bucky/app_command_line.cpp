#include "apps/bucky/app_command_line.hpp"

#include "apps/bucky/service_commands.hpp"

namespace bucky::cli {

namespace {

void add_pkg_commands(CLI::App& app, app_command_line& line) {
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

void add_repo_commands(CLI::App& app, app_command_line& line) {
  auto* repo = app.add_subcommand("repo", "sources of packages: build one, add, list or remove the zone's");
  repo->require_subcommand(1);
  line.repo_build = repo->add_subcommand("build", "write DIR/index.json listing DIR's packages, signed by --key");
  line.repo_build->add_option("dir", line.repo.dir, "the repo's directory (packages anywhere under it)")->required();
  line.repo_build->add_option("--key", line.repo.key, "the repo's key file (bucky key create)")->required();
  line.repo_build->add_option("--name", line.repo.name, "the repo's name in its index (default: the directory's)");
  line.repo_add = repo->add_subcommand("add", "let the zone install from the repo at URL, trusting only KEY's index");
  line.repo_add->add_option("name", line.repo.name, "a name for it (one DNS label)")->required();
  line.repo_add->add_option("url", line.repo.url, "http://, https:// or a directory holding index.json")->required();
  line.repo_add->add_option("--key", line.repo.key, "the public key the repo's index is signed with")->required();
  line.repo_add->add_flag("--no-check", line.repo.no_check, "add it without fetching its index now");
  line.repo_list = repo->add_subcommand("list", "the repos the zone installs from");
  line.repo_remove = repo->add_subcommand("remove", "stop using a repo (installed apps keep running)");
  line.repo_remove->add_option("name", line.repo.name, "the repo")->required();
}

void add_install_flags(CLI::App* command, app_command_line& line) {
  command->add_option("package", line.app.target, "a package file, or NAME[#VERSION] from the zone's repos")->required();
  command->add_option("--grant", line.app.grants, "grant one ask: all, network, service:NAME, /FOLDER or /FOLDER:read (repeat)");
  command->add_flag("--yes", line.app.no_prompt, "ask nothing: grant only what --grant names");
  command->add_option("--node", line.app.nodes, "run it only on this node (repeat; default any; upgrade keeps the last)");
  command->add_option("--wait-ms", line.app.wait_ms, "wait until it runs; print how long it took")->check(CLI::Range(0, 3'600'000));
}

void add_app_subcommands(CLI::App& app, app_command_line& line) {
  auto* apps = app.add_subcommand("app", "apps from signed packages, in a sandbox: install, upgrade, rollback, remove, list");
  apps->require_subcommand(1);
  line.app_search = apps->add_subcommand("search", "find apps in the zone's repos by name or description");
  line.app_search->add_option("word", line.repo.word, "a word of the name or description (\"\" lists all)")->required();
  line.app_install = apps->add_subcommand("install", "install an app: shows what it asks for, grants only what you allow");
  add_install_flags(line.app_install, line);
  line.app_upgrade = apps->add_subcommand("upgrade", "run another version of an installed app (its data stays)");
  add_install_flags(line.app_upgrade, line);
  line.app_rollback = apps->add_subcommand("rollback", "go back to the version before the last upgrade");
  line.app_rollback->add_option("name", line.app.target, "the app")->required();
  line.app_rollback->add_option("--wait-ms", line.app.wait_ms, "wait until it runs")->check(CLI::Range(0, 3'600'000));
  line.app_remove = apps->add_subcommand("remove", "stop and remove an app; its data stays unless --purge");
  line.app_remove->add_option("name", line.app.target, "the app")->required();
  line.app_remove->add_flag("--purge", line.app.purge, "delete its data folder too, and free its uid");
  line.app_list = apps->add_subcommand("list", "installed apps: version, the one before, uid, what was granted");
  line.app_status = apps->add_subcommand("status", "where each app runs: node, state, restarts, last exit");
  line.app_status->add_option("name", line.app.target, "only this app");
  line.app_public = apps->add_subcommand("public", "let anyone reach an app through the gateway without signing in "
                                                   "(--off: only signed-in people again)");
  line.app_public->add_option("name", line.app.target, "the app")->required();
  line.app_stop = apps->add_subcommand("stop", "stop an app everywhere (it stays installed, with its data and grants)");
  line.app_stop->add_option("name", line.app.target, "the app")->required();
  line.app_start = apps->add_subcommand("start", "run a stopped app again");
  line.app_start->add_option("name", line.app.target, "the app")->required();
  line.app_public->add_flag("--off", line.public_off, "make it private again");
}

}  // namespace

void add_app_commands(CLI::App& app, app_command_line& line) {
  add_pkg_commands(app, line);
  add_repo_commands(app, line);
  add_app_subcommands(app, line);
}

std::optional<int> run_app_command(app_command_line& line, const cli_options& options) {
  line.pkg.json_output = line.pkg.json_output || options.json_output;
  if (line.pkg_pack->parsed()) return pkg_pack(line.pkg);
  if (line.pkg_verify->parsed()) return pkg_verify(line.pkg);
  if (line.repo_build->parsed()) return repo_build(line.repo);
  if (line.repo_add->parsed()) return repo_add(options, line.repo);
  if (line.repo_list->parsed()) return repo_list(options);
  if (line.repo_remove->parsed()) return repo_remove(options, line.repo);
  if (line.app_search->parsed()) return app_search(options, line.repo);
  if (line.app_install->parsed()) return app_install(options, line.app);
  if (line.app_upgrade->parsed()) return app_upgrade(options, line.app);
  if (line.app_rollback->parsed()) return app_rollback(options, line.app);
  if (line.app_remove->parsed()) return app_remove(options, line.app);
  if (line.app_list->parsed()) return app_list(options, line.app);
  if (line.app_public->parsed()) return app_public(options, line.app, line.public_off);
  if (line.app_stop->parsed()) return app_run(options, line.app, false);
  if (line.app_start->parsed()) return app_run(options, line.app, true);
  if (line.app_status->parsed()) {
    service_options only;
    only.name = line.app.target;
    return service_status(options, only);
  }
  return std::nullopt;
}

}  // namespace bucky::cli
