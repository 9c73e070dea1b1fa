#include "notifier/event.hpp"

#include <fmt/format.h>

namespace sofy::notifier {
namespace {

constexpr std::array<std::string_view, 12> entries = {
    "run_started", "run_finished", "run_failed", "run_passed",   "queued",  "running",
    "passed",      "failed",       "incomplete", "not_executed", "stopped", "unknown"};

}  // namespace

std::string_view to_string(event_type t) noexcept {
  switch (t) {
    case event_type::run_started: return "run_started";
    case event_type::test_changed: return "test_changed";
    case event_type::run_finished: return "run_finished";
  }
  return "unknown";
}

std::optional<event_type> event_type_from_name(std::string_view name) noexcept {
  for (auto t : {event_type::run_started, event_type::test_changed, event_type::run_finished})
    if (to_string(t) == name) return t;
  return std::nullopt;
}

notify_on notify_on::defaults() {
  notify_on n;
  for (auto e : {"failed", "incomplete", "not_executed", "stopped", "run_finished"}) n.add(e);
  return n;
}

bool notify_on::add(std::string_view entry) {
  if (entry == "run_started") return run_started = true;
  if (entry == "run_finished") return run_finished = true;
  if (entry == "run_failed") return run_failed = true;
  if (entry == "run_passed") return run_passed = true;
  if (auto s = run_status_from_name(entry)) return statuses[static_cast<std::size_t>(*s)] = true;
  return false;
}

bool notify_on::empty() const noexcept {
  if (run_started || run_finished || run_failed || run_passed) return false;
  for (bool b : statuses)
    if (b) return false;
  return true;
}

std::span<const std::string_view> notify_on::entry_names() noexcept { return entries; }

bool filter(const event& e, const notify_on& on) noexcept {
  switch (e.type) {
    case event_type::run_started: return on.run_started;
    case event_type::run_finished:
      return on.run_finished || (on.run_failed && e.outcome == run_outcome::failed) ||
             (on.run_passed && e.outcome == run_outcome::passed);
    case event_type::test_changed: return on.has(e.test.status);
  }
  return false;
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto days = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{secs - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string_view display_name(run_status s) noexcept {
  switch (s) {
    case run_status::queued: return "Queued";
    case run_status::running: return "Running";
    case run_status::passed: return "Passed";
    case run_status::failed: return "Failed";
    case run_status::incomplete: return "Incomplete";
    case run_status::not_executed: return "Not executed";
    case run_status::stopped: return "Stopped";
    case run_status::unknown: return "Unknown";
  }
  return "Unknown";
}

}  // namespace sofy::notifier
