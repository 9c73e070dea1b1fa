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

TEST_CASE("pace: delivery_settings_for carries the delivery section and the webhook's max_age") {
  // The defaults of both agree, so a config without `delivery:` changes nothing.
  const delivery_settings built = delivery_settings_for(delivery_config{}, webhook_config{});
  const delivery_settings plain{};
  CHECK(built.post_timeout == plain.post_timeout);
  CHECK(built.max_age == plain.max_age);
  CHECK(built.backoff.base_delay == plain.backoff.base_delay);
  CHECK(built.backoff.max_delay == plain.backoff.max_delay);
  CHECK(built.backoff.max_retry_after == plain.backoff.max_retry_after);
  CHECK(built.post_timeout == 10s);
  CHECK(built.max_age == 24h);

  delivery_config d;
  d.timeout = 3s;
  d.max_age = 2h;  // already resolved into the webhook by the loader
  d.min_backoff = 250ms;
  d.max_backoff = 1min;
  d.max_retry_after = 10min;
  webhook_config w;
  w.max_age = 30min;
  const delivery_settings s = delivery_settings_for(d, w);
  CHECK(s.post_timeout == 3s);
  CHECK(s.max_age == 30min);
  CHECK(s.backoff.base_delay == 250ms);
  CHECK(s.backoff.max_delay == 1min);
  CHECK(s.backoff.max_retry_after == 10min);
  CHECK_FALSE(s.pace);
}
