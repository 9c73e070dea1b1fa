// Tests notifier/sinks/webhook.hpp: the pinned body field by field, headers, the HMAC
// signature against independently computed values, and answer classification.
#include "notifier/sinks/webhook.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sofy::run_outcome;
using sofy::run_status;
using sofy::test_run;
using namespace sofy::notifier;
namespace json = boost::json;
using kind = delivery_verdict::kind;

namespace {

const schedule_ref nightly{"Nightly smoke", "0b6ef3f2-aaaa-bbbb-cccc-000000000001"};
const auto observed = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 10h;

test_run login(run_status s, std::string raw) {
  test_run t;
  t.scenario = "Login";
  t.device = "Pixel 7";
  t.build = "1.4.0(77)";
  t.status = s;
  t.raw_status = std::move(raw);
  return t;
}

event base(event_type type, std::string id) {
  event e;
  e.id = std::move(id);
  e.type = type;
  e.schedule = nightly;
  e.group = "123456";
  e.observed_at = observed;
  return e;
}

event changed_event() {
  event e = base(event_type::test_changed, "0b0c2f0e-1a2b-8c3d-9e4f-a5b6c7d8e9f0");
  e.test = login(run_status::failed, "Failed");
  e.previous_status = run_status::running;
  return e;
}

webhook_config hook(std::string secret = {}) {
  webhook_config w;
  w.name = "ci-hook";
  w.type = sink_type::webhook;
  w.url = "https://example.com/hook";
  w.secret = std::move(secret);
  return w;
}

std::vector<std::string> keys(const json::object& o) {
  std::vector<std::string> out;
  for (const auto& kv : o) out.emplace_back(kv.key());
  return out;
}

std::string header(const outgoing& o, std::string_view name) {
  for (const auto& h : o.headers)
    if (h.name == name) return h.value;
  return "<absent>";
}

}  // namespace

TEST_CASE("webhook: the test_changed body is exactly the pinned one") {
  // DESIGN.md's example, with this event's values.
  CHECK(webhook::body(changed_event()) ==
        R"j({"id":"0b0c2f0e-1a2b-8c3d-9e4f-a5b6c7d8e9f0","event":"test_changed",)j"
        R"j("observed_at":"2026-12-04T10:00:00Z",)j"
        R"j("schedule":{"name":"Nightly smoke","guid":"0b6ef3f2-aaaa-bbbb-cccc-000000000001"},)j"
        R"j("group":"123456","test":{"scenario":"Login","device":"Pixel 7","build":"1.4.0(77)",)j"
        R"j("status":"failed","raw_status":"Failed","previous_status":"running"}})j");

  auto v = json::parse(webhook::body(changed_event())).as_object();
  CHECK(keys(v) ==
        std::vector<std::string>{"id", "event", "observed_at", "schedule", "group", "test"});
  CHECK(keys(v["schedule"].as_object()) == std::vector<std::string>{"name", "guid"});
  CHECK(keys(v["test"].as_object()) == std::vector<std::string>{"scenario", "device", "build",
                                                                "status", "raw_status",
                                                                "previous_status"});
}

TEST_CASE("webhook: a test seen for the first time has a null previous_status") {
  event e = changed_event();
  e.previous_status.reset();
  e.test = login(run_status::not_executed, "Not Executed");
  auto v = json::parse(webhook::body(e)).as_object();
  const auto& t = v["test"].as_object();
  CHECK(t.at("previous_status").is_null());
  CHECK(t.at("status") == "not_executed");
  CHECK(t.at("raw_status") == "Not Executed");
}

TEST_CASE("webhook: run_started and run_finished bodies") {
  auto s = json::parse(webhook::body(base(event_type::run_started, "id-1"))).as_object();
  CHECK(keys(s) == std::vector<std::string>{"id", "event", "observed_at", "schedule", "group"});
  CHECK(s["event"] == "run_started");
  CHECK(s["id"] == "id-1");
  CHECK(s["group"] == "123456");

  event f = base(event_type::run_finished, "id-2");
  f.outcome = run_outcome::failed;
  f.counts.total = 3;
  f.counts.passed = 1;
  f.counts.failed = 1;
  f.counts.stopped = 1;
  f.tests = {login(run_status::passed, "Passed"), login(run_status::failed, "Failed"),
             login(run_status::stopped, "Run Stopped")};
  f.tests[1].device = "iPhone 15";
  auto v = json::parse(webhook::body(f)).as_object();
  CHECK(keys(v) == std::vector<std::string>{"id", "event", "observed_at", "schedule", "group",
                                            "outcome", "counts", "tests"});
  CHECK(v["event"] == "run_finished");
  CHECK(v["outcome"] == "failed");
  CHECK(v["observed_at"] == "2026-12-04T10:00:00Z");
  const auto& c = v["counts"].as_object();
  CHECK(keys(c) == std::vector<std::string>{"total", "queued", "running", "passed", "failed",
                                            "incomplete", "not_executed", "stopped", "unknown"});
  CHECK(c.at("total") == 3);
  CHECK(c.at("passed") == 1);
  CHECK(c.at("failed") == 1);
  CHECK(c.at("stopped") == 1);
  CHECK(c.at("queued") == 0);
  const auto& tests = v["tests"].as_array();
  REQUIRE(tests.size() == 3);
  const auto& t1 = tests[1].as_object();
  CHECK(keys(t1) ==
        std::vector<std::string>{"scenario", "device", "build", "status", "raw_status"});
  CHECK(t1.at("device") == "iPhone 15");
  CHECK(t1.at("status") == "failed");
  CHECK(tests[2].as_object().at("raw_status") == "Run Stopped");
  CHECK(tests[2].as_object().at("status") == "stopped");
}

TEST_CASE("webhook: odd text from the service still gives valid JSON") {
  event e = changed_event();
  e.test.scenario =
      "Quote \" backslash \\ newline \n tab \t nul " + std::string(1, '\0') + " bad \xFF utf8 ✓";
  auto body = webhook::body(e);
  auto v = json::parse(body).as_object();  // rejects invalid UTF-8
  std::string scenario(v["test"].as_object().at("scenario").as_string());
  CHECK(scenario.find("Quote \" backslash \\ newline \n tab \t nul ") == 0);
  CHECK(scenario.find("\xEF\xBF\xBD utf8 ✓") != std::string::npos);
}

TEST_CASE("webhook: one request per event with the pinned headers") {
  batch b{nightly,
          {base(event_type::run_started, "id-1"), changed_event(),
           base(event_type::run_finished, "id-3")}};
  auto out = webhook::render(b, hook());
  REQUIRE(out.size() == 3);
  CHECK(out[0].delivery_id == "id-1");
  CHECK(out[1].delivery_id == "0b0c2f0e-1a2b-8c3d-9e4f-a5b6c7d8e9f0");
  CHECK(out[2].delivery_id == "id-3");
  CHECK(out[1].body == webhook::body(b.events[1]));
  CHECK(out[1].headers ==
        std::vector<http_header>{{"Content-Type", "application/json"},
                                 {"X-Sofy-Event", "test_changed"},
                                 {"X-Sofy-Delivery", "0b0c2f0e-1a2b-8c3d-9e4f-a5b6c7d8e9f0"}});
  CHECK(header(out[0], "X-Sofy-Event") == "run_started");
  CHECK(header(out[2], "X-Sofy-Event") == "run_finished");
  CHECK(header(out[0], "X-Sofy-Signature-256") == "<absent>");
  // Rendering again (a retry after a crash) gives the same requests.
  auto again = webhook::render(b, hook());
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK(again[i].body == out[i].body);
    CHECK(again[i].delivery_id == out[i].delivery_id);
  }
  CHECK(webhook::render(batch{nightly, {}}, hook()).empty());
}

TEST_CASE("webhook: HMAC-SHA256 signatures match independently computed values") {
  // `printf '%s' 'Hello, World!' | openssl dgst -sha256 -hmac "It's a Secret to Everybody"`
  CHECK(webhook::signature("It's a Secret to Everybody", "Hello, World!") ==
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  CHECK(webhook::signature("s3cret", R"({"id":"x","event":"test_changed"})") ==
        "sha256=3812d78ed2a866eb9c208cfacbc0167a827af85d4d365d79b298292273b88a53");
  // The header signs the exact body sent: openssl over the pinned body above.
  auto out = webhook::render(batch{nightly, {changed_event()}}, hook("hook-secret"));
  REQUIRE(out.size() == 1);
  CHECK(header(out[0], "X-Sofy-Signature-256") ==
        "sha256=01b14669b4a590dfd5ad0c64487570fdd4cd930b2ed2233072c507a188674d61");
  CHECK(out[0].headers.size() == 4);
}

TEST_CASE("webhook: answers are classified as delivered, transient or permanent") {
  struct row {
    int status;
    std::string_view body;
    kind expected;
  };
  const std::vector<row> rows = {
      {200, "", kind::delivered}, {201, "created", kind::delivered},
      {202, "", kind::delivered}, {204, "", kind::delivered},
      {408, "", kind::transient}, {429, "", kind::transient},
      {500, "", kind::transient}, {502, "<html>bad gateway</html>", kind::transient},
      {503, "", kind::transient}, {599, "", kind::transient},
      {0, "", kind::transient},   {400, "bad_signature", kind::permanent},
      {401, "", kind::permanent}, {403, "", kind::permanent},
      {404, "", kind::permanent}, {410, "", kind::permanent},
      {413, "", kind::permanent}, {422, "", kind::permanent},
      {301, "", kind::permanent}, {600, "", kind::permanent},
  };
  for (const auto& r : rows) {
    INFO(r.status);
    CHECK(webhook::classify(r.status, r.body, std::nullopt).outcome == r.expected);
  }
  auto limited = webhook::classify(429, "", 30s);
  CHECK(limited.outcome == kind::transient);
  CHECK(limited.retry_after == 30s);
  CHECK(limited.reason == "HTTP 429");
  CHECK(webhook::classify(503, "", 2s).retry_after == 2s);
  CHECK(webhook::classify(400, "bad_signature", {}).reason == "HTTP 400: bad_signature");
  CHECK(webhook::classify(301, "", {}).reason ==
        "HTTP 301: redirects are not followed; check the URL");
  // A body that could echo the request path (and so the URL's secret) is never quoted.
  auto echoed = webhook::classify(404, "No route for /hooks/SECRET-TOKEN-1234", {});
  CHECK(echoed.reason == "HTTP 404");
  CHECK(to_string(echoed.outcome) == "permanent");
}
