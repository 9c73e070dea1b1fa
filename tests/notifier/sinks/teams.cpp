// Tests notifier/sinks/teams.hpp: the Workflows message envelope around an Adaptive Card
// 1.4, colours, mentions, the 20 KB limit with "and N more", and answer classification.
#include "notifier/sinks/teams.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sofy::run_outcome;
using sofy::run_status;
using namespace sofy::notifier;
namespace json = boost::json;
using kind = delivery_verdict::kind;

namespace {

const schedule_ref nightly{"Nightly smoke", "0b6ef3f2-aaaa-bbbb-cccc-000000000001"};

event change(std::string scenario, run_status to, std::optional<run_status> from, std::string id) {
  event e;
  e.id = std::move(id);
  e.type = event_type::test_changed;
  e.schedule = nightly;
  e.group = "123456";
  e.test.scenario = std::move(scenario);
  e.test.device = "Pixel 7";
  e.test.build = "1.4.0(77)";
  e.test.status = to;
  e.test.raw_status = std::string(display_name(to));
  e.previous_status = from;
  e.counts.total = 2;
  e.counts.passed = 1;
  e.counts.failed = 1;
  e.outcome = run_outcome::failed;
  return e;
}

webhook_config hook(std::string mention = {}) {
  webhook_config w;
  w.name = "qa-teams";
  w.type = sink_type::teams;
  w.url = "https://prod-01.westus.logic.azure.com/workflows/x";
  w.mention = std::move(mention);
  return w;
}

struct rendered {
  std::string body;
  json::object envelope;
  json::object card;
  json::array items;
};

rendered render_one(const batch& b, const webhook_config& w) {
  auto out = teams::render(b, w);
  REQUIRE(out.size() == 1);
  CHECK(out[0].headers ==
        std::vector<http_header>{{"Content-Type", "application/json; charset=utf-8"}});
  rendered r;
  r.body = out[0].body;
  r.envelope = json::parse(r.body).as_object();
  const auto& att = r.envelope.at("attachments").as_array();
  REQUIRE(att.size() == 1);
  r.card = att[0].as_object().at("content").as_object();
  r.items = r.card.at("body").as_array();
  return r;
}

std::string text(const json::value& v) { return std::string(v.as_object().at("text").as_string()); }

}  // namespace

TEST_CASE("teams: an Adaptive Card 1.4 in the Workflows message envelope") {
  batch b{nightly,
          {change("Login", run_status::failed, run_status::running, "e1"),
           change("Pay", run_status::passed, std::nullopt, "e2")}};
  auto r = render_one(b, hook());
  CHECK(r.envelope.at("type") == "message");
  const auto& att = r.envelope.at("attachments").as_array()[0].as_object();
  CHECK(att.at("contentType") == "application/vnd.microsoft.card.adaptive");
  CHECK(att.at("contentUrl").is_null());
  CHECK(r.card.at("type") == "AdaptiveCard");
  CHECK(r.card.at("version") == "1.4");
  CHECK(r.card.at("$schema") == "http://adaptivecards.io/schemas/adaptive-card.json");
  CHECK(r.card.at("msteams").as_object().at("width") == "Full");
  CHECK_FALSE(r.card.at("msteams").as_object().contains("entities"));
  REQUIRE(r.items.size() == 4);
  for (const auto& item : r.items) {
    CHECK(item.as_object().at("type") == "TextBlock");
    CHECK(item.as_object().at("wrap") == true);
  }
  CHECK(text(r.items[0]) == "Nightly smoke");
  CHECK(r.items[0].as_object().at("weight") == "Bolder");
  CHECK(text(r.items[1]) == "Run 123456 failed: 1 passed, 1 not passed, 0 running, 0 queued of 2");
  CHECK(text(r.items[2]) == "❌ **Login** on Pixel 7 (1.4.0(77)): Running → **Failed**");
  CHECK(r.items[2].as_object().at("color") == "Attention");
  CHECK(text(r.items[3]) == "✅ **Pay** on Pixel 7 (1.4.0(77)): **Passed**");
  CHECK(r.items[3].as_object().at("color") == "Good");
  CHECK(teams::render(batch{nightly, {}}, hook()).empty());
}

TEST_CASE("teams: colours per status and lines per event type") {
  event started = change("x", run_status::running, std::nullopt, "s");
  started.type = event_type::run_started;
  event done = change("x", run_status::passed, std::nullopt, "f");
  done.type = event_type::run_finished;
  done.outcome = run_outcome::passed;
  auto r = render_one(batch{nightly,
                            {started, change("A", run_status::incomplete, run_status::running, "1"),
                             change("B", run_status::running, run_status::queued, "2"), done}},
                      hook());
  REQUIRE(r.items.size() == 6);
  CHECK(text(r.items[2]) == "🚀 Run **123456** started");
  CHECK_FALSE(r.items[2].as_object().contains("color"));
  CHECK(r.items[3].as_object().at("color") == "Warning");
  CHECK_FALSE(r.items[4].as_object().contains("color"));
  CHECK(text(r.items[5]) == "✅ Run **123456** finished: **passed** (1 passed, 1 failed of 2)");
  CHECK(r.items[5].as_object().at("color") == "Good");
}

TEST_CASE("teams: the mention is an <at> entity, only when a test failed") {
  auto r =
      render_one(batch{nightly, {change("Login", run_status::failed, run_status::running, "e1")}},
                 hook("qa-lead@example.com"));
  CHECK(text(r.items[1]).ends_with(" <at>qa-lead@example.com</at>"));
  const auto& entities = r.card.at("msteams").as_object().at("entities").as_array();
  REQUIRE(entities.size() == 1);
  const auto& m = entities[0].as_object();
  CHECK(m.at("type") == "mention");
  CHECK(m.at("text") == "<at>qa-lead@example.com</at>");
  CHECK(m.at("mentioned").as_object().at("id") == "qa-lead@example.com");
  CHECK(m.at("mentioned").as_object().at("name") == "qa-lead@example.com");

  auto quiet =
      render_one(batch{nightly, {change("Login", run_status::passed, run_status::running, "e1")}},
                 hook("qa-lead@example.com"));
  CHECK(text(quiet.items[1]).find("<at>") == std::string::npos);
  CHECK_FALSE(quiet.card.at("msteams").as_object().contains("entities"));
}

TEST_CASE("teams: templates apply to title and text") {
  auto w = hook();
  w.title = "{schedule}: {outcome}";
  w.text = "{failures} of {total} need a look";
  auto r = render_one(
      batch{nightly, {change("Login", run_status::failed, run_status::running, "e1")}}, w);
  CHECK(text(r.items[0]) == "Nightly smoke: failed");
  CHECK(text(r.items[1]) == "1 of 2 need a look");
}

TEST_CASE("teams: 500 changes stay under 20 KB and end with \"and N more\"") {
  batch b{nightly, {}};
  for (int i = 0; i < 500; ++i)
    b.events.push_back(change("Scenario number " + std::to_string(i) + " — ✓ long name",
                              i % 3 ? run_status::failed : run_status::passed, run_status::running,
                              "id-" + std::to_string(i)));
  auto r = render_one(b, hook("qa-lead@example.com"));
  CHECK(r.body.size() <= teams::max_body_bytes);
  CHECK(r.body.size() > teams::max_body_bytes - 400);  // the room is used
  const auto& last = r.items.back().as_object();
  std::size_t shown = r.items.size() - 3;  // title, summary, footer
  CHECK(text(last) == "and " + std::to_string(500 - shown) + " more");
  CHECK(last.at("isSubtle") == true);
  CHECK(shown > 20);
}

TEST_CASE("teams: one huge name is cut, and still fits") {
  std::string huge;
  for (int i = 0; i < 20000; ++i) huge += "界";
  auto r = render_one(batch{nightly, {change(huge, run_status::failed, run_status::running, "e1")}},
                      hook());
  CHECK(r.body.size() <= teams::max_body_bytes);
  REQUIRE(r.items.size() == 3);
  CHECK(text(r.items[2]).ends_with("…"));
}

TEST_CASE("teams: delivery ids are stable and depend on the webhook and the events") {
  batch b{nightly, {change("Login", run_status::failed, run_status::running, "e1")}};
  auto id = teams::render(b, hook())[0].delivery_id;
  CHECK(teams::render(b, hook())[0].delivery_id == id);
  auto other = hook();
  other.name = "ops-teams";
  CHECK(teams::render(b, other)[0].delivery_id != id);
  b.events[0].id = "e2";
  CHECK(teams::render(b, hook())[0].delivery_id != id);
}

TEST_CASE("teams: answers are classified; 200 and 202 are success") {
  struct row {
    int status;
    kind expected;
  };
  const std::vector<row> rows = {
      {200, kind::delivered}, {202, kind::delivered}, {204, kind::delivered},
      {408, kind::transient}, {429, kind::transient}, {500, kind::transient},
      {502, kind::transient}, {503, kind::transient}, {504, kind::transient},
      {400, kind::permanent}, {401, kind::permanent}, {403, kind::permanent},
      {404, kind::permanent}, {413, kind::permanent}, {302, kind::permanent},
  };
  for (const auto& r : rows) {
    INFO(r.status);
    CHECK(teams::classify(r.status, "", std::nullopt).outcome == r.expected);
  }
  auto limited = teams::classify(429, "", 12s);
  CHECK(limited.retry_after == 12s);
  CHECK(teams::classify(413, "", {}).reason == "HTTP 413: the card is too large");
  CHECK(teams::classify(404, "", {}).reason == "HTTP 404: the workflow no longer exists");
  CHECK(teams::classify(400, "InvalidRequestContent", {}).reason ==
        "HTTP 400: InvalidRequestContent");
  CHECK(teams::classify(400, R"({"error":{"message":"sig=SECRET"}})", {}).reason == "HTTP 400");
}
