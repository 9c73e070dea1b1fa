// Tests of notifier/log.hpp: both formats, levels, quoting, and redaction of secrets.
#include "notifier/log.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace sofy::notifier;

namespace {

std::chrono::system_clock::time_point fixed_time() {
  // 2026-12-04T10:00:00.123Z
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1796378400123LL));
}

struct capture {
  std::vector<std::string> lines;
  logger make(log_format f, log_level l = log_level::debug) {
    return logger(f, l, [this](std::string_view s) { lines.emplace_back(s); }, fixed_time);
  }
};

}  // namespace

TEST_CASE("log: text lines are logfmt with a quoted message and quoted strings") {
  capture c;
  logger log = c.make(log_format::text);
  log.info("poll failed", {{"schedule", "Nightly smoke"}, {"failures", 3}, {"error", "say \"hi\"\nbye"}});
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] ==
        R"(2026-12-04T10:00:00.123Z level=info msg="poll failed" schedule="Nightly smoke" failures=3 error="say \"hi\"\nbye")");
}

TEST_CASE("log: json lines are one object each with escaped values") {
  capture c;
  logger log = c.make(log_format::json);
  log.warn("a \"quoted\" msg", {{"webhook", "qa-slack"}, {"n", 2}});
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] ==
        R"({"time":"2026-12-04T10:00:00.123Z","level":"warn","msg":"a \"quoted\" msg","webhook":"qa-slack","n":"2"})");
}

TEST_CASE("log: records below the level are dropped") {
  capture c;
  logger log = c.make(log_format::text, log_level::warn);
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  REQUIRE(c.lines.size() == 2);
  CHECK(c.lines[0].find("level=warn") != std::string::npos);
  CHECK(c.lines[1].find("level=error") != std::string::npos);
  CHECK(log_level_from_name("debug") == log_level::debug);
  CHECK(log_level_from_name("warn") == log_level::warn);
  CHECK_FALSE(log_level_from_name("loud"));
}

TEST_CASE("log: every configured secret is redacted in message, fields and both formats") {
  config cfg;
  cfg.sofy.auth_key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
  schedule_config s;
  s.name = "Nightly";
  cfg.schedules.push_back(s);
  webhook_config slack;
  slack.name = "qa-slack";
  slack.url = "https://hooks.slack.com/services/T0001ABCD/B0002EFGH/abcdefghijklmnopqrstuvwx";
  webhook_config hook;
  hook.name = "ci-hook";
  hook.type = sink_type::webhook;
  hook.url = "http://127.0.0.1:9/hooks/ci-hook?token=tok3nvalue";
  hook.secret = "signing-secret-text";
  cfg.webhooks = {slack, hook};
  redactor r;
  r.add_config(cfg);

  for (auto fmt : {log_format::text, log_format::json}) {
    capture c;
    logger log = c.make(fmt);
    log.set_redactor(r);
    log.error("auth 6F9619FF-8B86-D011-B42D-00C04FC964FF failed",
              {{"url", slack.url}, {"path", "/services/T0001ABCD/B0002EFGH/abcdefghijklmnopqrstuvwx"},
               {"token", "tok3nvalue"}, {"secret", "x signing-secret-text y"}, {"webhook", "qa-slack"},
               {"schedule", "Nightly"}});
    REQUIRE(c.lines.size() == 1);
    const std::string& l = c.lines[0];
    CAPTURE(l);
    for (const char* secret : {"6F9619FF-8B86", "hooks.slack.com/services", "abcdefghijklmnopqrstuvwx", "B0002EFGH",
                               "tok3nvalue", "signing-secret-text"})
      CHECK(l.find(secret) == std::string::npos);
    CHECK(l.find("***") != std::string::npos);
    // Names are kept: they are how logs name webhooks and schedules.
    CHECK(l.find("qa-slack") != std::string::npos);
    CHECK(l.find("Nightly") != std::string::npos);
  }
}

TEST_CASE("log: url tokens keep names and short words") {
  auto t = url_secret_tokens("https://example.com/hooks/qa-slack/9f8e7d6c5b4a?sig=abcdef123&v=1", {"qa-slack"});
  CHECK(std::find(t.begin(), t.end(), "9f8e7d6c5b4a") != t.end());
  CHECK(std::find(t.begin(), t.end(), "abcdef123") != t.end());
  CHECK(std::find(t.begin(), t.end(), "qa-slack") == t.end());
  CHECK(std::find(t.begin(), t.end(), "hooks") == t.end());
  CHECK(std::find(t.begin(), t.end(), "1") == t.end());
}
