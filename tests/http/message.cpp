// Tests for <sofy/http/message.hpp>: fields, token lists, keep-alive rules and
// serialization (exact bytes, framing added, rejection of unsafe input, and round
// trips through the parser).
#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace sofy::http;
using namespace std::string_literals;

namespace {

std::vector<field> as_vector(const fields& f) { return {f.begin(), f.end()}; }

// The error code std::system_error carries when `f` throws, or none.
template <class F>
std::error_code thrown_code(F&& f, std::string* what = nullptr) {
  try {
    f();
  } catch (const std::system_error& e) {
    if (what) *what = e.what();
    return e.code();
  }
  return {};
}

template <class Message>
std::string wire_of(const Message& m) {
  std::string out;
  write(m, out);
  return out;
}

}  // namespace

// ---------------------------------------------------------------- fields

TEST_CASE("fields: names compare case-insensitively, order and duplicates kept") {
  fields f;
  CHECK(f.empty());
  f.add("Set-Cookie", "a=1");
  f.add("set-cookie", "b=2");
  f.add("Host", "example.com");
  CHECK(f.size() == 3);
  CHECK_FALSE(f.empty());
  CHECK(f.get("SET-COOKIE") == "a=1");  // the first match
  CHECK(f.contains("host"));
  CHECK_FALSE(f.contains("hos"));
  CHECK_FALSE(f.get("content-length").has_value());
  CHECK(as_vector(f) == std::vector<field>{{"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}, {"Host", "example.com"}});
}

TEST_CASE("fields: set replaces every field of that name in place of the first") {
  fields f;
  f.add("A", "1");
  f.add("X", "old1");
  f.add("B", "2");
  f.add("x", "old2");
  f.set("X", "new");
  CHECK(as_vector(f) == std::vector<field>{{"A", "1"}, {"X", "new"}, {"B", "2"}});
  f.set("C", "3");  // absent: appended
  CHECK(as_vector(f).back() == field{"C", "3"});
  CHECK(f.size() == 4);
}

TEST_CASE("fields: erase removes every field of that name") {
  fields f;
  f.add("A", "1");
  f.add("a", "2");
  f.add("B", "3");
  f.erase("A");
  CHECK(as_vector(f) == std::vector<field>{{"B", "3"}});
  f.erase("missing");
  CHECK(f.size() == 1);
  f.clear();
  CHECK(f.empty());
}

TEST_CASE("has_token: comma lists, case-insensitive, OWS-trimmed") {
  CHECK(has_token("close", "close"));
  CHECK(has_token("Keep-Alive, Upgrade", "upgrade"));
  CHECK(has_token(" \tCLOSE\t ", "close"));
  CHECK(has_token("a,,close", "close"));
  CHECK(has_token("gzip, chunked", "chunked"));
  CHECK_FALSE(has_token("closed", "close"));
  CHECK_FALSE(has_token("close-ish, x", "close"));
  CHECK_FALSE(has_token("", "close"));
  CHECK_FALSE(has_token("keep alive", "keep"));
}

// ---------------------------------------------------------------- keep-alive

TEST_CASE("keep_alive: version and Connection tokens") {
  request req;
  CHECK(keep_alive(req));
  req.headers.add("Connection", "Upgrade, close");
  CHECK_FALSE(keep_alive(req));
  req = {};
  req.version = 10;
  CHECK_FALSE(keep_alive(req));
  req.headers.add("Connection", "keep-alive");
  CHECK(keep_alive(req));
  req.headers.add("Connection", "close");  // close wins across fields
  CHECK_FALSE(keep_alive(req));

  response res;
  res.status = 200;
  CHECK(keep_alive(res));
  res.headers.add("connection", "CLOSE");
  CHECK_FALSE(keep_alive(res));
  res = {};
  res.version = 10;
  CHECK_FALSE(keep_alive(res));
  res.headers.add("Connection", "Keep-Alive");
  CHECK(keep_alive(res));
}

TEST_CASE("reason_phrase: standard phrases") {
  CHECK(reason_phrase(200) == "OK");
  CHECK(reason_phrase(404) == "Not Found");
  CHECK(reason_phrase(429) == "Too Many Requests");
  CHECK(reason_phrase(503) == "Service Unavailable");
  CHECK(reason_phrase(299).empty());
}

// ---------------------------------------------------------------- serialization: exact bytes

TEST_CASE("write: a GET request, exact bytes, no Content-Length") {
  request req;
  req.target = "/api/status?id=1";
  req.headers.add("Host", "public.sofy.ai");
  req.headers.add("Accept", "application/json");
  CHECK(wire_of(req) == "GET /api/status?id=1 HTTP/1.1\r\nHost: public.sofy.ai\r\nAccept: application/json\r\n\r\n");
}

TEST_CASE("write: Content-Length is added for a body and for POST, PUT and PATCH") {
  request req;
  req.method = "POST";
  req.target = "/x";
  CHECK(wire_of(req) == "POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  req.body = "hello";
  CHECK(wire_of(req) == "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  req.method = "DELETE";
  CHECK(wire_of(req) == "DELETE /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  req.body.clear();
  CHECK(wire_of(req) == "DELETE /x HTTP/1.1\r\n\r\n");
}

TEST_CASE("write: a framing field set by the caller is kept and nothing is added") {
  request req;
  req.method = "PUT";
  req.headers.add("content-length", "200000000");  // a streamed upload: body written separately
  std::string head;
  write_head(req, head);
  CHECK(head == "PUT / HTTP/1.1\r\ncontent-length: 200000000\r\n\r\n");

  req = {};
  req.method = "POST";
  req.headers.add("Transfer-Encoding", "chunked");
  write_chunk("hello", req.body);
  write_chunk("", req.body);  // nothing: an empty chunk would end the body
  write_last_chunk(req.body);
  CHECK(wire_of(req) == "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

TEST_CASE("write: responses, default reason, Content-Length always except 1xx/204/304") {
  response res;
  res.status = 200;
  CHECK(wire_of(res) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  res.status = 404;
  res.reason = "Nope";
  res.body = "{}";
  res.headers.add("Content-Type", "application/json");
  CHECK(wire_of(res) == "HTTP/1.1 404 Nope\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  res = {};
  res.status = 204;
  res.body = "dropped";
  CHECK(wire_of(res) == "HTTP/1.1 204 No Content\r\n\r\n");
  res.status = 304;
  CHECK(wire_of(res) == "HTTP/1.1 304 Not Modified\r\n\r\n");
  res.status = 100;
  CHECK(wire_of(res) == "HTTP/1.1 100 Continue\r\n\r\n");
  res = {};
  res.status = 299;
  res.version = 10;
  CHECK(wire_of(res) == "HTTP/1.0 299 \r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("write: appends to what is already in the buffer") {
  std::string out = "prefix|";
  request req;
  write(req, out);
  CHECK(out == "prefix|GET / HTTP/1.1\r\n\r\n");
}

TEST_CASE("write_last_chunk: trailers") {
  std::string out;
  fields t;
  t.add("X-Checksum", "abc");
  write_last_chunk(out, t);
  CHECK(out == "0\r\nX-Checksum: abc\r\n\r\n");
  t.add("Bad", "a\r\nInjected: 1");
  std::string untouched = "keep";
  CHECK(thrown_code([&] { write_last_chunk(untouched, t); }) == make_error_code(error::bad_header_value));
  CHECK(untouched == "keep");
}

// ---------------------------------------------------------------- serialization: rejection

TEST_CASE("write: CR, LF and NUL in header values are rejected, the buffer untouched") {
  for (const std::string& bad : {"a\rb"s, "a\nb"s, "a\r\nInjected: 1"s, "a\0b"s, "\x01"s, "\x7F"s}) {
    request req;
    req.headers.add("X-Sofy-Auth-Key", "SECRET-" + bad);
    std::string out = "before";
    std::string what;
    CHECK(thrown_code([&] { write(req, out); }, &what) == make_error_code(error::bad_header_value));
    CHECK(out == "before");
    CHECK(what.find("X-Sofy-Auth-Key") != std::string::npos);  // names the field
    CHECK(what.find("SECRET") == std::string::npos);           // never its value

    response res;
    res.status = 200;
    res.headers.add("X", bad);
    CHECK(thrown_code([&] { write(res, out); }) == make_error_code(error::bad_header_value));
    CHECK(out == "before");
  }
}

TEST_CASE("write: field names must be tokens") {
  for (const std::string& name : {""s, "X Y"s, "X:Y"s, "X\r\nY"s, "X\0"s, "caf\xC3\xA9"s, "(x)"s}) {
    request req;
    req.headers.add(name, "v");
    std::string out;
    CHECK(thrown_code([&] { write(req, out); }) == make_error_code(error::bad_header_value));
    CHECK(out.empty());
  }
}

TEST_CASE("write: methods and targets with spaces or control characters are rejected") {
  for (const std::string& method : {""s, "GET /"s, "GE\rT"s, "G\nET"s, "G\0T"s}) {
    request req;
    req.method = method;
    std::string out;
    CHECK(thrown_code([&] { write(req, out); }) == make_error_code(error::bad_header_value));
  }
  for (const std::string& target : {""s, "/a b"s, "/a\r\nHost: evil"s, "/\0"s, "/\t"s, "/caf\xC3\xA9"s}) {
    request req;
    req.target = target;
    std::string out;
    CHECK(thrown_code([&] { write(req, out); }) == make_error_code(error::bad_header_value));
    CHECK(out.empty());
  }
}

TEST_CASE("write: reason phrase, status and version are checked") {
  response res;
  res.status = 200;
  res.reason = "OK\r\nInjected: 1";
  std::string out;
  CHECK(thrown_code([&] { write(res, out); }) == make_error_code(error::bad_header_value));
  res.reason.clear();
  for (int status : {0, 99, 600, 1000, -200}) {
    res.status = status;
    CHECK(thrown_code([&] { write(res, out); }) == make_error_code(error::bad_status));
  }
  res.status = 200;
  res.version = 20;
  CHECK(thrown_code([&] { write(res, out); }) == make_error_code(error::bad_version));
  request req;
  req.version = 9;
  CHECK(thrown_code([&] { write(req, out); }) == make_error_code(error::bad_version));
  CHECK(out.empty());
}

// ---------------------------------------------------------------- round trips

TEST_CASE("round trip: requests written then parsed are unchanged") {
  request req;
  req.method = "POST";
  req.target = "/api/schedules/0b6ef3f2/execute?x=%20";
  req.headers.add("Host", "public.sofy.ai");
  req.headers.add("x-sofy-auth-key", "A1B2C3D4-0000-1111-2222-333344445555");
  req.headers.add("Content-Type", "application/json");
  req.headers.add("X-Empty", "");
  req.headers.add("X-Inner", "a  b\tc \xC3\xA9");
  req.headers.add("Content-Length", "13");
  req.body = "{\"app\":\"h1\"}\n";

  request_parser p;
  std::error_code ec;
  const auto wire = wire_of(req);
  CHECK(p.feed(wire, ec) == wire.size());
  REQUIRE_FALSE(ec);
  REQUIRE(p.done());
  CHECK(p.get() == req);

  // Without a Content-Length the serializer adds one, and that is the only difference.
  req.headers.erase("content-length");
  p.reset();
  p.feed(wire_of(req), ec);
  REQUIRE(p.done());
  request expected = req;
  expected.headers.add("Content-Length", "13");
  CHECK(p.get() == expected);
}

TEST_CASE("round trip: responses, including chunked ones, through the parser") {
  response res;
  res.status = 503;
  res.reason = "Service Unavailable";
  res.headers.add("Retry-After", "120");
  res.headers.add("Content-Length", "4");
  res.body = "busy";
  response_parser p;
  std::error_code ec;
  p.feed(wire_of(res), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(p.done());
  CHECK(p.get() == res);

  response chunked;
  chunked.status = 200;
  chunked.reason = "OK";
  chunked.headers.add("Transfer-Encoding", "chunked");
  std::string wire;
  write_head(chunked, wire);
  write_chunk("hello, ", wire);
  write_chunk(std::string(5000, 'w'), wire);
  fields trailers;
  trailers.add("X-Done", "yes");
  write_last_chunk(wire, trailers);
  p.reset();
  CHECK(p.feed(wire, ec) == wire.size());
  REQUIRE_FALSE(ec);
  REQUIRE(p.done());
  CHECK(p.get().headers == chunked.headers);
  CHECK(p.get().body == "hello, " + std::string(5000, 'w'));
  CHECK(p.trailers() == trailers);
}

TEST_CASE("round trip: seeded random requests and responses") {
  std::mt19937 rng(12345);
  const std::string token_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
  auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
  auto token = [&](std::size_t max) {
    std::string s;
    for (std::size_t i = pick(1, max); i > 0; --i) s += token_chars[pick(0, token_chars.size() - 1)];
    return s;
  };
  auto value = [&] {
    std::string s;
    for (std::size_t i = pick(0, 40); i > 0; --i) {
      const auto c = static_cast<char>(pick(0, 10) == 0 ? pick(0x80, 0xFF) : pick(0x20, 0x7E));
      s += (i == 1 || s.empty()) && c == ' ' ? 'x' : c;  // no leading or trailing OWS: the parser trims it
    }
    return s;
  };
  auto random_fields = [&] {
    fields f;
    for (std::size_t i = pick(0, 12); i > 0; --i) {
      auto name = token(20);
      if (detail::iequals(name, "content-length") || detail::iequals(name, "transfer-encoding")) continue;
      f.add(name, value());
    }
    return f;
  };
  for (int i = 0; i < 300; ++i) {
    request req;
    req.method = token(8);
    req.target = "/" + token(30);
    req.version = pick(0, 1) ? 11 : 10;
    req.headers = random_fields();
    req.body = std::string(pick(0, 3) ? pick(1, 2000) : 0, static_cast<char>(pick(0, 255)));
    req.headers.add("Content-Length", std::to_string(req.body.size()));
    request_parser rp;
    std::error_code ec;
    const auto wire = wire_of(req);
    CHECK(rp.feed(wire, ec) == wire.size());
    CHECK_FALSE(ec);
    CHECK(rp.get() == req);

    response res;
    res.status = static_cast<int>(pick(200, 599));
    if (res.status == 204 || res.status == 304) res.status = 200;
    res.reason = value() + "R";  // an empty reason would be replaced by the standard one
    res.version = pick(0, 1) ? 11 : 10;
    res.headers = random_fields();
    res.body = req.body;
    res.headers.add("Content-Length", std::to_string(res.body.size()));
    response_parser sp;
    const auto rwire = wire_of(res);
    CHECK(sp.feed(rwire, ec) == rwire.size());
    CHECK_FALSE(ec);
    CHECK(sp.get() == res);
  }
}
