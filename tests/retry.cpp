// Tests for include/sofy/retry.hpp.
#include <sofy/retry.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using sofy::failure_stage;
using sofy::request_kind;

TEST_CASE("retry rules: which failures are retried", "[retry]") {
  const auto I = request_kind::idempotent;
  const auto N = request_kind::non_idempotent;
  const auto before = failure_stage::before_write;
  const auto after = failure_stage::after_write;
  struct row {
    const char* why;
    request_kind kind;
    failure_stage stage;
    int status;
    bool retry;
  };
  const row rows[] = {
      // Idempotent: transport failures, 408, 429, 5xx.
      {"GET connect failure", I, before, 0, true},
      {"GET reset after the request was sent", I, after, 0, true},
      {"GET 408", I, after, 408, true},
      {"GET 429", I, after, 429, true},
      {"GET 500", I, after, 500, true},
      {"GET 502", I, after, 502, true},
      {"GET 503", I, after, 503, true},
      {"GET 504", I, after, 504, true},
      {"GET 599", I, after, 599, true},
      {"GET 400", I, after, 400, false},
      {"GET 401", I, after, 401, false},
      {"GET 403", I, after, 403, false},
      {"GET 404", I, after, 404, false},
      {"GET 409", I, after, 409, false},
      {"GET 413", I, after, 413, false},
      {"GET 200 is no failure", I, after, 200, false},
      {"GET 301 is not retried", I, after, 301, false},
      {"GET 600 is not 5xx", I, after, 600, false},
      // Non-idempotent: only when it provably did not reach the service.
      {"execute connect failure", N, before, 0, true},
      {"execute reset after writing", N, after, 0, false},
      {"execute 429", N, after, 429, true},
      {"execute 503", N, after, 503, true},
      {"execute 500 may have started a run", N, after, 500, false},
      {"execute 502", N, after, 502, false},
      {"execute 504", N, after, 504, false},
      {"execute 408", N, after, 408, false},
      {"execute 400", N, after, 400, false},
      {"execute 401", N, after, 401, false},
      {"a status means bytes were written: 500 is not retried even if told before_write", N, before, 500, false},
      {"a 4xx is never retried whatever the stage", I, before, 404, false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.why);
    CHECK(sofy::is_retryable(r.kind, r.stage, r.status) == r.retry);
    const auto d = sofy::decide(sofy::retry_policy{}, 1, r.kind, r.stage, r.status, std::nullopt, 0.5);
    CHECK(d.retry == r.retry);
    if (!d.retry) CHECK(d.delay == 0ms);
  }
}

TEST_CASE("retry attempts are bounded by max_attempts", "[retry]") {
  sofy::retry_policy p;  // 4 attempts in all
  const auto decide = [&](int attempt) {
    return sofy::decide(p, attempt, request_kind::idempotent, failure_stage::after_write, 503, std::nullopt, 1.0)
        .retry;
  };
  CHECK(decide(1));
  CHECK(decide(2));
  CHECK(decide(3));
  CHECK_FALSE(decide(4));
  CHECK_FALSE(decide(5));
  p.max_attempts = 1;
  CHECK_FALSE(decide(1));
  p.max_attempts = 0;
  CHECK_FALSE(decide(1));
  p.max_attempts = 2;
  CHECK(decide(0));  // attempts below 1 count as the first
}

TEST_CASE("retry backoff is full jitter over a capped exponential", "[retry]") {
  sofy::retry_policy p;
  p.max_attempts = 100;
  p.base_delay = 500ms;
  p.max_delay = 30s;
  const auto delay = [&](int attempt, double jitter) {
    const auto d =
        sofy::decide(p, attempt, request_kind::idempotent, failure_stage::before_write, 0, std::nullopt, jitter);
    REQUIRE(d.retry);
    return d.delay;
  };
  // jitter 1: the ceiling itself, 500 ms * 2^(attempt-1) up to max_delay.
  CHECK(delay(1, 1.0) == 500ms);
  CHECK(delay(2, 1.0) == 1000ms);
  CHECK(delay(3, 1.0) == 2000ms);
  CHECK(delay(6, 1.0) == 16000ms);
  CHECK(delay(7, 1.0) == 30000ms);  // 32 s capped
  CHECK(delay(60, 1.0) == 30000ms);
  CHECK(delay(99, 1.0) == 30000ms);  // no overflow for large attempts
  // jitter scales it uniformly from zero.
  CHECK(delay(1, 0.0) == 0ms);
  CHECK(delay(3, 0.5) == 1000ms);
  CHECK(delay(7, 0.25) == 7500ms);
  // Out-of-range jitter is clamped.
  CHECK(delay(2, 2.0) == 1000ms);
  CHECK(delay(2, -1.0) == 0ms);
  CHECK(delay(2, std::nan("")) == 0ms);
  CHECK(delay(2, std::numeric_limits<double>::infinity()) == 1000ms);

  CHECK(sofy::backoff_delay(p, 4, 1.0) == 4000ms);
  // A base above the cap is capped.
  p.base_delay = 1h;
  CHECK(sofy::backoff_delay(p, 1, 1.0) == 30s);
}

TEST_CASE("retry honours Retry-After, capped at max_retry_after", "[retry]") {
  sofy::retry_policy p;
  p.max_retry_after = 120s;
  const auto with = [&](milliseconds ra, request_kind kind = request_kind::idempotent, int status = 429) {
    return sofy::decide(p, 1, kind, failure_stage::after_write, status, ra, 0.0);
  };
  // The server's delay is used as is: no jitter, no exponential.
  CHECK(with(7s).retry);
  CHECK(with(7s).delay == 7s);
  CHECK(with(0ms).delay == 0ms);
  CHECK(with(45s, request_kind::non_idempotent, 503).delay == 45s);
  // Beyond the cap it is still retried, after the cap.
  CHECK(with(1h).retry);
  CHECK(with(1h).delay == 120s);
  CHECK(with(-5s).delay == 0ms);
  // Retry-After does not make a permanent failure retryable.
  CHECK_FALSE(with(1s, request_kind::idempotent, 400).retry);
  CHECK_FALSE(with(1s, request_kind::non_idempotent, 500).retry);
}

TEST_CASE("parse_retry_after reads delta-seconds", "[retry]") {
  const auto now = std::chrono::system_clock::now();
  CHECK(sofy::parse_retry_after("120", now) == 120s);
  CHECK(sofy::parse_retry_after("0", now) == 0s);
  CHECK(sofy::parse_retry_after(" 5\t", now) == 5s);
  CHECK(sofy::parse_retry_after("0007", now) == 7s);
  // Huge values saturate instead of overflowing.
  const auto huge = sofy::parse_retry_after("99999999999999999999999", now);
  REQUIRE(huge.has_value());
  CHECK(*huge > milliseconds{std::numeric_limits<std::int64_t>::max() / 2});
}

TEST_CASE("parse_retry_after reads all three HTTP-date forms", "[retry]") {
  using namespace std::chrono;
  // The reference time is 08:49:07 on Sunday, 6 November 1994.
  const system_clock::time_point now = sys_days{1994y / November / 6} + 8h + 49min + 7s;
  CHECK(sofy::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 30s);   // IMF-fixdate
  CHECK(sofy::parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 30s);  // RFC 850
  CHECK(sofy::parse_retry_after("Sun Nov  6 08:49:37 1994", now) == 30s);        // asctime
  CHECK(sofy::parse_retry_after("Sun Nov 06 08:49:37 1994", now) == 30s);
  CHECK(sofy::parse_retry_after("Mon, 07 Nov 1994 08:49:07 GMT", now) == 24h);
  CHECK(sofy::parse_retry_after("Wed Nov 16 08:49:07 1994", now) == days{10});
  // Recipients are lenient about case.
  CHECK(sofy::parse_retry_after("sun, 06 nov 1994 08:49:37 gmt", now) == 30s);
  // A date in the past is a zero delay.
  CHECK(sofy::parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now) == 0s);
  CHECK(sofy::parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now) == 0s);
  CHECK(sofy::parse_retry_after("Sun, 06 Nov 0966 08:49:37 GMT", now) == 0s);  // before the clock's range
  CHECK(sofy::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) > std::chrono::hours{24 * 365 * 8000});
}

TEST_CASE("parse_retry_after puts a two-digit year within 50 years", "[retry]") {
  using namespace std::chrono;
  const system_clock::time_point now = sys_days{2026y / December / 4};
  // "27" is 2027, not 1927.
  CHECK(sofy::parse_retry_after("Saturday, 04-Dec-27 00:00:00 GMT", now) == days{365});
  // "94" would be 2094, more than 50 years ahead: it is 1994, in the past.
  CHECK(sofy::parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 0s);
}

TEST_CASE("parse_retry_after rejects garbage", "[retry]") {
  const auto now = std::chrono::system_clock::now();
  for (const char* bad : {"", "  ", "-1", "1.5", "+5", "5s", "12 34", "soon", "0x10",
                          "Sun, 06 Nov 1994 08:49:37",          // no GMT
                          "Sun, 06 Nov 1994 08:49:37 UTC",      // not GMT
                          "Sun, 6 Nov 1994 08:49:37 GMT",       // one-digit day
                          "Sun, 06 Foo 1994 08:49:37 GMT",      // no such month
                          "Sun, 31 Nov 1994 08:49:37 GMT",      // no such day
                          "Sun, 06 Nov 1994 25:49:37 GMT",      // no such hour
                          "Sun, 06 Nov 1994 08:49:37 GMT x",    // trailing text
                          "Funday, 06-Nov-94 08:49:37 GMT",     // no such weekday
                          "Sunday, 06-Nov-1994 08:49:37 GMT",   // four-digit year in RFC 850
                          "Sun Nov  6 08:49:37 94",             // two-digit year in asctime
                          "Sun Nov   6 08:49:37 1994",          // three spaces
                          "Sun"}) {
    CAPTURE(bad);
    CHECK_FALSE(sofy::parse_retry_after(bad, now).has_value());
  }
}
