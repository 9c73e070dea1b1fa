// Small text helpers shared by the config loader and the renderers: UTF-8 aware
// length and truncation, "did you mean", a safe excerpt of an untrusted HTTP body,
// stable identifiers, and the wording both chat sinks use for counts.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sofy {
struct status_counts;
}

namespace sofy::notifier::detail {

// Number of code points (what Slack and Teams count as characters). A byte that
// does not start a valid UTF-8 sequence counts as one.
std::size_t utf8_length(std::string_view s) noexcept;

// The text with every invalid UTF-8 sequence replaced by U+FFFD, so that a renderer
// never emits a JSON string a chat service would reject.
std::string utf8_sanitize(std::string_view s);

// At most `max_chars` code points: the text itself when it fits, otherwise a prefix
// followed by `ellipsis` (counted within the limit). Never splits a code point.
std::string utf8_truncate(std::string_view s, std::size_t max_chars,
                          std::string_view ellipsis = "\xE2\x80\xA6");

// ASCII case-insensitive equality ("Failed" and "FAILED").
bool iequals(std::string_view a, std::string_view b) noexcept;

// The non-zero counts in a fixed order, then the total: "3 passed, 1 failed of 4";
// "no tests of 0" when every count is zero.
std::string counts_text(const status_counts& c);

// Edit distance (Levenshtein), for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Whether `candidate` is a plausible typo of `word`.
bool is_near(std::string_view word, std::string_view candidate);

// The candidate closest to `word` when it is a plausible typo of it, else empty.
template <class Range>
std::string closest(std::string_view word, const Range& candidates) {
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    std::string_view cv{c};
    if (!is_near(word, cv)) continue;
    std::size_t d = edit_distance(word, cv);
    if (d < best_d) best_d = d, best = std::string(cv);
  }
  return best;
}

// "a, b, c"
template <class Range>
std::string join(const Range& words, std::string_view sep = ", ") {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += std::string_view{w};
  }
  return out;
}

// A response body safe to put in a log line: the body itself when it is a short token
// of letters, digits and `_ . -` (such as Slack's "channel_not_found"), else empty.
// Anything longer or freer may echo a request path that carries a webhook's secret.
std::string_view safe_token(std::string_view body) noexcept;

// A stable identifier derived from `parts`: SHA-256 over the length-prefixed parts,
// shown as an RFC 9562 version-8 UUID ("xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx").
std::string stable_id(std::initializer_list<std::string_view> parts);
std::string stable_id(const std::vector<std::string_view>& parts);

}  // namespace sofy::notifier::detail
