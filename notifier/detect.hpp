// Change detection: a pure function from (saved state, what one poll saw) to events
// and the next state. No I/O, no clock: `now` is passed in.
//
// Rules (the pinned ones are DESIGN.md's):
// - Baseline (pinned): a schedule with no saved state records what it sees and emits
//   nothing.
// - A run group not recorded before, and newer than every group the state has let go
//   of, gives run_started, then one test_changed per test it already has (previous
//   status empty: "first seen"), then run_finished if it is already finished. So a run
//   that started and finished between two polls is reported in full. notify_on
//   decides what is sent: by default queued/running tests are not.
// - A test whose status (the enum, not the raw text: "Running" -> "In Progress" is
//   silent) differs from the recorded one gives test_changed with previous_status.
//   A test that appears in a known group gives test_changed with no previous status.
//   A test missing from a later poll keeps its record and gives nothing.
// - A group going from not finished to finished (every test terminal) gives one
//   run_finished. If it re-opens (a test re-runs) and finishes again, that is a new
//   run_finished with a new id.
// - Ids are stable: the same saved state and the same observation give the same ids,
//   so re-detecting after a crash re-creates the same deliveries; every transition of
//   a test counts, so a test failing, re-running and failing again in one group never
//   reuses an id; and the baseline's time is part of them, so a state that is lost and
//   re-baselined does not reuse ids either.
// - The state stays bounded: at most max_groups groups, dropping the oldest finished
//   ones first (never more than 2 * max_groups, even if that many are unfinished).
//   Groups older than a dropped one are ignored from then on, so the run-group list's
//   history never comes back as "new". Only the newest detailed_finished finished
//   groups keep their tests' statuses (for re-runs of a finished group, whose
//   unchanged tests then stay silent); older finished groups keep their id only.
// - Within one poll, events come oldest group first; within a group run_started, then
//   test_changed in the order of the status answer, then run_finished. A status whose
//   group_id is empty is ignored. When a test appears twice in one answer (same
//   scenario and device), the last one counts.
#pragma once

#include "notifier/event.hpp"

#include <sofy/model.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::notifier {

// What the state remembers of one test of a group. The test is known by a 64-bit hash
// of test_run::key() (scenario + '\x1f' + device), which keeps the state small: some
// 16 bytes a test, for ten thousand schedules at once.
struct test_record {
  std::uint64_t key = 0;  // test_key_hash()
  run_status status = run_status::unknown;
  std::uint32_t transitions = 0;  // status changes recorded; part of each test_changed id
  friend bool operator==(const test_record&, const test_record&) = default;
};

// FNV-1a (64 bit) of scenario + '\x1f' + device: stable across builds and platforms.
std::uint64_t test_key_hash(const test_run& t) noexcept;

struct group_record {
  std::string id;
  std::string executed_at;  // from the run-group list, for ordering
  bool finished = false;
  std::uint32_t finishes = 0;  // run_finished events emitted; part of their ids
  std::uint32_t reopens = 0;   // finished, then active again; part of test_changed ids
  // The tests are not known: a finished group past the newest few keeps no test
  // records (the state stays small), nor does a finished group a baseline saw only in
  // the list. Should it re-open, its tests count as first seen.
  bool compacted = false;
  std::vector<test_record> tests;  // sorted by key
  friend bool operator==(const group_record&, const group_record&) = default;
};

// Everything detection needs to remember about one schedule. Default-constructed means
// "no saved state": the next detection records a baseline.
struct schedule_state {
  bool initialized = false;
  // When the baseline was taken (RFC 3339, milliseconds). Part of every event id, so
  // that a schedule whose state was lost and re-baselined never repeats an old id.
  std::string epoch;
  std::vector<group_record> groups;  // newest first
  // The newest group ever dropped; listed groups not newer than it are ignored.
  std::optional<run_group> horizon;
  friend bool operator==(const schedule_state&, const schedule_state&) = default;
};

// What one poll of a schedule saw.
struct observation {
  schedule_ref schedule;
  std::vector<run_group> groups;       // the run-group list as answered (any order)
  std::vector<group_status> statuses;  // the groups whose status was fetched this time
};

struct detection {
  schedule_state next;
  std::vector<event> events;
  bool changed = false;  // next differs from the saved state (else there is nothing to store)
};

struct detect_options {
  std::size_t max_groups = 20;
  std::size_t detailed_finished = 2;
};

detection detect(const schedule_state& saved, const observation& fresh,
                 std::chrono::system_clock::time_point now, const detect_options& options = {});

// The groups of the list whose status the next poll should fetch, newest first: new
// groups, groups recorded as unfinished, and finished ones the list shows active
// again; at most max_groups. Without saved state (a baseline), only the groups the
// list shows active (queued, running, unknown).
std::vector<std::string> groups_to_poll(const schedule_state& saved,
                                        const std::vector<run_group>& listed,
                                        const detect_options& options = {});

// Which of the events a webhook is told about: filter(event, notify_on), in event.hpp.

// The state as text, to be saved as one blob per schedule: versioned JSON,
//   {"version":1,"initialized":true,"epoch":"...","horizon":{"id":..,"executed_at":..}|null,
//    "groups":[{"id","executed_at","finished","finishes","reopens","compacted",
//               "tests":[{"key":"<16 hex digits>","status","transitions"}]}]}
inline constexpr int state_format_version = 1;
std::string serialize_state(const schedule_state& s);

// Reads what serialize_state wrote (any version up to state_format_version). Throws
// state_format_error saying what is wrong and where ("groups[2].tests[0].status:
// unknown status 'x'").
schedule_state parse_state(std::string_view text);

struct state_format_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace sofy::notifier
