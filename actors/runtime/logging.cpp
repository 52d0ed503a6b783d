#include "actors/runtime/logging.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace bucky::logging {

namespace {

struct shared_state {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%e %-5l [-] %n: %v";
  bool initialized = false;
};

shared_state& state() {
  static shared_state instance;
  return instance;
}

void ensure_default_sinks(shared_state& s) {
  if (s.initialized) return;
  s.initialized = true;
  s.sinks = {std::make_shared<spdlog::sinks::stderr_sink_mt>()};
  for (auto& sink : s.sinks) sink->set_pattern(s.pattern);
}

// The log names peers, keys and errors: only the node's user may read it (issue 18).
// Each file the sink opens (the first, and every one after a rotation) is created
// 0600 before spdlog opens it, and made 0600 if an older version left it 0644.
spdlog::file_event_handlers private_files() {
  spdlog::file_event_handlers handlers;
  handlers.before_open = [](const spdlog::filename_t& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  };
  handlers.after_open = [](const spdlog::filename_t&, std::FILE* file) { ::fchmod(::fileno(file), 0600); };
  return handlers;
}

void reconfigure_registered(shared_state& s) {
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks() = s.sinks;
    logger->set_level(s.level);
    logger->flush_on(spdlog::level::warn);
  });
}

}  // namespace

result<spdlog::level::level_enum> parse_level(const std::string& text) {
  static const char* names[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  for (int level = 0; level < 7; ++level) {
    if (text == names[level]) return static_cast<spdlog::level::level_enum>(level);
  }
  return status(status_code::invalid_argument,
                fmt::format("log level '{}' is not one of trace, debug, info, warn, error, "
                            "critical, off",
                            text));
}

status init(const log_config& config) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  std::vector<spdlog::sink_ptr> sinks;
  if (config.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!config.file_path.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          config.file_path, config.file_size_bytes_max, config.file_rotations_max, false, private_files()));
    } catch (const spdlog::spdlog_ex& e) {
      return status(status_code::io_error,
                    fmt::format("cannot open log file {}: {}", config.file_path, e.what()));
    }
  }
  s.pattern = fmt::format("%Y-%m-%dT%H:%M:%S.%e %-5l [{}] %n: %v", config.node_id);
  for (auto& sink : sinks) sink->set_pattern(s.pattern);
  s.sinks = std::move(sinks);
  s.level = config.level;
  s.initialized = true;
  reconfigure_registered(s);
  return {};
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (auto existing = spdlog::get(component)) return existing;
  ensure_default_sinks(s);
  auto logger = std::make_shared<spdlog::logger>(component, s.sinks.begin(), s.sinks.end());
  logger->set_level(s.level);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

void add_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  ensure_default_sinks(s);
  sink->set_pattern(s.pattern);
  s.sinks.push_back(std::move(sink));
  reconfigure_registered(s);
}

void flush() {
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
}

}  // namespace bucky::logging
