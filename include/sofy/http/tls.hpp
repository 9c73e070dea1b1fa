// TLS client configuration: a verifying context, and per-connection peer identity.
//
//   asio::ssl::context ctx = sofy::http::make_tls_context({.ca_file = "/etc/my-ca.pem"});
//
// The context:
// - asio::ssl::context::tls_client with TLS 1.2 as the minimum version (1.3 preferred);
// - verify_peer, always: there is deliberately no switch to turn verification off;
// - trusts the system store (OpenSSL's default paths, which honour SSL_CERT_FILE and
//   SSL_CERT_DIR as they are set when the context is made), plus `ca_file` and `ca_dir` when
//   given (a PEM bundle and a c_rehash'ed directory).
//
// Per connection, set_peer_identity() sends SNI for DNS names only (never for IP literals) and
// has OpenSSL check the certificate against the host name, or against the IP address for IP
// literals. verify_failure() turns a failed handshake into error::tls_verify_failed with
// OpenSSL's reason ("Hostname mismatch", "self-signed certificate", ...).
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/error.hpp>
#include <sofy/http/url.hpp>

#include <asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <string>
#include <system_error>

namespace sofy::http {

struct tls_options {
  std::string ca_file{};// extra trust anchors, PEM; empty: none
  std::string ca_dir{}; // extra directory of hashed CA certificates; empty: none
};

// Throws std::system_error naming the file or directory that could not be loaded.
SOFY_DECL asio::ssl::context make_tls_context(const tls_options& opts = {});

// Sets SNI (DNS names only) and the expected identity on a client `ssl` before its handshake.
SOFY_DECL void set_peer_identity(SSL* ssl, const origin& peer, std::error_code& ec);

// After a failed handshake on `ssl`: the certificate verification error as text when the
// failure was a verification failure ("" otherwise).
SOFY_DECL std::string verify_failure(SSL* ssl);

}  // namespace sofy::http

#if SOFY_HEADER_ONLY
#include <sofy/http/impl/tls.ipp>
#endif
