#include "report.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <unordered_map>

namespace sofy_run {
namespace {

namespace json = boost::json;

constexpr std::array<sofy::run_status, 8> all_statuses{
    sofy::run_status::queued,  sofy::run_status::running,    sofy::run_status::passed,
    sofy::run_status::failed,  sofy::run_status::incomplete, sofy::run_status::not_executed,
    sofy::run_status::stopped, sofy::run_status::unknown};

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or returns
// U+FFFD and advances one byte when the sequence is invalid (overlong, surrogate, > U+10FFFF).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
bool xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Width on a terminal, counted in code points (good enough for names; no wide glyphs).
std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(std::string s, std::size_t width) {
  const std::size_t w = display_width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

// The status column: the name, plus the service's text when it says more than that.
std::string status_text(const sofy::test_run& t) {
  std::string name(sofy::to_string(t.status));
  std::string squashed;
  for (char c : t.raw_status) {
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    squashed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  std::string plain_name;
  for (char c : name)
    if (c != '_') plain_name.push_back(c);
  if (t.raw_status.empty() || squashed == plain_name) return name;
  return name + " (" + printable(t.raw_status) + ")";
}

std::string group_header(const run_report& r) {
  const std::string name = printable(schedule_name(r.status));
  std::string h = name.empty() ? "schedule " + r.schedule : name + " (schedule " + r.schedule + ")";
  return h + ", run group " + printable(r.group);
}

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// ISO 8601 without a zone, as the JUnit schema wants it; the time is UTC.
std::string junit_timestamp(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

json::object counts_json(const sofy::status_counts& n) {
  json::object o;
  o["total"] = n.total;
  for (sofy::run_status s : all_statuses) o[sofy::to_string(s)] = n.of(s);
  return o;
}

std::string line(const json::value& v) { return json::serialize(v) + "\n"; }

std::string_view cut_type(cut_short c) {
  switch (c) {
    case cut_short::timeout: return "timeout";
    case cut_short::interrupted: return "interrupted";
    case cut_short::error: return "error";
    case cut_short::no: break;
  }
  return "unfinished";
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value, true) + "\"";
}

}  // namespace

std::string schedule_name(const sofy::group_status& s) {
  for (const sofy::test_run& t : s.tests)
    if (!t.schedule_name.empty()) return t.schedule_name;
  return {};
}

std::string render_counts(const sofy::status_counts& n) {
  std::string s = std::to_string(n.total) + (n.total == 1 ? " test" : " tests");
  bool first = true;
  for (sofy::run_status st : all_statuses) {
    const std::size_t k = n.of(st);
    if (k == 0) continue;
    s += first ? ": " : ", ";
    first = false;
    s += std::to_string(k) + " " + std::string(sofy::to_string(st));
  }
  return s;
}

std::string render_table(const run_report& r) {
  std::vector<std::array<std::string, 4>> rows;
  rows.push_back({"SCENARIO", "DEVICE", "BUILD", "STATUS"});
  for (const sofy::test_run& t : r.status.tests)
    rows.push_back(
        {printable(t.scenario), printable(t.device), printable(t.build), status_text(t)});
  std::array<std::size_t, 4> width{};
  for (const auto& row : rows)
    for (std::size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], display_width(row[c]));

  std::string out = group_header(r) + "\n";
  if (r.status.tests.empty()) {
    out += "no tests reported yet\n";
  } else {
    for (const auto& row : rows) {
      std::string l;
      for (std::size_t c = 0; c < 3; ++c) l += pad(row[c], width[c] + 2);
      l += row[3];
      out += l + "\n";
    }
  }
  out += render_counts(r.status.counts()) + "\n";
  out += "outcome: " + std::string(sofy::to_string(r.status.outcome()));
  if (r.cut != cut_short::no)
    out += " (" + std::string(cut_type(r.cut)) +
           (r.cut_message.empty() ? "" : ": " + printable(r.cut_message)) + ")";
  return out + "\n";
}

std::string render_json(const run_report& r) {
  json::object o;
  o["schedule"] = r.schedule;
  o["group"] = r.group;
  o["outcome"] = sofy::to_string(r.status.outcome());
  json::array tests;
  for (const sofy::test_run& t : r.status.tests) {
    tests.push_back(json::object{{"scenario", t.scenario},
                                 {"device", t.device},
                                 {"build", t.build},
                                 {"status", sofy::to_string(t.status)},
                                 {"raw_status", t.raw_status}});
  }
  o["tests"] = std::move(tests);
  o["counts"] = counts_json(r.status.counts());
  o["name"] = schedule_name(r.status);
  if (r.waited) {
    o["timed_out"] = r.cut == cut_short::timeout;
    o["interrupted"] = r.cut == cut_short::interrupted;
    o["elapsed_ms"] = r.elapsed.count();
  }
  if (!r.app_hash.empty()) o["app_hash"] = r.app_hash;
  return line(o);
}

std::string render_trigger_json(const std::string& schedule, const std::string& group,
                                const std::string& message, const std::string& app_hash) {
  json::object o{{"schedule", schedule}, {"group", group}, {"message", message}};
  if (!app_hash.empty()) o["app_hash"] = app_hash;
  return line(o);
}

std::string render_groups_table(const std::string& schedule,
                                const std::vector<sofy::run_group>& groups) {
  if (groups.empty()) return "schedule " + schedule + " has no run groups\n";
  std::vector<std::array<std::string, 4>> rows;
  rows.push_back({"ID", "EXECUTED AT", "STATE", "MESSAGE"});
  for (const sofy::run_group& g : groups)
    rows.push_back({printable(g.id), printable(g.executed_at),
                    g.state == sofy::group_state::unknown
                        ? "unknown (" + printable(g.raw_state) + ")"
                        : std::string(sofy::to_string(g.state)),
                    printable(g.message)});
  std::array<std::size_t, 4> width{};
  for (const auto& row : rows)
    for (std::size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], display_width(row[c]));
  std::string out = "schedule " + schedule + ": " + std::to_string(groups.size()) + " run group" +
                    (groups.size() == 1 ? "" : "s") + ", newest first\n";
  for (const auto& row : rows) {
    std::string l;
    for (std::size_t c = 0; c < 3; ++c) l += pad(row[c], width[c] + 2);
    l += row[3];
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  }
  return out;
}

std::string render_groups_json(const std::string& schedule,
                               const std::vector<sofy::run_group>& groups) {
  json::array a;
  for (const sofy::run_group& g : groups)
    a.push_back(json::object{{"id", g.id},
                             {"executed_at", g.executed_at},
                             {"state", sofy::to_string(g.state)},
                             {"raw_state", g.raw_state},
                             {"message", g.message}});
  return line(json::object{{"schedule", schedule}, {"groups", std::move(a)}});
}

std::string render_abort_json(const std::string& schedule, const std::optional<std::string>& group,
                              const std::string& message) {
  json::object o{{"schedule", schedule}, {"message", message}};
  if (group)
    o["group"] = *group;
  else
    o["group"] = nullptr;
  return line(o);
}

std::string render_upload_json(const std::string& file, const sofy::upload_result& r) {
  return line(json::object{{"file", file}, {"app_hash", r.app_hash}, {"message", r.message}});
}

std::string render_junit(const run_report& r) {
  std::size_t failures = 0;
  std::string cases;
  for (const sofy::test_run& t : r.status.tests) {
    cases += "    <testcase" + attr("name", t.scenario) + attr("classname", t.device);
    std::string type, message;
    if (sofy::is_failure(t.status)) {
      type = sofy::to_string(t.status);
      message = t.raw_status;
    } else if (!sofy::is_terminal(t.status)) {
      // Only a report cut short has unfinished tests; they must not look green.
      type = cut_type(r.cut);
      message = "still " +
                (t.raw_status.empty() ? std::string(sofy::to_string(t.status)) : t.raw_status) +
                (r.cut_message.empty() ? "" : ": " + r.cut_message);
    }
    if (type.empty()) {
      cases += "/>\n";
      continue;
    }
    ++failures;
    const std::string text = t.scenario + " on " + t.device +
                             (t.build.empty() ? "" : " (build " + t.build + ")") + ": " +
                             status_text(t);
    cases += ">\n      <failure" + attr("type", type) + attr("message", message) + ">" +
             xml_escape(text, false) + "</failure>\n    </testcase>\n";
  }

  const std::string name = schedule_name(r.status).empty() ? r.schedule : schedule_name(r.status);
  const std::string tests = std::to_string(r.status.tests.size());
  const std::string fails = std::to_string(failures);
  const std::string time = seconds_text(r.elapsed);
  std::string props = "    <properties>\n";
  auto prop = [&](std::string_view n, std::string_view v) {
    props += "      <property" + attr("name", n) + attr("value", v) + "/>\n";
  };
  prop("schedule", r.schedule);
  prop("group", r.group);
  prop("outcome", sofy::to_string(r.status.outcome()));
  if (!r.app_hash.empty()) prop("app_hash", r.app_hash);
  if (r.cut != cut_short::no) prop("cut_short", cut_type(r.cut));
  props += "    </properties>\n";

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "sofy-run") + attr("tests", tests) + attr("failures", fails) +
         attr("errors", "0") + attr("skipped", "0") + attr("time", time) + ">\n";
  out += "  <testsuite" + attr("name", name) + attr("id", r.group) + attr("package", r.schedule) +
         attr("tests", tests) + attr("failures", fails) + attr("errors", "0") +
         attr("skipped", "0") + attr("time", time) + attr("timestamp", junit_timestamp(r.started)) +
         attr("hostname", r.hostname) + ">\n";
  out += props + cases;
  if (r.cut != cut_short::no && !r.cut_message.empty())
    out += "    <system-err>" + xml_escape(r.cut_message, false) + "</system-err>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string render_progress(const sofy::group_status* before, const sofy::group_status& now,
                            std::chrono::milliseconds elapsed) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%6.1fs] ", static_cast<double>(elapsed.count()) / 1000.0);
  std::string out;
  const std::string counts = render_counts(now.counts());
  if (!before) {
    return stamp + ("run group " + printable(now.group_id) + ": ") + counts + "\n";
  }
  std::unordered_map<std::string, const sofy::test_run*> old;
  for (const sofy::test_run& t : before->tests) old.emplace(t.key(), &t);
  for (const sofy::test_run& t : now.tests) {
    const auto it = old.find(t.key());
    const std::string who = printable(t.scenario) + " on " + printable(t.device) + ": ";
    if (it == old.end()) {
      out += stamp + who + status_text(t) + "\n";
    } else if (it->second->status != t.status || it->second->raw_status != t.raw_status) {
      out += stamp + who + status_text(*it->second) + " -> " + status_text(t) + "\n";
    }
  }
  return out + stamp + counts + "\n";
}

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = next_code_point(text, i);
    if (!xml_char(cp)) continue;
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;  // a literal CR would be read back as LF
      default: append_utf8(out, cp);
    }
  }
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = next_code_point(text, i);
    if (cp == '\t' || cp == '\n') {
      out.push_back(' ');
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      continue;
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

}  // namespace sofy_run
