#include "actors/zone_fs/fs_status.hpp"

#include <fmt/format.h>

namespace bucky::zone_fs {

fs_status fs_status::from(const status& failure) {
  BUCKY_CHECK(!failure.is_ok());
  switch (failure.code()) {
    case status_code::no_space: return {ENOSPC, failure.message()};
    case status_code::not_found: return {ENOENT, failure.message()};
    case status_code::unavailable:
    case status_code::timeout: return {EAGAIN, failure.message() + " (the zone may be partly down; try again)"};
    case status_code::permission_denied: return {EACCES, failure.message()};
    case status_code::too_large: return {EFBIG, failure.message()};
    case status_code::already_exists: return {EEXIST, failure.message()};
    case status_code::invalid_argument: return {EINVAL, failure.message()};
    case status_code::unsupported: return {EOPNOTSUPP, failure.message()};
    default: return {EIO, failure.message()};
  }
}

const char* errno_name(int error) {
  switch (error) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EINVAL: return "EINVAL";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EMLINK: return "EMLINK";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EIO: return "EIO";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EXDEV: return "EXDEV";
    case ELOOP: return "ELOOP";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EBUSY: return "EBUSY";
    case EBADF: return "EBADF";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case E2BIG: return "E2BIG";
    default: return "E?";
  }
}

std::string fs_status::to_string() const {
  if (is_ok()) return "ok";
  return fmt::format("{}: {}", errno_name(error_), message_);
}

}  // namespace bucky::zone_fs
