#include <sofy/http/proxy.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace sofy::http;

namespace {

origin https_origin(std::string host, std::uint16_t port = 443) {
  std::error_code ec;
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  auto b = parse_base_url("https://" + h + ":" + std::to_string(port), ec);
  REQUIRE_FALSE(ec);
  return b.origin;
}

bool bypass(std::string_view no_proxy, std::string host, std::uint16_t port = 443) {
  return no_proxy_matches(no_proxy, https_origin(std::move(host), port));
}

}  // namespace

TEST_CASE("proxy: https origins use https_proxy, http origins http_proxy", "[proxy]") {
  proxy_env env{.https_proxy = "http://secure-proxy:3128", .http_proxy = "http://plain-proxy:8080", .no_proxy = ""};
  auto s = select_proxy(https_origin("api.example"), env);
  REQUIRE(s);
  CHECK(s->origin.host == "secure-proxy");
  CHECK(s->origin.port == 3128);
  CHECK_FALSE(s->has_credentials());
  CHECK(s->authorization().empty());

  auto p = select_proxy(parse_base_url("http://api.example").origin, env);
  REQUIRE(p);
  CHECK(p->origin.host == "plain-proxy");
  CHECK(p->origin.port == 8080);

  CHECK_FALSE(select_proxy(https_origin("api.example"), proxy_env{}));
  CHECK_FALSE(select_proxy(https_origin("api.example"), proxy_env{.https_proxy = "", .http_proxy = "http://x:1", .no_proxy = ""}));
}

TEST_CASE("proxy: URL forms and credentials", "[proxy]") {
  std::error_code ec;
  auto bare = parse_proxy_url("proxy.corp:3128", ec);
  REQUIRE_FALSE(ec);
  CHECK(bare.origin.host == "proxy.corp");
  CHECK(bare.origin.port == 3128);

  auto noport = parse_proxy_url("http://proxy.corp", ec);
  REQUIRE_FALSE(ec);
  CHECK(noport.origin.port == 1080);

  auto creds = parse_proxy_url("http://j%40ne:p%3Ass%20w@10.0.0.1:8080/", ec);
  REQUIRE_FALSE(ec);
  CHECK(creds.username == "j@ne");
  CHECK(creds.password == "p:ss w");
  CHECK(creds.origin.is_ip_literal);
  // base64("j@ne:p:ss w")
  CHECK(creds.authorization() == "Basic akBuZTpwOnNzIHc=");

  auto user_only = parse_proxy_url("http://alice@proxy:1", ec);
  REQUIRE_FALSE(ec);
  CHECK(user_only.authorization() == "Basic YWxpY2U6");  // "alice:"

  parse_proxy_url("https://proxy:443", ec);
  CHECK(ec == error::unsupported_scheme);
  parse_proxy_url("socks5://proxy:1080", ec);
  CHECK(ec == error::unsupported_scheme);
  parse_proxy_url("http://", ec);
  CHECK(ec == error::bad_url);
}

TEST_CASE("proxy: a malformed proxy URL is an error that hides the URL", "[proxy]") {
  proxy_env env{.https_proxy = "http://user:hunter2@[broken", .http_proxy = "", .no_proxy = ""};
  std::error_code ec;
  CHECK_FALSE(select_proxy(https_origin("a.example"), env, ec));
  CHECK(ec == error::bad_url);
  try {
    select_proxy(https_origin("a.example"), env);
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("proxy: no_proxy table", "[proxy]") {
  struct row {
    const char* no_proxy;
    const char* host;
    std::uint16_t port;
    bool bypass;
  };
  const row rows[] = {
      {"", "a.example", 443, false},
      {"*", "anything.example", 443, true},
      {"*", "10.1.2.3", 443, true},
      // exact host and domain suffix, leading dot or not, case-insensitive
      {"example.com", "example.com", 443, true},
      {"example.com", "sub.example.com", 443, true},
      {".example.com", "sub.example.com", 443, true},
      {".example.com", "example.com", 443, true},
      {"*.example.com", "deep.sub.example.com", 443, true},
      {"EXAMPLE.com", "api.example.com", 443, true},
      {"example.com", "badexample.com", 443, false},
      {"example.com", "example.com.evil", 443, false},
      {"sub.example.com", "example.com", 443, false},
      // lists: commas, spaces, empty entries
      {"foo.test, bar.test,,baz.test", "bar.test", 443, true},
      {"foo.test bar.test", "x.bar.test", 443, true},
      {"foo.test,bar.test", "qux.test", 443, false},
      // host:port
      {"example.com:8443", "example.com", 8443, true},
      {"example.com:8443", "example.com", 443, false},
      {"10.0.0.5:443", "10.0.0.5", 443, true},
      {"10.0.0.5:443", "10.0.0.5", 8443, false},
      {"[::1]:8443", "::1", 8443, true},
      {"[::1]:8443", "::1", 443, false},
      {"[::1]", "::1", 443, true},
      // IP literals, compared as addresses
      {"127.0.0.1", "127.0.0.1", 443, true},
      {"127.0.0.1", "127.0.0.2", 443, false},
      {"::1", "::1", 443, true},
      {"0:0::1", "::1", 443, true},
      {"::1", "::2", 443, false},
      {"127.0.0.1", "localhost", 443, false},
      // IPv4 CIDR
      {"10.0.0.0/8", "10.200.3.4", 443, true},
      {"10.0.0.0/8", "11.0.0.1", 443, false},
      {"192.168.1.0/24", "192.168.1.77", 443, true},
      {"192.168.1.0/24", "192.168.2.1", 443, false},
      {"172.16.0.0/12", "172.31.255.255", 443, true},
      {"172.16.0.0/12", "172.32.0.0", 443, false},
      {"0.0.0.0/0", "8.8.8.8", 443, true},
      {"10.0.0.1/32", "10.0.0.1", 443, true},
      {"10.0.0.1/32", "10.0.0.2", 443, false},
      {"10.0.0.0/33", "10.0.0.1", 443, false},
      {"10.0.0.0/8", "ten.example", 443, false},
      // IPv6 CIDR
      {"::1/128", "::1", 443, true},
      {"::1/128", "::2", 443, false},
      {"fd00::/8", "fd12:3456::1", 443, true},
      {"fd00::/8", "fe80::1", 443, false},
      {"2001:db8::/33", "2001:db8:7fff::1", 443, true},
      {"2001:db8::/33", "2001:db8:8000::1", 443, false},
      {"[fd00::]/8", "fd00::9", 443, true},
      {"10.0.0.0/8", "::1", 443, false},
      {"::/0", "10.0.0.1", 443, false},
  };
  for (const row& r : rows) {
    INFO("no_proxy=\"" << r.no_proxy << "\" host=" << r.host << " port=" << r.port);
    CHECK(bypass(r.no_proxy, r.host, r.port) == r.bypass);
  }
}

TEST_CASE("proxy: no_proxy bypass leads to a direct connection", "[proxy]") {
  proxy_env env{.https_proxy = "http://p:3128", .http_proxy = "", .no_proxy = "internal.example,10.0.0.0/8"};
  CHECK_FALSE(select_proxy(https_origin("svc.internal.example"), env));
  CHECK_FALSE(select_proxy(https_origin("10.9.8.7"), env));
  CHECK(select_proxy(https_origin("public.sofy.ai"), env));
}
