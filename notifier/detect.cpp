#include "notifier/detect.hpp"

#include "notifier/detail/text.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>

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

test_record* find_test(group_record& g, std::uint64_t key) {
  auto it = std::lower_bound(g.tests.begin(), g.tests.end(), key,
                             [](const test_record& t, std::uint64_t k) { return t.key < k; });
  return it != g.tests.end() && it->key == key ? &*it : nullptr;
}

void insert_test(group_record& g, test_record t) {
  auto it = std::lower_bound(g.tests.begin(), g.tests.end(), t.key,
                             [](const test_record& r, std::uint64_t k) { return r.key < k; });
  g.tests.insert(it, t);
}

struct keyed_test {
  std::uint64_t key;
  const test_run* test;
};

// The tests of an answer, each key once (the last occurrence wins, kept where the key
// first appeared so the order stays the service's). No allocation per test.
std::vector<keyed_test> unique_tests(const group_status& st) {
  std::vector<keyed_test> all;
  all.reserve(st.tests.size());
  for (const auto& t : st.tests) all.push_back({test_key_hash(t), &t});
  std::vector<std::uint32_t> order(all.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return all[a].key < all[b].key; });
  bool duplicates = false;
  for (std::size_t i = 1; i < order.size() && !duplicates; ++i)
    duplicates = all[order[i]].key == all[order[i - 1]].key;
  if (!duplicates) return all;
  std::vector<bool> keep(all.size(), true);
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && all[order[j + 1]].key == all[order[i]].key) ++j;
    all[order[i]].test = all[order[j]].test;  // the first place, the last status
    for (std::size_t k = i + 1; k <= j; ++k) keep[order[k]] = false;
    i = j + 1;
  }
  std::vector<keyed_test> out;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (keep[i]) out.push_back(all[i]);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

void sort_newest_first(schedule_state& s) {
  auto by_age = [](const group_record& a, const group_record& b) {
    return newer(as_group(a), as_group(b));
  };
  if (!std::is_sorted(s.groups.begin(), s.groups.end(), by_age))
    std::stable_sort(s.groups.begin(), s.groups.end(), by_age);
}

void forget(schedule_state& s, std::size_t index) {
  run_group dropped = as_group(s.groups[index]);
  if (!s.horizon || newer(dropped, *s.horizon)) s.horizon = dropped;
  s.groups.erase(s.groups.begin() + static_cast<std::ptrdiff_t>(index));
}

void bound(schedule_state& s, std::size_t max_groups, std::size_t detailed_finished) {
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
  std::size_t finished = 0;
  for (auto& g : s.groups) {
    if (!g.finished) continue;
    if (++finished > detailed_finished && !g.compacted) {
      g.compacted = true;
      g.tests.clear();
      g.tests.shrink_to_fit();
    }
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

std::uint64_t test_key_hash(const test_run& t) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  for (char c : t.scenario) add(static_cast<unsigned char>(c));
  add(0x1f);
  for (char c : t.device) add(static_cast<unsigned char>(c));
  return h;
}

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
      r.compacted = r.finished;  // its tests are unknown unless polled below
      next.groups.push_back(std::move(r));
    }
    for (const auto& st : fresh.statuses) {
      if (st.group_id.empty()) continue;
      group_record* r = find_group(next, st.group_id);
      if (!r) {
        next.groups.push_back(group_record{st.group_id, {}, false, 0, 0, false, {}});
        r = &next.groups.back();
      }
      r->compacted = false;
      r->finished = st.finished();
      r->tests.clear();
      for (const auto& [key, t] : unique_tests(st)) insert_test(*r, {key, t->status, 0});
    }
    bound(next, max_groups, options.detailed_finished);
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
      next.groups.push_back(group_record{g.id, g.executed_at, false, 0, 0, false, {}});
      rec = &next.groups.back();
      event e = make(event_type::run_started, g.id, *st);
      e.id = detail::stable_id({"run_started", guid, next.epoch, g.id});
      d.events.push_back(std::move(e));
    }
    if (!g.executed_at.empty()) rec->executed_at = g.executed_at;

    const bool finished = st->finished();
    auto tests = unique_tests(*st);
    if (rec->finished && !finished) ++rec->reopens;  // a re-run in a finished group
    if (rec->compacted) {
      // Nothing to compare with: a finished group stays as it is; one that re-opened
      // starts again from its tests as now seen.
      if (finished) continue;
      rec->compacted = false;
    }
    for (const auto& [key, t] : tests) {
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
      e.id = detail::stable_id({"test_changed", guid, next.epoch, g.id,
                                std::to_string(rec->reopens), t->key(), std::to_string(n)});
      e.test = *t;
      e.previous_status = previous;
      d.events.push_back(std::move(e));
    }

    if (finished && !rec->finished) {
      std::uint32_t n = ++rec->finishes;
      event e = make(event_type::run_finished, g.id, *st);
      e.id = detail::stable_id({"run_finished", guid, next.epoch, g.id, std::to_string(n)});
      for (const auto& kt : tests) e.tests.push_back(*kt.test);
      d.events.push_back(std::move(e));
    }
    rec->finished = finished;
  }

  bound(next, max_groups, options.detailed_finished);
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

namespace {

std::string hex_key(std::uint64_t k) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, k >>= 4) out[static_cast<std::size_t>(i)] = hex[k & 0xF];
  return out;
}

std::optional<std::uint64_t> parse_hex_key(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  std::uint64_t k = 0;
  for (char c : s) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    k = (k << 4) | static_cast<std::uint64_t>(v);
  }
  return k;
}

}  // namespace

namespace {

// JSON text of a string (quoted and escaped).
void put_string(std::string& out, std::string_view v) {
  out += json::serialize(json::string_view(v.data(), v.size()));
}

}  // namespace

// Written by hand rather than through a json::value: this runs after every poll that
// changed something, for thousands of schedules.
std::string serialize_state(const schedule_state& s) {
  std::string out;
  std::size_t tests = 0;
  for (const auto& g : s.groups) tests += g.tests.size();
  out.reserve(128 + s.groups.size() * 128 + tests * 56);
  out += "{\"version\":" + std::to_string(state_format_version);
  out += s.initialized ? ",\"initialized\":true" : ",\"initialized\":false";
  out += ",\"epoch\":";
  put_string(out, s.epoch);
  out += ",\"horizon\":";
  if (s.horizon) {
    out += "{\"id\":";
    put_string(out, s.horizon->id);
    out += ",\"executed_at\":";
    put_string(out, s.horizon->executed_at);
    out += '}';
  } else {
    out += "null";
  }
  out += ",\"groups\":[";
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    const auto& g = s.groups[i];
    if (i) out += ',';
    out += "{\"id\":";
    put_string(out, g.id);
    out += ",\"executed_at\":";
    put_string(out, g.executed_at);
    out += g.finished ? ",\"finished\":true" : ",\"finished\":false";
    out += ",\"finishes\":" + std::to_string(g.finishes);
    out += ",\"reopens\":" + std::to_string(g.reopens);
    out += g.compacted ? ",\"compacted\":true" : ",\"compacted\":false";
    out += ",\"tests\":[";
    for (std::size_t j = 0; j < g.tests.size(); ++j) {
      const auto& t = g.tests[j];
      if (j) out += ',';
      out += "{\"key\":\"" + hex_key(t.key) + "\",\"status\":\"";
      out += to_string(t.status);
      out += "\",\"transitions\":" + std::to_string(t.transitions) + "}";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

namespace {

// Paths in messages ("groups[2].tests[0].status") are built only when something is wrong.
struct path {
  const path* parent = nullptr;
  std::string_view key;
  std::size_t index = static_cast<std::size_t>(-1);
  std::string str() const {
    std::string p = parent ? parent->str() : std::string();
    if (!key.empty()) p += (p.empty() ? "" : ".") + std::string(key);
    if (index != static_cast<std::size_t>(-1)) p += "[" + std::to_string(index) + "]";
    return p;
  }
  path at(std::string_view k) const { return {this, k}; }
  path item(std::size_t i) const { return {this, {}, i}; }
};

[[noreturn]] void bad(const path& where, const std::string& what) {
  std::string p = where.str();
  throw state_format_error("state: " + (p.empty() ? "" : p + ": ") + what);
}

const json::value& member(const json::object& o, std::string_view key, const path& where) {
  auto it = o.find(key);
  if (it == o.end()) bad(where, "missing \"" + std::string(key) + "\"");
  return it->value();
}

const json::object& as_object(const json::value& v, const path& where) {
  if (!v.is_object()) bad(where, "expected an object");
  return v.get_object();
}

std::string_view as_string(const json::object& o, std::string_view key, const path& where) {
  const auto& v = member(o, key, where);
  if (!v.is_string()) bad(where.at(key), "expected a string");
  return {v.get_string().data(), v.get_string().size()};
}

bool as_bool(const json::object& o, std::string_view key, const path& where) {
  const auto& v = member(o, key, where);
  if (!v.is_bool()) bad(where.at(key), "expected true or false");
  return v.get_bool();
}

std::uint32_t as_u32(const json::object& o, std::string_view key, const path& where) {
  const auto& v = member(o, key, where);
  std::int64_t n = -1;
  if (v.is_int64())
    n = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= std::numeric_limits<std::uint32_t>::max())
    n = static_cast<std::int64_t>(v.get_uint64());
  if (n < 0 || n > std::numeric_limits<std::uint32_t>::max())
    bad(where.at(key), "expected a whole number from 0 to 4294967295");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

schedule_state parse_state(std::string_view text) {
  const path root_path;
  // One arena for the whole document: parsing allocates once or twice, not per value.
  json::monotonic_resource arena;
  json::parse_options po;
  po.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, &arena, po);
  if (ec) bad(root_path, "not JSON (" + ec.message() + ")");
  const auto& root = as_object(v, root_path);
  const auto& ver = member(root, "version", root_path);
  if (!ver.is_int64() && !ver.is_uint64()) bad(root_path.at("version"), "expected a number");
  auto version = ver.is_int64() ? ver.get_int64() : static_cast<std::int64_t>(ver.get_uint64());
  if (version > state_format_version || ver.is_uint64())
    bad(root_path.at("version"),
        "format " + std::to_string(version) +
            " was written by a newer sofy-notifier (this one reads up to " +
            std::to_string(state_format_version) + ")");
  if (version < 1) bad(root_path.at("version"), "unknown format " + std::to_string(version));

  schedule_state s;
  s.initialized = as_bool(root, "initialized", root_path);
  s.epoch = as_string(root, "epoch", root_path);
  const auto& hz = member(root, "horizon", root_path);
  if (!hz.is_null()) {
    const path hp = root_path.at("horizon");
    const auto& h = as_object(hz, hp);
    run_group g;
    g.id = as_string(h, "id", hp);
    g.executed_at = as_string(h, "executed_at", hp);
    s.horizon = std::move(g);
  }
  const path gp = root_path.at("groups");
  const auto& groups = member(root, "groups", root_path);
  if (!groups.is_array()) bad(gp, "expected an array");
  s.groups.reserve(groups.get_array().size());
  std::size_t gi = 0;
  for (const auto& gv : groups.get_array()) {
    const path where = gp.item(gi++);
    const auto& go = as_object(gv, where);
    group_record g;
    g.id = as_string(go, "id", where);
    g.executed_at = as_string(go, "executed_at", where);
    g.finished = as_bool(go, "finished", where);
    g.finishes = as_u32(go, "finishes", where);
    g.reopens = as_u32(go, "reopens", where);
    g.compacted = as_bool(go, "compacted", where);
    const path tp = where.at("tests");
    const auto& tests = member(go, "tests", where);
    if (!tests.is_array()) bad(tp, "expected an array");
    g.tests.reserve(tests.get_array().size());
    std::size_t ti = 0;
    for (const auto& tv : tests.get_array()) {
      const path tw = tp.item(ti++);
      const auto& to = as_object(tv, tw);
      test_record t;
      auto key = parse_hex_key(as_string(to, "key", tw));
      if (!key) bad(tw.at("key"), "expected 16 lower-case hex digits");
      t.key = *key;
      std::string_view st = as_string(to, "status", tw);
      auto status = run_status_from_name(st);
      if (!status) bad(tw.at("status"), "unknown status '" + std::string(st) + "'");
      t.status = *status;
      t.transitions = as_u32(to, "transitions", tw);
      if (find_test(g, t.key)) bad(tw.at("key"), "duplicate test");
      insert_test(g, t);
    }
    if (find_group(s, g.id)) bad(where.at("id"), "duplicate group '" + g.id + "'");
    s.groups.push_back(std::move(g));
  }
  return s;
}

}  // namespace sofy::notifier
