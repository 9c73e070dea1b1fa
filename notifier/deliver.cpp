#include "notifier/deliver.hpp"

#include "notifier/sinks/slack.hpp"
#include "notifier/sinks/teams.hpp"
#include "notifier/sinks/webhook.hpp"

#include <sofy/duration.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/error.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <boost/url/parse.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace sofy::notifier {

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
using steady = std::chrono::steady_clock;
using sys = std::chrono::system_clock;

steady::time_point to_steady(sys::time_point t) {
  const auto d = t - sys::now();
  if (d > std::chrono::hours(24 * 365)) return steady::now() + std::chrono::hours(24 * 365);
  return steady::now() + std::chrono::duration_cast<steady::duration>(d);
}

std::string short_duration(std::chrono::milliseconds d) { return format_duration(d); }

}  // namespace

post_target parse_post_target(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) throw std::invalid_argument("not an absolute URL");
  post_target out;
  if (u->scheme_id() == boost::urls::scheme::https) {
    out.origin.scheme = http::scheme::https;
  } else if (u->scheme_id() == boost::urls::scheme::http) {
    out.origin.scheme = http::scheme::http;
  } else {
    throw std::invalid_argument("not an http or https URL");
  }
  if (u->host_type() == boost::urls::host_type::ipv6) {
    out.origin.host = u->host_ipv6_address().to_string();
    out.origin.is_ip_literal = true;
  } else if (u->host_type() == boost::urls::host_type::ipv4) {
    out.origin.host = u->host_ipv4_address().to_string();
    out.origin.is_ip_literal = true;
  } else {
    out.origin.host = u->host();
    for (auto& c : out.origin.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (out.origin.host.empty()) throw std::invalid_argument("no host");
  out.origin.port = u->has_port() ? u->port_number() : http::default_port(out.origin.scheme);
  out.target = std::string(u->encoded_path());
  if (out.target.empty()) out.target = "/";
  if (u->has_query()) {
    out.target += '?';
    out.target += u->encoded_query();
  }
  return out;
}

delivery_verdict classify_for(sink_type t, int status, std::string_view body,
                              std::optional<std::chrono::milliseconds> retry_after) {
  switch (t) {
    case sink_type::slack: return slack::classify(status, body, retry_after);
    case sink_type::teams: return teams::classify(status, body, retry_after);
    case sink_type::webhook: break;
  }
  return webhook::classify(status, body, retry_after);
}

relay::relay(asio::any_io_executor ex, webhook_config hook, std::shared_ptr<http::client> http, runtime_env env,
             delivery_settings settings)
    : ex_(ex),
      hook_(std::move(hook)),
      http_(std::move(http)),
      env_(env),
      settings_(std::move(settings)),
      pacer_(settings_.pace.value_or(pacer::for_sink(hook_.type))),
      timer_(ex),
      rng_(std::random_device{}()) {
  set_target();
}

void relay::set_target() {
  try {
    auto t = parse_post_target(hook_.url);
    origin_ = std::move(t.origin);
    target_ = std::move(t.target);
    target_ok_ = true;
  } catch (const std::exception& e) {
    target_ok_ = false;
    env_.log->error("webhook URL is not usable", {{"webhook", hook_.name}, {"error", e.what()}});
  }
}

void relay::update(webhook_config hook, std::shared_ptr<http::client> http, delivery_settings settings) {
  const bool type_changed = hook.type != hook_.type;
  hook_ = std::move(hook);
  http_ = std::move(http);
  settings_ = std::move(settings);
  if (type_changed || settings_.pace) pacer_ = pacer(settings_.pace.value_or(pacer::for_sink(hook_.type)));
  set_target();
  wake();
}

void relay::start() {
  if (running_) return;
  running_ = true;
  stopping_ = false;
  auto self = shared_from_this();
  asio::co_spawn(
      ex_, [self]() { return self->loop(); },
      asio::bind_cancellation_slot(cancel_.slot(), [self](std::exception_ptr e) {
        self->running_ = false;
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            self->env_.log->error("delivery loop ended", {{"webhook", self->hook_.name}, {"error", ex.what()}});
          }
        }
      }));
}

void relay::wake() {
  woken_ = true;
  if (idle_) timer_.cancel();
}

void relay::stop() {
  stopping_ = true;
  timer_.cancel();
}

void relay::abort() {
  stop();
  cancel_.emit(asio::cancellation_type::all);
}

asio::awaitable<void> relay::sleep_until(steady::time_point t, bool wakeable) {
  if (stopping_ || t <= steady::now()) co_return;
  if (wakeable && woken_) co_return;
  timer_.expires_at(t);
  idle_ = wakeable;
  auto op = timer_.async_wait(use_tuple);
  co_await std::move(op);
  idle_ = false;
}

asio::awaitable<void> relay::pace() {
  for (;;) {
    const auto now = steady::now();
    const auto d = pacer_.delay(now);
    if (d <= steady::duration::zero() || stopping_) break;
    co_await sleep_until(now + d, false);
  }
  pacer_.take(steady::now());
}

asio::awaitable<void> relay::loop() {
  while (!stopping_) {
    if (hold_until_ > steady::now()) {
      co_await sleep_until(hold_until_, false);
      continue;
    }
    woken_ = false;
    std::vector<outbox_row> rows;
    std::optional<sys::time_point> next;
    bool failed = false;
    try {
      rows = env_.store->due(hook_.name, sys::now(), settings_.batch);
      if (rows.empty()) next = env_.store->next_due_time(hook_.name);
    } catch (const std::exception& e) {
      env_.log->error("outbox read failed", {{"webhook", hook_.name}, {"error", e.what()}});
      failed = true;
    }
    if (failed) {
      co_await sleep_until(steady::now() + std::chrono::seconds(1), false);
      continue;
    }
    if (rows.empty()) {
      co_await sleep_until(next ? to_steady(*next) : steady::now() + std::chrono::hours(1), true);
      continue;
    }
    for (auto& row : rows) {
      if (stopping_) break;
      co_await pace();
      if (stopping_) break;
      auto op = attempt(std::move(row));
      const attempt_result r = co_await std::move(op);
      if (r == attempt_result::retry) break;  // hold_until_ is set: the receiver is unwell
    }
  }
}

asio::awaitable<void> relay::drain_once() {
  std::vector<outbox_row> rows;
  try {
    rows = env_.store->due(hook_.name, sys::now() + std::chrono::hours(24 * 365 * 50), 1'000'000);
  } catch (const std::exception& e) {
    env_.log->error("outbox read failed", {{"webhook", hook_.name}, {"error", e.what()}});
    co_return;
  }
  for (auto& row : rows) {
    if (stopping_) break;
    co_await pace();
    if (stopping_) break;
    auto op = attempt(std::move(row));
    co_await std::move(op);
  }
}

asio::awaitable<attempt_result> relay::attempt(outbox_row row) {
  auto& m = *env_.metrics;
  auto count = [&](std::string_view result) {
    m.counter_of("sofy_notifier_notifications_total", "Delivery attempts of outbox rows, by webhook and result.",
                 {{"webhook", hook_.name}, {"result", std::string(result)}})
        .inc();
  };
  const auto now = sys::now();
  if (now - row.created_at >= settings_.max_age) {
    const std::string reason = fmt::format("retry age limit {} reached; last error: {}",
                                           short_duration(settings_.max_age),
                                           row.last_error.empty() ? "none" : row.last_error);
    env_.store->mark_dead(row.id, reason);
    count("dead");
    env_.log->error("notification dead-lettered", {{"webhook", hook_.name}, {"delivery", row.request.delivery_id},
                                                    {"attempts", row.attempts}, {"reason", reason}});
    co_return attempt_result::dead;
  }
  if (!target_ok_) co_return attempt_result::skipped;

  http::request req;
  req.method = "POST";
  req.target = target_;
  for (const auto& h : row.request.headers) req.headers.set(h.name, h.value);
  if (!req.headers.contains("User-Agent")) req.headers.set("User-Agent", "sofy-notifier");
  req.body = std::move(row.request.body);
  http::request_options opts;
  opts.deadline = steady::now() + settings_.post_timeout;

  delivery_verdict verdict;
  int status = 0;
  const auto started = steady::now();
  in_flight_ = true;
  auto http = http_;  // a reload may replace the client while this request runs
  try {
    auto op = http->request(origin_, std::move(req), opts);
    http::response res = co_await std::move(op);
    status = res.status;
    std::optional<std::chrono::milliseconds> retry_after;
    if (auto ra = res.headers.get("Retry-After")) retry_after = parse_retry_after(*ra, sys::now());
    verdict = classify_for(hook_.type, res.status, res.body, retry_after);
  } catch (const std::system_error& e) {
    in_flight_ = false;
    if (e.code() == asio::error::operation_aborted && stopping_) {
      env_.log->warn("delivery cancelled at shutdown; it stays queued",
                     {{"webhook", hook_.name}, {"delivery", row.request.delivery_id}});
      co_return attempt_result::skipped;
    }
    verdict = delivery_verdict::transient(fmt::format("no answer: {}", e.what()));
  } catch (const std::exception& e) {
    verdict = delivery_verdict::transient(fmt::format("no answer: {}", e.what()));
  }
  in_flight_ = false;
  const double seconds = std::chrono::duration<double>(steady::now() - started).count();
  m.histogram_of("sofy_notifier_delivery_duration_seconds", "Time from sending a notification to its answer.",
                 metrics_registry::duration_buckets())
      .observe(seconds);

  try {
    switch (verdict.outcome) {
      case delivery_verdict::kind::delivered:
        env_.store->mark_delivered(row.id);
        count("delivered");
        env_.log->debug("notification delivered", {{"webhook", hook_.name}, {"delivery", row.request.delivery_id},
                                                    {"status", status}, {"attempts", row.attempts + 1}});
        co_return attempt_result::delivered;
      case delivery_verdict::kind::permanent:
        env_.store->mark_dead(row.id, verdict.reason);
        count("dead");
        env_.log->error("notification rejected; not retried",
                        {{"webhook", hook_.name}, {"delivery", row.request.delivery_id}, {"status", status},
                         {"reason", verdict.reason}});
        co_return attempt_result::dead;
      case delivery_verdict::kind::transient: break;
    }
    std::chrono::milliseconds delay;
    if (verdict.retry_after) {
      delay = std::min(*verdict.retry_after, settings_.backoff.max_retry_after);
    } else {
      std::uniform_real_distribution<double> u(0.0, 1.0);
      delay = backoff_delay(settings_.backoff, row.attempts + 1, u(rng_));
    }
    // Never past the age limit: the row gets its last attempt then.
    const auto deadline = row.created_at + settings_.max_age;
    auto next = sys::now() + delay;
    if (next > deadline) next = deadline;
    env_.store->mark_retry(row.id, next, verdict.reason);
    count("retried");
    hold_until_ = steady::now() + std::chrono::duration_cast<steady::duration>(next - sys::now());
    env_.log->warn("notification failed; will retry",
                   {{"webhook", hook_.name}, {"delivery", row.request.delivery_id}, {"status", status},
                    {"attempts", row.attempts + 1}, {"retry_in", short_duration(delay)},
                    {"reason", verdict.reason}});
    co_return attempt_result::retry;
  } catch (const std::exception& e) {
    env_.log->error("outbox update failed", {{"webhook", hook_.name}, {"error", e.what()}});
    co_return attempt_result::skipped;
  }
}

}  // namespace sofy::notifier
