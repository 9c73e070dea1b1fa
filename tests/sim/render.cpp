// Tests of sim/render.hpp.
#include <sim/render.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace sofy::sim;
namespace json = boost::json;

TEST_CASE("render: pretty JSON, one member per line") {
  CHECK(pretty_json(json::parse(R"({"a":1,"b":[true,null,"x"],"c":{},"d":[]})")) ==
        "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n    \"x\"\n  ],\n  \"c\": {},\n  \"d\": []\n}");
  CHECK(pretty_json(json::parse(R"("q\"")")) == R"("q\"")");
  // Round trip.
  const auto v = json::parse(R"({"k":[{"x":"\u00e9\n"}],"n":-1.5})");
  CHECK(json::parse(pretty_json(v)) == v);
}

TEST_CASE("render: Slack messages as a person reads them") {
  const auto v = json::parse(R"j({
    "text": "fallback",
    "blocks": [
      {"type": "header", "text": {"type": "plain_text", "text": "Nightly smoke"}},
      {"type": "section", "text": {"type": "mrkdwn", "text": ":x: *Login* on Pixel 7 failed"},
       "fields": [{"type": "mrkdwn", "text": "*Build*\n1.4.0(77)"}]},
      {"type": "divider"},
      {"type": "context", "elements": [{"type": "mrkdwn", "text": "group 123"}]},
      {"type": "image"}
    ],
    "attachments": [{"color": "#d00000", "text": "and 2 more"}]
  })j");
  CHECK(render_slack(v) ==
        "# Nightly smoke\n:x: *Login* on Pixel 7 failed\n  *Build*\n  1.4.0(77)\n----\n  ~ group 123\n"
        "[image block]\n| (#d00000) and 2 more\n");
  CHECK(render_slack(json::parse(R"({"text":"only text"})")) == "only text\n");
  CHECK_FALSE(render_slack(json::parse(R"({"event":"test_changed"})")));
  CHECK_FALSE(render_slack(json::parse(R"([1])")));
}

TEST_CASE("render: Teams Adaptive Cards as a person reads them") {
  const auto v = json::parse(R"({
    "type": "message",
    "attachments": [{
      "contentType": "application/vnd.microsoft.card.adaptive",
      "content": {
        "type": "AdaptiveCard", "version": "1.4",
        "body": [
          {"type": "TextBlock", "text": "Nightly smoke", "size": "Large"},
          {"type": "Container", "items": [{"type": "TextBlock", "text": "Login on Pixel 7: Failed"}]},
          {"type": "FactSet", "facts": [{"title": "Group", "value": "123"}]},
          {"type": "ColumnSet", "columns": [{"items": [{"type": "TextBlock", "text": "left"}]}]}
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": "https://example.com"}]
      }
    }]
  })");
  CHECK(render_teams(v) ==
        "# Nightly smoke\nLogin on Pixel 7: Failed\n  Group: 123\nleft\n[Open](https://example.com)\n");
  CHECK_FALSE(render_teams(json::parse(R"({"text":"x"})")));
  CHECK_FALSE(render_slack(v));  // a Teams envelope is not taken for Slack
}

TEST_CASE("render: a delivery with its header line") {
  hook_delivery d;
  d.hook = "qa";
  d.seq = 2;
  d.method = "POST";
  d.target = "/hooks/qa";
  d.status = 500;
  d.headers.add("X-Sofy-Event", "run_finished");
  d.headers.add("X-Sofy-Delivery", "abc");
  d.body = R"({"event":"run_finished","n":1})";
  CHECK(render_delivery(d) ==
        "== hook qa #2: POST /hooks/qa, event run_finished, delivery abc, answered 500\n"
        "  {\n    \"event\": \"run_finished\",\n    \"n\": 1\n  }\n");

  d.headers = {};
  d.status = 0;
  d.body = R"({"text":"hi"})";
  CHECK(render_delivery(d) == "== hook qa #2: POST /hooks/qa, not answered\n  Slack message:\n    hi\n");
  CHECK(render_delivery(d, true) ==
        "== hook qa #2: POST /hooks/qa, not answered\n  Slack message:\n    hi\n  {\n    \"text\": \"hi\"\n  }\n");

  d.body = "";
  CHECK(render_delivery(d).find("(empty body)") != std::string::npos);
  d.body = "plain words";
  CHECK(render_delivery(d).find("\n  plain words\n") != std::string::npos);
  d.body = std::string(5000, 'x');
  CHECK(render_delivery(d).find("... (5000 bytes in all)") != std::string::npos);
}
