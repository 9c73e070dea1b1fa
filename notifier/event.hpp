// What the notifier tells sinks about: events found by detection, the notify_on
// filter a webhook applies to them, and a batch (one schedule's events of one poll).
//
// Pinned (DESIGN.md "sofy-notifier"): the event names, the notify_on entries, and the
// fields the generic webhook body carries.
#pragma once

#include <sofy/model.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::notifier {

enum class event_type {
  run_started,   // a run group not seen before
  test_changed,  // a test's status differs from the last one recorded
  run_finished,  // every test of the group is terminal; carries outcome, counts, tests
};

// "run_started", "test_changed", "run_finished" (pinned: X-Sofy-Event and "event").
std::string_view to_string(event_type t) noexcept;
std::optional<event_type> event_type_from_name(std::string_view name) noexcept;

// Which schedule an event belongs to.
struct schedule_ref {
  std::string name;
  std::string guid;
  friend bool operator==(const schedule_ref&, const schedule_ref&) = default;
};

struct event {
  // Stable: detecting again from the same saved state and the same observation gives
  // the same id (so a redelivery after a crash carries the same X-Sofy-Delivery), and
  // two different transitions never share one. A version-8 UUID.
  std::string id;
  event_type type = event_type::run_started;
  schedule_ref schedule;
  std::string group;  // the run group id
  std::chrono::system_clock::time_point observed_at;

  // The group as it was observed, for every event type (the chat sinks summarise it;
  // the webhook body carries outcome and counts only for run_finished, as pinned).
  run_outcome outcome = run_outcome::running;
  status_counts counts;

  // test_changed: the test as now observed, and the status recorded before.
  // previous_status is empty when the test had not been seen before (the tests of a
  // new group, or a test added to a known one); the webhook body shows null.
  test_run test;
  std::optional<run_status> previous_status;

  // run_finished: every test of the group.
  std::vector<test_run> tests;

  friend bool operator==(const event&, const event&) = default;
};

// A webhook's notify_on list. Entries (pinned): run_started, run_finished, run_failed,
// run_passed, and the test statuses queued, running, passed, failed, incomplete,
// not_executed, stopped, unknown.
//   run_started       every run_started event
//   run_finished      every run_finished event
//   run_failed        run_finished events whose outcome is failed
//   run_passed        run_finished events whose outcome is passed
//   <status>          test_changed events whose new status is <status>
struct notify_on {
  bool run_started = false;
  bool run_finished = false;
  bool run_failed = false;
  bool run_passed = false;
  std::array<bool, 8> statuses{};  // indexed by run_status

  // The default: failed, incomplete, not_executed, stopped, run_finished.
  static notify_on defaults();

  // Adds one entry; false when the name is not an entry.
  bool add(std::string_view entry);

  bool has(run_status s) const noexcept { return statuses[static_cast<std::size_t>(s)]; }
  bool empty() const noexcept;

  // Every entry name, in the order above.
  static std::span<const std::string_view> entry_names() noexcept;

  friend bool operator==(const notify_on&, const notify_on&) = default;
};

// Whether a webhook with this notify_on list is told about the event.
bool filter(const event& e, const notify_on& on) noexcept;

// One schedule's events from one poll that pass one webhook's filter, in the order
// detection produced them. Chat sinks render a batch as one message; the generic
// webhook sink as one request per event.
struct batch {
  schedule_ref schedule;
  std::vector<event> events;
};

// RFC 3339 in UTC with whole seconds: "2026-12-04T10:00:00Z" (pinned: observed_at).
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Human-readable status for messages: "Passed", "Not executed", ...
std::string_view display_name(run_status s) noexcept;

}  // namespace sofy::notifier
