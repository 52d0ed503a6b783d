// The flags of bucky pkg, repo and app: registered on the CLI app here so main.cpp
// stays a list, and run here once parsed.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "apps/bucky/app_commands.hpp"
#include "apps/bucky/app_repo.hpp"
#include "apps/bucky/pkg_commands.hpp"
#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct app_command_line {
  pkg_options pkg;
  repo_options repo;
  app_options app;
  CLI::App* pkg_pack = nullptr;
  CLI::App* pkg_verify = nullptr;
  CLI::App* repo_build = nullptr;
  CLI::App* repo_add = nullptr;
  CLI::App* repo_list = nullptr;
  CLI::App* repo_remove = nullptr;
  CLI::App* app_search = nullptr;
  CLI::App* app_install = nullptr;
  CLI::App* app_upgrade = nullptr;
  CLI::App* app_rollback = nullptr;
  CLI::App* app_remove = nullptr;
  CLI::App* app_list = nullptr;
  CLI::App* app_status = nullptr;
  CLI::App* app_public = nullptr;
  CLI::App* app_stop = nullptr;
  CLI::App* app_start = nullptr;
  bool public_off = false;
};

void add_app_commands(CLI::App& app, app_command_line& line);

// The exit code of the command that was parsed, or nothing when it was another.
std::optional<int> run_app_command(app_command_line& line, const cli_options& options);

}  // namespace bucky::cli
