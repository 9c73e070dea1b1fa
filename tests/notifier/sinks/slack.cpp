// Tests notifier/sinks/slack.hpp: Block Kit shape, mention, escaping, Slack's limits with
// "and N more", stable delivery ids, and answer classification.
#include "notifier/sinks/slack.hpp"

#include "notifier/detail/text.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sofy::run_outcome;
using sofy::run_status;
using sofy::test_run;
using namespace sofy::notifier;
namespace json = boost::json;
using kind = delivery_verdict::kind;
using sofy::notifier::detail::utf8_length;

namespace {

const schedule_ref nightly{"Nightly smoke", "0b6ef3f2-aaaa-bbbb-cccc-000000000001"};

event change(std::string scenario, run_status to, std::optional<run_status> from, std::string id,
             std::string raw = {}) {
  event e;
  e.id = std::move(id);
  e.type = event_type::test_changed;
  e.schedule = nightly;
  e.group = "123456";
  e.observed_at = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 10h;
  e.test.scenario = std::move(scenario);
  e.test.device = "Pixel 7";
  e.test.build = "1.4.0(77)";
  e.test.status = to;
  e.test.raw_status = raw.empty() ? std::string(display_name(to)) : std::move(raw);
  e.previous_status = from;
  e.counts.total = 10;
  e.counts.passed = 8;
  e.counts.failed = 1;
  e.counts.running = 1;
  return e;
}

webhook_config hook(std::string mention = {}) {
  webhook_config w;
  w.name = "qa-slack";
  w.type = sink_type::slack;
  w.url = "https://hooks.slack.com/services/T/B/X";
  w.mention = std::move(mention);
  return w;
}

json::object render_one(const batch& b, const webhook_config& w) {
  auto out = slack::render(b, w);
  REQUIRE(out.size() == 1);
  CHECK(out[0].headers ==
        std::vector<http_header>{{"Content-Type", "application/json; charset=utf-8"}});
  return json::parse(out[0].body).as_object();  // also proves valid JSON and UTF-8
}

std::string text_of(const json::value& block) {
  return std::string(block.as_object().at("text").as_object().at("text").as_string());
}

// Every character Slack counts: the fallback and every text in every block.
std::size_t total_chars(const json::object& msg) {
  std::size_t n = utf8_length(msg.at("text").as_string());
  for (const auto& b : msg.at("blocks").as_array()) {
    const auto& o = b.as_object();
    if (o.contains("text")) n += utf8_length(o.at("text").as_object().at("text").as_string());
    if (o.contains("elements"))
      for (const auto& el : o.at("elements").as_array())
        n += utf8_length(el.as_object().at("text").as_string());
  }
  return n;
}

}  // namespace

TEST_CASE("slack: one Block Kit message with a fallback text, header, summary and changes") {
  batch b{nightly,
          {change("Login", run_status::failed, run_status::running, "e1"),
           change("Pay", run_status::passed, std::nullopt, "e2")}};
  auto msg = render_one(b, hook());
  REQUIRE(msg.at("text").is_string());
  std::string fallback(msg.at("text").as_string());
  CHECK(fallback.find("Nightly smoke") != std::string::npos);
  const auto& blocks = msg.at("blocks").as_array();
  REQUIRE(blocks.size() == 3);
  const auto& header = blocks[0].as_object();
  CHECK(header.at("type") == "header");
  CHECK(header.at("text").as_object().at("type") == "plain_text");
  CHECK(header.at("text").as_object().at("text") == "Nightly smoke");
  CHECK(blocks[1].as_object().at("type") == "section");
  CHECK(blocks[1].as_object().at("text").as_object().at("type") == "mrkdwn");
  CHECK(text_of(blocks[1]) ==
        "Run 123456 running: 8 passed, 1 not passed, 1 running, 0 queued of 10");
  CHECK(text_of(blocks[2]) ==
        ":x: *Login* on Pixel 7 (1.4.0(77)): Running → *Failed*\n"
        ":white_check_mark: *Pay* on Pixel 7 (1.4.0(77)): *Passed*");
  CHECK(slack::render(batch{nightly, {}}, hook()).empty());
}

TEST_CASE("slack: every event type and status has its line") {
  event started = change("x", run_status::running, std::nullopt, "s");
  started.type = event_type::run_started;
  event done = change("x", run_status::passed, std::nullopt, "f");
  done.type = event_type::run_finished;
  done.outcome = run_outcome::failed;
  batch b{nightly,
          {started, change("A", run_status::stopped, run_status::running, "1", "Cancelled by User"),
           change("B", run_status::incomplete, run_status::running, "2"),
           change("C", run_status::not_executed, run_status::queued, "3"),
           change("D", run_status::queued, std::nullopt, "4"),
           change("E", run_status::unknown, run_status::running, "5", "Rebooting"), done}};
  auto msg = render_one(b, hook());
  auto lines = text_of(msg.at("blocks").as_array()[2]);
  CHECK(lines ==
        ":rocket: Run *123456* started\n"
        ":octagonal_sign: *A* on Pixel 7 (1.4.0(77)): Running → *Stopped (Cancelled by User)*\n"
        ":warning: *B* on Pixel 7 (1.4.0(77)): Running → *Incomplete*\n"
        ":no_entry_sign: *C* on Pixel 7 (1.4.0(77)): Queued → *Not executed*\n"
        ":clock3: *D* on Pixel 7 (1.4.0(77)): *Queued*\n"
        ":grey_question: *E* on Pixel 7 (1.4.0(77)): Running → *Unknown (Rebooting)*\n"
        ":x: Run *123456* finished: *failed* (8 passed, 1 failed, 1 running of 10)");
}

TEST_CASE("slack: the mention is added only when a test failed") {
  auto summary = [](const batch& b, const webhook_config& w) {
    auto msg = render_one(b, w);
    return text_of(msg.at("blocks").as_array()[1]);
  };
  batch failing{nightly, {change("Login", run_status::failed, run_status::running, "e1")}};
  batch passing{nightly, {change("Login", run_status::passed, run_status::running, "e1")}};
  event finished_bad = change("x", run_status::failed, std::nullopt, "f");
  finished_bad.type = event_type::run_finished;
  finished_bad.outcome = run_outcome::failed;
  CHECK(summary(failing, hook("<!here>")).ends_with(" <!here>"));
  CHECK(summary(batch{nightly, {finished_bad}}, hook("<!subteam^S123>"))
            .ends_with(" <!subteam^S123>"));
  CHECK(summary(passing, hook("<!here>")).find("<!here>") == std::string::npos);
  CHECK(summary(failing, hook()).find("<!") == std::string::npos);
  batch stopped{nightly, {change("Login", run_status::stopped, run_status::running, "e1")}};
  CHECK(summary(stopped, hook("<!here>")).ends_with(" <!here>"));
}

TEST_CASE("slack: text from the service is escaped; the templates apply") {
  auto w = hook("<!here>");
  w.title = "{schedule} · run {group}";
  w.text = "<!channel> {passed}/{total} for {schedule}";
  batch b{{"Smoke & <mirrors>", nightly.guid},
          {change("<script>&", run_status::failed, run_status::running, "e1")}};
  auto msg = render_one(b, w);
  const auto& blocks = msg.at("blocks").as_array();
  // Header is plain_text: no mrkdwn escaping.
  CHECK(blocks[0].as_object().at("text").as_object().at("text") ==
        "Smoke & <mirrors> · run 123456");
  // The template's own "<!channel>" stays; field values are escaped.
  CHECK(text_of(blocks[1]) == "<!channel> 8/10 for Smoke &amp; &lt;mirrors&gt; <!here>");
  CHECK(text_of(blocks[2]).find("*&lt;script&gt;&amp;*") != std::string::npos);
}

TEST_CASE("slack: a template that renders empty falls back to the default text") {
  auto w = hook();
  w.text = "  ";
  auto msg = render_one(
      batch{nightly, {change("Login", run_status::failed, run_status::running, "e1")}}, w);
  CHECK(text_of(msg.at("blocks").as_array()[1]).rfind("Run 123456 running: ", 0) == 0);
}

TEST_CASE("slack: 500 changes stay within Slack's limits and end with \"and N more\"") {
  batch b{nightly, {}};
  for (int i = 0; i < 500; ++i)
    b.events.push_back(
        change("Scenario number " + std::to_string(i) + " with a long descriptive name",
               i % 2 ? run_status::failed : run_status::passed, run_status::running,
               "id-" + std::to_string(i)));
  auto msg = render_one(b, hook("<!here>"));
  const auto& blocks = msg.at("blocks").as_array();
  CHECK(blocks.size() <= slack::max_blocks);
  CHECK(total_chars(msg) <= slack::max_message_chars);
  std::size_t shown = 0;
  for (std::size_t i = 2; i + 1 < blocks.size(); ++i) {
    CHECK(blocks[i].as_object().at("type") == "section");
    auto text = text_of(blocks[i]);
    CHECK(utf8_length(text) <= slack::max_section_chars);
    shown += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  }
  const auto& last = blocks.back().as_object();
  REQUIRE(last.at("type") == "context");
  std::string more(last.at("elements").as_array()[0].as_object().at("text").as_string());
  CHECK(more == "and " + std::to_string(500 - shown) + " more");
  CHECK(shown > 100);  // the budget is used, not wasted
  CHECK(shown < 500);
}

TEST_CASE("slack: many short changes hit the block limit before the character limit") {
  batch b{nightly, {}};
  // Each line is near 3,000 characters, so every line needs its own section.
  for (int i = 0; i < 60; ++i)
    b.events.push_back(change(std::string(2900, 'a' + i % 26), run_status::failed,
                              run_status::running, "id-" + std::to_string(i)));
  auto msg = render_one(b, hook());
  const auto& blocks = msg.at("blocks").as_array();
  CHECK(blocks.size() <= slack::max_blocks);
  CHECK(total_chars(msg) <= slack::max_message_chars);
  for (std::size_t i = 2; i + 1 < blocks.size(); ++i)
    CHECK(utf8_length(text_of(blocks[i])) <= slack::max_section_chars);
  CHECK(blocks.back().as_object().at("type") == "context");
}

TEST_CASE("slack: a single oversized or multi-byte name is cut on a character boundary") {
  std::string huge;
  for (int i = 0; i < 4000; ++i) huge += "✓界";  // 3-byte characters
  batch b{nightly, {change(huge, run_status::failed, run_status::running, "e1")}};
  auto w = hook();
  w.title = "{schedule}" + std::string(500, '!');
  auto msg = render_one(b, w);  // parsing proves the UTF-8 is still valid
  const auto& blocks = msg.at("blocks").as_array();
  CHECK(utf8_length(blocks[0].as_object().at("text").as_object().at("text").as_string()) <=
        slack::max_header_chars);
  CHECK(utf8_length(text_of(blocks[2])) <= slack::max_section_chars);
  CHECK(total_chars(msg) <= slack::max_message_chars);
  CHECK(text_of(blocks[2]).ends_with("…"));
}

TEST_CASE("slack: several groups in one message are told apart") {
  auto a = change("Login", run_status::failed, run_status::running, "e1");
  auto c = change("Login", run_status::failed, run_status::running, "e2");
  c.group = "123457";
  auto msg = render_one(batch{nightly, {a, c}}, hook());
  auto lines = text_of(msg.at("blocks").as_array()[2]);
  CHECK(lines.find(" · run 123456: ") != std::string::npos);
  CHECK(lines.find(" · run 123457: ") != std::string::npos);
}

TEST_CASE("slack: delivery ids are stable and depend on the webhook and the events") {
  batch b{nightly, {change("Login", run_status::failed, run_status::running, "e1")}};
  auto id = slack::render(b, hook())[0].delivery_id;
  CHECK(slack::render(b, hook())[0].delivery_id == id);
  CHECK(slack::render(b, hook("<!here>"))[0].delivery_id == id);  // mention is not identity
  auto other = hook();
  other.name = "ops-slack";
  CHECK(slack::render(b, other)[0].delivery_id != id);
  b.events.push_back(change("Pay", run_status::failed, run_status::running, "e2"));
  CHECK(slack::render(b, hook())[0].delivery_id != id);
}

TEST_CASE("slack: answers are classified with Slack's error strings") {
  struct row {
    int status;
    std::string_view body;
    kind expected;
    std::string reason;
  };
  const std::vector<row> rows = {
      {200, "ok", kind::delivered, ""},
      {429, "rate_limited", kind::transient, "HTTP 429: rate_limited (Slack asks to slow down)"},
      {500, "rollup_error", kind::transient,
       "HTTP 500: rollup_error (Slack had an internal error)"},
      {502, "<html>", kind::transient, "HTTP 502"},
      {503, "", kind::transient, "HTTP 503"},
      {408, "", kind::transient, "HTTP 408"},
      {400, "invalid_payload", kind::permanent,
       "HTTP 400: invalid_payload (Slack could not read the message)"},
      {400, "user_not_found", kind::permanent,
       "HTTP 400: user_not_found (the user does not exist)"},
      {403, "action_prohibited", kind::permanent,
       "HTTP 403: action_prohibited (the workspace does not allow this webhook to post here)"},
      {403, "invalid_token", kind::permanent,
       "HTTP 403: invalid_token (the webhook URL is no longer valid)"},
      {404, "channel_not_found", kind::permanent,
       "HTTP 404: channel_not_found (the channel does not exist)"},
      {404, "no_service", kind::permanent,
       "HTTP 404: no_service (the webhook was disabled or removed)"},
      {410, "channel_is_archived", kind::permanent,
       "HTTP 410: channel_is_archived (the channel is archived)"},
      {400, "some_new_error", kind::permanent, "HTTP 400: some_new_error"},
      {404, "<html>Not found: /services/T/B/SECRET</html>", kind::permanent, "HTTP 404"},
  };
  for (const auto& r : rows) {
    INFO(r.status << " " << r.body);
    auto v = slack::classify(r.status, r.body, std::nullopt);
    CHECK(v.outcome == r.expected);
    CHECK(v.reason == r.reason);
  }
  auto limited = slack::classify(429, "rate_limited", 7s);
  CHECK(limited.outcome == kind::transient);
  CHECK(limited.retry_after == 7s);
  CHECK_FALSE(slack::classify(404, "channel_not_found", 7s).retry_after);
}
