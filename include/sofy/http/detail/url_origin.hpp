// Internal: an origin from a parsed Boost.URL view (shared by url.ipp and proxy.ipp).
#pragma once

#include <sofy/http/error.hpp>
#include <sofy/http/url.hpp>

#include <boost/url/url_view.hpp>

#include <string>
#include <system_error>

namespace sofy::http::detail {

inline char lower_char(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Scheme, host and port of `u`; the scheme must be http or https.
inline origin origin_of(boost::urls::url_view u, std::error_code& ec) {
  ec.clear();
  origin o;
  switch (u.scheme_id()) {
    case boost::urls::scheme::http: o.scheme = scheme::http; break;
    case boost::urls::scheme::https: o.scheme = scheme::https; break;
    default: ec = error::unsupported_scheme; return {};
  }
  if (!u.has_authority()) {
    ec = error::bad_url;
    return {};
  }
  switch (u.host_type()) {
    case boost::urls::host_type::name: {
      std::string h = u.host_name();
      if (h.empty()) {
        ec = error::bad_url;
        return {};
      }
      for (char& c : h) {
        c = lower_char(c);
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        if (!ok) {
          ec = error::bad_url;
          return {};
        }
      }
      o.host = std::move(h);
      break;
    }
    case boost::urls::host_type::ipv4:
      o.host = u.host_ipv4_address().to_string();
      o.is_ip_literal = true;
      break;
    case boost::urls::host_type::ipv6:
      o.host = u.host_ipv6_address().to_string();
      o.is_ip_literal = true;
      break;
    default: ec = error::bad_url; return {};
  }
  o.port = default_port(o.scheme);
  if (u.has_port() && !u.port().empty()) {
    auto p = u.port();
    unsigned long v = 0;
    if (p.size() > 5) {
      ec = error::bad_url;
      return {};
    }
    for (char c : p) v = v * 10 + static_cast<unsigned long>(c - '0');  // the grammar allows digits only
    if (v == 0 || v > 65535) {
      ec = error::bad_url;
      return {};
    }
    o.port = static_cast<std::uint16_t>(v);
  }
  return o;
}

}  // namespace sofy::http::detail
