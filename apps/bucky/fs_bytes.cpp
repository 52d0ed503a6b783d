// Whole files to and from the zone as bytes (fs_client.hpp), 1 MiB per request.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "apps/bucky/fs_client.hpp"

namespace bucky::cli {

namespace {

status refused(const std::string& op, const std::string& path, const fs_reply& reply) {
  const auto code = reply.error == ENOENT ? status_code::not_found
                    : reply.error == EACCES || reply.error == EPERM ? status_code::permission_denied
                    : reply.error == ENOSPC || reply.error == EDQUOT ? status_code::no_space
                                                                      : status_code::io_error;
  return status(code, fmt::format("{} {} in the zone: {} ({})", op, path, reply.message.empty() ? std::strerror(reply.error) : reply.message,
                                  std::strerror(reply.error)));
}

result<fs_reply> call(fs_target& target, fs_request& request, std::uint64_t timeout_ms, const std::string& op) {
  auto reply = fs_call(target, request, timeout_ms);
  if (!reply) return status(reply.error().code(), fmt::format("{} {}: node {} did not answer: {}", op, request.path, target.node, reply.error().message()));
  if (reply->error != 0) return refused(op, request.path, *reply);
  return reply;
}

}  // namespace

status zone_mkdir_p(fs_target& target, const std::string& path, std::uint64_t timeout_ms) {
  fs_request request;
  request.op = fs_op::mkdir;
  request.path = path;
  request.recursive = true;
  auto made = call(target, request, timeout_ms, "making");
  return made ? status{} : made.error();
}

status zone_put_bytes(fs_target& target, const std::string& path, std::string_view bytes, std::uint64_t timeout_ms) {
  fs_request request;
  request.op = fs_op::open_write;
  request.path = path;
  auto opened = call(target, request, timeout_ms, "writing");
  if (!opened) return opened.error();
  request.op = fs_op::write;
  request.handle = opened->handle;
  while (request.offset < bytes.size()) {
    const auto piece = bytes.substr(request.offset, fs_message_limits::io_bytes_max);
    request.bytes.assign(piece.begin(), piece.end());
    auto written = call(target, request, timeout_ms, "writing");
    if (!written) return written.error();
    request.offset += piece.size();
  }
  request.op = fs_op::close;
  request.bytes.clear();
  auto closed = call(target, request, std::max(timeout_ms, fs_cli_limits::long_call_timeout_ms_min), "writing");
  return closed ? status{} : closed.error();
}

result<std::string> zone_get_bytes(fs_target& target, const std::string& path, std::uint64_t size_bytes_max,
                                   std::uint64_t timeout_ms) {
  fs_request request;
  request.op = fs_op::read;
  request.path = path;
  request.size_bytes = fs_message_limits::io_bytes_max;
  std::string out;
  for (;;) {
    auto reply = call(target, request, timeout_ms, "reading");
    if (!reply) return reply.error();
    if (reply->entry.size_bytes > size_bytes_max) {
      return status(status_code::too_large, fmt::format("reading {}: {} bytes, over {}", path, reply->entry.size_bytes, size_bytes_max));
    }
    out.append(reply->bytes.begin(), reply->bytes.end());
    request.offset += reply->bytes.size();
    if (reply->bytes.empty() || request.offset >= reply->entry.size_bytes) return out;
  }
}

}  // namespace bucky::cli
