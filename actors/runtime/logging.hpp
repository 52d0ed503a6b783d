// Logging for every component: one spdlog logger per component, all sharing the
// same sinks (stderr, the node's log file, the in-memory tail). Each line carries
// time, level, node and component. info and above is product output (one line per
// meaningful event); debug is for developers.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "messages/common/status.hpp"

namespace bucky::logging {

struct log_config {
  std::string node_id = "-";
  spdlog::level::level_enum level = spdlog::level::info;
  std::string file_path;  // empty: no log file
  bool to_stderr = true;
  std::size_t file_size_bytes_max = 16 * 1024 * 1024;
  std::size_t file_rotations_max = 3;
};

// Parses "trace|debug|info|warn|error|critical|off".
result<spdlog::level::level_enum> parse_level(const std::string& text);

// Replaces the sinks of every component logger. Safe to call again (tests do).
status init(const log_config& config);

// The logger of one component ("node_daemon", "transport", ...). Created on first
// use with the current sinks and level.
std::shared_ptr<spdlog::logger> get(const std::string& component);

// Extra sink shared by all component loggers (the log tail of the inspector).
void add_sink(std::shared_ptr<spdlog::sinks::sink> sink);

// Flushes every sink (on shutdown, before the process exits).
void flush();

}  // namespace bucky::logging
