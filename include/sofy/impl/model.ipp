// Definitions for <sofy/model.hpp>.
#pragma once

#include <sofy/model.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace sofy {

namespace detail {

// Lower-cases ASCII letters and drops ' ', '\t', '_' and '-' into `out` (at most N
// bytes). Returns false when the input is longer than any name we know, which can
// then only be unknown.
template <std::size_t N>
inline bool fold_status_name(std::string_view raw, std::array<char, N>& out, std::size_t& len) noexcept {
  len = 0;
  for (char c : raw) {
    if (c == ' ' || c == '\t' || c == '_' || c == '-' || c == '\r' || c == '\n') continue;
    if (len == N) return false;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out[len++] = c;
  }
  return true;
}

struct status_spelling {
  std::string_view folded;
  run_status status;
};

// Every spelling of API-NOTES.md "Status values", folded as fold_status_name does.
inline constexpr status_spelling status_spellings[] = {
    {"queued", run_status::queued},
    {"scheduled", run_status::queued},
    {"inqueue", run_status::queued},
    {"waitingfordevice", run_status::queued},
    {"running", run_status::running},
    {"inprogress", run_status::running},
    {"settingupdevice", run_status::running},
    {"downloadingapp", run_status::running},
    {"parsingapp", run_status::running},
    {"loadingscenarios", run_status::running},
    {"finalizing", run_status::running},
    {"passed", run_status::passed},
    {"failed", run_status::failed},
    {"incomplete", run_status::incomplete},
    {"notexecuted", run_status::not_executed},
    {"stopped", run_status::stopped},
    {"runstopped", run_status::stopped},
    {"stoppedbyuser", run_status::stopped},
    {"cancelledbyuser", run_status::stopped},
    {"canceledbyuser", run_status::stopped},
    {"unknown", run_status::unknown},
};

inline constexpr std::size_t longest_status_spelling = 24;

inline bool parse_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

inline bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Compares two decimal ids by value ("99" < "100"); non-numeric ids compare as text
// after every numeric one.
inline int compare_ids(std::string_view a, std::string_view b) noexcept {
  auto numeric = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  auto strip = [](std::string_view s) {
    while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
    return s;
  };
  const bool na = numeric(a), nb = numeric(b);
  if (na && nb) {
    a = strip(a);
    b = strip(b);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  } else if (na != nb) {
    return na ? -1 : 1;
  }
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// The order of sofy::newer, on timestamps already read.
inline bool newer(const std::optional<timestamp>& ta, std::string_view ida, const std::optional<timestamp>& tb,
                  std::string_view idb) noexcept {
  if (ta && tb && *ta != *tb) return *ta > *tb;
  if (ta.has_value() != tb.has_value()) return ta.has_value();
  return compare_ids(ida, idb) > 0;
}

}  // namespace detail

SOFY_DECL std::string_view to_string(run_status s) noexcept {
  switch (s) {
    case run_status::queued: return "queued";
    case run_status::running: return "running";
    case run_status::passed: return "passed";
    case run_status::failed: return "failed";
    case run_status::incomplete: return "incomplete";
    case run_status::not_executed: return "not_executed";
    case run_status::stopped: return "stopped";
    case run_status::unknown: return "unknown";
  }
  return "unknown";
}

SOFY_DECL run_status parse_run_status(std::string_view raw) noexcept {
  std::array<char, detail::longest_status_spelling> buf{};
  std::size_t len = 0;
  if (!detail::fold_status_name(raw, buf, len)) return run_status::unknown;
  const std::string_view folded(buf.data(), len);
  for (const auto& sp : detail::status_spellings) {
    if (sp.folded == folded) return sp.status;
  }
  return run_status::unknown;
}

SOFY_DECL std::optional<run_status> run_status_from_name(std::string_view snake) noexcept {
  for (auto s : {run_status::queued, run_status::running, run_status::passed, run_status::failed,
                 run_status::incomplete, run_status::not_executed, run_status::stopped, run_status::unknown}) {
    if (to_string(s) == snake) return s;
  }
  return std::nullopt;
}

SOFY_DECL bool is_terminal(run_status s) noexcept {
  switch (s) {
    case run_status::passed:
    case run_status::failed:
    case run_status::incomplete:
    case run_status::not_executed:
    case run_status::stopped: return true;
    case run_status::queued:
    case run_status::running:
    case run_status::unknown: return false;
  }
  return false;
}

SOFY_DECL bool is_failure(run_status s) noexcept { return is_terminal(s) && s != run_status::passed; }

SOFY_DECL std::string test_run::key() const {
  std::string k;
  k.reserve(scenario.size() + 1 + device.size());
  k.append(scenario).push_back('\x1f');
  k.append(device);
  return k;
}

SOFY_DECL std::size_t status_counts::of(run_status s) const noexcept {
  switch (s) {
    case run_status::queued: return queued;
    case run_status::running: return running;
    case run_status::passed: return passed;
    case run_status::failed: return failed;
    case run_status::incomplete: return incomplete;
    case run_status::not_executed: return not_executed;
    case run_status::stopped: return stopped;
    case run_status::unknown: return unknown;
  }
  return 0;
}

SOFY_DECL std::string_view to_string(run_outcome o) noexcept {
  switch (o) {
    case run_outcome::running: return "running";
    case run_outcome::passed: return "passed";
    case run_outcome::failed: return "failed";
  }
  return "running";
}

SOFY_DECL status_counts group_status::counts() const noexcept {
  status_counts c;
  c.total = tests.size();
  for (const auto& t : tests) {
    switch (t.status) {
      case run_status::queued: ++c.queued; break;
      case run_status::running: ++c.running; break;
      case run_status::passed: ++c.passed; break;
      case run_status::failed: ++c.failed; break;
      case run_status::incomplete: ++c.incomplete; break;
      case run_status::not_executed: ++c.not_executed; break;
      case run_status::stopped: ++c.stopped; break;
      case run_status::unknown: ++c.unknown; break;
    }
  }
  return c;
}

SOFY_DECL bool group_status::finished() const noexcept {
  return !tests.empty() &&
         std::all_of(tests.begin(), tests.end(), [](const test_run& t) { return is_terminal(t.status); });
}

SOFY_DECL run_outcome group_status::outcome() const noexcept {
  if (!finished()) return run_outcome::running;
  const bool all_passed =
      std::all_of(tests.begin(), tests.end(), [](const test_run& t) { return t.status == run_status::passed; });
  return all_passed ? run_outcome::passed : run_outcome::failed;
}

SOFY_DECL std::string_view to_string(group_state s) noexcept {
  switch (s) {
    case group_state::queued: return "queued";
    case group_state::running: return "running";
    case group_state::complete: return "complete";
    case group_state::complete_with_errors: return "complete_with_errors";
    case group_state::unknown: return "unknown";
  }
  return "unknown";
}

SOFY_DECL group_state parse_group_state(std::string_view raw) noexcept {
  std::array<char, detail::longest_status_spelling> buf{};
  std::size_t len = 0;
  if (!detail::fold_status_name(raw, buf, len)) return group_state::unknown;
  const std::string_view f(buf.data(), len);
  if (f == "queued") return group_state::queued;
  if (f == "running") return group_state::running;
  if (f == "complete") return group_state::complete;
  if (f == "completewitherrors") return group_state::complete_with_errors;
  return group_state::unknown;
}

SOFY_DECL bool newer(const run_group& a, const run_group& b) noexcept {
  return detail::newer(parse_timestamp(a.executed_at), a.id, parse_timestamp(b.executed_at), b.id);
}

SOFY_DECL const run_group* latest_group(const std::vector<run_group>& groups) noexcept {
  const run_group* best = nullptr;
  for (const auto& g : groups) {
    if (!best || newer(g, *best)) best = &g;
  }
  return best;
}

SOFY_DECL bool is_guid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!detail::is_hex(s[i])) {
      return false;
    }
  }
  return true;
}

SOFY_DECL std::optional<timestamp> parse_timestamp(std::string_view s) noexcept {
  using namespace std::chrono;
  // YYYY-MM-DDTHH:MM:SS
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 19 || !detail::parse_digits(s, 0, 4, y) || s[4] != '-' || !detail::parse_digits(s, 5, 2, mo) ||
      s[7] != '-' || !detail::parse_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !detail::parse_digits(s, 11, 2, h) || s[13] != ':' || !detail::parse_digits(s, 14, 2, mi) || s[16] != ':' ||
      !detail::parse_digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  if (se == 60) se = 59;  // a leap second: close enough for ordering runs

  std::size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) ms = ms * 10 + (s[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - start;
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 3; ++i) ms *= 10;
  }

  minutes offset{0};
  if (pos < s.size()) {
    const char z = s[pos];
    if (z == 'Z' || z == 'z') {
      ++pos;
    } else if (z == '+' || z == '-') {
      int oh = 0, om = 0;
      if (!detail::parse_digits(s, pos + 1, 2, oh)) return std::nullopt;
      std::size_t next = pos + 3;
      if (next < s.size() && s[next] == ':') ++next;
      if (!detail::parse_digits(s, next, 2, om)) return std::nullopt;
      if (oh > 23 || om > 59) return std::nullopt;
      offset = hours{oh} + minutes{om};
      if (z == '-') offset = -offset;
      pos = next + 2;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;

  return timestamp{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{se} + milliseconds{ms} - offset;
}

}  // namespace sofy
