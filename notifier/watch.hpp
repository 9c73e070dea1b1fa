// Watching: one coroutine per schedule on one io_context, each polling Sofy, detecting
// changes and committing them with their outbox rows before anything is sent.
//
// A poll: run_groups(guid); status() of groups_to_poll(state, list); detect(); for each
// webhook the schedule uses, the events its notify_on lets through as one batch, rendered
// by its sink into outbox rows; then ONE store.commit_poll(guid, next state, rows); then
// the relays of those webhooks are woken. A poll that changes nothing writes nothing.
//
// - Concurrency: every Sofy request, over all schedules, takes a slot of one semaphore of
//   sofy.max_concurrent_requests.
// - Jitter: a schedule's first poll comes at a random point within its interval, and each
//   later one after the interval +-10%, so a thousand schedules never poll in lockstep.
// - Failures (API down, 4xx, a bad answer, a store error) are logged with the schedule's
//   name and counted; the next poll comes after the interval, doubled per failure in a row
//   up to 8 intervals (at most 5 minutes beyond one interval). They never end the watcher.
// - The detection state stays in memory after the first load (the store holds the
//   durable copy), so a poll parses no blob.
// - Dry run: nothing is committed; the rows are handed to a callback instead (the state
//   moves on in memory only).
#pragma once

#include "notifier/config.hpp"
#include "notifier/deliver.hpp"
#include "notifier/detect.hpp"

#include <sofy/client.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace sofy::notifier {

// An async counting semaphore: acquire() waits for a free slot, FIFO.
class async_semaphore {
 public:
  async_semaphore(asio::any_io_executor ex, std::size_t limit)
      : ex_(ex), available_(static_cast<long>(limit)), limit_(limit) {}
  // Throws asio::error::operation_aborted (as std::system_error) when cancelled.
  asio::awaitable<void> acquire();
  void release();
  // A reload: more or fewer slots (slots in use stay until released).
  void set_limit(std::size_t limit);
  long available() const noexcept { return available_; }
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  struct waiter {
    explicit waiter(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    bool granted = false;
  };
  asio::any_io_executor ex_;
  long available_;
  std::size_t limit_ = 0;
  std::deque<waiter*> waiters_;
};

struct watch_settings {
  detect_options detect{};
  bool dry_run = false;
  bool jitter = true;  // false: every schedule polls at once, then every interval exactly
};

class watcher {
 public:
  using wake_fn = std::function<void(const std::string& webhook)>;
  using dry_run_fn = std::function<void(const outbox_message&)>;

  // `wake` is called after a commit for each webhook that got rows; `dry` receives the rows
  // instead of the store in a dry run.
  watcher(asio::any_io_executor ex, runtime_env env, watch_settings settings, wake_fn wake, dry_run_fn dry = {});
  ~watcher();

  // Applies a config: schedules not watched yet start, removed ones stop, kept ones (same
  // guid) keep their state and take the new name, interval and webhooks. `client` serves
  // every poll from now on. With start_loops false nothing is spawned (for poll_all_once).
  void apply(std::shared_ptr<const config> cfg, std::shared_ptr<sofy::client> client, bool start_loops = true);

  // Stops every loop: no new poll starts; a poll in flight is cancelled (nothing of it is
  // committed unless the commit already happened).
  void stop();
  // Schedules whose loop still runs.
  std::size_t running() const noexcept { return running_; }
  std::size_t schedules() const noexcept { return slots_.size(); }

  // Every schedule polled once, concurrently within the semaphore; true when every poll
  // succeeded.
  asio::awaitable<bool> poll_all_once();

  struct slot;  // one schedule's loop and state

 private:
  asio::awaitable<void> loop(std::shared_ptr<slot> s);
  asio::awaitable<bool> poll(std::shared_ptr<slot> s);
  asio::awaitable<bool> poll_guarded(std::shared_ptr<slot> s);
  void spawn(const std::shared_ptr<slot>& s);
  std::chrono::milliseconds jittered(std::chrono::milliseconds d, double lo, double hi);

  asio::any_io_executor ex_;
  runtime_env env_;
  watch_settings settings_;
  wake_fn wake_;
  dry_run_fn dry_;
  std::shared_ptr<const config> cfg_;
  std::shared_ptr<sofy::client> client_;
  std::shared_ptr<async_semaphore> sem_;
  std::map<std::string, std::shared_ptr<slot>> slots_;  // by guid
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::minstd_rand rng_;
};

// The outbox rows of one detection for every webhook the schedule uses (their sinks'
// render of the events each webhook's notify_on lets through).
std::vector<outbox_message> render_for_webhooks(const config& cfg, const schedule_config& sched,
                                                const std::vector<event>& events);

}  // namespace sofy::notifier
