#include "storage/chunk_hash.hpp"

#include <openssl/evp.h>

#include "messages/common/check.hpp"

namespace bucky {

chunk_id chunk_hash(std::string_view bytes) {
  static_assert(chunk_id::size_bytes == 32);  // SHA-256
  chunk_id id;
  unsigned int size = 0;
  const int ok = EVP_Digest(bytes.data(), bytes.size(), id.bytes.data(), &size, EVP_sha256(), nullptr);
  BUCKY_CHECK(ok == 1 && size == id.bytes.size());
  return id;
}

}  // namespace bucky
