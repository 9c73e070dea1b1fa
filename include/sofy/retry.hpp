// When to retry a failed request, and how long to wait first.
//
// A pure policy: the client asks it after each failed attempt and sleeps for the
// delay it returns. The rules (DESIGN.md, "Library sketch"):
//   - idempotent requests (GET, the abort PUT) are retried after transport failures
//     (connect, TLS, timeout, reset), 408, 429 and any 5xx;
//   - non-idempotent requests (POST execute, upload) are retried only when the
//     request provably did not reach the service: a transport failure before any
//     request byte was written, or a 429 or 503 (the service said it did not act);
//   - no other 4xx is ever retried;
//   - at most max_attempts attempts in all (the caller also stops at its deadline).
// The delay is "full jitter" exponential backoff,
//     jitter01 * min(max_delay, base_delay * 2^(attempt-1)),
// unless the answer carried Retry-After: then it is the server's delay, capped at
// max_retry_after. A Retry-After beyond the cap is still retried (after the cap):
// the attempt budget and the caller's deadline bound the whole.
#pragma once

#include <sofy/detail/config.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace sofy {

struct retry_policy {
  int max_attempts = 4;  // attempts in all, the first included; 1 disables retries
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{30000};
  std::chrono::milliseconds max_retry_after{120000};
};

enum class request_kind {
  idempotent,      // GET, PUT abort: safe to repeat
  non_idempotent,  // POST execute, POST build-upload: repeating may start a second run
};

// Whether any byte of the request reached the socket before the failure.
enum class failure_stage { before_write, after_write };

struct retry_decision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  // how long to wait before the next attempt
};

// Whether a failure may be retried at all, attempts aside. http_status 0 means a
// transport failure; with a status, the stage is irrelevant (bytes were written).
SOFY_DECL bool is_retryable(request_kind kind, failure_stage stage, int http_status) noexcept;

// The backoff before attempt `attempt + 1`: jitter01 * min(max_delay, base * 2^(attempt-1)).
// jitter01 outside [0, 1] (or NaN) is clamped.
SOFY_DECL std::chrono::milliseconds backoff_delay(const retry_policy& policy, int attempt, double jitter01) noexcept;

// The decision for one failed attempt. `attempt` is 1-based: the one that failed.
// `retry_after` is the parsed Retry-After of the answer, if any (parse_retry_after);
// `jitter01` a uniform random number in [0, 1] from the caller (so this stays pure).
SOFY_DECL retry_decision decide(const retry_policy& policy, int attempt, request_kind kind, failure_stage stage,
                                int http_status, std::optional<std::chrono::milliseconds> retry_after,
                                double jitter01) noexcept;

// The delay a Retry-After header value asks for, relative to `now`:
// delta-seconds ("120") or an HTTP-date in any of its three forms (IMF-fixdate
// "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", asctime
// "Sun Nov  6 08:49:37 1994"). A date in the past is a zero delay; huge values
// saturate (decide caps them). nullopt for anything else (negative, fractional,
// garbage), in which case the caller falls back to backoff.
SOFY_DECL std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                                     std::chrono::system_clock::time_point now) noexcept;

}  // namespace sofy

#if SOFY_HEADER_ONLY
#include <sofy/impl/retry.ipp>
#endif
