#include "storage/chunk_hash.hpp"

#include <sodium.h>

#include "messages/common/check.hpp"

namespace bucky {

chunk_id chunk_hash(std::string_view bytes) {
  static_assert(chunk_id::size_bytes >= crypto_generichash_BYTES_MIN &&
                chunk_id::size_bytes <= crypto_generichash_BYTES_MAX);
  chunk_id id;
  const int rc = crypto_generichash(id.bytes.data(), id.bytes.size(),
                                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  BUCKY_CHECK(rc == 0);
  return id;
}

}  // namespace bucky
