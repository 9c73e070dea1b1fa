// Definitions for <sofy/retry.hpp>.
#pragma once

#include <sofy/retry.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

namespace sofy {

namespace detail {

inline char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// A tiny cursor over an HTTP-date.
struct date_cursor {
  std::string_view s;
  std::size_t pos = 0;

  bool lit(std::string_view l) noexcept {
    if (!iequals(s.substr(pos, l.size()), l)) return false;
    pos += l.size();
    return true;
  }
  bool digits(std::size_t n, int& out) noexcept {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s[pos + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos += n;
    out = v;
    return true;
  }
  // One of the names, returning its index.
  template <std::size_t N>
  bool one_of(const std::string_view (&names)[N], int& index) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      if (lit(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool time_of_day(int& h, int& m, int& sec) noexcept {
    return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec);
  }
  bool done() const noexcept { return pos == s.size(); }
};

inline constexpr std::string_view short_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
// Longest first, so that "Monday" is not taken for "Mon" + "day".
inline constexpr std::string_view long_days[] = {"Wednesday", "Thursday", "Saturday", "Tuesday",
                                                 "Monday",    "Friday",   "Sunday"};
inline constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

inline std::optional<std::chrono::sys_seconds> http_date(std::string_view v, int current_year) noexcept {
  using namespace std::chrono;
  date_cursor c{v};
  int ignored = 0, d = 0, mon = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (c.one_of(long_days, ignored)) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    if (!(c.lit(", ") && c.digits(2, d) && c.lit("-") && c.one_of(months, mon) && c.lit("-") && c.digits(2, y) &&
          c.lit(" ") && c.time_of_day(h, mi, sec) && c.lit(" GMT") && c.done())) {
      return std::nullopt;
    }
    // RFC 9110 5.6.7: a two-digit year more than 50 years ahead is in the past.
    y += current_year / 100 * 100;
    if (y > current_year + 50) y -= 100;
  } else if (c.one_of(short_days, ignored)) {
    if (c.lit(", ")) {
      // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      if (!(c.digits(2, d) && c.lit(" ") && c.one_of(months, mon) && c.lit(" ") && c.digits(4, y) && c.lit(" ") &&
            c.time_of_day(h, mi, sec) && c.lit(" GMT") && c.done())) {
        return std::nullopt;
      }
    } else {
      // asctime: Sun Nov  6 08:49:37 1994 (the day is " 6" or "06" or "16")
      if (!(c.lit(" ") && c.one_of(months, mon) && c.lit(" "))) return std::nullopt;
      if (!(c.lit(" ") ? c.digits(1, d) : c.digits(2, d))) return std::nullopt;
      if (!(c.lit(" ") && c.time_of_day(h, mi, sec) && c.lit(" ") && c.digits(4, y) && c.done())) {
        return std::nullopt;
      }
    }
  } else {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mon + 1)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec > 59 ? 59 : sec};
}

}  // namespace detail

SOFY_DECL bool is_retryable(request_kind kind, failure_stage stage, int http_status) noexcept {
  if (http_status == 0) return kind == request_kind::idempotent || stage == failure_stage::before_write;
  if (kind == request_kind::non_idempotent) return http_status == 429 || http_status == 503;
  return http_status == 408 || http_status == 429 || (http_status >= 500 && http_status <= 599);
}

SOFY_DECL std::chrono::milliseconds backoff_delay(const retry_policy& policy, int attempt, double jitter01) noexcept {
  using std::chrono::milliseconds;
  const auto cap = policy.max_delay.count() < 0 ? 0 : policy.max_delay.count();
  auto d = policy.base_delay.count() < 0 ? 0 : policy.base_delay.count();
  if (d > cap) d = cap;
  for (int i = 1; i < attempt && d < cap; ++i) d = d > cap / 2 ? cap : d * 2;
  if (!(jitter01 >= 0.0)) jitter01 = 0.0;  // also NaN
  if (jitter01 > 1.0) jitter01 = 1.0;
  auto jittered = static_cast<std::int64_t>(jitter01 * static_cast<double>(d));
  if (jittered > d) jittered = d;  // rounding of huge values
  if (jittered < 0) jittered = 0;
  return milliseconds{jittered};
}

SOFY_DECL retry_decision decide(const retry_policy& policy, int attempt, request_kind kind, failure_stage stage,
                                int http_status, std::optional<std::chrono::milliseconds> retry_after,
                                double jitter01) noexcept {
  if (attempt < 1) attempt = 1;
  if (attempt >= policy.max_attempts || !is_retryable(kind, stage, http_status)) return {false, {}};
  if (retry_after) {
    auto d = *retry_after;
    if (d.count() < 0) d = {};
    const auto cap = policy.max_retry_after.count() < 0 ? std::chrono::milliseconds{} : policy.max_retry_after;
    return {true, d < cap ? d : cap};
  }
  return {true, backoff_delay(policy, attempt, jitter01)};
}

SOFY_DECL std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v,
                                                                     std::chrono::system_clock::time_point now) noexcept {
  using namespace std::chrono;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;

  constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / 1000;
  if (v.front() >= '0' && v.front() <= '9') {
    std::int64_t s = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return std::nullopt;
      s = s > (max_seconds - (c - '0')) / 10 ? max_seconds : s * 10 + (c - '0');
    }
    return milliseconds{s * 1000};
  }

  const auto today = year_month_day{floor<days>(now)};
  const auto at = detail::http_date(v, static_cast<int>(today.year()));
  if (!at) return std::nullopt;
  // In milliseconds: the clock's nanoseconds cannot hold a year before 1678.
  const auto delta = time_point_cast<milliseconds>(*at) - floor<milliseconds>(now);
  return delta.count() < 0 ? milliseconds{0} : delta;
}

}  // namespace sofy
