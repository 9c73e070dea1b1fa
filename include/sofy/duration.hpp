// Durations as people write them in configs and on the command line.
//
// Grammar: one or more <number><unit> terms, largest unit first, each unit at most
// once, no spaces between terms (surrounding whitespace is ignored):
//     250ms   30s   5m   2h   1h30m   1m30s   2h5m10s500ms   1.5s   0.25h   0s
// Units: ms, s, m, h (case-sensitive: "M" and "S" are errors, not guesses).
// A number is decimal digits with an optional fraction ("1.5"); the total must be
// a whole number of milliseconds. Rejected, with the reason in `why`: empty text,
// a number without a unit (even "0"), unknown units, negative values, units out of
// order or repeated, sub-millisecond precision, and totals that overflow.
#pragma once

#include <sofy/detail/config.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sofy {

// The duration, or nullopt with a one-line reason stored in *why (when given), e.g.
// `unknown unit "x" in "5x" (expected ms, s, m or h)`.
SOFY_DECL std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                                  std::string* why = nullptr);

// The shortest text parse_duration reads back as the same value, e.g. "1m30s",
// "250ms", "2h", "1h0m5s" is written "1h5s"; zero is "0s". A negative duration gets a
// leading '-' (which parse_duration rejects).
SOFY_DECL std::string format_duration(std::chrono::milliseconds d);

}  // namespace sofy

#if SOFY_HEADER_ONLY
#include <sofy/impl/duration.ipp>
#endif
