// The Sofy value types: test runs, run groups, statuses, and what the API answers.
//
// Plain values with no I/O and no dependency on the rest of the library, so that
// the decoders, the notifier's change detection and the renderers can share them.
// Strings are kept as the service sent them; enums are the normalised meaning.
#pragma once

#include <sofy/detail/config.hpp>  // SOFY_DECL only: a leaf of macros, no code

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sofy {

// ---------------------------------------------------------------------------
// Test-run status

// The status of one test run (one scenario on one device).
enum class run_status {
  queued,        // Queued, Scheduled, In Queue, Waiting for Device
  running,       // Running, In Progress, Setting up Device, Downloading App, Parsing App,
                 // Loading Scenarios, Finalizing
  passed,        // Passed
  failed,        // Failed
  incomplete,    // Incomplete: device unavailable or connection lost
  not_executed,  // Not Executed: not run, e.g. an internal server error
  stopped,       // Stopped, Run Stopped, Stopped by User, Cancelled (or Canceled) by User
  unknown,       // anything else; not terminal, the raw text is kept in test_run::raw_status
};

// The snake_case name: "queued", ..., "not_executed", "unknown". Pinned: it is the
// `status` of sofy-run's --json output and of the notifier's webhook payloads.
SOFY_DECL std::string_view to_string(run_status s) noexcept;

// The meaning of a status as the service spells it. Letters are compared without
// regard to case, and spaces, tabs, '_' and '-' are ignored, so "Not Executed",
// "NOT_EXECUTED" and "notexecuted" agree. Anything not listed above is
// run_status::unknown. Never throws.
SOFY_DECL run_status parse_run_status(std::string_view raw) noexcept;

// The inverse of to_string: exactly the snake_case names, nothing else (for configs
// and saved state, where a typo must be an error, not `unknown`).
SOFY_DECL std::optional<run_status> run_status_from_name(std::string_view snake) noexcept;

// Terminal: passed, failed, incomplete, not_executed, stopped. A test in a terminal
// status will not change again within its run group.
SOFY_DECL bool is_terminal(run_status s) noexcept;

// A terminal status other than passed: failed, incomplete, not_executed, stopped.
SOFY_DECL bool is_failure(run_status s) noexcept;

// ---------------------------------------------------------------------------
// One test run and the status of a run group

struct test_run {
  std::string scenario;
  std::string device;  // the legacy shape has none: Manufacturer + " " + Model
  std::string build;   // the legacy shape: Version[.CodeName](BuildNumber)
  run_status status = run_status::unknown;
  std::string raw_status;     // as sent, e.g. "Run Stopped"
  std::string schedule_name;  // scheduledRunName / Scheduled_Name
  std::string group_id;       // testRunGroupId when present
  std::string scheduled_at;   // raw ISO-8601 text as sent (the legacy shape has no zone)

  // Stable identity of the test within its group: scenario + '\x1f' + device.
  SOFY_DECL std::string key() const;

  friend bool operator==(const test_run&, const test_run&) = default;
};

// How many tests of a group are in each status.
struct status_counts {
  std::size_t total = 0;
  std::size_t queued = 0;
  std::size_t running = 0;
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t incomplete = 0;
  std::size_t not_executed = 0;
  std::size_t stopped = 0;
  std::size_t unknown = 0;

  // The count for one status.
  SOFY_DECL std::size_t of(run_status s) const noexcept;

  friend bool operator==(const status_counts&, const status_counts&) = default;
};

// The outcome of a whole run group.
enum class run_outcome { running, passed, failed };

// "running", "passed", "failed" (pinned, as to_string(run_status)).
SOFY_DECL std::string_view to_string(run_outcome o) noexcept;

// The answer of GET .../status/:testRunGroupId.
struct group_status {
  std::string group_id;  // from the tests when they carry it; the client fills it in otherwise
  std::vector<test_run> tests;
  std::string message;  // e.g. "Fetched 1 record(s)."

  SOFY_DECL status_counts counts() const noexcept;

  // running while any test is not terminal or there are no tests yet; passed when
  // every test passed; failed otherwise.
  SOFY_DECL run_outcome outcome() const noexcept;

  // At least one test, and every test terminal.
  SOFY_DECL bool finished() const noexcept;
};

// ---------------------------------------------------------------------------
// Run groups (GET .../test-run-groups)

enum class group_state { queued, running, complete, complete_with_errors, unknown };

// "queued", "running", "complete", "complete_with_errors", "unknown".
SOFY_DECL std::string_view to_string(group_state s) noexcept;

// "Queued", "Running", "Complete", "Complete with errors", compared as parse_run_status
// does; anything else is group_state::unknown. Never throws.
SOFY_DECL group_state parse_group_state(std::string_view raw) noexcept;

struct run_group {
  std::string id;           // testRunGroupId, as text even when sent as a number
  std::string executed_at;  // raw ISO-8601 text as sent
  group_state state = group_state::unknown;
  std::string raw_state;  // as sent, e.g. "Complete with errors"
  std::string message;

  friend bool operator==(const run_group&, const run_group&) = default;
};

// Whether `a` ran after `b`: by executed_at (parse_timestamp), then by id compared as
// a number. A group whose time cannot be read counts as older than one whose can.
SOFY_DECL bool newer(const run_group& a, const run_group& b) noexcept;

// The newest group (the "latest run" of a schedule) by `newer`, or nullptr when empty.
SOFY_DECL const run_group* latest_group(const std::vector<run_group>& groups) noexcept;

// ---------------------------------------------------------------------------
// Other answers

// The answer of POST .../execute.
struct trigger_result {
  // The run group started, when the answer names it. When it does not, find the run
  // through the run-group list (the newest one executed after the trigger).
  std::optional<std::string> group_id;
  std::string message;
};

struct app_build {
  std::string app_hash, build_id, name, package_name;
  friend bool operator==(const app_build&, const app_build&) = default;
};

struct application {
  std::string guid, platform, name;
  std::vector<app_build> builds;
  friend bool operator==(const application&, const application&) = default;
};

struct device {
  std::string name, manufacturer, os_version, serial, state;
  friend bool operator==(const device&, const device&) = default;
};

// The answer of POST /parser-microservice/build-upload.
struct upload_result {
  std::string app_hash;
  std::string message;
};

// ---------------------------------------------------------------------------
// Helpers

// Whether the text is a GUID: 8-4-4-4-12 hex digits, either case, nothing around it.
// The auth key and schedule ids are GUIDs; the service answers a non-GUID auth key
// with a 500 "Invalid GUID", so check it locally and say so.
SOFY_DECL bool is_guid(std::string_view s) noexcept;

using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// Reads the service's ISO-8601 timestamps: "2023-10-24T06:14:39.200Z",
// "2022-10-07T20:39:26.02" (no zone: taken as UTC), "...+02:00", a space instead of
// 'T', any number of fractional digits (truncated to milliseconds). nullopt if it is
// not such a timestamp or names an impossible date or time.
SOFY_DECL std::optional<timestamp> parse_timestamp(std::string_view iso) noexcept;

}  // namespace sofy

#if SOFY_HEADER_ONLY
#include <sofy/impl/model.ipp>
#endif
