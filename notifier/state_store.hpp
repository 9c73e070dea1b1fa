// The notifier's durable state: one SQLite file holding each schedule's detection state
// and the outbox of messages to deliver.
//
// Delivery is at least once (DESIGN.md "sofy-notifier"): a poll's new state and the
// outbox rows it produced are committed in one transaction (commit_poll) before
// anything is sent; a row is marked delivered after a 2xx. A crash at any moment leaves
// a poll either wholly committed or not at all, and a poll redone after a crash
// re-creates the same delivery ids, which are ignored the second time.
//
//   auto store = state_store::open(config.state_file);
//   auto saved = store.load_state(guid);                       // std::nullopt: baseline
//   store.commit_poll(guid, serialize_state(d.next), messages);
//   for (auto& row : store.due("qa-slack", now, 16)) { ...send...; store.mark_delivered(row.id); }
//
// Rows name their webhook by its config name; the store never sees a URL. Errors are
// state_store_error, naming the file and the operation and never quoting a body.
//
// Thread-compatible: one thread at a time (the notifier's single io_context thread).
// Statements are prepared once, at open, and reused.
#pragma once

#include "notifier/sinks/sink.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::notifier {

// Any failure of the store: "state store '/var/lib/x/state.db': commit_poll: disk I/O error".
struct state_store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class delivery_state { pending, delivered, dead };

// "pending", "delivered", "dead" (as stored, and as /metrics labels).
std::string_view to_string(delivery_state s) noexcept;

// One message a poll wants sent: the webhook's config name and the rendered request.
// (webhook, request.delivery_id) is the row's identity: the generic webhook sink uses
// the event id as delivery id, so two webhooks may carry the same one.
struct outbox_message {
  std::string webhook;
  outgoing request;
};

// An outbox row as stored.
struct outbox_row {
  std::int64_t id = 0;  // never reused, increasing in commit order
  std::string webhook;
  outgoing request;
  std::chrono::system_clock::time_point created_at;
  int attempts = 0;  // outcomes recorded by mark_retry, mark_delivered, mark_dead
  std::chrono::system_clock::time_point next_attempt_at;
  std::string last_error;  // empty until an attempt failed
  delivery_state state = delivery_state::pending;
  std::optional<std::chrono::system_clock::time_point> delivered_at;
  std::optional<std::chrono::system_clock::time_point> dead_at;
};

struct outbox_count {
  std::string webhook;
  delivery_state state = delivery_state::pending;
  std::uint64_t rows = 0;
  friend bool operator==(const outbox_count&, const outbox_count&) = default;
};

struct state_store_options {
  // How long a statement waits for a lock held by another connection (an operator's
  // sqlite3 shell, say) before failing.
  std::chrono::milliseconds busy_timeout{5000};
  // false: PRAGMA synchronous=NORMAL (the default; see state_store.cpp for why).
  // true: synchronous=FULL, an fsync per commit, so not even a power loss can take
  // back a commit that returned.
  bool full_sync = false;
  // Hold an exclusive lock on "<file>.lock" while open, so that a second notifier
  // started on the same state file fails at once instead of delivering everything
  // twice. The lock goes with the process, however it ends.
  bool lock = true;
};

class state_store {
 public:
  // The schema version this program writes (PRAGMA user_version). Older files are
  // migrated on open, step by step, each step in its own transaction.
  static constexpr int schema_version = 1;

  // Opens or creates the file (WAL mode, foreign keys on). Throws state_store_error when
  // the file is not a SQLite database or is corrupt, belongs to another application,
  // was written by a newer version of the notifier, or is locked by another process.
  static state_store open(const std::filesystem::path& file,
                          const state_store_options& options = {});

  state_store(state_store&&) noexcept;
  state_store& operator=(state_store&&) noexcept;
  ~state_store();

  const std::filesystem::path& path() const noexcept;

  // --- Schedule state ----------------------------------------------------------------

  // The blob last committed for the schedule (serialize_state's text), if any.
  std::optional<std::string> load_state(std::string_view schedule_guid);

  // One transaction: the schedule's state becomes `state` and each message becomes a
  // pending outbox row, due at `now`. A message whose (webhook, delivery id) is already
  // in the outbox, in any state, is skipped, so redoing a poll never duplicates.
  // Returns how many rows were added. On any error nothing of it is stored.
  std::size_t commit_poll(
      std::string_view schedule_guid, std::string_view state,
      std::span<const outbox_message> messages,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  // --- Delivery ----------------------------------------------------------------------

  // Up to `limit` pending rows of the webhook whose next attempt is due at `now`, the
  // earliest due first; rows due at the same moment (a poll's rows) in commit order. A
  // new row is due when committed, so rows never retried come in commit order.
  std::vector<outbox_row> due(std::string_view webhook, std::chrono::system_clock::time_point now,
                              std::size_t limit);

  // When the webhook's earliest pending row is due; std::nullopt when none is pending.
  std::optional<std::chrono::system_clock::time_point> next_due_time(std::string_view webhook);

  // The row, in whatever state, if it exists (not pruned).
  std::optional<outbox_row> row(std::int64_t id);

  // Each records the outcome of one attempt (attempts + 1) on a pending row and returns
  // true; on a row that is not pending, or no longer exists, it changes nothing and
  // returns false. `error` and `reason` are short texts for logs (a verdict's reason),
  // kept up to 256 bytes.
  bool mark_delivered(std::int64_t id,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  bool mark_retry(std::int64_t id, std::chrono::system_clock::time_point next_attempt_at,
                  std::string_view error);
  bool mark_dead(std::int64_t id, std::string_view reason,
                 std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  // --- Upkeep and metrics ------------------------------------------------------------

  // Deletes delivered rows delivered before `delivered_before` and dead rows given up
  // before `dead_before` (dead letters are usually kept longer), so the file stays
  // bounded. Pending rows are never pruned. Returns how many rows were deleted.
  std::size_t prune(std::chrono::system_clock::time_point delivered_before,
                    std::chrono::system_clock::time_point dead_before);

  // Rows per webhook and state, sorted by webhook, then pending, delivered, dead; only
  // non-zero counts.
  std::vector<outbox_count> counts();
  std::uint64_t pending_total();

  // Webhooks that have pending rows, sorted: compared with the config, those no longer
  // configured can be reported (their rows wait, in case the webhook comes back).
  std::vector<std::string> webhooks_with_pending();

  // SQLite's PRAGMA integrity_check: "ok", or its first complaints joined by "; ".
  std::string integrity_check();

 private:
  struct impl;
  explicit state_store(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace sofy::notifier
