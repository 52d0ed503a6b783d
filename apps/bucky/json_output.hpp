// --json output that never ends the command: keys and values in the zone state are
// bytes, not necessarily UTF-8 (issue 18: `bucky --json` aborted on one).
//   json_text     dumps; bytes that are not UTF-8 become U+FFFD
//   put_bytes     sets object[field] to the text when it is UTF-8, and otherwise
//                 object[field + "_base64"] (standard base64) so nothing is lost
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <sodium.h>

namespace bucky::cli {

inline std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline bool valid_utf8(const std::string& bytes) {
  try {
    (void)nlohmann::json(bytes).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

inline void put_bytes(nlohmann::json& object, const std::string& field, const std::string& bytes) {
  if (valid_utf8(bytes)) {
    object[field] = bytes;
    return;
  }
  std::string text(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.size() - 1);  // the terminating NUL
  object[field + "_base64"] = text;
}

}  // namespace bucky::cli
