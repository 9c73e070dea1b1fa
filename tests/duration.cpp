// Tests for include/sofy/duration.hpp.
#include <sofy/duration.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST_CASE("parse_duration reads single and compound terms", "[duration]") {
  struct row {
    const char* text;
    milliseconds expected;
  };
  const row rows[] = {
      {"250ms", 250ms},
      {"30s", 30s},
      {"5m", 5min},
      {"2h", 2h},
      {"0s", 0ms},
      {"0ms", 0ms},
      {"1h30m", 90min},
      {"1m30s", 90s},
      {"2h5m10s500ms", 2h + 5min + 10s + 500ms},
      {"1s500ms", 1500ms},
      {"1.5s", 1500ms},
      {"0.25h", 15min},
      {"0.5m", 30s},
      {"1.250s", 1250ms},
      {"1.000000000000s", 1s},  // trailing zeros are not precision
      {"007s", 7s},
      {"  30s\t", 30s},  // surrounding whitespace is ignored
      {"100000h", 100000h},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    std::string why;
    const auto d = sofy::parse_duration(r.text, &why);
    REQUIRE(d.has_value());
    CHECK(*d == r.expected);
    CHECK(why.empty());
  }
}

TEST_CASE("parse_duration rejects bad text and says why", "[duration]") {
  struct row {
    const char* text;
    const char* why;
  };
  const row rows[] = {
      {"", "empty duration (expected e.g. 250ms, 30s, 5m, 2h)"},
      {"   ", "empty duration (expected e.g. 250ms, 30s, 5m, 2h)"},
      {"30", "missing unit after \"30\" in \"30\" (expected ms, s, m or h)"},
      {"0", "missing unit after \"0\" in \"0\" (expected ms, s, m or h)"},
      {"1h30", "missing unit after \"30\" in \"1h30\" (expected ms, s, m or h)"},
      {"5x", "unknown unit \"x\" in \"5x\" (expected ms, s, m or h)"},
      {"5S", "unknown unit \"S\" in \"5S\" (expected ms, s, m or h)"},
      {"2d", "unknown unit \"d\" in \"2d\" (expected ms, s, m or h)"},
      {"10sec", "unknown unit \"sec\" in \"10sec\" (expected ms, s, m or h)"},
      {"-5s", "negative durations are not allowed: \"-5s\""},
      {"30m1h", "units must go from largest to smallest, each at most once, in \"30m1h\""},
      {"1s1s", "units must go from largest to smallest, each at most once, in \"1s1s\""},
      {"1.0005s", "finer than a millisecond: \"1.0005s\" in \"1.0005s\""},
      {"0.5ms", "finer than a millisecond: \"0.5ms\" in \"0.5ms\""},
      {"0.0000000001h", "finer than a millisecond: \"0.0000000001h\" in \"0.0000000001h\""},
      {"1.s", "expected digits after '.' in \"1.s\""},
      {".5s", "unexpected \".\" in \".5s\" (expected terms such as 250ms, 30s, 5m, 2h or 1h30m, written together)"},
      {"1h 30m",
       "unexpected \" \" in \"1h 30m\" (expected terms such as 250ms, 30s, 5m, 2h or 1h30m, written together)"},
      {"5 s", "unexpected \" \" in \"5 s\""},
      {"+5s", "unexpected \"+\" in \"+5s\" (expected terms such as 250ms, 30s, 5m, 2h or 1h30m, written together)"},
      {"99999999999999999999h", "duration too large: \"99999999999999999999h\""},
      {"2562047788016h", "duration too large: \"2562047788016h\""},
      {"2562047788015h13m", "duration too large: \"2562047788015h13m\""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    std::string why;
    CHECK_FALSE(sofy::parse_duration(r.text, &why).has_value());
    CHECK(why == r.why);
  }
  // Without a `why` it still fails, quietly.
  CHECK_FALSE(sofy::parse_duration("nonsense").has_value());
}

TEST_CASE("parse_duration keeps reasons printable", "[duration]") {
  std::string why;
  CHECK_FALSE(sofy::parse_duration(std::string_view("5\0s", 3), &why).has_value());
  CHECK(why.find('\0') == std::string::npos);
  CHECK(why == "unexpected \"?\" in \"5?s\"");
}

TEST_CASE("format_duration writes the shortest form", "[duration]") {
  CHECK(sofy::format_duration(0ms) == "0s");
  CHECK(sofy::format_duration(250ms) == "250ms");
  CHECK(sofy::format_duration(30s) == "30s");
  CHECK(sofy::format_duration(90s) == "1m30s");
  CHECK(sofy::format_duration(2h) == "2h");
  CHECK(sofy::format_duration(1h + 5s) == "1h5s");
  CHECK(sofy::format_duration(1h + 1min + 1s + 1ms) == "1h1m1s1ms");
  CHECK(sofy::format_duration(-90s) == "-1m30s");
  CHECK(sofy::format_duration(milliseconds::min()).front() == '-');
}

TEST_CASE("format_duration output parses back to the same value", "[duration]") {
  const milliseconds values[] = {1ms, 999ms, 1s, 61s, 59min, 25h, 1h + 59min + 59s + 999ms, 123456789ms,
                                 milliseconds{std::numeric_limits<std::int64_t>::max()}};
  for (const auto v : values) {
    CAPTURE(v.count());
    const auto text = sofy::format_duration(v);
    CAPTURE(text);
    CHECK(sofy::parse_duration(text) == v);
  }
}
