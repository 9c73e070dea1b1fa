// Tests for include/sofy/model.hpp.
#include <sofy/model.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using sofy::run_status;

namespace {

sofy::test_run make_test(std::string scenario, std::string device, run_status s) {
  sofy::test_run t;
  t.scenario = std::move(scenario);
  t.device = std::move(device);
  t.status = s;
  t.raw_status = std::string(to_string(s));
  return t;
}

sofy::group_status group_of(std::initializer_list<run_status> statuses) {
  sofy::group_status g;
  int i = 0;
  for (auto s : statuses) g.tests.push_back(make_test("scenario " + std::to_string(i++), "Pixel 7", s));
  return g;
}

}  // namespace

TEST_CASE("parse_run_status maps every documented spelling", "[model]") {
  struct row {
    const char* raw;
    run_status expected;
  };
  const row rows[] = {
      {"Queued", run_status::queued},
      {"Scheduled", run_status::queued},
      {"In Queue", run_status::queued},
      {"Waiting for Device", run_status::queued},
      {"Running", run_status::running},
      {"In Progress", run_status::running},
      {"Setting up Device", run_status::running},
      {"Downloading App", run_status::running},
      {"Parsing App", run_status::running},
      {"Loading Scenarios", run_status::running},
      {"Finalizing", run_status::running},
      {"Passed", run_status::passed},
      {"Failed", run_status::failed},
      {"Incomplete", run_status::incomplete},
      {"Not Executed", run_status::not_executed},
      {"Stopped", run_status::stopped},
      {"Run Stopped", run_status::stopped},
      {"Stopped by User", run_status::stopped},
      {"Cancelled by User", run_status::stopped},
      {"Canceled by User", run_status::stopped},
  };
  for (const auto& r : rows) {
    CAPTURE(r.raw);
    CHECK(sofy::parse_run_status(r.raw) == r.expected);
  }
}

TEST_CASE("parse_run_status ignores case, spaces, underscores and dashes", "[model]") {
  struct row {
    const char* raw;
    run_status expected;
  };
  const row rows[] = {
      {"NOT EXECUTED", run_status::not_executed},
      {"not executed", run_status::not_executed},
      {"not_executed", run_status::not_executed},
      {"NotExecuted", run_status::not_executed},
      {"  Not   Executed  ", run_status::not_executed},
      {"not-executed", run_status::not_executed},
      {"\tPassed\r\n", run_status::passed},
      {"pAsSeD", run_status::passed},
      {"RUN STOPPED", run_status::stopped},
      {"runstopped", run_status::stopped},
      {"inqueue", run_status::queued},
      {"waiting_for_device", run_status::queued},
      {"IN-PROGRESS", run_status::running},
      {"stopped BY user", run_status::stopped},
  };
  for (const auto& r : rows) {
    CAPTURE(r.raw);
    CHECK(sofy::parse_run_status(r.raw) == r.expected);
  }
}

TEST_CASE("parse_run_status gives unknown for anything else", "[model]") {
  for (const char* raw : {"", " ", "Pass", "Passedd", "Erroring", "Timed Out", "Aborted", "Cancelled", "42",
                          "Passed!", "P a s s e d x", "a very long status text that is longer than any name"}) {
    CAPTURE(raw);
    CHECK(sofy::parse_run_status(raw) == run_status::unknown);
  }
  // Embedded NUL and non-ASCII bytes never match and never crash.
  CHECK(sofy::parse_run_status(std::string_view("Pass\0ed", 7)) == run_status::unknown);
  CHECK(sofy::parse_run_status("P\xc3\xa4ssed") == run_status::unknown);
}

TEST_CASE("to_string and run_status_from_name round-trip the snake_case names", "[model]") {
  const std::pair<run_status, const char*> names[] = {
      {run_status::queued, "queued"},         {run_status::running, "running"},
      {run_status::passed, "passed"},         {run_status::failed, "failed"},
      {run_status::incomplete, "incomplete"}, {run_status::not_executed, "not_executed"},
      {run_status::stopped, "stopped"},       {run_status::unknown, "unknown"},
  };
  for (const auto& [status, name] : names) {
    CAPTURE(name);
    CHECK(sofy::to_string(status) == name);
    CHECK(sofy::run_status_from_name(name) == status);
  }
  // Exactly the names: display spellings and other cases are rejected.
  for (const char* raw : {"Not Executed", "NOT_EXECUTED", "notexecuted", " passed", "Passed", "", "run_stopped"}) {
    CAPTURE(raw);
    CHECK_FALSE(sofy::run_status_from_name(raw).has_value());
  }
}

TEST_CASE("is_terminal and is_failure", "[model]") {
  struct row {
    run_status s;
    bool terminal, failure;
  };
  const row rows[] = {
      {run_status::queued, false, false},     {run_status::running, false, false},
      {run_status::passed, true, false},      {run_status::failed, true, true},
      {run_status::incomplete, true, true},   {run_status::not_executed, true, true},
      {run_status::stopped, true, true},      {run_status::unknown, false, false},
  };
  for (const auto& r : rows) {
    CAPTURE(sofy::to_string(r.s));
    CHECK(sofy::is_terminal(r.s) == r.terminal);
    CHECK(sofy::is_failure(r.s) == r.failure);
  }
}

TEST_CASE("test_run::key joins scenario and device with a unit separator", "[model]") {
  const auto t = make_test("Login", "Pixel 7", run_status::passed);
  CHECK(t.key() == std::string("Login\x1fPixel 7"));
  // The separator keeps ("a b", "c") and ("a", "b c") apart.
  CHECK(make_test("a b", "c", run_status::passed).key() != make_test("a", "b c", run_status::passed).key());
  CHECK(make_test("", "", run_status::passed).key() == "\x1f");
}

TEST_CASE("group_status counts every status", "[model]") {
  const auto g = group_of({run_status::queued, run_status::running, run_status::running, run_status::passed,
                           run_status::failed, run_status::incomplete, run_status::not_executed,
                           run_status::stopped, run_status::unknown, run_status::passed});
  const auto c = g.counts();
  CHECK(c.total == 10);
  CHECK(c.queued == 1);
  CHECK(c.running == 2);
  CHECK(c.passed == 2);
  CHECK(c.failed == 1);
  CHECK(c.incomplete == 1);
  CHECK(c.not_executed == 1);
  CHECK(c.stopped == 1);
  CHECK(c.unknown == 1);
  CHECK(c.of(run_status::running) == 2);
  CHECK(c.of(run_status::passed) == 2);
  CHECK(c.of(run_status::not_executed) == 1);
  CHECK(c.of(run_status::unknown) == 1);
  CHECK(sofy::group_status{}.counts() == sofy::status_counts{});
}

TEST_CASE("group_status outcome and finished", "[model]") {
  using sofy::run_outcome;
  struct row {
    const char* name;
    sofy::group_status g;
    run_outcome outcome;
    bool finished;
  };
  const row rows[] = {
      {"no tests yet", group_of({}), run_outcome::running, false},
      {"all passed", group_of({run_status::passed, run_status::passed}), run_outcome::passed, true},
      {"one still running", group_of({run_status::passed, run_status::running}), run_outcome::running, false},
      {"a failure while another runs", group_of({run_status::failed, run_status::queued}), run_outcome::running,
       false},
      {"unknown is not terminal", group_of({run_status::passed, run_status::unknown}), run_outcome::running, false},
      {"one failed", group_of({run_status::passed, run_status::failed}), run_outcome::failed, true},
      {"incomplete", group_of({run_status::incomplete}), run_outcome::failed, true},
      {"not executed", group_of({run_status::not_executed, run_status::passed}), run_outcome::failed, true},
      {"stopped", group_of({run_status::stopped}), run_outcome::failed, true},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(r.g.outcome() == r.outcome);
    CHECK(r.g.finished() == r.finished);
  }
  CHECK(sofy::to_string(run_outcome::running) == "running");
  CHECK(sofy::to_string(run_outcome::passed) == "passed");
  CHECK(sofy::to_string(run_outcome::failed) == "failed");
}

TEST_CASE("parse_group_state and to_string(group_state)", "[model]") {
  using sofy::group_state;
  CHECK(sofy::parse_group_state("Queued") == group_state::queued);
  CHECK(sofy::parse_group_state("Running") == group_state::running);
  CHECK(sofy::parse_group_state("Complete") == group_state::complete);
  CHECK(sofy::parse_group_state("Complete with errors") == group_state::complete_with_errors);
  CHECK(sofy::parse_group_state("COMPLETE WITH ERRORS") == group_state::complete_with_errors);
  CHECK(sofy::parse_group_state("complete_with_errors") == group_state::complete_with_errors);
  CHECK(sofy::parse_group_state("Completed") == group_state::unknown);
  CHECK(sofy::parse_group_state("") == group_state::unknown);
  CHECK(sofy::to_string(group_state::complete_with_errors) == "complete_with_errors");
  CHECK(sofy::to_string(group_state::unknown) == "unknown");
}

TEST_CASE("is_guid accepts 8-4-4-4-12 hex only", "[model]") {
  CHECK(sofy::is_guid("0B6EF3F2-1A2B-4C3D-8E9F-00112233AABB"));
  CHECK(sofy::is_guid("0b6ef3f2-1a2b-4c3d-8e9f-00112233aabb"));
  CHECK(sofy::is_guid("00000000-0000-0000-0000-000000000000"));
  for (const char* bad : {"", "not-a-guid", "0B6EF3F2-1A2B-4C3D-8E9F-00112233AAB",     // short
                          "0B6EF3F2-1A2B-4C3D-8E9F-00112233AABBC",                        // long
                          "0B6EF3F2-1A2B-4C3D-8E9F-00112233AABG",                         // not hex
                          "0B6EF3F21A2B-4C3D-8E9F-00112233AABB-",                         // dash moved
                          "{0B6EF3F2-1A2B-4C3D-8E9F-00112233AABB}",                       // braces
                          " 0B6EF3F2-1A2B-4C3D-8E9F-00112233AAB",                         // space
                          "0B6EF3F2_1A2B_4C3D_8E9F_00112233AABB", "0B6EF3F21A2B4C3D8E9F00112233AABB"}) {
    CAPTURE(bad);
    CHECK_FALSE(sofy::is_guid(bad));
  }
}

TEST_CASE("parse_timestamp reads the service's timestamps", "[model]") {
  using namespace std::chrono;
  const auto base = sys_days{2023y / October / 24} + 6h + 14min + 39s;
  CHECK(sofy::parse_timestamp("2023-10-24T06:14:39.200Z") == base + 200ms);
  CHECK(sofy::parse_timestamp("2023-10-24T06:14:39Z") == base);
  CHECK(sofy::parse_timestamp("2023-10-24T06:14:39") == base);          // no zone: UTC
  CHECK(sofy::parse_timestamp("2023-10-24 06:14:39.2") == base + 200ms);  // space, one digit
  CHECK(sofy::parse_timestamp("2023-10-24T06:14:39.123456789Z") == base + 123ms);
  CHECK(sofy::parse_timestamp("2023-10-24T08:14:39+02:00") == base);
  CHECK(sofy::parse_timestamp("2023-10-24T01:44:39-0430") == base);
  CHECK(sofy::parse_timestamp("2022-10-07T20:39:26.02") ==
        sys_days{2022y / October / 7} + 20h + 39min + 26s + 20ms);
  for (const char* bad : {"", "2023-10-24", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2023-10-24T24:00:00Z",
                          "2023-10-24T06:60:00Z", "2023-10-24T06:14:39.Z", "2023-10-24T06:14:39X",
                          "2023-10-24T06:14:39+2", "2023-10-24T06:14:39Z trailing", "yesterday",
                          "2023/10/24T06:14:39Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(sofy::parse_timestamp(bad).has_value());
  }
}

TEST_CASE("latest_group picks the newest run group", "[model]") {
  auto group = [](std::string id, std::string at) {
    sofy::run_group g;
    g.id = std::move(id);
    g.executed_at = std::move(at);
    return g;
  };
  CHECK(sofy::latest_group({}) == nullptr);
  const std::vector<sofy::run_group> groups = {
      group("100", "2023-10-24T06:14:39.200Z"),
      group("101", "2023-10-25T06:14:39.200Z"),
      group("99", "2023-10-23T06:14:39.200Z"),
  };
  REQUIRE(sofy::latest_group(groups) != nullptr);
  CHECK(sofy::latest_group(groups)->id == "101");

  // Same time: the larger id (by value, not text) is newer.
  const std::vector<sofy::run_group> ties = {group("99", "2023-10-24T06:14:39Z"), group("100", "2023-10-24T06:14:39Z")};
  CHECK(sofy::latest_group(ties)->id == "100");

  // A readable time beats an unreadable one; zone-less legacy times compare with zoned ones.
  const std::vector<sofy::run_group> mixed = {group("500", "garbage"), group("7", "2022-10-07T20:39:26.02"),
                                              group("8", "2022-10-07T20:39:26.010Z")};
  CHECK(sofy::latest_group(mixed)->id == "7");
  CHECK(sofy::newer(group("2", ""), group("10", "")) == false);
  CHECK(sofy::newer(group("10", ""), group("2", "")) == true);
}
