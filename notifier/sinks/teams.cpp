#include "notifier/sinks/teams.hpp"

#include "notifier/detail/text.hpp"
#include "notifier/template.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace sofy::notifier::teams {
namespace {

namespace json = boost::json;
using detail::utf8_sanitize;
using detail::utf8_truncate;
using detail::counts_text;
using detail::iequals;

constexpr std::size_t max_line_chars = 1000;
constexpr std::size_t max_title_chars = 250;
constexpr std::size_t max_text_chars = 2000;

std::string_view emoji(run_status s) {
  switch (s) {
    case run_status::queued: return "\xF0\x9F\x95\x92";              // clock
    case run_status::running: return "\xE2\x8F\xB3";                 // hourglass
    case run_status::passed: return "\xE2\x9C\x85";                  // check mark
    case run_status::failed: return "\xE2\x9D\x8C";                  // cross
    case run_status::incomplete: return "\xE2\x9A\xA0\xEF\xB8\x8F";  // warning
    case run_status::not_executed: return "\xF0\x9F\x9A\xAB";        // no entry
    case run_status::stopped: return "\xE2\x8F\xB9\xEF\xB8\x8F";     // stop
    case run_status::unknown: return "\xE2\x9D\x93";                 // question mark
  }
  return "\xE2\x9D\x93";
}

// Adaptive Card TextBlock colours.
std::string_view colour(run_status s) {
  switch (s) {
    case run_status::passed: return "Good";
    case run_status::failed: return "Attention";
    case run_status::incomplete:
    case run_status::not_executed:
    case run_status::stopped: return "Warning";
    default: return "Default";
  }
}

struct line {
  std::string text;
  std::string_view colour;
};

line line_for(const event& e, bool several_groups) {
  switch (e.type) {
    case event_type::run_started:
      return {"\xF0\x9F\x9A\x80 Run **" + e.group + "** started", "Default"};
    case event_type::run_finished: {
      bool failed = e.outcome == run_outcome::failed;
      return {std::string(failed ? emoji(run_status::failed) : emoji(run_status::passed)) +
                  " Run **" + e.group + "** finished: **" + std::string(to_string(e.outcome)) +
                  "** (" + counts_text(e.counts) + ")",
              failed ? "Attention" : "Good"};
    }
    case event_type::test_changed: {
      const test_run& t = e.test;
      std::string s = std::string(emoji(t.status)) + " **" + t.scenario + "**";
      if (!t.device.empty()) s += " on " + t.device;
      if (!t.build.empty()) s += " (" + t.build + ")";
      if (several_groups) s += " · run " + e.group;
      s += ": ";
      if (e.previous_status) s += std::string(display_name(*e.previous_status)) + " → ";
      std::string now{display_name(t.status)};
      if (!t.raw_status.empty() && !iequals(t.raw_status, now)) now += " (" + t.raw_status + ")";
      s += "**" + now + "**";
      return {std::move(s), colour(t.status)};
    }
  }
  return {};
}

bool failing(const event& e) {
  if (e.type == event_type::test_changed) return is_failure(e.test.status);
  if (e.type == event_type::run_finished) return e.outcome == run_outcome::failed;
  return false;
}

json::object text_block(std::string text, std::string_view colour = "Default") {
  json::object b{{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
  if (colour != "Default") b["color"] = colour;
  return b;
}

json::object envelope(json::object card) {
  return json::object{
      {"type", "message"},
      {"attachments",
       json::array{json::object{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                {"contentUrl", nullptr},
                                {"content", std::move(card)}}}}};
}

}  // namespace

std::vector<outgoing> render(const batch& b, const webhook_config& hook) {
  if (b.events.empty()) return {};
  const message_fields fields = fields_for(b);
  const bool mention =
      !hook.mention.empty() && std::any_of(b.events.begin(), b.events.end(), failing);

  std::string title = utf8_truncate(
      utf8_sanitize(render_template(hook.title.empty() ? default_title : hook.title, fields)),
      max_title_chars);
  if (title.empty()) title = "Sofy";
  std::string summary = utf8_truncate(
      utf8_sanitize(render_template(hook.text.empty() ? default_text : hook.text, fields)),
      max_text_chars);
  std::string mention_text;
  if (mention) {
    mention_text = "<at>" + utf8_truncate(utf8_sanitize(hook.mention), 200) + "</at>";
    summary += " " + mention_text;
  }

  json::array head;
  json::object title_block = text_block(title);
  title_block["size"] = "Medium";
  title_block["weight"] = "Bolder";
  head.push_back(std::move(title_block));
  head.push_back(text_block(summary));

  auto card_with = [&](json::array body) {
    json::object card{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                      {"type", "AdaptiveCard"},
                      {"version", "1.4"},
                      {"body", std::move(body)}};
    json::object msteams{{"width", "Full"}};
    if (mention) {
      std::string id = utf8_sanitize(hook.mention);
      msteams["entities"] =
          json::array{json::object{{"type", "mention"},
                                   {"text", mention_text},
                                   {"mentioned", json::object{{"id", id}, {"name", id}}}}};
    }
    card["msteams"] = std::move(msteams);
    return envelope(std::move(card));
  };

  bool several_groups = false;
  for (const auto& e : b.events)
    if (e.group != b.events.front().group) several_groups = true;

  // Sizes are measured on the serialised JSON, so the limit holds for what is sent.
  const std::size_t base = json::serialize(card_with(head)).size();
  auto footer = [](std::size_t n) {
    json::object f = text_block("and " + std::to_string(n) + " more");
    f["isSubtle"] = true;
    return f;
  };
  const std::size_t footer_size = json::serialize(footer(b.events.size())).size() + 1;
  std::size_t used = base + footer_size;

  json::array body = head;
  std::size_t shown = 0;
  for (const auto& e : b.events) {
    line l = line_for(e, several_groups);
    json::object block = text_block(utf8_truncate(utf8_sanitize(l.text), max_line_chars), l.colour);
    block["spacing"] = "Small";
    std::size_t size = json::serialize(block).size() + 1;
    if (used + size > max_body_bytes) break;
    used += size;
    body.push_back(std::move(block));
    ++shown;
  }
  if (std::size_t rest = b.events.size() - shown; rest > 0) body.push_back(footer(rest));

  std::vector<std::string_view> parts{"teams", hook.name};
  for (const auto& e : b.events) parts.push_back(e.id);
  outgoing out;
  out.body = json::serialize(card_with(std::move(body)));
  out.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  out.delivery_id = detail::stable_id(parts);
  return {std::move(out)};
}

delivery_verdict classify(int http_status, std::string_view body,
                          std::optional<std::chrono::milliseconds> retry_after) {
  std::string detail{detail::safe_token(body)};
  if (detail.empty() && http_status == 413) detail = "the card is too large";
  if (detail.empty() && http_status == 404) detail = "the workflow no longer exists";
  if (detail.empty() && (http_status == 401 || http_status == 403))
    detail = "the workflow refused the request; check the URL and the flow's trigger settings";
  return classify_http(http_status, detail, retry_after);
}

}  // namespace sofy::notifier::teams
