// Tests notifier/config.hpp: defaults, every key, every error with its exact place,
// ${VAR} expansion, and that no secret ever appears in an error.
#include "notifier/config.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <random>

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using sofy::notifier::diagnostic;
using sofy::notifier::env_lookup;
using sofy::notifier::load_config_file;
using sofy::notifier::load_config_string;
using sofy::notifier::load_options;
using sofy::notifier::load_result;
using sofy::notifier::log_format;
using sofy::notifier::log_level;
using sofy::notifier::sink_type;

namespace {

const std::string auth_key = "0B6EF3F2-1111-2222-3333-444455556666";
const std::string slack_url = "https://hooks.slack.com/services/T000/B000/SLACKSECRET42";

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

env_lookup default_env() {
  return env_of({{"SOFY_AUTH_KEY", auth_key}, {"SLACK_WEBHOOK_URL", slack_url}});
}

load_result load(const std::string& yaml, env_lookup env = default_env()) {
  load_options o;
  o.file_name = "t.yaml";
  o.base_dir = "/etc/sofy";
  o.env = std::move(env);
  return load_config_string(yaml, o);
}

std::vector<std::string> errors(const load_result& r) {
  std::vector<std::string> out;
  for (const auto& d : r.errors) out.push_back(d.to_string());
  return out;
}

// The only error of a config, as text.
std::string only_error(const std::string& yaml, env_lookup env = default_env()) {
  auto r = load(yaml, std::move(env));
  INFO(yaml);
  REQUIRE_FALSE(r);
  auto e = errors(r);
  INFO(Catch::Detail::stringify(e));
  REQUIRE(e.size() == 1);
  return e[0];
}

// A valid config; tests replace one line of it to make one mistake.
const std::string valid = R"(sofy:
  auth_key: ${SOFY_AUTH_KEY}
schedules:
  - name: Nightly smoke
    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001
webhooks:
  - name: qa-slack
    type: slack
    url: ${SLACK_WEBHOOK_URL}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    static std::atomic<int> n{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("sofy-notifier-config-" + std::to_string(rd()) + "-" + std::to_string(n++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
};

}  // namespace

TEST_CASE("config: a minimal config gets every default") {
  auto r = load(valid);
  INFO(Catch::Detail::stringify(errors(r)));
  REQUIRE(r);
  const auto& c = *r.value;
  CHECK(c.sofy.base_url == "https://public.sofy.ai");
  CHECK(c.sofy.auth_key == auth_key);
  CHECK(c.sofy.request_timeout == 30s);
  CHECK(c.sofy.max_concurrent_requests == 8);
  CHECK(c.tls.ca_file.empty());
  CHECK(c.poll_interval == 60s);
  CHECK(c.state_file == fs::path("/etc/sofy/sofy-notifier.db"));
  CHECK_FALSE(c.listen);
  CHECK(c.format == log_format::text);
  CHECK(c.level == log_level::info);
  REQUIRE(c.schedules.size() == 1);
  CHECK(c.schedules[0].name == "Nightly smoke");
  CHECK(c.schedules[0].guid == "0b6ef3f2-aaaa-bbbb-cccc-000000000001");
  CHECK(c.schedules[0].poll_interval == 60s);
  CHECK(c.schedules[0].webhooks == std::vector<std::string>{"qa-slack"});
  REQUIRE(c.webhooks.size() == 1);
  const auto& w = c.webhooks[0];
  CHECK(w.name == "qa-slack");
  CHECK(w.type == sink_type::slack);
  CHECK(w.url == slack_url);
  CHECK(w.notify == sofy::notifier::notify_on::defaults());
  CHECK(w.notify.has(sofy::run_status::failed));
  CHECK_FALSE(w.notify.has(sofy::run_status::passed));
  CHECK(w.notify.run_finished);
  CHECK_FALSE(w.notify.run_started);
  CHECK(w.mention.empty());
  CHECK(w.secret.empty());
  CHECK(w.title.empty());
  CHECK(w.text.empty());
  CHECK(w.max_age == 24h);
  CHECK(c.delivery.timeout == 10s);
  CHECK(c.delivery.max_age == 24h);
  CHECK(c.delivery.min_backoff == 1s);
  CHECK(c.delivery.max_backoff == 5min);
  CHECK(c.delivery.max_retry_after == 1h);
  CHECK(c.find_webhook("qa-slack") == &w);
  CHECK(c.find_webhook("other") == nullptr);
}

TEST_CASE("config: every key is read into the typed config") {
  temp_dir dir;
  dir.write("ca.pem", "not checked here, only that it exists\n");
  auto r = load_config_string(R"(sofy:
  base_url: http://127.0.0.1:8443/api/
  auth_key: 0b6ef3f2-1111-2222-3333-444455556666
  request_timeout: 1m30s
  max_concurrent_requests: 32
tls:
  ca_file: ca.pem
poll_interval: 15s
state_file: state/notifier.db
listen: "[::1]:9464"
log_format: json
log_level: debug
schedules:
  - name: Nightly smoke
    guid: 0B6EF3F2-AAAA-BBBB-CCCC-000000000001
    poll_interval: 250ms
    webhooks: [hook, qa-teams, hook]
  - name: Release
    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000002
webhooks:
  - name: qa-slack
    type: slack
    url: https://hooks.slack.com/services/T/B/X
    notify_on: [run_started, run_failed, passed]
    mention: "<!here>"
    title: "{schedule} run {group}"
    text: "{passed:>3}/{total} passed, {{literal}}"
  - name: qa-teams
    type: teams
    url: https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x
    mention: qa@example.com
  - name: hook
    type: webhook
    url: http://localhost:9000/hooks/ci
    secret: s3cret
    notify_on: [run_passed, unknown, not_executed]
)",
                              {"cfg.yaml", dir.path, env_of({})});
  INFO(Catch::Detail::stringify(errors(r)));
  REQUIRE(r);
  const auto& c = *r.value;
  CHECK(c.sofy.base_url == "http://127.0.0.1:8443/api");
  CHECK(c.sofy.auth_key == "0b6ef3f2-1111-2222-3333-444455556666");
  CHECK(c.sofy.request_timeout == 90s);
  CHECK(c.sofy.max_concurrent_requests == 32);
  CHECK(c.tls.ca_file == dir.path / "ca.pem");
  CHECK(c.poll_interval == 15s);
  CHECK(c.state_file == dir.path / "state/notifier.db");
  REQUIRE(c.listen);
  CHECK(c.listen->host == "::1");
  CHECK(c.listen->port == 9464);
  CHECK(c.listen->to_string() == "[::1]:9464");
  CHECK(c.format == log_format::json);
  CHECK(c.level == log_level::debug);
  REQUIRE(c.schedules.size() == 2);
  CHECK(c.schedules[0].poll_interval == 250ms);
  CHECK(c.schedules[0].webhooks == std::vector<std::string>{"hook", "qa-teams"});
  CHECK(c.schedules[1].poll_interval == 15s);
  CHECK(c.schedules[1].webhooks == std::vector<std::string>{"qa-slack", "qa-teams", "hook"});
  CHECK(c.schedules[1].ref() ==
        sofy::notifier::schedule_ref{"Release", "0b6ef3f2-aaaa-bbbb-cccc-000000000002"});
  REQUIRE(c.webhooks.size() == 3);
  const auto& s = c.webhooks[0];
  CHECK(s.notify.run_started);
  CHECK(s.notify.run_failed);
  CHECK_FALSE(s.notify.run_finished);
  CHECK(s.notify.has(sofy::run_status::passed));
  CHECK_FALSE(s.notify.has(sofy::run_status::failed));
  CHECK(s.mention == "<!here>");
  CHECK(s.title == "{schedule} run {group}");
  CHECK(s.text == "{passed:>3}/{total} passed, {{literal}}");
  CHECK(c.webhooks[1].type == sink_type::teams);
  CHECK(c.webhooks[1].url.find("api-version=2016-06-01&sig=x") != std::string::npos);
  CHECK(c.webhooks[1].mention == "qa@example.com");
  const auto& h = c.webhooks[2];
  CHECK(h.type == sink_type::webhook);
  CHECK(h.url == "http://localhost:9000/hooks/ci");
  CHECK(h.secret == "s3cret");
  CHECK(h.notify.run_passed);
  CHECK(h.notify.has(sofy::run_status::unknown));
  CHECK(h.notify.has(sofy::run_status::not_executed));
}

TEST_CASE("config: listen accepts host:port, IPv4, names and bracketed IPv6") {
  auto listen = [](const std::string& value) {
    auto r = load(valid + "listen: \"" + value + "\"\n");
    INFO(value << " " << Catch::Detail::stringify(errors(r)));
    REQUIRE(r);
    REQUIRE(r.value->listen);
    return r.value->listen->to_string();
  };
  CHECK(listen("127.0.0.1:9464") == "127.0.0.1:9464");
  CHECK(listen("0.0.0.0:1") == "0.0.0.0:1");
  CHECK(listen("localhost:65535") == "localhost:65535");
  CHECK(listen("[::]:9464") == "[::]:9464");
  CHECK(listen("[fe80::1]:80") == "[fe80::1]:80");
}

TEST_CASE("config: plain http is accepted only for loopback hosts") {
  for (std::string url : {"http://127.0.0.1:8080/hooks/a", "http://127.1.2.3/x",
                          "http://[::1]:9000/x", "http://localhost/x", "http://LOCALHOST:1/x"}) {
    auto r = load(replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: " + url));
    INFO(url << " " << Catch::Detail::stringify(errors(r)));
    CHECK(r);
  }
  CHECK(only_error(replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: http://10.0.0.1/x")) ==
        "t.yaml:9:10: webhook 'qa-slack': url: must use https (plain http is accepted only for "
        "a loopback host: 127.0.0.1, ::1, localhost)");
  CHECK(only_error(replace(valid, "  auth_key:", "  base_url: http://sofy.example\n  auth_key:")) ==
        "t.yaml:2:13: sofy.base_url 'http://sofy.example': must use https (plain http is "
        "accepted only for a loopback host: 127.0.0.1, ::1, localhost)");
}

TEST_CASE("config: each mistake is reported with its file, line and column") {
  struct row {
    std::string yaml;
    std::string error;
  };
  const std::vector<row> rows = {
      // Unknown keys, with a suggestion or the allowed keys.
      {replace(valid, "sofy:", "sofyy: {}\nsofy:"),
       "t.yaml:1:1: config: unknown key 'sofyy'; did you mean 'sofy'?"},
      {valid + "colour: red\n",
       "t.yaml:10:1: config: unknown key 'colour' (allowed: sofy, tls, poll_interval, "
       "state_file, listen, log_format, log_level, delivery, schedules, webhooks)"},
      {replace(valid, "  auth_key:", "  base_urll: x\n  auth_key:"),
       "t.yaml:2:3: sofy: unknown key 'base_urll'; did you mean 'base_url'?"},
      {replace(valid, "    type: slack", "    type: slack\n    mentoin: x"),
       "t.yaml:9:5: webhooks[0]: unknown key 'mentoin'; did you mean 'mention'?"},
      {replace(valid, "    guid:", "    hooks: [qa-slack]\n    guid:"),
       "t.yaml:5:5: schedules[0]: unknown key 'hooks'; did you mean 'webhooks'?"},
      {valid + "tls:\n  ca_dir: /etc/ssl\n",
       "t.yaml:11:3: tls: unknown key 'ca_dir' (allowed: ca_file)"},
      // Duplicate keys.
      {replace(valid, "    type: slack", "    type: slack\n    type: teams"),
       "t.yaml:9:5: webhooks[0]: duplicate key 'type' (first on line 8)"},
      // Wrong types.
      {replace(valid, "  auth_key: ${SOFY_AUTH_KEY}", "  auth_key: [a, b]"),
       "t.yaml:2:13: sofy.auth_key: expected a string, got a list"},
      {replace(valid, "sofy:\n  auth_key: ${SOFY_AUTH_KEY}", "sofy: yes"),
       "t.yaml:1:7: sofy: expected a mapping, got a string"},
      {valid.substr(0, valid.find("webhooks:")) + "webhooks:\n  qa: 1\n",
       "t.yaml:7:3: webhooks: expected a list, got a mapping"},
      {valid + "poll_interval:\n", "t.yaml:10:1: poll_interval: expected a string, got no value"},
      {valid + "tls:\n", "t.yaml:10:1: tls: expected a mapping, got no value"},
      {replace(valid, "  auth_key:", "  max_concurrent_requests: 0\n  auth_key:"),
       "t.yaml:2:28: sofy.max_concurrent_requests: expected a whole number from 1 to 1024, got "
       "'0'"},
      {replace(valid, "  auth_key:", "  max_concurrent_requests: eight\n  auth_key:"),
       "t.yaml:2:28: sofy.max_concurrent_requests: expected a whole number from 1 to 1024, got "
       "'eight'"},
      // Durations.
      {valid + "poll_interval: 5x\n",
       "t.yaml:10:16: poll_interval: unknown unit \"x\" in \"5x\" (expected ms, s, m or h) "
       "(durations look like 250ms, 30s, 5m, 2h, 1h30m)"},
      {valid + "poll_interval: 50ms\n",
       "t.yaml:10:16: poll_interval: 50ms is too short (at least 100ms)"},
      {replace(valid, "  auth_key:", "  request_timeout: 0s\n  auth_key:"),
       "t.yaml:2:20: sofy.request_timeout: 0s is too short (at least 1ms)"},
      // URLs.
      {replace(valid, "  auth_key:", "  base_url: public.sofy.ai\n  auth_key:"),
       "t.yaml:2:13: sofy.base_url 'public.sofy.ai' is not an absolute URL (expected "
       "https://host/...)"},
      {replace(valid, "  auth_key:", "  base_url: ftp://public.sofy.ai\n  auth_key:"),
       "t.yaml:2:13: sofy.base_url 'ftp://public.sofy.ai': scheme must be https"},
      {replace(valid, "  auth_key:", "  base_url: https://public.sofy.ai/?x=1\n  auth_key:"),
       "t.yaml:2:13: sofy.base_url 'https://public.sofy.ai/?x=1': must not have a query"},
      {replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: not a url"),
       "t.yaml:9:10: webhook 'qa-slack': url is not an absolute URL (expected https://host/...)"},
      {replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: https://u:p@example.com/x"),
       "t.yaml:9:10: webhook 'qa-slack': url: user names and passwords in the URL are not "
       "supported; use a token in the path or query, or `secret`"},
      {replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: https://example.com/x#frag"),
       "t.yaml:9:10: webhook 'qa-slack': url: a #fragment is never sent to the server; remove it"},
      {replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: \"\""),
       "t.yaml:9:10: webhook 'qa-slack': url is empty"},
      // Retired Office 365 connectors.
      {replace(replace(valid, "type: slack", "type: teams"), "url: ${SLACK_WEBHOOK_URL}",
               "url: https://contoso.webhook.office.com/webhookb2/1@2/IncomingWebhook/3/4"),
       "t.yaml:9:10: webhook 'qa-slack': url is an Office 365 connector URL "
       "(*.webhook.office.com); Office 365 connectors were retired in 2026; create a Workflows "
       "webhook in Teams (\"When a Teams webhook request is received\") and use its URL with "
       "type: teams"},
      {replace(replace(valid, "type: slack", "type: teams"), "url: ${SLACK_WEBHOOK_URL}",
               "url: https://outlook.office.com/webhook/1@2/IncomingWebhook/3/4"),
       "t.yaml:9:10: webhook 'qa-slack': url is an Office 365 connector URL "
       "(*.webhook.office.com); Office 365 connectors were retired in 2026; create a Workflows "
       "webhook in Teams (\"When a Teams webhook request is received\") and use its URL with "
       "type: teams"},
      // GUIDs.
      {replace(valid, "  auth_key: ${SOFY_AUTH_KEY}", "  auth_key: not-a-guid"),
       "t.yaml:2:13: sofy.auth_key is not a GUID (expected 8-4-4-4-12 hex digits, "
       "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"},
      {replace(valid, "guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001", "guid: 12345"),
       "t.yaml:5:11: schedule 'Nightly smoke': guid '12345' is not a GUID (expected 8-4-4-4-12 "
       "hex digits, as in the schedule's URL)"},
      // Duplicate names and GUIDs.
      {valid + "  - name: qa-slack\n    type: webhook\n    url: https://example.com/h\n",
       "t.yaml:10:11: duplicate webhook name 'qa-slack' (first on line 7)"},
      {replace(
           valid, "webhooks:",
           "  - name: Nightly smoke\n    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000002\nwebhooks:"),
       "t.yaml:6:11: duplicate schedule name 'Nightly smoke' (first on line 4)"},
      {replace(valid, "webhooks:",
               "  - name: Other\n    guid: 0B6EF3F2-AAAA-BBBB-CCCC-000000000001\nwebhooks:"),
       "t.yaml:7:11: schedule 'Other': guid is already used by schedule 'Nightly smoke' (line 5)"},
      // References.
      {replace(valid, "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001",
               "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001\n    webhooks: [qa-slak]"),
       "t.yaml:6:16: schedule 'Nightly smoke': unknown webhook 'qa-slak'; did you mean "
       "'qa-slack'?"},
      {replace(valid, "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001",
               "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001\n    webhooks:\n      - ops"),
       "t.yaml:7:9: schedule 'Nightly smoke': unknown webhook 'ops' (webhooks: qa-slack)"},
      {replace(valid, "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001",
               "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001\n    webhooks: []"),
       "t.yaml:6:15: schedule 'Nightly smoke': webhooks is empty; leave it out to use every "
       "webhook"},
      // Required keys.
      {replace(valid, "    type: slack\n", ""),
       "t.yaml:7:5: webhook 'qa-slack': missing required key 'type' (slack, teams or webhook)"},
      {replace(valid, "    url: ${SLACK_WEBHOOK_URL}\n", ""),
       "t.yaml:7:5: webhook 'qa-slack': missing required key 'url'"},
      {replace(valid, "  - name: Nightly smoke\n    guid", "  - guid"),
       "t.yaml:4:5: schedules[0]: missing required key 'name'"},
      {replace(valid, "sofy:\n  auth_key: ${SOFY_AUTH_KEY}\n", "sofy: {}\n"),
       "t.yaml:1:7: sofy: missing required key 'auth_key'"},
      {valid.substr(valid.find("schedules:")),
       "t.yaml:1:1: missing required key 'sofy' (with at least auth_key)"},
      // Enumerations.
      {replace(valid, "type: slack", "type: slak"),
       "t.yaml:8:11: webhook 'qa-slack': type: 'slak' is not one of slack | teams | webhook; "
       "did you mean 'slack'?"},
      {valid + "log_level: verbose\n",
       "t.yaml:10:12: log_level: 'verbose' is not one of debug | info | warn | error"},
      {valid + "log_format: jsn\n",
       "t.yaml:10:13: log_format: 'jsn' is not one of text | json; did you mean 'json'?"},
      {replace(valid, "    type: slack", "    type: slack\n    notify_on: [failed, runfinished]"),
       "t.yaml:9:25: webhook 'qa-slack': notify_on: unknown entry 'runfinished'; did you mean "
       "'run_finished'?"},
      {replace(valid, "    type: slack", "    type: slack\n    notify_on: []"),
       "t.yaml:9:16: webhook 'qa-slack': notify_on is empty, so nothing would be sent; leave it "
       "out for the default"},
      // Keys that belong to another type.
      {replace(valid, "    type: slack", "    type: slack\n    secret: abc"),
       "t.yaml:9:5: webhook 'qa-slack': secret is only for type webhook (Slack and Teams "
       "requests are not signed)"},
      {replace(valid, "    type: slack", "    type: webhook\n    mention: \"@here\""),
       "t.yaml:9:5: webhook 'qa-slack': mention is only for type slack or teams"},
      {replace(valid, "    type: slack", "    type: webhook\n    title: \"{schedule}\""),
       "t.yaml:9:5: webhook 'qa-slack': title templates are only for type slack or teams (the "
       "webhook body is fixed JSON)"},
      {replace(valid, "    type: slack", "    type: webhook\n    secret: \"\""),
       "t.yaml:9:13: webhook 'qa-slack': secret is empty; leave the key out to send unsigned "
       "requests"},
      // Templates.
      {replace(valid, "    type: slack", "    type: slack\n    title: \"{shedule} done\""),
       "t.yaml:9:12: webhook 'qa-slack': title: unknown field {shedule}; did you mean "
       "{schedule}?"},
      {replace(valid, "    type: slack", "    type: slack\n    text: \"{} passed\""),
       "t.yaml:9:11: webhook 'qa-slack': text: positional fields like {} are not supported; "
       "name a field, e.g. {schedule}"},
      {replace(valid, "    type: slack", "    type: slack\n    text: \"{passed\""),
       "t.yaml:9:11: webhook 'qa-slack': text: unmatched '{' (write '{{' for a literal brace)"},
      // Listen.
      {valid + "listen: \"::1:9464\"\n",
       "t.yaml:10:9: listen: '::1:9464' has an IPv6 address outside brackets (expected "
       "host:port, e.g. 127.0.0.1:9464 or [::1]:9464)"},
      {valid + "listen: 9464\n",
       "t.yaml:10:9: listen: '9464' has no :port (expected host:port, e.g. 127.0.0.1:9464 or "
       "[::1]:9464)"},
      {valid + "listen: \":9464\"\n",
       "t.yaml:10:9: listen: ':9464' has no host (0.0.0.0 listens on every interface) (expected "
       "host:port, e.g. 127.0.0.1:9464 or [::1]:9464)"},
      {valid + "listen: 127.0.0.1:70000\n",
       "t.yaml:10:9: listen: '127.0.0.1:70000' has no valid port (1 to 65535) (expected "
       "host:port, e.g. 127.0.0.1:9464 or [::1]:9464)"},
      {valid + "listen: \"[::1]9464\"\n",
       "t.yaml:10:9: listen: '[::1]9464' has no :port (expected host:port, e.g. 127.0.0.1:9464 "
       "or [::1]:9464)"},
      // Files.
      {valid + "tls:\n  ca_file: /nonexistent/sofy/ca.pem\n",
       "t.yaml:11:12: tls.ca_file: no such file: /nonexistent/sofy/ca.pem"},
      {valid + "state_file: \"\"\n",
       "t.yaml:10:13: state_file is empty (leave it out for sofy-notifier.db beside the config)"},
      // YAML itself.
      {valid + "  - name: [unclosed\n",
       "t.yaml:11:1: invalid YAML: end of sequence flow not found"},
      {valid + "log_level: a: b\n", "t.yaml:10:13: invalid YAML: illegal map value"},
      {valid + "log_level: *nowhere\n",
       "t.yaml:10:12: invalid YAML: the referenced anchor is not defined"},
      {"", "t.yaml:1:1: the config is empty; it needs at least sofy, schedules and webhooks"},
      {"just text\n", "t.yaml:1:1: config: expected a mapping, got a string"},
  };
  for (const auto& r : rows) CHECK(only_error(r.yaml) == r.error);
  // Reasons that belong to another component are checked by place and prefix only.
  auto negative = only_error(replace(valid, "    guid:", "    poll_interval: -1s\n    guid:"));
  CHECK(negative.rfind("t.yaml:5:20: schedule 'Nightly smoke': poll_interval: ", 0) == 0);
  auto spec =
      only_error(replace(valid, "    type: slack", "    type: slack\n    text: \"{schedule:d}\""));
  CHECK(spec.rfind("t.yaml:9:11: webhook 'qa-slack': text: bad format: ", 0) == 0);
}

TEST_CASE("config: delivery settings, and a webhook's own max_age over the global one") {
  auto r = load(valid + R"(  - name: ci-hook
    type: webhook
    url: https://ci.example.com/hooks/sofy
    max_age: 30m
delivery:
  timeout: 3s
  max_age: 2h
  min_backoff: 250ms
  max_backoff: 1m
  max_retry_after: 10m
)");
  INFO(Catch::Detail::stringify(errors(r)));
  REQUIRE(r);
  const auto& c = *r.value;
  CHECK(c.delivery.timeout == 3s);
  CHECK(c.delivery.max_age == 2h);
  CHECK(c.delivery.min_backoff == 250ms);
  CHECK(c.delivery.max_backoff == 1min);
  CHECK(c.delivery.max_retry_after == 10min);
  REQUIRE(c.webhooks.size() == 2);
  CHECK(c.webhooks[0].max_age == 2h);  // the global one
  CHECK(c.webhooks[1].max_age == 30min);

  // Each key alone; the rest keep their defaults. Equal backoff bounds are fine.
  auto partial = load(valid + "delivery: {min_backoff: 5m, max_backoff: 5m}\n");
  INFO(Catch::Detail::stringify(errors(partial)));
  REQUIRE(partial);
  CHECK(partial.value->delivery.min_backoff == 5min);
  CHECK(partial.value->delivery.max_backoff == 5min);
  CHECK(partial.value->delivery.timeout == 10s);
  CHECK(partial.value->webhooks[0].max_age == 24h);
  auto bounds = load(valid + "delivery: {timeout: 1ms, max_age: 8760h}\n");
  INFO(Catch::Detail::stringify(errors(bounds)));
  REQUIRE(bounds);
  CHECK(bounds.value->delivery.timeout == 1ms);
  CHECK(bounds.value->webhooks[0].max_age == 8760h);
  // Shared through an anchor like any other mapping.
  auto anchored = load(valid + "x-d: &d {max_age: 90m}\ndelivery: {<<: *d, timeout: 4s}\n");
  INFO(Catch::Detail::stringify(errors(anchored)));
  REQUIRE(anchored);
  CHECK(anchored.value->delivery.max_age == 90min);
  CHECK(anchored.value->delivery.timeout == 4s);
}

TEST_CASE("config: each delivery mistake is reported with its place") {
  struct row {
    std::string yaml;
    std::string error;
  };
  const std::string d = valid + "delivery:\n";  // line 10; its keys from line 11
  const std::vector<row> rows = {
      {d + "  max_ag: 1h\n",
       "t.yaml:11:3: delivery: unknown key 'max_ag'; did you mean 'max_age'?"},
      {d + "  attempts: 3\n",
       "t.yaml:11:3: delivery: unknown key 'attempts' (allowed: timeout, max_age, min_backoff, "
       "max_backoff, max_retry_after)"},
      {d + "  timeout: 1s\n  timeout: 2s\n",
       "t.yaml:12:3: delivery: duplicate key 'timeout' (first on line 11)"},
      {valid + "delivery: 5m\n", "t.yaml:10:11: delivery: expected a mapping, got a string"},
      {d, "t.yaml:10:1: delivery: expected a mapping, got no value"},
      {d + "  timeout: [1s]\n", "t.yaml:11:12: delivery.timeout: expected a string, got a list"},
      {d + "  timeout: 10x\n",
       "t.yaml:11:12: delivery.timeout: unknown unit \"x\" in \"10x\" (expected ms, s, m or h) "
       "(durations look like 250ms, 30s, 5m, 2h, 1h30m)"},
      // Zero, and the upper bound that keeps "now + duration" far from overflowing.
      {d + "  timeout: 0s\n", "t.yaml:11:12: delivery.timeout: 0s is too short (at least 1ms)"},
      {d + "  max_age: 0ms\n", "t.yaml:11:12: delivery.max_age: 0s is too short (at least 1ms)"},
      {d + "  min_backoff: 0s\n",
       "t.yaml:11:16: delivery.min_backoff: 0s is too short (at least 1ms)"},
      {d + "  max_backoff: 0s\n",
       "t.yaml:11:16: delivery.max_backoff: 0s is too short (at least 1ms)"},
      {d + "  max_retry_after: 0s\n",
       "t.yaml:11:20: delivery.max_retry_after: 0s is too short (at least 1ms)"},
      {d + "  max_age: 8761h\n",
       "t.yaml:11:12: delivery.max_age: 8761h is too long (at most 8760h)"},
      {d + "  max_retry_after: 100000h\n",
       "t.yaml:11:20: delivery.max_retry_after: 100000h is too long (at most 8760h)"},
      // min_backoff > max_backoff, at the key that was written (min_backoff when both were).
      {d + "  min_backoff: 10s\n  max_backoff: 5s\n",
       "t.yaml:11:16: delivery: min_backoff 10s is more than max_backoff 5s"},
      {d + "  max_backoff: 5s\n  min_backoff: 10s\n",
       "t.yaml:12:16: delivery: min_backoff 10s is more than max_backoff 5s"},
      {d + "  min_backoff: 10m\n",
       "t.yaml:11:16: delivery: min_backoff 10m is more than max_backoff 5m (the default)"},
      {d + "  max_backoff: 500ms\n",
       "t.yaml:11:16: delivery: min_backoff 1s (the default) is more than max_backoff 500ms"},
      // One mistake, one error: an invalid bound is not compared as well.
      {d + "  min_backoff: 0s\n  max_backoff: 5s\n",
       "t.yaml:11:16: delivery.min_backoff: 0s is too short (at least 1ms)"},
      {d + "  min_backoff: 10m\n  max_backoff: 9000h\n",
       "t.yaml:12:16: delivery.max_backoff: 9000h is too long (at most 8760h)"},
      // A webhook's own max_age.
      {replace(valid, "    type: slack", "    type: slack\n    max_age: 0s"),
       "t.yaml:9:14: webhook 'qa-slack': max_age: 0s is too short (at least 1ms)"},
      {replace(valid, "    type: slack", "    type: slack\n    max_age: 9000h"),
       "t.yaml:9:14: webhook 'qa-slack': max_age: 9000h is too long (at most 8760h)"},
      {replace(valid, "    type: slack", "    type: slack\n    max_age: [1h]"),
       "t.yaml:9:14: webhook 'qa-slack': max_age: expected a string, got a list"},
      {replace(valid, "    type: slack", "    type: slack\n    max_agee: 1h"),
       "t.yaml:9:5: webhooks[0]: unknown key 'max_agee'; did you mean 'max_age'?"},
  };
  for (const auto& r : rows) CHECK(only_error(r.yaml) == r.error);
  // A negative value: parse_duration's reason, at the value.
  auto negative = only_error(d + "  max_age: -1h\n");
  CHECK(negative.rfind("t.yaml:11:12: delivery.max_age: ", 0) == 0);
  // Several mistakes in the section are all reported, in the order of the text.
  auto r = load(d + "  timeout: 0s\n  max_age: soon\n  colour: red\n");
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].line == 11);
  CHECK(r.errors[1].line == 12);
  CHECK(r.errors[2].to_string().rfind("t.yaml:13:3: delivery: unknown key 'colour'", 0) == 0);
}

TEST_CASE("config: every error is collected, in the order of the text") {
  auto r = load(R"(sofy:
  auth_key: nope
  request_timeout: soon
poll_interval: 1ms
schedules:
  - name: A
    guid: bad
    webhooks: [missing]
webhooks:
  - name: h
    type: smoke-signal
    url: http://example.com/x
)");
  REQUIRE_FALSE(r);
  CHECK(errors(r) ==
        std::vector<std::string>{
            "t.yaml:2:13: sofy.auth_key is not a GUID (expected 8-4-4-4-12 hex digits, "
            "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)",
            errors(r)[1],  // parse_duration's reason for "soon"
            "t.yaml:4:16: poll_interval: 1ms is too short (at least 100ms)",
            "t.yaml:7:11: schedule 'A': guid 'bad' is not a GUID (expected 8-4-4-4-12 hex "
            "digits, as in the schedule's URL)",
            "t.yaml:8:16: schedule 'A': unknown webhook 'missing' (webhooks: h)",
            "t.yaml:11:11: webhook 'h': type: 'smoke-signal' is not one of slack | teams | "
            "webhook",
            "t.yaml:12:10: webhook 'h': url: must use https (plain http is accepted only for a "
            "loopback host: 127.0.0.1, ::1, localhost)",
        });
  CHECK(errors(r)[1].rfind("t.yaml:3:20: sofy.request_timeout: ", 0) == 0);
  CHECK_FALSE(r.value);
}

TEST_CASE("config: ${VAR} and ${VAR:-default} expand from the injected environment") {
  auto with = [](const std::string& line, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> vars{{"SOFY_AUTH_KEY", auth_key},
                                            {"SLACK_WEBHOOK_URL", slack_url}};
    vars.insert(extra.begin(), extra.end());
    auto r = load(replace(valid, "    type: slack", "    type: slack\n    mention: " + line),
                  env_of(vars));
    INFO(line << " " << Catch::Detail::stringify(errors(r)));
    REQUIRE(r);
    return r.value->webhooks[0].mention;
  };
  CHECK(with("\"${WHO}\"", {{"WHO", "<!here>"}}) == "<!here>");
  CHECK(with("\"hey ${WHO} and ${WHO}!\"", {{"WHO", "ops"}}) == "hey ops and ops!");
  CHECK(with("\"${WHO:-<!channel>}\"") == "<!channel>");
  CHECK(with("\"${WHO:-<!channel>}\"", {{"WHO", ""}}) == "<!channel>");  // empty uses default
  CHECK(with("\"${WHO:-<!channel>}\"", {{"WHO", "ops"}}) == "ops");
  CHECK(with("\"${WHO:-}\"") == "");
  CHECK(with("\"${WHO}\"", {{"WHO", ""}}) == "");  // set but empty, no default: empty
  CHECK(with("\"$${WHO} costs $5\"", {{"WHO", "x"}}) == "${WHO} costs $5");
  CHECK(with("\"$WHO\"", {{"WHO", "x"}}) == "$WHO");  // only the braced form expands
  // Expanded text stays one scalar: it cannot add keys or change the structure.
  CHECK(with("\"${WHO}\"", {{"WHO", "a\nurl: https://evil.example/\n- x: [y"}}) ==
        "a\nurl: https://evil.example/\n- x: [y");

  // Unset without a default: an error naming the variable, at the scalar.
  CHECK(only_error(replace(valid, "    type: slack", "    type: slack\n    mention: ${WHO}")) ==
        "t.yaml:9:14: webhook 'qa-slack': mention: environment variable WHO is not set (set it, "
        "or write ${WHO:-default})");
  CHECK(only_error(valid, env_of({{"SOFY_AUTH_KEY", auth_key}})) ==
        "t.yaml:9:10: webhook 'qa-slack': url: environment variable SLACK_WEBHOOK_URL is not set "
        "(set it, or write ${SLACK_WEBHOOK_URL:-default})");
  CHECK(only_error(replace(valid, "    type: slack", "    type: slack\n    mention: \"${WHO\"")) ==
        "t.yaml:9:14: webhook 'qa-slack': mention: unterminated '${' (write '$${' for a literal "
        "'${')");
  CHECK(only_error(replace(valid, "    type: slack", "    type: slack\n    mention: \"${1X}\"")) ==
        "t.yaml:9:14: webhook 'qa-slack': mention: '${1X}' needs an environment variable name "
        "(letters, digits, _), optionally followed by :-default");
  // Both unset variables are reported, not only the first.
  auto r = load(valid, env_of({}));
  CHECK(errors(r) == std::vector<std::string>{
                         "t.yaml:2:13: sofy.auth_key: environment variable SOFY_AUTH_KEY is not "
                         "set (set it, or write ${SOFY_AUTH_KEY:-default})",
                         "t.yaml:9:10: webhook 'qa-slack': url: environment variable "
                         "SLACK_WEBHOOK_URL is not set (set it, or write "
                         "${SLACK_WEBHOOK_URL:-default})"});
  // Durations and numbers expand too.
  auto d = load(valid + "poll_interval: ${POLL:-45s}\n");
  REQUIRE(d);
  CHECK(d.value->poll_interval == 45s);
}

TEST_CASE("config: secrets never appear in error messages") {
  // Values a careless loader would echo: each marked so that any leak is found.
  const std::string key = "KEYSECRET-0000-not-a-guid";
  const std::vector<std::string> urls = {
      "http://hooks.example.com/URLSECRET1",
      "https://contoso.webhook.office.com/webhookb2/URLSECRET2",
      "not a url URLSECRET3",
      "https://user:URLSECRET4@example.com/x",
      "https://example.com/URLSECRET5#frag",
      "ftp://example.com/URLSECRET6",
  };
  auto check_clean = [](const load_result& r, const std::vector<std::string>& secrets) {
    REQUIRE_FALSE(r);
    for (const auto& e : errors(r))
      for (const auto& s : secrets) {
        INFO(e);
        CHECK(e.find(s) == std::string::npos);
        CHECK(e.find("SECRET") == std::string::npos);
      }
  };
  for (const auto& url : urls) {
    INFO(url);
    // Literally in the file, and through the environment.
    check_clean(load(replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: \"" + url + "\"")), {url});
    check_clean(load(valid, env_of({{"SOFY_AUTH_KEY", auth_key}, {"SLACK_WEBHOOK_URL", url}})),
                {url});
  }
  check_clean(load(valid, env_of({{"SOFY_AUTH_KEY", key}, {"SLACK_WEBHOOK_URL", slack_url}})),
              {key});
  check_clean(load(replace(valid, "  auth_key: ${SOFY_AUTH_KEY}", "  auth_key: " + key)), {key});
  // A secret on the wrong type, an odd ${...} in a secret, and a webhook secret in a bad
  // config elsewhere: none is echoed.
  check_clean(load(replace(valid, "    type: slack", "    type: slack\n    secret: HOOKSECRET9")),
              {"HOOKSECRET9"});
  check_clean(load(replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: \"https://x/${SECRET 7}\"")),
              {"SECRET 7"});
  check_clean(load(replace(valid, "url: ${SLACK_WEBHOOK_URL}", "url: \"https://x/${URLSECRET8\"")),
              {"URLSECRET8"});
  // The valid secrets of a config with some other error are not echoed either.
  check_clean(load(valid + "log_level: loud\n"), {slack_url, auth_key, "SLACKSECRET42"});
}

TEST_CASE("config: an error shows a ${VAR} value as written, never what it expands to") {
  const auto env = env_of({{"SOFY_AUTH_KEY", auth_key}, {"SLACK_WEBHOOK_URL", slack_url}, {"HOOK_SECRET", "s3cr3t-value"}});
  auto check_shown = [](const std::string& e, const std::string& place, const std::string& key) {
    INFO(e);
    CHECK(e.rfind(place, 0) == 0);
    CHECK(e.find(key) != std::string::npos);
    CHECK(e.find("s3cr3t-value") == std::string::npos);
    CHECK(e.find("s3cr3t") == std::string::npos);
  };
  // A secret under the wrong key: the choice of sink types.
  auto e = only_error(replace(valid, "    type: slack", "    type: ${HOOK_SECRET}"), env);
  check_shown(e, "t.yaml:8:11:", "type");
  CHECK(e.find("'${HOOK_SECRET}'") != std::string::npos);
  // A duration, and a whole number, from the environment.
  e = only_error(replace(valid, "  auth_key: ${SOFY_AUTH_KEY}", "  auth_key: ${SOFY_AUTH_KEY}\n  request_timeout: ${HOOK_SECRET}"), env);
  check_shown(e, "t.yaml:3:20:", "sofy.request_timeout");
  CHECK(e.find("'${HOOK_SECRET}'") != std::string::npos);
  e = only_error(replace(valid, "  auth_key: ${SOFY_AUTH_KEY}", "  auth_key: ${SOFY_AUTH_KEY}\n  request_timeout: 1${HOOK_SECRET:-}ms0"), env);
  check_shown(e, "t.yaml:3:20:", "sofy.request_timeout");
  e = only_error(replace(valid, "  auth_key: ${SOFY_AUTH_KEY}",
                         "  auth_key: ${SOFY_AUTH_KEY}\n  max_concurrent_requests: ${HOOK_SECRET}"), env);
  check_shown(e, "t.yaml:3:28:", "sofy.max_concurrent_requests");
  // A base URL built from a variable: shown, but as written.
  e = only_error(replace(valid, "  auth_key: ${SOFY_AUTH_KEY}",
                         "  auth_key: ${SOFY_AUTH_KEY}\n  base_url: \"ftp://${HOOK_SECRET}.example.com/\""), env);
  check_shown(e, "t.yaml:3:13:", "sofy.base_url");
  CHECK(e.find("'ftp://${HOOK_SECRET}.example.com/'") != std::string::npos);
  // A notify_on entry, a schedule's guid, and listen.
  e = only_error(replace(valid, "    url: ${SLACK_WEBHOOK_URL}", "    url: ${SLACK_WEBHOOK_URL}\n    notify_on: [\"${HOOK_SECRET}\"]"), env);
  check_shown(e, "t.yaml:10:17:", "notify_on");
  e = only_error(replace(valid, "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001", "    guid: ${HOOK_SECRET}"), env);
  check_shown(e, "t.yaml:5:11:", "guid");
  e = only_error(valid + "listen: ${HOOK_SECRET}\n", env);
  check_shown(e, "t.yaml:10:9:", "listen");
  // A webhook reference: no suggestion drawn from the expanded name either.
  e = only_error(replace(valid, "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001",
                         "    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001\n    webhooks: [\"${HOOK_SECRET}\"]"), env);
  check_shown(e, "t.yaml:6:16:", "unknown webhook '${HOOK_SECRET}'");
}

TEST_CASE("config: anchors, aliases and merge keys share settings") {
  auto r = load(R"(x-slack: &slack
  type: slack
  url: ${SLACK_WEBHOOK_URL}
  notify_on: [failed]
sofy:
  auth_key: ${SOFY_AUTH_KEY}
schedules:
  - name: Nightly smoke
    guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001
webhooks:
  - <<: *slack
    name: qa
  - <<: [*slack]
    name: ops
    notify_on: [run_finished]
)");
  INFO(Catch::Detail::stringify(errors(r)));
  REQUIRE(r);
  REQUIRE(r.value->webhooks.size() == 2);
  for (const auto& w : r.value->webhooks) {
    CHECK(w.type == sink_type::slack);
    CHECK(w.url == slack_url);
  }
  CHECK(r.value->webhooks[0].notify.has(sofy::run_status::failed));
  CHECK_FALSE(r.value->webhooks[0].notify.run_finished);
  CHECK(r.value->webhooks[1].notify.run_finished);  // the explicit key wins
  CHECK_FALSE(r.value->webhooks[1].notify.has(sofy::run_status::failed));

  // A mistake inside the anchor is reported where it is written.
  CHECK(only_error(R"(x-slack: &slack
  type: slak
sofy: {auth_key: "${SOFY_AUTH_KEY}"}
schedules: [{name: n, guid: 0b6ef3f2-aaaa-bbbb-cccc-000000000001}]
webhooks:
  - <<: *slack
    name: qa
    url: https://example.com/h
)") == "t.yaml:2:9: webhook 'qa': type: 'slak' is not one of slack | teams | webhook; did you mean "
       "'slack'?");
  CHECK(
      only_error(replace(valid, "  - name: qa-slack", "  - <<: just text\n    name: qa-slack")) ==
      "t.yaml:7:9: webhooks[0]: '<<' merges a mapping (an alias such as *defaults), got a string");
}

TEST_CASE("config: load_config_file names the file and resolves paths beside it") {
  temp_dir dir;
  auto path = dir.write("notifier.yaml", valid + "state_file: data/state.db\n");
  auto r = load_config_file(path, default_env());
  INFO(Catch::Detail::stringify(errors(r)));
  REQUIRE(r);
  CHECK(r.value->state_file == dir.path / "data/state.db");

  auto plain = dir.write("plain.yaml", valid);
  auto p = load_config_file(plain, default_env());
  REQUIRE(p);
  CHECK(p.value->state_file == dir.path / "sofy-notifier.db");

  auto bad = dir.write("bad.yaml", valid + "log_level: loud\n");
  auto b = load_config_file(bad, default_env());
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].file == bad.string());
  CHECK(b.errors[0].line == 10);
  CHECK(b.errors[0].column == 12);
  CHECK(b.errors[0].to_string() ==
        bad.string() + ":10:12: log_level: 'loud' is not one of debug | info | warn | error");

  auto missing = load_config_file(dir.path / "none.yaml", default_env());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].to_string() == (dir.path / "none.yaml").string() + ": no such file");
}

TEST_CASE("config: the process environment is the default lookup") {
  // PATH is set in every test environment; no variable is set or changed here.
  CHECK(sofy::notifier::process_environment("PATH").has_value());
  CHECK_FALSE(sofy::notifier::process_environment("SOFY_NOTIFIER_SURELY_UNSET_12345"));
}
