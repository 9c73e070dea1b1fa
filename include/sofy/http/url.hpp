// URLs: origins, base URLs and request targets, on Boost.URL.
//
//   auto base = sofy::http::parse_base_url("https://public.sofy.ai/api");   // throws on error
//   base.origin      // {https, "public.sofy.ai", 443, false}
//   std::string t = sofy::http::make_target(base.path, {"scheduled-runs", guid, "status", id},
//                                           {{"appHash", hash}});
//   // "/api/scheduled-runs/<guid>/status/<id>?appHash=<hash>"
//
// Every path segment and query name/value is percent-encoded (all but RFC 3986 unreserved
// characters), so a segment holding "/", "?" or "#" stays one segment and is never interpreted,
// and "+" is never mistaken for a space by the server.
//
// I/O-free: no Asio, no sockets.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/error.hpp>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace sofy::http {

enum class scheme { http, https };

// Where a connection goes: scheme, host and port. Requests to equal origins may share a
// pooled connection.
struct origin {
  http::scheme scheme = http::scheme::https;
  std::string host;            // lower-case DNS name, or an IP literal without brackets
  std::uint16_t port = 443;    // the scheme's default (80, 443) when the URL has none
  bool is_ip_literal = false;  // host is an IPv4 or IPv6 address (no SNI for these)

  bool is_tls() const noexcept { return scheme == http::scheme::https; }
  bool is_default_port() const noexcept { return port == (is_tls() ? 443 : 80); }

  // "host:port", IPv6 in brackets: for CONNECT lines and error messages.
  SOFY_DECL std::string authority() const;
  // The Host header value: "host" when the port is the default one, else "host:port".
  SOFY_DECL std::string host_header() const;

  friend bool operator==(const origin&, const origin&) = default;
};

// A base URL: an origin plus a path prefix that request targets are built under.
struct base_url {
  http::origin origin;
  std::string path;  // percent-encoded, without a trailing slash: "" or "/api"
};

// Parses an absolute http(s) URL with no query, fragment or user info.
// Errors: error::bad_url, error::unsupported_scheme.
SOFY_DECL base_url parse_base_url(std::string_view url, std::error_code& ec);
SOFY_DECL base_url parse_base_url(std::string_view url);  // throws std::system_error

// The default port of a scheme: 80 or 443.
constexpr std::uint16_t default_port(scheme s) noexcept { return s == scheme::https ? 443 : 80; }

struct query_param {
  std::string_view name;
  std::string_view value;
};

// Percent-encodes everything but unreserved characters (ALPHA DIGIT - . _ ~).
SOFY_DECL std::string percent_encode(std::string_view s);

// base_path + "/" + encoded segments, then "?" + encoded params joined by "&".
// An empty result path is "/".
SOFY_DECL std::string make_target(std::string_view base_path, std::span<const std::string_view> segments,
                                  std::span<const query_param> query = {});
inline std::string make_target(std::string_view base_path, std::initializer_list<std::string_view> segments,
                               std::initializer_list<query_param> query = {}) {
  return make_target(base_path, std::span<const std::string_view>(segments.begin(), segments.size()),
                     std::span<const query_param>(query.begin(), query.size()));
}

// Where a redirect points: the origin and origin-form target of `location` resolved against
// the request that received it. Errors: error::bad_url, error::unsupported_scheme.
struct redirect_target {
  http::origin origin;
  std::string target;
};
SOFY_DECL redirect_target resolve_redirect(const origin& from, std::string_view from_target,
                                           std::string_view location, std::error_code& ec);

}  // namespace sofy::http

#if SOFY_HEADER_ONLY
#include <sofy/http/impl/url.ipp>
#endif
