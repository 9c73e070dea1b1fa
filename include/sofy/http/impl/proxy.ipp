#pragma once

#include <sofy/http/detail/base64.hpp>
#include <sofy/http/detail/url_origin.hpp>
#include <sofy/http/proxy.hpp>

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace sofy::http {

namespace detail {

inline std::string getenv_first(const char* a, const char* b) {
  if (const char* v = std::getenv(a); v && *v) return v;
  if (const char* v = std::getenv(b); v && *v) return v;
  return {};
}

// An IP address as 4 or 16 bytes; size 0 when `s` is not an IP literal.
struct ip_bytes {
  std::array<unsigned char, 16> b{};
  std::size_t size = 0;
};

inline ip_bytes parse_ip(std::string_view s) {
  ip_bytes r;
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (auto v4 = boost::urls::parse_ipv4_address(s)) {
    auto bytes = v4->to_bytes();
    std::copy(bytes.begin(), bytes.end(), r.b.begin());
    r.size = 4;
  } else if (auto v6 = boost::urls::parse_ipv6_address(s)) {
    auto bytes = v6->to_bytes();
    std::copy(bytes.begin(), bytes.end(), r.b.begin());
    r.size = 16;
  }
  return r;
}

inline bool prefix_equal(const ip_bytes& a, const ip_bytes& b, unsigned bits) {
  if (a.size != b.size || bits > a.size * 8) return false;
  std::size_t whole = bits / 8;
  if (std::memcmp(a.b.data(), b.b.data(), whole) != 0) return false;
  if (unsigned rest = bits % 8; rest != 0) {
    auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    if ((a.b[whole] & mask) != (b.b[whole] & mask)) return false;
  }
  return true;
}

inline bool host_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_char(x) == lower_char(y); });
}

inline bool no_proxy_entry_matches(std::string_view e, const origin& o, const ip_bytes& host_ip) {
  if (e == "*") return true;

  if (auto slash = e.find('/'); slash != std::string_view::npos) {
    if (host_ip.size == 0) return false;
    ip_bytes net = parse_ip(e.substr(0, slash));
    std::string_view len = e.substr(slash + 1);
    unsigned bits = 0;
    auto [p, err] = std::from_chars(len.data(), len.data() + len.size(), bits);
    if (err != std::errc{} || p != len.data() + len.size() || net.size == 0) return false;
    return prefix_equal(host_ip, net, bits);
  }

  std::string_view host = e;
  std::string_view port;
  if (e.front() == '[') {
    auto close = e.find(']');
    if (close == std::string_view::npos) return false;
    host = e.substr(1, close - 1);
    std::string_view after = e.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
    }
  } else if (std::count(e.begin(), e.end(), ':') == 1) {
    auto colon = e.find(':');
    host = e.substr(0, colon);
    port = e.substr(colon + 1);
  }
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (err != std::errc{} || end != port.data() + port.size() || p != o.port) return false;
  }

  if (ip_bytes ip = parse_ip(host); ip.size != 0)
    return host_ip.size == ip.size && std::memcmp(host_ip.b.data(), ip.b.data(), ip.size) == 0;
  if (host_ip.size != 0) return false;

  if (host.starts_with("*.")) host.remove_prefix(2);
  while (!host.empty() && host.front() == '.') host.remove_prefix(1);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string_view name = o.host;
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (host.empty()) return false;
  if (host_iequals(name, host)) return true;
  return name.size() > host.size() && name[name.size() - host.size() - 1] == '.' &&
         host_iequals(name.substr(name.size() - host.size()), host);
}

}  // namespace detail

SOFY_DECL proxy_env proxy_env::from_environment() {
  proxy_env env;
  env.https_proxy = detail::getenv_first("https_proxy", "HTTPS_PROXY");
  env.http_proxy = detail::getenv_first("http_proxy", "HTTP_PROXY");
  env.no_proxy = detail::getenv_first("no_proxy", "NO_PROXY");
  return env;
}

SOFY_DECL std::string proxy_target::authorization() const {
  if (!has_credentials()) return {};
  std::string plain = username;
  plain += ':';
  plain += password;
  return "Basic " + detail::base64_encode(plain);
}

SOFY_DECL proxy_target parse_proxy_url(std::string_view url, std::error_code& ec) {
  ec.clear();
  std::string with_scheme;
  if (url.find("://") == std::string_view::npos) {
    with_scheme = "http://";
    with_scheme += url;
    url = with_scheme;
  }
  auto r = boost::urls::parse_uri(url);
  if (!r) {
    ec = error::bad_url;
    return {};
  }
  proxy_target p;
  p.origin = detail::origin_of(*r, ec);
  if (ec) return {};
  if (p.origin.scheme != scheme::http) {
    ec = error::unsupported_scheme;  // TLS to the proxy itself is not supported
    return {};
  }
  if (!r->has_port() || r->port().empty()) p.origin.port = 1080;
  if (r->has_userinfo()) {
    p.username = r->user();
    p.password = r->password();
  }
  return p;
}

SOFY_DECL bool no_proxy_matches(std::string_view list, const origin& o) {
  detail::ip_bytes host_ip;
  if (o.is_ip_literal) host_ip = detail::parse_ip(o.host);
  while (!list.empty()) {
    auto end = list.find_first_of(", \t");
    std::string_view entry = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view{} : list.substr(end + 1);
    if (!entry.empty() && detail::no_proxy_entry_matches(entry, o, host_ip)) return true;
  }
  return false;
}

SOFY_DECL std::optional<proxy_target> select_proxy(const origin& o, const proxy_env& env, std::error_code& ec) {
  ec.clear();
  const std::string& url = o.is_tls() ? env.https_proxy : env.http_proxy;
  if (url.empty() || no_proxy_matches(env.no_proxy, o)) return std::nullopt;
  proxy_target p = parse_proxy_url(url, ec);
  if (ec) return std::nullopt;
  return p;
}

SOFY_DECL std::optional<proxy_target> select_proxy(const origin& o, const proxy_env& env) {
  std::error_code ec;
  auto p = select_proxy(o, env, ec);
  // Names the variable, never its value: proxy URLs carry credentials.
  if (ec) throw std::system_error(ec, o.is_tls() ? "parsing https_proxy" : "parsing http_proxy");
  return p;
}

}  // namespace sofy::http
