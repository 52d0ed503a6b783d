#include "net/tls_certs.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include <fmt/format.h>

namespace bucky::net {

namespace {

template <class T, void (*Free)(T*)>
struct openssl_free {
  void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_free<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_free<BIO, BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, openssl_free<BIGNUM, BN_free>>;
using names_ptr = std::unique_ptr<GENERAL_NAMES, openssl_free<GENERAL_NAMES, GENERAL_NAMES_free>>;

constexpr std::int64_t backdate_s = 3600;  // clocks of devices a little behind still accept it

status tls_error(const std::string& step) {
  unsigned long code = ERR_get_error();
  char detail[256] = "no detail";
  if (code != 0) ERR_error_string_n(code, detail, sizeof detail);
  ERR_clear_error();
  return status(status_code::internal, fmt::format("TLS certificates: {} failed ({})", step, detail));
}

// Names go into OpenSSL's extension text: only DNS name characters, so no ',' or ':'
// can add an extension value of its own.
bool plain_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || (c == '*' && i == 0);
    if (!ok) return false;
  }
  return name[0] != '*' || (name.size() > 2 && name[1] == '.');
}

result<pkey_ptr> new_p256_key() {
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return tls_error("generating a P-256 key");
  return key;
}

// What `write` (a PEM_write_bio_* call) puts in a memory BIO, as text.
template <class Write>
result<std::string> as_pem(Write write, const char* what) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return tls_error(std::string("writing ") + what + " as PEM");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

result<std::string> key_to_pem(EVP_PKEY* key) {
  return as_pem([key](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); },
                "a key");
}

result<std::string> cert_to_pem(X509* cert) {
  return as_pem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); }, "a certificate");
}

result<x509_ptr> cert_from_pem(const std::string& pem) {
  if (pem.size() > pem_bytes_max) {
    return status(status_code::too_large, fmt::format("a certificate of {} bytes (at most {})", pem.size(), pem_bytes_max));
  }
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  x509_ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return status(status_code::invalid_argument, "not a PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return cert;
}

result<pkey_ptr> key_from_pem(const std::string& pem) {
  if (pem.size() > pem_bytes_max) return status(status_code::too_large, "a private key of more than 64 KiB");
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  pkey_ptr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();
    return status(status_code::invalid_argument, "not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  return key;
}

status add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return tls_error(fmt::format("making extension {}", OBJ_nid2sn(nid)));
  int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) return tls_error(fmt::format("adding extension {}", OBJ_nid2sn(nid)));
  return {};
}

// A certificate with serial, validity, subject and key; extensions and signature
// are the caller's.
result<x509_ptr> new_cert(EVP_PKEY* key, const std::string& common_name, std::uint64_t now_unix_s,
                          std::uint64_t lifetime_days) {
  x509_ptr cert(X509_new());
  bn_ptr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1) return tls_error("making a certificate");
  if (BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return tls_error("choosing a serial number");
  }
  auto now = static_cast<time_t>(now_unix_s);
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -backdate_s, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(lifetime_days), 0, &now) == nullptr) {
    return tls_error("setting the validity");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("BuckyOS"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return tls_error("setting the subject");
  }
  return cert;
}

std::uint64_t unix_time_of(const ASN1_TIME* time) {
  std::tm parts{};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return 0;
  return static_cast<std::uint64_t>(timegm(&parts));
}

}  // namespace

result<pem_pair> make_zone_ca(const std::string& zone_id, std::uint64_t now_unix_s) {
  if (!plain_dns_name(zone_id) || zone_id[0] == '*') {
    return status(status_code::invalid_argument, fmt::format("zone id '{}' is not a DNS name", zone_id));
  }
  auto key = new_p256_key();
  if (!key) return key.error();
  auto cert = new_cert(key->get(), "BuckyOS zone " + zone_id + " root", now_unix_s, zone_ca_lifetime_days);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) return tls_error("setting the issuer");
  for (auto [nid, value] : {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            {NID_key_usage, "critical,keyCertSign,cRLSign"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"},
                            {NID_name_constraints, "critical,permitted;DNS:" + zone_id}}) {
    if (auto added = add_extension(c, c, nid, value); !added.is_ok()) return added;
  }
  if (X509_sign(c, key->get(), EVP_sha256()) == 0) return tls_error("signing the zone CA");
  auto cert_pem = cert_to_pem(c);
  if (!cert_pem) return cert_pem.error();
  auto key_pem = key_to_pem(key->get());
  if (!key_pem) return key_pem.error();
  return pem_pair{*cert_pem, *key_pem};
}

result<pem_pair> issue_server_cert(const pem_pair& ca, const std::vector<std::string>& names,
                                   std::uint64_t now_unix_s, std::uint64_t lifetime_days) {
  if (names.empty()) return status(status_code::invalid_argument, "a certificate needs at least one name");
  std::string alt_names;
  for (const auto& name : names) {
    if (!plain_dns_name(name)) {
      return status(status_code::invalid_argument, fmt::format("'{}' is not a DNS name for a certificate", name));
    }
    alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + name;
  }
  auto ca_cert = cert_from_pem(ca.cert_pem);
  if (!ca_cert) return ca_cert.error();
  auto ca_key = key_from_pem(ca.key_pem);
  if (!ca_key) return ca_key.error();
  if (X509_check_private_key(ca_cert->get(), ca_key->get()) != 1) {
    ERR_clear_error();
    return status(status_code::invalid_argument, "the zone CA's key is not the key of its certificate");
  }
  auto key = new_p256_key();
  if (!key) return key.error();
  auto cert = new_cert(key->get(), names.front(), now_unix_s, lifetime_days);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca_cert->get())) != 1) return tls_error("setting the issuer");
  for (auto [nid, value] : {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, "serverAuth"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"},
                            {NID_subject_alt_name, alt_names}}) {
    if (auto added = add_extension(c, ca_cert->get(), nid, value); !added.is_ok()) return added;
  }
  if (X509_sign(c, ca_key->get(), EVP_sha256()) == 0) return tls_error("signing a server certificate");
  auto cert_pem = cert_to_pem(c);
  if (!cert_pem) return cert_pem.error();
  auto key_pem = key_to_pem(key->get());
  if (!key_pem) return key_pem.error();
  return pem_pair{*cert_pem, *key_pem};
}

result<cert_facts> read_cert(const std::string& cert_pem) {
  auto cert = cert_from_pem(cert_pem);
  if (!cert) return cert.error();
  cert_facts facts;
  facts.not_before_unix_s = unix_time_of(X509_get0_notBefore(cert->get()));
  facts.not_after_unix_s = unix_time_of(X509_get0_notAfter(cert->get()));
  char subject[512] = "";
  X509_NAME_oneline(X509_get_subject_name(cert->get()), subject, sizeof subject);
  facts.subject = subject;
  names_ptr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert->get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_DNS) continue;
    const auto* data = ASN1_STRING_get0_data(name->d.dNSName);
    facts.dns_names.emplace_back(reinterpret_cast<const char*>(data),
                                 static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(cert->get(), EVP_sha256(), digest, &digest_size) != 1) return tls_error("hashing a certificate");
  for (unsigned int i = 0; i < digest_size; ++i) facts.sha256_hex += fmt::format("{:02x}", digest[i]);
  return facts;
}

status check_cert_and_key(const std::string& cert_pem, const std::string& key_pem, std::uint64_t now_unix_s) {
  auto cert = cert_from_pem(cert_pem);
  if (!cert) return cert.error();
  auto key = key_from_pem(key_pem);
  if (!key) return key.error();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return status(status_code::invalid_argument, "the private key is not the key of the certificate");
  }
  bio_ptr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  for (int index = 0;; ++index) {
    x509_ptr link(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!link) break;
    auto from = unix_time_of(X509_get0_notBefore(link.get()));
    auto until = unix_time_of(X509_get0_notAfter(link.get()));
    if (now_unix_s < from || now_unix_s > until) {
      return status(status_code::invalid_argument,
                    fmt::format("certificate {} of the chain is valid from {} to {} (unix seconds), not now ({})",
                                index, from, until, now_unix_s));
    }
  }
  ERR_clear_error();
  return {};
}

bool issued_by(const std::string& cert_pem, const std::string& ca_cert_pem) {
  auto cert = cert_from_pem(cert_pem);
  auto ca = cert_from_pem(ca_cert_pem);
  if (!cert || !ca) return false;
  bool ok = X509_verify(cert->get(), X509_get0_pubkey(ca->get())) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace bucky::net
