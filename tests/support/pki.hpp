// A throwaway PKI for loopback TLS tests, generated with OpenSSL at test time.
//
//   auto const& p = sofy::test::make_pki();   // generated once per process
//   ctx.load_verify_file(p.ca_file.string());
//
// Files (PEM, EC P-256 keys, in a fresh mkdtemp directory):
//   ca_file                       CA certificate (CA:TRUE), the trust anchor
//   server_cert / server_key      leaf signed by the CA: DNS:localhost, IP:127.0.0.1, IP:::1
//   wrong_host_cert / _key        leaf signed by the CA for DNS:wrong.example only
//   untrusted_cert / _key         self-signed leaf for localhost, 127.0.0.1 and ::1
//
// Copies share the directory; it is removed when the last copy is destroyed.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace sofy::test {

struct pki {
  std::filesystem::path dir, ca_file, server_cert, server_key, wrong_host_cert, wrong_host_key,
      untrusted_cert, untrusted_key;

  // Shared ownership of `dir`: the last copy removes it.
  std::shared_ptr<void> owner;
};

namespace detail {

[[noreturn]] inline void pki_fail(const std::string& what) {
  std::string msg = "test pki: " + what;
  if (unsigned long e = ERR_get_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  throw std::runtime_error(msg);
}

struct evp_pkey_free_t { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct x509_free_t { void operator()(X509* p) const { X509_free(p); } };
struct x509_ext_free_t { void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); } };
struct bio_free_t { void operator()(BIO* p) const { BIO_free_all(p); } };
using pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free_t>;
using x509_ptr = std::unique_ptr<X509, x509_free_t>;

inline pkey_ptr make_ec_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key) pki_fail("generating an EC P-256 key");
  return key;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, x509_ext_free_t> ext{
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
  if (!ext) pki_fail(std::string("building extension ") + OBJ_nid2sn(nid) + "=" + value);
  if (X509_add_ext(cert, ext.get(), -1) != 1) pki_fail("adding an extension");
}

// issuer == nullptr makes a self-signed certificate (signed with `key`).
inline x509_ptr make_cert(const char* common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                          bool is_ca, const char* san) {
  x509_ptr cert{X509_new()};
  if (!cert) pki_fail("X509_new");
  X509_set_version(cert.get(), 2);  // v3

  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) pki_fail("RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()))) {
    BN_free(bn);
    pki_fail("setting the serial number");
  }
  BN_free(bn);

  // Backdated an hour so clock skew between test processes never matters.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);

  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sofy-cpp tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) pki_fail("issuer name");
  if (X509_set_pubkey(cert.get(), key) != 1) pki_fail("X509_set_pubkey");

  if (is_ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (san) add_ext(cert.get(), signer, NID_subject_alt_name, san);

  if (X509_sign(cert.get(), issuer ? issuer_key : key, EVP_sha256()) == 0) pki_fail("X509_sign");
  return cert;
}

inline void write_cert(const std::filesystem::path& path, X509* cert) {
  std::unique_ptr<BIO, bio_free_t> bio{BIO_new_file(path.c_str(), "w")};
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) pki_fail("writing " + path.string());
}

inline void write_key(const std::filesystem::path& path, EVP_PKEY* key) {
  std::unique_ptr<BIO, bio_free_t> bio{BIO_new_file(path.c_str(), "w")};
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    pki_fail("writing " + path.string());
}

struct dir_remover {
  explicit dir_remover(std::filesystem::path d) : dir(std::move(d)) {}
  dir_remover(const dir_remover&) = delete;
  dir_remover& operator=(const dir_remover&) = delete;
  std::filesystem::path dir;
  ~dir_remover() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace detail

// Generates a new PKI in a new directory (about a millisecond of key generation each).
inline pki make_fresh_pki() {
  namespace fs = std::filesystem;
  std::string templ = (fs::temp_directory_path() / "sofy-pki-XXXXXX").string();
  if (!::mkdtemp(templ.data()))
    throw std::runtime_error("test pki: mkdtemp failed in " + fs::temp_directory_path().string());

  pki p;
  p.dir = templ;
  p.owner = std::make_shared<detail::dir_remover>(p.dir);
  p.ca_file = p.dir / "ca.pem";
  p.server_cert = p.dir / "server.pem";
  p.server_key = p.dir / "server-key.pem";
  p.wrong_host_cert = p.dir / "wrong-host.pem";
  p.wrong_host_key = p.dir / "wrong-host-key.pem";
  p.untrusted_cert = p.dir / "untrusted.pem";
  p.untrusted_key = p.dir / "untrusted-key.pem";

  auto ca_key = detail::make_ec_key();
  auto ca = detail::make_cert("sofy-cpp test CA", ca_key.get(), nullptr, nullptr, true, nullptr);

  auto server_key = detail::make_ec_key();
  auto server = detail::make_cert("localhost", server_key.get(), ca.get(), ca_key.get(), false,
                                  "DNS:localhost,IP:127.0.0.1,IP:::1");

  auto wrong_key = detail::make_ec_key();
  auto wrong = detail::make_cert("wrong.example", wrong_key.get(), ca.get(), ca_key.get(), false,
                                 "DNS:wrong.example");

  auto untrusted_key = detail::make_ec_key();
  auto untrusted = detail::make_cert("localhost", untrusted_key.get(), nullptr, nullptr, false,
                                     "DNS:localhost,IP:127.0.0.1,IP:::1");

  detail::write_cert(p.ca_file, ca.get());
  detail::write_cert(p.server_cert, server.get());
  detail::write_key(p.server_key, server_key.get());
  detail::write_cert(p.wrong_host_cert, wrong.get());
  detail::write_key(p.wrong_host_key, wrong_key.get());
  detail::write_cert(p.untrusted_cert, untrusted.get());
  detail::write_key(p.untrusted_key, untrusted_key.get());
  return p;
}

// The per-process PKI: generated on first use, removed at exit.
inline pki make_pki() {
  static const pki instance = make_fresh_pki();
  return instance;
}

}  // namespace sofy::test
