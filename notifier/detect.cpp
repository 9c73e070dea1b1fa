#include "notifier/detect.hpp"

#include "notifier/detail/text.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <map>

namespace sofy::notifier {
namespace {

namespace json = boost::json;

run_group as_group(const group_record& g) {
  run_group r;
  r.id = g.id;
  r.executed_at = g.executed_at;
  return r;
}

bool past_horizon(const schedule_state& s, const run_group& g) {
  return !s.horizon || newer(g, *s.horizon);
}

bool active(group_state st) {
  return st == group_state::queued || st == group_state::running || st == group_state::unknown;
}

template <class State>
auto find_group(State& s, std::string_view id) -> decltype(&s.groups.front()) {
  for (auto& g : s.groups)
    if (g.id == id) return &g;
  return nullptr;
}

const run_group* find_listed(const std::vector<run_group>& listed, std::string_view id) {
  for (const auto& g : listed)
    if (g.id == id) return &g;
  return nullptr;
}

test_record* find_test(group_record& g, std::string_view key) {
  auto it = std::lower_bound(g.tests.begin(), g.tests.end(), key,
                             [](const test_record& t, std::string_view k) { return t.key < k; });
  return it != g.tests.end() && it->key == key ? &*it : nullptr;
}

void insert_test(group_record& g, test_record t) {
  auto it = std::lower_bound(g.tests.begin(), g.tests.end(), t.key,
                             [](const test_record& r, const std::string& k) { return r.key < k; });
  g.tests.insert(it, std::move(t));
}

// The tests of an answer, each key once (the last occurrence wins, kept where the key
// first appeared so the order stays the service's).
std::vector<const test_run*> unique_tests(const group_status& st) {
  std::map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < st.tests.size(); ++i) last[st.tests[i].key()] = i;
  std::vector<const test_run*> out;
  std::map<std::string, bool> emitted;
  for (std::size_t i = 0; i < st.tests.size(); ++i) {
    std::string k = st.tests[i].key();
    if (emitted[k]) continue;
    emitted[k] = true;
    out.push_back(&st.tests[last[k]]);
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

void sort_newest_first(schedule_state& s) {
  std::stable_sort(s.groups.begin(), s.groups.end(), [](const group_record& a, const group_record& b) {
    return newer(as_group(a), as_group(b));
  });
}

void forget(schedule_state& s, std::size_t index) {
  run_group dropped = as_group(s.groups[index]);
  if (!s.horizon || newer(dropped, *s.horizon)) s.horizon = dropped;
  s.groups.erase(s.groups.begin() + static_cast<std::ptrdiff_t>(index));
}

void bound(schedule_state& s, std::size_t max_groups) {
  sort_newest_first(s);
  while (s.groups.size() > max_groups) {
    std::size_t victim = s.groups.size();
    for (std::size_t i = s.groups.size(); i-- > 0;)
      if (s.groups[i].finished) {
        victim = i;
        break;
      }
    if (victim == s.groups.size()) {
      if (s.groups.size() <= 2 * max_groups) break;
      victim = s.groups.size() - 1;
    }
    forget(s, victim);
  }
}

// "2026-12-04T10:00:00.123Z"
std::string baseline_epoch(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  auto ms = (floor<milliseconds>(now) - floor<seconds>(now)).count();
  std::string t = format_rfc3339(now);
  t.pop_back();  // 'Z'
  std::array<char, 8> frac{};
  std::snprintf(frac.data(), frac.size(), ".%03dZ", static_cast<int>(ms));
  return t + frac.data();
}

}  // namespace

detection detect(const schedule_state& saved, const observation& fresh,
                 std::chrono::system_clock::time_point now, const detect_options& options) {
  detection d;
  schedule_state& next = d.next;
  const std::size_t max_groups = std::max<std::size_t>(1, options.max_groups);

  if (!saved.initialized) {
    next.initialized = true;
    next.epoch = baseline_epoch(now);
    for (const auto& g : fresh.groups) {
      if (find_group(next, g.id)) continue;
      group_record r;
      r.id = g.id;
      r.executed_at = g.executed_at;
      r.finished = !active(g.state);
      next.groups.push_back(std::move(r));
    }
    for (const auto& st : fresh.statuses) {
      if (st.group_id.empty()) continue;
      group_record* r = find_group(next, st.group_id);
      if (!r) {
        next.groups.push_back(group_record{st.group_id, {}, false, 0, false, {}});
        r = &next.groups.back();
      }
      r->polled = true;
      r->finished = st.finished();
      r->tests.clear();
      for (const test_run* t : unique_tests(st)) insert_test(*r, {t->key(), t->status, 0});
    }
    bound(next, max_groups);
    d.changed = true;
    return d;
  }

  next = saved;
  const std::string guid = lower(fresh.schedule.guid);
  auto make = [&](event_type type, const std::string& group, const group_status& st) {
    event e;
    e.type = type;
    e.schedule = fresh.schedule;
    e.group = group;
    e.observed_at = now;
    e.outcome = st.outcome();
    e.counts = st.counts();
    return e;
  };

  // Oldest group first, so events read in the order things happened.
  struct item {
    const group_status* status;
    run_group group;
  };
  std::vector<item> items;
  for (const auto& st : fresh.statuses) {
    if (st.group_id.empty()) continue;
    run_group g;
    if (const run_group* l = find_listed(fresh.groups, st.group_id))
      g = *l;
    else if (const group_record* r = find_group(next, st.group_id))
      g = as_group(*r);
    else
      g.id = st.group_id;
    items.push_back({&st, std::move(g)});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const item& a, const item& b) { return newer(b.group, a.group); });

  for (const auto& [st, g] : items) {
    group_record* rec = find_group(next, g.id);
    if (!rec) {
      if (!past_horizon(next, g)) continue;  // history the state has let go of
      next.groups.push_back(group_record{g.id, g.executed_at, false, 0, false, {}});
      rec = &next.groups.back();
      event e = make(event_type::run_started, g.id, *st);
      e.id = detail::stable_id({"run_started", guid, next.epoch, g.id});
      d.events.push_back(std::move(e));
    }
    if (!g.executed_at.empty()) rec->executed_at = g.executed_at;
    rec->polled = true;

    auto tests = unique_tests(*st);
    for (const test_run* t : tests) {
      std::string key = t->key();
      std::optional<run_status> previous;
      std::uint32_t n = 0;
      if (test_record* tr = find_test(*rec, key)) {
        if (tr->status == t->status) continue;
        previous = tr->status;
        tr->status = t->status;
        n = ++tr->transitions;
      } else {
        n = 1;
        insert_test(*rec, {key, t->status, n});
      }
      event e = make(event_type::test_changed, g.id, *st);
      e.id = detail::stable_id({"test_changed", guid, next.epoch, g.id, key, std::to_string(n)});
      e.test = *t;
      e.previous_status = previous;
      d.events.push_back(std::move(e));
    }

    bool finished = st->finished();
    if (finished && !rec->finished) {
      std::uint32_t n = ++rec->finishes;
      event e = make(event_type::run_finished, g.id, *st);
      e.id = detail::stable_id({"run_finished", guid, next.epoch, g.id, std::to_string(n)});
      for (const test_run* t : tests) e.tests.push_back(*t);
      d.events.push_back(std::move(e));
    }
    rec->finished = finished;
  }

  bound(next, max_groups);
  d.changed = next != saved;
  return d;
}

std::vector<std::string> groups_to_poll(const schedule_state& saved,
                                        const std::vector<run_group>& listed,
                                        const detect_options& options) {
  std::vector<const run_group*> sorted;
  for (const auto& g : listed) sorted.push_back(&g);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const run_group* a, const run_group* b) { return newer(*a, *b); });
  const std::size_t max_groups = std::max<std::size_t>(1, options.max_groups);
  std::vector<std::string> out;
  for (const run_group* g : sorted) {
    if (out.size() >= max_groups) break;
    if (std::find(out.begin(), out.end(), g->id) != out.end()) continue;
    bool poll = false;
    if (!saved.initialized) {
      poll = active(g->state);
    } else if (const group_record* r = find_group(saved, g->id)) {
      poll = !r->finished || active(g->state);
    } else {
      poll = past_horizon(saved, *g);
    }
    if (poll) out.push_back(g->id);
  }
  return out;
}

// ---------------------------------------------------------------------------
// State serialisation

std::string serialize_state(const schedule_state& s) {
  json::object root;
  root["version"] = state_format_version;
  root["initialized"] = s.initialized;
  root["epoch"] = s.epoch;
  if (s.horizon)
    root["horizon"] = json::object{{"id", s.horizon->id}, {"executed_at", s.horizon->executed_at}};
  else
    root["horizon"] = nullptr;
  json::array groups;
  groups.reserve(s.groups.size());
  for (const auto& g : s.groups) {
    json::array tests;
    tests.reserve(g.tests.size());
    for (const auto& t : g.tests)
      tests.push_back(json::object{
          {"key", t.key}, {"status", to_string(t.status)}, {"transitions", t.transitions}});
    groups.push_back(json::object{{"id", g.id},
                                  {"executed_at", g.executed_at},
                                  {"finished", g.finished},
                                  {"finishes", g.finishes},
                                  {"polled", g.polled},
                                  {"tests", std::move(tests)}});
  }
  root["groups"] = std::move(groups);
  return json::serialize(root);
}

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw state_format_error("state: " + (where.empty() ? "" : where + ": ") + what);
}

const json::value& member(const json::object& o, std::string_view key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) bad(where, "missing \"" + std::string(key) + "\"");
  return it->value();
}

std::string at(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : where + "." + std::string(key);
}

const json::object& as_object(const json::value& v, const std::string& where) {
  if (!v.is_object()) bad(where, "expected an object");
  return v.get_object();
}

std::string as_string(const json::object& o, std::string_view key, const std::string& where) {
  const auto& v = member(o, key, where);
  if (!v.is_string()) bad(at(where, key), "expected a string");
  return std::string(v.get_string());
}

bool as_bool(const json::object& o, std::string_view key, const std::string& where) {
  const auto& v = member(o, key, where);
  if (!v.is_bool()) bad(at(where, key), "expected true or false");
  return v.get_bool();
}

std::uint32_t as_u32(const json::object& o, std::string_view key, const std::string& where) {
  const auto& v = member(o, key, where);
  std::int64_t n = -1;
  if (v.is_int64())
    n = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= std::numeric_limits<std::uint32_t>::max())
    n = static_cast<std::int64_t>(v.get_uint64());
  if (n < 0 || n > std::numeric_limits<std::uint32_t>::max())
    bad(at(where, key), "expected a whole number from 0 to 4294967295");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

schedule_state parse_state(std::string_view text) {
  json::value v;
  try {
    json::parse_options po;
    po.max_depth = 16;
    boost::system::error_code ec;
    v = json::parse(json::string_view(text.data(), text.size()), ec, {}, po);
    if (ec) bad("", "not JSON (" + ec.message() + ")");
  } catch (const state_format_error&) {
    throw;
  } catch (const std::exception& e) {
    bad("", std::string("not JSON (") + e.what() + ")");
  }
  const auto& root = as_object(v, "");
  const auto& ver = member(root, "version", "");
  if (!ver.is_int64() && !ver.is_uint64()) bad("version", "expected a number");
  auto version = ver.is_int64() ? ver.get_int64() : static_cast<std::int64_t>(ver.get_uint64());
  if (version > state_format_version || ver.is_uint64())
    bad("version", "format " + std::to_string(version) +
                       " was written by a newer sofy-notifier (this one reads up to " +
                       std::to_string(state_format_version) + ")");
  if (version < 1) bad("version", "unknown format " + std::to_string(version));

  schedule_state s;
  s.initialized = as_bool(root, "initialized", "");
  s.epoch = as_string(root, "epoch", "");
  const auto& hz = member(root, "horizon", "");
  if (!hz.is_null()) {
    const auto& h = as_object(hz, "horizon");
    run_group g;
    g.id = as_string(h, "id", "horizon");
    g.executed_at = as_string(h, "executed_at", "horizon");
    s.horizon = std::move(g);
  }
  const auto& groups = member(root, "groups", "");
  if (!groups.is_array()) bad("groups", "expected an array");
  std::size_t gi = 0;
  for (const auto& gv : groups.get_array()) {
    std::string where = "groups[" + std::to_string(gi++) + "]";
    const auto& go = as_object(gv, where);
    group_record g;
    g.id = as_string(go, "id", where);
    g.executed_at = as_string(go, "executed_at", where);
    g.finished = as_bool(go, "finished", where);
    g.finishes = as_u32(go, "finishes", where);
    g.polled = as_bool(go, "polled", where);
    const auto& tests = member(go, "tests", where);
    if (!tests.is_array()) bad(at(where, "tests"), "expected an array");
    std::size_t ti = 0;
    for (const auto& tv : tests.get_array()) {
      std::string tw = where + ".tests[" + std::to_string(ti++) + "]";
      const auto& to = as_object(tv, tw);
      test_record t;
      t.key = as_string(to, "key", tw);
      std::string st = as_string(to, "status", tw);
      auto status = run_status_from_name(st);
      if (!status) bad(at(tw, "status"), "unknown status '" + st + "'");
      t.status = *status;
      t.transitions = as_u32(to, "transitions", tw);
      if (find_test(g, t.key)) bad(at(tw, "key"), "duplicate test");
      insert_test(g, std::move(t));
    }
    if (find_group(s, g.id)) bad(at(where, "id"), "duplicate group '" + g.id + "'");
    s.groups.push_back(std::move(g));
  }
  return s;
}

}  // namespace sofy::notifier
