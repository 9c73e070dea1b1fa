#include <sofy/http/url.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <system_error>

using namespace sofy::http;

TEST_CASE("url: base URL with defaults", "[url]") {
  auto b = parse_base_url("https://Public.Sofy.AI");
  CHECK(b.origin.scheme == scheme::https);
  CHECK(b.origin.host == "public.sofy.ai");
  CHECK(b.origin.port == 443);
  CHECK_FALSE(b.origin.is_ip_literal);
  CHECK(b.path.empty());
  CHECK(b.origin.host_header() == "public.sofy.ai");
  CHECK(b.origin.authority() == "public.sofy.ai:443");

  auto h = parse_base_url("http://example.com/");
  CHECK(h.origin.scheme == scheme::http);
  CHECK(h.origin.port == 80);
  CHECK(h.path.empty());
}

TEST_CASE("url: base URL with port, path and IP literals", "[url]") {
  auto b = parse_base_url("https://127.0.0.1:8443/api/v1/");
  CHECK(b.origin.host == "127.0.0.1");
  CHECK(b.origin.port == 8443);
  CHECK(b.origin.is_ip_literal);
  CHECK(b.path == "/api/v1");
  CHECK(b.origin.host_header() == "127.0.0.1:8443");

  auto v6 = parse_base_url("https://[::1]:9000");
  CHECK(v6.origin.host == "::1");
  CHECK(v6.origin.is_ip_literal);
  CHECK(v6.origin.authority() == "[::1]:9000");
  CHECK(v6.origin.host_header() == "[::1]:9000");
  CHECK(parse_base_url("https://[::1]").origin.host_header() == "[::1]");
}

TEST_CASE("url: origins compare by scheme, host and port", "[url]") {
  CHECK(parse_base_url("https://a.example/x").origin == parse_base_url("https://A.example:443/y").origin);
  CHECK_FALSE(parse_base_url("https://a.example").origin == parse_base_url("http://a.example:443").origin);
  CHECK_FALSE(parse_base_url("https://a.example").origin == parse_base_url("https://a.example:444").origin);
}

TEST_CASE("url: malformed and unsupported base URLs", "[url]") {
  auto code = [](std::string_view s) {
    std::error_code ec;
    parse_base_url(s, ec);
    return ec;
  };
  CHECK(code("ftp://example.com") == error::unsupported_scheme);
  CHECK(code("ws://example.com") == error::unsupported_scheme);
  CHECK(code("not a url") == error::bad_url);
  CHECK(code("") == error::bad_url);
  CHECK(code("https://") == error::bad_url);
  CHECK(code("https://example.com:0") == error::bad_url);
  CHECK(code("https://example.com:65536") == error::bad_url);
  CHECK(code("https://example.com:99999999") == error::bad_url);
  CHECK(code("https://user:pw@example.com") == error::bad_url);
  CHECK(code("https://example.com/?q=1") == error::bad_url);
  CHECK(code("https://example.com/#f") == error::bad_url);
  CHECK(code("https://exa%20mple.com") == error::bad_url);
  CHECK(code("https://example.com:65535") == std::error_code{});
  CHECK_THROWS_AS(parse_base_url("gopher://x"), std::system_error);
}

TEST_CASE("url: the thrown error does not echo the URL", "[url]") {
  try {
    parse_base_url("https://hooks.example/T0/secret-token?x=1");
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == error::bad_url);
    CHECK(std::string(e.what()).find("secret-token") == std::string::npos);
  }
}

TEST_CASE("url: targets from segments and query params", "[url]") {
  CHECK(make_target("", {}) == "/");
  CHECK(make_target("/api", {}) == "/api");
  CHECK(make_target("", {"scheduler-microservice", "scheduled-runs", "ABC-123", "status", "42"}) ==
        "/scheduler-microservice/scheduled-runs/ABC-123/status/42");
  CHECK(make_target("/base", {"a"}, {{"appHash", "0123abcd"}}) == "/base/a?appHash=0123abcd");
  CHECK(make_target("", {"x"}, {{"a", "1"}, {"b", "2"}}) == "/x?a=1&b=2");
}

TEST_CASE("url: segments containing reserved characters stay one segment", "[url]") {
  CHECK(make_target("", {"a/b"}) == "/a%2Fb");
  CHECK(make_target("", {"what?x=1"}) == "/what%3Fx%3D1");
  CHECK(make_target("", {"frag#1"}) == "/frag%231");
  CHECK(make_target("", {"../etc"}) == "/..%2Fetc");
  CHECK(make_target("", {"a b"}) == "/a%20b");
  CHECK(make_target("", {"100%"}) == "/100%25");
  CHECK(make_target("", {"\xc3\xa9"}) == "/%C3%A9");
  CHECK(make_target("", {"keep-._~"}) == "/keep-._~");
}

TEST_CASE("url: query names and values are percent-encoded", "[url]") {
  CHECK(make_target("", {"u"}, {{"userFriendlyBuildName", "My build 1.2+rc&x=y"}}) ==
        "/u?userFriendlyBuildName=My%20build%201.2%2Brc%26x%3Dy");
  CHECK(make_target("", {"u"}, {{"a&b", ""}}) == "/u?a%26b=");
  CHECK(percent_encode("/?#[]@!$&'()*+,;= ") == "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%20");
}

TEST_CASE("url: redirects resolve against the request", "[url]") {
  auto from = parse_base_url("https://api.example:8443").origin;
  std::error_code ec;

  auto rel = resolve_redirect(from, "/a/b?x=1", "c?y=2#frag", ec);
  REQUIRE_FALSE(ec);
  CHECK(rel.origin == from);
  CHECK(rel.target == "/a/c?y=2");

  auto abs_path = resolve_redirect(from, "/a/b", "/root", ec);
  REQUIRE_FALSE(ec);
  CHECK(abs_path.target == "/root");

  auto other = resolve_redirect(from, "/a", "http://Other.example/z", ec);
  REQUIRE_FALSE(ec);
  CHECK(other.origin.scheme == scheme::http);
  CHECK(other.origin.host == "other.example");
  CHECK(other.origin.port == 80);
  CHECK(other.target == "/z");

  auto proto_rel = resolve_redirect(from, "/a", "//cdn.example/f", ec);
  REQUIRE_FALSE(ec);
  CHECK(proto_rel.origin.scheme == scheme::https);
  CHECK(proto_rel.origin.host == "cdn.example");
  CHECK(proto_rel.target == "/f");

  resolve_redirect(from, "/a", "ftp://x/y", ec);
  CHECK(ec == error::unsupported_scheme);
  resolve_redirect(from, "/a", "http://[bad", ec);
  CHECK(ec == error::bad_url);
}
