#pragma once

#include <sofy/http/detail/url_origin.hpp>
#include <sofy/http/url.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

namespace sofy::http {

SOFY_DECL std::string origin::authority() const {
  std::string s;
  s.reserve(host.size() + 8);
  bool v6 = is_ip_literal && host.find(':') != std::string::npos;
  if (v6) s += '[';
  s += host;
  if (v6) s += ']';
  s += ':';
  s += std::to_string(port);
  return s;
}

SOFY_DECL std::string origin::host_header() const {
  if (!is_default_port()) return authority();
  if (is_ip_literal && host.find(':') != std::string::npos) return "[" + host + "]";
  return host;
}

SOFY_DECL base_url parse_base_url(std::string_view url, std::error_code& ec) {
  auto r = boost::urls::parse_uri(url);
  if (!r) {
    ec = error::bad_url;
    return {};
  }
  boost::urls::url_view u = *r;
  base_url b;
  b.origin = detail::origin_of(u, ec);
  if (ec) return {};
  if (u.has_userinfo() || u.has_query() || u.has_fragment()) {
    ec = error::bad_url;
    return {};
  }
  std::string_view path = u.encoded_path();
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  b.path = path;
  return b;
}

SOFY_DECL base_url parse_base_url(std::string_view url) {
  std::error_code ec;
  base_url b = parse_base_url(url, ec);
  // The URL itself is not echoed: base URLs may be secrets (webhook URLs carry tokens).
  if (ec) throw std::system_error(ec, "parsing a base URL");
  return b;
}

SOFY_DECL std::string percent_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

SOFY_DECL std::string make_target(std::string_view base_path, std::span<const std::string_view> segments,
                                  std::span<const query_param> query) {
  std::string t;
  t.reserve(base_path.size() + 64);
  t += base_path;
  for (std::string_view seg : segments) {
    t += '/';
    t += percent_encode(seg);
  }
  if (t.empty()) t = "/";
  char sep = '?';
  for (const query_param& p : query) {
    t += sep;
    sep = '&';
    t += percent_encode(p.name);
    t += '=';
    t += percent_encode(p.value);
  }
  return t;
}

SOFY_DECL redirect_target resolve_redirect(const origin& from, std::string_view from_target,
                                           std::string_view location, std::error_code& ec) {
  ec.clear();
  auto ref = boost::urls::parse_uri_reference(location);
  if (!ref) {
    ec = error::bad_url;
    return {};
  }
  std::string base_str = (from.is_tls() ? "https://" : "http://") + from.authority();
  base_str += from_target.empty() ? std::string_view("/") : from_target;
  auto base = boost::urls::parse_uri(base_str);
  if (!base) {
    ec = error::bad_url;
    return {};
  }
  boost::urls::url dest;
  if (!boost::urls::resolve(*base, *ref, dest)) {
    ec = error::bad_url;
    return {};
  }
  redirect_target r;
  r.origin = detail::origin_of(dest, ec);
  if (ec) return {};
  r.target = dest.encoded_path();
  if (r.target.empty()) r.target = "/";
  if (dest.has_query()) {
    r.target += '?';
    r.target += dest.encoded_query();
  }
  return r;
}

}  // namespace sofy::http
