// Tests notifier/event.hpp: event names, the notify_on filter, RFC 3339 times.
#include "notifier/event.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using sofy::run_outcome;
using sofy::run_status;
using namespace sofy::notifier;

namespace {

event test_event(run_status s) {
  event e;
  e.type = event_type::test_changed;
  e.test.status = s;
  return e;
}

event finish(run_outcome o) {
  event e;
  e.type = event_type::run_finished;
  e.outcome = o;
  return e;
}

notify_on of(std::initializer_list<std::string_view> entries) {
  notify_on n;
  for (auto e : entries) REQUIRE(n.add(e));
  return n;
}

}  // namespace

TEST_CASE("event: names are pinned and read back") {
  CHECK(to_string(event_type::run_started) == "run_started");
  CHECK(to_string(event_type::test_changed) == "test_changed");
  CHECK(to_string(event_type::run_finished) == "run_finished");
  for (auto t : {event_type::run_started, event_type::test_changed, event_type::run_finished})
    CHECK(event_type_from_name(to_string(t)) == t);
  CHECK_FALSE(event_type_from_name("run_start"));
}

TEST_CASE("event: notify_on entries and the default") {
  notify_on n;
  CHECK(n.empty());
  for (auto name : notify_on::entry_names()) CHECK(notify_on{}.add(name));
  CHECK(notify_on::entry_names().size() == 12);
  CHECK_FALSE(n.add("Failed"));  // exact names only
  CHECK_FALSE(n.add("run_done"));
  CHECK(n.empty());
  CHECK(notify_on::defaults() ==
        of({"failed", "incomplete", "not_executed", "stopped", "run_finished"}));
}

TEST_CASE("event: filter, as a table of notify_on entries and events") {
  struct row {
    notify_on on;
    event e;
    bool pass;
  };
  event start;
  start.type = event_type::run_started;
  const auto d = notify_on::defaults();
  const std::vector<row> rows = {
      {d, start, false},
      {d, test_event(run_status::failed), true},
      {d, test_event(run_status::incomplete), true},
      {d, test_event(run_status::not_executed), true},
      {d, test_event(run_status::stopped), true},
      {d, test_event(run_status::passed), false},
      {d, test_event(run_status::running), false},
      {d, test_event(run_status::queued), false},
      {d, test_event(run_status::unknown), false},
      {d, finish(run_outcome::passed), true},
      {d, finish(run_outcome::failed), true},
      {of({"run_started"}), start, true},
      {of({"run_started"}), finish(run_outcome::failed), false},
      {of({"run_failed"}), finish(run_outcome::failed), true},
      {of({"run_failed"}), finish(run_outcome::passed), false},
      {of({"run_passed"}), finish(run_outcome::passed), true},
      {of({"run_passed"}), finish(run_outcome::failed), false},
      {of({"run_passed"}), test_event(run_status::passed), false},
      {of({"passed"}), test_event(run_status::passed), true},
      {of({"passed"}), finish(run_outcome::passed), false},
      {of({"queued", "running"}), test_event(run_status::running), true},
      {of({"unknown"}), test_event(run_status::unknown), true},
      {notify_on{}, test_event(run_status::failed), false},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    CHECK(filter(rows[i].e, rows[i].on) == rows[i].pass);
  }
}

TEST_CASE("event: observed_at is RFC 3339 UTC with whole seconds and Z") {
  using namespace std::chrono;
  auto t = sys_days{year{2026} / 12 / 4} + 10h + 0min + 0s;
  CHECK(format_rfc3339(t) == "2026-12-04T10:00:00Z");
  CHECK(format_rfc3339(t + 59min + 7s + 999ms) == "2026-12-04T10:59:07Z");
  CHECK(format_rfc3339(sys_days{year{1999} / 1 / 2} + 3h + 4min + 5s) == "1999-01-02T03:04:05Z");
  CHECK(format_rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("event: display names for messages") {
  CHECK(display_name(run_status::not_executed) == "Not executed");
  CHECK(display_name(run_status::passed) == "Passed");
}
