// Tests notifier/detail/text.hpp: UTF-8 length, sanitizing and truncation, "did you mean",
// safe body tokens, stable ids, and the counts wording of the chat sinks.
#include "notifier/detail/text.hpp"

#include <sofy/model.hpp>

#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

using namespace sofy::notifier::detail;

namespace {
const std::string e_acute = "\xC3\xA9";           // U+00E9, 2 bytes
const std::string euro = "\xE2\x82\xAC";          // U+20AC, 3 bytes
const std::string grinning = "\xF0\x9F\x98\x80";  // U+1F600, 4 bytes
const std::string replacement = "\xEF\xBF\xBD";   // U+FFFD
}  // namespace

TEST_CASE("text: utf8_length counts code points, an invalid byte as one") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length("caf" + e_acute) == 4);
  CHECK(utf8_length(euro + grinning) == 2);
  CHECK(utf8_length("a\xFF" "b") == 3);
  CHECK(utf8_length("\xC0\xAF") == 2);  // overlong '/': two invalid bytes
}

TEST_CASE("text: utf8_sanitize replaces each invalid sequence and keeps valid text") {
  CHECK(utf8_sanitize("plain") == "plain");
  CHECK(utf8_sanitize(e_acute + euro + grinning) == e_acute + euro + grinning);
  CHECK(utf8_sanitize("a\xFF" "b") == "a" + replacement + "b");
  CHECK(utf8_sanitize("\xED\xA0\x80") != "\xED\xA0\x80");  // a surrogate is not valid UTF-8
  CHECK(utf8_sanitize("x\xE2\x82") .find(replacement) != std::string::npos);  // cut mid-sequence
}

TEST_CASE("text: utf8_truncate keeps text that fits and never splits a code point") {
  CHECK(utf8_truncate("hello", 5) == "hello");
  CHECK(utf8_truncate("hello world", 8, "...") == "hello...");
  CHECK(utf8_length(utf8_truncate("hello world", 8)) == 8);
  const std::string wide = grinning + grinning + grinning + grinning;
  const std::string cut = utf8_truncate(wide, 3, "~");
  CHECK(cut == grinning + grinning + "~");
  CHECK(utf8_sanitize(cut) == cut);
  CHECK(utf8_truncate("hello", 2, "...").empty());  // the ellipsis alone does not fit
}

TEST_CASE("text: closest suggests a plausible typo and nothing for an unrelated word") {
  const std::vector<std::string> keys{"webhooks", "schedules", "state_file", "poll_interval"};
  CHECK(closest("webhoks", keys) == "webhooks");
  CHECK(closest("schedule", keys) == "schedules");
  CHECK(closest("hooks", keys) == "webhooks");  // a dropped prefix
  CHECK(closest("colour", keys).empty());
  CHECK(closest("", keys).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(is_near("slack", "slak"));
  CHECK_FALSE(is_near("slack", "teams"));
}

TEST_CASE("text: join and iequals") {
  CHECK(join(std::vector<std::string>{"a", "b", "c"}) == "a, b, c");
  CHECK(join(std::vector<std::string>{"x"}, " | ") == "x");
  CHECK(join(std::vector<std::string>{}).empty());
  CHECK(iequals("Failed", "FAILED"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("Failed", "Faile"));
  CHECK_FALSE(iequals("Passed", "Failed"));
}

TEST_CASE("text: safe_token passes short plain tokens only") {
  CHECK(safe_token("channel_not_found") == "channel_not_found");
  CHECK(safe_token("invalid_payload\r\n") == "invalid_payload");
  CHECK(safe_token("ok") == "ok");
  CHECK(safe_token("").empty());
  CHECK(safe_token("no such path /services/T000/B000/XXXX").empty());  // may echo a secret
  CHECK(safe_token("<html>").empty());
  CHECK(safe_token(std::string(65, 'a')).empty());
}

TEST_CASE("text: stable_id is a version-8 UUID, the same for the same parts") {
  const std::string a = stable_id({"schedule", "123", "Login"});
  CHECK(std::regex_match(a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(stable_id({"schedule", "123", "Login"}) == a);
  CHECK(stable_id(std::vector<std::string_view>{"schedule", "123", "Login"}) == a);
  CHECK(stable_id({"schedule", "123", "Logout"}) != a);
  CHECK(stable_id({"ab", "c"}) != stable_id({"a", "bc"}));  // parts are length-prefixed
}

TEST_CASE("text: counts_text lists the non-zero counts in order, then the total") {
  sofy::status_counts c;
  c.total = 10;
  c.passed = 8;
  c.failed = 1;
  c.running = 1;
  CHECK(counts_text(c) == "8 passed, 1 failed, 1 running of 10");
  sofy::status_counts odd;
  odd.total = 4;
  odd.unknown = 1;
  odd.not_executed = 2;
  odd.queued = 1;
  CHECK(counts_text(odd) == "2 not executed, 1 queued, 1 unknown of 4");
  CHECK(counts_text(sofy::status_counts{}) == "no tests of 0");
}
