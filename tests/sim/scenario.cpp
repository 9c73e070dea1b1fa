// Tests of sim/scenario.hpp: YAML to typed scenario, and every error with its position.
#include <sim/scenario.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace sofy::sim;
using namespace std::chrono_literals;

namespace {

const char* const key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";

// The errors of a scenario that must not load.
std::vector<std::string> errors_of(const std::string& yaml) {
  try {
    parse_scenario(yaml, "s.yaml");
  } catch (const scenario_error& e) {
    return e.errors();
  }
  FAIL("the scenario loaded but should not have");
  return {};
}

bool has_error(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e == text) return true;
  }
  return false;
}

std::string list(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

}  // namespace

TEST_CASE("scenario: a minimal scenario gets the documented defaults") {
  const auto sc = parse_scenario(std::string("auth_key: ") + key + "\n");
  CHECK(sc.auth_key == key);
  CHECK_FALSE(sc.web_auth_key);
  CHECK(sc.schedules.empty());
  CHECK(sc.first_group_id == 100001);
  CHECK(sc.run_groups == groups_shape::array);
  CHECK(sc.newest_first);
  CHECK(sc.upload.message == "Application Upload Successful.");
  CHECK(sc.request_log_limit == 10000);
  CHECK(sc.hook_log_limit == 1000);
}

TEST_CASE("scenario: schedules, tests, timelines and groups are read") {
  const auto sc = parse_scenario(R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
web_auth_key: web-key
first_group_id: 500
run_groups_shape: data
run_groups_order: oldest_first
schedules:
  - guid: 0b6ef3f2-4c1d-4e8a-9f6b-2d7a1c3e5f90
    name: Nightly
    trigger_answer: legacy
    ids: string
    status_shape: legacy
    trigger_message: Queued up.
    abort_status: Stopped by User
    build: 2.0.0(9)
    tests:
      - scenario: Login
        device: Apple iPhone13,2
        timeline:
          - {status: Queued, polls: 2}
          - {status: Running, polls: 1}
          - Passed
      - scenario: Pay
        device: Pixel7
        build: 3.1
        manufacturer: Google
        code_name: rc
        timeline:
          - {status: Queued, for: 1500ms}
          - {status: Failed}
    groups:
      - id: "42"
        executed_at: -2h
        appears_after: 5s
        status: Complete
        message: Done.
        app_hash: 9e107d9d372bb6826bd81d3542a419d6
      - id: "43"
        executed_at: 2023-10-24T06:14:39.200Z
        tests:
          - {scenario: X, device: D, status: Run Stopped}
web_schedules:
  - id: 65a1b2c3d4e5f60718293a4b
    name: Web
    trigger_answer: none
)");
  CHECK(sc.web_auth_key == "web-key");
  CHECK(sc.first_group_id == 500);
  CHECK(sc.run_groups == groups_shape::data);
  CHECK_FALSE(sc.newest_first);
  REQUIRE(sc.schedules.size() == 2);

  const auto& s = sc.schedules[0];
  CHECK(s.guid == "0b6ef3f2-4c1d-4e8a-9f6b-2d7a1c3e5f90");
  CHECK(s.name == "Nightly");
  CHECK_FALSE(s.web);
  CHECK(s.trigger == trigger_form::legacy);
  CHECK(s.ids == id_type::string);
  CHECK(s.shape == status_shape::legacy);
  CHECK(s.trigger_message == "Queued up.");
  CHECK(s.abort_status == "Stopped by User");
  REQUIRE(s.tests.size() == 2);

  const auto& login = s.tests[0];
  CHECK(login.scenario == "Login");
  CHECK(login.device == "Apple iPhone13,2");
  CHECK(login.build == "2.0.0(9)");  // the schedule's default
  CHECK(login.manufacturer == "Apple");
  CHECK(login.model == "iPhone13,2");
  CHECK(login.version == "2.0.0");
  CHECK(login.build_number == "9");
  CHECK(login.clock == timeline_clock::polls);
  REQUIRE(login.timeline.size() == 3);
  CHECK(login.timeline[0].status == "Queued");
  CHECK(login.timeline[0].polls == 2);
  CHECK(login.timeline[1].polls == 1);
  CHECK(login.timeline[2].status == "Passed");

  const auto& pay = s.tests[1];
  CHECK(pay.build == "3.1");
  CHECK(pay.version == "3.1");
  CHECK(pay.build_number.empty());
  CHECK(pay.manufacturer == "Google");  // given, not derived
  CHECK(pay.model == "Pixel7");
  CHECK(pay.code_name == "rc");
  CHECK(pay.clock == timeline_clock::time);
  REQUIRE(pay.timeline.size() == 2);
  CHECK(pay.timeline[0].duration == 1500ms);

  REQUIRE(s.groups.size() == 2);
  const auto& g = s.groups[0];
  CHECK(g.id == "42");
  CHECK(g.executed_ago == 2h);
  CHECK_FALSE(g.executed_at);
  CHECK(g.appears_after == 5s);
  CHECK(g.status == "Complete");
  CHECK(g.message == "Done.");
  CHECK(g.app_hash == "9e107d9d372bb6826bd81d3542a419d6");
  CHECK(g.tests.size() == 2);  // the schedule's tests when none are given
  CHECK(s.groups[1].executed_at == "2023-10-24T06:14:39.200Z");
  REQUIRE(s.groups[1].tests.size() == 1);
  CHECK(s.groups[1].tests[0].timeline[0].status == "Run Stopped");
  CHECK(s.groups[1].tests[0].build == "2.0.0(9)");

  const auto& w = sc.schedules[1];
  CHECK(w.web);
  CHECK(w.guid == "65a1b2c3d4e5f60718293a4b");
  CHECK(w.trigger == trigger_form::none);

  CHECK(sc.find_schedule("0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90", false) == &s);
  CHECK(sc.find_schedule("0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90", true) == nullptr);
  CHECK(sc.find_schedule("65A1B2C3D4E5F60718293A4B", true) == &w);
}

TEST_CASE("scenario: raw status strings are kept exactly, odd spacing included") {
  const auto sc = parse_scenario(R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
schedules:
  - guid: 11111111-1111-4111-8111-111111111111
    name: s
    tests:
      - {scenario: a, device: d, status: "  PASSED "}
      - {scenario: b, device: d, status: Rebooting Device}
)");
  CHECK(sc.schedules[0].tests[0].timeline[0].status == "  PASSED ");
  CHECK(sc.schedules[0].tests[1].timeline[0].status == "Rebooting Device");
}

TEST_CASE("scenario: fault answers in every form") {
  const auto sc = parse_scenario(R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
schedules:
  - {guid: 11111111-1111-4111-8111-111111111111, name: s}
faults:
  - route: execute
    schedule: 11111111-1111-4111-8111-111111111111
    answers:
      - 503
      - {status: 429, retry_after: 2}
      - 200
      - stall
      - drop
      - malformed
      - {status: 500, handled: true, message: Boom., details: Why., timestamp: "2023-10-23T09:23:51.845Z"}
      - {reset_after: 10, cut: reset}
      - {chunked: true, chunk_size: 3, close: true, delay: 250ms}
      - {oversized: 2, headers: {X-Extra: yes}}
      - {retry_after: "Wed, 21 Oct 2015 07:28:00 GMT", status: 503}
      - {retry_after_date: 2s, status: 429}
      - {text: "<oops>", status: 502, times: 2}
      - html
  - route: "*"
    answers: [truncated, empty]
)",
                                 "s.yaml");
  REQUIRE(sc.faults.size() == 2);
  const auto& f = sc.faults[0];
  CHECK(f.match_route == route::execute);
  CHECK(f.schedule == "11111111-1111-4111-8111-111111111111");
  REQUIRE(f.answers.size() == 15);  // "times: 2" repeats one
  using bk = answer_spec::body_kind;
  const auto& a = f.answers;

  CHECK(a[0].status == 503);
  CHECK_FALSE(a[0].handled);  // an error status: the request had no effect
  CHECK(a[0].body == bk::error);
  CHECK(a[0].where == "s.yaml:9:9");

  CHECK(a[1].status == 429);
  CHECK(a[1].retry_after == "2");
  CHECK_FALSE(a[1].handled);

  CHECK(a[2].status == 200);
  CHECK(a[2].handled);
  CHECK(a[2].body == bk::normal);

  CHECK(a[3].stall);
  CHECK_FALSE(a[3].handled);
  CHECK(a[4].drop);
  CHECK_FALSE(a[4].handled);
  CHECK(a[5].body == bk::malformed);
  CHECK(a[5].handled);

  CHECK(a[6].handled);  // explicit: the service did the work, then failed
  CHECK(a[6].body == bk::error);
  CHECK(a[6].message == "Boom.");
  CHECK(a[6].details == "Why.");
  CHECK(a[6].timestamp == "2023-10-23T09:23:51.845Z");

  CHECK(a[7].cut_after == 10u);
  CHECK(a[7].cut == answer_spec::cut_kind::reset);
  CHECK(a[7].handled);

  CHECK(a[8].chunked);
  CHECK(a[8].chunk_size == 3);
  CHECK(a[8].close);
  CHECK(a[8].delay == 250ms);

  CHECK(a[9].oversized_bytes == 2u * 1024 * 1024);
  REQUIRE(a[9].headers.size() == 1);
  CHECK(a[9].headers[0] == std::pair<std::string, std::string>{"X-Extra", "yes"});

  CHECK(a[10].retry_after == "Wed, 21 Oct 2015 07:28:00 GMT");
  CHECK(a[11].retry_after_date == 2s);

  CHECK(a[12].body == bk::text);
  CHECK(a[12].text == "<oops>");
  CHECK(a[13].text == "<oops>");

  CHECK(a[14].body == bk::html);
  CHECK(a[14].status == 502);  // a proxy's page

  const auto& any = sc.faults[1];
  CHECK_FALSE(any.match_route);
  REQUIRE(any.answers.size() == 2);
  CHECK(any.answers[0].body == bk::truncated);
  CHECK(any.answers[1].body == bk::empty);
}

TEST_CASE("scenario: hooks, applications, devices, upload and limits") {
  const auto sc = parse_scenario(R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
hooks:
  - {name: qa-slack, answers: [500, 500]}
  - {name: teams, style: teams}
  - {name: plain, style: webhook, answers: [{status: 429, retry_after: 1}]}
applications:
  - guid: 3F2504E0-4F89-11D3-9A0C-0305E82C3301
    platform: ANDROID
    name: Shop
    builds:
      - {app_hash: 9e107d9d372bb6826bd81d3542a419d6, build_id: "77", name: 1.4.0(77), package_name: com.shop}
devices:
  android: [{name: Pixel 7, manufacturer: Google, os_version: "14", serial: A1}]
  ios: [{name: iPhone 15, manufacturer: Apple, os_version: "17.2", serial: B2, state: BUSY}]
upload: {message: Uploaded., app_hash: 0123456789abcdef0123456789abcdef}
limits: {request_log: 5, hook_log: 3}
)");
  REQUIRE(sc.hooks.size() == 3);
  CHECK(sc.hooks[0].name == "qa-slack");
  CHECK(sc.hooks[0].style == hook_style::slack);
  CHECK(sc.hooks[0].answers.size() == 2);
  CHECK(sc.hooks[1].style == hook_style::teams);
  CHECK(sc.hooks[2].style == hook_style::webhook);
  CHECK(sc.hooks[2].answers[0].retry_after == "1");
  REQUIRE(sc.applications.size() == 1);
  CHECK(sc.applications[0].builds[0].package_name == "com.shop");
  CHECK(sc.applications[0].builds[0].build_id == "77");
  REQUIRE(sc.android_devices.size() == 1);
  CHECK(sc.android_devices[0].state == "AVAILABLE");
  CHECK(sc.ios_devices[0].state == "BUSY");
  CHECK(sc.upload.message == "Uploaded.");
  CHECK(sc.upload.app_hash == "0123456789abcdef0123456789abcdef");
  CHECK(sc.request_log_limit == 5);
  CHECK(sc.hook_log_limit == 3);
}

TEST_CASE("scenario: errors name the file, line and column (1-based)") {
  SECTION("an unknown key, at the key") {
    const auto e = errors_of("auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF\nschedules:\n  - guid: "
                             "11111111-1111-4111-8111-111111111111\n    name: s\n    colour: red\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].rfind("s.yaml:5:5: unknown key \"colour\" in a schedule (expected one of: guid, name,", 0) == 0);
  }
  SECTION("a missing key, at the mapping") {
    const auto e = errors_of("auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF\nschedules:\n  - name: s\n");
    CHECK(e == std::vector<std::string>{"s.yaml:3:5: a schedule needs \"guid\""});
  }
  SECTION("no auth key") {
    CHECK(errors_of("schedules: []\n") == std::vector<std::string>{"s.yaml:1:1: the scenario needs \"auth_key\""});
  }
  SECTION("an auth key that is not a GUID") {
    CHECK(errors_of("auth_key: secret\n") ==
          std::vector<std::string>{
              "s.yaml:1:11: \"auth_key\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"});
  }
  SECTION("YAML syntax") {
    const auto e = errors_of("auth_key: [1, 2\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].rfind("s.yaml:2:1: ", 0) == 0);
  }
  SECTION("an empty file") { CHECK(errors_of("") == std::vector<std::string>{"s.yaml: the scenario is empty"}); }
  SECTION("a scenario that is not a mapping") {
    CHECK(errors_of("- a\n") == std::vector<std::string>{"s.yaml:1:1: the scenario must be a mapping"});
  }
}

TEST_CASE("scenario: timeline errors") {
  const std::string head =
      "auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF\nschedules:\n  - guid: 11111111-1111-4111-8111-111111111111\n"
      "    name: s\n    tests:\n      - scenario: a\n        device: d\n";
  SECTION("polls and time mixed in one timeline") {
    const auto e = errors_of(head + "        timeline:\n          - {status: Queued, polls: 1}\n"
                                    "          - {status: Running, for: 2s}\n          - Passed\n");
    CHECK(e == std::vector<std::string>{"s.yaml:10:36: a timeline counts either polls or time; this one already "
                                        "counts polls"});
  }
  SECTION("a step before the last without a length") {
    const auto e = errors_of(head + "        timeline:\n          - Queued\n          - Passed\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].rfind("s.yaml:9:13: only the last timeline step may omit \"polls\" or \"for\"", 0) == 0);
  }
  SECTION("a bad duration") {
    const auto e = errors_of(head + "        timeline:\n          - {status: Queued, for: 5x}\n          - Passed\n");
    CHECK(e == std::vector<std::string>{"s.yaml:9:35: \"for\": unknown unit \"x\" in \"5x\" (expected ms, s, m or h)"});
  }
  SECTION("zero polls") {
    const auto e = errors_of(head + "        timeline:\n          - {status: Queued, polls: 0}\n          - Passed\n");
    CHECK(e == std::vector<std::string>{"s.yaml:9:37: \"polls\" must be a whole number from 1 to 1000000000"});
  }
  SECTION("status and timeline both") {
    const auto e = errors_of(head + "        status: Passed\n        timeline: [Passed]\n");
    CHECK(e == std::vector<std::string>{"s.yaml:9:19: a test has \"status\" or \"timeline\", not both"});
  }
  SECTION("neither status nor timeline") {
    const auto e = errors_of(head);
    CHECK(e == std::vector<std::string>{"s.yaml:6:9: a test needs \"status\" or \"timeline\""});
  }
  SECTION("an empty timeline") {
    const auto e = errors_of(head + "        timeline: []\n");
    CHECK(e == std::vector<std::string>{"s.yaml:8:19: \"timeline\" must be a non-empty list of steps"});
  }
}

TEST_CASE("scenario: schedule, fault and hook errors") {
  const std::string key_line = "auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF\n";
  SECTION("a schedule guid that is not a GUID") {
    const auto e = errors_of(key_line + "schedules:\n  - {guid: 1234, name: s}\n");
    CHECK(e == std::vector<std::string>{
                   "s.yaml:3:12: \"guid\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"});
  }
  SECTION("a web schedule id that is not 24 hex digits") {
    const auto e = errors_of(key_line + "web_auth_key: w\nweb_schedules:\n  - {id: 65a1b2c3, name: w}\n");
    CHECK(e == std::vector<std::string>{"s.yaml:4:10: a web schedule id is 24 hex digits"});
  }
  SECTION("web schedules without a web auth key") {
    const auto e = errors_of(key_line + "web_schedules:\n  - {id: 65a1b2c3d4e5f60718293a4b, name: w}\n");
    CHECK(e == std::vector<std::string>{
                   "s.yaml:3:3: web schedules need \"web_auth_key\" (the x-sofy-web-auth-key the simulator accepts)"});
  }
  SECTION("an unknown trigger answer") {
    const auto e = errors_of(key_line +
                             "schedules:\n  - {guid: 11111111-1111-4111-8111-111111111111, name: s, trigger_answer: x}\n");
    CHECK(e == std::vector<std::string>{"s.yaml:3:75: \"trigger_answer\" must be one of: data_array, "
                                        "test_groups_run_id, legacy, test_run_group_id, none"});
  }
  SECTION("data_object with more than one test") {
    const auto e = errors_of(key_line +
                             "schedules:\n  - guid: 11111111-1111-4111-8111-111111111111\n    name: s\n"
                             "    status_shape: data_object\n    tests:\n"
                             "      - {scenario: a, device: d, status: Passed}\n"
                             "      - {scenario: b, device: d, status: Passed}\n");
    CHECK(e == std::vector<std::string>{
                   "s.yaml:3:5: status_shape data_object carries a single test; this schedule has groups with more"});
  }
  SECTION("the same schedule twice, and the same group twice") {
    const auto e = errors_of(key_line +
                             "schedules:\n  - {guid: 11111111-1111-4111-8111-111111111111, name: s, groups: [{id: '1'}]}\n"
                             "  - {guid: 11111111-1111-4111-8111-111111111111, name: t, groups: [{id: '1'}]}\n");
    CHECK(e == std::vector<std::string>{"s.yaml:4:5: schedule \"11111111-1111-4111-8111-111111111111\" is listed twice",
                                        "s.yaml:4:68: run group \"1\" is listed twice"});
  }
  SECTION("a bad executed_at") {
    const auto e = errors_of(key_line +
                             "schedules:\n  - {guid: 11111111-1111-4111-8111-111111111111, name: s, groups: "
                             "[{id: '1', executed_at: yesterday}]}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].rfind("s.yaml:3:91: \"executed_at\" must be an ISO-8601 time", 0) == 0);
  }
  SECTION("an unknown fault route") {
    const auto e = errors_of(key_line + "faults:\n  - {route: trigger, answers: [503]}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].rfind("s.yaml:3:13: \"route\" must be one of: execute, web_execute, status,", 0) == 0);
  }
  SECTION("a fault naming a schedule the scenario lacks") {
    const auto e = errors_of(key_line + "faults:\n  - route: status\n    schedule: 11111111-1111-4111-8111-111111111111\n"
                                        "    answers: [503]\n");
    CHECK(e == std::vector<std::string>{"s.yaml:3:5: a fault names schedule "
                                        "\"11111111-1111-4111-8111-111111111111\", which the scenario does not list"});
  }
  SECTION("answers that are not answers") {
    const auto e = errors_of(key_line + "faults:\n  - route: status\n    answers:\n      - 99\n      - sometimes\n"
                                        "      - {status: 700}\n      - {stall: true, drop: true}\n"
                                        "      - {cut: reset}\n      - {body: html, message: x}\n");
    REQUIRE(e.size() == 6);
    CHECK(e[0] == "s.yaml:5:9: a status code must be from 200 to 599");
    CHECK(e[1].rfind("s.yaml:6:9: an answer is a status code, one of the words stall,", 0) == 0);
    CHECK(e[2] == "s.yaml:7:18: \"status\" must be a whole number from 200 to 599");
    CHECK(e[3] == "s.yaml:8:9: an answer cannot both stall and drop the connection");
    CHECK(e[4] == "s.yaml:9:15: \"cut\" says how \"reset_after\" ends the connection; give \"reset_after\" too");
    CHECK(e[5] == "s.yaml:10:31: \"message\" belongs to an error body (body: error)");
  }
  SECTION("duplicate and badly named hooks") {
    const auto e = errors_of(key_line + "hooks:\n  - {name: a}\n  - {name: a}\n  - {name: a/b}\n");
    CHECK(e == std::vector<std::string>{
                   "s.yaml:4:12: duplicate hook name \"a\"",
                   "s.yaml:5:12: a hook name uses only letters, digits, '-', '_' and '.' (it is a URL path segment)"});
  }
  SECTION("a wrong type") {
    const auto e = errors_of(key_line + "schedules: {a: 1}\nlimits: {request_log: lots}\n");
    CHECK(e == std::vector<std::string>{"s.yaml:2:12: \"schedules\" must be a list",
                                        "s.yaml:3:23: \"request_log\" must be a whole number from 1 to 10000000"});
  }
}

TEST_CASE("scenario: every error is reported, not only the first") {
  const auto e = errors_of(
      "auth_key: nope\nbogus: 1\nschedules:\n  - {guid: x, name: s}\n  - {name: t}\nfaults:\n  - {route: q, answers: []}\n");
  INFO(list(e));
  CHECK(e.size() == 5);
  CHECK(has_error(e, "s.yaml:2:1: unknown key \"bogus\" in the scenario (expected one of: auth_key, web_auth_key, "
                     "first_group_id, run_groups_shape, run_groups_order, schedules, web_schedules, applications, "
                     "devices, upload, faults, hooks, limits)"));
  CHECK(has_error(e, "s.yaml:1:11: \"auth_key\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"));
  CHECK(has_error(e, "s.yaml:4:12: \"guid\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"));
  CHECK(has_error(e, "s.yaml:5:5: a schedule needs \"guid\""));
  // what() has them all, one per line
  try {
    parse_scenario("auth_key: nope\nbogus: 1\n", "s.yaml");
    FAIL("loaded");
  } catch (const scenario_error& err) {
    CHECK(std::string(err.what()).find('\n') != std::string::npos);
  }
}

TEST_CASE("scenario: load_scenario reads a file and names it in errors") {
  const auto dir = std::filesystem::temp_directory_path() / ("sofy-sim-scenario-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto good = (dir / "good.yaml").string();
  const auto bad = (dir / "bad.yaml").string();
  std::ofstream(good) << "auth_key: " << key << "\n";
  std::ofstream(bad) << "auth_key: " << key << "\nhooks: 3\n";
  CHECK(load_scenario(good).source == good);
  try {
    load_scenario(bad);
    FAIL("loaded");
  } catch (const scenario_error& e) {
    CHECK(e.errors() == std::vector<std::string>{bad + ":2:8: \"hooks\" must be a list"});
  }
  try {
    load_scenario((dir / "missing.yaml").string());
    FAIL("loaded");
  } catch (const scenario_error& e) {
    CHECK(e.errors() == std::vector<std::string>{(dir / "missing.yaml").string() + ": cannot read the scenario file"});
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("scenario: the shipped scenarios load") {
  for (const char* name : {"demo.yaml", "shapes.yaml", "faults.yaml"}) {
    INFO(name);
    const auto sc = load_scenario(std::string(SOFY_SIM_SCENARIOS) + "/" + name);
    CHECK_FALSE(sc.schedules.empty());
  }
  const auto demo = load_scenario(std::string(SOFY_SIM_SCENARIOS) + "/demo.yaml");
  REQUIRE(demo.schedules.size() == 1);
  CHECK(demo.schedules[0].tests.size() == 6);
}

TEST_CASE("scenario: split_build") {
  std::string v, n;
  split_build("1.43.0.release-candidate(5768)", v, n);
  CHECK(v == "1.43.0.release-candidate");
  CHECK(n == "5768");
  split_build("2.0", v, n);
  CHECK(v == "2.0");
  CHECK(n.empty());
  split_build("odd(1)x", v, n);
  CHECK(v == "odd(1)x");
  CHECK(n.empty());
}
