// Definitions for <sofy/duration.hpp>.
#pragma once

#include <sofy/duration.hpp>

#include <cstdint>
#include <limits>

namespace sofy {

namespace detail {

inline bool duration_fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return false;
}

inline std::string quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('"');
  for (char c : s) {
    // Keep the reason one printable line whatever the input holds.
    const auto u = static_cast<unsigned char>(c);
    q.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  q.push_back('"');
  return q;
}

}  // namespace detail

SOFY_DECL std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string* why) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);

  const auto fail = [&](std::string reason) -> std::optional<std::chrono::milliseconds> {
    detail::duration_fail(why, std::move(reason));
    return std::nullopt;
  };
  const std::string q = detail::quoted(text.size() > 64 ? text.substr(0, 64) : text);
  if (text.empty()) return fail("empty duration (expected e.g. 250ms, 30s, 5m, 2h)");
  if (text.front() == '-') return fail("negative durations are not allowed: " + q);

  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  int last_rank = 4;  // h = 3, m = 2, s = 1, ms = 0
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t term_start = i;
    if (text[i] < '0' || text[i] > '9') {
      return fail("unexpected " + detail::quoted(text.substr(i, 1)) + " in " + q +
                  " (expected terms such as 250ms, 30s, 5m, 2h or 1h30m, written together)");
    }
    std::uint64_t whole = 0;
    bool overflow = false;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      const auto digit = static_cast<std::uint64_t>(text[i] - '0');
      if (whole > (static_cast<std::uint64_t>(max) - digit) / 10) overflow = true;
      else whole = whole * 10 + digit;
    }
    std::uint64_t frac = 0;  // fraction digits as an integer, trailing zeros dropped
    int frac_digits = 0;
    bool too_fine = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const std::size_t start = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      if (i == start) return fail("expected digits after '.' in " + q);
      std::string_view digits = text.substr(start, i - start);
      while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
      // A fraction needing more than 9 digits is finer than a millisecond of any unit.
      if (digits.size() > 9) {
        too_fine = true;
      } else {
        for (char c : digits) {
          frac = frac * 10 + static_cast<std::uint64_t>(c - '0');
          ++frac_digits;
        }
      }
    }
    const std::size_t unit_start = i;
    while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z'))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    const std::string_view term = text.substr(term_start, i - term_start);
    std::int64_t unit_ms = 0;
    int rank = 0;
    if (unit == "h") {
      unit_ms = 3'600'000, rank = 3;
    } else if (unit == "m") {
      unit_ms = 60'000, rank = 2;
    } else if (unit == "s") {
      unit_ms = 1'000, rank = 1;
    } else if (unit == "ms") {
      unit_ms = 1, rank = 0;
    } else if (unit.empty()) {
      if (i < text.size() && text[i] != '.' && (text[i] < '0' || text[i] > '9')) {
        return fail("unexpected " + detail::quoted(text.substr(i, 1)) + " in " + q);
      }
      return fail("missing unit after " + detail::quoted(term) + " in " + q + " (expected ms, s, m or h)");
    } else {
      return fail("unknown unit " + detail::quoted(unit) + " in " + q + " (expected ms, s, m or h)");
    }
    if (rank >= last_rank) {
      return fail("units must go from largest to smallest, each at most once, in " + q);
    }
    last_rank = rank;
    if (overflow || whole > static_cast<std::uint64_t>(max / unit_ms)) return fail("duration too large: " + q);
    std::int64_t value = static_cast<std::int64_t>(whole) * unit_ms;
    if (frac_digits > 0 || too_fine) {
      std::int64_t pow10 = 1;
      for (int k = 0; k < frac_digits; ++k) pow10 *= 10;
      const std::int64_t scaled = static_cast<std::int64_t>(frac) * unit_ms;  // < 1e9 * 3.6e6
      if (too_fine || scaled % pow10 != 0) {
        return fail("finer than a millisecond: " + detail::quoted(term) + " in " + q);
      }
      if (value > max - scaled / pow10) return fail("duration too large: " + q);
      value += scaled / pow10;
    }
    if (total > max - value) return fail("duration too large: " + q);
    total += value;
  }
  return std::chrono::milliseconds{total};
}

SOFY_DECL std::string format_duration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  std::string out;
  std::uint64_t v;
  if (ms < 0) {
    out.push_back('-');
    v = static_cast<std::uint64_t>(-(ms + 1)) + 1;  // no overflow at the minimum
  } else {
    v = static_cast<std::uint64_t>(ms);
  }
  if (v == 0) return "0s";
  const std::uint64_t h = v / 3'600'000, m = v / 60'000 % 60, s = v / 1000 % 60, rest = v % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (rest) out += std::to_string(rest) + "ms";
  return out;
}

}  // namespace sofy
