#include "notifier/sinks/slack.hpp"

#include "notifier/detail/text.hpp"
#include "notifier/template.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace sofy::notifier::slack {
namespace {

namespace json = boost::json;
using detail::utf8_length;
using detail::utf8_truncate;
using detail::counts_text;
using detail::iequals;

std::string_view emoji(run_status s) {
  switch (s) {
    case run_status::queued: return ":clock3:";
    case run_status::running: return ":hourglass_flowing_sand:";
    case run_status::passed: return ":white_check_mark:";
    case run_status::failed: return ":x:";
    case run_status::incomplete: return ":warning:";
    case run_status::not_executed: return ":no_entry_sign:";
    case run_status::stopped: return ":octagonal_sign:";
    case run_status::unknown: return ":grey_question:";
  }
  return ":grey_question:";
}

// "Stopped (Cancelled by User)": the raw text is shown when it says more.
std::string status_text(const test_run& t) {
  std::string s{display_name(t.status)};
  if (!t.raw_status.empty() && !iequals(t.raw_status, s)) s += " (" + escape(t.raw_status) + ")";
  return s;
}

std::string line_for(const event& e, bool several_groups) {
  std::string run = several_groups ? " · run " + escape(e.group) : std::string();
  switch (e.type) {
    case event_type::run_started: return ":rocket: Run *" + escape(e.group) + "* started";
    case event_type::run_finished: {
      bool failed = e.outcome == run_outcome::failed;
      return std::string(failed ? ":x:" : ":white_check_mark:") + " Run *" + escape(e.group) +
             "* finished: *" + std::string(to_string(e.outcome)) + "* (" + counts_text(e.counts) +
             ")";
    }
    case event_type::test_changed: {
      const test_run& t = e.test;
      std::string s = std::string(emoji(t.status)) + " *" + escape(t.scenario) + "*";
      if (!t.device.empty()) s += " on " + escape(t.device);
      if (!t.build.empty()) s += " (" + escape(t.build) + ")";
      s += run + ": ";
      if (e.previous_status) s += std::string(display_name(*e.previous_status)) + " → ";
      s += "*" + status_text(t) + "*";
      return s;
    }
  }
  return {};
}

bool failing(const event& e) {
  if (e.type == event_type::test_changed) return is_failure(e.test.status);
  if (e.type == event_type::run_finished) return e.outcome == run_outcome::failed;
  return false;
}

std::string escape_field(std::string_view s) { return escape(s); }

json::object section(std::string text) {
  return json::object{{"type", "section"},
                      {"text", json::object{{"type", "mrkdwn"}, {"text", std::move(text)}}}};
}

}  // namespace

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return detail::utf8_sanitize(out);
}

std::vector<outgoing> render(const batch& b, const webhook_config& hook) {
  if (b.events.empty()) return {};
  const message_fields fields = fields_for(b);
  const bool mention =
      !hook.mention.empty() && std::any_of(b.events.begin(), b.events.end(), failing);

  std::string title = detail::utf8_sanitize(
      render_template(hook.title.empty() ? default_title : hook.title, fields));
  title = utf8_truncate(title.empty() ? std::string("Sofy") : title, max_header_chars);
  // The mention goes after truncation, so it is never cut.
  std::string summary =
      render_template(hook.text.empty() ? default_text : hook.text, fields, &escape_field);
  // Slack rejects a section with empty text.
  if (summary.find_first_not_of(" \t\n") == std::string::npos)
    summary = render_template(default_text, fields, &escape_field);
  std::string tail = mention ? " " + hook.mention : std::string();
  summary = utf8_truncate(detail::utf8_sanitize(summary),
                          max_section_chars - std::min(max_section_chars / 2, utf8_length(tail))) +
            tail;
  std::string fallback = utf8_truncate(title + ": " + summary, 1000);

  std::vector<std::string_view> groups;
  for (const auto& e : b.events)
    if (std::find(groups.begin(), groups.end(), e.group) == groups.end()) groups.push_back(e.group);

  // Pack change lines into sections, keeping one block and some characters for the
  // "and N more" footer.
  constexpr std::size_t footer_reserve = 40;
  std::size_t used = utf8_length(title) + utf8_length(summary) + utf8_length(fallback);
  std::vector<std::string> sections;
  std::string current;
  std::size_t current_len = 0, shown = 0;
  for (const auto& e : b.events) {
    std::string line = utf8_truncate(line_for(e, groups.size() > 1), max_section_chars);
    std::size_t len = utf8_length(line);
    bool new_section = current.empty() || current_len + 1 + len > max_section_chars;
    std::size_t sections_after =
        sections.size() + (current.empty() ? 0 : 1) + (new_section ? 1 : 0);
    if (2 + sections_after + 1 > max_blocks) break;  // header, summary, ..., footer
    if (used + len + 1 + footer_reserve > max_message_chars) break;
    if (new_section && !current.empty()) {
      sections.push_back(std::move(current));
      current.clear();
      current_len = 0;
    }
    if (!current.empty()) {
      current += '\n';
      ++current_len;
      ++used;
    }
    current += line;
    current_len += len;
    used += len;
    ++shown;
  }
  if (!current.empty()) sections.push_back(std::move(current));

  json::array blocks;
  blocks.push_back(json::object{
      {"type", "header"},
      {"text", json::object{{"type", "plain_text"}, {"text", title}, {"emoji", true}}}});
  blocks.push_back(section(summary));
  for (auto& s : sections) blocks.push_back(section(std::move(s)));
  if (std::size_t rest = b.events.size() - shown; rest > 0)
    blocks.push_back(json::object{
        {"type", "context"},
        {"elements", json::array{json::object{
                         {"type", "mrkdwn"}, {"text", "and " + std::to_string(rest) + " more"}}}}});

  json::object msg{{"text", fallback}, {"blocks", std::move(blocks)}};

  std::vector<std::string_view> parts{"slack", hook.name};
  for (const auto& e : b.events) parts.push_back(e.id);
  outgoing out;
  out.body = json::serialize(msg);
  out.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  out.delivery_id = detail::stable_id(parts);
  return {std::move(out)};
}

delivery_verdict classify(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after) {
  std::string_view token = detail::safe_token(body);
  std::string detail{token};
  static constexpr std::pair<std::string_view, std::string_view> known[] = {
      {"invalid_payload", "Slack could not read the message"},
      {"user_not_found", "the user does not exist"},
      {"no_text", "the message has no text"},
      {"action_prohibited", "the workspace does not allow this webhook to post here"},
      {"invalid_token", "the webhook URL is no longer valid"},
      {"channel_not_found", "the channel does not exist"},
      {"no_service", "the webhook was disabled or removed"},
      {"no_team", "the workspace no longer exists"},
      {"team_disabled", "the workspace is disabled"},
      {"channel_is_archived", "the channel is archived"},
      {"posting_to_general_channel_denied", "only admins may post to this channel"},
      {"too_many_attachments", "the message has too many attachments"},
      {"invalid_blocks", "Slack rejected the blocks"},
      {"rate_limited", "Slack asks to slow down"},
      {"rollup_error", "Slack had an internal error"},
  };
  for (const auto& [code, meaning] : known)
    if (token == code) detail += " (" + std::string(meaning) + ")";
  return classify_http(http_status, detail, retry_after);
}

}  // namespace sofy::notifier::slack
