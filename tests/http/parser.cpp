#include <sofy/http/parser.hpp>

#include <catch2/catch.hpp>

using namespace sofy::http;

TEST_CASE("response parser: a simple response with Content-Length") {
  response_parser p;
  std::error_code ec;
  std::string_view in = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  CHECK(p.feed(in, ec) == in.size());
  REQUIRE_FALSE(ec);
  CHECK(p.done());
  CHECK(p.get().status == 200);
  CHECK(p.get().body == "hello");
}
