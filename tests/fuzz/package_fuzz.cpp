// Fuzzes what an app brings from anywhere (issue 20): package files, app.json, repo
// indexes and kRPC identities. The first byte picks the decoder; mode 1 signs what it
// builds with the fuzzer's own publisher key, so the checks behind the signature
// (entries, paths, the command) are reached too. Nothing may crash; whatever opens
// must hold the invariants open_package promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "actors/krpc/identity.hpp"
#include "actors/packages/manifest.hpp"
#include "actors/packages/package_file.hpp"
#include "actors/packages/repo_index.hpp"
#include "messages/common/check.hpp"

namespace {

const bucky::net::key_pair& publisher() {
  static const auto key = [] {
    std::array<std::uint8_t, bucky::net::seed_bytes> seed{};
    seed.fill(5);
    return bucky::net::key_pair::from_seed(seed);
  }();
  return key;
}

// A body with a good manifest and the input as its (raw msgpack) entries, signed.
std::string signed_with_entries(std::string_view entries) {
  const std::string manifest = R"({"format":1,"name":"fuzz","version":"1.0.0","publisher":")" +
                               publisher().public_part().to_text() + R"(","command":["bin/run"]})";
  msgpack::sbuffer body;
  msgpack::packer<msgpack::sbuffer> out(body);
  out.pack_array(4);
  out.pack(std::string(bucky::packages::package_tag));
  out.pack(bucky::packages::package_format);
  out.pack(manifest);
  body.write(entries.data(), entries.size());
  auto sig = bucky::net::sign_in_domain(publisher(), bucky::packages::package_signing_domain,
                                        {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
  out.pack_bin(static_cast<std::uint32_t>(sig.size()));
  out.pack_bin_body(reinterpret_cast<const char*>(sig.data()), static_cast<std::uint32_t>(sig.size()));
  return std::string(body.data(), body.size());
}

void check_opened(std::string_view bytes) {
  auto opened = bucky::packages::open_package(bytes, "fuzz.bpkg");
  if (!opened) return;
  BUCKY_CHECK(opened->size_bytes == bytes.size());
  BUCKY_CHECK(bucky::packages::check_content_id(opened->content_id).is_ok());
  bool has_command = false;
  for (const auto& entry : opened->entries) {
    BUCKY_CHECK(bucky::packages::check_entry_path(entry.path).is_ok());
    has_command = has_command || (entry.path == opened->manifest.command.front() &&
                                  entry.kind == bucky::packages::entry_kind::executable);
  }
  BUCKY_CHECK(has_command);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: check_opened(input); break;
    case 1: check_opened(signed_with_entries(input)); break;
    case 2: (void)bucky::packages::verify_repo_index(input, publisher().public_part(), "fuzz repo"); break;
    case 3:
      if (auto manifest = bucky::packages::parse_manifest(input, "fuzz")) {
        auto again = bucky::packages::parse_manifest(bucky::packages::manifest_json(*manifest), "fuzz");
        BUCKY_CHECK(again.has_value() && *again == *manifest);
      }
      break;
    case 4: (void)bucky::krpc::verify_identity(input, publisher().public_part(), 1'800'000'000); break;
  }
  return 0;
}
