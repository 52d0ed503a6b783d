// The flags of bucky pkg (and, as they come, repo and app): registered on the CLI
// app here so main.cpp stays a list, and run here once parsed.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "apps/bucky/pkg_commands.hpp"
#include "apps/bucky/session.hpp"

namespace bucky::cli {

struct app_command_line {
  pkg_options pkg;
  CLI::App* pkg_pack = nullptr;
  CLI::App* pkg_verify = nullptr;
};

void add_app_commands(CLI::App& app, app_command_line& line);

// The exit code of the command that was parsed, or nothing when it was another.
std::optional<int> run_app_command(app_command_line& line, const cli_options& options);

}  // namespace bucky::cli
