// The simulator's scenario: a YAML file turned into typed values.
//
//   auto sc = sofy::sim::load_scenario("sim/scenarios/demo.yaml");   // throws scenario_error
//
// Every problem in the file is reported, not only the first, each as
// `FILE:LINE:COL: message` (1-based, as editors count). sim/README.md documents the format.
//
// I/O-free apart from reading the file itself: no sockets, no Asio.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sofy::sim {

using std::chrono::milliseconds;

// The four trigger answers the service is known to give, and one without any id.
enum class trigger_form {
  data_array,          // {"data":[{"scheduleTestRunsGroupID":123456}],"message":"..."}
  test_groups_run_id,  // {"testGroupsRunId":"123456","message":"..."}
  legacy,              // {"Message":"...","ScheduleTestRunsGroupID":123456}
  test_run_group_id,   // {"testRunGroupId":"123456","message":"..."}
  none,                // {"message":"..."}: the client must find the run in the run-group list
};

// How group ids are written in answers. `automatic`: the trigger answer uses the type its
// form is documented with (a number for data_array and legacy, a string otherwise); the
// status and run-group answers use strings.
enum class id_type { automatic, number, string };

// The shape of GET .../status/:testRunGroupId.
enum class status_shape {
  current,      // {"data":[{scheduledRunName, testRunGroupId, scenarioName, ...}],"message":"..."}
  legacy,       // [{Scheduled_Name, ScenarioName, ..., Statusvalue}]
  data_object,  // {"data":{...one test...},"message":"..."}
};

// The shape of GET .../test-run-groups.
enum class groups_shape {
  array,  // [{testRunGroupId, executedAt, status, message}]
  data,   // {"data":[...],"message":"..."}
};

// One step of a test's status timeline. A step lasts `polls` status requests of its group,
// or `duration` of time since the group started; the last step holds for ever.
struct timeline_step {
  std::string status;  // served exactly as written
  std::uint64_t polls = 0;
  milliseconds duration{0};
};

enum class timeline_clock { polls, time };

struct test_spec {
  std::string scenario;
  std::string device;
  std::string build;
  // The legacy shape's fields; derived from device ("Apple iPhone13,2") and build
  // ("1.4.0(77)") unless given.
  std::string manufacturer, model, version, code_name, build_number;
  timeline_clock clock = timeline_clock::polls;
  std::vector<timeline_step> timeline;  // never empty
};

// A run group that exists when the simulator starts.
struct group_spec {
  std::string id;
  // When it ran: a time before the simulator started (`executed_at: -2h`), or an absolute
  // ISO-8601 text served as written.
  milliseconds executed_ago{0};
  std::optional<std::string> executed_at;
  // Hidden from every answer until this long after the simulator starts (a run started
  // from the web UI, which a watcher must discover through the run-group list).
  milliseconds appears_after{0};
  // Served instead of the state derived from the tests.
  std::optional<std::string> status, message;
  std::optional<std::string> app_hash;
  std::vector<test_spec> tests;
  std::string where;  // FILE:LINE:COL
};

// What one request gets instead of (or on top of) the normal answer. Also the script of a
// webhook sink.
struct answer_spec {
  enum class body_kind {
    normal,     // what the route would answer
    error,      // the service's error shape: {"error":{message, details, timestamp}}
    malformed,  // the normal body made syntactically invalid
    truncated,  // the first half of the normal body, with a matching Content-Length
    html,       // a proxy's HTML error page
    empty,      // no body at all
    text,       // `text`, verbatim
  };
  enum class cut_kind { close, reset, stall };

  std::optional<int> status;
  // Whether the route's real work happens (a group is created, a poll counted, a delivery
  // counted as accepted). Defaults to true unless the status is >= 400 or the answer
  // stalls or drops the connection.
  bool handled = true;
  std::optional<std::string> retry_after;                // verbatim: "2" or an HTTP-date
  std::optional<milliseconds> retry_after_date;          // an HTTP-date this far in the future
  milliseconds delay{0};
  bool stall = false;                                    // never answer
  bool drop = false;                                     // close without answering
  std::optional<std::size_t> cut_after;                  // body bytes sent before `cut`
  cut_kind cut = cut_kind::close;
  bool chunked = false;
  std::size_t chunk_size = 0;                            // 0: one chunk
  bool close = false;                                    // Connection: close afterwards
  body_kind body = body_kind::normal;
  std::string message, details, timestamp;               // for body_kind::error
  std::string text;                                      // for body_kind::text
  std::size_t oversized_bytes = 0;                       // whitespace appended to the body
  std::vector<std::pair<std::string, std::string>> headers;
  std::string where;                                     // FILE:LINE:COL, for the request log
};

// The routes faults can be attached to.
enum class route {
  execute,
  web_execute,
  status,
  run_groups,
  abort,
  upload,
  applications,
  devices,
  hook,
  admin,
  unknown,
};

// "execute", "web_execute", "status", ... "hook", "admin", "unknown".
std::string_view to_string(route r) noexcept;

struct fault_spec {
  std::optional<route> match_route;       // nullopt: every Sofy API route ("*")
  std::optional<std::string> schedule;    // only requests for this schedule
  std::vector<answer_spec> answers;       // consumed one per matching request
  std::string where;
};

struct schedule_spec {
  std::string guid;  // a GUID; for web schedules, 24 hex digits
  std::string name;
  bool web = false;
  trigger_form trigger = trigger_form::data_array;
  id_type ids = id_type::automatic;
  status_shape shape = status_shape::current;
  std::string trigger_message = "Test runs are scheduled and in queue.";
  std::string abort_status = "Stopped";       // what aborted tests turn into
  std::vector<group_spec> groups;             // present at start
  std::vector<test_spec> tests;               // the tests of each group `execute` creates
  std::string where;
};

struct app_build_spec {
  std::string app_hash, build_id, name, package_name;
};
struct application_spec {
  std::string guid, platform, name;
  std::vector<app_build_spec> builds;
};
struct device_spec {
  std::string name, manufacturer, os_version, serial, state = "AVAILABLE";
};

struct upload_spec {
  std::string message = "Application Upload Successful.";
  std::optional<std::string> app_hash;  // served instead of the hash of the file
};

enum class hook_style {
  slack,    // success is 200 with body "ok"
  teams,    // success is 202 with an empty body (Workflows webhooks)
  webhook,  // success is 200 with {"ok":true}
};

struct hook_spec {
  std::string name;
  hook_style style = hook_style::slack;
  std::vector<answer_spec> answers;  // consumed one per delivery; then success
};

struct scenario {
  std::string source;  // the file name, for messages
  std::string auth_key;
  std::optional<std::string> web_auth_key;
  std::uint64_t first_group_id = 100001;
  groups_shape run_groups = groups_shape::array;
  bool newest_first = true;  // order of the run-group list
  std::vector<schedule_spec> schedules;
  std::vector<application_spec> applications;
  std::vector<device_spec> android_devices, ios_devices;
  upload_spec upload;
  std::vector<fault_spec> faults;
  std::vector<hook_spec> hooks;
  std::size_t request_log_limit = 10000;  // oldest entries are dropped beyond this
  std::size_t hook_log_limit = 1000;      // per hook

  const schedule_spec* find_schedule(std::string_view guid, bool web) const noexcept;
};

// Splits a build label as the legacy status shape needs it: "1.4.0(77)" gives version
// "1.4.0" and build number "77"; a label without "(...)" is all version.
void split_build(std::string_view build, std::string& version, std::string& build_number);

// Every problem found, in file order. what() is all of them, one per line.
class scenario_error : public std::runtime_error {
 public:
  explicit scenario_error(std::vector<std::string> errors);
  const std::vector<std::string>& errors() const noexcept { return errors_; }

 private:
  std::vector<std::string> errors_;
};

// Parses YAML text; `source` names it in messages. Throws scenario_error.
scenario parse_scenario(std::string_view yaml, std::string_view source = "<scenario>");

// Reads and parses a file. Throws scenario_error (also when the file cannot be read).
scenario load_scenario(const std::string& path);

}  // namespace sofy::sim
