// sofy-notifier end to end: the real binary run as a process against sofy-sim (also a
// process), whose recording webhook sinks (/hooks/<name>) stand in for Slack, Teams and a
// JSON receiver. What the sinks received is read back through the simulator's admin API
// (GET /_sim/hooks/NAME); new runs are started with POST /_sim/execute, as from Sofy's web
// UI. Loopback only, polls every 150 ms, every wait bounded, children SIGKILLed when a test
// ends early. Every captured stdout and stderr is searched for the secrets (auth key,
// webhook URL tokens, signing secret).
#include <support/loopback_http.hpp>
#include <support/pki.hpp>
#include <support/process.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using sofy::test::eventually;
using sofy::test::process;

namespace {

const std::string auth_key = "5EC2E7A1-0B1C-4D2E-8F30-A1B2C3D4E5F6";
const std::string guid = "E2E0E2E0-0000-4000-8000-000000000001";
const std::string hook_secret = "whsec-HMACSECRET-e2e-5d1e";
// Webhook URLs carry their own credentials: each hook's URL has a token in its query.
std::string url_token(const std::string& hook) { return "TOK3N-" + hook + "-c0ffee"; }

// Tests that change once per status poll: every poll of a new group sees the next step.
const char* const stepping_tests = R"(
      - {scenario: Login, device: Pixel 7, timeline: [{status: Running, polls: 1}, Passed]}
      - {scenario: Checkout, device: Galaxy S23, timeline: [{status: Running, polls: 1}, Failed]})";
// Tests already finished when their group appears: one poll sees the whole run.
const char* const finished_tests = R"(
      - {scenario: Login, device: Pixel 7, status: Passed}
      - {scenario: Checkout, device: Galaxy S23, status: Failed})";

// `hooks`: the YAML list items of the scenario's recording sinks.
std::string scenario(const std::string& hooks, const char* tests = stepping_tests) {
  return "auth_key: " + auth_key + R"(
schedules:
  - guid: )" +
         guid + R"(
    name: Nightly smoke
    build: 1.4.0(77)
    tests:)" +
         tests + R"(
    groups:
      # Yesterday's run, finished: what the baseline sees.
      - id: "100000"
        executed_at: -24h
        tests:
          - {scenario: Login, device: Pixel 7, status: Passed}
          - {scenario: Checkout, device: Galaxy S23, status: Failed}
hooks:
)" + hooks;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// No secret anywhere in `text` (a process's stdout or stderr).
void check_no_secrets(const std::string& text, const std::vector<std::string>& hooks) {
  CHECK_FALSE(contains(text, auth_key));
  CHECK_FALSE(contains(lower(text), lower(auth_key)));
  CHECK_FALSE(contains(text, hook_secret));
  for (const auto& h : hooks) CHECK_FALSE(contains(text, url_token(h)));
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
               &len) != nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// Every "text" string in a JSON document, joined by newlines: what a chat client shows.
void collect_text(const json::value& v, std::string& out) {
  if (v.is_object()) {
    for (const auto& [k, m] : v.as_object()) {
      if (k == "text" && m.is_string())
        out += std::string(m.as_string()) + "\n";
      else
        collect_text(m, out);
    }
  } else if (v.is_array()) {
    for (const auto& e : v.as_array()) collect_text(e, out);
  }
}
std::string all_text(const json::value& v) {
  std::string s;
  collect_text(v, s);
  return s;
}

// ISO 8601 / RFC 3339 UTC: 2026-12-04T10:00:00Z, with optional fraction.
bool is_utc_time(const std::string& s) {
  static const std::regex re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)");
  return std::regex_match(s, re);
}

std::chrono::milliseconds parse_sim_time(const std::string& s) {
  // The simulator writes "2023-10-24T06:14:39.200Z"; only differences matter here.
  std::tm tm{};
  REQUIRE(s.size() >= 23);
  tm.tm_year = std::stoi(s.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(s.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(s.substr(8, 2));
  tm.tm_hour = std::stoi(s.substr(11, 2));
  tm.tm_min = std::stoi(s.substr(14, 2));
  tm.tm_sec = std::stoi(s.substr(17, 2));
  const auto secs = ::timegm(&tm);
  return std::chrono::milliseconds(secs * 1000LL + std::stoi(s.substr(20, 3)));
}

// sofy-sim as a child process on an ephemeral loopback port, plain HTTP or TLS.
class simulator {
 public:
  explicit simulator(const std::string& scenario_text, bool tls = false)
      : dir_(sofy::test::fresh_dir("e2e-sim")) {
    std::ofstream(dir_ / "scenario.yaml") << scenario_text;
    std::vector<std::string> args{SOFY_SIM_EXE,
                                  "--scenario",
                                  (dir_ / "scenario.yaml").string(),
                                  "--port-file",
                                  (dir_ / "port").string(),
                                  "-v"};
    if (tls) {
      pki_ = sofy::test::make_pki();
      args.insert(args.end(), {"--tls-cert", pki_->server_cert.string(), "--tls-key",
                               pki_->server_key.string()});
    }
    proc_.emplace(args, process::environment{}, dir_, "sim");
    const bool up = eventually([&] { return fs::exists(dir_ / "port") || !proc_->running(); }, 10s);
    INFO("sofy-sim stderr:\n" << proc_->err());
    REQUIRE(up);
    REQUIRE(fs::exists(dir_ / "port"));
    port_ = std::stoi(sofy::test::slurp(dir_ / "port"));
  }
  ~simulator() {
    proc_->signal(SIGTERM);
    if (proc_->wait(5s) < 0) proc_->kill();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  std::string base_url() const {
    return std::string(pki_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  std::string hook_url(const std::string& name) const {
    return base_url() + "/hooks/" + name + "?token=" + url_token(name);
  }
  std::optional<fs::path> ca_file() const {
    if (pki_) return pki_->ca_file;
    return std::nullopt;
  }

  json::value admin(const std::string& method, const std::string& target) const {
    const fs::path* ca = pki_ ? &pki_->ca_file : nullptr;
    auto a = sofy::test::http_request(port_, method, target, "", ca);
    INFO(method << " " << target << " -> " << a.status << " " << a.body);
    REQUIRE(a.status == 200);
    return json::parse(a.body);
  }

  // What the recording sink `name` received, oldest first.
  std::vector<json::object> deliveries(const std::string& name) const {
    std::vector<json::object> out;
    const json::value all = admin("GET", "/_sim/hooks/" + name);
    for (const auto& d : all.at("deliveries").as_array()) out.push_back(d.as_object());
    return out;
  }
  std::size_t delivered(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& d : deliveries(name)) {
      const auto s = d.at("status").to_number<int>();
      n += s >= 200 && s < 300;
    }
    return n;
  }
  // Run-group list requests so far: one per poll of the schedule.
  std::size_t polls() const {
    return admin("GET", "/_sim/requests?route=run_groups").at("count").to_number<std::size_t>();
  }
  // Waits until the notifier has finished `n` more polls than now (the poll in progress
  // now may be the first); false after `limit`.
  bool wait_polls(std::size_t n, std::chrono::milliseconds limit = 10s) const {
    const auto start = polls();
    return eventually([&] { return polls() >= start + n + 1; }, limit);
  }
  // Starts a run of the schedule as from the web UI; its group id.
  std::string execute() const {
    return str(admin("POST", "/_sim/execute?schedule=" + guid).at("testRunGroupId"));
  }

  std::string log() const { return proc_->err(); }

 private:
  fs::path dir_;
  std::optional<sofy::test::pki> pki_;
  std::optional<process> proc_;
  int port_ = 0;
};

struct hook {
  std::string name;
  std::string type;        // slack | teams | webhook
  std::string extra = {};  // more YAML keys, each line starting with four spaces
};

// A directory with a notifier config and its state file; runs sofy-notifier there.
class notifier_env {
 public:
  notifier_env(const simulator& sim, std::vector<hook> hooks)
      : sim_(sim), dir_(sofy::test::fresh_dir("e2e-notifier")), hooks_(std::move(hooks)) {
    write_config(hooks_);
  }
  ~notifier_env() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  const fs::path& dir() const { return dir_; }
  fs::path config() const { return dir_ / "config.yaml"; }

  std::string config_text(const std::vector<hook>& hooks) const {
    std::string c = "sofy:\n  base_url: " + sim_.base_url() +
                    "\n  auth_key: ${SOFY_AUTH_KEY}\n  request_timeout: 5s\n";
    if (auto ca = sim_.ca_file()) c += "tls:\n  ca_file: " + ca->string() + "\n";
    c += "poll_interval: 150ms\nstate_file: " + (dir_ / "state.db").string() +
         "\nlog_level: debug\nschedules:\n  - name: Nightly smoke\n    guid: " + guid +
         "\nwebhooks:\n";
    for (const auto& h : hooks) {
      c += "  - name: " + h.name + "\n    type: " + h.type + "\n    url: " + sim_.hook_url(h.name) +
           "\n" + h.extra;
    }
    return c;
  }
  void write_config(const std::vector<hook>& hooks) {
    for (const auto& h : hooks)
      if (std::find(all_hooks_.begin(), all_hooks_.end(), h.name) == all_hooks_.end())
        all_hooks_.push_back(h.name);
    // Replaced in one step, as an editor or a deployment tool would.
    const fs::path tmp = dir_ / "config.yaml.new";
    std::ofstream(tmp) << config_text(hooks);
    fs::rename(tmp, config());
  }
  void write_raw_config(const std::string& text) {
    const fs::path tmp = dir_ / "config.yaml.new";
    std::ofstream(tmp) << text;
    fs::rename(tmp, config());
  }

  process::environment env() const {
    return {{"SOFY_AUTH_KEY", auth_key}, {"HOOK_SECRET", hook_secret}, {"TZ", "UTC"}};
  }

  // sofy-notifier started with `args` (the binary's path is added).
  std::unique_ptr<process> start(std::vector<std::string> args) {
    args.insert(args.begin(), SOFY_NOTIFIER_EXE);
    return std::make_unique<process>(args, env(), dir_, "notifier-" + std::to_string(++runs_));
  }

  struct result {
    int code = -1;
    std::string out, err;
  };
  // Runs sofy-notifier to its end (at most 30 s) and checks its output for secrets.
  result run(std::vector<std::string> args) {
    auto p = start(args);
    result r;
    r.code = p->wait(30s);
    r.out = p->out();
    r.err = p->err();
    finished(r.out + r.err, "sofy-notifier exit " + std::to_string(r.code));
    return r;
  }
  // For a process started with start(): its output checked for secrets.
  void finished(const std::string& output, const std::string& what) const {
    INFO(what << "; its output:\n" << output);
    check_no_secrets(output, all_hooks_);
  }

  std::vector<std::string> run_args() const { return {"run", "--config", config().string()}; }

 private:
  const simulator& sim_;
  fs::path dir_;
  std::vector<hook> hooks_;
  std::vector<std::string> all_hooks_;
  int runs_ = 0;
};

// Stops a long-running notifier with `sig` and returns its exit code and output, checked
// for secrets.
notifier_env::result stop(notifier_env& env, process& p, int sig = SIGTERM) {
  p.signal(sig);
  notifier_env::result r;
  r.code = p.wait(20s);
  if (r.code < 0) p.kill();
  r.out = p.out();
  r.err = p.err();
  env.finished(r.out + r.err, "sofy-notifier stopped with signal " + std::to_string(sig));
  return r;
}

const std::string every_event =
    "    notify_on: [run_started, run_finished, queued, running, passed, failed, incomplete, "
    "not_executed, stopped, unknown]\n";

// What a generic webhook body says, without its id and time: the identity of an event.
using event_key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
event_key key_of(const json::value& body) {
  const auto& o = body.as_object();
  const std::string ev = str(o.at("event"));
  if (ev != "test_changed") return {ev, str(o.at("group")), "", "", ""};
  const auto& t = o.at("test").as_object();
  return {ev, str(o.at("group")), str(t.at("scenario")), str(t.at("status")),
          str(t.at("previous_status"))};
}
// The events of a run of the stepping tests in group `g`.
std::multiset<event_key> stepping_events(const std::string& g) {
  return {{"run_started", g, "", "", ""},
          {"test_changed", g, "Login", "running", "null"},
          {"test_changed", g, "Checkout", "running", "null"},
          {"test_changed", g, "Login", "passed", "running"},
          {"test_changed", g, "Checkout", "failed", "running"},
          {"run_finished", g, "", "", ""}};
}

std::string describe(const std::vector<json::object>& ds) {
  std::string s;
  for (const auto& d : ds)
    s += str(d.at("status")) + " " + str(d.at("time")) + " " + str(d.at("body")) + "\n";
  return s;
}

}  // namespace

TEST_CASE("e2e: check exits 0 for a valid config and 2 with FILE:LINE:COL for each error") {
  simulator sim{scenario("  - {name: qa-slack, style: slack}\n")};
  notifier_env env{sim, {{"qa-slack", "slack"}}};
  auto ok = env.run({"check", "--config", env.config().string()});
  INFO(ok.out << ok.err);
  CHECK(ok.code == 0);

  // Line numbers below are the text's; the url is not https for a remote host, and its
  // token must not be quoted back.
  env.write_raw_config(
      "sofy:\n"                         // 1
      "  auth_key: ${SOFY_AUTH_KEY}\n"  // 2
      "poll_interval: 5 parsecs\n"      // 3
      "schedules:\n"                    // 4
      "  - name: Nightly smoke\n"       // 5
      "    guid: " +
      guid +
      "\n"                                             // 6
      "    colour: blue\n"                             // 7
      "webhooks:\n"                                    // 8
      "  - name: qa-slack\n"                           // 9
      "    type: slack\n"                              // 10
      "    url: http://hooks.example.com/services/" +  // 11
      url_token("qa-slack") +
      "\n");
  auto bad = env.run({"check", "--config", env.config().string()});
  INFO(bad.out << bad.err);
  CHECK(bad.code == 2);
  const std::string file = env.config().string();
  CHECK(contains(bad.err, file + ":3:16: "));
  CHECK(contains(bad.err, file + ":7:5: "));
  CHECK(contains(bad.err, file + ":11:10: "));
  CHECK(contains(bad.err, "colour"));
  CHECK(contains(bad.err, "qa-slack"));  // the webhook is named by its name

  // A missing file is a clear error too.
  auto missing = env.run({"check", "--config", (env.dir() / "none.yaml").string()});
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, (env.dir() / "none.yaml").string()));
}

TEST_CASE("e2e: the first run against existing groups records a baseline and sends nothing") {
  simulator sim{
      scenario("  - {name: qa-slack, style: slack}\n  - {name: ci-hook, style: webhook}\n")};
  notifier_env env{sim, {{"qa-slack", "slack", every_event}, {"ci-hook", "webhook", every_event}}};
  auto p = env.start(env.run_args());
  INFO(sim.log());
  CHECK(sim.wait_polls(4));
  CHECK(sim.deliveries("qa-slack").empty());
  CHECK(sim.deliveries("ci-hook").empty());
  auto r = stop(env, *p);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(fs::exists(env.dir() / "state.db"));

  // And a second process, with that state, still has nothing to say about them.
  auto again = env.start(env.run_args());
  CHECK(sim.wait_polls(3));
  CHECK(sim.deliveries("qa-slack").empty());
  CHECK(sim.deliveries("ci-hook").empty());
  CHECK(stop(env, *again).code == 0);
}

TEST_CASE(
    "e2e: a new run is notified with the right content on slack, teams and a signed webhook "
    "(TLS)") {
  simulator sim{scenario("  - {name: qa-slack, style: slack}\n"
                         "  - {name: qa-teams, style: teams}\n"
                         "  - {name: ci-hook, style: webhook}\n"),
                true};
  notifier_env env{sim,
                   {{"qa-slack", "slack", "    mention: \"<!here>\"\n"},
                    {"qa-teams", "teams"},
                    {"ci-hook", "webhook", every_event + "    secret: ${HOOK_SECRET}\n"}}};
  auto p = env.start(env.run_args());
  REQUIRE(sim.wait_polls(1));  // the baseline is committed
  const std::string g = sim.execute();

  const bool all = eventually(
      [&] {
        return sim.delivered("ci-hook") >= 6 && sim.delivered("qa-slack") >= 1 &&
               sim.delivered("qa-teams") >= 1;
      },
      20s);
  CHECK(sim.wait_polls(3));  // nothing more is coming
  auto r = stop(env, *p);
  INFO("notifier stderr:\n" << r.err << "\nsim stderr:\n" << sim.log());
  CHECK(r.code == 0);
  REQUIRE(all);

  {  // the generic webhook: one signed POST per event
    const auto ds = sim.deliveries("ci-hook");
    INFO(describe(ds));
    REQUIRE(ds.size() == 6);
    std::multiset<event_key> got;
    std::set<std::string> ids;
    for (const auto& d : ds) {
      CHECK(str(d.at("method")) == "POST");
      CHECK(d.at("status").to_number<int>() == 200);
      const auto& h = d.at("headers").as_object();
      const std::string body = str(d.at("body"));
      const json::value j = json::parse(body);
      const auto& o = j.as_object();
      CHECK(contains(str(h.at("content-type")), "application/json"));
      CHECK(str(h.at("x-sofy-event")) == str(o.at("event")));
      CHECK(str(h.at("x-sofy-delivery")) == str(o.at("id")));
      REQUIRE(h.contains("x-sofy-signature-256"));
      CHECK(str(h.at("x-sofy-signature-256")) == "sha256=" + hmac_sha256_hex(hook_secret, body));
      CHECK(is_utc_time(str(o.at("observed_at"))));
      CHECK(str(o.at("schedule").at("name")) == "Nightly smoke");
      CHECK(lower(str(o.at("schedule").at("guid"))) == lower(guid));
      CHECK(str(o.at("group")) == g);
      ids.insert(str(o.at("id")));
      got.insert(key_of(j));
      if (str(o.at("event")) == "test_changed") {
        const auto& t = o.at("test").as_object();
        CHECK(str(t.at("build")) == "1.4.0(77)");
        CHECK(str(t.at("device")) == (str(t.at("scenario")) == "Login" ? "Pixel 7" : "Galaxy S23"));
        if (str(t.at("status")) == "failed") CHECK(str(t.at("raw_status")) == "Failed");
      }
      if (str(o.at("event")) == "run_finished") {
        CHECK(str(o.at("outcome")) == "failed");
        CHECK(o.at("counts").at("total").to_number<int>() == 2);
        CHECK(o.at("counts").at("passed").to_number<int>() == 1);
        CHECK(o.at("counts").at("failed").to_number<int>() == 1);
        CHECK(o.at("tests").as_array().size() == 2);
      }
    }
    CHECK(ids.size() == 6);
    CHECK(got == stepping_events(g));
    CHECK(str(json::parse(str(ds.front().at("body"))).at("event")) == "run_started");
    CHECK(str(json::parse(str(ds.back().at("body"))).at("event")) == "run_finished");
  }

  {  // Slack
    // Default notify_on: the failure and the run's end, in one message for that poll.
    const auto ds = sim.deliveries("qa-slack");
    INFO(describe(ds));
    REQUIRE(ds.size() == 1);
    CHECK(str(ds[0].at("body")) != "");
    const json::value j = json::parse(str(ds[0].at("body")));
    REQUIRE(j.as_object().contains("blocks"));
    CHECK(!j.at("blocks").as_array().empty());
    CHECK(j.at("blocks").as_array().size() <= 50);
    CHECK(!str(j.at("text")).empty());  // the fallback
    const std::string text = all_text(j);
    CHECK(contains(text, "Nightly smoke"));
    CHECK(contains(text, "Checkout"));
    CHECK(contains(text, "Galaxy S23"));
    CHECK(contains(lower(text), "failed"));
    CHECK(contains(text, "<!here>"));
    CHECK(contains(text, g));
  }

  {  // Teams
    const auto ds = sim.deliveries("qa-teams");
    INFO(describe(ds));
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].at("status").to_number<int>() == 202);
    const std::string body = str(ds[0].at("body"));
    CHECK(body.size() < 20000);
    const json::value j = json::parse(body);
    CHECK(str(j.at("type")) == "message");
    const auto& att = j.at("attachments").as_array();
    REQUIRE(att.size() == 1);
    CHECK(str(att[0].at("contentType")) == "application/vnd.microsoft.card.adaptive");
    const auto& card = att[0].at("content");
    CHECK(str(card.at("type")) == "AdaptiveCard");
    CHECK(str(card.at("version")) == "1.4");
    const std::string text = all_text(card);
    CHECK(contains(text, "Nightly smoke"));
    CHECK(contains(text, "Checkout"));
    CHECK(contains(text, "Galaxy S23"));
    CHECK(contains(lower(text), "failed"));
  }
}

TEST_CASE(
    "e2e: a sink failing with 500s then recovering gets exactly one delivery, and a 429 "
    "Retry-After is honoured") {
  simulator sim{
      scenario("  - {name: ci-flaky, style: webhook, answers: [500, 500]}\n"
               "  - {name: qa-slack, style: slack, answers: [{status: 429, retry_after: 2}]}\n")};
  notifier_env env{
      sim, {{"ci-flaky", "webhook", "    notify_on: [run_finished]\n"}, {"qa-slack", "slack"}}};
  auto p = env.start(env.run_args());
  REQUIRE(sim.wait_polls(1));
  const std::string g = sim.execute();
  const bool both = eventually(
      [&] { return sim.delivered("ci-flaky") >= 1 && sim.delivered("qa-slack") >= 1; }, 30s);
  // Time for a wrong second delivery to show up.
  std::this_thread::sleep_for(1500ms);
  auto r = stop(env, *p);
  INFO("notifier stderr:\n" << r.err);
  CHECK(r.code == 0);
  REQUIRE(both);

  const auto flaky = sim.deliveries("ci-flaky");
  {
    INFO(describe(flaky));
    REQUIRE(flaky.size() == 3);
    CHECK(flaky[0].at("status").to_number<int>() == 500);
    CHECK(flaky[1].at("status").to_number<int>() == 500);
    CHECK(flaky[2].at("status").to_number<int>() == 200);
    // One delivery, retried: the same id and body every time.
    const auto id = str(flaky[0].at("headers").at("x-sofy-delivery"));
    for (const auto& d : flaky) {
      CHECK(str(d.at("headers").at("x-sofy-delivery")) == id);
      CHECK(str(d.at("body")) == str(flaky[0].at("body")));
    }
    CHECK(str(json::parse(str(flaky[2].at("body"))).at("group")) == g);
  }

  const auto slack = sim.deliveries("qa-slack");
  {
    INFO(describe(slack));
    REQUIRE(slack.size() == 2);
    CHECK(slack[0].at("status").to_number<int>() == 429);
    CHECK(slack[1].at("status").to_number<int>() == 200);
    CHECK(str(slack[0].at("body")) == str(slack[1].at("body")));
    const auto waited =
        parse_sim_time(str(slack[1].at("time"))) - parse_sim_time(str(slack[0].at("time")));
    INFO("waited " << waited.count() << " ms after the 429");
    CHECK(waited >= 2000ms);
    CHECK(waited < 15000ms);
  }
  CHECK(contains(r.err, "ci-flaky"));  // the retries are logged by webhook name
}

TEST_CASE("e2e: a permanent 400 is not retried while the other sinks still deliver") {
  simulator sim{
      scenario("  - {name: qa-bad, style: slack, answers: [{status: 400, times: 50}]}\n"
               "  - {name: qa-teams, style: teams}\n"
               "  - {name: ci-hook, style: webhook}\n")};
  notifier_env env{sim, {{"qa-bad", "slack"}, {"qa-teams", "teams"}, {"ci-hook", "webhook"}}};
  auto p = env.start(env.run_args());
  REQUIRE(sim.wait_polls(1));
  sim.execute();
  // Default notify_on on the webhook: the failed test and the run's end.
  const bool others = eventually(
      [&] { return sim.delivered("qa-teams") >= 1 && sim.delivered("ci-hook") >= 2; }, 20s);
  std::this_thread::sleep_for(2500ms);  // longer than any first retry would wait
  auto r = stop(env, *p);
  INFO("notifier stderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(others);
  const auto bad = sim.deliveries("qa-bad");
  INFO(describe(bad));
  CHECK(bad.size() == 1);
  CHECK(sim.deliveries("qa-teams").size() == 1);
  CHECK(sim.deliveries("ci-hook").size() == 2);
  CHECK(contains(r.err, "qa-bad"));
  CHECK(contains(r.err, "400"));
}

namespace {

// One long run, stopped with `sig` while deliveries are still pending (the sink answers
// each after 400 ms), then a second process on the same state finishes the job. Returns
// the deliveries of both runs and the group.
std::pair<std::vector<json::object>, std::string> restart_run(int sig) {
  simulator sim{scenario(
      "  - {name: ci-hook, style: webhook, answers: [{status: 200, delay: 400ms, times: 100}]}\n")};
  notifier_env env{sim, {{"ci-hook", "webhook", every_event}}};
  auto first = env.start(env.run_args());
  REQUIRE(sim.wait_polls(1));
  const std::string g = sim.execute();
  // The first poll of the group is committed once its first event is being delivered.
  REQUIRE(eventually([&] { return sim.deliveries("ci-hook").size() >= 2; }, 20s));
  auto r1 = stop(env, *first, sig);
  INFO("first run stderr:\n" << r1.err);
  if (sig == SIGTERM)
    CHECK(r1.code == 0);
  else
    CHECK(r1.code == 128 + SIGKILL);
  const auto before = sim.deliveries("ci-hook").size();
  CHECK(before < 6);  // the restart has work left

  auto second = env.start(env.run_args());
  std::set<std::string> ids;
  const bool done = eventually(
      [&] {
        ids.clear();
        for (const auto& d : sim.deliveries("ci-hook"))
          ids.insert(str(d.at("headers").at("x-sofy-delivery")));
        return ids.size() >= 6;
      },
      20s);
  CHECK(sim.wait_polls(3));
  std::this_thread::sleep_for(1000ms);  // a redelivery would show up now
  auto r2 = stop(env, *second);
  INFO("second run stderr:\n" << r2.err);
  CHECK(r2.code == 0);
  CHECK(done);
  return {sim.deliveries("ci-hook"), g};
}

}  // namespace

TEST_CASE("e2e: a restart after SIGTERM loses nothing and duplicates nothing") {
  auto [ds, g] = restart_run(SIGTERM);
  INFO(describe(ds));
  std::set<std::string> ids;
  std::multiset<event_key> got;
  for (const auto& d : ds) {
    ids.insert(str(d.at("headers").at("x-sofy-delivery")));
    got.insert(key_of(json::parse(str(d.at("body")))));
  }
  CHECK(ds.size() == 6);
  CHECK(ids.size() == 6);
  CHECK(got == stepping_events(g));
}

TEST_CASE("e2e: a restart after SIGKILL loses nothing and duplicates at most one delivery") {
  auto [ds, g] = restart_run(SIGKILL);
  INFO(describe(ds));
  std::map<std::string, std::string> body_of;
  std::set<event_key> got;
  for (const auto& d : ds) {
    const auto id = str(d.at("headers").at("x-sofy-delivery"));
    const auto body = str(d.at("body"));
    // A duplicate is the same delivery again: same id, same body.
    if (auto it = body_of.find(id); it != body_of.end()) CHECK(it->second == body);
    body_of[id] = body;
    got.insert(key_of(json::parse(body)));
  }
  CHECK(body_of.size() == 6);
  CHECK(ds.size() <= 7);
  const auto expected = stepping_events(g);
  CHECK(got == std::set<event_key>(expected.begin(), expected.end()));
}

TEST_CASE("e2e: run --once exits 0 when everything was delivered") {
  simulator sim{scenario("  - {name: ci-hook, style: webhook}\n", finished_tests)};
  notifier_env env{sim, {{"ci-hook", "webhook", "    notify_on: [run_finished]\n"}}};
  auto args = env.run_args();
  args.push_back("--once");
  auto base = env.run(args);
  INFO(base.err);
  CHECK(base.code == 0);
  CHECK(sim.deliveries("ci-hook").empty());  // the baseline

  const std::string g = sim.execute();
  auto once = env.run(args);
  INFO(once.err);
  CHECK(once.code == 0);
  const auto ds = sim.deliveries("ci-hook");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].at("status").to_number<int>() == 200);
  CHECK(str(json::parse(str(ds[0].at("body"))).at("group")) == g);

  auto idle = env.run(args);  // nothing new, nothing pending
  CHECK(idle.code == 0);
  CHECK(sim.deliveries("ci-hook").size() == 1);
}

TEST_CASE("e2e: run --once exits 1 while a hook fails, and the next --once delivers the row") {
  simulator sim{scenario("  - {name: ci-hook, style: webhook, answers: [503]}\n", finished_tests)};
  notifier_env env{sim, {{"ci-hook", "webhook", "    notify_on: [run_finished]\n"}}};
  auto args = env.run_args();
  args.push_back("--once");
  REQUIRE(env.run(args).code == 0);  // the baseline
  const std::string g = sim.execute();

  auto failing = env.run(args);
  INFO(failing.err);
  CHECK(failing.code == 1);
  auto ds = sim.deliveries("ci-hook");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].at("status").to_number<int>() == 503);

  auto recovered = env.run(args);  // the hook answers 200 now
  INFO(recovered.err);
  CHECK(recovered.code == 0);
  ds = sim.deliveries("ci-hook");
  REQUIRE(ds.size() == 2);
  CHECK(ds[1].at("status").to_number<int>() == 200);
  CHECK(str(ds[1].at("headers").at("x-sofy-delivery")) ==
        str(ds[0].at("headers").at("x-sofy-delivery")));
  CHECK(str(json::parse(str(ds[1].at("body"))).at("group")) == g);
}

TEST_CASE("e2e: run --dry-run posts nothing, prints the payloads and leaves the state unchanged") {
  simulator sim{scenario(
      "  - {name: ci-hook, style: webhook}\n  - {name: qa-slack, style: slack}\n", finished_tests)};
  notifier_env env{sim,
                   {{"ci-hook", "webhook", every_event + "    secret: ${HOOK_SECRET}\n"},
                    {"qa-slack", "slack"}}};
  auto once = env.run_args();
  once.push_back("--once");
  REQUIRE(env.run(once).code == 0);  // the baseline
  const std::string g = sim.execute();

  auto dry_args = once;
  dry_args.push_back("--dry-run");
  auto dry = env.run(dry_args);
  INFO("dry-run stdout:\n" << dry.out << "\nstderr:\n" << dry.err);
  CHECK(dry.code == 0);
  CHECK(sim.deliveries("ci-hook").empty());
  CHECK(sim.deliveries("qa-slack").empty());
  const json::value hooks = sim.admin("GET", "/_sim/hooks");
  for (const auto& h : hooks.at("hooks").as_array()) CHECK(h.at("count").to_number<int>() == 0);
  CHECK(contains(dry.out, "ci-hook"));
  CHECK(contains(dry.out, "qa-slack"));
  CHECK(contains(dry.out, "run_started"));
  CHECK(contains(dry.out, "run_finished"));
  CHECK(contains(dry.out, "Checkout"));
  CHECK(contains(dry.out, g));

  // A second dry run sees the same transitions: nothing was recorded.
  auto dry2 = env.run(dry_args);
  CHECK(dry2.code == 0);
  CHECK(contains(dry2.out, "run_finished"));

  auto real = env.run(once);
  INFO("real run stderr:\n" << real.err);
  CHECK(real.code == 0);
  CHECK(sim.delivered("ci-hook") == 4);  // run_started, two tests, run_finished
  CHECK(sim.delivered("qa-slack") == 1);
}

TEST_CASE(
    "e2e: SIGHUP with a broken config keeps the old one, and with a good one adds a webhook") {
  simulator sim{scenario(
      "  - {name: ci-hook, style: webhook}\n  - {name: qa-teams, style: teams}\n", finished_tests)};
  const std::vector<hook> before{{"ci-hook", "webhook", "    notify_on: [run_finished]\n"}};
  notifier_env env{sim, before};
  auto p = env.start(env.run_args());
  REQUIRE(sim.wait_polls(1));

  // An unknown key on line 7, column 5 of the new text.
  std::string broken = env.config_text(before);
  const std::string at = "    guid: " + guid + "\n";
  REQUIRE(contains(broken, at));
  broken.insert(broken.find(at) + at.size(), "    colour: blue\n");
  const auto line =
      1 + std::count(broken.begin(), broken.begin() + static_cast<long>(broken.find("    colour")),
                     '\n');
  env.write_raw_config(broken);
  p->signal(SIGHUP);
  const std::string where = env.config().string() + ":" + std::to_string(line) + ":5";
  const bool logged = eventually([&] { return contains(p->err(), where); }, 5s);
  CHECK(logged);
  CHECK(p->running());

  const std::string g1 = sim.execute();
  const bool old_delivers = eventually([&] { return sim.delivered("ci-hook") >= 1; }, 10s);
  CHECK(old_delivers);

  auto after = before;
  after.push_back({"qa-teams", "teams"});
  env.write_config(after);
  p->signal(SIGHUP);
  CHECK(sim.wait_polls(3));  // the reload has happened by now
  const std::string g2 = sim.execute();
  const bool both = eventually(
      [&] { return sim.delivered("ci-hook") >= 2 && sim.delivered("qa-teams") >= 1; }, 10s);
  CHECK(sim.wait_polls(2));
  auto r = stop(env, *p);
  INFO("notifier stderr:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(both);
  const auto teams = sim.deliveries("qa-teams");
  REQUIRE(teams.size() == 1);  // only what happened after it was added
  CHECK(contains(str(teams[0].at("body")), g2));
  CHECK_FALSE(contains(str(teams[0].at("body")), g1));
  const auto hooks = sim.deliveries("ci-hook");
  REQUIRE(hooks.size() == 2);
  CHECK(str(json::parse(str(hooks[0].at("body"))).at("group")) == g1);
  CHECK(str(json::parse(str(hooks[1].at("body"))).at("group")) == g2);
}

TEST_CASE("e2e: no secret in any log, also when the API and the hooks fail") {
  simulator sim{
      scenario("  - {name: qa-slack, style: slack, answers: [{status: 500, times: 3}, 403]}\n"
               "  - {name: ci-hook, style: webhook, answers: [{status: 401, times: 50}]}\n",
               finished_tests)};
  notifier_env env{sim,
                   {{"qa-slack", "slack"},
                    {"ci-hook", "webhook", every_event + "    secret: ${HOOK_SECRET}\n"}}};
  auto args = env.run_args();
  args.insert(args.end(), {"--log-level", "debug"});
  auto p = env.start(args);
  REQUIRE(sim.wait_polls(1));
  sim.execute();
  const bool tried = eventually(
      [&] { return sim.deliveries("qa-slack").size() >= 4 && !sim.deliveries("ci-hook").empty(); },
      30s);
  auto r = stop(env, *p);  // checks stdout and stderr for every secret
  CHECK(tried);
  CHECK(contains(r.err, "qa-slack"));
  CHECK(contains(r.err, "ci-hook"));

  // A key the API refuses (a valid GUID, but not the one the simulator accepts): the
  // failure is logged without the key.
  auto once = env.run_args();
  once.insert(once.end(), {"--once", "--log-level", "debug"});
  process::environment wrong = env.env();
  wrong["SOFY_AUTH_KEY"] = "0D15EA5E-0000-4000-8000-00000000BAD1";
  std::vector<std::string> full{SOFY_NOTIFIER_EXE};
  full.insert(full.end(), once.begin(), once.end());
  process refused{full, wrong, env.dir(), "refused"};
  const int code = refused.wait(30s);
  const std::string out = refused.out() + refused.err();
  INFO("exit " << code << "\n" << out);
  CHECK(code >= 0);
  CHECK_FALSE(contains(out, "0D15EA5E-0000-4000-8000-00000000BAD1"));
  CHECK_FALSE(contains(lower(out), lower("0D15EA5E-0000-4000-8000-00000000BAD1")));
  CHECK(contains(out, "Nightly smoke"));  // the failing schedule is named
}

TEST_CASE("e2e: sofy-notifier demo shows the baseline, then each message, and cleans up") {
  const fs::path tmp = sofy::test::fresh_dir("e2e-demo");
  std::string out, err;
  int code = -1;
  {
    process demo{{SOFY_NOTIFIER_EXE, "demo"}, {{"TMPDIR", tmp.string()}}, tmp, "demo"};
    code = demo.wait(90s);
    out = demo.out();
    err = demo.err();
  }
  INFO("exit " << code << "\nstdout:\n" << out << "\nstderr:\n" << err);
  CHECK(code == 0);
  const auto found = out.find("found run group 100001");
  const auto first_message = out.find("== hook ");
  REQUIRE(found != std::string::npos);
  REQUIRE(first_message != std::string::npos);
  CHECK(found < first_message);  // the baseline sent nothing
  CHECK(contains(out, "Slack message:"));
  CHECK(contains(out, "Teams message:"));
  CHECK(contains(out, "\"event\": \"run_finished\""));
  CHECK(contains(out, "Checkout* on iPhone 15"));
  CHECK(contains(out, "*Failed*"));
  // Its config and state were temporary.
  std::size_t left = 0;
  for (const auto& e : fs::directory_iterator(tmp))
    left += e.path().filename().string().rfind("sofy-notifier-demo-", 0) == 0;
  CHECK(left == 0);
  std::error_code ec;
  fs::remove_all(tmp, ec);
}
