#include "storage/chunk_hash.hpp"

#include <sodium.h>

#include "messages/common/check.hpp"

namespace bucky {

chunk_id chunk_hash(std::string_view bytes) {
  static_assert(chunk_id::size_bytes == crypto_hash_sha256_BYTES);
  chunk_id id;
  const int rc = crypto_hash_sha256(id.bytes.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                    bytes.size());
  BUCKY_CHECK(rc == 0);
  return id;
}

}  // namespace bucky
