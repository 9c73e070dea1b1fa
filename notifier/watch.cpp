#include "notifier/watch.hpp"

#include "notifier/sinks/slack.hpp"
#include "notifier/sinks/teams.hpp"
#include "notifier/sinks/webhook.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>

namespace sofy::notifier {

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
using steady = std::chrono::steady_clock;

// Holds one semaphore slot for a scope.
class held_slot {
 public:
  explicit held_slot(std::shared_ptr<async_semaphore> s) : s_(std::move(s)) {}
  held_slot(const held_slot&) = delete;
  held_slot& operator=(const held_slot&) = delete;
  ~held_slot() { s_->release(); }

 private:
  std::shared_ptr<async_semaphore> s_;
};

}  // namespace

asio::awaitable<void> async_semaphore::acquire() {
  if (available_ > 0 && waiters_.empty()) {
    --available_;
    co_return;
  }
  waiter w{ex_};
  w.timer.expires_at(steady::time_point::max());
  waiters_.push_back(&w);
  auto op = w.timer.async_wait(use_tuple);
  co_await std::move(op);
  if (!w.granted) {
    std::erase(waiters_, &w);
    throw std::system_error(asio::error::operation_aborted);
  }
}

void async_semaphore::release() {
  if (available_ >= 0 && !waiters_.empty()) {  // hand the slot on
    waiter* w = waiters_.front();
    waiters_.pop_front();
    w->granted = true;
    w->timer.cancel();
    return;
  }
  ++available_;  // below zero: the limit was lowered and this slot is gone
}

void async_semaphore::set_limit(std::size_t limit) {
  available_ += static_cast<long>(limit) - static_cast<long>(limit_);
  limit_ = limit;
  while (available_ > 0 && !waiters_.empty()) {
    --available_;
    waiter* w = waiters_.front();
    waiters_.pop_front();
    w->granted = true;
    w->timer.cancel();
  }
}

struct watcher::slot {
  explicit slot(asio::any_io_executor ex) : timer(ex) {}
  schedule_config sched;
  std::optional<schedule_state> state;  // loaded at the first poll
  asio::steady_timer timer;
  asio::cancellation_signal cancel;
  bool stopped = false;
  bool running = false;
  unsigned failures = 0;  // in a row
};

std::vector<outbox_message> render_for_webhooks(const config& cfg, const schedule_config& sched,
                                                const std::vector<event>& events) {
  std::vector<outbox_message> out;
  if (events.empty()) return out;
  for (const auto& name : sched.webhooks) {
    const webhook_config* hook = cfg.find_webhook(name);
    if (!hook) continue;
    batch b{sched.ref(), {}};
    for (const auto& e : events)
      if (filter(e, hook->notify)) b.events.push_back(e);
    if (b.events.empty()) continue;
    std::vector<outgoing> rendered;
    switch (hook->type) {
      case sink_type::slack: rendered = slack::render(b, *hook); break;
      case sink_type::teams: rendered = teams::render(b, *hook); break;
      case sink_type::webhook: rendered = webhook::render(b, *hook); break;
    }
    for (auto& r : rendered) out.push_back(outbox_message{hook->name, std::move(r)});
  }
  return out;
}

watcher::watcher(asio::any_io_executor ex, runtime_env env, watch_settings settings, wake_fn wake, dry_run_fn dry)
    : ex_(ex),
      env_(env),
      settings_(settings),
      wake_(std::move(wake)),
      dry_(std::move(dry)),
      rng_(std::random_device{}()) {}

watcher::~watcher() { stop(); }

std::chrono::milliseconds watcher::jittered(std::chrono::milliseconds d, double lo, double hi) {
  if (!settings_.jitter) return d;
  std::uniform_real_distribution<double> u(lo, hi);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(d.count()) * u(rng_)));
}

void watcher::apply(std::shared_ptr<const config> cfg, std::shared_ptr<sofy::client> client, bool start_loops) {
  cfg_ = std::move(cfg);
  client_ = std::move(client);
  if (!sem_)
    sem_ = std::make_shared<async_semaphore>(ex_, cfg_->sofy.max_concurrent_requests);
  else
    sem_->set_limit(cfg_->sofy.max_concurrent_requests);
  std::map<std::string, std::shared_ptr<slot>> next;
  for (const auto& sc : cfg_->schedules) {
    auto it = slots_.find(sc.guid);
    std::shared_ptr<slot> s;
    if (it != slots_.end()) {
      s = it->second;
      const bool interval_changed = s->sched.poll_interval != sc.poll_interval;
      s->sched = sc;
      if (interval_changed && s->running) s->timer.cancel();  // re-arm with the new interval
      slots_.erase(it);
    } else {
      s = std::make_shared<slot>(ex_);
      s->sched = sc;
    }
    next.emplace(sc.guid, s);
  }
  for (auto& [guid, s] : slots_) {  // no longer configured
    s->stopped = true;
    s->timer.cancel();
    s->cancel.emit(asio::cancellation_type::all);
  }
  slots_ = std::move(next);
  if (!start_loops || stopping_) return;
  for (auto& [guid, s] : slots_)
    if (!s->running) spawn(s);
}

void watcher::spawn(const std::shared_ptr<slot>& s) {
  s->running = true;
  ++running_;
  auto sp = s;
  asio::co_spawn(ex_, loop(sp), asio::bind_cancellation_slot(s->cancel.slot(), [this, sp](std::exception_ptr) {
                   sp->running = false;
                   --running_;
                 }));
}

void watcher::stop() {
  stopping_ = true;
  for (auto& [guid, s] : slots_) {
    s->stopped = true;
    s->timer.cancel();
    if (s->running) s->cancel.emit(asio::cancellation_type::all);
  }
}

asio::awaitable<void> watcher::loop(std::shared_ptr<slot> s) {
  // The first poll at a random point of the interval, so schedules spread out.
  auto wait = jittered(s->sched.poll_interval, 0.0, 1.0);
  while (!s->stopped && !stopping_) {
    const auto interval = s->sched.poll_interval;
    s->timer.expires_after(wait);
    auto w = s->timer.async_wait(use_tuple);
    auto [ec] = co_await std::move(w);
    if (s->stopped || stopping_) break;
    if (ec && interval != s->sched.poll_interval) {  // a reload changed the interval
      wait = jittered(s->sched.poll_interval, 0.0, 1.0);
      continue;
    }
    auto p = poll_guarded(s);
    const bool ok = co_await std::move(p);
    if (ok) {
      wait = jittered(s->sched.poll_interval, 0.9, 1.1);
    } else {
      const auto base = s->sched.poll_interval;
      const unsigned doublings = std::min(s->failures - 1, 3u);  // at most 8 intervals
      auto backoff = base * (1 << doublings);
      backoff = std::min(backoff, base + std::chrono::milliseconds(300'000));
      wait = jittered(backoff, 0.9, 1.1);
    }
  }
}

asio::awaitable<bool> watcher::poll_guarded(std::shared_ptr<slot> s) {
  auto& m = *env_.metrics;
  const auto started = steady::now();
  bool ok = false;
  std::string error;
  try {
    auto p = poll(s);
    ok = co_await std::move(p);
  } catch (const std::system_error& e) {
    if ((e.code() == asio::error::operation_aborted || e.code() == sofy::errc::cancelled) &&
        (s->stopped || stopping_))
      co_return false;
    error = e.what();
  } catch (const std::exception& e) {
    error = e.what();
  }
  m.counter_of("sofy_notifier_polls_total", "Polls of a schedule (each run-group list and its statuses).").inc();
  m.histogram_of("sofy_notifier_poll_duration_seconds", "Time one poll of a schedule took, requests and commit.",
                 metrics_registry::duration_buckets())
      .observe(std::chrono::duration<double>(steady::now() - started).count());
  if (ok) {
    if (s->failures > 0)
      env_.log->info("poll recovered", {{"schedule", s->sched.name}, {"failures", s->failures}});
    s->failures = 0;
    co_return true;
  }
  ++s->failures;
  m.counter_of("sofy_notifier_poll_errors_total", "Polls that failed (API, transport, answer or store errors).").inc();
  env_.log->log(s->failures == 1 ? log_level::warn : log_level::error, "poll failed",
                {{"schedule", s->sched.name}, {"failures", s->failures}, {"error", error}});
  co_return false;
}

asio::awaitable<bool> watcher::poll(std::shared_ptr<slot> s) {
  auto cfg = cfg_;        // a reload may replace these while the poll runs
  auto client = client_;
  auto sem = sem_;
  const std::string guid = s->sched.guid;

  std::vector<run_group> groups;
  {
    auto a = sem->acquire();
    co_await std::move(a);
    held_slot hold{sem};
    auto op = client->run_groups(guid);
    groups = co_await std::move(op);
  }
  if (s->stopped) co_return false;

  if (!s->state) {
    std::optional<std::string> blob;
    if (env_.store) blob = env_.store->load_state(guid);
    if (blob) {
      try {
        s->state = parse_state(*blob);
      } catch (const std::exception& e) {
        env_.log->error("saved state unreadable; recording a new baseline",
                        {{"schedule", s->sched.name}, {"error", e.what()}});
        s->state.emplace();
      }
    } else {
      s->state.emplace();
    }
  }

  observation obs{s->sched.ref(), std::move(groups), {}};
  const std::vector<std::string> ids = groups_to_poll(*s->state, obs.groups, settings_.detect);
  obs.statuses.reserve(ids.size());
  for (const auto& id : ids) {
    auto a = sem->acquire();
    co_await std::move(a);
    held_slot hold{sem};
    auto op = client->status(guid, id);
    group_status st = co_await std::move(op);
    obs.statuses.push_back(std::move(st));
    if (s->stopped) co_return false;
  }

  const bool baseline = !s->state->initialized;
  detection d = detect(*s->state, obs, std::chrono::system_clock::now(), settings_.detect);
  for (const auto& e : d.events)
    env_.metrics
        ->counter_of("sofy_notifier_events_total", "Events detected, by type (before any webhook's filter).",
                     {{"type", std::string(to_string(e.type))}})
        .inc();
  std::vector<outbox_message> rows = render_for_webhooks(*cfg, s->sched, d.events);

  if (settings_.dry_run || !env_.store) {
    for (const auto& r : rows)
      if (dry_) dry_(r);
    s->state = std::move(d.next);
    co_return true;
  }
  if (d.changed || !rows.empty()) {
    try {
      env_.store->commit_poll(guid, serialize_state(d.next), rows);
    } catch (...) {
      s->state.reset();  // reload the durable copy next time
      throw;
    }
    s->state = std::move(d.next);
  }
  if (baseline)
    env_.log->info("baseline recorded; nothing sent", {{"schedule", s->sched.name}, {"groups", obs.groups.size()}});
  else if (!d.events.empty())
    env_.log->info("changes detected", {{"schedule", s->sched.name}, {"events", d.events.size()},
                                        {"messages", rows.size()}});
  std::vector<std::string> woken;
  for (const auto& r : rows) {
    if (std::find(woken.begin(), woken.end(), r.webhook) != woken.end()) continue;
    woken.push_back(r.webhook);
    if (wake_) wake_(r.webhook);
  }
  co_return true;
}

asio::awaitable<bool> watcher::poll_all_once() {
  struct join {
    std::size_t left = 0;
    bool ok = true;
    asio::steady_timer done;
    explicit join(asio::any_io_executor ex) : done(ex) {}
  };
  auto j = std::make_shared<join>(ex_);
  j->done.expires_at(steady::time_point::max());
  j->left = slots_.size();
  if (j->left == 0) co_return true;
  for (auto& [guid, s] : slots_) {
    auto sp = s;
    asio::co_spawn(ex_, poll_guarded(sp), [j](std::exception_ptr e, bool ok) {
      if (e || !ok) j->ok = false;
      if (--j->left == 0) j->done.cancel();
    });
  }
  auto w = j->done.async_wait(use_tuple);
  co_await std::move(w);
  co_return j->ok && j->left == 0;
}

}  // namespace sofy::notifier
