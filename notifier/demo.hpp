// `sofy-notifier demo`: the notifier against a simulated Sofy, with no account and no
// network. It runs sofy-sim's engine in-process on 127.0.0.1 (an ephemeral port) with
// the scenario sim/scenarios/notifier-demo.yaml (embedded at build time), writes a
// temporary config whose Slack, Teams and webhook sinks are the simulator's recording
// hooks, and runs the notifier service against it while the scenario's run goes
// Queued -> Running -> Passed/Failed: first the baseline (yesterday's run is recorded,
// nothing is sent), then each message as Slack and Teams would show it and each webhook
// body, as they arrive. It stops a few seconds after the run has finished (or at
// `max_duration`, or on Ctrl-C), removes its temporary files and returns 0; 1 if
// something broke (the service failed, or no message arrived at all).
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>

namespace sofy::notifier {

struct demo_options {
  std::chrono::milliseconds max_duration{40'000};  // the demo run takes about 20 s
  std::chrono::milliseconds poll_interval{1'000};
  bool show_json = false;          // Slack and Teams payloads also as JSON
  bool show_log = true;            // the service's own log lines (info and above)
  std::filesystem::path scenario;  // empty: the embedded notifier-demo.yaml
  std::ostream* out = nullptr;     // nullptr: std::cout
};

int run_demo(const demo_options& options);

}  // namespace sofy::notifier
