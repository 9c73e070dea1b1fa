#include <sofy/http/message.hpp>

#include <catch2/catch.hpp>

using namespace sofy::http;

TEST_CASE("fields: names compare case-insensitively, order and duplicates kept") {
  fields f;
  f.add("Set-Cookie", "a=1");
  f.add("set-cookie", "b=2");
  f.add("Host", "example.com");
  CHECK(f.size() == 3);
  CHECK(f.get("SET-COOKIE") == "a=1");
  CHECK(f.contains("host"));
  CHECK_FALSE(f.contains("content-length"));
}
