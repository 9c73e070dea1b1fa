// What sofy-run prints and writes: the human table, the --json objects, the JUnit XML
// report and the progress lines of --wait. Pure functions from values to text: no I/O.
//
// --json (pinned fields first, then sofy-run's additions):
//   status, trigger --wait:
//     {"schedule","group","outcome":"passed|failed|running",
//      "tests":[{"scenario","device","build","status","raw_status"}],
//      "counts":{"total","queued","running","passed","failed","incomplete","not_executed","stopped","unknown"},
//      "name"}                        name: the schedule's name as the service reports it, or ""
//     trigger --wait adds "timed_out" and "interrupted" (booleans), "elapsed_ms", and
//     "app_hash" when it uploaded the build.
//   trigger without --wait: {"schedule","group","message"} (+ "app_hash" after --upload)
//   groups:  {"schedule","groups":[{"id","executed_at","state","raw_state","message"}]}
//            (state: queued, running, complete, complete_with_errors, unknown; newest first)
//   abort:   {"schedule","group":ID or null,"message"}
//   upload:  {"file","app_hash","message"}
// `status` is the snake_case run_status name; `raw_status` the service's text.
//
// JUnit (--junit FILE): one <testsuite> for the run group (name: the schedule's name,
// else its GUID), one <testcase name=SCENARIO classname=DEVICE> per test, and a
// <failure type=STATUS message=RAW_STATUS> for failed, incomplete, not_executed and
// stopped. A report cut short (--timeout ran out, a signal, an API error) still shows
// every test known: those not finished get <failure type="timeout">, "interrupted" or
// "error", so a run that did not finish never looks green. Every attribute and text is
// escaped; characters XML 1.0 forbids (most control characters) are dropped and invalid
// UTF-8 becomes U+FFFD.
#pragma once

#include <sofy/model.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sofy_run {

// Why a report may hold tests that have not finished.
enum class cut_short {
  no,           // the wait ended normally (or the report is a one-off status)
  timeout,      // --timeout ran out
  interrupted,  // SIGINT or SIGTERM
  error,        // a poll failed (API or transport error)
};

struct run_report {
  std::string schedule;       // GUID
  std::string group;          // run group id
  sofy::group_status status;  // the last status seen; no tests when none was
  std::string app_hash;       // the build sofy-run uploaded, if it did
  cut_short cut = cut_short::no;
  std::string cut_message;  // one line: why it was cut short (never a secret)
  bool waited = false;      // trigger --wait: adds the wait's fields to the JSON
  std::chrono::system_clock::time_point started{};  // when the wait began
  std::chrono::milliseconds elapsed{0};             // how long it took
  std::string hostname = "localhost";               // JUnit's testsuite hostname
};

// The schedule's name as the tests report it (scheduledRunName), or "".
std::string schedule_name(const sofy::group_status& s);

// The human table:
//   Nightly smoke (schedule 0B6E...), run group 100001
//   SCENARIO  DEVICE      BUILD      STATUS
//   Login     Pixel 7     1.4.0(77)  passed
//   Checkout  Galaxy S23  1.4.0(77)  failed
//   6 tests: 5 passed, 1 failed
//   outcome: failed
// The status column adds the service's text in parentheses when it says more than the
// name ("running (Setting up Device)"). Control characters in the service's strings are
// dropped, so a name cannot move the terminal's cursor.
std::string render_table(const run_report& r);

// "6 tests: 5 passed, 1 failed" (only the statuses present, in run_status order).
std::string render_counts(const sofy::status_counts& n);

// The --json object of status and trigger --wait, one line with a trailing newline.
std::string render_json(const run_report& r);

// trigger without --wait.
std::string render_trigger_json(const std::string& schedule, const std::string& group,
                                const std::string& message, const std::string& app_hash);

// groups: the table (ID, EXECUTED AT, STATE, MESSAGE) and the JSON object.
std::string render_groups_table(const std::string& schedule,
                                const std::vector<sofy::run_group>& groups);
std::string render_groups_json(const std::string& schedule,
                               const std::vector<sofy::run_group>& groups);

// abort and upload.
std::string render_abort_json(const std::string& schedule, const std::optional<std::string>& group,
                              const std::string& message);
std::string render_upload_json(const std::string& file, const sofy::upload_result& r);

// The JUnit XML document (UTF-8, with the XML declaration).
std::string render_junit(const run_report& r);

// The progress lines of --wait for one poll's status, given the one before it (nullptr
// on the first poll), `elapsed` since the wait began:
//   [  0.0s] run group 100001: 6 tests: 6 queued
//   [  2.1s] Login on Pixel 7: queued -> running
//   [  2.1s] 6 tests: 5 queued, 1 running
std::string render_progress(const sofy::group_status* before, const sofy::group_status& now,
                            std::chrono::milliseconds elapsed);

// XML 1.0 character data or attribute value (for attributes, also quotes, tab, CR and LF
// as character references so that attribute normalisation keeps them).
std::string xml_escape(std::string_view text, bool attribute);

// Text from the service made safe for a terminal: C0 and C1 control characters and DEL
// dropped (tab and newline become a space).
std::string printable(std::string_view text);

}  // namespace sofy_run
