// Per-webhook pacing (a token bucket) and the other delivery settings; I/O-free (the
// caller sleeps for what it returns).
//
// Pinned rates (DESIGN.md): Slack 1 message/s, Teams 4/s. Generic webhooks are not
// paced by default (a receiver that wants less says so with 429 and Retry-After).
//
//   pacer p{pacer::for_sink(sink_type::slack)};
//   auto wait = p.delay(now);     // zero, or how long until a message may go
//   ...sleep(wait)...; p.take(now + wait); send();
//
// With burst 1 the bucket is a minimum interval between messages, which is what Slack's
// "1 per second" means: a burst of messages after a quiet minute is still spaced out.
#pragma once

#include "notifier/config.hpp"

#include <sofy/retry.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

namespace sofy::notifier {

struct pace_settings {
  double per_second = 0;  // 0: unlimited
  double burst = 1;       // messages that may go back to back after a quiet spell
};

class pacer {
 public:
  using clock = std::chrono::steady_clock;

  pacer() = default;
  explicit pacer(pace_settings s) : s_(s), tokens_(std::max(1.0, s.burst)) {}

  static pace_settings for_sink(sink_type t) noexcept {
    switch (t) {
      case sink_type::slack: return {1.0, 1.0};
      case sink_type::teams: return {4.0, 1.0};
      case sink_type::webhook: break;
    }
    return {0.0, 1.0};
  }

  const pace_settings& settings() const noexcept { return s_; }

  // How long to wait from `now` until the next message may be sent (zero: at once).
  clock::duration delay(clock::time_point now) {
    if (s_.per_second <= 0) return clock::duration::zero();
    refill(now);
    if (tokens_ >= 1.0) return clock::duration::zero();
    const double seconds = (1.0 - tokens_) / s_.per_second;
    return std::chrono::ceil<clock::duration>(std::chrono::duration<double>(seconds));
  }

  // Records that a message is sent at `now` (call after waiting delay(now)).
  void take(clock::time_point now) {
    if (s_.per_second <= 0) return;
    refill(now);
    tokens_ = std::max(0.0, tokens_ - 1.0);
  }

 private:
  void refill(clock::time_point now) {
    if (!started_) {
      started_ = true;
      last_ = now;
      return;
    }
    if (now <= last_) return;
    const double dt = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(std::max(1.0, s_.burst), tokens_ + dt * s_.per_second);
    last_ = now;
  }

  pace_settings s_{};
  double tokens_ = 1.0;
  bool started_ = false;
  clock::time_point last_{};
};

// How a relay sends: timeouts, retries and pacing (deliver.hpp). The defaults are those of
// the config's `delivery:` section (config.hpp).
struct delivery_settings {
  std::chrono::milliseconds post_timeout{10'000};       // one POST, connect included
  std::chrono::milliseconds max_age{24 * 3600 * 1000};  // then a pending row is dead
  // Backoff after transient failures: base_delay, max_delay (full jitter) and the cap on a
  // receiver's Retry-After. max_attempts is not used: max_age bounds the retries.
  retry_policy backoff{.max_attempts = 0,
                       .base_delay = std::chrono::milliseconds(1000),
                       .max_delay = std::chrono::milliseconds(300'000),
                       .max_retry_after = std::chrono::milliseconds(3'600'000)};
  std::size_t batch = 32;  // rows read from the store at a time
  // Pacing; unset: pacer::for_sink(type).
  std::optional<pace_settings> pace;
};

// A relay's settings from the config: its `delivery:` section and the webhook's max_age
// (resolved by the loader: its own or delivery.max_age). Batch and pacing keep their
// defaults; they are not configurable.
inline delivery_settings delivery_settings_for(const delivery_config& d, const webhook_config& w) {
  delivery_settings s;
  s.post_timeout = d.timeout;
  s.max_age = w.max_age;
  s.backoff.base_delay = d.min_backoff;
  s.backoff.max_delay = d.max_backoff;
  s.backoff.max_retry_after = d.max_retry_after;
  return s;
}

}  // namespace sofy::notifier
