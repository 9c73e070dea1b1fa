// The sofy-notifier service: config, state store, watchers, relays, /metrics, signals.
//
//   sofy::notifier::service_options o;
//   o.config_file = "/etc/sofy-notifier.yaml";
//   return sofy::notifier::service{o}.run();     // until SIGTERM/SIGINT (or stop())
//
// run() modes (DESIGN.md "sofy-notifier", pinned):
//   long-running  polls every schedule, delivers through one relay per webhook, serves
//                 /metrics and /healthz when `listen` is set. SIGTERM/SIGINT: polling stops,
//                 requests in flight get up to shutdown_grace to finish, then exit 0.
//                 SIGHUP: reload; an invalid config is logged (each diagnostic) and the old
//                 one kept; a valid one replaces watchers and relays (removed schedules
//                 stop, added ones start, kept ones keep their state; the `delivery:`
//                 settings apply from each relay's next attempt, a retry already
//                 scheduled keeps its time). Pending rows of a webhook no longer
//                 configured stay queued and are reported as a warning.
//   once          one poll of every schedule, then one attempt of every pending row (due or
//                 not); 0 when nothing configured is left pending, 1 otherwise (a poll that
//                 failed counts as something left to do).
//   dry_run       prints every payload (webhook name, headers, pretty-printed body) on `out`
//                 instead of posting it; nothing is committed or marked (the state moves on
//                 in memory only). Rows already pending are printed once, at the start.
// Exit codes: 0 as above, 1 (once: something left; or a runtime failure such as a state
// file that cannot be opened), 2 for a config that does not load.
//
// No Asio in this header: main.cpp and the demo include it cheaply.
#pragma once

#include "notifier/config.hpp"
#include "notifier/log.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>

namespace sofy::notifier {

struct service_options {
  std::filesystem::path config_file;
  bool once = false;
  bool dry_run = false;
  std::optional<log_level> level;  // overrides the config's log_level (run --log-level)
  bool handle_signals = true;      // SIGTERM, SIGINT, SIGHUP (off for in-process use)
  std::ostream* out = nullptr;     // dry-run payloads; nullptr: std::cout
  logger::sink_fn log_sink;        // log lines; empty: stderr
  env_lookup env = process_environment;
  bool jitter = true;  // false: every schedule's first poll at once (tests, demos)
  std::chrono::milliseconds shutdown_grace{10'000};
  // Overrides the config's `listen` (port 0: a free port, reported to on_started).
  std::optional<listen_address> listen;
  // Called once the service runs (watchers started, /metrics listening on `metrics_port`,
  // 0 without `listen`), on the service's thread.
  std::function<void(std::uint16_t metrics_port)> on_started;
};

class service {
 public:
  explicit service(service_options options);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Runs on the calling thread until done (see the modes above); returns the exit code.
  int run();

  // From any thread: what SIGTERM and SIGHUP do. Harmless before run() and after it.
  void stop();
  void reload();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// `sofy-notifier check`: 0 and "config OK: N schedules, M webhooks" on `out`, or 2 and
// every diagnostic as FILE:LINE:COL: message on `err`. Never prints a secret.
int check_config(const std::filesystem::path& file, std::ostream& out, std::ostream& err,
                 env_lookup env = process_environment);

// A JSON text indented by two spaces (the text as it is when it is not JSON).
std::string pretty_json(std::string_view text);

}  // namespace sofy::notifier
