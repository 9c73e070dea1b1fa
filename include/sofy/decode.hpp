// Sofy API answers (JSON text) to the value types of model.hpp.
//
// No I/O: each decoder takes the response body and returns values or throws. They
// accept every shape listed in API-NOTES.md, and are lenient where the service is
// known to vary:
//   - `data` may be an array, a single object, null (no records), or absent in the
//     legacy status shape (a bare array);
//   - ids (testRunGroupId, the trigger's four spellings, build ids) may be numbers
//     or strings and are always kept as text;
//   - build and version fields may be numbers; a missing or null field is empty;
//   - fields not listed here are ignored.
// Anything else is an error: each decoder throws sofy::error with code
// errc::bad_response and a message that says what and where, e.g.
//     status response: data[2].status: expected a string, got number
//     status response: invalid JSON: syntax error at byte 17
// and nothing else: no input crashes them or lets a Boost exception out (fuzzed).
// Nesting deeper than 32 levels is rejected (our shapes need four).
#pragma once

#include <sofy/error.hpp>
#include <sofy/model.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sofy {

// GET .../status/:testRunGroupId. The current shape ({"data":[{scenarioName, device,
// build, status, ...}], "message"}), the legacy bare array ([{ScenarioName,
// Manufacturer, Model, Version, BuildNumber, Statusvalue, ...}]) and `data` as a
// single object. Empty `data` gives no tests. group_id is the testRunGroupId of the
// tests when they carry one (the legacy shape does not: the caller knows it).
// Legacy fields: device = Manufacturer + " " + Model; build = Version, then
// "." + CodeName when not empty, then "(" + BuildNumber + ")" when not empty.
SOFY_DECL group_status decode_status(std::string_view body);

// The same, into `out`, reusing the memory of what it held: a poll loop that passes
// the previous answer back decodes a steady-state status with no allocation. On
// error `out` is left valid but unspecified.
SOFY_DECL void decode_status(std::string_view body, group_status& out);

// GET .../test-run-groups: a bare array or {"data":[...]} of {testRunGroupId,
// executedAt, status, message}. Sorted newest first (sofy::newer), so front() is the
// schedule's latest run.
SOFY_DECL std::vector<run_group> decode_run_groups(std::string_view body);

// POST .../execute. The group id is looked for, in any letter case, as
// scheduleTestRunsGroupID, testGroupsRunId or testRunGroupId, at the top level and in
// `data` (array or object); a number or a string; absent (or empty) gives nullopt.
SOFY_DECL trigger_result decode_trigger(std::string_view body);

// GET /application-microservice/public/applications.
SOFY_DECL std::vector<application> decode_applications(std::string_view body);

// GET /device-microservice/public/devices/{ANDROID,IOS}.
SOFY_DECL std::vector<device> decode_devices(std::string_view body);

// POST /parser-microservice/build-upload: {"data":{"appHash":"..."},"message":"..."}.
// An answer without an app hash is an error (the upload cannot be used).
SOFY_DECL upload_result decode_upload(std::string_view body);

// {"message": "..."} (the abort answer; also "Message"). An empty body is an empty
// message. `what` names the response in errors.
SOFY_DECL std::string decode_message(std::string_view body, std::string_view what = "abort response");

// The error for a 4xx/5xx answer; never throws anything but std::bad_alloc. With the
// API's error shape, what() is "HTTP 401 Unauthorized: Invalid Auth Key. (Provided
// Auth key is invalid ...)" and api_message/details/timestamp are set. Another JSON
// {"message": ...} or {"error": "..."} gives that text. Anything else (an HTML page
// from a proxy, plain text, an empty body) gives "HTTP 502 Bad Gateway: <the first 200
// printable characters of the body, HTML tags removed>" or "HTTP 502 Bad Gateway
// (empty body)". An empty `reason` is filled in for the common statuses. Every
// occurrence of `secret` (pass the auth key) is replaced by "***" in the result, in
// case the service echoes it.
SOFY_DECL error decode_error_body(int http_status, std::string_view reason, std::string_view body,
                                  std::string_view secret = {});

}  // namespace sofy

#if SOFY_HEADER_ONLY
#include <sofy/impl/decode.ipp>
#endif
