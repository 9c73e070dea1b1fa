// Delivery: one outbox relay per webhook, sending the rows the watcher committed.
//
// A relay takes its webhook's due rows oldest first, paces them (pace.hpp: Slack 1/s,
// Teams 4/s), POSTs each body with its headers to the webhook URL and records the
// outcome in the store (the sink's classify decides):
//   delivered (2xx)           mark_delivered
//   transient (no answer, timeout, 408, 429, 5xx)
//                             mark_retry after backoff with full jitter, or exactly the
//                             Retry-After the receiver asked for (capped); the relay then
//                             holds the whole webhook until that time, since a 429 or an
//                             outage concerns the receiver, not one message
//   permanent (other 4xx)     mark_dead at once, logged with the webhook name and status
//   older than max_age        mark_dead ("retry age limit")
// One request in flight per webhook, which keeps messages in order while all goes well.
// A relay sleeps until the next row is due or the watcher wakes it (new rows).
//
// Webhooks are named by their config name in logs and metrics; the URL never appears.
#pragma once

#include "notifier/config.hpp"
#include "notifier/log.hpp"
#include "notifier/metrics.hpp"
#include "notifier/pace.hpp"
#include "notifier/state_store.hpp"

#include <sofy/http/client.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>

namespace sofy::notifier {

// What the runtime's parts share. Every pointer outlives the parts.
struct runtime_env {
  logger* log = nullptr;
  metrics_registry* metrics = nullptr;
  state_store* store = nullptr;  // nullptr in a dry run
};


// What one attempt came to.
enum class attempt_result { delivered, retry, dead, skipped };

class relay : public std::enable_shared_from_this<relay> {
 public:
  relay(asio::any_io_executor ex, webhook_config hook, std::shared_ptr<http::client> http, runtime_env env,
        delivery_settings settings);

  const std::string& name() const noexcept { return hook_.name; }
  const webhook_config& hook() const noexcept { return hook_; }

  // Starts the loop (long-running mode).
  void start();
  // New rows were committed for this webhook.
  void wake();
  // Ends the loop after the request in flight, if any, has its answer.
  void stop();
  // Also cancels the request in flight (its row stays pending, its attempt uncounted).
  void abort();
  // Whether the loop runs, or a request is in flight.
  bool running() const noexcept { return running_ || in_flight_; }

  // A reload: the webhook's new settings; pacing and the hold carry over.
  void update(webhook_config hook, std::shared_ptr<http::client> http, delivery_settings settings);

  // For `run --once`: one attempt of every pending row, due or not, oldest first, paced.
  asio::awaitable<void> drain_once();

  // One attempt of one row, recorded in the store.
  asio::awaitable<attempt_result> attempt(outbox_row row);

 private:
  asio::awaitable<void> loop();
  asio::awaitable<void> sleep_until(std::chrono::steady_clock::time_point t, bool wakeable);
  asio::awaitable<void> pace();
  void set_target();

  asio::any_io_executor ex_;
  webhook_config hook_;
  std::shared_ptr<http::client> http_;
  runtime_env env_;
  delivery_settings settings_;
  pacer pacer_;
  http::origin origin_;
  std::string target_;
  bool target_ok_ = false;

  asio::steady_timer timer_;
  asio::cancellation_signal cancel_;
  std::chrono::steady_clock::time_point hold_until_{};
  bool running_ = false;
  bool stopping_ = false;
  bool idle_ = false;   // waiting for rows: wake() may interrupt
  bool woken_ = false;  // wake() came while busy
  bool in_flight_ = false;
  std::minstd_rand rng_;
};

// The Asio-free part of a URL for a POST: origin and origin-form target. Throws
// std::invalid_argument (without quoting the URL) when it is not an absolute http(s) URL.
struct post_target {
  http::origin origin;
  std::string target;
};
post_target parse_post_target(std::string_view url);

// The sink's classification for the webhook's type.
delivery_verdict classify_for(sink_type t, int status, std::string_view body,
                              std::optional<std::chrono::milliseconds> retry_after);

}  // namespace sofy::notifier
