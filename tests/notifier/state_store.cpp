// Tests notifier/state_store.hpp on real SQLite files in a temporary directory: schema
// creation, reopening, migration from version 0, files it must refuse (newer, foreign,
// random bytes, damaged), commit_poll atomicity and idempotence, the delivery side's
// queries and transitions, pruning, counts, the instance lock, and a child process killed
// with SIGKILL at random moments while it commits.
#include "notifier/state_store.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using namespace sofy::notifier;
using sys_clock = std::chrono::system_clock;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "sofy-store-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

const auto t0 =
    sys_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 12 / 4}} + 10h;
const std::string guid = "0B6EF3F2-AAAA-BBBB-CCCC-000000000001";

outbox_message msg(std::string webhook, std::string id, std::string body = "{\"text\":\"hello\"}") {
  outbox_message m;
  m.webhook = std::move(webhook);
  m.request.delivery_id = std::move(id);
  m.request.body = std::move(body);
  m.request.headers = {{"Content-Type", "application/json"}, {"X-Sofy-Event", "test_changed"}};
  return m;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// The database header (https://sqlite.org/fileformat.html): user_version at offset 60,
// application_id at 68, both 4-byte big-endian.
std::uint32_t header_u32(const std::string& file, std::size_t offset) {
  REQUIRE(file.size() >= offset + 4);
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(file[offset + i]);
  return v;
}

void set_header_u32(std::string& file, std::size_t offset, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i)
    file[offset + i] = static_cast<char>((v >> (8 * (3 - i))) & 0xFF);
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

std::string open_error(const fs::path& file) {
  try {
    state_store::open(file);
  } catch (const state_store_error& e) {
    return e.what();
  }
  FAIL("open succeeded on " << file);
  return {};
}

std::vector<outbox_row> all_pending(state_store& s, const std::string& webhook) {
  return s.due(webhook, t0 + 24h * 365 * 100, 1'000'000);
}

}  // namespace

TEST_CASE("state_store: creates the schema, and a reopened file keeps everything") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  {
    auto s = state_store::open(file);
    CHECK(s.path() == file);
    CHECK(s.load_state(guid) == std::nullopt);
    CHECK(s.integrity_check() == "ok");
    std::vector<outbox_message> m{msg("qa-slack", "d1"), msg("qa-hook", "d2")};
    CHECK(s.commit_poll(guid, "{\"version\":1}", m, t0) == 2);
  }
  CHECK_FALSE(fs::exists(dir.path / "state.db-wal"));  // checkpointed into the file at close
  auto bytes = read_file(file);
  CHECK(bytes.substr(0, 16) == std::string("SQLite format 3\0", 16));
  CHECK(header_u32(bytes, 60) == static_cast<std::uint32_t>(state_store::schema_version));
  CHECK(header_u32(bytes, 68) == 0x534F4659);  // application_id 'SOFY'

  auto s = state_store::open(file);
  CHECK(s.load_state(guid) == "{\"version\":1}");
  auto rows = all_pending(s, "qa-slack");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].request.delivery_id == "d1");
  CHECK(rows[0].request.headers == msg("x", "y").request.headers);
  CHECK(s.pending_total() == 2);
}

TEST_CASE("state_store: a version 0 file (empty) is migrated to the current schema") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  write_file(file, "");  // an empty file is a SQLite database with user_version 0
  {
    auto s = state_store::open(file);
    CHECK(s.commit_poll(guid, "A", std::vector{msg("h", "1")}, t0) == 1);
  }
  auto bytes = read_file(file);
  CHECK(header_u32(bytes, 60) == static_cast<std::uint32_t>(state_store::schema_version));
  auto s = state_store::open(file);
  CHECK(s.load_state(guid) == "A");
  CHECK(s.integrity_check() == "ok");
}

TEST_CASE("state_store: a file written by a newer version is refused and left alone") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  {
    auto s = state_store::open(file);
    s.commit_poll(guid, "A", {}, t0);
  }
  auto bytes = read_file(file);
  set_header_u32(bytes, 60, state_store::schema_version + 1);
  write_file(file, bytes);

  auto e = open_error(file);
  CHECK_THAT(e, Catch::Contains(file.string()));
  CHECK_THAT(e, Catch::Contains("newer sofy-notifier"));
  CHECK_THAT(e, Catch::Contains(std::to_string(state_store::schema_version + 1)));
  CHECK(read_file(file) == bytes);
}

TEST_CASE("state_store: another application's database is refused") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  { state_store::open(file); }
  auto bytes = read_file(file);
  set_header_u32(bytes, 68, 0x12345678);
  write_file(file, bytes);
  auto e = open_error(file);
  CHECK_THAT(e, Catch::Contains(file.string()));
  CHECK_THAT(e, Catch::Contains("not a sofy-notifier state file"));
  CHECK(read_file(file) == bytes);
}

TEST_CASE("state_store: a file of random bytes gives a clear error") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  auto bytes = random_bytes(16384, 7);
  write_file(file, bytes);
  auto e = open_error(file);
  CHECK_THAT(e, Catch::StartsWith("state store '" + file.string() + "': "));
  CHECK_THAT(e, Catch::Contains("not a SQLite database"));
  CHECK(read_file(file) == bytes);
}

TEST_CASE("state_store: a file in a missing directory gives a clear error") {
  temp_dir dir;
  auto file = dir.path / "no-such-dir" / "state.db";
  auto e = open_error(file);
  CHECK_THAT(e, Catch::StartsWith("state store '" + file.string() + "': opening: "));
  CHECK_THAT(e, Catch::Contains("No such file or directory"));
  // Without the lock file, SQLite's own error.
  try {
    state_store::open(file, {.lock = false});
    FAIL("opened a file in a missing directory");
  } catch (const state_store_error& x) {
    CHECK_THAT(std::string(x.what()), Catch::StartsWith("state store '" + file.string() + "': "));
  }
}

TEST_CASE("state_store: a file with damaged pages is reported when opened") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  {
    auto s = state_store::open(file);
    for (int i = 0; i < 50; ++i)
      s.commit_poll(guid, std::string(500, 'x'),
                    std::vector{msg("h", std::to_string(i), std::string(2000, 'b'))}, t0);
  }
  auto bytes = read_file(file);
  REQUIRE(bytes.size() > 8192);
  auto page_size = std::size_t{header_u32(bytes, 16) >> 16};  // 2 bytes at offset 16
  REQUIRE(page_size >= 512);
  // Every page but the first (the header and the schema) becomes noise.
  auto noise = random_bytes(bytes.size() - page_size, 11);
  bytes.replace(page_size, noise.size(), noise);
  write_file(file, bytes);
  auto e = open_error(file);
  CHECK_THAT(e, Catch::Contains(file.string()));
  CHECK_THAT(e, Catch::Contains("damaged"));
}

TEST_CASE("state_store: commit_poll stores the state and its rows") {
  temp_dir dir;
  auto s = state_store::open(dir.path / "state.db");
  std::vector<outbox_message> m{msg("qa-slack", "a", "{\"n\":1}"), msg("qa-slack", "b", "")};
  m[1].request.headers.clear();
  CHECK(s.commit_poll(guid, "S1", m, t0) == 2);
  CHECK(s.load_state(guid) == "S1");
  CHECK(s.load_state("other") == std::nullopt);

  auto rows = all_pending(s, "qa-slack");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id < rows[1].id);
  CHECK(rows[0].webhook == "qa-slack");
  CHECK(rows[0].request.delivery_id == "a");
  CHECK(rows[0].request.body == "{\"n\":1}");
  CHECK(rows[0].request.headers == m[0].request.headers);
  CHECK(rows[1].request.body.empty());
  CHECK(rows[1].request.headers.empty());
  CHECK(rows[0].created_at == t0);
  CHECK(rows[0].next_attempt_at == t0);
  CHECK(rows[0].attempts == 0);
  CHECK(rows[0].last_error.empty());
  CHECK(rows[0].state == delivery_state::pending);
  CHECK_FALSE(rows[0].delivered_at);
  CHECK_FALSE(rows[0].dead_at);

  // A later poll replaces the state and adds its rows.
  CHECK(s.commit_poll(guid, "S2", std::vector{msg("qa-slack", "c")}, t0 + 1s) == 1);
  CHECK(s.load_state(guid) == "S2");
  CHECK(s.pending_total() == 3);

  // A state with every byte value (no text encoding assumptions) comes back as it went in.
  std::string odd;
  for (int c = 1; c < 256; ++c) odd.push_back(static_cast<char>(c));
  s.commit_poll("odd", odd, {}, t0);
  CHECK(s.load_state("odd") == odd);
}

TEST_CASE("state_store: a commit_poll that fails stores nothing of it") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  auto s = state_store::open(file);
  s.commit_poll(guid, "before", std::vector{msg("h", "old")}, t0);

  // The second row is invalid (no delivery id): the state update and the first row,
  // already written inside the transaction, must go with it.
  std::vector<outbox_message> m{msg("h", "new-1", "SECRET-BODY-1"), msg("h", "", "SECRET-BODY-2")};
  try {
    s.commit_poll(guid, "after", m, t0 + 1s);
    FAIL("commit_poll accepted an empty delivery id");
  } catch (const state_store_error& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::Contains(file.string()));
    CHECK_THAT(what, Catch::Contains("commit_poll"));
    CHECK_THAT(what, !Catch::Contains("SECRET-BODY"));
  }
  CHECK(s.load_state(guid) == "before");
  auto rows = all_pending(s, "h");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].request.delivery_id == "old");

  // The store is usable afterwards: the failed transaction was rolled back, not left open.
  CHECK(s.commit_poll(guid, "after", std::vector{msg("h", "new-1")}, t0 + 2s) == 1);
  CHECK(s.load_state(guid) == "after");
  CHECK(s.pending_total() == 2);
}

TEST_CASE("state_store: re-inserting a delivery id is ignored, per webhook") {
  temp_dir dir;
  auto s = state_store::open(dir.path / "state.db");
  std::vector<outbox_message> m{msg("slack", "e1"), msg("slack", "e2"), msg("hook", "e1")};
  CHECK(s.commit_poll(guid, "S1", m, t0) == 3);  // the same id for two webhooks: two rows

  // The poll redone after a crash: the state is written again, the rows are not.
  CHECK(s.commit_poll(guid, "S1", m, t0 + 5s) == 0);
  CHECK(s.pending_total() == 3);

  // Nor once delivered: the delivered row stays delivered and nothing is queued again.
  auto first = all_pending(s, "slack").at(0);
  REQUIRE(s.mark_delivered(first.id, t0 + 6s));
  CHECK(s.commit_poll(guid, "S1", std::vector{msg("slack", "e1", "changed body")}, t0 + 7s) == 0);
  auto again = s.row(first.id);
  REQUIRE(again);
  CHECK(again->state == delivery_state::delivered);
  CHECK(again->request.body == first.request.body);
  CHECK(s.pending_total() == 2);

  // A duplicate inside one poll counts once.
  CHECK(s.commit_poll(guid, "S2", std::vector{msg("slack", "e3"), msg("slack", "e3")}, t0) == 1);
}

TEST_CASE("state_store: due and next_due_time order and filter by time and webhook") {
  temp_dir dir;
  auto s = state_store::open(dir.path / "state.db");
  CHECK(s.next_due_time("slack") == std::nullopt);
  CHECK(s.due("slack", t0, 10).empty());

  s.commit_poll("g1", "x", std::vector{msg("slack", "a"), msg("teams", "t")}, t0);
  s.commit_poll("g2", "x", std::vector{msg("slack", "b")}, t0 + 1s);
  s.commit_poll("g1", "y", std::vector{msg("slack", "c")}, t0 + 2s);

  auto ids = [](const std::vector<outbox_row>& rows) {
    std::vector<std::string> out;
    for (auto& r : rows) out.push_back(r.request.delivery_id);
    return out;
  };
  CHECK(ids(s.due("slack", t0 - 1ms, 10)).empty());
  CHECK(ids(s.due("slack", t0, 10)) == std::vector<std::string>{"a"});
  CHECK(ids(s.due("slack", t0 + 1500ms, 10)) == std::vector<std::string>{"a", "b"});
  CHECK(ids(s.due("slack", t0 + 1h, 10)) == std::vector<std::string>{"a", "b", "c"});
  CHECK(ids(s.due("slack", t0 + 1h, 2)) == std::vector<std::string>{"a", "b"});
  CHECK(ids(s.due("slack", t0 + 1h, 0)).empty());
  CHECK(ids(s.due("teams", t0 + 1h, 10)) == std::vector<std::string>{"t"});
  CHECK(ids(s.due("nobody", t0 + 1h, 10)).empty());
  CHECK(s.next_due_time("slack") == t0);

  // "a" is retried in a minute: "b" and "c" are due before it, and come first.
  auto a = s.due("slack", t0, 1).at(0);
  REQUIRE(s.mark_retry(a.id, t0 + 60s, "HTTP 503"));
  CHECK(ids(s.due("slack", t0 + 30s, 10)) == std::vector<std::string>{"b", "c"});
  CHECK(ids(s.due("slack", t0 + 60s, 10)) == std::vector<std::string>{"b", "c", "a"});
  CHECK(ids(s.due("slack", t0 + 60s, 1)) == std::vector<std::string>{"b"});
  // Rows due at the same moment come in commit order.
  s.commit_poll("g4", "x", std::vector{msg("same", "z"), msg("same", "y"), msg("same", "x")}, t0);
  CHECK(ids(s.due("same", t0, 10)) == std::vector<std::string>{"z", "y", "x"});
  CHECK(s.next_due_time("slack") == t0 + 1s);

  for (auto& r : s.due("slack", t0 + 30s, 10)) REQUIRE(s.mark_delivered(r.id, t0 + 30s));
  CHECK(s.next_due_time("slack") == t0 + 60s);
  REQUIRE(s.mark_dead(a.id, "HTTP 404", t0 + 61s));
  CHECK(s.next_due_time("slack") == std::nullopt);
  CHECK(s.next_due_time("teams") == t0);

  // Millisecond precision, as stored.
  s.commit_poll("g3", "x", std::vector{msg("ms", "m")}, t0 + 1234ms);
  CHECK(s.next_due_time("ms") == t0 + 1234ms);
  CHECK(s.due("ms", t0 + 1233ms, 1).empty());
  CHECK(s.due("ms", t0 + 1234ms, 1).size() == 1);
}

TEST_CASE("state_store: retry, delivered and dead transitions") {
  temp_dir dir;
  auto s = state_store::open(dir.path / "state.db");
  s.commit_poll(guid, "x", std::vector{msg("h", "1"), msg("h", "2"), msg("h", "3")}, t0);
  auto rows = all_pending(s, "h");
  REQUIRE(rows.size() == 3);
  auto r1 = rows[0].id, r2 = rows[1].id, r3 = rows[2].id;

  CHECK(s.mark_retry(r1, t0 + 10s, "connect: connection refused"));
  CHECK(s.mark_retry(r1, t0 + 30s, "HTTP 429 rate limited"));
  auto row = s.row(r1);
  REQUIRE(row);
  CHECK(row->state == delivery_state::pending);
  CHECK(row->attempts == 2);
  CHECK(row->next_attempt_at == t0 + 30s);
  CHECK(row->last_error == "HTTP 429 rate limited");
  CHECK(s.mark_delivered(r1, t0 + 31s));
  row = s.row(r1);
  CHECK(row->state == delivery_state::delivered);
  CHECK(row->attempts == 3);
  CHECK(row->delivered_at == t0 + 31s);
  CHECK(row->last_error == "HTTP 429 rate limited");  // the history of the last failure stays

  // Long reasons are cut to 256 bytes, on a character boundary ("é" is 2 bytes).
  std::string reason = "x" + std::string(200, 'a');
  for (int i = 0; i < 100; ++i) reason += "\xc3\xa9";
  CHECK(s.mark_dead(r2, reason, t0 + 5s));
  row = s.row(r2);
  CHECK(row->state == delivery_state::dead);
  CHECK(row->attempts == 1);
  CHECK(row->dead_at == t0 + 5s);
  CHECK_FALSE(row->delivered_at);
  CHECK(row->last_error.size() == 255);
  CHECK(row->last_error == reason.substr(0, 255));

  // Only pending rows move; the others (and unknown ids) are left as they are.
  CHECK_FALSE(s.mark_delivered(r2, t0 + 6s));
  CHECK_FALSE(s.mark_retry(r1, t0 + 60s, "late"));
  CHECK_FALSE(s.mark_dead(r1, "late", t0 + 60s));
  CHECK_FALSE(s.mark_delivered(999999, t0));
  CHECK(s.row(r2)->state == delivery_state::dead);
  CHECK(s.row(r1)->state == delivery_state::delivered);
  CHECK(s.row(r1)->attempts == 3);
  CHECK(s.row(999999) == std::nullopt);

  CHECK(s.mark_delivered(r3, t0 + 1s));
  CHECK(all_pending(s, "h").empty());
}

TEST_CASE("state_store: prune deletes settled rows only, each by its own cutoff") {
  temp_dir dir;
  auto s = state_store::open(dir.path / "state.db");
  std::vector<outbox_message> m;
  for (int i = 0; i < 6; ++i) m.push_back(msg("h", std::to_string(i)));
  s.commit_poll(guid, "x", m, t0);
  auto rows = all_pending(s, "h");
  REQUIRE(rows.size() == 6);
  s.mark_delivered(rows[0].id, t0 + 1h);
  s.mark_delivered(rows[1].id, t0 + 3h);
  s.mark_dead(rows[2].id, "HTTP 400", t0 + 1h);
  s.mark_dead(rows[3].id, "HTTP 400", t0 + 3h);
  s.mark_retry(rows[4].id, t0 + 1h, "HTTP 500");
  // rows[5] stays pending, created at t0: far older than any cutoff, and kept.

  CHECK(s.prune(t0 + 2h, t0) == 1);  // delivered at 1h
  CHECK(s.row(rows[0].id) == std::nullopt);
  CHECK(s.row(rows[2].id));               // dead letters kept longer
  CHECK(s.prune(t0 + 2h, t0 + 2h) == 1);  // dead at 1h
  CHECK(s.row(rows[2].id) == std::nullopt);
  CHECK(s.prune(t0 + 100h, t0 + 100h) == 2);
  CHECK(s.prune(t0 + 100h, t0 + 100h) == 0);
  CHECK(s.pending_total() == 2);
  CHECK(all_pending(s, "h").size() == 2);

  // Pruned ids are not reused: a new row sorts after every earlier one.
  s.commit_poll(guid, "y", std::vector{msg("h", "new")}, t0);
  auto after = all_pending(s, "h");
  REQUIRE(after.size() == 3);
  CHECK(after[0].request.delivery_id == "5");  // due at t0, committed first
  CHECK(after[1].request.delivery_id == "new");
  CHECK(after[1].id > rows[5].id);
  CHECK(after[2].request.delivery_id == "4");  // retried, due at t0 + 1h
  // And a pruned delivery id may come back as a new row: it is no longer known.
  CHECK(s.commit_poll(guid, "y", std::vector{msg("h", "0")}, t0) == 1);
}

TEST_CASE("state_store: counts per webhook and state, pending total, webhooks with pending") {
  temp_dir dir;
  auto s = state_store::open(dir.path / "state.db");
  CHECK(s.counts().empty());
  CHECK(s.pending_total() == 0);
  CHECK(s.webhooks_with_pending().empty());

  s.commit_poll(guid, "x",
                std::vector{msg("teams", "1"), msg("slack", "1"), msg("slack", "2"),
                            msg("slack", "3"), msg("old-hook", "1")},
                t0);
  auto slack = all_pending(s, "slack");
  s.mark_delivered(slack[0].id, t0);
  s.mark_dead(slack[1].id, "HTTP 403", t0);
  s.mark_delivered(all_pending(s, "teams")[0].id, t0);

  CHECK(s.counts() == std::vector<outbox_count>{{"old-hook", delivery_state::pending, 1},
                                                {"slack", delivery_state::pending, 1},
                                                {"slack", delivery_state::delivered, 1},
                                                {"slack", delivery_state::dead, 1},
                                                {"teams", delivery_state::delivered, 1}});
  CHECK(s.pending_total() == 2);
  CHECK(s.webhooks_with_pending() == std::vector<std::string>{"old-hook", "slack"});
  CHECK(to_string(delivery_state::pending) == "pending");
  CHECK(to_string(delivery_state::delivered) == "delivered");
  CHECK(to_string(delivery_state::dead) == "dead");
}

TEST_CASE("state_store: a file already open elsewhere is refused while the lock is held") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  {
    auto first = state_store::open(file);
    auto e = open_error(file);
    CHECK_THAT(e, Catch::Contains(file.string()));
    CHECK_THAT(e, Catch::Contains("in use by another process"));
    CHECK_THAT(e, Catch::Contains("pid " + std::to_string(::getpid())));
    first.commit_poll(guid, "still mine", {}, t0);  // the failed open did not disturb it
    CHECK(first.load_state(guid) == "still mine");
  }
  auto again = state_store::open(file);  // released with the store
  CHECK(again.load_state(guid) == "still mine");

  // Without the lock (a reader that knows what it does), a second store may open it.
  {
    auto reader = state_store::open(file, {.lock = false});
    CHECK(reader.load_state(guid) == "still mine");
  }

  // Moving a store moves the lock; the moved-to store works.
  auto moved = std::move(again);
  CHECK(moved.load_state(guid) == "still mine");
  CHECK_THAT(open_error(file), Catch::Contains("in use by another process"));
}

namespace {

// Poll n of the crash test commits state "n" with rows_for(n) rows (0 to 7), with
// bodies large enough that a transaction spans several pages.
std::size_t rows_for(long n) { return static_cast<std::size_t>(n % 8); }

[[noreturn]] void crash_child(const fs::path& file, int report_fd) {
  try {
    auto s = state_store::open(file);
    long n = 0;
    if (auto saved = s.load_state("crash")) n = std::stol(*saved);
    std::string body(700, 'b');
    for (;;) {
      ++n;
      std::vector<outbox_message> m;
      for (std::size_t i = 0; i < rows_for(n); ++i)
        m.push_back(
            msg(i % 2 ? "slack" : "hook", std::to_string(n) + ":" + std::to_string(i), body));
      s.commit_poll("crash", std::to_string(n), m);
      // Reported only once committed: the parent then knows n must survive.
      if (::write(report_fd, &n, sizeof n) != sizeof n) ::_exit(3);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash child: %s\n", e.what());
  }
  ::_exit(2);
}

}  // namespace

TEST_CASE("state_store: a child killed with SIGKILL at random moments leaves whole polls") {
  temp_dir dir;
  auto file = dir.path / "state.db";
  std::random_device rd;
  auto seed = rd();
  INFO("seed " << seed);
  std::mt19937 rng(seed);

  long last_seen = 0;
  for (int round = 0; round < 8; ++round) {
    // Short delays catch the first commits after a recovery; longer ones a busy loop.
    std::uniform_int_distribution<int> delay_ms(0, round % 2 ? 40 : 250);
    auto delay = std::chrono::milliseconds(delay_ms(rng));
    INFO("round " << round << ", kill after " << delay.count() << " ms");

    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      crash_child(file, fds[1]);
    }
    ::close(fds[1]);

    // Wait for the first commit of this round, then let it run and kill it.
    pollfd pfd{fds[0], POLLIN, 0};
    REQUIRE(::poll(&pfd, 1, 20000) == 1);
    std::this_thread::sleep_for(delay);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));  // not an exit: the child failed on its own otherwise
    CHECK(WTERMSIG(status) == SIGKILL);

    long reported = 0, n = 0;
    while (::read(fds[0], &n, sizeof n) == sizeof n) reported = n;
    ::close(fds[0]);
    REQUIRE(reported > last_seen);

    auto s = state_store::open(file);
    CHECK(s.integrity_check() == "ok");
    auto saved = s.load_state("crash");
    REQUIRE(saved);
    long committed = std::stol(*saved);
    INFO("reported " << reported << ", committed " << committed);
    // Every commit that returned survived; at most the one after it also made it.
    CHECK(committed >= reported);
    CHECK(committed <= reported + 1);

    // Exactly the rows of polls 1..committed, each poll's all there.
    std::map<long, std::size_t> per_poll;
    std::size_t total = 0;
    for (const char* hook : {"hook", "slack"}) {
      for (auto& r : all_pending(s, hook)) {
        auto colon = r.request.delivery_id.find(':');
        REQUIRE(colon != std::string::npos);
        ++per_poll[std::stol(r.request.delivery_id.substr(0, colon))];
        CHECK(r.request.body.size() == 700);
        ++total;
      }
    }
    std::size_t expected_total = 0;
    for (long p = 1; p <= committed; ++p) {
      expected_total += rows_for(p);
      if (per_poll[p] != rows_for(p)) FAIL_CHECK("poll " << p << " has " << per_poll[p] << " rows");
    }
    CHECK(total == expected_total);
    CHECK(s.pending_total() == expected_total);
    last_seen = committed;
  }
}

// Not run by ctest (hidden): `sofy_notifier_unit_tests "[.bench]"` prints commits per
// second of commit_poll with no rows and with 3 rows, with synchronous NORMAL and FULL.
TEST_CASE("state_store: commit_poll throughput", "[.bench]") {
  temp_dir dir;
  std::string state(1500, 's');  // a schedule state of a few groups
  std::string body(1200, 'b');   // a Slack message
  for (bool full : {false, true}) {
    for (std::size_t rows : {0u, 3u}) {
      auto file =
          dir.path / (std::string(full ? "full-" : "normal-") + std::to_string(rows) + ".db");
      auto s = state_store::open(file, {.full_sync = full});
      const int polls = full ? 300 : 5000;
      std::vector<outbox_message> m(rows);
      auto start = std::chrono::steady_clock::now();
      auto cpu_start = std::clock();
      for (int i = 0; i < polls; ++i) {
        for (std::size_t k = 0; k < rows; ++k)
          m[k] = msg(k ? "slack" : "hook", std::to_string(i) + "." + std::to_string(k), body);
        s.commit_poll("g" + std::to_string(i % 1000), state, m);
      }
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      // Wall time includes waiting for fsync (every commit with FULL, at checkpoints with
      // NORMAL); CPU time is what the notifier's one thread spends.
      std::cout << "commit_poll, " << rows << " rows, synchronous=" << (full ? "FULL" : "NORMAL")
                << ": " << static_cast<long>(polls / took.count()) << " commits/s, "
                << static_cast<long>(took.count() / polls * 1e6) << " us wall and "
                << static_cast<long>(cpu / polls * 1e6) << " us CPU each\n";
      CHECK(s.pending_total() == rows * polls);
    }
  }
  // Opening runs quick_check over the whole file: its cost on a file of 10,000 schedule
  // states and 30,000 pending rows.
  auto file = dir.path / "big.db";
  {
    auto s = state_store::open(file);
    std::vector<outbox_message> m(3);
    for (int i = 0; i < 10000; ++i) {
      for (std::size_t k = 0; k < 3; ++k)
        m[k] = msg("slack", std::to_string(i) + "." + std::to_string(k), body);
      s.commit_poll("g" + std::to_string(i), state, m);
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto s = state_store::open(file);
  std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  std::cout << "open of a " << fs::file_size(file) / (1024 * 1024)
            << " MiB file: " << static_cast<long>(took.count()) << " ms\n";
  CHECK(s.pending_total() == 30000);
}
