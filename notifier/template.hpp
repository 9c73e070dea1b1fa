// Per-webhook `title` and `text` templates for the chat sinks (slack, teams).
//
// A template is fmt format text with named fields only, e.g.
//     title: "{schedule}: run {group} {outcome}"
//     text:  "{passed}/{total} passed, {failures} not passed"
// Format specs work as in fmt ("{passed:>3}"); "{{" and "}}" are literal braces.
// Fields (they describe the group of the batch's last event, the newest news):
//   schedule        schedule name            schedule_guid   schedule GUID
//   group           run group id             groups          every group in the message, ",
//   "-joined outcome         running | passed | failed total, queued, running, passed, failed,
//   incomplete, not_executed, stopped, unknown
//                   number of tests of the group in each status (integers)
//   failures        failed + incomplete + not_executed + stopped
//   changes         number of events in the message
//   observed_at     RFC 3339 UTC time of the poll
// Templates are checked when the config is loaded, so rendering never fails.
#pragma once

#include "notifier/event.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sofy::notifier {

struct message_fields {
  std::string schedule, schedule_guid, group, groups, outcome, observed_at;
  status_counts counts;
  std::size_t failures = 0;
  std::size_t changes = 0;
};

// Every field name, in the order documented above.
std::span<const std::string_view> template_field_names() noexcept;

// The fields of a batch (empty strings and zeros for an empty batch).
message_fields fields_for(const batch& b);

// Why the template is not usable ("unknown field {shedule}; did you mean {schedule}?",
// "positional fields like {} are not supported; name a field, e.g. {schedule}",
// fmt's own complaint about a bad spec), or nullopt when it is fine.
std::optional<std::string> check_template(std::string_view tpl);

// The rendered template. `escape` is applied to every string field before it is
// inserted (Slack needs & < > escaped in field values but not in the template's own
// text, which may hold "<!here>"). A template that was not checked and turns out bad
// is returned as written.
using escape_fn = std::string (*)(std::string_view);
std::string render_template(std::string_view tpl, const message_fields& f,
                            escape_fn escape = nullptr);

// The defaults used when a webhook sets no template.
inline constexpr std::string_view default_title = "{schedule}";
inline constexpr std::string_view default_text =
    "Run {group} {outcome}: {passed} passed, {failures} not passed, {running} running, "
    "{queued} queued of {total}";

}  // namespace sofy::notifier
