#pragma once

#include <sofy/http/tls.hpp>

#include <openssl/x509v3.h>

namespace sofy::http {

SOFY_DECL asio::ssl::context make_tls_context(const tls_options& opts) {
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  SSL_CTX* native = ctx.native_handle();
  // tls_client alone would allow whatever the system OpenSSL configuration allows.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    throw std::system_error(error::tls_verify_failed, "setting the minimum TLS version to 1.2");
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
  ctx.set_verify_mode(asio::ssl::verify_peer);

  std::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (ec) throw std::system_error(ec, "loading the system trust store");
  if (!opts.ca_file.empty()) {
    ctx.load_verify_file(opts.ca_file, ec);
    if (ec) throw std::system_error(ec, "loading CA file " + opts.ca_file);
  }
  if (!opts.ca_dir.empty()) {
    ctx.add_verify_path(opts.ca_dir, ec);
    if (ec) throw std::system_error(ec, "adding CA directory " + opts.ca_dir);
  }
  return ctx;
}

SOFY_DECL void set_peer_identity(SSL* ssl, const origin& peer, std::error_code& ec) {
  ec.clear();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int ok = 0;
  if (peer.is_ip_literal) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, peer.host.c_str());
  } else {
    ok = X509_VERIFY_PARAM_set1_host(param, peer.host.c_str(), peer.host.size());
    // SSL_set_tlsext_host_name is a macro with a C-style cast inside.
    if (ok == 1) ok = static_cast<int>(SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                                const_cast<char*>(peer.host.c_str())));
  }
  if (ok != 1) ec = error::tls_verify_failed;
}

SOFY_DECL std::string verify_failure(SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

}  // namespace sofy::http
