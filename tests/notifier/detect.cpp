// Tests notifier/detect.hpp: the baseline rule, new groups, every transition, finishing,
// stable and distinct ids, bounded state, which groups to poll, and the state's text form.
#include "notifier/detect.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace std::chrono_literals;
using sofy::group_state;
using sofy::group_status;
using sofy::run_group;
using sofy::run_outcome;
using sofy::run_status;
using sofy::test_run;
using namespace sofy::notifier;

namespace {

const schedule_ref nightly{"Nightly smoke", "0B6EF3F2-AAAA-BBBB-CCCC-000000000001"};
const auto now = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 10h;

test_run t(std::string scenario, run_status s, std::string raw = {},
           std::string device = "Pixel 7") {
  test_run r;
  r.scenario = std::move(scenario);
  r.device = std::move(device);
  r.build = "1.4.0(77)";
  r.status = s;
  r.raw_status = raw.empty() ? std::string(sofy::to_string(s)) : std::move(raw);
  return r;
}

group_status gs(std::string id, std::vector<test_run> tests) {
  group_status g;
  g.group_id = std::move(id);
  g.tests = std::move(tests);
  return g;
}

// Run groups are numbered by minute: group "100" + n executed at 10:n.
run_group rg(int n, group_state st = group_state::running) {
  run_group g;
  g.id = std::to_string(100 + n);
  g.executed_at =
      "2026-12-04T10:" + std::string(n < 10 ? "0" : "") + std::to_string(n) + ":00.000Z";
  g.state = st;
  g.raw_state = std::string(sofy::to_string(st));
  return g;
}

observation obs(std::vector<run_group> groups, std::vector<group_status> statuses) {
  return {nightly, std::move(groups), std::move(statuses)};
}

// The state after a baseline of one running group with the given tests.
schedule_state baseline(std::vector<test_run> tests) {
  auto d = detect({}, obs({rg(1)}, {gs("101", std::move(tests))}), now);
  REQUIRE(d.events.empty());
  return d.next;
}

std::vector<event_type> types(const detection& d) {
  std::vector<event_type> out;
  for (const auto& e : d.events) out.push_back(e.type);
  return out;
}

const auto started = event_type::run_started;
const auto changed = event_type::test_changed;
const auto finished = event_type::run_finished;

}  // namespace

TEST_CASE("detect: the first observation records a baseline and emits nothing") {
  auto d = detect({},
                  obs({rg(1), rg(2, group_state::complete)},
                      {gs("101", {t("Login", run_status::failed), t("Pay", run_status::running)})}),
                  now);
  CHECK(d.events.empty());
  CHECK(d.changed);
  CHECK(d.next.initialized);
  REQUIRE(d.next.groups.size() == 2);
  CHECK(d.next.groups[0].id == "102");  // newest first
  CHECK(d.next.groups[0].finished);     // from the list: complete
  CHECK(d.next.groups[0].compacted);    // its tests were not seen
  CHECK(d.next.groups[1].id == "101");
  CHECK_FALSE(d.next.groups[1].compacted);
  CHECK_FALSE(d.next.groups[1].finished);
  REQUIRE(d.next.groups[1].tests.size() == 2);
  auto login = std::find_if(
      d.next.groups[1].tests.begin(), d.next.groups[1].tests.end(),
      [](const test_record& r) { return r.key == test_key_hash(t("Login", run_status::failed)); });
  REQUIRE(login != d.next.groups[1].tests.end());
  CHECK(login->status == run_status::failed);

  // Even an empty first poll is a baseline: what comes after is news.
  auto empty = detect({}, obs({}, {}), now);
  CHECK(empty.events.empty());
  CHECK(empty.next.initialized);
  auto after = detect(empty.next, obs({rg(1)}, {gs("101", {})}), now);
  CHECK(types(after) == std::vector{started});
}

TEST_CASE("detect: nothing new gives no events and no state change") {
  auto s = baseline({t("Login", run_status::running)});
  auto d = detect(s, obs({rg(1)}, {gs("101", {t("Login", run_status::running)})}), now);
  CHECK(d.events.empty());
  CHECK_FALSE(d.changed);
  CHECK(d.next == s);
}

TEST_CASE("detect: a new group gives run_started, then each test from none") {
  auto s = baseline({t("Login", run_status::passed)});
  auto d = detect(s,
                  obs({rg(1), rg(2)}, {gs("102", {t("Login", run_status::queued),
                                                  t("Pay", run_status::running, "In Progress")})}),
                  now);
  REQUIRE(types(d) == std::vector{started, changed, changed});
  const auto& e0 = d.events[0];
  CHECK(e0.group == "102");
  CHECK(e0.schedule == nightly);
  CHECK(e0.observed_at == now);
  CHECK(e0.outcome == run_outcome::running);
  CHECK(e0.counts.total == 2);
  CHECK(d.events[1].test.scenario == "Login");
  CHECK(d.events[1].test.status == run_status::queued);
  CHECK_FALSE(d.events[1].previous_status);
  CHECK(d.events[2].test.raw_status == "In Progress");
  CHECK_FALSE(d.events[2].previous_status);
  CHECK(d.changed);

  // A group that started and finished between two polls is reported in full.
  auto f = detect(s,
                  obs({rg(1), rg(3, group_state::complete)},
                      {gs("103", {t("Login", run_status::passed), t("Pay", run_status::failed)})}),
                  now);
  REQUIRE(types(f) == std::vector{started, changed, changed, finished});
  CHECK(f.events[3].outcome == run_outcome::failed);
  CHECK(f.events[3].counts.passed == 1);
  CHECK(f.events[3].counts.failed == 1);
  CHECK(f.events[3].tests.size() == 2);
}

TEST_CASE("detect: each status transition of a test, as a table") {
  struct row {
    run_status from;
    test_run to;
    bool event;
  };
  const std::vector<row> rows = {
      {run_status::queued, t("A", run_status::running), true},
      {run_status::running, t("A", run_status::passed), true},
      {run_status::running, t("A", run_status::failed), true},
      {run_status::running, t("A", run_status::incomplete), true},
      {run_status::running, t("A", run_status::not_executed), true},
      {run_status::running, t("A", run_status::stopped, "Run Stopped"), true},
      {run_status::running, t("A", run_status::unknown, "Rebooting device"), true},
      {run_status::failed, t("A", run_status::running), true},  // a re-run
      {run_status::unknown, t("A", run_status::queued), true},
      // The enum decides, not the raw text.
      {run_status::running, t("A", run_status::running, "In Progress"), false},
      {run_status::running, t("A", run_status::running, "Setting up Device"), false},
      {run_status::stopped, t("A", run_status::stopped, "Cancelled by User"), false},
      {run_status::unknown, t("A", run_status::unknown, "Something else"), false},
  };
  for (const auto& r : rows) {
    INFO(sofy::to_string(r.from) << " -> " << r.to.raw_status);
    auto s = baseline({t("A", r.from), t("B", run_status::running)});
    auto d = detect(s, obs({rg(1)}, {gs("101", {r.to, t("B", run_status::running)})}), now);
    if (!r.event) {
      CHECK(d.events.empty());
      continue;
    }
    REQUIRE(d.events.size() == 1);
    const auto& e = d.events[0];
    CHECK(e.type == changed);
    CHECK(e.test == r.to);
    REQUIRE(e.previous_status);
    CHECK(*e.previous_status == r.from);
    CHECK(e.group == "101");
    CHECK(e.outcome == run_outcome::running);  // B still runs
  }
}

TEST_CASE("detect: a group whose tests all turn terminal finishes once") {
  auto s = baseline({t("A", run_status::running), t("B", run_status::running)});
  auto d1 = detect(
      s, obs({rg(1)}, {gs("101", {t("A", run_status::passed), t("B", run_status::running)})}), now);
  CHECK(types(d1) == std::vector{changed});
  auto d2 = detect(d1.next,
                   obs({rg(1, group_state::complete)},
                       {gs("101", {t("A", run_status::passed), t("B", run_status::passed)})}),
                   now);
  REQUIRE(types(d2) == std::vector{changed, finished});
  const auto& fin = d2.events[1];
  CHECK(fin.outcome == run_outcome::passed);
  CHECK(fin.counts.total == 2);
  CHECK(fin.counts.passed == 2);
  REQUIRE(fin.tests.size() == 2);
  CHECK(fin.tests[0].scenario == "A");
  // Seen again, finished: nothing.
  auto d3 = detect(d2.next,
                   obs({rg(1, group_state::complete)},
                       {gs("101", {t("A", run_status::passed), t("B", run_status::passed)})}),
                   now);
  CHECK(d3.events.empty());
  CHECK_FALSE(d3.changed);
  // A group finished already at the baseline does not finish again.
  auto b = baseline({t("A", run_status::failed)});
  auto d4 = detect(b, obs({rg(1)}, {gs("101", {t("A", run_status::failed)})}), now);
  CHECK(d4.events.empty());
}

TEST_CASE("detect: repeated transitions in one group never reuse an id") {
  auto s = baseline({t("A", run_status::running), t("B", run_status::passed)});
  std::set<std::string> ids;
  std::vector<run_status> path = {run_status::failed, run_status::running, run_status::failed,
                                  run_status::running, run_status::passed};
  std::size_t finishes = 0;
  for (auto st : path) {
    auto d = detect(s, obs({rg(1)}, {gs("101", {t("A", st), t("B", run_status::passed)})}), now);
    for (const auto& e : d.events) {
      CHECK(ids.insert(e.id).second);  // never seen before
      if (e.type == finished) ++finishes;
    }
    s = d.next;
  }
  CHECK(ids.size() == path.size() + 3);  // 5 changes and 3 finishes (after each terminal)
  CHECK(finishes == 3);
}

TEST_CASE("detect: ids are stable across re-detection and distinct across schedules and groups") {
  auto s = baseline({t("A", run_status::running)});
  auto o = obs({rg(1), rg(2)},
               {gs("101", {t("A", run_status::failed)}), gs("102", {t("A", run_status::failed)})});
  // A crash after detecting and before storing: the same inputs again give the same events.
  auto d1 = detect(s, o, now);
  auto d2 = detect(s, o, now + 5s);
  REQUIRE(d1.events.size() == d2.events.size());
  for (std::size_t i = 0; i < d1.events.size(); ++i) CHECK(d1.events[i].id == d2.events[i].id);
  CHECK(d1.next == d2.next);
  // Also through the state's text form.
  auto d3 = detect(parse_state(serialize_state(s)), o, now);
  REQUIRE(d3.events.size() == d1.events.size());
  for (std::size_t i = 0; i < d1.events.size(); ++i) CHECK(d3.events[i].id == d1.events[i].id);

  std::set<std::string> ids;
  for (const auto& e : d1.events) ids.insert(e.id);
  CHECK(ids.size() == d1.events.size());
  // The same transition in another schedule has another id.
  auto other = o;
  other.schedule = {"Other", "0b6ef3f2-aaaa-bbbb-cccc-000000000002"};
  auto s2 = detect({}, obs({rg(1)}, {gs("101", {t("A", run_status::running)})}), now).next;
  for (const auto& e : detect(s2, other, now).events) CHECK(ids.count(e.id) == 0);
  // GUID case does not matter.
  auto lower = o;
  lower.schedule.guid = "0b6ef3f2-aaaa-bbbb-cccc-000000000001";
  auto d4 = detect(s, lower, now);
  REQUIRE(d4.events.size() == d1.events.size());
  CHECK(d4.events[0].id == d1.events[0].id);
  // A state lost and re-baselined later does not repeat the ids of before.
  auto rebased =
      detect({}, obs({rg(1)}, {gs("101", {t("A", run_status::running)})}), now + 1h).next;
  CHECK(rebased.epoch == "2026-12-04T11:00:00.000Z");
  CHECK(s.epoch == "2026-12-04T10:00:00.000Z");
  for (const auto& e : detect(rebased, o, now + 2h).events) CHECK(ids.count(e.id) == 0);
  // Ids look like version-8 UUIDs.
  CHECK(d1.events[0].id.size() == 36);
  CHECK(d1.events[0].id[14] == '8');
}

TEST_CASE("detect: tests that vanish keep their record; duplicates count once, the last wins") {
  auto s = baseline({t("A", run_status::running), t("B", run_status::running)});
  auto d1 = detect(s, obs({rg(1)}, {gs("101", {t("A", run_status::running)})}), now);
  CHECK(d1.events.empty());
  auto d2 = detect(
      d1.next, obs({rg(1)}, {gs("101", {t("A", run_status::running), t("B", run_status::failed)})}),
      now);
  REQUIRE(d2.events.size() == 1);
  REQUIRE(d2.events[0].previous_status);
  CHECK(*d2.events[0].previous_status == run_status::running);
  // A test added to a known group: from none.
  auto d3 = detect(d2.next,
                   obs({rg(1)}, {gs("101", {t("A", run_status::running), t("B", run_status::failed),
                                            t("C", run_status::queued)})}),
                   now);
  REQUIRE(d3.events.size() == 1);
  CHECK(d3.events[0].test.scenario == "C");
  CHECK_FALSE(d3.events[0].previous_status);
  // The same scenario on another device is another test.
  auto d4 = detect(
      d3.next,
      obs({rg(1)},
          {gs("101", {t("A", run_status::running), t("A", run_status::failed, {}, "iPhone 15"),
                      t("B", run_status::failed), t("C", run_status::queued)})}),
      now);
  REQUIRE(d4.events.size() == 1);
  CHECK(d4.events[0].test.device == "iPhone 15");
  // A test listed twice: one event, with the later status.
  auto d5 =
      detect(d4.next,
             obs({rg(1)}, {gs("101", {t("A", run_status::passed), t("B", run_status::failed),
                                      t("A", run_status::failed), t("C", run_status::queued)})}),
             now);
  REQUIRE(d5.events.size() == 1);
  CHECK(d5.events[0].test.status == run_status::failed);
}

TEST_CASE("detect: events come oldest group first; statuses without a group id are ignored") {
  auto s = detect({}, obs({}, {}), now).next;
  auto d = detect(s,
                  obs({rg(5), rg(3), rg(4)}, {gs("105", {}), gs("", {t("X", run_status::failed)}),
                                              gs("103", {}), gs("104", {})}),
                  now);
  REQUIRE(d.events.size() == 3);
  CHECK(d.events[0].group == "103");
  CHECK(d.events[1].group == "104");
  CHECK(d.events[2].group == "105");
  CHECK(d.next.groups.size() == 3);
}

TEST_CASE("detect: the state stays bounded and dropped history never comes back as new") {
  detect_options opt{.max_groups = 5};
  std::vector<run_group> list;
  std::vector<group_status> statuses;
  for (int i = 1; i <= 12; ++i) {
    list.push_back(rg(i, group_state::complete));
    statuses.push_back(gs(std::to_string(100 + i), {t("A", run_status::passed)}));
  }
  // A baseline that sees 12 finished groups keeps the newest 5.
  auto b = detect({}, obs(list, statuses), now, opt);
  REQUIRE(b.next.groups.size() == 5);
  CHECK(b.next.groups.front().id == "112");
  CHECK(b.next.groups.back().id == "108");
  REQUIRE(b.next.horizon);
  CHECK(b.next.horizon->id == "107");
  // Old groups polled again are history, not news; and they are not asked for.
  auto again = detect(b.next, obs(list, {statuses[0], statuses[6]}), now, opt);
  CHECK(again.events.empty());
  for (const auto& id : groups_to_poll(b.next, list, opt)) CHECK(std::stoi(id) > 107);

  // Many new groups over time: the state never grows past the bound.
  auto s = b.next;
  for (int i = 13; i <= 40; ++i) {
    list.push_back(rg(i, group_state::running));
    auto d = detect(s, obs(list, {gs(std::to_string(100 + i), {t("A", run_status::running)})}), now,
                    opt);
    CHECK(types(d) == std::vector{started, changed});
    auto f = detect(d.next, obs(list, {gs(std::to_string(100 + i), {t("A", run_status::passed)})}),
                    now, opt);
    CHECK(types(f) == std::vector{changed, finished});
    s = f.next;
    CHECK(s.groups.size() <= 5);
  }
  CHECK(s.groups.front().id == "140");
  CHECK(s.horizon->id == "135");
}

TEST_CASE("detect: unfinished groups are dropped last, and never beyond twice the bound") {
  detect_options opt{.max_groups = 3};
  auto s = detect({}, obs({}, {}), now, opt).next;
  std::vector<run_group> list;
  for (int i = 1; i <= 8; ++i) {
    list.push_back(rg(i));
    auto d = detect(s, obs(list, {gs(std::to_string(100 + i), {t("A", run_status::running)})}), now,
                    opt);
    s = d.next;
  }
  // Eight unfinished groups: the cap is 6, the two oldest went.
  REQUIRE(s.groups.size() == 6);
  CHECK(s.groups.back().id == "103");
  // One of them finishing is dropped first, though newer than the unfinished ones.
  auto d = detect(s, obs(list, {gs("107", {t("A", run_status::passed)})}), now, opt);
  CHECK(types(d) == std::vector{changed, finished});
  REQUIRE(d.next.groups.size() == 5);
  CHECK(d.next.horizon->id == "107");
  // A new group brings the count back to the cap; the unfinished ones all stay.
  list.push_back(rg(9));
  auto e = detect(d.next, obs(list, {gs("109", {})}), now, opt);
  std::vector<std::string> ids;
  for (const auto& g : e.next.groups) ids.push_back(g.id);
  CHECK(ids == std::vector<std::string>{"109", "108", "106", "105", "104", "103"});
}

TEST_CASE("detect: only the newest finished groups keep their tests; re-runs are handled") {
  detect_options opt{.max_groups = 10, .detailed_finished = 2};
  auto s = detect({}, obs({}, {}), now, opt).next;
  std::vector<run_group> list;
  for (int i = 1; i <= 5; ++i) {
    list.push_back(rg(i, group_state::complete));
    s = detect(s,
               obs(list, {gs(std::to_string(100 + i),
                             {t("A", run_status::failed), t("B", run_status::passed)})}),
               now, opt)
            .next;
  }
  REQUIRE(s.groups.size() == 5);
  for (const auto& g : s.groups) {
    INFO(g.id);
    CHECK(g.finished);
    bool newest_two = g.id == "105" || g.id == "104";
    CHECK(g.compacted == !newest_two);
    CHECK(g.tests.size() == (newest_two ? 2u : 0u));
  }

  // Re-running the failed test of a recent group: only that test speaks.
  auto r1 =
      detect(s, obs(list, {gs("105", {t("A", run_status::running), t("B", run_status::passed)})}),
             now, opt);
  REQUIRE(types(r1) == std::vector{changed});
  CHECK(*r1.events[0].previous_status == run_status::failed);
  auto r2 = detect(r1.next,
                   obs(list, {gs("105", {t("A", run_status::passed), t("B", run_status::passed)})}),
                   now, opt);
  REQUIRE(types(r2) == std::vector{changed, finished});
  CHECK(r2.events[1].outcome == run_outcome::passed);

  // An old, compacted group: polled while still finished, nothing is said...
  auto quiet =
      detect(s, obs(list, {gs("101", {t("A", run_status::failed), t("B", run_status::passed)})}),
             now, opt);
  CHECK(quiet.events.empty());
  // ...and when it re-opens, its tests count as first seen, with ids of their own.
  auto reopened =
      detect(s, obs(list, {gs("101", {t("A", run_status::running), t("B", run_status::passed)})}),
             now, opt);
  REQUIRE(types(reopened) == std::vector{changed, changed});
  CHECK_FALSE(reopened.events[0].previous_status);
  auto g101 = std::find_if(reopened.next.groups.begin(), reopened.next.groups.end(),
                           [](const group_record& g) { return g.id == "101"; });
  REQUIRE(g101 != reopened.next.groups.end());
  CHECK(g101->reopens == 1);
  CHECK_FALSE(g101->compacted);
  auto first =
      detect(detect({}, obs({}, {}), now, opt).next,
             obs({rg(1)}, {gs("101", {t("A", run_status::running), t("B", run_status::passed)})}),
             now, opt);
  std::set<std::string> before;
  for (const auto& e : first.events) before.insert(e.id);
  for (const auto& e : reopened.events) CHECK(before.count(e.id) == 0);
}

TEST_CASE("detect: groups_to_poll asks for new, unfinished and re-opened groups") {
  std::vector<run_group> list = {rg(1, group_state::complete), rg(2, group_state::running),
                                 rg(3, group_state::queued),
                                 rg(4, group_state::complete_with_errors)};
  // Baseline: only what the list shows active, newest first.
  CHECK(groups_to_poll({}, list) == std::vector<std::string>{"103", "102"});

  auto s = detect({},
                  obs(list, {gs("102", {t("A", run_status::running)}),
                             gs("103", {t("A", run_status::queued)})}),
                  now)
               .next;
  // Recorded unfinished: polled; recorded finished (from the list): not.
  CHECK(groups_to_poll(s, list) == std::vector<std::string>{"103", "102"});
  // A new group is polled, whatever the list says.
  list.push_back(rg(5, group_state::complete));
  CHECK(groups_to_poll(s, list) == std::vector<std::string>{"105", "103", "102"});
  // A finished group the list shows running again (a re-run) is polled.
  list[0].state = group_state::running;
  CHECK(groups_to_poll(s, list) == std::vector<std::string>{"105", "103", "102", "101"});
  // At most max_groups.
  CHECK(groups_to_poll(s, list, {.max_groups = 2}) == std::vector<std::string>{"105", "103"});
}

TEST_CASE("detect: the state round-trips through its versioned text form") {
  auto s = baseline({t("A", run_status::running), t("B\x1f odd \"name\"", run_status::queued)});
  auto d = detect(s,
                  obs({rg(1), rg(2)}, {gs("101", {t("A", run_status::failed)}),
                                       gs("102", {t("Z", run_status::passed)})}),
                  now, {.max_groups = 1});
  REQUIRE(d.next.horizon);
  auto text = serialize_state(d.next);
  CHECK(text.rfind("{\"version\":1,", 0) == 0);
  auto back = parse_state(text);
  CHECK(back == d.next);
  CHECK(serialize_state(back) == text);
  CHECK(parse_state(serialize_state({})) == schedule_state{});
}

TEST_CASE("detect: tests are known by a stable 64-bit hash of scenario and device") {
  // FNV-1a 64 computed independently (Python) for "Login\x1fPixel 7" and "\x1f".
  CHECK(test_key_hash(t("Login", run_status::passed)) == 0x53914942ee601110ULL);
  CHECK(test_key_hash(t("", run_status::passed, {}, "")) == 0xaf63d24c8601db8eULL);
  CHECK(test_key_hash(t("Login", run_status::failed, "x")) ==
        test_key_hash(t("Login", run_status::passed)));
  CHECK(test_key_hash(t("Login", run_status::passed, {}, "Pixel 8")) !=
        test_key_hash(t("Login", run_status::passed)));
  CHECK(test_key_hash(t("ab", run_status::passed, {}, "c")) !=
        test_key_hash(t("a", run_status::passed, {}, "bc")));
}

TEST_CASE("detect: a damaged or foreign state is refused with what and where") {
  auto msg = [](std::string_view text) {
    try {
      parse_state(text);
    } catch (const state_format_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(msg("").rfind("state: not JSON (", 0) == 0);
  CHECK(msg("[]") == "state: expected an object");
  CHECK(msg(R"({"initialized":true})") == "state: missing \"version\"");
  CHECK(msg(R"({"version":2,"initialized":true,"horizon":null,"groups":[]})") ==
        "state: version: format 2 was written by a newer sofy-notifier (this one reads up to 1)");
  CHECK(msg(R"({"version":0,"initialized":true,"horizon":null,"groups":[]})") ==
        "state: version: unknown format 0");
  CHECK(msg(R"({"version":1,"initialized":"yes","epoch":"","horizon":null,"groups":[]})") ==
        "state: initialized: expected true or false");
  const std::string group =
      R"({"id":"1","executed_at":"","finished":false,"finishes":0,"reopens":0,"compacted":false,"tests":[)";
  CHECK(msg(R"({"version":1,"initialized":true,"epoch":"","horizon":null,"groups":[)" + group +
            R"({"key":"00000000000000aa","status":"exploded","transitions":1}]}]})") ==
        "state: groups[0].tests[0].status: unknown status 'exploded'");
  CHECK(msg(R"({"version":1,"initialized":true,"epoch":"","horizon":null,"groups":[)" + group +
            R"({"key":"00000000000000aa","status":"failed","transitions":-1}]}]})") ==
        "state: groups[0].tests[0].transitions: expected a whole number from 0 to 4294967295");
  CHECK(msg(R"({"version":1,"initialized":true,"epoch":"","horizon":null,"groups":[)" + group +
            R"({"key":"A","status":"failed","transitions":1}]}]})") ==
        "state: groups[0].tests[0].key: expected 16 lower-case hex digits");
  CHECK(msg(R"({"version":1,"initialized":true,"epoch":"","horizon":null,"groups":[)" + group +
            R"({"key":"00000000000000aa","status":"failed","transitions":1},)" +
            R"({"key":"00000000000000aa","status":"failed","transitions":1}]}]})") ==
        "state: groups[0].tests[1].key: duplicate test");
  CHECK(msg(R"({"version":1,"initialized":true,"epoch":"","horizon":null,"groups":[)" + group +
            "]}," + group + "]}]}") == "state: groups[1].id: duplicate group '1'");
  CHECK(msg(R"({"version":1,"initialized":true,"horizon":null,"groups":[]})") ==
        "state: missing \"epoch\"");
  CHECK(msg(R"({"version":1,"initialized":true,"epoch":"","horizon":{"id":1},"groups":[]})") ==
        "state: horizon.id: expected a string");
  CHECK(msg(std::string(100, '[') + std::string(100, ']')).rfind("state: not JSON (", 0) == 0);
}
