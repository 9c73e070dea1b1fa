// Tests of notifier/watch.hpp and notifier/deliver.hpp together: watchers and relays on one
// io_context against the simulator's engine served in-process on loopback (its recording
// webhook sinks answer as scripted), with a real SQLite state file in a temp dir.
#include "notifier/deliver.hpp"
#include "notifier/watch.hpp"

#include <sim/serve.hpp>

#include <asio.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace sofy::notifier;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string guid = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";

// Group 41 is finished before the notifier starts (its baseline); group 42 is started by
// the test once the baseline is committed, its tests queued for two status polls, then one
// passes and one fails.
const char* scenario_yaml = R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
first_group_id: 42
schedules:
  - guid: 0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90
    name: Nightly
    build: 1.4.0(77)
    tests:
      - scenario: Login
        device: Pixel 7
        timeline: [{status: Queued, polls: 2}, Passed]
      - scenario: Checkout
        device: iPhone 15
        timeline: [{status: Queued, polls: 2}, Failed]
    groups:
      - id: "41"
        executed_at: -1h
        tests: [{scenario: Login, device: Pixel 7, status: Failed}]
hooks:
  - {name: slack-ok, style: slack}
  - {name: teams-ok, style: teams}
  - {name: hook-ok, style: webhook}
  - {name: hook-500, style: webhook, answers: [500, 500]}
  - {name: slack-400, style: slack, answers: [400]}
  - {name: hook-429, style: webhook, answers: [{status: 429, retry_after: 1}]}
)";

struct recorded {
  sofy::sim::hook_delivery d;
  std::chrono::steady_clock::time_point at;
};

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() /
           ("sofy-watch-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// The simulator, a store, a watcher and one relay per webhook, all on one io_context.
struct runtime_fixture {
  asio::io_context io{1};
  sofy::sim::engine eng;
  std::optional<sofy::http::server> srv;
  std::vector<recorded> hooks;
  temp_dir dir;
  std::vector<std::string> log_lines;
  logger log{log_format::text, log_level::debug, [this](std::string_view l) { log_lines.emplace_back(l); }};
  metrics_registry metrics;
  std::optional<state_store> store;
  std::shared_ptr<const config> cfg;
  std::shared_ptr<sofy::client> client;
  std::shared_ptr<sofy::http::client> http;
  std::unique_ptr<watcher> watch;
  std::map<std::string, std::shared_ptr<relay>> relays;

  runtime_fixture()
      : eng(sofy::sim::parse_scenario(scenario_yaml, "watch-test.yaml"), std::chrono::system_clock::now()) {
    srv.emplace(io.get_executor(), asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0},
                sofy::sim::handler(eng));
    eng.on_hook([this](const sofy::sim::hook_delivery& d) { hooks.push_back({d, std::chrono::steady_clock::now()}); });
  }
  ~runtime_fixture() {
    if (watch) watch->stop();
    for (auto& [n, r] : relays) r->abort();
    srv->stop();
    io.run_for(200ms);
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(srv->local_endpoint().port()); }

  // webhooks: YAML list entries (name, type, notify_on) for the config.
  void start(const std::string& webhooks_yaml) {
    const std::string yaml = "sofy: {base_url: " + base() + ", auth_key: " + key +
                             ", request_timeout: 2s}\npoll_interval: 100ms\nstate_file: state.db\n"
                             "schedules:\n  - {name: Nightly, guid: " + guid + "}\nwebhooks:\n" + webhooks_yaml;
    load_options lo;
    lo.base_dir = dir.path;
    auto r = load_config_string(yaml, lo);
    if (!r) {
      for (auto& e : r.errors) UNSCOPED_INFO(e.to_string());
      FAIL("config does not load");
    }
    cfg = std::make_shared<const config>(std::move(*r.value));
    store.emplace(state_store::open(cfg->state_file));
    sofy::client_options co;
    co.auth_key = key;
    co.base_url = base();
    co.request_timeout = 2s;
    co.http.use_env_proxy = false;
    client = std::make_shared<sofy::client>(io.get_executor(), co);
    sofy::http::client_options ho;
    ho.use_env_proxy = false;
    http = std::make_shared<sofy::http::client>(io.get_executor(), ho);
    runtime_env env{&log, &metrics, &*store};
    delivery_settings ds;
    ds.backoff.base_delay = 50ms;
    ds.backoff.max_delay = 100ms;
    for (const auto& w : cfg->webhooks) {
      auto rl = std::make_shared<relay>(io.get_executor(), w, http, env, ds);
      rl->start();
      relays.emplace(w.name, rl);
    }
    watch = std::make_unique<watcher>(io.get_executor(), env, watch_settings{.jitter = false}, [this](const std::string& w) {
      auto it = relays.find(w);
      if (it != relays.end()) it->second->wake();
    });
    watch->apply(cfg, client);
  }

  std::string hook_url(const std::string& name) const { return base() + "/hooks/" + name; }

  template <class Pred>
  bool run_until(Pred p, std::chrono::milliseconds bound) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (!p()) {
      if (std::chrono::steady_clock::now() > until) return false;
      io.run_one_for(20ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  // Runs until the watcher has committed its baseline and polled `polls` times, then starts
  // group 42, as if from the web UI. A run started earlier could land in the baseline on a
  // slow machine and never be notified.
  bool start_run(double polls = 1) {
    const bool ready = run_until(
        [&] {
          return store->load_state(guid).has_value() &&
                 metrics.counter_of("sofy_notifier_polls_total", "").value() >= polls;
        },
        15s);
    sofy::http::request req;
    req.method = "POST";
    req.target = "/_sim/execute?schedule=" + guid;
    const auto res = eng.handle(req, std::chrono::system_clock::now());
    return ready && res.response.status == 200;
  }

  std::vector<recorded> of(const std::string& hook) const {
    std::vector<recorded> out;
    for (const auto& h : hooks)
      if (h.d.hook == hook) out.push_back(h);
    return out;
  }
  std::size_t ok_count(const std::string& hook) const {
    std::size_t n = 0;
    for (const auto& h : of(hook)) n += (h.d.status >= 200 && h.d.status < 300) ? 1 : 0;
    return n;
  }
  double counter(const std::string& webhook, const std::string& result) {
    return metrics.counter_of("sofy_notifier_notifications_total", "", {{"webhook", webhook}, {"result", result}})
        .value();
  }
};

std::string delivery_id(const sofy::sim::hook_delivery& d) {
  auto v = d.headers.get("X-Sofy-Delivery");
  return v ? std::string(*v) : std::string();
}

}  // namespace

TEST_CASE("watch: the baseline sends nothing; a transition reaches each sink once") {
  runtime_fixture f;
  f.start("  - {name: slack-ok, type: slack, url: " + f.hook_url("slack-ok") +
          "}\n  - {name: teams-ok, type: teams, url: " + f.hook_url("teams-ok") +
          "}\n  - {name: hook-ok, type: webhook, url: " + f.hook_url("hook-ok") +
          ", notify_on: [run_started, failed, run_finished]}\n");
  // Before group 42 is started only the baseline exists: a few polls send nothing.
  REQUIRE(f.run_until([&] { return f.store->load_state(guid).has_value() &&
                                   f.metrics.counter_of("sofy_notifier_polls_total", "").value() >= 3; },
                      15s));
  CHECK(f.hooks.empty());
  REQUIRE(f.start_run());

  // Group 42: run_started, then the failed test and run_finished.
  REQUIRE(f.run_until([&] { return f.ok_count("hook-ok") >= 3 && f.ok_count("slack-ok") >= 1 && f.ok_count("teams-ok") >= 1; },
                      10s));
  f.run_for(800ms);  // nothing more arrives
  std::set<std::string> events;
  std::set<std::string> ids;
  for (const auto& h : f.of("hook-ok")) {
    CHECK(h.d.status == 200);
    CHECK(h.d.body.find("\"group\":\"42\"") != std::string::npos);
    CHECK(h.d.body.find("\"41\"") == std::string::npos);
    events.insert(std::string(h.d.headers.get("X-Sofy-Event").value_or("")));
    CHECK(ids.insert(delivery_id(h.d)).second);  // no delivery twice
  }
  CHECK(f.of("hook-ok").size() == 3);
  CHECK(events == std::set<std::string>{"run_started", "test_changed", "run_finished"});
  // The chat sinks' default notify_on (failed, ..., run_finished): one message with both.
  REQUIRE(f.of("slack-ok").size() == 1);
  CHECK(f.of("slack-ok")[0].d.body.find("Checkout") != std::string::npos);
  REQUIRE(f.of("teams-ok").size() == 1);
  CHECK(f.of("teams-ok")[0].d.body.find("AdaptiveCard") != std::string::npos);
  CHECK(f.store->pending_total() == 0);
  CHECK(f.counter("hook-ok", "delivered") == 3);
  CHECK(f.metrics.counter_of("sofy_notifier_polls_total", "").value() >= 5);
  CHECK(f.metrics.counter_of("sofy_notifier_poll_errors_total", "").value() == 0);
}

TEST_CASE("deliver: a sink answering 500, 500 then ok gets each notification exactly once") {
  runtime_fixture f;
  f.start("  - {name: hook-500, type: webhook, url: " + f.hook_url("hook-500") +
          ", notify_on: [run_started, failed, run_finished]}\n");
  REQUIRE(f.start_run());
  REQUIRE(f.run_until([&] { return f.ok_count("hook-500") >= 3; }, 10s));
  f.run_for(500ms);
  const auto all = f.of("hook-500");
  REQUIRE(all.size() == 5);  // two 500s, then the three events
  CHECK(all[0].d.status == 500);
  CHECK(all[1].d.status == 500);
  CHECK(delivery_id(all[0].d) == delivery_id(all[2].d));  // the same delivery id on every retry
  std::set<std::string> delivered;
  for (const auto& h : all)
    if (h.d.status == 200) CHECK(delivered.insert(delivery_id(h.d)).second);
  CHECK(delivered.size() == 3);
  CHECK(f.counter("hook-500", "retried") == 2);
  CHECK(f.counter("hook-500", "delivered") == 3);
  CHECK(f.store->pending_total() == 0);
}

TEST_CASE("deliver: a 400 is dead-lettered at once while another sink still delivers") {
  runtime_fixture f;
  f.start("  - {name: slack-400, type: slack, url: " + f.hook_url("slack-400") +
          ", notify_on: [run_finished]}\n  - {name: slack-ok, type: slack, url: " + f.hook_url("slack-ok") +
          ", notify_on: [run_finished]}\n");
  REQUIRE(f.start_run());
  REQUIRE(f.run_until([&] { return f.ok_count("slack-ok") >= 1 && f.of("slack-400").size() >= 1; }, 10s));
  f.run_for(1500ms);  // no retry comes
  CHECK(f.of("slack-400").size() == 1);
  CHECK(f.of("slack-400")[0].d.status == 400);
  CHECK(f.of("slack-ok").size() == 1);
  CHECK(f.counter("slack-400", "dead") == 1);
  CHECK(f.counter("slack-400", "retried") == 0);
  CHECK(f.store->pending_total() == 0);
  bool logged = false;
  for (const auto& l : f.log_lines)
    logged |= l.find("level=error") != std::string::npos && l.find("webhook=\"slack-400\"") != std::string::npos &&
              l.find("status=400") != std::string::npos;
  CHECK(logged);
  // The URL is never logged.
  for (const auto& l : f.log_lines) CHECK(l.find("/hooks/") == std::string::npos);
}

TEST_CASE("deliver: 429 with Retry-After is retried no sooner than asked") {
  runtime_fixture f;
  f.start("  - {name: hook-429, type: webhook, url: " + f.hook_url("hook-429") + ", notify_on: [run_finished]}\n");
  REQUIRE(f.start_run());
  REQUIRE(f.run_until([&] { return f.ok_count("hook-429") >= 1; }, 10s));
  const auto all = f.of("hook-429");
  REQUIRE(all.size() == 2);
  CHECK(all[0].d.status == 429);
  const auto waited = all[1].at - all[0].at;
  CHECK(waited >= 1s);
  CHECK(waited < 5s);
  CHECK(delivery_id(all[0].d) == delivery_id(all[1].d));
}
