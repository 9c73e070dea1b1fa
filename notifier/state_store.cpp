// The only file of the project that includes SQLite.
#include "notifier/state_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <tuple>
#include <utility>

namespace sofy::notifier {

namespace {

using sys_clock = std::chrono::system_clock;

// 'SOFY' in PRAGMA application_id marks the file as ours (see https://sqlite.org/fileformat.html).
constexpr std::int32_t application_id = 0x534F4659;

constexpr std::size_t max_error_text = 256;

// Ordered migrations: entry i takes user_version i to i + 1, in its own transaction with
// the version bump. Append, never edit: files in the field were written by every one.
constexpr const char* migrations[] = {
    // 0 -> 1: schedule state and the outbox.
    R"sql(
CREATE TABLE schedule_state(
  guid       TEXT PRIMARY KEY NOT NULL CHECK (guid <> ''),
  state      TEXT NOT NULL,
  updated_at INTEGER NOT NULL               -- ms since the Unix epoch, as every time here
);
CREATE TABLE outbox(
  id              INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused, even after pruning
  delivery_id     TEXT NOT NULL CHECK (delivery_id <> ''),
  webhook         TEXT NOT NULL CHECK (webhook <> ''),  -- the webhook's config name, never a URL
  body            TEXT NOT NULL,
  headers         TEXT NOT NULL,                        -- JSON: [["name","value"],...]
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'dead')),
  delivered_at    INTEGER,
  dead_at         INTEGER,
  UNIQUE (webhook, delivery_id)
);
-- Serves due(), next_due_time(), counts() and webhooks_with_pending().
CREATE INDEX outbox_by_webhook ON outbox(webhook, state, next_attempt_at);
)sql",
};
static_assert(std::size(migrations) == state_store::schema_version);

std::int64_t to_ms(sys_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

sys_clock::time_point from_ms(std::int64_t ms) {
  return sys_clock::time_point{
      std::chrono::duration_cast<sys_clock::duration>(std::chrono::milliseconds{ms})};
}

// At most max_error_text bytes, cut on a UTF-8 character boundary.
std::string_view short_text(std::string_view s) {
  if (s.size() <= max_error_text) return s;
  std::size_t n = max_error_text;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string serialize_headers(const std::vector<http_header>& headers) {
  boost::json::array a;
  a.reserve(headers.size());
  for (auto& h : headers) a.push_back(boost::json::array{h.name, h.value});
  return boost::json::serialize(a);
}

bool parse_headers(std::string_view text, std::vector<http_header>& out) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return false;
  for (auto& e : v.get_array()) {
    auto* pair = e.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string())
      return false;
    out.push_back({std::string((*pair)[0].get_string()), std::string((*pair)[1].get_string())});
  }
  return true;
}

std::optional<delivery_state> state_from_text(std::string_view s) {
  for (auto d : {delivery_state::pending, delivery_state::delivered, delivery_state::dead})
    if (to_string(d) == s) return d;
  return std::nullopt;
}

struct db_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~unique_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

constexpr const char* row_columns =
    "id, webhook, delivery_id, body, headers, created_at, attempts, next_attempt_at, "
    "last_error, state, delivered_at, dead_at";

}  // namespace

std::string_view to_string(delivery_state s) noexcept {
  switch (s) {
    case delivery_state::pending: return "pending";
    case delivery_state::delivered: return "delivered";
    case delivery_state::dead: return "dead";
  }
  return "unknown";
}

namespace store_detail {

// Everything an open store holds. A namespace-scope type (state_store::impl only derives
// from it) so that the helpers below can take it.
struct core {
  std::filesystem::path file;
  unique_fd lock;  // declared before db: released only after the database is closed
  db_ptr db;

  stmt_ptr begin, commit, rollback;
  stmt_ptr load_state, upsert_state, insert_row;
  stmt_ptr due, next_due, row_by_id;
  stmt_ptr mark_delivered, mark_retry, mark_dead;
  stmt_ptr prune, counts, pending_total, webhooks_with_pending;

  [[noreturn]] void fail(std::string_view op, std::string_view what) const {
    throw state_store_error(fmt::format("state store '{}': {}: {}", file.string(), op, what));
  }
  [[noreturn]] void fail_sqlite(std::string_view op, const char* message = nullptr) const {
    if (!db) fail(op, "out of memory");
    std::string what = message ? message : sqlite3_errmsg(db.get());
    switch (sqlite3_errcode(db.get()) & 0xFF) {
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT: what += " (the file is damaged or is not a SQLite database)"; break;
      case SQLITE_BUSY: what += " (another process holds a lock on it)"; break;
      default: break;
    }
    fail(op, what);
  }

  void exec(const char* sql, std::string_view op) {
    char* msg = nullptr;
    if (sqlite3_exec(db.get(), sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string what = msg ? msg : sqlite3_errmsg(db.get());
      sqlite3_free(msg);
      fail_sqlite(op, what.c_str());
    }
  }

  // Preparing reads the schema, so it is where a file that is not a database fails first.
  stmt_ptr prepare(const char* sql, std::string_view op,
                   unsigned flags = SQLITE_PREPARE_PERSISTENT) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db.get(), sql, -1, flags, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      fail_sqlite(op);
    }
    return stmt_ptr{s};
  }
  stmt_ptr prepare(const char* sql) { return prepare(sql, "preparing statements"); }

  // A one-off query's single integer (pragmas read at open).
  std::int64_t query_int(const char* sql, std::string_view op) {
    auto s = prepare(sql, op, 0);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) return sqlite3_column_int64(s.get(), 0);
    if (rc == SQLITE_DONE) return 0;
    fail_sqlite(op);
  }
  std::string query_text(const char* sql, std::string_view op) {
    auto s = prepare(sql, op, 0);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 0))) : "";
    }
    if (rc == SQLITE_DONE) return {};
    fail_sqlite(op);
  }

  std::string integrity(const char* pragma, std::string_view op) {
    auto s = prepare(pragma, op, 0);
    std::string out;
    int n = 0, rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      if (n++ == 5) {
        out += "; ...";
        break;
      }
      if (!out.empty()) out += "; ";
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      out += p ? p : "";
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail_sqlite(op);
    return out;
  }

  void migrate();
  void prepare_all();
};

}  // namespace store_detail

struct state_store::impl : store_detail::core {};

namespace {

using store_detail::core;

// One use of a prepared statement: binds, steps, reads columns, and resets the statement
// when it goes out of scope, so that no statement keeps a read transaction open.
class use {
 public:
  use(core& st, stmt_ptr& s, std::string_view op) : st_(st), s_(s.get()), op_(op) {}
  use(const use&) = delete;
  use& operator=(const use&) = delete;
  ~use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  use& bind(int i, std::string_view v) {
    // A null pointer would bind SQL NULL: an empty view still binds ''.
    check(
        sqlite3_bind_text64(s_, i, v.data() ? v.data() : "", v.size(), SQLITE_STATIC, SQLITE_UTF8));
    return *this;
  }
  use& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(s_, i, v));
    return *this;
  }

  // true: a row is there to read; false: done.
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    st_.fail_sqlite(op_);
  }
  void run() {
    while (step()) {
    }
  }

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  std::optional<sys_clock::time_point> time(int col) const {
    if (null(col)) return std::nullopt;
    return from_ms(int64(col));
  }

  outbox_row read_row() const {
    outbox_row r;
    r.id = int64(0);
    r.webhook = text(1);
    r.request.delivery_id = text(2);
    r.request.body = text(3);
    if (!parse_headers(text(4), r.request.headers))
      st_.fail(op_, fmt::format("outbox row {}: the stored headers are malformed", r.id));
    r.created_at = from_ms(int64(5));
    r.attempts = static_cast<int>(int64(6));
    r.next_attempt_at = from_ms(int64(7));
    r.last_error = text(8);
    auto s = state_from_text(text(9));
    if (!s) st_.fail(op_, fmt::format("outbox row {}: unknown state", r.id));
    r.state = *s;
    r.delivered_at = time(10);
    r.dead_at = time(11);
    return r;
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) st_.fail_sqlite(op_);
  }
  core& st_;
  sqlite3_stmt* s_;
  std::string_view op_;
};

// BEGIN IMMEDIATE: the write lock is taken up front, so COMMIT does not fail on a lock.
// Rolls back unless committed, including when COMMIT itself failed.
class transaction {
 public:
  transaction(core& st, std::string_view op) : st_(st), op_(op) { use(st_, st_.begin, op_).run(); }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction() {
    if (!sqlite3_get_autocommit(st_.db.get())) {
      sqlite3_step(st_.rollback.get());
      sqlite3_reset(st_.rollback.get());
    }
  }
  void commit() { use(st_, st_.commit, op_).run(); }

 private:
  core& st_;
  std::string_view op_;
};

}  // namespace

void store_detail::core::migrate() {
  for (;;) {
    exec("BEGIN IMMEDIATE", "migrating the schema");
    try {
      // Read again under the write lock: the version is the transaction's, not a guess.
      auto version = query_int("PRAGMA user_version", "migrating the schema");
      if (version >= state_store::schema_version) {
        exec("COMMIT", "migrating the schema");
        return;
      }
      auto op = fmt::format("migrating the schema from version {} to {}", version, version + 1);
      exec(migrations[version], op);
      if (version == 0) exec(fmt::format("PRAGMA application_id = {}", application_id).c_str(), op);
      exec(fmt::format("PRAGMA user_version = {}", version + 1).c_str(), op);
      exec("COMMIT", op);
    } catch (...) {
      if (!sqlite3_get_autocommit(db.get()))
        sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

void store_detail::core::prepare_all() {
  begin = prepare("BEGIN IMMEDIATE");
  commit = prepare("COMMIT");
  rollback = prepare("ROLLBACK");
  load_state = prepare("SELECT state FROM schedule_state WHERE guid = ?1");
  upsert_state = prepare(
      "INSERT INTO schedule_state(guid, state, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (guid) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
  insert_row = prepare(
      "INSERT INTO outbox(delivery_id, webhook, body, headers, created_at, next_attempt_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (webhook, delivery_id) DO NOTHING");
  // In index order, so that LIMIT stops early even with a long backlog (no sort).
  due = prepare(fmt::format("SELECT {} FROM outbox WHERE webhook = ?1 AND state = 'pending' "
                            "AND next_attempt_at <= ?2 ORDER BY next_attempt_at, id LIMIT ?3",
                            row_columns)
                    .c_str());
  next_due =
      prepare("SELECT min(next_attempt_at) FROM outbox WHERE webhook = ?1 AND state = 'pending'");
  row_by_id = prepare(fmt::format("SELECT {} FROM outbox WHERE id = ?1", row_columns).c_str());
  mark_delivered = prepare(
      "UPDATE outbox SET state = 'delivered', delivered_at = ?2, attempts = attempts + 1 "
      "WHERE id = ?1 AND state = 'pending'");
  mark_retry = prepare(
      "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3, attempts = attempts + 1 "
      "WHERE id = ?1 AND state = 'pending'");
  mark_dead = prepare(
      "UPDATE outbox SET state = 'dead', dead_at = ?2, last_error = ?3, attempts = attempts + 1 "
      "WHERE id = ?1 AND state = 'pending'");
  prune = prepare(
      "DELETE FROM outbox WHERE (state = 'delivered' AND delivered_at < ?1) "
      "OR (state = 'dead' AND dead_at < ?2)");
  counts = prepare("SELECT webhook, state, count(*) FROM outbox GROUP BY webhook, state");
  pending_total = prepare("SELECT count(*) FROM outbox WHERE state = 'pending'");
  webhooks_with_pending =
      prepare("SELECT DISTINCT webhook FROM outbox WHERE state = 'pending' ORDER BY webhook");
}

state_store state_store::open(const std::filesystem::path& file,
                              const state_store_options& options) {
  auto p = std::make_unique<impl>();
  p->file = file;

  if (options.lock) {
    auto lock_path = file.string() + ".lock";
    unique_fd fd{::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
    if (fd.get() < 0)
      p->fail("opening",
              fmt::format("cannot open the lock file '{}': {}", lock_path, std::strerror(errno)));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err != EWOULDBLOCK)
        p->fail("opening", fmt::format("cannot lock '{}': {}", lock_path, std::strerror(err)));
      char pid[32] = {};
      auto n = ::pread(fd.get(), pid, sizeof pid - 1, 0);
      std::string_view holder(pid, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
        holder.remove_suffix(1);
      p->fail("opening",
              fmt::format("in use by another process{} (it holds '{}')",
                          holder.empty() ? "" : fmt::format(" (pid {})", holder), lock_path));
    }
    // For the operator who finds the lock held: which process holds it.
    auto me = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd.get(), 0) != 0 ||
        ::pwrite(fd.get(), me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
      // Informational only; the lock itself is held.
    }
    p->lock = std::move(fd);
  }

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      file.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  p->db.reset(raw);
  if (rc != SQLITE_OK) p->fail_sqlite("opening");
  sqlite3_extended_result_codes(p->db.get(), 1);
  auto busy_ms = std::clamp<std::int64_t>(options.busy_timeout.count(), 0, INT_MAX);
  sqlite3_busy_timeout(p->db.get(), static_cast<int>(busy_ms));

  // What the file is, before anything is written to it. The first read of a file that is
  // not a database fails here.
  auto app = p->query_int("PRAGMA application_id", "reading the header");
  auto version = p->query_int("PRAGMA user_version", "reading the header");
  auto objects = p->query_int("SELECT count(*) FROM sqlite_schema", "reading the schema");
  if (app != application_id && !(app == 0 && version == 0 && objects == 0))
    p->fail("opening", "not a sofy-notifier state file (a SQLite database of another application)");
  if (version > schema_version)
    p->fail("opening", fmt::format("schema version {} was written by a newer sofy-notifier; this "
                                   "one knows versions up to {}",
                                   version, schema_version));

  // WAL: a commit appends to the log and readers never block the writer; a crash leaves
  // the last transaction either whole in the log or ignored.
  auto mode = p->query_text("PRAGMA journal_mode = WAL", "switching to WAL mode");
  if (mode != "wal")
    p->fail(
        "switching to WAL mode",
        fmt::format("the journal mode stayed '{}' (is the file on a network file system?)", mode));
  // synchronous=NORMAL by default. With WAL it syncs the log at checkpoints, not at every
  // commit. A commit that returned survives any crash of the process (the log is written
  // before COMMIT returns), and the file is never corrupted. A power loss or OS crash can
  // take back the last commits, but only whole transactions: a poll's state goes back with
  // its rows, so the next poll detects the same changes again and re-creates the rows with
  // the same delivery ids; a mark_delivered taken back means one more send. Both are
  // duplicates, which at-least-once delivery allows. FULL would fsync every commit: some
  // milliseconds each on ordinary disks (~4-5 ms measured here, against ~15-80 us), spent
  // blocking the notifier's one io_context thread, for every poll that saw a change.
  p->exec(options.full_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
          "setting synchronous");
  p->exec("PRAGMA foreign_keys = ON", "enabling foreign keys");
  // Truncate the log after a checkpoint that followed a burst, instead of keeping it large.
  p->exec("PRAGMA journal_size_limit = 8388608", "setting journal_size_limit");

  // A damaged file is reported now, naming the file, rather than as a failure of some
  // later commit. quick_check reads every page once (milliseconds for a few megabytes).
  if (objects > 0) {
    auto check = p->integrity("PRAGMA quick_check", "checking the file");
    if (check != "ok") p->fail("checking the file", fmt::format("the file is damaged: {}", check));
  }

  p->migrate();
  p->prepare_all();
  return state_store{std::move(p)};
}

state_store::state_store(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
state_store::state_store(state_store&&) noexcept = default;
state_store& state_store::operator=(state_store&&) noexcept = default;
state_store::~state_store() = default;

const std::filesystem::path& state_store::path() const noexcept { return impl_->file; }

std::optional<std::string> state_store::load_state(std::string_view schedule_guid) {
  use q(*impl_, impl_->load_state, "load_state");
  q.bind(1, schedule_guid);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

std::size_t state_store::commit_poll(std::string_view schedule_guid, std::string_view state,
                                     std::span<const outbox_message> messages,
                                     sys_clock::time_point now) {
  auto& st = *impl_;
  constexpr std::string_view op = "commit_poll";
  auto at = to_ms(now);
  transaction tx(st, op);
  {
    use q(st, st.upsert_state, op);
    q.bind(1, schedule_guid).bind(2, state).bind(3, at).run();
  }
  std::size_t added = 0;
  std::string headers;
  for (auto& m : messages) {
    headers = serialize_headers(m.request.headers);
    use q(st, st.insert_row, op);
    q.bind(1, m.request.delivery_id).bind(2, m.webhook).bind(3, m.request.body).bind(4, headers);
    q.bind(5, at).run();
    added += static_cast<std::size_t>(sqlite3_changes(st.db.get()));
  }
  tx.commit();
  return added;
}

std::vector<outbox_row> state_store::due(std::string_view webhook, sys_clock::time_point now,
                                         std::size_t limit) {
  std::vector<outbox_row> rows;
  if (limit == 0) return rows;
  use q(*impl_, impl_->due, "due");
  q.bind(1, webhook).bind(2, to_ms(now));
  q.bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  while (q.step()) rows.push_back(q.read_row());
  return rows;
}

std::optional<sys_clock::time_point> state_store::next_due_time(std::string_view webhook) {
  use q(*impl_, impl_->next_due, "next_due_time");
  q.bind(1, webhook);
  if (!q.step()) return std::nullopt;
  return q.time(0);
}

std::optional<outbox_row> state_store::row(std::int64_t id) {
  use q(*impl_, impl_->row_by_id, "row");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return q.read_row();
}

bool state_store::mark_delivered(std::int64_t id, sys_clock::time_point now) {
  use q(*impl_, impl_->mark_delivered, "mark_delivered");
  q.bind(1, id).bind(2, to_ms(now)).run();
  return sqlite3_changes(impl_->db.get()) > 0;
}

bool state_store::mark_retry(std::int64_t id, sys_clock::time_point next_attempt_at,
                             std::string_view error) {
  use q(*impl_, impl_->mark_retry, "mark_retry");
  q.bind(1, id).bind(2, to_ms(next_attempt_at)).bind(3, short_text(error)).run();
  return sqlite3_changes(impl_->db.get()) > 0;
}

bool state_store::mark_dead(std::int64_t id, std::string_view reason, sys_clock::time_point now) {
  use q(*impl_, impl_->mark_dead, "mark_dead");
  q.bind(1, id).bind(2, to_ms(now)).bind(3, short_text(reason)).run();
  return sqlite3_changes(impl_->db.get()) > 0;
}

std::size_t state_store::prune(sys_clock::time_point delivered_before,
                               sys_clock::time_point dead_before) {
  use q(*impl_, impl_->prune, "prune");
  q.bind(1, to_ms(delivered_before)).bind(2, to_ms(dead_before)).run();
  return static_cast<std::size_t>(sqlite3_changes(impl_->db.get()));
}

std::vector<outbox_count> state_store::counts() {
  std::vector<outbox_count> out;
  use q(*impl_, impl_->counts, "counts");
  while (q.step()) {
    auto s = state_from_text(q.text(1));
    if (!s) impl_->fail("counts", "an outbox row has an unknown state");
    out.push_back({q.text(0), *s, static_cast<std::uint64_t>(q.int64(2))});
  }
  std::sort(out.begin(), out.end(), [](const outbox_count& a, const outbox_count& b) {
    return std::tie(a.webhook, a.state) < std::tie(b.webhook, b.state);
  });
  return out;
}

std::uint64_t state_store::pending_total() {
  use q(*impl_, impl_->pending_total, "pending_total");
  return q.step() ? static_cast<std::uint64_t>(q.int64(0)) : 0;
}

std::vector<std::string> state_store::webhooks_with_pending() {
  std::vector<std::string> out;
  use q(*impl_, impl_->webhooks_with_pending, "webhooks_with_pending");
  while (q.step()) out.push_back(q.text(0));
  return out;
}

std::string state_store::integrity_check() {
  return impl_->integrity("PRAGMA integrity_check", "integrity_check");
}

}  // namespace sofy::notifier
