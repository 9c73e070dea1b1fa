// Tests of notifier/service.hpp: the whole service in-process (its own thread and
// io_context) against the simulator's engine on another thread: run --once exit codes,
// dry run, /metrics and /healthz, SIGHUP-style reload, shutdown, the retry age limit, and no
// secret in the log.
#include "notifier/service.hpp"

#include <sim/serve.hpp>

#include <sofy/http/client.hpp>

#include <asio.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace sofy::notifier;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string guid = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";

const char* scenario_yaml = R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
schedules:
  - guid: 0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90
    name: Nightly
    tests:
      - {scenario: Login, device: Pixel 7, timeline: [{status: Queued, polls: 1}, Failed]}
    groups:
      - {id: "41", executed_at: -1h, tests: [{scenario: Login, device: Pixel 7, status: Passed}]}
hooks:
  - {name: good, style: webhook}
  - {name: down, style: webhook, answers: [500, 500, 500, 500, 500, 500]}
  - {name: dead, style: webhook, answers: [{status: 500, times: 1000000}]}
  - {name: patient, style: webhook, answers: [{status: 500, times: 1000000}]}
)";

// The simulator on its own thread.
struct sim_thread {
  asio::io_context io{1};
  sofy::sim::engine eng;
  std::optional<sofy::http::server> srv;
  std::mutex m;
  std::vector<sofy::sim::hook_delivery> hooks;
  std::thread t;
  sim_thread() : eng(sofy::sim::parse_scenario(scenario_yaml, "service-test.yaml"), std::chrono::system_clock::now()) {
    srv.emplace(io.get_executor(), asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0},
                sofy::sim::handler(eng));
    eng.on_hook([this](const sofy::sim::hook_delivery& d) {
      std::lock_guard lk{m};
      hooks.push_back(d);
    });
    t = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~sim_thread() {
    asio::post(io, [this] {
      srv->stop();
      io.stop();
    });
    t.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(srv->local_endpoint().port()); }
  std::size_t count(const std::string& hook, bool ok_only) {
    std::lock_guard lk{m};
    std::size_t n = 0;
    for (const auto& h : hooks)
      if (h.hook == hook && (!ok_only || h.status == 200)) ++n;
    return n;
  }
  // When `hook` was first called, as the sink recorded it.
  std::chrono::system_clock::time_point first_time(const std::string& hook) {
    std::lock_guard lk{m};
    for (const auto& h : hooks)
      if (h.hook == hook) return h.time;
    return {};
  }
  // A new run, as if started from the web UI.
  void execute() {
    sofy::http::request req;
    req.method = "POST";
    req.target = "/_sim/execute?schedule=" + guid;
    std::promise<void> done;
    asio::post(io, [&] {
      eng.handle(req, std::chrono::system_clock::now());
      done.set_value();
    });
    done.get_future().wait();
  }
};

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() / ("sofy-service-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct log_capture {
  std::mutex m;
  std::vector<std::string> lines;
  logger::sink_fn sink() {
    return [this](std::string_view l) {
      std::lock_guard lk{m};
      lines.emplace_back(l);
    };
  }
  std::string all() {
    std::lock_guard lk{m};
    std::string s;
    for (auto& l : lines) s += l + "\n";
    return s;
  }
};

std::string write_config(const temp_dir& d, const sim_thread& sim, const std::string& hooks, const std::string& extra = {}) {
  const auto file = d.path / "notifier.yaml";
  std::ofstream(file) << "sofy: {base_url: " << sim.base() << ", auth_key: " << key << ", request_timeout: 2s}\n"
                      << "poll_interval: 100ms\nlog_format: json\n" << extra << "schedules:\n  - {name: Nightly, guid: " << guid
                      << "}\nwebhooks:\n" << hooks;
  return file.string();
}

std::string hook(const sim_thread& sim, const std::string& name, const std::string& notify = "[run_finished]",
                 const std::string& more = {}) {
  return "  - {name: " + name + ", type: webhook, url: '" + sim.base() + "/hooks/" + name +
         "?token=t0ps3cretvalue', secret: sign1ngsecret, notify_on: " + notify + more + "}\n";
}

// Retries within milliseconds instead of seconds.
const std::string fast_retries = "delivery: {min_backoff: 10ms, max_backoff: 20ms}\n";

int run_once(const std::string& file, log_capture& logs, bool dry = false, std::ostream* out = nullptr) {
  service_options o;
  o.config_file = file;
  o.once = true;
  o.dry_run = dry;
  o.handle_signals = false;
  o.log_sink = logs.sink();
  o.out = out;
  return service{o}.run();
}

std::string http_get(std::uint16_t port, const std::string& target, int* status = nullptr) {
  asio::io_context io;
  sofy::http::client_options co;
  co.use_env_proxy = false;
  sofy::http::client c{io.get_executor(), co};
  sofy::http::origin o{sofy::http::scheme::http, "127.0.0.1", port, true};
  sofy::http::request req;
  req.target = target;
  auto f = asio::co_spawn(io, c.request(o, req), asio::use_future);
  io.run_for(5s);
  auto res = f.get();
  if (status) *status = res.status;
  return res.body;
}

// Polls `p` until it holds or `bound` passes; whether it held.
template <class Pred>
bool wait_until(Pred p, std::chrono::milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (!p()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The value of an unlabelled sample in a /metrics text, 0 when absent.
double metric_value(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ' ')
      return std::stod(line.substr(name.size() + 1));
  }
  return 0;
}

// Waits until the service has completed `n` polls that worked, so its baseline is committed
// and a run started afterwards is new to it.
bool wait_baseline(std::uint16_t port, double n = 1) {
  return wait_until(
      [&] {
        const std::string m = http_get(port, "/metrics");
        return metric_value(m, "sofy_notifier_polls_total") - metric_value(m, "sofy_notifier_poll_errors_total") >= n;
      },
      15s);
}

}  // namespace

TEST_CASE("service: run --once exits 0 when all is delivered, 1 while a sink keeps failing") {
  sim_thread sim;
  temp_dir d;
  log_capture logs;
  const std::string file = write_config(d, sim, hook(sim, "good") + hook(sim, "down"), fast_retries);
  CHECK(run_once(file, logs) == 0);  // the baseline: nothing to send
  sim.execute();                     // a new run, which fails after one poll
  int rc = 1;
  for (int i = 0; i < 3; ++i) rc = run_once(file, logs);  // started; finished; 'down' still failing
  CHECK(rc == 1);
  CHECK(sim.count("good", true) == 1);
  CHECK(sim.count("down", true) == 0);
  // 'down' answers 500 six times in all, then recovers: later runs deliver the row, once.
  for (int i = 0; i < 8 && rc != 0; ++i) rc = run_once(file, logs);
  CHECK(rc == 0);
  CHECK(sim.count("down", true) == 1);
  CHECK(sim.count("good", true) == 1);
  const std::string log = logs.all();
  CHECK(log.find("t0ps3cretvalue") == std::string::npos);
  CHECK(log.find("sign1ngsecret") == std::string::npos);
  CHECK(log.find(key) == std::string::npos);
}

TEST_CASE("service: a dry run prints payloads, posts nothing and changes no state") {
  sim_thread sim;
  temp_dir d;
  log_capture logs;
  const std::string file = write_config(d, sim, hook(sim, "good", "[run_started, failed, run_finished]"));
  REQUIRE(run_once(file, logs) == 0);  // baseline committed
  sim.execute();
  std::ostringstream out;
  CHECK(run_once(file, logs, true, &out) == 0);
  CHECK(out.str().find("webhook=good") != std::string::npos);
  CHECK(out.str().find("X-Sofy-Event: run_started") != std::string::npos);
  CHECK(out.str().find("\n  \"event\": \"run_started\"") != std::string::npos);  // pretty-printed
  CHECK(sim.count("good", false) == 0);
  // The state did not move: a real run still sees the new group.
  CHECK(run_once(file, logs) == 0);
  CHECK(sim.count("good", true) >= 1);
}

TEST_CASE("service: /metrics and /healthz while running; a bad reload keeps the config; stop exits 0") {
  sim_thread sim;
  temp_dir d;
  log_capture logs;
  const std::string file = write_config(d, sim, hook(sim, "good", "[run_started, failed, run_finished]"));
  service_options o;
  o.config_file = file;
  o.handle_signals = false;
  o.log_sink = logs.sink();
  o.jitter = false;
  o.listen = listen_address{"127.0.0.1", 0};
  std::promise<std::uint16_t> started;
  o.on_started = [&](std::uint16_t port) { started.set_value(port); };
  service svc{o};
  auto done = std::async(std::launch::async, [&] { return svc.run(); });
  auto fut = started.get_future();
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
  const std::uint16_t port = fut.get();
  REQUIRE(port != 0);

  int status = 0;
  CHECK(http_get(port, "/healthz", &status) == "ok");
  CHECK(status == 200);
  REQUIRE(wait_baseline(port));
  sim.execute();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (sim.count("good", true) < 3 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  CHECK(sim.count("good", true) == 3);

  std::string m = http_get(port, "/metrics", &status);
  CHECK(status == 200);
  CHECK(m.find("# TYPE sofy_notifier_polls_total counter") != std::string::npos);
  CHECK(m.find("sofy_notifier_notifications_total{webhook=\"good\",result=\"delivered\"} 3") != std::string::npos);
  CHECK(m.find("sofy_notifier_outbox_pending{webhook=\"good\"} 0") != std::string::npos);
  CHECK(m.find("sofy_notifier_events_total{type=\"run_started\"} 1") != std::string::npos);
  CHECK(m.find("sofy_notifier_config_last_reload_successful 1") != std::string::npos);
  CHECK(m.find("process_start_time_seconds") != std::string::npos);
  CHECK(m.find("Nightly") == std::string::npos);  // no per-schedule labels

  // A broken config: logged with its place, the old one kept.
  std::ofstream(file, std::ios::app) << "  - {name: broken\n";
  svc.reload();
  CHECK(wait_until([&] { return http_get(port, "/metrics").find("sofy_notifier_config_last_reload_successful 0") != std::string::npos; },
                   10s));
  CHECK(wait_until([&] { return logs.all().find("notifier.yaml:") != std::string::npos; }, 10s));
  CHECK(http_get(port, "/healthz") == "ok");

  svc.stop();
  REQUIRE(done.wait_for(15s) == std::future_status::ready);
  CHECK(done.get() == 0);
  const std::string log = logs.all();
  CHECK(log.find("t0ps3cretvalue") == std::string::npos);
  CHECK(log.find("/hooks/") == std::string::npos);
  CHECK(log.find(key) == std::string::npos);
  CHECK(log.find("\"level\":\"info\"") != std::string::npos);  // log_format: json
}

TEST_CASE("service: check prints a summary, or every error with its place") {
  temp_dir d;
  const auto good = d.path / "good.yaml";
  std::ofstream(good) << "sofy: {auth_key: " << key << "}\nschedules:\n  - {name: N, guid: " << guid
                      << "}\nwebhooks:\n  - {name: h, type: webhook, url: 'https://example.com/x?token=s3cr3tt0ken'}\n";
  std::ostringstream out, err;
  CHECK(check_config(good, out, err) == 0);
  CHECK(out.str().find("1 schedule, 1 webhook") != std::string::npos);
  CHECK(out.str().find("s3cr3tt0ken") == std::string::npos);
  const auto bad = d.path / "bad.yaml";
  std::ofstream(bad) << "sofy: {auth_key: " << key << "}\nbogus: 1\nschedules: []\nwebhooks: []\n";
  std::ostringstream out2, err2;
  CHECK(check_config(bad, out2, err2) == 2);
  CHECK(err2.str().find("bad.yaml:2:1:") != std::string::npos);
}

TEST_CASE("service: delivery.max_age dead-letters a row still failing; a webhook's own max_age and a reload apply") {
  sim_thread sim;
  temp_dir d;
  log_capture logs;
  // Both sinks always answer 500. 'dead' has the global limit of 1 s, 'patient' its own 1 h.
  const std::string hooks =
      hook(sim, "dead", "[run_started]") + hook(sim, "patient", "[run_started]", ", max_age: 1h");
  const std::string file =
      write_config(d, sim, hooks, "delivery: {max_age: 1s, min_backoff: 10ms, max_backoff: 50ms}\n");
  service_options o;
  o.config_file = file;
  o.handle_signals = false;
  o.log_sink = logs.sink();
  o.jitter = false;
  o.listen = listen_address{"127.0.0.1", 0};
  std::promise<std::uint16_t> started;
  o.on_started = [&](std::uint16_t port) { started.set_value(port); };
  service svc{o};
  auto done = std::async(std::launch::async, [&] { return svc.run(); });
  auto fut = started.get_future();
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
  const std::uint16_t port = fut.get();

  const std::string dead_line = "sofy_notifier_notifications_total{webhook=\"dead\",result=\"dead\"} 1";
  const std::string patient_dead = "sofy_notifier_notifications_total{webhook=\"patient\",result=\"dead\"}";
  // Polls /metrics until it has `line`; the time it took, or nullopt after `bound`.
  auto wait_metric = [&](const std::string& line, std::chrono::milliseconds bound) {
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < bound) {
      if (http_get(port, "/metrics").find(line) != std::string::npos)
        return std::optional(std::chrono::steady_clock::now() - t0);
      std::this_thread::sleep_for(20ms);
    }
    return std::optional<std::chrono::steady_clock::duration>();
  };

  REQUIRE(wait_baseline(port));
  sim.execute();
  REQUIRE(wait_until([&] { return sim.count("dead", false) > 0; }, 10s));
  REQUIRE(wait_metric(dead_line, 10s));
  // The first attempt comes right after the row is committed, so the limit is measured from
  // the time the sink recorded for it, not from when this thread noticed it.
  const auto first_attempt = sim.first_time("dead");
  const auto after = std::chrono::system_clock::now() - first_attempt;
  CHECK(after >= 800ms);
  CHECK(after <= 5s);
  CHECK(sim.count("dead", false) >= 3);  // retried until then
  CHECK(sim.count("dead", true) == 0);
  std::string m = http_get(port, "/metrics");
  CHECK(m.find("sofy_notifier_outbox_pending{webhook=\"dead\"} 0") != std::string::npos);
  CHECK(m.find("sofy_notifier_outbox_pending{webhook=\"patient\"} 1") != std::string::npos);
  CHECK(m.find("sofy_notifier_notifications_total{webhook=\"patient\",result=\"retried\"}") != std::string::npos);
  CHECK(m.find(patient_dead) == std::string::npos);  // its own 1 h limit holds
  CHECK(logs.all().find("retry age limit 1s reached") != std::string::npos);

  // A reload that shortens 'patient''s limit applies to its next attempt.
  write_config(d, sim, hook(sim, "dead", "[run_started]") + hook(sim, "patient", "[run_started]", ", max_age: 1s"),
               "delivery: {max_age: 1s, min_backoff: 10ms, max_backoff: 50ms}\n");
  svc.reload();
  CHECK(wait_metric(patient_dead + " 1", 5s));
  m = http_get(port, "/metrics");
  CHECK(m.find("sofy_notifier_outbox_pending{webhook=\"patient\"} 0") != std::string::npos);
  CHECK(m.find("sofy_notifier_config_last_reload_successful 1") != std::string::npos);

  svc.stop();
  REQUIRE(done.wait_for(15s) == std::future_status::ready);
  CHECK(done.get() == 0);
  CHECK(logs.all().find("t0ps3cretvalue") == std::string::npos);
}
