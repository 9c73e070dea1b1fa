// Tests of notifier/pace.hpp: the pinned rates and the token bucket's arithmetic.
#include "notifier/pace.hpp"

#include <catch2/catch.hpp>

using namespace sofy::notifier;
using namespace std::chrono_literals;

TEST_CASE("pace: Slack 1/s and Teams 4/s are minimum intervals; webhooks are not paced") {
  const auto t0 = pacer::clock::time_point{} + 100s;
  pacer slack{pacer::for_sink(sink_type::slack)};
  CHECK(slack.delay(t0) == pacer::clock::duration::zero());
  slack.take(t0);
  CHECK(slack.delay(t0) == std::chrono::duration_cast<pacer::clock::duration>(1s));
  CHECK(slack.delay(t0 + 400ms) == std::chrono::duration_cast<pacer::clock::duration>(600ms));
  CHECK(slack.delay(t0 + 1s) == pacer::clock::duration::zero());
  slack.take(t0 + 1s);
  // A quiet minute does not allow a burst: burst is 1.
  CHECK(slack.delay(t0 + 61s) == pacer::clock::duration::zero());
  slack.take(t0 + 61s);
  CHECK(slack.delay(t0 + 61s) > 900ms);

  pacer teams{pacer::for_sink(sink_type::teams)};
  teams.take(t0);
  CHECK(teams.delay(t0) == std::chrono::duration_cast<pacer::clock::duration>(250ms));

  pacer hook{pacer::for_sink(sink_type::webhook)};
  for (int i = 0; i < 100; ++i) {
    CHECK(hook.delay(t0) == pacer::clock::duration::zero());
    hook.take(t0);
  }
}

TEST_CASE("pace: ten messages at 4/s take 2.25 s of waiting") {
  pacer p{pace_settings{4.0, 1.0}};
  auto now = pacer::clock::time_point{} + 1s;
  for (int i = 0; i < 10; ++i) {
    now += p.delay(now);
    p.take(now);
  }
  const auto elapsed = now - (pacer::clock::time_point{} + 1s);
  CHECK(elapsed >= 2249ms);
  CHECK(elapsed <= 2251ms);
}

TEST_CASE("pace: a burst allowance lets that many go at once") {
  pacer p{pace_settings{1.0, 3.0}};
  const auto t0 = pacer::clock::time_point{} + 5s;
  for (int i = 0; i < 3; ++i) {
    CHECK(p.delay(t0) == pacer::clock::duration::zero());
    p.take(t0);
  }
  CHECK(p.delay(t0) > 0s);
}
