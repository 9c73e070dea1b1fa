// sofy-notifier demo: see demo.hpp.
#include "notifier/demo.hpp"

#include "notifier/service.hpp"

#include "sim/engine.hpp"
#include "sim/render.hpp"
#include "sim/scenario.hpp"
#include "sim/serve.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include <fmt/format.h>

#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace sofy::notifier {

// sim/scenarios/notifier-demo.yaml, generated at build time (notifier/embed.cmake).
extern const std::string_view notifier_demo_scenario;

namespace {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

// A private directory for the config and the state file, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "sofy-notifier-demo-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::system_error(errno, std::generic_category(), "demo: cannot create " + tmpl);
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const noexcept { return path_; }

 private:
  fs::path path_;
};

// What each kind of sink is told about, chosen to show a little of everything.
std::string webhook_entry(const sim::hook_spec& h, std::uint16_t port) {
  const std::string url = fmt::format("http://127.0.0.1:{}/hooks/{}", port, h.name);
  switch (h.style) {
    case sim::hook_style::slack:
      return fmt::format(
          "  - name: {}\n    type: slack\n    url: {}\n    mention: \"<!here>\"\n"
          "    notify_on: [run_started, passed, failed, incomplete, not_executed, stopped, "
          "run_finished]\n",
          h.name, url);
    case sim::hook_style::teams:
      return fmt::format(
          "  - name: {}\n    type: teams\n    url: {}\n    mention: qa-lead@example.com\n", h.name,
          url);
    case sim::hook_style::webhook:
      return fmt::format(
          "  - name: {}\n    type: webhook\n    url: {}\n    secret: demo-signing-secret\n"
          "    notify_on: [run_started, failed, run_finished]\n",
          h.name, url);
  }
  return {};
}

std::string demo_config(const sim::scenario& sc, std::uint16_t port, const fs::path& dir,
                        std::chrono::milliseconds poll) {
  std::string c = fmt::format(
      "sofy:\n  base_url: http://127.0.0.1:{}\n  auth_key: {}\n  request_timeout: 5s\n"
      "poll_interval: {}ms\nstate_file: {}\nlog_level: info\nschedules:\n",
      port, sc.auth_key, poll.count(), (dir / "state.db").string());
  for (const auto& s : sc.schedules)
    if (!s.web) c += fmt::format("  - name: \"{}\"\n    guid: {}\n", s.name, s.guid);
  c += "webhooks:\n";
  for (const auto& h : sc.hooks) c += webhook_entry(h, port);
  return c;
}

// "2026-12-04T10:00:00.123Z level=info msg=..." without the time: the demo prints its own.
std::string_view without_time(std::string_view line) {
  if (!line.empty() && line.front() >= '0' && line.front() <= '9') {
    if (auto sp = line.find(' '); sp != std::string_view::npos) return line.substr(sp + 1);
  }
  return line;
}

}  // namespace

int run_demo(const demo_options& o) {
  std::ostream& out = o.out ? *o.out : std::cout;
  std::mutex out_mu;  // the simulator's thread and the service's thread both print
  const auto t0 = steady::now();
  auto stamp = [t0] {
    return fmt::format("[{:5.1f}s] ", std::chrono::duration<double>(steady::now() - t0).count());
  };

  try {
    sim::scenario sc = o.scenario.empty()
                           ? sim::parse_scenario(notifier_demo_scenario, "notifier-demo.yaml")
                           : sim::load_scenario(o.scenario.string());
    sim::engine eng{sc, sim::sim_clock::now()};

    std::map<std::string, int> received;  // per hook, answered 2xx
    std::optional<steady::time_point> run_finished_at;
    std::mutex state_mu;
    std::condition_variable wake;
    std::map<std::string, bool> seen_groups;

    eng.on_hook([&](const sim::hook_delivery& d) {
      const std::string text = sim::render_delivery(d, o.show_json);
      {
        std::lock_guard lock{out_mu};
        out << "\n" << stamp() << text;
        if (!text.empty() && text.back() != '\n') out << "\n";
        out << std::flush;
      }
      std::lock_guard lock{state_mu};
      if (d.status >= 200 && d.status < 300) ++received[d.hook];
      if (d.headers.get("X-Sofy-Event") == std::optional<std::string_view>("run_finished"))
        run_finished_at = steady::now();
      wake.notify_all();
    });
    eng.on_request([&](const sim::request_record& r) {
      if (r.route != sim::route::status || r.group.empty() || seen_groups[r.group]) return;
      seen_groups[r.group] = true;
      std::lock_guard lock{out_mu};
      out << stamp() << "sofy: the notifier found run group " << r.group
          << " and follows its tests\n"
          << std::flush;
    });

    asio::io_context io{1};
    http::server srv{
        io.get_executor(), {asio::ip::make_address("127.0.0.1"), 0}, sim::handler(eng)};
    const auto port = srv.local_endpoint().port();
    std::thread sim_thread{[&io] { io.run(); }};
    struct join_sim {
      asio::io_context& io;
      http::server& srv;
      std::thread& t;
      ~join_sim() {
        srv.stop();
        io.stop();
        if (t.joinable()) t.join();
      }
    } sim_guard{io, srv, sim_thread};

    temp_dir dir;
    const fs::path config = dir.path() / "config.yaml";
    std::ofstream(config) << demo_config(sc, port, dir.path(), o.poll_interval);

    {
      std::lock_guard lock{out_mu};
      out << "== sofy-notifier demo: a simulated Sofy (" << sc.source
          << ") on http://127.0.0.1:" << port << ", with recording sinks";
      for (const auto& h : sc.hooks) out << " " << h.name;
      out << "\n== the notifier polls every " << o.poll_interval.count()
          << " ms. Its first poll records what exists (yesterday's run) as the baseline and "
             "sends nothing;\n== a new run then appears, and every change the sinks "
             "subscribe to is posted to them as shown below.\n\n"
          << std::flush;
    }

    service_options so;
    so.config_file = config;
    so.handle_signals = true;  // Ctrl-C ends the demo cleanly
    so.jitter = false;         // the baseline comes at once, before the new run appears
    so.shutdown_grace = std::chrono::seconds(5);
    so.log_sink = [&](std::string_view line) {
      if (!o.show_log) return;
      std::lock_guard lock{out_mu};
      out << stamp() << "notifier: " << without_time(line) << "\n" << std::flush;
    };
    service svc{so};

    // Ends the service a few seconds after the run has finished (the chat sinks are paced),
    // or at max_duration.
    std::atomic<bool> done{false};
    std::thread stopper{[&] {
      std::unique_lock lock{state_mu};
      const auto deadline = t0 + o.max_duration;
      while (!done) {
        const auto now = steady::now();
        if (now >= deadline ||
            (run_finished_at && now - *run_finished_at >= std::chrono::seconds(3))) {
          lock.unlock();
          svc.stop();
          return;
        }
        wake.wait_for(lock, std::chrono::milliseconds(100));
      }
    }};
    const int rc = svc.run();
    {
      std::lock_guard lock{state_mu};
      done = true;
    }
    wake.notify_all();
    stopper.join();

    std::lock_guard lock{out_mu};
    std::lock_guard state_lock{state_mu};
    out << "\n== " << stamp() << "done. Messages delivered:";
    bool every_sink = true;
    for (const auto& h : sc.hooks) {
      out << " " << h.name << " " << received[h.name];
      every_sink = every_sink && received[h.name] > 0;
    }
    out << ".\n== Run it for real: sofy-notifier check --config FILE, then sofy-notifier run "
           "--config FILE (notifier/README.md).\n"
        << std::flush;
    if (rc != 0) {
      out << "== the notifier service exited " << rc << "\n";
      return 1;
    }
    return every_sink ? 0 : 1;
  } catch (const std::exception& e) {
    std::lock_guard lock{out_mu};
    std::cerr << "sofy-notifier demo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace sofy::notifier
