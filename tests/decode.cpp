// Tests for include/sofy/decode.hpp: every shape of API-NOTES.md, verbatim, and odd inputs.
#include <sofy/decode.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>
#include <string>

using sofy::run_status;

// Counts allocations on this thread, for the test that a reused status decode makes
// none. Replacing the global operator new is allowed and only counts.
namespace {
thread_local std::size_t allocations = 0;
}
void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

// The message of the sofy::error that `f` throws; fails the test if it throws
// anything else or nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const sofy::error& e) {
    CHECK(e.code() == sofy::errc::bad_response);
    return e.what();
  } catch (const std::exception& e) {
    FAIL("threw something other than sofy::error: " << e.what());
  }
  FAIL("did not throw");
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------
// Status

TEST_CASE("decode_status: current shape from API-NOTES", "[decode]") {
  const auto g = sofy::decode_status(
      R"J({"data":[{"scheduledRunName":"tomorrow","testRunGroupId":"XXXXXX","scenarioName":"alextest",
          "scheduledAt":"2023-10-24T06:14:39.200Z","build":"1.43.0.release-candidate(5768)",
          "device":"iPad 7th Gen","status":"Run Stopped"}],
 "message":"Fetched 1 record(s)."})J");
  CHECK(g.group_id == "XXXXXX");
  CHECK(g.message == "Fetched 1 record(s).");
  REQUIRE(g.tests.size() == 1);
  const auto& t = g.tests[0];
  CHECK(t.scenario == "alextest");
  CHECK(t.device == "iPad 7th Gen");
  CHECK(t.build == "1.43.0.release-candidate(5768)");
  CHECK(t.status == run_status::stopped);
  CHECK(t.raw_status == "Run Stopped");
  CHECK(t.schedule_name == "tomorrow");
  CHECK(t.group_id == "XXXXXX");
  CHECK(t.scheduled_at == "2023-10-24T06:14:39.200Z");
  CHECK(g.outcome() == sofy::run_outcome::failed);
}

TEST_CASE("decode_status: legacy bare array from API-NOTES", "[decode]") {
  const auto g = sofy::decode_status(
      R"J([{"Scheduled_Name":"...","ScenarioName":"...","ScheduledAt":"2022-10-07T20:39:26.02","Version":"...",
  "CodeName":"","BuildNumber":"...","Manufacturer":"Apple","Model":"iPhone13,2","Statusvalue":"Passed"}])J");
  REQUIRE(g.tests.size() == 1);
  const auto& t = g.tests[0];
  CHECK(t.scenario == "...");
  CHECK(t.device == "Apple iPhone13,2");
  CHECK(t.build == "...(...)");
  CHECK(t.status == run_status::passed);
  CHECK(t.raw_status == "Passed");
  CHECK(t.schedule_name == "...");
  CHECK(t.scheduled_at == "2022-10-07T20:39:26.02");
  CHECK(t.group_id.empty());
  CHECK(g.group_id.empty());
  CHECK(g.message.empty());
  CHECK(g.outcome() == sofy::run_outcome::passed);
}

TEST_CASE("decode_status: legacy build and device composition", "[decode]") {
  const auto g = sofy::decode_status(R"J([
    {"ScenarioName":"a","Version":"1.43.0","CodeName":"release-candidate","BuildNumber":5768,
     "Manufacturer":"Samsung","Model":"SM-G991B","Statusvalue":"Failed"},
    {"ScenarioName":"b","Version":"2.0","BuildNumber":"","Model":"Pixel 7","Statusvalue":"Not Executed"},
    {"ScenarioName":"c","BuildNumber":"77","Manufacturer":"Apple","Statusvalue":"Incomplete"},
    {"ScenarioName":"d","Version":3,"Statusvalue":"Stopped"}
  ])J");
  REQUIRE(g.tests.size() == 4);
  CHECK(g.tests[0].build == "1.43.0.release-candidate(5768)");
  CHECK(g.tests[0].device == "Samsung SM-G991B");
  CHECK(g.tests[1].build == "2.0");
  CHECK(g.tests[1].device == "Pixel 7");
  CHECK(g.tests[2].build == "(77)");
  CHECK(g.tests[2].device == "Apple");
  CHECK(g.tests[3].build == "3");
  CHECK(g.tests[3].device.empty());
  const auto c = g.counts();
  CHECK(c.failed == 1);
  CHECK(c.not_executed == 1);
  CHECK(c.incomplete == 1);
  CHECK(c.stopped == 1);
}

TEST_CASE("decode_status: data as a single object", "[decode]") {
  const auto g = sofy::decode_status(
      R"J({"data":{"scenarioName":"Login","device":"Pixel 7","build":"1.4.0(77)","status":"Running","testRunGroupId":123456},"message":"ok"})J");
  REQUIRE(g.tests.size() == 1);
  CHECK(g.tests[0].scenario == "Login");
  CHECK(g.tests[0].status == run_status::running);
  CHECK(g.group_id == "123456");
  CHECK(g.message == "ok");
}

TEST_CASE("decode_status: empty and null data give no tests", "[decode]") {
  for (const char* body : {R"J({"data":[],"message":"Fetched 0 record(s)."})J", R"J({"data":null})J", "[]",
                           " \r\n[ ]\n"}) {
    CAPTURE(body);
    const auto g = sofy::decode_status(body);
    CHECK(g.tests.empty());
    CHECK(g.outcome() == sofy::run_outcome::running);
    CHECK_FALSE(g.finished());
  }
}

TEST_CASE("decode_status: missing fields, nulls and extra fields", "[decode]") {
  const auto g = sofy::decode_status(R"J({"data":[
    {},
    {"scenarioName":null,"device":null,"build":null,"status":null,"testRunGroupId":null,"scheduledAt":null},
    {"scenarioName":"x","status":"Passed","extra":{"nested":[1,2,{"deep":true}]},"another":false,"n":1.5}
  ],"message":null,"total":3,"meta":{"page":1}})J");
  REQUIRE(g.tests.size() == 3);
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    const auto& t = g.tests[static_cast<std::size_t>(i)];
    CHECK(t.scenario.empty());
    CHECK(t.device.empty());
    CHECK(t.build.empty());
    CHECK(t.raw_status.empty());
    CHECK(t.status == run_status::unknown);
    CHECK(t.group_id.empty());
  }
  CHECK(g.tests[2].scenario == "x");
  CHECK(g.tests[2].status == run_status::passed);
  CHECK(g.message.empty());
  // Unknown statuses are not terminal: the group is still running.
  CHECK(g.outcome() == sofy::run_outcome::running);
}

TEST_CASE("decode_status: unknown status text is kept", "[decode]") {
  const auto g = sofy::decode_status(R"J({"data":[{"scenarioName":"s","status":"Quarantined by Robot"}]})J");
  REQUIRE(g.tests.size() == 1);
  CHECK(g.tests[0].status == run_status::unknown);
  CHECK(g.tests[0].raw_status == "Quarantined by Robot");
}

TEST_CASE("decode_status: ids and builds as numbers or strings", "[decode]") {
  const auto g = sofy::decode_status(R"J({"data":[
    {"testRunGroupId":123456,"build":5768,"status":"Passed"},
    {"testRunGroupId":"123456","build":"5768","status":"Passed"},
    {"testRunGroupId":123456.0,"build":1.5,"status":"Passed"},
    {"testRunGroupId":18446744073709551615,"build":-3,"status":"Passed"}
  ]})J");
  REQUIRE(g.tests.size() == 4);
  CHECK(g.tests[0].group_id == "123456");
  CHECK(g.tests[0].build == "5768");
  CHECK(g.tests[1].group_id == "123456");
  CHECK(g.tests[2].group_id == "123456");
  CHECK(g.tests[2].build == "1.5");
  CHECK(g.tests[3].group_id == "18446744073709551615");
  CHECK(g.tests[3].build == "-3");
  CHECK(g.group_id == "123456");
}

TEST_CASE("decode_status: spellings, escapes, duplicates and skipped values", "[decode]") {
  // The current spelling wins over the legacy one, in either order.
  const auto g = sofy::decode_status(R"J({"meta":{"data":[{"status":"Failed"}],"message":7},"data":[
    {"Statusvalue":"Failed","status":"Passed","ScenarioName":"legacy","scenarioName":"current"},
    {"status":"Passed","Statusvalue":"Failed"},
    {"status":"Failed","status":"Passed"},
    {"scenarioName":"Caf\u00e9 \"quoted\" \\ tab\t","device":"\ud83d\ude00 phone","status":"Passed",
     "nested":{"status":5,"a":[{"b":[null,true,1.5,"x"]}]},"list":[[],{}]}
  ],"after":[1,{"x":[2]}],"message":"ok"})J");
  REQUIRE(g.tests.size() == 4);
  CHECK(g.tests[0].status == run_status::passed);
  CHECK(g.tests[0].scenario == "current");
  CHECK(g.tests[1].status == run_status::passed);
  CHECK(g.tests[2].status == run_status::passed);  // the last duplicate wins
  CHECK(g.tests[3].scenario == "Caf\xc3\xa9 \"quoted\" \\ tab\t");
  CHECK(g.tests[3].device == "\xf0\x9f\x98\x80 phone");
  CHECK(g.message == "ok");

  // A repeated "data": the last one counts.
  const auto twice = sofy::decode_status(
      R"J({"data":[{"scenarioName":"first","testRunGroupId":1}],"data":[{"scenarioName":"second"}]})J");
  REQUIRE(twice.tests.size() == 1);
  CHECK(twice.tests[0].scenario == "second");
  CHECK(twice.group_id.empty());
  CHECK(sofy::decode_run_groups(R"J({"data":[{"testRunGroupId":1}],"data":[]})J").empty());

  // "Data" and "Message" are accepted too, and named as sent in errors.
  const auto upper = sofy::decode_status(R"J({"Data":[{"status":"Queued"}],"Message":"m"})J");
  REQUIRE(upper.tests.size() == 1);
  CHECK(upper.tests[0].status == run_status::queued);
  CHECK(upper.message == "m");
  CHECK(error_of([] { sofy::decode_status(R"J({"Data":[{"status":[]}]})J"); }) ==
        "status response: Data[0].status: expected a string, got array");
  CHECK(error_of([] { sofy::decode_status(R"J({"Data":true})J"); }) ==
        "status response: Data: expected an array or an object, got boolean");
  CHECK(error_of([] { sofy::decode_status(R"J({"data":[],"Message":{}})J"); }) ==
        "status response: Message: expected a string, got object");
  CHECK(error_of([] { sofy::decode_status(R"J([[{"status":"Passed"}]])J"); }) ==
        "status response: [0]: expected an object, got array");
  CHECK(error_of([] { sofy::decode_status(R"J({"data":[{},null]})J"); }) ==
        "status response: data[1]: expected an object, got null");
}

TEST_CASE("decode_status into a previous answer gives the same result", "[decode]") {
  const char* five = R"J({"data":[{"scenarioName":"a","status":"Passed","testRunGroupId":1},{"scenarioName":"b"},
    {"scenarioName":"c"},{"scenarioName":"d"},{"scenarioName":"e","device":"Pixel"}],"message":"five"})J";
  const char* two = R"J([{"ScenarioName":"x","Manufacturer":"Apple","Model":"iPhone","Statusvalue":"Failed"},
    {"ScenarioName":"y","Version":"1.0","BuildNumber":"2"}])J";
  sofy::group_status g;
  sofy::decode_status(five, g);
  CHECK(g.tests.size() == 5);
  CHECK(g.group_id == "1");
  CHECK(g.message == "five");
  // Fewer tests, no group id, no message: nothing of the earlier answer remains.
  sofy::decode_status(two, g);
  const auto fresh = sofy::decode_status(two);
  CHECK(g.tests == fresh.tests);
  CHECK(g.group_id.empty());
  CHECK(g.message.empty());
  REQUIRE(g.tests.size() == 2);
  CHECK(g.tests[0].device == "Apple iPhone");
  CHECK(g.tests[1].device.empty());
  CHECK(g.tests[1].build == "1.0(2)");
  CHECK(g.tests[1].status == run_status::unknown);
  // More tests again.
  sofy::decode_status(five, g);
  CHECK(g.tests == sofy::decode_status(five).tests);
  // After an error the object is still usable.
  CHECK_THROWS_AS(sofy::decode_status(R"J({"data":[{"scenarioName":"z"},{"status":1}]})J", g), sofy::error);
  sofy::decode_status(two, g);
  CHECK(g.tests == fresh.tests);
}

TEST_CASE("decode_status into a previous answer allocates nothing in steady state", "[decode]") {
  std::string body = R"J({"data":[)J";
  for (int i = 0; i < 50; ++i) {
    if (i) body += ',';
    body += R"J({"scheduledRunName":"Nightly regression suite","testRunGroupId":"1234567",
      "scenarioName":"A scenario with a long name )J" + std::to_string(i) +
            R"J(","scheduledAt":"2023-10-24T06:14:39.200Z","build":"1.43.0.release-candidate(5768)",
      "device":"Samsung Galaxy S23 Ultra","status":"In Progress","unknownField":{"a":[1,2,3]}})J";
  }
  body += R"J(],"message":"Fetched 50 record(s) from the scheduler."})J";
  sofy::group_status g;
  sofy::decode_status(body, g);
  sofy::decode_status(body, g);
  const auto before = allocations;
  sofy::decode_status(body, g);
  CHECK(allocations - before == 0);
  CHECK(g.tests.size() == 50);
  // A fresh decode allocates (the test can fail).
  const auto before_fresh = allocations;
  CHECK(sofy::decode_status(body).tests.size() == 50);
  CHECK(allocations - before_fresh > 50);
}

TEST_CASE("decode_status: many tests keep their order", "[decode]") {
  std::string body = R"J({"data":[)J";
  for (int i = 0; i < 200; ++i) {
    if (i) body += ',';
    body += R"J({"scenarioName":"Scenario number )J" + std::to_string(i) +
            R"J(","device":"Samsung Galaxy S23 Ultra","build":"1.43.0.release-candidate(5768)","status":"Passed"})J";
  }
  body += "]}";
  const auto g = sofy::decode_status(body);
  REQUIRE(g.tests.size() == 200);
  CHECK(g.tests[0].scenario == "Scenario number 0");
  CHECK(g.tests[199].scenario == "Scenario number 199");
  CHECK(g.outcome() == sofy::run_outcome::passed);
}

TEST_CASE("decode_status: wrong types give exact messages", "[decode]") {
  struct row {
    const char* body;
    const char* message;
  };
  const row rows[] = {
      {R"J({"data":[{},{},{"status":5}]})J", "status response: data[2].status: expected a string, got number"},
      {R"J({"data":[{"scenarioName":["a"]}]})J",
       "status response: data[0].scenarioName: expected a string, got array"},
      {R"J({"data":[{"device":{}}]})J", "status response: data[0].device: expected a string, got object"},
      {R"J({"data":[{"build":true}]})J",
       "status response: data[0].build: expected a string or a number, got boolean"},
      {R"J({"data":[{"testRunGroupId":[1]}]})J",
       "status response: data[0].testRunGroupId: expected a string or a number, got array"},
      {R"J([{"Statusvalue":false}])J", "status response: [0].Statusvalue: expected a string, got boolean"},
      {R"J({"data":{"status":1}})J", "status response: data.status: expected a string, got number"},
      {R"J({"data":[1]})J", "status response: data[0]: expected an object, got number"},
      {R"J({"data":[{},"x"]})J", "status response: data[1]: expected an object, got string"},
      {R"J({"data":"none"})J", "status response: data: expected an array or an object, got string"},
      {R"J({"data":5})J", "status response: data: expected an array or an object, got number"},
      {R"J({"message":"Fetched 0 record(s)."})J", "status response: missing \"data\""},
      {R"J({"data":[],"message":7})J", "status response: message: expected a string, got number"},
      {R"J("text")J", "status response: expected an object or an array, got string"},
      {"42", "status response: expected an object or an array, got number"},
      {"null", "status response: expected an object or an array, got null"},
      {"true", "status response: expected an object or an array, got boolean"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.body);
    CHECK(error_of([&] { sofy::decode_status(r.body); }) == r.message);
  }
}

TEST_CASE("decode_status: invalid JSON says what and where", "[decode]") {
  struct row {
    std::string body;
    const char* message;
  };
  const row rows[] = {
      {"", "status response: empty body (expected JSON)"},
      {"  \n", "status response: empty body (expected JSON)"},
      {"[{},{}", "status response: invalid JSON: incomplete JSON at byte 6"},
      {R"J({"data":[{"status":"Passed")J", "status response: invalid JSON: incomplete JSON at byte 27"},
      {"{} x", "status response: invalid JSON: unexpected data after the JSON value at byte 3"},
      {"{\"data\":[}", "status response: invalid JSON: syntax error at byte 9"},
      {"<html>502</html>", "status response: invalid JSON: syntax error at byte 0"},
      {"{\"data\":[],}", "status response: invalid JSON: syntax error at byte 11"},
      {"\xff\xfe", "status response: invalid JSON: syntax error at byte 0"},
      {"{\"a\":\"\xc3\x28\"}", "status response: invalid JSON: syntax error at byte 6"},  // invalid UTF-8
      {std::string("{\"a\"\0:1}", 8), "status response: invalid JSON: syntax error at byte 4"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.body);
    CHECK(error_of([&] { sofy::decode_status(r.body); }) == r.message);
  }
}

TEST_CASE("decode_status: deeply nested JSON is rejected, not recursed into", "[decode]") {
  // Inside a field that is skipped, so that only the depth limit can stop it.
  const std::string deep = R"J({"data":[],"x":)J" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK(error_of([&] { sofy::decode_status(deep); }) == "status response: invalid JSON: nested too deeply at byte 46");
  CHECK(error_of([&] { sofy::decode_run_groups(deep); }) ==
        "run groups response: invalid JSON: nested too deeply at byte 46");
  CHECK(error_of([&] { sofy::decode_applications(deep); }) ==
        "applications response: invalid JSON: nested too deeply at byte 46");
  const std::string deep_objects = [] {
    std::string s = R"J({"data":[{"status":"Passed","x":)J";
    for (int i = 0; i < 5000; ++i) s += "{\"a\":";
    return s + "1" + std::string(5000, '}') + "}]}";
  }();
  CHECK(error_of([&] { sofy::decode_status(deep_objects); }).find("nested too deeply") != std::string::npos);
  // Nesting within the limit, inside an ignored field, is fine.
  const auto g = sofy::decode_status(R"J({"data":[{"status":"Passed","x":[[[[[[[[[[1]]]]]]]]]]}]})J");
  CHECK(g.tests.size() == 1);
}

// ---------------------------------------------------------------------------
// Run groups

TEST_CASE("decode_run_groups: bare array and data, newest first", "[decode]") {
  const char* bare = R"J([
    {"testRunGroupId":"100","executedAt":"2023-10-24T06:14:39.200Z","status":"Complete","message":"m1"},
    {"testRunGroupId":102,"executedAt":"2023-10-26T06:14:39.200Z","status":"Running","message":null},
    {"testRunGroupId":"101","executedAt":"2023-10-25T06:14:39.200Z","status":"Complete with errors"}
  ])J";
  const std::string wrapped = std::string(R"J({"data":)J") + bare + R"J(,"message":"Fetched 3 record(s)."})J";
  for (const std::string& body : {std::string(bare), wrapped}) {
    const auto groups = sofy::decode_run_groups(body);
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].id == "102");
    CHECK(groups[0].state == sofy::group_state::running);
    CHECK(groups[0].raw_state == "Running");
    CHECK(groups[0].executed_at == "2023-10-26T06:14:39.200Z");
    CHECK(groups[1].id == "101");
    CHECK(groups[1].state == sofy::group_state::complete_with_errors);
    CHECK(groups[2].id == "100");
    CHECK(groups[2].state == sofy::group_state::complete);
    CHECK(groups[2].message == "m1");
    CHECK(sofy::latest_group(groups)->id == "102");
  }
}

TEST_CASE("decode_run_groups: every group state, and odd inputs", "[decode]") {
  const auto groups = sofy::decode_run_groups(R"J({"data":[
    {"testRunGroupId":"1","executedAt":"2023-10-21T00:00:00Z","status":"Queued"},
    {"testRunGroupId":"2","executedAt":"2023-10-22T00:00:00Z","status":"Paused"},
    {"testRunGroupId":"3"}
  ]})J");
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].id == "2");
  CHECK(groups[0].state == sofy::group_state::unknown);
  CHECK(groups[0].raw_state == "Paused");
  CHECK(groups[1].state == sofy::group_state::queued);
  CHECK(groups[2].id == "3");  // no time: oldest
  CHECK(groups[2].executed_at.empty());

  CHECK(sofy::decode_run_groups("[]").empty());
  CHECK(sofy::decode_run_groups(R"J({"data":[]})J").empty());
  CHECK(sofy::decode_run_groups(R"J({"data":null})J").empty());
  const auto one = sofy::decode_run_groups(R"J({"data":{"testRunGroupId":9,"status":"Complete"}})J");
  REQUIRE(one.size() == 1);
  CHECK(one[0].id == "9");

  CHECK(error_of([] { sofy::decode_run_groups(R"J([{"executedAt":20231024}])J"); }) ==
        "run groups response: [0].executedAt: expected a string, got number");
  CHECK(error_of([] { sofy::decode_run_groups(R"J({"data":[{"status":["Complete"]}]})J"); }) ==
        "run groups response: data[0].status: expected a string, got array");
  CHECK(error_of([] { sofy::decode_run_groups("{}"); }) == "run groups response: missing \"data\"");
  CHECK(error_of([] { sofy::decode_run_groups("[null]"); }) ==
        "run groups response: [0]: expected an object, got null");
}

// ---------------------------------------------------------------------------
// Trigger

TEST_CASE("decode_trigger: the four answers of API-NOTES", "[decode]") {
  struct row {
    const char* body;
    const char* id;
    const char* message;
  };
  const row rows[] = {
      {R"J({"data":[{"scheduleTestRunsGroupID": 123456}],"message":"Test runs are scheduled and in queue ..."})J",
       "123456", "Test runs are scheduled and in queue ..."},
      {R"J({"testGroupsRunId":"123456","message":"..."})J", "123456", "..."},
      {R"J({"Message":"...","ScheduleTestRunsGroupID":123456})J", "123456", "..."},
      {R"J({"testRunGroupId":"123456","message":"queued"})J", "123456", "queued"},
      {R"J({"data":{"testRunGroupId":654321}})J", "654321", ""},
      {R"J({"data":[{"other":1},{"TESTRUNGROUPID":"7"}]})J", "7", ""},
      {R"J([{"scheduleTestRunsGroupID":"42"}])J", "42", ""},
      {R"J({"testGroupsRunId":1e3})J", "1000", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.body);
    const auto t = sofy::decode_trigger(r.body);
    REQUIRE(t.group_id.has_value());
    CHECK(*t.group_id == r.id);
    CHECK(t.message == r.message);
  }
}

TEST_CASE("decode_trigger: no id means find the run through the group list", "[decode]") {
  for (const char* body : {R"J({"message":"Test runs are scheduled and in queue"})J",
                           R"J({"data":[],"message":"ok"})J", R"J({"data":null})J", R"J({"data":[{}]})J",
                           R"J({"testRunGroupId":null})J", R"J({"testRunGroupId":""})J", "{}", "[]"}) {
    CAPTURE(body);
    CHECK_FALSE(sofy::decode_trigger(body).group_id.has_value());
  }
  // Top level wins over data; an empty string is passed over.
  const auto t = sofy::decode_trigger(R"J({"testRunGroupId":"","data":[{"scheduleTestRunsGroupID":5}]})J");
  CHECK(t.group_id == "5");
}

TEST_CASE("decode_trigger: wrong types give exact messages", "[decode]") {
  CHECK(error_of([] { sofy::decode_trigger(R"J({"data":[{"scheduleTestRunsGroupID":{}}]})J"); }) ==
        "trigger response: data[0].scheduleTestRunsGroupID: expected a string or a number, got object");
  CHECK(error_of([] { sofy::decode_trigger(R"J({"testGroupsRunId":true})J"); }) ==
        "trigger response: testGroupsRunId: expected a string or a number, got boolean");
  CHECK(error_of([] { sofy::decode_trigger(R"J({"data":"queued"})J"); }) ==
        "trigger response: data: expected an array or an object, got string");
  CHECK(error_of([] { sofy::decode_trigger(R"J({"message":1})J"); }) ==
        "trigger response: message: expected a string, got number");
  CHECK(error_of([] { sofy::decode_trigger("\"ok\""); }) == "trigger response: expected an object, got string");
  CHECK(error_of([] { sofy::decode_trigger(""); }) == "trigger response: empty body (expected JSON)");
}

// ---------------------------------------------------------------------------
// Applications, devices, upload, message

TEST_CASE("decode_applications: shape from API-NOTES", "[decode]") {
  const auto apps = sofy::decode_applications(R"J({"data":[
    {"application_guid":"0B6EF3F2-1A2B-4C3D-8E9F-00112233AABB","platform_name":"ANDROID",
     "application_friendly_name":"Shop",
     "application_builds":[
       {"app_hash":"0123456789abcdef0123456789abcdef","build_id":77,"build_friendly_name":"1.4.0(77)",
        "build_package_name":"com.example.shop"},
       {"app_hash":"fedcba9876543210fedcba9876543210","build_id":"78","build_friendly_name":null}
     ]},
    {"application_guid":"X","platform_name":"IOS","application_friendly_name":"Shop iOS","application_builds":null},
    {"application_guid":"Y"}
  ],"message":"ok"})J");
  REQUIRE(apps.size() == 3);
  CHECK(apps[0].guid == "0B6EF3F2-1A2B-4C3D-8E9F-00112233AABB");
  CHECK(apps[0].platform == "ANDROID");
  CHECK(apps[0].name == "Shop");
  REQUIRE(apps[0].builds.size() == 2);
  CHECK(apps[0].builds[0] ==
        sofy::app_build{"0123456789abcdef0123456789abcdef", "77", "1.4.0(77)", "com.example.shop"});
  CHECK(apps[0].builds[1] == sofy::app_build{"fedcba9876543210fedcba9876543210", "78", "", ""});
  CHECK(apps[1].builds.empty());
  CHECK(apps[2].builds.empty());
  CHECK(sofy::decode_applications(R"J({"data":[]})J").empty());
  CHECK(sofy::decode_applications("[]").empty());

  CHECK(error_of([] { sofy::decode_applications(R"J({"data":[{"application_builds":{}}]})J"); }) ==
        "applications response: data[0].application_builds: expected an array, got object");
  CHECK(error_of([] { sofy::decode_applications(R"J({"data":[{"application_builds":[{"app_hash":1}]}]})J"); }) ==
        "applications response: data[0].application_builds[0].app_hash: expected a string, got number");
  CHECK(error_of([] { sofy::decode_applications(R"J({"data":[{"application_builds":[7]}]})J"); }) ==
        "applications response: data[0].application_builds[0]: expected an object, got number");
}

TEST_CASE("decode_devices: shape from API-NOTES", "[decode]") {
  const auto devices = sofy::decode_devices(R"J({"data":[
    {"os_version":"14","manufacturer":"Google","device_name":"Pixel 7","device_serial":"28011FDH2000AB","STATE":"AVAILABLE"},
    {"os_version":16.4,"manufacturer":"Apple","device_name":"iPhone 14","device_serial":12345,"STATE":"BUSY","extra":1},
    {}
  ]})J");
  REQUIRE(devices.size() == 3);
  CHECK(devices[0] == sofy::device{"Pixel 7", "Google", "14", "28011FDH2000AB", "AVAILABLE"});
  CHECK(devices[1] == sofy::device{"iPhone 14", "Apple", "16.4", "12345", "BUSY"});
  CHECK(devices[2] == sofy::device{});
  CHECK(error_of([] { sofy::decode_devices(R"J({"data":[{"STATE":0}]})J"); }) ==
        "devices response: data[0].STATE: expected a string, got number");
}

TEST_CASE("decode_upload: shape from API-NOTES", "[decode]") {
  const auto u = sofy::decode_upload(
      R"J({"data":{"appHash":"0123456789abcdef0123456789abcdef"},"message":"Application Upload Successful."})J");
  CHECK(u.app_hash == "0123456789abcdef0123456789abcdef");
  CHECK(u.message == "Application Upload Successful.");
  CHECK(sofy::decode_upload(R"J({"appHash":"abc"})J").app_hash == "abc");

  CHECK(error_of([] { sofy::decode_upload(R"J({"data":{},"message":"Application Upload Successful."})J"); }) ==
        "upload response: no app hash in the answer (expected data.appHash)");
  CHECK(error_of([] { sofy::decode_upload(R"J({"data":{"appHash":""}})J"); }) ==
        "upload response: no app hash in the answer (expected data.appHash)");
  CHECK(error_of([] { sofy::decode_upload(R"J({"data":{"appHash":5}})J"); }) ==
        "upload response: data.appHash: expected a string, got number");
  CHECK(error_of([] { sofy::decode_upload(R"J({"data":"x"})J"); }) ==
        "upload response: data: expected an object, got string");
  CHECK(error_of([] { sofy::decode_upload("[]"); }) == "upload response: expected an object, got array");
}

TEST_CASE("decode_message: the abort answer", "[decode]") {
  CHECK(sofy::decode_message(R"J({"message":"Test run(s) aborted successfully."})J") ==
        "Test run(s) aborted successfully.");
  CHECK(sofy::decode_message(R"J({"Message":"done"})J") == "done");
  CHECK(sofy::decode_message("{}").empty());
  CHECK(sofy::decode_message("").empty());
  CHECK(sofy::decode_message("  \n").empty());
  CHECK(error_of([] { sofy::decode_message(R"J({"message":["x"]})J"); }) ==
        "abort response: message: expected a string, got array");
  CHECK(error_of([] { sofy::decode_message("[1]", "webhook response"); }) ==
        "webhook response: expected an object, got array");
  CHECK(error_of([] { sofy::decode_message("nope"); }) == "abort response: invalid JSON: syntax error at byte 0");
}

// ---------------------------------------------------------------------------
// Error bodies

TEST_CASE("decode_error_body: the API's error shape", "[decode]") {
  const auto e = sofy::decode_error_body(
      401, "Unauthorized",
      R"J({"error":{"message":"Invalid Auth Key.","details":"Provided Auth key is invalid ...","timestamp":"2023-10-23T09:23:51.845Z"}})J");
  CHECK(e.code() == sofy::errc::http_status);
  CHECK(e.http_status() == 401);
  CHECK(std::string(e.what()) == "HTTP 401 Unauthorized: Invalid Auth Key. (Provided Auth key is invalid ...)");
  CHECK(e.api_message() == "Invalid Auth Key.");
  CHECK(e.api_details() == "Provided Auth key is invalid ...");
  CHECK(e.api_timestamp() == "2023-10-23T09:23:51.845Z");
}

TEST_CASE("decode_error_body: documented cases", "[decode]") {
  struct row {
    int status;
    const char* message;
    const char* what;
  };
  const row rows[] = {
      {401, "Invalid Auth Key.", "HTTP 401 Unauthorized: Invalid Auth Key."},
      {400, "Missing required headers.", "HTTP 400 Bad Request: Missing required headers."},
      {400, "The scheduledRunGuid is either invalid or not found.",
       "HTTP 400 Bad Request: The scheduledRunGuid is either invalid or not found."},
      {400, "Scheduled run ID not found or invalid.", "HTTP 400 Bad Request: Scheduled run ID not found or invalid."},
      {500, "Validation failed for parameter 'subscriptionAuth'. Invalid GUID.",
       "HTTP 500 Internal Server Error: Validation failed for parameter 'subscriptionAuth'. Invalid GUID."},
  };
  for (const auto& r : rows) {
    CAPTURE(r.message);
    const std::string body = std::string(R"J({"error":{"message":")J") + r.message + "\"}}";
    const auto e = sofy::decode_error_body(r.status, "", body);  // reason filled in
    CHECK(std::string(e.what()) == r.what);
    CHECK(e.http_status() == r.status);
    CHECK(e.api_message() == r.message);
    CHECK(e.api_details().empty());
  }
}

TEST_CASE("decode_error_body: HTML pages, text and empty bodies", "[decode]") {
  const char* nginx =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>"
      "\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";
  CHECK(std::string(sofy::decode_error_body(502, "Bad Gateway", nginx).what()) ==
        "HTTP 502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx/1.22.1");

  const char* styled =
      "<!DOCTYPE html><html><head><style>body { color: red; }</style><script>var a = '<b>';</script>"
      "<!-- a comment --></head><body><p>Service &amp; proxy&nbsp;down &lt;503&gt;</p></body></html>";
  CHECK(std::string(sofy::decode_error_body(503, "Service Unavailable", styled).what()) ==
        "HTTP 503 Service Unavailable: Service & proxy down <503>");

  CHECK(std::string(sofy::decode_error_body(504, "Gateway Timeout", "upstream\n\n timed\tout\x01").what()) ==
        "HTTP 504 Gateway Timeout: upstream timed out");
  CHECK(std::string(sofy::decode_error_body(502, "Bad Gateway", "").what()) == "HTTP 502 Bad Gateway (empty body)");
  CHECK(std::string(sofy::decode_error_body(502, "", " \r\n ").what()) == "HTTP 502 Bad Gateway (empty body)");
  CHECK(std::string(sofy::decode_error_body(599, "", "").what()) == "HTTP 599 (empty body)");
  CHECK(std::string(sofy::decode_error_body(500, "Oops\r\nX-Injected: 1", "").what()) ==
        "HTTP 500 Oops X-Injected: 1 (empty body)");
  CHECK(sofy::decode_error_body(502, "Bad Gateway", nginx).api_message().empty());
}

TEST_CASE("decode_error_body: keeps the first 200 printable characters", "[decode]") {
  const std::string body(5000, 'x');
  const std::string what = sofy::decode_error_body(500, "Internal Server Error", body).what();
  CHECK(what == "HTTP 500 Internal Server Error: " + std::string(200, 'x') + "...");
  // UTF-8 counts as characters and is kept whole; invalid bytes become '?'.
  const std::string utf8 = "\xc3\xa9t\xc3\xa9 \xff fini";
  CHECK(std::string(sofy::decode_error_body(500, "", utf8).what()) ==
        "HTTP 500 Internal Server Error: \xc3\xa9t\xc3\xa9 ? fini");
  const std::string many_accents = [] {
    std::string s;
    for (int i = 0; i < 300; ++i) s += "\xc3\xa9";
    return s;
  }();
  std::string expected = "HTTP 500 Internal Server Error: ";
  for (int i = 0; i < 200; ++i) expected += "\xc3\xa9";
  CHECK(std::string(sofy::decode_error_body(500, "", many_accents).what()) == expected + "...");
}

TEST_CASE("decode_error_body: other JSON bodies", "[decode]") {
  CHECK(std::string(sofy::decode_error_body(401, "Unauthorized", R"J({"message":"Unauthorized"})J").what()) ==
        "HTTP 401 Unauthorized: Unauthorized");
  CHECK(std::string(sofy::decode_error_body(403, "Forbidden", R"J({"error":"forbidden by policy"})J").what()) ==
        "HTTP 403 Forbidden: forbidden by policy");
  CHECK(std::string(sofy::decode_error_body(500, "Internal Server Error", R"J({"foo":1})J").what()) ==
        "HTTP 500 Internal Server Error: {\"foo\":1}");
  CHECK(std::string(sofy::decode_error_body(500, "Internal Server Error", R"J({"error":{}})J").what()) ==
        "HTTP 500 Internal Server Error: {\"error\":{}}");
  // Details only, odd types ignored, a truncated JSON body shown as text.
  const auto d = sofy::decode_error_body(400, "Bad Request", R"J({"error":{"message":null,"details":"only details","timestamp":5}})J");
  CHECK(std::string(d.what()) == "HTTP 400 Bad Request: only details");
  CHECK(d.api_details() == "only details");
  CHECK(d.api_timestamp() == "5");
  CHECK(std::string(sofy::decode_error_body(500, "Internal Server Error", R"J({"error":{"mess)J").what()) ==
        "HTTP 500 Internal Server Error: {\"error\":{\"mess");
  CHECK(std::string(sofy::decode_error_body(500, "Internal Server Error", std::string(200, '[')).what()) ==
        "HTTP 500 Internal Server Error: " + std::string(200, '['));
}

TEST_CASE("decode_error_body: the auth key never appears", "[decode]") {
  const std::string key = "0B6EF3F2-1A2B-4C3D-8E9F-00112233AABB";
  const std::string body = R"J({"error":{"message":"Invalid Auth Key 0b6ef3f2-1a2b-4c3d-8e9f-00112233aabb.","details":"key=)J" +
                           key + R"J("}})J";
  const auto e = sofy::decode_error_body(401, "Unauthorized", body, key);
  const std::string what = e.what();
  CAPTURE(what);
  CHECK(what == "HTTP 401 Unauthorized: Invalid Auth Key ***. (key=***)");
  CHECK(e.api_message() == "Invalid Auth Key ***.");
  CHECK(e.api_details() == "key=***");
  // Also in a body that is not JSON.
  const auto h = sofy::decode_error_body(500, "", "<p>bad key <b>" + key + "</b></p>", key);
  CHECK(std::string(h.what()) == "HTTP 500 Internal Server Error: bad key ***");
}
