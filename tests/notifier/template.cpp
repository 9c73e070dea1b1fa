// Tests notifier/template.hpp: checking and rendering title/text templates.
#include "notifier/template.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sofy::run_outcome;
using sofy::run_status;
using namespace sofy::notifier;

namespace {

message_fields sample() {
  message_fields f;
  f.schedule = "Nightly <smoke>";
  f.schedule_guid = "0b6ef3f2-aaaa-bbbb-cccc-000000000001";
  f.group = "123456";
  f.groups = "123455, 123456";
  f.outcome = "failed";
  f.observed_at = "2026-12-04T10:00:00Z";
  f.counts.total = 10;
  f.counts.passed = 7;
  f.counts.failed = 2;
  f.counts.stopped = 1;
  f.failures = 3;
  f.changes = 4;
  return f;
}

std::string escape_angles(std::string_view s) {
  std::string out;
  for (char c : s)
    out += c == '<' ? std::string("&lt;") : c == '>' ? std::string("&gt;") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("template: every documented field renders") {
  auto f = sample();
  CHECK(render_template("{schedule}|{schedule_guid}|{group}|{groups}|{outcome}|{observed_at}", f) ==
        "Nightly <smoke>|0b6ef3f2-aaaa-bbbb-cccc-000000000001|123456|123455, 123456|failed|"
        "2026-12-04T10:00:00Z");
  CHECK(render_template("{total} {queued} {running} {passed} {failed} {incomplete} "
                        "{not_executed} {stopped} {unknown} {failures} {changes}",
                        f) == "10 0 0 7 2 0 0 1 0 3 4");
  CHECK(render_template("{passed:>3}/{total:<3}| {{braces}}", f) == "  7/10 | {braces}");
  for (auto name : template_field_names()) {
    INFO(name);
    CHECK_FALSE(check_template("{" + std::string(name) + "}"));
  }
  CHECK(template_field_names().size() == 17);
}

TEST_CASE("template: escaping applies to field values, not to the template's own text") {
  CHECK(render_template("<!here> {schedule}", sample(), &escape_angles) ==
        "<!here> Nightly &lt;smoke&gt;");
}

TEST_CASE("template: the defaults are valid") {
  CHECK_FALSE(check_template(default_title));
  CHECK_FALSE(check_template(default_text));
  CHECK(render_template(default_text, sample()) ==
        "Run 123456 failed: 7 passed, 3 not passed, 0 running, 0 queued of 10");
}

TEST_CASE("template: bad templates are explained") {
  CHECK(check_template("{shedule}") == "unknown field {shedule}; did you mean {schedule}?");
  CHECK(check_template("{colour}")->rfind("unknown field {colour} (fields: schedule, ", 0) == 0);
  CHECK(check_template("{}") ==
        "positional fields like {} are not supported; name a field, e.g. {schedule}");
  CHECK(check_template("{0}") ==
        "positional fields like {0} are not supported; name a field, e.g. {schedule}");
  CHECK(check_template("{passed:>{}}") ==
        "positional fields like {} are not supported; name a field, e.g. {schedule}");
  CHECK(check_template("{passed") == "unmatched '{' (write '{{' for a literal brace)");
  CHECK(check_template("passed}") == "unmatched '}' (write '}}' for a literal brace)");
  auto spec = check_template("{schedule:d}");
  REQUIRE(spec);
  CHECK(spec->rfind("bad format: ", 0) == 0);
  CHECK_FALSE(check_template("plain text"));
  CHECK_FALSE(check_template("{passed:>{total}}"));
}

TEST_CASE("template: a bad template that slipped through renders as written") {
  CHECK(render_template("{schedule:d}", sample()) == "{schedule:d}");
}

TEST_CASE("template: fields_for summarises a batch by its last event") {
  batch b;
  b.schedule = {"Nightly", "guid-1"};
  CHECK(fields_for(b).outcome == "running");
  CHECK(fields_for(b).changes == 0);
  event e1, e2, e3;
  e1.group = "1";
  e2.group = "2";
  e2.outcome = run_outcome::failed;
  e2.counts.total = 3;
  e2.counts.failed = 1;
  e2.counts.not_executed = 1;
  e2.counts.passed = 1;
  e2.observed_at = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 10h;
  e3 = e2;
  b.events = {e1, e2, e3};
  auto f = fields_for(b);
  CHECK(f.schedule == "Nightly");
  CHECK(f.schedule_guid == "guid-1");
  CHECK(f.group == "2");
  CHECK(f.groups == "1, 2");
  CHECK(f.outcome == "failed");
  CHECK(f.counts.total == 3);
  CHECK(f.failures == 2);
  CHECK(f.changes == 3);
  CHECK(f.observed_at == "2026-12-04T10:00:00Z");
}
