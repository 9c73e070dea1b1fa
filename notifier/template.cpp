#include "notifier/template.hpp"

#include "notifier/detail/text.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace sofy::notifier {
namespace {

constexpr std::array<std::string_view, 17> field_names = {
    "schedule", "schedule_guid", "group",    "groups",  "outcome",    "total",
    "queued",   "running",       "passed",   "failed",  "incomplete", "not_executed",
    "stopped",  "unknown",       "failures", "changes", "observed_at"};

bool known_field(std::string_view name) {
  return std::find(field_names.begin(), field_names.end(), name) != field_names.end();
}

// The names of the replacement fields of a format string, including nested ones in
// specs ("{passed:>{width}}"). Sets `error` on unbalanced braces.
std::vector<std::string> field_refs(std::string_view tpl, std::string& error) {
  std::vector<std::string> names;
  int depth = 0;
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    char c = tpl[i];
    if (c == '{') {
      if (depth == 0 && i + 1 < tpl.size() && tpl[i + 1] == '{') {
        ++i;
        continue;
      }
      ++depth;
      std::size_t j = i + 1;
      while (j < tpl.size() && tpl[j] != '}' && tpl[j] != ':' && tpl[j] != '{') ++j;
      names.emplace_back(tpl.substr(i + 1, j - i - 1));
      i = j - 1;
    } else if (c == '}') {
      if (depth == 0) {
        if (i + 1 < tpl.size() && tpl[i + 1] == '}') {
          ++i;
          continue;
        }
        error = "unmatched '}' (write '}}' for a literal brace)";
        return names;
      }
      --depth;
    }
  }
  if (depth != 0) error = "unmatched '{' (write '{{' for a literal brace)";
  return names;
}

fmt::dynamic_format_arg_store<fmt::format_context> make_args(const message_fields& f,
                                                             escape_fn escape) {
  auto s = [&](const std::string& v) { return escape ? escape(v) : v; };
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  store.push_back(fmt::arg("schedule", s(f.schedule)));
  store.push_back(fmt::arg("schedule_guid", s(f.schedule_guid)));
  store.push_back(fmt::arg("group", s(f.group)));
  store.push_back(fmt::arg("groups", s(f.groups)));
  store.push_back(fmt::arg("outcome", s(f.outcome)));
  store.push_back(fmt::arg("total", f.counts.total));
  store.push_back(fmt::arg("queued", f.counts.queued));
  store.push_back(fmt::arg("running", f.counts.running));
  store.push_back(fmt::arg("passed", f.counts.passed));
  store.push_back(fmt::arg("failed", f.counts.failed));
  store.push_back(fmt::arg("incomplete", f.counts.incomplete));
  store.push_back(fmt::arg("not_executed", f.counts.not_executed));
  store.push_back(fmt::arg("stopped", f.counts.stopped));
  store.push_back(fmt::arg("unknown", f.counts.unknown));
  store.push_back(fmt::arg("failures", f.failures));
  store.push_back(fmt::arg("changes", f.changes));
  store.push_back(fmt::arg("observed_at", s(f.observed_at)));
  return store;
}

}  // namespace

std::span<const std::string_view> template_field_names() noexcept { return field_names; }

message_fields fields_for(const batch& b) {
  message_fields f;
  f.schedule = b.schedule.name;
  f.schedule_guid = b.schedule.guid;
  f.changes = b.events.size();
  std::vector<std::string_view> groups;
  for (const auto& e : b.events)
    if (std::find(groups.begin(), groups.end(), e.group) == groups.end()) groups.push_back(e.group);
  f.groups = detail::join(groups);
  if (!b.events.empty()) {
    const event& last = b.events.back();
    f.group = last.group;
    f.outcome = std::string(to_string(last.outcome));
    f.counts = last.counts;
    f.observed_at = format_rfc3339(last.observed_at);
  } else {
    f.outcome = std::string(to_string(run_outcome::running));
  }
  f.failures = f.counts.failed + f.counts.incomplete + f.counts.not_executed + f.counts.stopped;
  return f;
}

std::optional<std::string> check_template(std::string_view tpl) {
  std::string error;
  auto names = field_refs(tpl, error);
  if (!error.empty()) return error;
  for (const auto& n : names) {
    if (n.empty() || (n[0] >= '0' && n[0] <= '9'))
      return std::string("positional fields like {") + n +
             "} are not supported; name a field, e.g. {schedule}";
    if (!known_field(n)) {
      std::string msg = "unknown field {" + n + "}";
      auto near = detail::closest(n, template_field_names());
      if (!near.empty())
        msg += "; did you mean {" + near + "}?";
      else
        msg += " (fields: " + detail::join(template_field_names()) + ")";
      return msg;
    }
  }
  // The names are right; let fmt judge the specs, with sample values of the real types.
  message_fields sample;
  sample.schedule = "Nightly";
  try {
    (void)fmt::vformat(fmt::string_view(tpl.data(), tpl.size()), make_args(sample, nullptr));
  } catch (const fmt::format_error& e) {
    return std::string("bad format: ") + e.what();
  }
  return std::nullopt;
}

std::string render_template(std::string_view tpl, const message_fields& f, escape_fn escape) {
  try {
    return fmt::vformat(fmt::string_view(tpl.data(), tpl.size()), make_args(f, escape));
  } catch (const fmt::format_error&) {
    return std::string(tpl);
  }
}

}  // namespace sofy::notifier
