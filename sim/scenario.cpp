#include "scenario.hpp"

#include <sofy/duration.hpp>
#include <sofy/model.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

namespace sofy::sim {

std::string_view to_string(route r) noexcept {
  switch (r) {
    case route::execute: return "execute";
    case route::web_execute: return "web_execute";
    case route::status: return "status";
    case route::run_groups: return "run_groups";
    case route::abort: return "abort";
    case route::upload: return "upload";
    case route::applications: return "applications";
    case route::devices: return "devices";
    case route::hook: return "hook";
    case route::admin: return "admin";
    case route::unknown: return "unknown";
  }
  return "unknown";
}

namespace {

std::string join_lines(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool is_hex_id(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// Collects errors with their position; parsing goes on after an error so that one run
// reports every problem.
class reader {
 public:
  explicit reader(std::string source) : source_(std::move(source)) {}

  std::string where(const YAML::Mark& m) const {
    if (m.is_null()) return source_;
    return source_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  std::string where(const YAML::Node& n) const { return where(n.Mark()); }

  void error(const YAML::Mark& m, const std::string& msg) { errors_.push_back(where(m) + ": " + msg); }
  void error(const YAML::Node& n, const std::string& msg) { error(n.Mark(), msg); }

  void error_at(const std::string& where, const std::string& msg) { errors_.push_back(where + ": " + msg); }

  bool ok() const { return errors_.empty(); }
  std::vector<std::string>& errors() { return errors_; }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

// The entries of one YAML map, checked against the keys it may have.
class mapping {
 public:
  mapping(reader& r, const YAML::Node& node, std::string_view what, std::initializer_list<std::string_view> allowed)
      : r_(r), node_(node) {
    if (!node.IsMap()) {
      r.error(node, std::string(what) + " must be a mapping");
      valid_ = false;
      return;
    }
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) {
          if (!list.empty()) list += ", ";
          list += a;
        }
        r.error(kv.first, "unknown key \"" + key + "\" in " + std::string(what) + " (expected one of: " + list + ")");
        continue;
      }
      if (entries_.count(key)) {
        r.error(kv.first, "duplicate key \"" + key + "\"");
        continue;
      }
      entries_.emplace(key, kv.second);
    }
  }

  bool valid() const { return valid_; }
  const YAML::Node& node() const { return node_; }

  std::optional<YAML::Node> get(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  bool has(const std::string& key) const { return entries_.count(key) != 0; }

  std::optional<YAML::Node> required(const std::string& key, std::string_view what) {
    auto n = get(key);
    if (!n && valid_) r_.error(node_, std::string(what) + " needs \"" + key + "\"");
    return n;
  }

 private:
  reader& r_;
  YAML::Node node_;
  bool valid_ = true;
  std::map<std::string, YAML::Node> entries_;
};

std::optional<std::string> as_string(reader& r, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) {
    r.error(n, "\"" + key + "\" must be a string");
    return std::nullopt;
  }
  return n.Scalar();
}

template <class Int>
std::optional<Int> as_int(reader& r, const YAML::Node& n, const std::string& key, Int min, Int max) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    Int v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && v >= min && v <= max) return v;
  }
  r.error(n, "\"" + key + "\" must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return std::nullopt;
}

std::optional<bool> as_bool(reader& r, const YAML::Node& n, const std::string& key) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
  }
  r.error(n, "\"" + key + "\" must be true or false");
  return std::nullopt;
}

std::optional<milliseconds> as_duration(reader& r, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) {
    r.error(n, "\"" + key + "\" must be a duration such as 250ms, 3s, 5m or 2h");
    return std::nullopt;
  }
  std::string why;
  if (auto d = sofy::parse_duration(n.Scalar(), &why)) return d;
  r.error(n, "\"" + key + "\": " + why);
  return std::nullopt;
}

template <class Enum>
std::optional<Enum> as_enum(reader& r, const YAML::Node& n, const std::string& key,
                            std::initializer_list<std::pair<std::string_view, Enum>> names) {
  if (n.IsScalar()) {
    for (const auto& [name, value] : names) {
      if (n.Scalar() == name) return value;
    }
  }
  std::string list;
  for (const auto& [name, value] : names) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  r.error(n, "\"" + key + "\" must be one of: " + list);
  return std::nullopt;
}

template <class T>
void set_if(std::optional<T> v, T& out) {
  if (v) out = std::move(*v);
}

void read_string(reader& r, const mapping& m, const std::string& key, std::string& out) {
  if (auto n = m.get(key)) set_if(as_string(r, *n, key), out);
}

void read_optional_string(reader& r, const mapping& m, const std::string& key, std::optional<std::string>& out) {
  if (auto n = m.get(key)) {
    if (auto s = as_string(r, *n, key)) out = std::move(*s);
  }
}

std::string read_required_string(reader& r, mapping& m, const std::string& key, std::string_view what) {
  if (auto n = m.required(key, what)) {
    if (auto s = as_string(r, *n, key)) {
      if (s->empty()) r.error(*n, "\"" + key + "\" must not be empty");
      return *s;
    }
  }
  return {};
}

std::optional<timeline_step> read_step(reader& r, const YAML::Node& n, bool last, std::optional<timeline_clock>& clock) {
  timeline_step step;
  if (n.IsScalar()) {
    step.status = n.Scalar();
    if (!last) {
      r.error(n, "only the last timeline step may omit \"polls\" or \"for\" (write {status: " + step.status +
                     ", polls: N} or {status: " + step.status + ", for: 5s})");
      return std::nullopt;
    }
    return step;
  }
  mapping m(r, n, "a timeline step", {"status", "polls", "for"});
  if (!m.valid()) return std::nullopt;
  step.status = read_required_string(r, m, "status", "a timeline step");
  const auto polls = m.get("polls");
  const auto dur = m.get("for");
  if (polls && dur) {
    r.error(*dur, "a timeline step has \"polls\" or \"for\", not both");
    return std::nullopt;
  }
  if (polls) {
    auto v = as_int<std::uint64_t>(r, *polls, "polls", 1, 1000000000);
    if (!v) return std::nullopt;
    step.polls = *v;
    if (clock == timeline_clock::time) {
      r.error(*polls, "a timeline counts either polls or time; this one already counts time (\"for\")");
      return std::nullopt;
    }
    clock = timeline_clock::polls;
  } else if (dur) {
    auto v = as_duration(r, *dur, "for");
    if (!v) return std::nullopt;
    if (v->count() <= 0) {
      r.error(*dur, "\"for\" must be longer than 0s");
      return std::nullopt;
    }
    step.duration = *v;
    if (clock == timeline_clock::polls) {
      r.error(*dur, "a timeline counts either polls or time; this one already counts polls");
      return std::nullopt;
    }
    clock = timeline_clock::time;
  } else if (!last) {
    r.error(n, "only the last timeline step may omit \"polls\" or \"for\"");
    return std::nullopt;
  }
  return step;
}

std::optional<test_spec> read_test(reader& r, const YAML::Node& n, const std::string& default_build) {
  mapping m(r, n, "a test",
            {"scenario", "device", "build", "status", "timeline", "manufacturer", "model", "version", "code_name",
             "build_number"});
  if (!m.valid()) return std::nullopt;
  test_spec t;
  t.scenario = read_required_string(r, m, "scenario", "a test");
  t.device = read_required_string(r, m, "device", "a test");
  t.build = default_build;
  read_string(r, m, "build", t.build);

  // The legacy shape's fields, derived unless given.
  const auto space = t.device.find(' ');
  if (space != std::string::npos) {
    t.manufacturer = t.device.substr(0, space);
    t.model = t.device.substr(space + 1);
  } else {
    t.model = t.device;
  }
  split_build(t.build, t.version, t.build_number);
  read_string(r, m, "manufacturer", t.manufacturer);
  read_string(r, m, "model", t.model);
  read_string(r, m, "version", t.version);
  read_string(r, m, "code_name", t.code_name);
  read_string(r, m, "build_number", t.build_number);

  const auto status = m.get("status");
  const auto timeline = m.get("timeline");
  if (status && timeline) {
    r.error(*timeline, "a test has \"status\" or \"timeline\", not both");
    return std::nullopt;
  }
  if (status) {
    auto s = as_string(r, *status, "status");
    if (!s) return std::nullopt;
    t.timeline.push_back(timeline_step{*s, 0, milliseconds{0}});
  } else if (timeline) {
    if (!timeline->IsSequence() || timeline->size() == 0) {
      r.error(*timeline, "\"timeline\" must be a non-empty list of steps");
      return std::nullopt;
    }
    std::optional<timeline_clock> clock;
    bool ok = true;
    for (std::size_t i = 0; i < timeline->size(); ++i) {
      auto step = read_step(r, (*timeline)[i], i + 1 == timeline->size(), clock);
      if (step) {
        t.timeline.push_back(std::move(*step));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    t.clock = clock.value_or(timeline_clock::polls);
  } else {
    if (m.valid()) r.error(n, "a test needs \"status\" or \"timeline\"");
    return std::nullopt;
  }
  return t;
}

std::vector<test_spec> read_tests(reader& r, const YAML::Node& n, const std::string& default_build) {
  std::vector<test_spec> out;
  if (!n.IsSequence()) {
    r.error(n, "\"tests\" must be a list");
    return out;
  }
  for (const auto& item : n) {
    if (auto t = read_test(r, item, default_build)) out.push_back(std::move(*t));
  }
  return out;
}

const std::initializer_list<std::pair<std::string_view, route>> route_names = {
    {"execute", route::execute}, {"web_execute", route::web_execute},
    {"status", route::status},   {"run_groups", route::run_groups},
    {"abort", route::abort},     {"upload", route::upload},
    {"applications", route::applications}, {"devices", route::devices},
};

// The answer to a request when it is one of the fault keywords.
std::optional<answer_spec> keyword_answer(std::string_view word) {
  answer_spec a;
  using bk = answer_spec::body_kind;
  if (word == "stall") {
    a.stall = true;
  } else if (word == "drop") {
    a.drop = true;
  } else if (word == "malformed") {
    a.body = bk::malformed;
  } else if (word == "truncated") {
    a.body = bk::truncated;
  } else if (word == "html") {
    a.body = bk::html;
  } else if (word == "empty") {
    a.body = bk::empty;
  } else if (word == "chunked") {
    a.chunked = true;
  } else if (word == "ok") {
  } else {
    return std::nullopt;
  }
  return a;
}

void finish_answer(answer_spec& a, std::optional<bool> handled) {
  using bk = answer_spec::body_kind;
  if (!a.status) {
    if (a.body == bk::html) a.status = 502;
    if (a.body == bk::error) a.status = 500;
  }
  if (a.status && *a.status >= 400 && a.body == bk::normal) a.body = bk::error;
  a.handled = handled.value_or(!(a.status && *a.status >= 400) && !a.stall && !a.drop);
}

// Reads one answer; `times` says how often it repeats.
std::optional<answer_spec> read_answer(reader& r, const YAML::Node& n, std::size_t& times) {
  times = 1;
  answer_spec a;
  a.where = r.where(n);
  if (n.IsScalar()) {
    int code = 0;
    const std::string& s = n.Scalar();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
    if (ec == std::errc() && p == s.data() + s.size()) {
      if (code < 200 || code > 599) {
        r.error(n, "a status code must be from 200 to 599");
        return std::nullopt;
      }
      a.status = code;
    } else if (auto k = keyword_answer(s)) {
      k->where = a.where;
      a = std::move(*k);
    } else {
      r.error(n, "an answer is a status code, one of the words stall, drop, malformed, truncated, html, empty, "
                 "chunked, ok, or a mapping");
      return std::nullopt;
    }
    finish_answer(a, std::nullopt);
    return a;
  }
  mapping m(r, n, "an answer",
            {"status", "handled", "retry_after", "retry_after_date", "delay", "stall", "drop", "reset_after", "cut",
             "chunked", "chunk_size", "close", "body", "message", "details", "timestamp", "text", "oversized",
             "headers", "times"});
  if (!m.valid()) return std::nullopt;
  using bk = answer_spec::body_kind;
  if (auto v = m.get("status")) a.status = as_int<int>(r, *v, "status", 200, 599);
  std::optional<bool> handled;
  if (auto v = m.get("handled")) handled = as_bool(r, *v, "handled");
  if (auto v = m.get("retry_after")) a.retry_after = as_string(r, *v, "retry_after");
  if (auto v = m.get("retry_after_date")) a.retry_after_date = as_duration(r, *v, "retry_after_date");
  if (auto v = m.get("delay")) set_if(as_duration(r, *v, "delay"), a.delay);
  if (auto v = m.get("stall")) set_if(as_bool(r, *v, "stall"), a.stall);
  if (auto v = m.get("drop")) set_if(as_bool(r, *v, "drop"), a.drop);
  if (auto v = m.get("reset_after")) a.cut_after = as_int<std::size_t>(r, *v, "reset_after", 0, std::size_t{1} << 40);
  if (auto v = m.get("cut")) {
    using ck = answer_spec::cut_kind;
    set_if(as_enum<ck>(r, *v, "cut", {{"close", ck::close}, {"reset", ck::reset}, {"stall", ck::stall}}), a.cut);
    if (!a.cut_after) r.error(*v, "\"cut\" says how \"reset_after\" ends the connection; give \"reset_after\" too");
  }
  if (auto v = m.get("chunked")) set_if(as_bool(r, *v, "chunked"), a.chunked);
  if (auto v = m.get("chunk_size")) {
    set_if(as_int<std::size_t>(r, *v, "chunk_size", 1, std::size_t{1} << 30), a.chunk_size);
    a.chunked = true;
  }
  if (auto v = m.get("close")) set_if(as_bool(r, *v, "close"), a.close);
  if (auto v = m.get("body")) {
    set_if(as_enum<bk>(r, *v, "body",
                       {{"normal", bk::normal},
                        {"error", bk::error},
                        {"malformed", bk::malformed},
                        {"truncated", bk::truncated},
                        {"html", bk::html},
                        {"empty", bk::empty},
                        {"text", bk::text}}),
           a.body);
  }
  for (const char* key : {"message", "details", "timestamp"}) {
    if (auto v = m.get(key)) {
      if (!m.has("body")) a.body = bk::error;
      if (a.body != bk::error) r.error(*v, std::string("\"") + key + "\" belongs to an error body (body: error)");
    }
  }
  read_string(r, m, "message", a.message);
  read_string(r, m, "details", a.details);
  read_string(r, m, "timestamp", a.timestamp);
  if (auto v = m.get("text")) {
    set_if(as_string(r, *v, "text"), a.text);
    if (!m.has("body")) a.body = bk::text;
    if (a.body != bk::text) r.error(*v, "\"text\" is the body itself; it goes with body: text");
  }
  if (auto v = m.get("oversized")) {
    if (auto mib = as_int<std::size_t>(r, *v, "oversized", 1, 1024)) a.oversized_bytes = *mib * 1024 * 1024;
  }
  if (auto v = m.get("headers")) {
    if (!v->IsMap()) {
      r.error(*v, "\"headers\" must be a mapping of name: value");
    } else {
      for (const auto& kv : *v) {
        if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
          r.error(kv.first, "a header is name: value, both strings");
          continue;
        }
        a.headers.emplace_back(kv.first.Scalar(), kv.second.Scalar());
      }
    }
  }
  if (auto v = m.get("times")) set_if(as_int<std::size_t>(r, *v, "times", 1, 1000000), times);
  if (a.stall && a.drop) r.error(n, "an answer cannot both stall and drop the connection");
  finish_answer(a, handled);
  return a;
}

std::vector<answer_spec> read_answers(reader& r, const YAML::Node& n) {
  std::vector<answer_spec> out;
  if (!n.IsSequence()) {
    r.error(n, "\"answers\" must be a list");
    return out;
  }
  for (const auto& item : n) {
    std::size_t times = 1;
    if (auto a = read_answer(r, item, times)) out.insert(out.end(), times, *a);
  }
  return out;
}

std::optional<group_spec> read_group(reader& r, const YAML::Node& n, const schedule_spec& s,
                                     const std::string& default_build) {
  mapping m(r, n, "a run group", {"id", "executed_at", "appears_after", "status", "message", "app_hash", "tests"});
  if (!m.valid()) return std::nullopt;
  group_spec g;
  g.where = r.where(n);
  g.id = read_required_string(r, m, "id", "a run group");
  if (auto v = m.get("executed_at")) {
    if (auto text = as_string(r, *v, "executed_at")) {
      if (!text->empty() && text->front() == '-') {
        std::string why;
        if (auto d = sofy::parse_duration(std::string_view(*text).substr(1), &why)) {
          g.executed_ago = *d;
        } else {
          r.error(*v, "\"executed_at\": " + why);
        }
      } else if (sofy::parse_timestamp(*text)) {
        g.executed_at = *text;
      } else {
        r.error(*v, "\"executed_at\" must be an ISO-8601 time (2023-10-24T06:14:39.200Z) or a time ago (-2h)");
      }
    }
  }
  if (auto v = m.get("appears_after")) set_if(as_duration(r, *v, "appears_after"), g.appears_after);
  read_optional_string(r, m, "status", g.status);
  read_optional_string(r, m, "message", g.message);
  read_optional_string(r, m, "app_hash", g.app_hash);
  if (auto v = m.get("tests")) {
    g.tests = read_tests(r, *v, default_build);
  } else {
    g.tests = s.tests;
  }
  return g;
}

const std::initializer_list<std::pair<std::string_view, trigger_form>> trigger_names = {
    {"data_array", trigger_form::data_array},
    {"test_groups_run_id", trigger_form::test_groups_run_id},
    {"legacy", trigger_form::legacy},
    {"test_run_group_id", trigger_form::test_run_group_id},
    {"none", trigger_form::none},
};

std::optional<schedule_spec> read_schedule(reader& r, const YAML::Node& n, bool web) {
  const std::string_view what = web ? "a web schedule" : "a schedule";
  std::optional<mapping> mm;
  if (web) {
    mm.emplace(r, n, what,
               std::initializer_list<std::string_view>{"id", "name", "trigger_answer", "ids", "trigger_message",
                                                       "abort_status", "build", "tests", "groups"});
  } else {
    mm.emplace(r, n, what,
               std::initializer_list<std::string_view>{"guid", "name", "trigger_answer", "ids", "status_shape",
                                                       "trigger_message", "abort_status", "build", "tests",
                                                       "groups"});
  }
  mapping& m = *mm;
  if (!m.valid()) return std::nullopt;
  schedule_spec s;
  s.web = web;
  s.where = r.where(n);
  const std::string id_key = web ? "id" : "guid";
  s.guid = read_required_string(r, m, id_key, what);
  if (!s.guid.empty()) {
    if (web && !is_hex_id(s.guid, 24)) r.error(*m.get(id_key), "a web schedule id is 24 hex digits");
    if (!web && !sofy::is_guid(s.guid)) {
      r.error(*m.get(id_key), "\"guid\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
    }
  }
  s.name = read_required_string(r, m, "name", what);
  if (auto v = m.get("trigger_answer")) set_if(as_enum<trigger_form>(r, *v, "trigger_answer", trigger_names), s.trigger);
  if (auto v = m.get("ids")) {
    set_if(as_enum<id_type>(r, *v, "ids", {{"auto", id_type::automatic}, {"number", id_type::number}, {"string", id_type::string}}),
           s.ids);
  }
  if (auto v = m.get("status_shape")) {
    set_if(as_enum<status_shape>(r, *v, "status_shape",
                                 {{"current", status_shape::current},
                                  {"legacy", status_shape::legacy},
                                  {"data_object", status_shape::data_object}}),
           s.shape);
  }
  read_string(r, m, "trigger_message", s.trigger_message);
  read_string(r, m, "abort_status", s.abort_status);
  std::string build = "1.0.0(1)";
  read_string(r, m, "build", build);
  if (auto v = m.get("tests")) s.tests = read_tests(r, *v, build);
  if (auto v = m.get("groups")) {
    if (!v->IsSequence()) {
      r.error(*v, "\"groups\" must be a list");
    } else {
      for (const auto& item : *v) {
        if (auto g = read_group(r, item, s, build)) s.groups.push_back(std::move(*g));
      }
    }
  }
  if (s.shape == status_shape::data_object) {
    auto too_many = [](const std::vector<test_spec>& t) { return t.size() > 1; };
    bool bad = too_many(s.tests);
    for (const auto& g : s.groups) bad = bad || too_many(g.tests);
    if (bad) r.error(n, "status_shape data_object carries a single test; this schedule has groups with more");
  }
  return s;
}

std::vector<app_build_spec> read_builds(reader& r, const YAML::Node& n) {
  std::vector<app_build_spec> out;
  if (!n.IsSequence()) {
    r.error(n, "\"builds\" must be a list");
    return out;
  }
  for (const auto& item : n) {
    mapping m(r, item, "a build", {"app_hash", "build_id", "name", "package_name"});
    if (!m.valid()) continue;
    app_build_spec b;
    b.app_hash = read_required_string(r, m, "app_hash", "a build");
    read_string(r, m, "build_id", b.build_id);
    read_string(r, m, "name", b.name);
    read_string(r, m, "package_name", b.package_name);
    out.push_back(std::move(b));
  }
  return out;
}

void read_applications(reader& r, const YAML::Node& n, scenario& sc) {
  if (!n.IsSequence()) {
    r.error(n, "\"applications\" must be a list");
    return;
  }
  for (const auto& item : n) {
    mapping m(r, item, "an application", {"guid", "platform", "name", "builds"});
    if (!m.valid()) continue;
    application_spec a;
    a.guid = read_required_string(r, m, "guid", "an application");
    read_string(r, m, "platform", a.platform);
    read_string(r, m, "name", a.name);
    if (auto v = m.get("builds")) a.builds = read_builds(r, *v);
    sc.applications.push_back(std::move(a));
  }
}

std::vector<device_spec> read_device_list(reader& r, const YAML::Node& n) {
  std::vector<device_spec> out;
  if (!n.IsSequence()) {
    r.error(n, "a device list must be a list");
    return out;
  }
  for (const auto& item : n) {
    mapping m(r, item, "a device", {"name", "manufacturer", "os_version", "serial", "state"});
    if (!m.valid()) continue;
    device_spec d;
    d.name = read_required_string(r, m, "name", "a device");
    read_string(r, m, "manufacturer", d.manufacturer);
    read_string(r, m, "os_version", d.os_version);
    read_string(r, m, "serial", d.serial);
    read_string(r, m, "state", d.state);
    out.push_back(std::move(d));
  }
  return out;
}

void read_faults(reader& r, const YAML::Node& n, scenario& sc) {
  if (!n.IsSequence()) {
    r.error(n, "\"faults\" must be a list");
    return;
  }
  for (const auto& item : n) {
    mapping m(r, item, "a fault", {"route", "schedule", "answers"});
    if (!m.valid()) continue;
    fault_spec f;
    f.where = r.where(item);
    if (auto v = m.required("route", "a fault")) {
      if (v->IsScalar() && v->Scalar() == "*") {
        f.match_route = std::nullopt;
      } else {
        auto rt = as_enum<route>(r, *v, "route", route_names);
        if (!rt) continue;
        f.match_route = *rt;
      }
    }
    read_optional_string(r, m, "schedule", f.schedule);
    if (auto v = m.required("answers", "a fault")) f.answers = read_answers(r, *v);
    sc.faults.push_back(std::move(f));
  }
}

void read_hooks(reader& r, const YAML::Node& n, scenario& sc) {
  if (!n.IsSequence()) {
    r.error(n, "\"hooks\" must be a list");
    return;
  }
  std::set<std::string> names;
  for (const auto& item : n) {
    mapping m(r, item, "a hook", {"name", "style", "answers"});
    if (!m.valid()) continue;
    hook_spec h;
    h.name = read_required_string(r, m, "name", "a hook");
    if (!h.name.empty()) {
      const bool plain = std::all_of(h.name.begin(), h.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
      });
      if (!plain) r.error(*m.get("name"), "a hook name uses only letters, digits, '-', '_' and '.' (it is a URL path segment)");
      if (!names.insert(h.name).second) r.error(*m.get("name"), "duplicate hook name \"" + h.name + "\"");
    }
    if (auto v = m.get("style")) {
      set_if(as_enum<hook_style>(r, *v, "style",
                                 {{"slack", hook_style::slack}, {"teams", hook_style::teams}, {"webhook", hook_style::webhook}}),
             h.style);
    }
    if (auto v = m.get("answers")) h.answers = read_answers(r, *v);
    sc.hooks.push_back(std::move(h));
  }
}

void read_schedules(reader& r, const YAML::Node& n, bool web, scenario& sc) {
  if (!n.IsSequence()) {
    r.error(n, web ? "\"web_schedules\" must be a list" : "\"schedules\" must be a list");
    return;
  }
  for (const auto& item : n) {
    if (auto s = read_schedule(r, item, web)) sc.schedules.push_back(std::move(*s));
  }
}

void check_unique(reader& r, const scenario& sc) {
  // Ids are compared as the service would: GUIDs without regard to case.
  std::set<std::string> guids;
  std::set<std::string> groups;
  for (const auto& s : sc.schedules) {
    std::string key = s.guid;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!s.guid.empty() && !guids.insert(key).second) r.error_at(s.where, "schedule \"" + s.guid + "\" is listed twice");
    for (const auto& g : s.groups) {
      if (!g.id.empty() && !groups.insert(g.id).second) r.error_at(g.where, "run group \"" + g.id + "\" is listed twice");
    }
  }
}

scenario read_root(reader& r, const YAML::Node& root) {
  scenario sc;
  sc.source = r.source();
  if (!root.IsDefined() || root.IsNull()) {
    r.error(YAML::Mark::null_mark(), "the scenario is empty");
    return sc;
  }
  mapping m(r, root, "the scenario",
            {"auth_key", "web_auth_key", "first_group_id", "run_groups_shape", "run_groups_order", "schedules",
             "web_schedules", "applications", "devices", "upload", "faults", "hooks", "limits"});
  if (!m.valid()) return sc;
  sc.auth_key = read_required_string(r, m, "auth_key", "the scenario");
  if (!sc.auth_key.empty() && !sofy::is_guid(sc.auth_key)) {
    r.error(*m.get("auth_key"), "\"auth_key\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
  }
  read_optional_string(r, m, "web_auth_key", sc.web_auth_key);
  if (auto v = m.get("first_group_id")) {
    set_if(as_int<std::uint64_t>(r, *v, "first_group_id", 1, std::uint64_t{1} << 52), sc.first_group_id);
  }
  if (auto v = m.get("run_groups_shape")) {
    set_if(as_enum<groups_shape>(r, *v, "run_groups_shape", {{"array", groups_shape::array}, {"data", groups_shape::data}}),
           sc.run_groups);
  }
  if (auto v = m.get("run_groups_order")) {
    set_if(as_enum<bool>(r, *v, "run_groups_order", {{"newest_first", true}, {"oldest_first", false}}), sc.newest_first);
  }
  if (auto v = m.get("schedules")) read_schedules(r, *v, false, sc);
  if (auto v = m.get("web_schedules")) read_schedules(r, *v, true, sc);
  if (auto v = m.get("applications")) read_applications(r, *v, sc);
  if (auto v = m.get("devices")) {
    mapping d(r, *v, "\"devices\"", {"android", "ios"});
    if (auto a = d.get("android")) sc.android_devices = read_device_list(r, *a);
    if (auto i = d.get("ios")) sc.ios_devices = read_device_list(r, *i);
  }
  if (auto v = m.get("upload")) {
    mapping u(r, *v, "\"upload\"", {"message", "app_hash"});
    read_string(r, u, "message", sc.upload.message);
    read_optional_string(r, u, "app_hash", sc.upload.app_hash);
    if (sc.upload.app_hash && !is_hex_id(*sc.upload.app_hash, 32)) {
      r.error(*u.get("app_hash"), "\"app_hash\" is 32 hex digits");
    }
  }
  if (auto v = m.get("faults")) read_faults(r, *v, sc);
  if (auto v = m.get("hooks")) read_hooks(r, *v, sc);
  if (auto v = m.get("limits")) {
    mapping l(r, *v, "\"limits\"", {"request_log", "hook_log"});
    if (auto n = l.get("request_log")) {
      set_if(as_int<std::size_t>(r, *n, "request_log", 1, 10000000), sc.request_log_limit);
    }
    if (auto n = l.get("hook_log")) set_if(as_int<std::size_t>(r, *n, "hook_log", 1, 10000000), sc.hook_log_limit);
  }
  const bool any_web = std::any_of(sc.schedules.begin(), sc.schedules.end(), [](const schedule_spec& s) { return s.web; });
  if (any_web && !sc.web_auth_key) {
    r.error(*m.get("web_schedules"), "web schedules need \"web_auth_key\" (the x-sofy-web-auth-key the simulator accepts)");
  }
  for (const auto& f : sc.faults) {
    if (f.schedule && !sc.find_schedule(*f.schedule, false) && !sc.find_schedule(*f.schedule, true)) {
      r.error_at(f.where, "a fault names schedule \"" + *f.schedule + "\", which the scenario does not list");
    }
  }
  check_unique(r, sc);
  return sc;
}

}  // namespace

void split_build(std::string_view build, std::string& version, std::string& number) {
  const auto open = build.rfind('(');
  if (open != std::string_view::npos && !build.empty() && build.back() == ')') {
    version = std::string(build.substr(0, open));
    number = std::string(build.substr(open + 1, build.size() - open - 2));
  } else {
    version = std::string(build);
    number.clear();
  }
}

const schedule_spec* scenario::find_schedule(std::string_view guid, bool web) const noexcept {
  for (const auto& s : schedules) {
    if (s.web == web && iequals(s.guid, guid)) return &s;
  }
  return nullptr;
}

scenario_error::scenario_error(std::vector<std::string> errors)
    : std::runtime_error(join_lines(errors)), errors_(std::move(errors)) {}

scenario parse_scenario(std::string_view yaml, std::string_view source) {
  reader r{std::string(source)};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    r.error(e.mark, e.msg);
    throw scenario_error(std::move(r.errors()));
  }
  scenario sc;
  try {
    sc = read_root(r, root);
  } catch (const YAML::Exception& e) {
    // Defensive: the reader checks node types first, so this is a bug if it happens.
    r.error(e.mark, e.msg);
  }
  if (!r.ok()) throw scenario_error(std::move(r.errors()));
  return sc;
}

scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenario_error({path + ": cannot read the scenario file"});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw scenario_error({path + ": cannot read the scenario file"});
  return parse_scenario(text.str(), path);
}

}  // namespace sofy::sim
