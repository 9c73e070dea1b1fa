// Proxy selection from https_proxy / http_proxy / no_proxy, as curl and most tools read them.
//
//   auto env = sofy::http::proxy_env::from_environment();
//   if (auto p = sofy::http::select_proxy(origin, env)) { /* connect to p->origin, CONNECT through it */ }
//
// - https origins use `https_proxy` (then `HTTPS_PROXY`); http origins `http_proxy` (then `HTTP_PROXY`).
// - A proxy URL is `http://[user:pass@]host[:port]` (port 1080 when left out, a missing scheme means
//   http). User and password are percent-decoded; they are never put in an error message.
// - `no_proxy` (then `NO_PROXY`) is a comma- or space-separated list, each entry one of:
//     *                     every host
//     example.com           example.com and every subdomain (".example.com" and "*.example.com" alike)
//     host:port, [::1]:8443 that host on that port only
//     10.1.2.3, ::1         that IP literal (compared as addresses, so "::0:1" matches "::1")
//     10.0.0.0/8, fd00::/8  every IP literal in the CIDR block
//   Names are compared case-insensitively; CIDR entries match IP literals only (no resolution).
//
// I/O-free: no Asio, no sockets; the environment is read only by from_environment().
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/url.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace sofy::http {

struct proxy_env {
  std::string https_proxy;
  std::string http_proxy;
  std::string no_proxy;

  // Lower-case names win over upper-case ones, as in curl.
  SOFY_DECL static proxy_env from_environment();
};

struct proxy_target {
  http::origin origin;  // the proxy itself (scheme http)
  std::string username;  // percent-decoded; empty when the URL has no user info
  std::string password;

  bool has_credentials() const noexcept { return !username.empty() || !password.empty(); }
  // The Proxy-Authorization value, "Basic base64(user:pass)"; empty without credentials.
  SOFY_DECL std::string authorization() const;
};

// Parses a proxy URL. Errors: error::bad_url, error::unsupported_scheme (only http:// proxies).
SOFY_DECL proxy_target parse_proxy_url(std::string_view url, std::error_code& ec);

// True when `no_proxy` exempts `o` from proxying.
SOFY_DECL bool no_proxy_matches(std::string_view no_proxy, const origin& o);

// The proxy to use for `o`, or nullopt for a direct connection. A malformed proxy URL is an error
// rather than a silent direct connection.
SOFY_DECL std::optional<proxy_target> select_proxy(const origin& o, const proxy_env& env, std::error_code& ec);
SOFY_DECL std::optional<proxy_target> select_proxy(const origin& o, const proxy_env& env);  // throws

}  // namespace sofy::http

#if SOFY_HEADER_ONLY
#include <sofy/http/impl/proxy.ipp>
#endif
