// Tests of sim/engine.hpp: every route and shape, auth errors, timelines, faults, hooks and
// the admin API, with time injected.
#include <sim/engine.hpp>

#include <sofy/decode.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>

using namespace sofy::sim;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string guid = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";
// 2026-12-04T10:00:00.000Z
const time_point t0 = time_point{} + std::chrono::sys_days{std::chrono::year{2026} / 12 / 4}.time_since_epoch() + 10h;

const std::string base = "/scheduler-microservice/scheduled-runs/";

std::string scenario_yaml(const std::string& schedule_extra = "", const std::string& rest = "") {
  return "auth_key: " + key + R"(
web_auth_key: web-secret
first_group_id: 1000
schedules:
  - guid: )" + guid + R"(
    name: Nightly
    build: 1.4.0(77)
)" + schedule_extra +
         R"(    tests:
      - scenario: Login
        device: Pixel 7
        timeline:
          - {status: Queued, polls: 1}
          - {status: Running, polls: 2}
          - Passed
      - scenario: Pay
        device: Apple iPhone13,2
        timeline:
          - {status: Queued, polls: 2}
          - Failed
  - guid: 11111111-1111-4111-8111-111111111111
    name: Timed
    tests:
      - scenario: Slow
        device: Pixel 7
        timeline:
          - {status: Queued, for: 2s}
          - {status: Running, for: 3s}
          - Passed
web_schedules:
  - id: 65a1b2c3d4e5f60718293a4b
    name: Web
    trigger_answer: test_groups_run_id
    tests:
      - {scenario: Home, device: Chrome, status: Running}
applications:
  - guid: 3F2504E0-4F89-11D3-9A0C-0305E82C3301
    platform: ANDROID
    name: Shop
    builds:
      - {app_hash: 9e107d9d372bb6826bd81d3542a419d6, build_id: "77", name: 2.0.0(90), package_name: com.shop}
devices:
  android: [{name: Pixel 7, manufacturer: Google, os_version: "14", serial: A1}]
  ios: [{name: iPhone 15, manufacturer: Apple, os_version: "17.2", serial: B2, state: BUSY}]
)" + rest;
}

engine make(const std::string& yaml) { return engine{parse_scenario(yaml, "t.yaml"), t0}; }

sofy::http::request request(std::string method, std::string target, bool with_key = true) {
  sofy::http::request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers.add("Host", "127.0.0.1");
  if (with_key) r.headers.add("x-sofy-auth-key", key);
  return r;
}

json::value body(const sim_reply& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.response.body, ec);
  INFO(r.response.body);
  REQUIRE_FALSE(ec);
  return v;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

// Triggers the first schedule and returns the new group's id.
std::string trigger(engine& e, time_point now = t0) {
  auto r = e.handle(request("POST", base + guid + "/execute"), now);
  REQUIRE(r.response.status == 200);
  return std::to_string(body(r).at("data").at(0).at("scheduleTestRunsGroupID").as_int64());
}

std::vector<std::string> statuses(engine& e, const std::string& group, time_point now = t0,
                                  const std::string& schedule = guid) {
  auto r = e.handle(request("GET", base + schedule + "/status/" + group), now);
  REQUIRE(r.response.status == 200);
  std::vector<std::string> out;
  const auto b = body(r);
  for (const auto& t : b.at("data").as_array()) out.push_back(str(t.at("status")));
  return out;
}

void check_error(const sim_reply& r, int status, const std::string& message) {
  CHECK(r.response.status == status);
  CHECK(r.response.headers.get("Content-Type") == "application/json; charset=utf-8");
  const auto v = body(r);
  CHECK(str(v.at("error").at("message")) == message);
  CHECK_FALSE(str(v.at("error").at("details")).empty());
  CHECK(str(v.at("error").at("timestamp")) == format_iso_ms(t0));
}

json::value admin(engine& e, const std::string& method, const std::string& target, time_point now = t0) {
  auto r = e.handle(request(method, target, false), now);
  INFO(r.response.body);
  REQUIRE(r.response.status == 200);
  return body(r);
}

}  // namespace

TEST_CASE("engine: time formats and app hashes") {
  CHECK(format_iso_ms(t0 + 39200ms) == "2026-12-04T10:00:39.200Z");
  CHECK(format_iso_ms(time_point{} + 5ms) == "1970-01-01T00:00:00.005Z");
  CHECK(format_legacy_time(t0 + 26020ms) == "2026-12-04T10:00:26.02");
  CHECK(format_http_date(time_point{} + 784111777s) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(format_http_date(t0) == "Fri, 04 Dec 2026 10:00:00 GMT");
  CHECK(app_hash_of("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(app_hash_of("hello\n") == "b1946ac92492d2347c6235b4d2611184");
}

TEST_CASE("engine: auth errors as the service gives them") {
  auto e = make(scenario_yaml());
  const std::string target = base + guid + "/test-run-groups";

  check_error(e.handle(request("GET", target, false), t0), 400, "Missing required headers.");

  auto empty = request("GET", target, false);
  empty.headers.add("x-sofy-auth-key", "");
  check_error(e.handle(empty, t0), 400, "Missing required headers.");

  auto not_guid = request("GET", target, false);
  not_guid.headers.add("x-sofy-auth-key", "secret");
  check_error(e.handle(not_guid, t0), 500, "Validation failed for parameter 'subscriptionAuth'. Invalid GUID.");

  auto wrong = request("GET", target, false);
  wrong.headers.add("x-sofy-auth-key", "00000000-0000-0000-0000-000000000000");
  check_error(e.handle(wrong, t0), 401, "Invalid Auth Key.");

  auto lower = request("GET", target, false);
  lower.headers.add("X-Sofy-Auth-Key", "6f9619ff-8b86-d011-b42d-00c04fc964ff");
  CHECK(e.handle(lower, t0).response.status == 200);

  check_error(e.handle(request("GET", base + "22222222-2222-4222-8222-222222222222/test-run-groups"), t0), 400,
              "The scheduledRunGuid is either invalid or not found.");
  check_error(e.handle(request("GET", base + "not-a-guid/status/1"), t0), 400,
              "The scheduledRunGuid is either invalid or not found.");
  check_error(e.handle(request("GET", base + guid + "/status/999"), t0), 400, "Scheduled run ID not found or invalid.");
  // A group of another schedule is not found either.
  const std::string g = trigger(e);
  check_error(e.handle(request("GET", base + "11111111-1111-4111-8111-111111111111/status/" + g), t0), 400,
              "Scheduled run ID not found or invalid.");

  // Every route checks the key.
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", base + guid + "/execute"},
           {"GET", base + guid + "/status/" + g},
           {"PUT", "/scheduler-microservice/public/test-run/abort/" + guid},
           {"POST", "/parser-microservice/build-upload"},
           {"GET", "/application-microservice/public/applications"},
           {"GET", "/device-microservice/public/devices/ANDROID"}}) {
    INFO(method << " " << path);
    check_error(e.handle(request(method, path, false), t0), 400, "Missing required headers.");
  }
}

TEST_CASE("engine: the four trigger answers and none, with ids as numbers or strings") {
  struct variant {
    std::string yaml;
    std::string key;  // where the id is; "" for none
    bool number;
  };
  for (const auto& v : std::vector<variant>{{"trigger_answer: data_array", "data", true},
                                            {"trigger_answer: test_groups_run_id", "testGroupsRunId", false},
                                            {"trigger_answer: legacy", "ScheduleTestRunsGroupID", true},
                                            {"trigger_answer: test_run_group_id", "testRunGroupId", false},
                                            {"trigger_answer: test_groups_run_id\n    ids: number", "testGroupsRunId", true},
                                            {"trigger_answer: legacy\n    ids: string", "ScheduleTestRunsGroupID", false},
                                            {"trigger_answer: none", "", false}}) {
    INFO(v.yaml);
    auto e = make(scenario_yaml("    " + v.yaml + "\n    trigger_message: Queued.\n"));
    const auto r = e.handle(request("POST", base + guid + "/execute"), t0);
    REQUIRE(r.response.status == 200);
    const auto b = body(r).as_object();
    const json::value* id = nullptr;
    if (v.key == "data") {
      id = &b.at("data").at(0).at("scheduleTestRunsGroupID");
    } else if (!v.key.empty()) {
      id = &b.at(v.key);
    }
    if (v.key == "ScheduleTestRunsGroupID") {
      CHECK(str(b.at("Message")) == "Queued.");
      CHECK_FALSE(b.contains("message"));
    } else {
      CHECK(str(b.at("message")) == "Queued.");
    }
    if (id) {
      if (v.number) {
        CHECK(id->as_int64() == 1000);
      } else {
        CHECK(str(*id) == "1000");
      }
    } else {
      CHECK(b.size() == 1);
    }
    // The group exists either way; with `none` the list is how a client finds it.
    const auto list = body(e.handle(request("GET", base + guid + "/test-run-groups"), t0));
    REQUIRE(list.as_array().size() == 1);
    if (v.number && v.yaml.find("ids: number") != std::string::npos) {
      CHECK(list.at(0).at("testRunGroupId").as_int64() == 1000);
    } else {
      CHECK(str(list.at(0).at("testRunGroupId")) == "1000");
    }
  }
}

TEST_CASE("engine: status in the current shape") {
  auto e = make(scenario_yaml());
  const auto g = trigger(e, t0 + 1500ms);
  const auto r = e.handle(request("GET", base + guid + "/status/" + g), t0 + 2s);
  REQUIRE(r.response.status == 200);
  const auto b = body(r);
  CHECK(str(b.at("message")) == "Fetched 2 record(s).");
  const auto& t = b.at("data").at(0).as_object();
  CHECK(str(t.at("scheduledRunName")) == "Nightly");
  CHECK(str(t.at("testRunGroupId")) == g);
  CHECK(str(t.at("scenarioName")) == "Login");
  CHECK(str(t.at("scheduledAt")) == "2026-12-04T10:00:01.500Z");
  CHECK(str(t.at("build")) == "1.4.0(77)");
  CHECK(str(t.at("device")) == "Pixel 7");
  CHECK(str(t.at("status")) == "Queued");
  CHECK(t.size() == 7);
}

TEST_CASE("engine: status in the legacy shape") {
  auto e = make(scenario_yaml("    status_shape: legacy\n"));
  const auto g = trigger(e, t0 + 26020ms);
  const auto r = e.handle(request("GET", base + guid + "/status/" + g), t0 + 30s);
  const auto b = body(r);
  REQUIRE(b.is_array());
  REQUIRE(b.as_array().size() == 2);
  const auto& t = b.at(1).as_object();
  CHECK(str(t.at("Scheduled_Name")) == "Nightly");
  CHECK(str(t.at("ScenarioName")) == "Pay");
  CHECK(str(t.at("ScheduledAt")) == "2026-12-04T10:00:26.02");
  CHECK(str(t.at("Version")) == "1.4.0");
  CHECK(str(t.at("CodeName")) == "");
  CHECK(str(t.at("BuildNumber")) == "77");
  CHECK(str(t.at("Manufacturer")) == "Apple");
  CHECK(str(t.at("Model")) == "iPhone13,2");
  CHECK(str(t.at("Statusvalue")) == "Queued");
  CHECK(t.size() == 9);
}

TEST_CASE("engine: status with data as a single object") {
  auto e = make("auth_key: " + key + "\nschedules:\n  - guid: " + guid +
                "\n    name: One\n    status_shape: data_object\n    tests:\n"
                "      - {scenario: Login, device: Pixel 7, timeline: [{status: Running, polls: 1}, Run Stopped]}\n");
  auto r = e.handle(request("POST", base + guid + "/execute"), t0);
  const auto g = std::to_string(body(r).at("data").at(0).at("scheduleTestRunsGroupID").as_int64());
  auto first = body(e.handle(request("GET", base + guid + "/status/" + g), t0));
  REQUIRE(first.at("data").is_object());
  CHECK(str(first.at("data").at("status")) == "Running");
  CHECK(str(first.at("message")) == "Fetched 1 record(s).");
  auto second = body(e.handle(request("GET", base + guid + "/status/" + g), t0));
  CHECK(str(second.at("data").at("status")) == "Run Stopped");
}

TEST_CASE("engine: a timeline by polls moves one step per status request; the last holds") {
  auto e = make(scenario_yaml());
  const auto g = trigger(e);
  // Login: Queued x1, Running x2, Passed. Pay: Queued x2, Failed.
  CHECK(statuses(e, g) == std::vector<std::string>{"Queued", "Queued"});
  CHECK(statuses(e, g) == std::vector<std::string>{"Running", "Queued"});
  CHECK(statuses(e, g) == std::vector<std::string>{"Running", "Failed"});
  CHECK(statuses(e, g) == std::vector<std::string>{"Passed", "Failed"});
  CHECK(statuses(e, g) == std::vector<std::string>{"Passed", "Failed"});
  // Polls are counted per group.
  const auto g2 = trigger(e);
  CHECK(statuses(e, g2) == std::vector<std::string>{"Queued", "Queued"});
  // Time does not move a poll timeline.
  CHECK(statuses(e, g2, t0 + 1h) == std::vector<std::string>{"Running", "Queued"});
}

TEST_CASE("engine: a timeline by time follows the clock since the group started") {
  auto e = make(scenario_yaml());
  const std::string timed = "11111111-1111-4111-8111-111111111111";
  auto r = e.handle(request("POST", base + timed + "/execute"), t0);
  const auto g = std::to_string(body(r).at("data").at(0).at("scheduleTestRunsGroupID").as_int64());
  CHECK(statuses(e, g, t0, timed) == std::vector<std::string>{"Queued"});
  CHECK(statuses(e, g, t0 + 1999ms, timed) == std::vector<std::string>{"Queued"});
  CHECK(statuses(e, g, t0 + 2s, timed) == std::vector<std::string>{"Running"});
  CHECK(statuses(e, g, t0 + 4999ms, timed) == std::vector<std::string>{"Running"});
  CHECK(statuses(e, g, t0 + 5s, timed) == std::vector<std::string>{"Passed"});
  CHECK(statuses(e, g, t0 + 24h, timed) == std::vector<std::string>{"Passed"});
}

TEST_CASE("engine: advance moves polls and the clock") {
  auto e = make(scenario_yaml());
  const auto g = trigger(e);
  e.advance(3, 0ms);
  CHECK(statuses(e, g) == std::vector<std::string>{"Passed", "Failed"});

  const std::string timed = "11111111-1111-4111-8111-111111111111";
  auto r = e.handle(request("POST", base + timed + "/execute"), t0);
  const auto tg = std::to_string(body(r).at("data").at(0).at("scheduleTestRunsGroupID").as_int64());
  const auto a = admin(e, "POST", "/_sim/advance?time=2500ms&polls=0");
  CHECK(str(a.at("time")) == "2026-12-04T10:00:02.500Z");
  CHECK(statuses(e, tg, t0, timed) == std::vector<std::string>{"Running"});
  CHECK(e.handle(request("POST", "/_sim/advance?polls=x", false), t0).response.status == 400);
  CHECK(e.handle(request("POST", "/_sim/advance?time=5", false), t0).response.status == 400);
}

TEST_CASE("engine: the run-group list, newest first, with derived states") {
  auto e = make(scenario_yaml("    groups:\n      - {id: '7', executed_at: -2h}\n"
                              "      - {id: '8', executed_at: '2020-01-01T00:00:00.000Z', status: Weird, message: Hi.}\n"
                              "      - {id: '9', appears_after: 10s}\n"));
  const auto g = trigger(e, t0 + 1s);
  auto list = body(e.handle(request("GET", base + guid + "/test-run-groups"), t0 + 1s)).as_array();
  REQUIRE(list.size() == 3);  // "9" is not there yet
  CHECK(str(list[0].at("testRunGroupId")) == g);
  CHECK(str(list[0].at("executedAt")) == "2026-12-04T10:00:01.000Z");
  CHECK(str(list[0].at("status")) == "Queued");
  CHECK_FALSE(str(list[0].at("message")).empty());
  CHECK(str(list[1].at("testRunGroupId")) == "7");
  CHECK(str(list[1].at("executedAt")) == "2026-12-04T08:00:00.000Z");
  CHECK(str(list[2].at("testRunGroupId")) == "8");
  CHECK(str(list[2].at("executedAt")) == "2020-01-01T00:00:00.000Z");
  CHECK(str(list[2].at("status")) == "Weird");
  CHECK(str(list[2].at("message")) == "Hi.");
  CHECK(list[0].as_object().size() == 4);
  // The hidden group answers as unknown until it appears.
  CHECK(e.handle(request("GET", base + guid + "/status/9"), t0 + 9s).response.status == 400);
  CHECK(e.handle(request("GET", base + guid + "/status/9"), t0 + 10s).response.status == 200);

  // Running, then Complete with errors (Pay fails).
  statuses(e, g, t0 + 20s);
  statuses(e, g, t0 + 20s);
  list = body(e.handle(request("GET", base + guid + "/test-run-groups"), t0 + 20s)).as_array();
  CHECK(str(list[0].at("testRunGroupId")) == "9");  // appeared at t0 + 10s, after the trigger
  CHECK(str(list[1].at("testRunGroupId")) == g);
  CHECK(str(list[1].at("status")) == "Running");
  statuses(e, g, t0 + 20s);
  statuses(e, g, t0 + 20s);
  list = body(e.handle(request("GET", base + guid + "/test-run-groups"), t0 + 20s)).as_array();
  CHECK(str(list[1].at("status")) == "Complete with errors");
  // The list does not count as a poll.
  CHECK(statuses(e, g, t0 + 20s) == std::vector<std::string>{"Passed", "Failed"});
}

TEST_CASE("engine: the run-group list can be oldest first and wrapped in data") {
  auto e = make(scenario_yaml("    groups:\n      - {id: '7', executed_at: -2h, tests: [{scenario: a, device: d, "
                              "status: Passed}]}\n",
                              "run_groups_order: oldest_first\nrun_groups_shape: data\n"));
  trigger(e);
  const auto b = body(e.handle(request("GET", base + guid + "/test-run-groups"), t0));
  REQUIRE(b.at("data").as_array().size() == 2);
  CHECK(str(b.at("data").at(0).at("testRunGroupId")) == "7");
  CHECK(str(b.at("data").at(0).at("status")) == "Complete");
  CHECK(str(b.at("message")) == "Fetched 2 record(s).");
}

TEST_CASE("engine: abort one group or every active run") {
  auto e = make(scenario_yaml("    abort_status: Stopped by User\n"));
  const auto g1 = trigger(e);
  const auto g2 = trigger(e);
  statuses(e, g1);
  statuses(e, g1);  // Login Running, Pay Queued

  auto r = e.handle(request("PUT", "/scheduler-microservice/public/test-run/abort/" + guid + "?testRunGroupId=" + g1), t0);
  REQUIRE(r.response.status == 200);
  CHECK_FALSE(str(body(r).at("message")).empty());
  CHECK(statuses(e, g1) == std::vector<std::string>{"Stopped by User", "Stopped by User"});
  CHECK(statuses(e, g2) == std::vector<std::string>{"Queued", "Queued"});

  check_error(e.handle(request("PUT", "/scheduler-microservice/public/test-run/abort/" + guid + "?testRunGroupId=555"), t0),
              400, "Scheduled run ID not found or invalid.");

  // Without a group: every active run; terminal tests keep their status.
  e.advance(2, 0ms);  // g2: Login Running, Pay Failed
  r = e.handle(request("PUT", "/scheduler-microservice/public/test-run/abort/" + guid), t0);
  REQUIRE(r.response.status == 200);
  CHECK(statuses(e, g2) == std::vector<std::string>{"Stopped by User", "Failed"});
  // Nothing left to abort.
  r = e.handle(request("PUT", "/scheduler-microservice/public/test-run/abort/" + guid), t0);
  CHECK(str(body(r).at("message")) == "No active test runs to abort.");
}

TEST_CASE("engine: the web-schedule trigger uses x-sofy-web-auth-key") {
  auto e = make(scenario_yaml());
  const std::string target = "/webagent-service/public/scheduled-runs/65a1b2c3d4e5f60718293a4b/execute";
  check_error(e.handle(request("POST", target), t0), 400, "Missing required headers.");  // the mobile key is not it
  auto wrong = request("POST", target, false);
  wrong.headers.add("x-sofy-web-auth-key", "nope");
  check_error(e.handle(wrong, t0), 401, "Invalid Auth Key.");
  auto ok = request("POST", target, false);
  ok.headers.add("x-sofy-web-auth-key", "web-secret");
  auto r = e.handle(ok, t0);
  REQUIRE(r.response.status == 200);
  CHECK(str(body(r).at("testGroupsRunId")) == "1000");
  ok.target = "/webagent-service/public/scheduled-runs/65a1b2c3d4e5f60718293a4c/execute";
  check_error(e.handle(ok, t0), 400, "The scheduledRunGuid is either invalid or not found.");
  // A web id is not a mobile schedule.
  check_error(e.handle(request("POST", base + "65a1b2c3d4e5f60718293a4b/execute"), t0), 400,
              "The scheduledRunGuid is either invalid or not found.");
}

namespace {

sofy::http::request upload_request(const std::string& file, const std::string& extra_parts = "",
                                   const std::string& query = "") {
  auto r = request("POST", "/parser-microservice/build-upload" + query);
  r.headers.add("Content-Type", "multipart/form-data; boundary=\"----b0undary\"");
  r.body = "------b0undary\r\nContent-Disposition: form-data; name=\"applicationFile\"; filename=\"shop.apk\"\r\n"
           "Content-Type: application/vnd.android.package-archive\r\n\r\n" +
           file + "\r\n" + extra_parts + "------b0undary--\r\n";
  return r;
}

std::string part(const std::string& name, const std::string& value) {
  return "------b0undary\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
}

}  // namespace

TEST_CASE("engine: build upload answers the content's hash and records the build") {
  auto e = make(scenario_yaml());
  const std::string file = std::string("PK\x03\x04\r\n--not a boundary\r\n\0binary", 32);
  auto r = e.handle(upload_request(file, "", "?userFriendlyBuildName=3.0.0%2899%29"), t0);
  REQUIRE(r.response.status == 200);
  auto b = body(r);
  CHECK(str(b.at("data").at("appHash")) == app_hash_of(file));
  CHECK(str(b.at("message")) == "Application Upload Successful.");

  // Into an existing application, with a certificate name.
  r = e.handle(upload_request("other", part("ApplicationGUID", "3F2504E0-4F89-11D3-9A0C-0305E82C3301") +
                                           part("CertificateName", "dev-cert")),
               t0);
  REQUIRE(r.response.status == 200);
  const std::string other = app_hash_of("other");
  CHECK(str(body(r).at("data").at("appHash")) == other);

  const auto apps = body(e.handle(request("GET", "/application-microservice/public/applications"), t0));
  REQUIRE(apps.at("data").as_array().size() == 2);
  const auto& shop = apps.at("data").at(0);
  CHECK(str(shop.at("application_guid")) == "3F2504E0-4F89-11D3-9A0C-0305E82C3301");
  REQUIRE(shop.at("application_builds").as_array().size() == 2);
  CHECK(str(shop.at("application_builds").at(1).at("app_hash")) == other);
  const auto& uploaded = apps.at("data").at(1);
  CHECK(str(uploaded.at("platform_name")) == "ANDROID");
  CHECK(str(uploaded.at("application_friendly_name")) == "shop");
  CHECK(str(uploaded.at("application_builds").at(0).at("build_friendly_name")) == "3.0.0(99)");

  // A trigger with the uploaded hash runs that build.
  r = e.handle(request("POST", base + guid + "/execute?appHash=" + app_hash_of(file)), t0);
  const auto g = std::to_string(body(r).at("data").at(0).at("scheduleTestRunsGroupID").as_int64());
  const auto st = body(e.handle(request("GET", base + guid + "/status/" + g), t0));
  CHECK(str(st.at("data").at(0).at("build")) == "3.0.0(99)");
}

TEST_CASE("engine: bad uploads are 400s with the error shape") {
  auto e = make(scenario_yaml());
  auto not_multipart = request("POST", "/parser-microservice/build-upload");
  not_multipart.headers.add("Content-Type", "application/json");
  not_multipart.body = "{}";
  check_error(e.handle(not_multipart, t0), 400, "Invalid request.");

  auto no_file = upload_request("x");
  no_file.body = part("ApplicationGUID", "3F2504E0-4F89-11D3-9A0C-0305E82C3301") + "------b0undary--\r\n";
  auto r = e.handle(no_file, t0);
  check_error(r, 400, "Invalid request.");
  CHECK(str(body(r).at("error").at("details")) == "The applicationFile field is required.");

  auto truncated = upload_request("abc");
  truncated.body.resize(truncated.body.size() - 20);
  check_error(e.handle(truncated, t0), 400, "Invalid request.");

  check_error(e.handle(upload_request("x", part("ApplicationGUID", "nope")), t0), 400, "Invalid request.");
}

TEST_CASE("engine: a scenario can fix the uploaded app hash") {
  auto e = make(scenario_yaml("", "upload: {app_hash: 0123456789abcdef0123456789abcdef, message: Done.}\n"));
  auto b = body(e.handle(upload_request("anything"), t0));
  CHECK(str(b.at("data").at("appHash")) == "0123456789abcdef0123456789abcdef");
  CHECK(str(b.at("message")) == "Done.");
}

TEST_CASE("engine: applications and devices") {
  auto e = make(scenario_yaml());
  auto apps = body(e.handle(request("GET", "/application-microservice/public/applications"), t0));
  CHECK(str(apps.at("message")) == "Fetched 1 record(s).");
  const auto& a = apps.at("data").at(0).as_object();
  CHECK(str(a.at("platform_name")) == "ANDROID");
  CHECK(str(a.at("application_friendly_name")) == "Shop");
  const auto& b = a.at("application_builds").at(0).as_object();
  CHECK(str(b.at("app_hash")) == "9e107d9d372bb6826bd81d3542a419d6");
  CHECK(b.at("build_id").as_int64() == 77);
  CHECK(str(b.at("build_friendly_name")) == "2.0.0(90)");
  CHECK(str(b.at("build_package_name")) == "com.shop");

  auto android = body(e.handle(request("GET", "/device-microservice/public/devices/ANDROID"), t0));
  const auto& d = android.at("data").at(0).as_object();
  CHECK(str(d.at("device_name")) == "Pixel 7");
  CHECK(str(d.at("manufacturer")) == "Google");
  CHECK(str(d.at("os_version")) == "14");
  CHECK(str(d.at("device_serial")) == "A1");
  CHECK(str(d.at("STATE")) == "AVAILABLE");
  auto ios = body(e.handle(request("GET", "/device-microservice/public/devices/IOS"), t0));
  CHECK(str(ios.at("data").at(0).at("STATE")) == "BUSY");
  check_error(e.handle(request("GET", "/device-microservice/public/devices/WINDOWS"), t0), 400, "Invalid platform.");
}

TEST_CASE("engine: unknown paths and methods get Express's 404 page") {
  auto e = make(scenario_yaml());
  auto r = e.handle(request("GET", base + guid + "/execute"), t0);  // execute is POST
  CHECK(r.response.status == 404);
  CHECK(r.response.headers.get("Content-Type") == "text/html; charset=utf-8");
  CHECK(r.response.body.find("<pre>Cannot GET /scheduler-microservice/scheduled-runs/" + guid + "/execute</pre>") !=
        std::string::npos);
  r = e.handle(request("GET", "/nothing/a&b?x=1"), t0);
  CHECK(r.response.status == 404);
  CHECK(r.response.body.find("Cannot GET /nothing/a&amp;b</pre>") != std::string::npos);
  // A trailing slash is the same route, as Express has it.
  CHECK(e.handle(request("GET", base + guid + "/test-run-groups/"), t0).response.status == 200);
  // A target that is not a path.
  CHECK(e.handle(request("GET", "http://example.com/x"), t0).response.status == 400);
}

TEST_CASE("engine: percent-encoded path segments are decoded") {
  auto e = make(scenario_yaml());
  std::string encoded = guid;
  encoded.replace(0, 1, "%30");  // '0'
  CHECK(e.handle(request("GET", base + encoded + "/test-run-groups"), t0).response.status == 200);
  // An encoded slash stays inside its segment: no such schedule, not another route.
  check_error(e.handle(request("GET", base + guid + "%2Fstatus%2F1/test-run-groups"), t0), 400,
              "The scheduledRunGuid is either invalid or not found.");
}

TEST_CASE("engine: fault answers are consumed in order, then the route answers normally") {
  auto e = make(scenario_yaml("", "faults:\n  - route: execute\n    answers:\n      - 503\n"
                                  "      - {status: 429, retry_after: 2}\n      - 200\n"));
  auto r1 = e.handle(request("POST", base + guid + "/execute"), t0);
  check_error(r1, 503, "Service Unavailable.");
  auto r2 = e.handle(request("POST", base + guid + "/execute"), t0);
  check_error(r2, 429, "Too Many Requests.");
  CHECK(r2.response.headers.get("Retry-After") == "2");
  auto r3 = e.handle(request("POST", base + guid + "/execute"), t0);
  CHECK(r3.response.status == 200);
  CHECK(body(r3).at("data").at(0).at("scheduleTestRunsGroupID").as_int64() == 1000);  // the first group made
  auto r4 = e.handle(request("POST", base + guid + "/execute"), t0);
  CHECK(body(r4).at("data").at(0).at("scheduleTestRunsGroupID").as_int64() == 1001);

  const auto log = admin(e, "GET", "/_sim/requests?route=execute");
  REQUIRE(log.at("count").to_number<std::uint64_t>() == 4);
  CHECK(log.at("requests").at(0).at("status").as_int64() == 503);
  CHECK(str(log.at("requests").at(0).at("fault")) == "t.yaml:47:9");
  CHECK(str(log.at("requests").at(2).at("fault")) == "t.yaml:49:9");
  CHECK(log.at("requests").at(3).at("fault").is_null());
  CHECK(str(log.at("requests").at(2).at("group")) == "1000");
}

TEST_CASE("engine: a fault that was handled did the route's work; one that was not, did not") {
  auto e = make(scenario_yaml("", "faults:\n  - route: execute\n    answers:\n      - 500\n"
                                  "      - {status: 500, handled: true}\n"));
  e.handle(request("POST", base + guid + "/execute"), t0);
  CHECK(body(e.handle(request("GET", base + guid + "/test-run-groups"), t0)).as_array().empty());
  check_error(e.handle(request("POST", base + guid + "/execute"), t0), 500, "Internal Server Error.");
  CHECK(body(e.handle(request("GET", base + guid + "/test-run-groups"), t0)).as_array().size() == 1);
}

TEST_CASE("engine: a fault answer on status does not count as a poll unless handled") {
  auto e = make(scenario_yaml("", "faults:\n  - route: status\n    answers: [503, stall, malformed]\n"));
  const auto g = trigger(e);
  CHECK(e.handle(request("GET", base + guid + "/status/" + g), t0).response.status == 503);
  CHECK(e.handle(request("GET", base + guid + "/status/" + g), t0).stall);
  auto r = e.handle(request("GET", base + guid + "/status/" + g), t0);  // poll 1, garbled
  CHECK(r.response.status == 200);
  boost::system::error_code ec;
  json::parse(r.response.body, ec);
  CHECK(ec);
  CHECK(statuses(e, g) == std::vector<std::string>{"Running", "Queued"});  // poll 2
}

TEST_CASE("engine: faults match a schedule, or every route with *") {
  const std::string timed = "11111111-1111-4111-8111-111111111111";
  auto e = make(scenario_yaml("", "faults:\n  - route: run_groups\n    schedule: " + timed +
                                      "\n    answers: [502]\n  - route: '*'\n    answers: [504, 504]\n"));
  // The first matching fault with answers left wins.
  CHECK(e.handle(request("GET", base + guid + "/test-run-groups"), t0).response.status == 504);
  CHECK(e.handle(request("GET", base + timed + "/test-run-groups"), t0).response.status == 502);
  CHECK(e.handle(request("GET", "/device-microservice/public/devices/IOS"), t0).response.status == 504);
  CHECK(e.handle(request("GET", base + timed + "/test-run-groups"), t0).response.status == 200);
  CHECK(e.handle(request("GET", "/device-microservice/public/devices/IOS"), t0).response.status == 200);
}

TEST_CASE("engine: fault bodies and directives") {
  auto e = make(scenario_yaml("", R"(faults:
  - route: run_groups
    answers:
      - html
      - truncated
      - empty
      - {text: "not json", status: 200, headers: {Content-Type: text/plain, X-Trace: abc}}
      - {oversized: 1}
      - {status: 500, message: Boom., details: Deep., timestamp: "2023-10-23T09:23:51.845Z"}
      - {status: 503, retry_after_date: 30s}
      - {reset_after: 5, cut: reset}
      - {chunked: true, chunk_size: 4, delay: 250ms, close: true}
      - drop
      - stall
      - {status: 201}
)"));
  const auto target = base + guid + "/test-run-groups";
  auto clean = make(scenario_yaml());
  trigger(clean);
  trigger(e);
  const auto normal = clean.handle(request("GET", target), t0).response.body;
  REQUIRE(normal.size() > 100);

  auto r = e.handle(request("GET", target), t0);
  CHECK(r.response.status == 502);
  CHECK(r.response.headers.get("Content-Type") == "text/html");
  CHECK(r.response.body.find("<h1>502 Bad Gateway</h1>") != std::string::npos);

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.status == 200);
  CHECK(r.response.body == normal.substr(0, normal.size() / 2));

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.status == 200);
  CHECK(r.response.body.empty());
  CHECK_FALSE(r.response.headers.contains("Content-Type"));

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.body == "not json");
  CHECK(r.response.headers.get("Content-Type") == "text/plain");
  CHECK(r.response.headers.get("X-Trace") == "abc");

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.body.size() == normal.size() + 1024 * 1024);
  CHECK(r.response.body.substr(0, normal.size()) == normal);

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.status == 500);
  CHECK(r.response.body ==
        R"({"error":{"message":"Boom.","details":"Deep.","timestamp":"2023-10-23T09:23:51.845Z"}})");

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.headers.get("Retry-After") == "Fri, 04 Dec 2026 10:00:30 GMT");

  r = e.handle(request("GET", target), t0);
  CHECK(r.response.status == 200);
  CHECK(r.response.body == normal);
  CHECK(r.cut_after == 5u);
  CHECK(r.cut == answer_spec::cut_kind::reset);

  r = e.handle(request("GET", target), t0);
  CHECK(r.chunked);
  CHECK(r.chunk_size == 4);
  CHECK(r.delay == 250ms);
  CHECK(r.close);
  CHECK(r.response.body == normal);

  r = e.handle(request("GET", target), t0);
  CHECK(r.drop);
  r = e.handle(request("GET", target), t0);
  CHECK(r.stall);
  r = e.handle(request("GET", target), t0);
  CHECK(r.response.status == 201);
  CHECK(r.response.body == normal);

  r = e.handle(request("GET", target), t0);
  CHECK_FALSE((r.stall || r.drop || r.chunked || r.close || r.cut_after || r.delay.count()));

  const auto log = admin(e, "GET", "/_sim/requests?route=run_groups");
  CHECK(log.at("requests").at(9).at("status").as_int64() == 0);  // dropped: no answer
  CHECK(log.at("requests").at(10).at("status").as_int64() == 0);  // stalled
}

TEST_CASE("engine: hooks record every delivery and answer as scripted") {
  auto e = make(scenario_yaml("", R"(hooks:
  - {name: qa-slack, answers: [500, {status: 429, retry_after: 3}]}
  - {name: teams, style: teams}
  - {name: plain, style: webhook}
)"));
  std::vector<hook_delivery> seen;
  e.on_hook([&](const hook_delivery& d) { seen.push_back(d); });

  auto post = [&](const std::string& name, const std::string& payload, time_point when) {
    auto r = request("POST", "/hooks/" + name, false);
    r.headers.add("Content-Type", "application/json");
    r.headers.add("X-Sofy-Event", "test_changed");
    r.body = payload;
    return e.handle(r, when);
  };
  auto r = post("qa-slack", R"({"text":"one"})", t0);
  CHECK(r.response.status == 500);
  CHECK(r.response.body == "internal_error");
  r = post("qa-slack", R"({"text":"two"})", t0 + 1s);
  CHECK(r.response.status == 429);
  CHECK(r.response.body == "rate_limited");
  CHECK(r.response.headers.get("Retry-After") == "3");
  r = post("qa-slack", R"({"text":"three"})", t0 + 2s);
  CHECK(r.response.status == 200);
  CHECK(r.response.body == "ok");
  r = post("teams", R"({"type":"message"})", t0);
  CHECK(r.response.status == 202);
  CHECK(r.response.body.empty());
  r = post("plain", "{}", t0);
  CHECK(r.response.status == 200);
  CHECK(r.response.body == R"({"ok":true})");
  r = post("nobody", "{}", t0);
  CHECK(r.response.status == 404);

  REQUIRE(seen.size() == 5);
  CHECK(seen[0].hook == "qa-slack");
  CHECK(seen[0].status == 500);
  CHECK(seen[2].body == R"({"text":"three"})");
  CHECK(seen[2].seq == 3);

  const auto h = admin(e, "GET", "/_sim/hooks/qa-slack");
  CHECK(h.at("count").to_number<std::uint64_t>() == 3);
  const auto& d = h.at("deliveries").as_array();
  REQUIRE(d.size() == 3);
  CHECK(d[0].at("seq").to_number<std::uint64_t>() == 1);
  CHECK(str(d[0].at("method")) == "POST");
  CHECK(str(d[0].at("target")) == "/hooks/qa-slack");
  CHECK(str(d[0].at("headers").at("x-sofy-event")) == "test_changed");
  CHECK(str(d[0].at("body")) == R"({"text":"one"})");
  CHECK(str(d[0].at("json").at("text")) == "one");
  CHECK(d[0].at("status").as_int64() == 500);
  CHECK(str(d[1].at("time")) == "2026-12-04T10:00:01.000Z");
  CHECK(d[2].at("status").as_int64() == 200);

  const auto all = admin(e, "GET", "/_sim/hooks");
  CHECK(all.at("hooks").as_array().size() == 3);
  CHECK(e.handle(request("GET", "/_sim/hooks/nobody", false), t0).response.status == 404);
  // Hook deliveries are in the request log too.
  CHECK(admin(e, "GET", "/_sim/requests?route=hook").at("count").to_number<std::uint64_t>() == 6);
  CHECK(admin(e, "GET", "/_sim/requests?hook=teams").at("count").to_number<std::uint64_t>() == 1);
}

TEST_CASE("engine: a non-JSON hook body is kept raw") {
  auto e = make(scenario_yaml("", "hooks: [{name: h}]\n"));
  auto r = request("POST", "/hooks/h", false);
  r.body = "payload=%7B%7D";
  e.handle(r, t0);
  const auto h = admin(e, "GET", "/_sim/hooks/h");
  CHECK(str(h.at("deliveries").at(0).at("body")) == "payload=%7B%7D");
  CHECK(h.at("deliveries").at(0).at("json").is_null());
}

TEST_CASE("engine: the request log keeps credential headers by name only") {
  auto e = make(scenario_yaml());
  std::vector<request_record> seen;
  e.on_request([&](const request_record& r) { seen.push_back(r); });
  auto r = request("POST", base + guid + "/execute");
  r.headers.add("Authorization", "Bearer abc");
  e.handle(r, t0, peer_info{7, 2, true});
  auto web = request("POST", "/webagent-service/public/scheduled-runs/65a1b2c3d4e5f60718293a4b/execute", false);
  web.headers.add("x-sofy-web-auth-key", "web-secret");
  e.handle(web, t0);

  auto res = e.handle(request("GET", "/_sim/requests", false), t0);
  CHECK(res.response.body.find(key) == std::string::npos);
  CHECK(res.response.body.find("web-secret") == std::string::npos);
  CHECK(res.response.body.find("Bearer abc") == std::string::npos);
  const auto log = body(res);
  const auto& first = log.at("requests").at(0);
  CHECK(str(first.at("headers").at("x-sofy-auth-key")) == "<redacted>");
  CHECK(str(first.at("headers").at("authorization")) == "<redacted>");
  CHECK(str(first.at("route")) == "execute");
  CHECK(str(first.at("schedule")) == guid);
  CHECK(first.at("connection").to_number<std::uint64_t>() == 7);
  CHECK(first.at("request_index").to_number<std::uint64_t>() == 2);
  CHECK(first.at("tls").as_bool());
  CHECK(str(first.at("time")) == "2026-12-04T10:00:00.000Z");
  CHECK(str(log.at("requests").at(1).at("route")) == "web_execute");
  CHECK(log.at("counts").at("execute").to_number<std::uint64_t>() == 1);
  // Admin requests are not logged.
  CHECK(log.at("count").to_number<std::uint64_t>() == 2);

  REQUIRE(seen.size() == 2);
  CHECK(seen[0].headers.get("x-sofy-auth-key") == "<redacted>");
  CHECK(seen[0].status == 200);
  CHECK(seen[0].group == "1000");
}

TEST_CASE("engine: the request log filters, and drops the oldest beyond its limit") {
  auto e = make(scenario_yaml("", "limits: {request_log: 3}\n"));
  for (int i = 0; i < 5; ++i) e.handle(request("GET", base + guid + "/test-run-groups"), t0);
  e.handle(request("GET", "/application-microservice/public/applications"), t0);
  auto log = admin(e, "GET", "/_sim/requests");
  CHECK(log.at("count").to_number<std::uint64_t>() == 3);
  CHECK(log.at("dropped").to_number<std::uint64_t>() == 3);
  CHECK(log.at("counts").at("run_groups").to_number<std::uint64_t>() == 5);  // counts are never dropped
  CHECK(log.at("requests").at(0).at("seq").to_number<std::uint64_t>() == 4);
  log = admin(e, "GET", "/_sim/requests?since=5");
  CHECK(log.at("count").to_number<std::uint64_t>() == 1);
  CHECK(str(log.at("requests").at(0).at("route")) == "applications");
  log = admin(e, "GET", "/_sim/requests?schedule=" + guid);
  CHECK(log.at("count").to_number<std::uint64_t>() == 2);
}

TEST_CASE("engine: reset restores the initial state") {
  auto e = make(scenario_yaml("", "faults: [{route: status, answers: [503]}]\nhooks: [{name: h, answers: [500]}]\n"));
  const auto g = trigger(e);
  CHECK(e.handle(request("GET", base + guid + "/status/" + g), t0).response.status == 503);
  e.handle(request("POST", "/hooks/h", false), t0);
  e.advance(0, 1h);
  admin(e, "POST", "/_sim/reset");
  CHECK(body(e.handle(request("GET", base + guid + "/test-run-groups"), t0)).as_array().empty());
  CHECK(admin(e, "GET", "/_sim/requests").at("count").to_number<std::uint64_t>() == 1);  // the list just made
  CHECK(admin(e, "GET", "/_sim/hooks/h").at("count").to_number<std::uint64_t>() == 0);
  CHECK(e.handle(request("POST", "/hooks/h", false), t0).response.status == 500);  // script from the start
  const auto g2 = trigger(e);
  CHECK(g2 == "1000");
  CHECK(e.handle(request("GET", base + guid + "/status/" + g2), t0).response.status == 503);
  CHECK(str(admin(e, "GET", "/_sim/state").at("time")) == "2026-12-04T10:00:00.000Z");
}

TEST_CASE("engine: the admin API starts runs and shows state") {
  auto e = make(scenario_yaml());
  auto r = admin(e, "POST", "/_sim/execute?schedule=" + guid);
  const std::string g = str(r.at("testRunGroupId"));
  CHECK(g == "1000");
  CHECK(e.handle(request("POST", "/_sim/execute?schedule=nope", false), t0).response.status == 404);
  statuses(e, g);
  const auto st = admin(e, "GET", "/_sim/state");
  const auto& s = st.at("schedules").at(0);
  CHECK(str(s.at("guid")) == guid);
  CHECK(str(s.at("groups").at(0).at("id")) == g);
  CHECK(s.at("groups").at(0).at("polls").to_number<std::uint64_t>() == 1);
  CHECK(str(s.at("groups").at(0).at("tests").at(0).at("status")) == "Queued");
  CHECK(admin(e, "GET", "/_sim/health").at("ok").as_bool());
  auto unknown = e.handle(request("GET", "/_sim/whatever", false), t0);
  CHECK(unknown.response.status == 404);
  CHECK(admin(e, "GET", "/_sim/requests").at("count").to_number<std::uint64_t>() == 1);  // only the status poll
}

TEST_CASE("engine: odd requests get answers, never exceptions") {
  auto e = make(scenario_yaml("", "hooks: [{name: h}]\n"));
  const std::vector<std::string> targets = {
      "", "*", "/", "//", "/%", "/%zz", "/%00", "/_sim", "/_sim/", "/_sim/hooks/", "/_sim/requests?since=-1",
      "/_sim/requests?since=99999999999999999999999", "/_sim/advance?polls=18446744073709551616",
      "/_sim/advance?time=", "/hooks", "/hooks/", "/hooks/h/extra", base, base + guid, base + guid + "/status/",
      base + guid + "/status/%FF", base + "%E2%82%AC/execute", base + guid + "/execute?appHash",
      base + guid + "/execute?appHash=&appHash=x", "/scheduler-microservice/public/test-run/abort/" + guid + "?testRunGroupId",
      "/device-microservice/public/devices/", "/parser-microservice/build-upload?userFriendlyBuildName=%",
      std::string("/x\0y", 4), "/" + std::string(10000, 'a')};
  for (const char* method : {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "get", ""}) {
    for (const auto& target : targets) {
      INFO(method << " " << target);
      auto r = request(method, target);
      r.body = std::string("\xff\xfe{\"", 4);
      r.headers.add("Content-Type", "multipart/form-data; boundary=");
      sim_reply reply;
      REQUIRE_NOTHROW(reply = e.handle(r, t0));
      CHECK(reply.response.status >= 200);
      CHECK(reply.response.status <= 599);
    }
  }
  // Upload bodies that are almost multipart.
  for (const std::string body : {"--b", "--b\r\n", "--b\r\n\r\n", "--b\r\nContent-Disposition: form-data\r\n\r\n",
                                 "--b--", "\r\n--b\r\n"}) {
    auto r = request("POST", "/parser-microservice/build-upload");
    r.headers.add("Content-Type", "multipart/form-data; boundary=b");
    r.body = body;
    INFO(body);
    REQUIRE_NOTHROW(e.handle(r, t0));
  }
}

TEST_CASE("engine: the library's decoders read every shape the simulator serves") {
  auto e = engine{load_scenario(std::string(SOFY_SIM_SCENARIOS) + "/shapes.yaml"), t0};
  struct shape {
    std::string guid;
    bool names_group;
  };
  std::uint64_t next = 200001;
  for (const auto& s : std::vector<shape>{{"11111111-1111-4111-8111-111111111111", true},
                                          {"22222222-2222-4222-8222-222222222222", true},
                                          {"33333333-3333-4333-8333-333333333333", true},
                                          {"44444444-4444-4444-8444-444444444444", true},
                                          {"55555555-5555-4555-8555-555555555555", false}}) {
    INFO(s.guid);
    const std::string id = std::to_string(next++);
    const auto trig = sofy::decode_trigger(e.handle(request("POST", base + s.guid + "/execute"), t0).response.body);
    if (s.names_group) {
      CHECK(trig.group_id == id);
    } else {
      CHECK_FALSE(trig.group_id);
    }
    CHECK(trig.message == "Test runs are scheduled and in queue.");

    const auto groups = sofy::decode_run_groups(e.handle(request("GET", base + s.guid + "/test-run-groups"), t0).response.body);
    REQUIRE_FALSE(groups.empty());
    CHECK(groups.front().id == id);  // the newest: how a client finds a run the trigger did not name
    CHECK(groups.front().state == sofy::group_state::queued);

    std::vector<sofy::run_status> seen;
    for (int poll = 0; poll < 4; ++poll) {
      const auto st = sofy::decode_status(e.handle(request("GET", base + s.guid + "/status/" + id), t0).response.body);
      REQUIRE(st.tests.size() == 2);
      CHECK(st.tests[0].scenario == "Login");
      CHECK(st.tests[0].device == "Pixel 7");
      CHECK(st.tests[1].device == "Apple iPhone13,2");
      CHECK(st.tests[1].build == "1.4.0(77)");
      seen.push_back(st.tests[1].status);
      if (poll == 3) CHECK(st.outcome() == sofy::run_outcome::failed);
    }
    CHECK(seen == std::vector<sofy::run_status>{sofy::run_status::queued, sofy::run_status::running,
                                                sofy::run_status::running, sofy::run_status::failed});
    const auto done = sofy::decode_run_groups(e.handle(request("GET", base + s.guid + "/test-run-groups"), t0).response.body);
    CHECK(done.front().state == sofy::group_state::complete_with_errors);
  }

  // data as one object
  const std::string one = "66666666-6666-4666-8666-666666666666";
  const auto trig = sofy::decode_trigger(e.handle(request("POST", base + one + "/execute"), t0).response.body);
  REQUIRE(trig.group_id);
  auto st = sofy::decode_status(e.handle(request("GET", base + one + "/status/" + *trig.group_id), t0).response.body);
  REQUIRE(st.tests.size() == 1);
  CHECK(st.tests[0].status == sofy::run_status::running);
  st = sofy::decode_status(e.handle(request("GET", base + one + "/status/" + *trig.group_id), t0).response.body);
  CHECK(st.tests[0].status == sofy::run_status::stopped);
  CHECK(st.tests[0].raw_status == "Run Stopped");

  // every spelling, unknown ones kept raw
  st = sofy::decode_status(
      e.handle(request("GET", base + "77777777-7777-4777-8777-777777777777/status/190000"), t0).response.body);
  std::vector<sofy::run_status> got;
  for (const auto& t : st.tests) got.push_back(t.status);
  CHECK(got == std::vector<sofy::run_status>{sofy::run_status::not_executed, sofy::run_status::incomplete,
                                             sofy::run_status::stopped, sofy::run_status::stopped,
                                             sofy::run_status::queued, sofy::run_status::passed,
                                             sofy::run_status::unknown});
  CHECK(st.tests[6].raw_status == "Rebooting Device");

  // abort, errors, applications, devices, upload
  CHECK_FALSE(sofy::decode_message(
                  e.handle(request("PUT", "/scheduler-microservice/public/test-run/abort/" + one), t0).response.body)
                  .empty());
  auto bad = request("GET", base + one + "/test-run-groups", false);
  bad.headers.add("x-sofy-auth-key", "00000000-0000-0000-0000-000000000000");
  const auto r = e.handle(bad, t0);
  const auto err = sofy::decode_error_body(r.response.status, "", r.response.body);
  CHECK(err.http_status() == 401);
  CHECK(err.api_message() == "Invalid Auth Key.");
  CHECK(sofy::decode_devices(e.handle(request("GET", "/device-microservice/public/devices/ANDROID"), t0).response.body)
            .empty());
  CHECK(sofy::decode_applications(e.handle(request("GET", "/application-microservice/public/applications"), t0).response.body)
            .empty());
}

TEST_CASE("engine: the library's decoders read uploads, applications and devices") {
  auto e = make(scenario_yaml());
  const auto up = sofy::decode_upload(e.handle(upload_request("apk bytes"), t0).response.body);
  CHECK(up.app_hash == app_hash_of("apk bytes"));
  CHECK(up.message == "Application Upload Successful.");
  const auto apps =
      sofy::decode_applications(e.handle(request("GET", "/application-microservice/public/applications"), t0).response.body);
  REQUIRE(apps.size() == 2);
  CHECK(apps[0].guid == "3F2504E0-4F89-11D3-9A0C-0305E82C3301");
  CHECK(apps[0].platform == "ANDROID");
  CHECK(apps[0].name == "Shop");
  REQUIRE(apps[0].builds.size() == 1);
  CHECK(apps[0].builds[0] == sofy::app_build{"9e107d9d372bb6826bd81d3542a419d6", "77", "2.0.0(90)", "com.shop"});
  CHECK(apps[1].builds[0].app_hash == up.app_hash);
  const auto ios = sofy::decode_devices(e.handle(request("GET", "/device-microservice/public/devices/IOS"), t0).response.body);
  REQUIRE(ios.size() == 1);
  CHECK(ios[0] == sofy::device{"iPhone 15", "Apple", "17.2", "B2", "BUSY"});
}
