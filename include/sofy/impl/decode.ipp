// Definitions for <sofy/decode.hpp>.
#pragma once

#include <sofy/decode.hpp>
#include <sofy/impl/model.ipp>  // detail::newer, also when compiled apart (src.hpp)
#include <sofy/detail/json_records.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <optional>

namespace sofy {

namespace detail::decoding {

namespace json = boost::json;

// Scratch memory for the DOM decoders (trigger, applications, upload, message, error
// bodies: small or rare answers): the parser's stack and an arena for the DOM, both
// on the caller's stack, so a typical answer costs no heap allocation beyond the
// strings of the result. The frequent list answers skip the DOM (json_records.hpp).
struct arena {
  unsigned char parser_stack[2048];
  unsigned char dom[12288];
  json::monotonic_resource mr{dom, sizeof dom};
};

// A step of the path to a value, kept on the stack and rendered only on error:
// "data[2].status".
struct where {
  const where* parent = nullptr;
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;

  where field(std::string_view k) const noexcept { return {this, k, 0, false}; }
  where at(std::size_t i) const noexcept { return {this, {}, i, true}; }
  bool is_root() const noexcept { return parent == nullptr; }

  void render(std::string& out) const {
    if (parent) parent->render(out);
    if (is_index) {
      out.push_back('[');
      out.append(std::to_string(index));
      out.push_back(']');
    } else if (!key.empty()) {
      if (!out.empty()) out.push_back('.');
      out.append(key);
    }
  }
};

inline std::string_view kind_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "value";
}

[[noreturn]] inline void fail(std::string_view what, const where& w, std::string_view problem) {
  std::string path;
  w.render(path);
  std::string msg;
  msg.reserve(what.size() + path.size() + problem.size() + 4);
  msg.append(what).append(": ");
  if (!path.empty()) msg.append(path).append(": ");
  msg.append(problem);
  throw error(errc::bad_response, std::move(msg));
}

[[noreturn]] inline void expected(std::string_view what, const where& w, std::string_view wanted,
                                  const json::value& got) {
  std::string problem = "expected ";
  problem.append(wanted).append(", got ").append(kind_name(got));
  fail(what, w, problem);
}

inline std::string_view json_error_text(const json::error_code& ec) {
  if (ec == json::error::too_deep) return "nested too deeply";
  if (ec == json::error::extra_data) return "unexpected data after the JSON value";
  if (ec == json::error::incomplete) return "incomplete JSON";
  return {};
}

// Parses the whole body; errors say what and at which byte.
inline json::value parse(std::string_view body, std::string_view what, arena& a) {
  const where root;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) fail(what, root, "empty body (expected JSON)");
  json::parse_options opt;
  opt.max_depth = 32;
  json::parser p(json::storage_ptr(), opt, a.parser_stack, sizeof a.parser_stack);
  p.reset(json::storage_ptr(&a.mr));
  json::error_code ec;
  const std::size_t n = p.write(body.data(), body.size(), ec);
  if (!ec) return p.release();
  std::string problem = "invalid JSON: ";
  const auto text = json_error_text(ec);
  if (text.empty()) problem.append(ec.message());
  else problem.append(text);
  problem.append(" at byte ").append(std::to_string(n));
  fail(what, root, problem);
}

// The first of `names` present with a non-null value, or nullptr. `found` names it.
inline const json::value* find(const json::object& o, std::initializer_list<std::string_view> names,
                               std::string_view& found) noexcept {
  for (auto name : names) {
    auto it = o.find(json::string_view(name.data(), name.size()));
    if (it != o.end() && !it->value().is_null()) {
      found = name;
      return &it->value();
    }
  }
  return nullptr;
}

inline std::string number_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return integer_text(v.get_double());
    default: return {};
  }
}

inline bool is_number(const json::value& v) noexcept { return v.is_int64() || v.is_uint64() || v.is_double(); }

// A text field: a string; missing or null is empty; anything else is an error.
inline std::string text(const json::object& o, std::initializer_list<std::string_view> names, std::string_view what,
                        const where& w) {
  std::string_view key;
  const json::value* v = find(o, names, key);
  if (!v) return {};
  if (const auto* s = v->if_string()) return std::string(s->data(), s->size());
  expected(what, w.field(key), "a string", *v);
}

// A field that is text but that the service may send as a number: ids, builds, versions.
inline std::string text_or_number(const json::object& o, std::initializer_list<std::string_view> names,
                                  std::string_view what, const where& w) {
  std::string_view key;
  const json::value* v = find(o, names, key);
  if (!v) return {};
  if (const auto* s = v->if_string()) return std::string(s->data(), s->size());
  if (is_number(*v)) return number_text(*v);
  expected(what, w.field(key), "a string or a number", *v);
}

inline const json::object& as_object(const json::value& v, std::string_view what, const where& w) {
  if (const auto* o = v.if_object()) return *o;
  expected(what, w, "an object", v);
}

// The records of a list answer: a bare array, or an object whose `data` is an array,
// a single object, or null (no records). `f(object, where)` is called for each.
template <class F>
void for_each_record(const json::value& root, std::string_view what, F&& f) {
  const where top;
  const json::array* items = nullptr;
  where items_at = top;
  if (const auto* a = root.if_array()) {
    items = a;
  } else if (const auto* o = root.if_object()) {
    auto it = o->find("data");
    if (it == o->end()) it = o->find("Data");
    if (it == o->end()) fail(what, top, "missing \"data\"");
    const where data_at = top.field(it->key() == "data" ? "data" : "Data");
    const json::value& data = it->value();
    if (data.is_null()) return;
    if (const auto* obj = data.if_object()) {
      f(*obj, data_at);
      return;
    }
    items = data.if_array();
    if (!items) expected(what, data_at, "an array or an object", data);
    items_at = data_at;
  } else {
    expected(what, top, "an object or an array", root);
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const where at = items_at.at(i);
    f(as_object((*items)[i], what, at), at);
  }
}

inline std::size_t record_count(const json::value& root) noexcept {
  if (const auto* a = root.if_array()) return a->size();
  if (const auto* o = root.if_object()) {
    auto it = o->find("data");
    if (it != o->end()) {
      if (const auto* a = it->value().if_array()) return a->size();
    }
  }
  return 1;
}

inline char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// ---------------------------------------------------------------------------
// Readable excerpts of bodies that are not what we expected.

inline bool istarts_with(std::string_view s, std::size_t pos, std::string_view prefix) noexcept {
  return s.size() - pos >= prefix.size() && iequals(s.substr(pos, prefix.size()), prefix);
}

// Position of `needle` in `s` from `from` on, ignoring ASCII case, or npos.
inline std::size_t ifind(std::string_view s, std::string_view needle, std::size_t from) noexcept {
  for (std::size_t k = from; k <= s.size() && s.size() - k >= needle.size(); ++k) {
    if (iequals(s.substr(k, needle.size()), needle)) return k;
  }
  return std::string_view::npos;
}

// Length of a valid UTF-8 sequence at s[i], or 0.
inline std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

// At most `max_chars` characters of `body` on one line: control characters and runs
// of whitespace become one space, invalid UTF-8 becomes '?', and for HTML the tags,
// comments, scripts and styles are dropped and the common entities decoded. "..."
// marks a cut.
inline std::string printable(std::string_view body, std::size_t max_chars) {
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  const bool html = first != std::string_view::npos && body[first] == '<';
  std::string out;
  out.reserve(std::min(body.size(), max_chars) + 8);
  std::size_t chars = 0;
  bool pending_space = false;
  auto put = [&](std::string_view piece) -> bool {
    if (chars >= max_chars) return false;
    if (pending_space && !out.empty()) {
      out.push_back(' ');
      if (++chars >= max_chars) return false;
    }
    pending_space = false;
    out.append(piece);
    ++chars;
    return true;
  };
  std::size_t i = 0;
  bool cut = false;
  while (i < body.size()) {
    const char c = body[i];
    if (html && c == '<') {
      if (istarts_with(body, i, "<!--")) {
        const auto e = ifind(body, "-->", i + 4);
        i = e == std::string_view::npos ? body.size() : e + 3;
      } else {
        // A script or style is skipped to its closing tag, any other tag to its '>'.
        std::size_t from = i + 1;
        if (istarts_with(body, i, "<script")) from = ifind(body, "</script", i + 7);
        else if (istarts_with(body, i, "<style")) from = ifind(body, "</style", i + 6);
        const auto gt = from == std::string_view::npos ? from : body.find('>', from);
        i = gt == std::string_view::npos ? body.size() : gt + 1;
      }
      pending_space = true;
      continue;
    }
    if (html && c == '&') {
      static constexpr std::pair<std::string_view, std::string_view> entities[] = {
          {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}};
      bool matched = false;
      for (const auto& [name, value] : entities) {
        if (istarts_with(body, i, name)) {
          if (!put(value)) cut = true;
          i += name.size();
          matched = true;
          break;
        }
      }
      if (matched) {
        if (cut) break;
        continue;
      }
      if (istarts_with(body, i, "&nbsp;")) {
        pending_space = true;
        i += 6;
        continue;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ') {
      pending_space = true;
      ++i;
      continue;
    }
    std::size_t n = 1;
    std::string_view piece = body.substr(i, 1);
    if (u >= 0x80) {
      n = utf8_length(body, i);
      piece = n ? body.substr(i, n) : std::string_view("?");
      if (!n) n = 1;
    }
    if (!put(piece)) {
      cut = true;
      break;
    }
    i += n;
  }
  if (cut) out.append("...");
  return out;
}

inline void redact(std::string& s, std::string_view secret) {
  if (secret.empty() || s.size() < secret.size()) return;
  for (std::size_t i = 0; i + secret.size() <= s.size();) {
    if (iequals(std::string_view(s).substr(i, secret.size()), secret)) {
      s.replace(i, secret.size(), "***");
      i += 3;
    } else {
      ++i;
    }
  }
}

inline std::string_view default_reason(int status) noexcept {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return {};
  }
}

// Text of a string or number, ignoring anything else (for the lenient error shape).
inline std::string loose_text(const json::object& o, std::initializer_list<std::string_view> names) {
  std::string_view key;
  const json::value* v = find(o, names, key);
  if (!v) return {};
  if (const auto* s = v->if_string()) return std::string(s->data(), s->size());
  if (is_number(*v)) return number_text(*v);
  return {};
}

// Runs the streaming reader over a list answer; returns the top-level message.
inline void read_records(std::string_view body, std::string_view what, const record_schema& schema,
                         std::string& message) {
  const where root;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) fail(what, root, "empty body (expected JSON)");
  json::parse_options opt;
  opt.max_depth = 32;
  message.clear();
  // Decoding never re-enters itself, so one scratch record per thread is enough.
  static thread_local record_values scratch;
  json::basic_parser<records_handler> p(opt, schema, what, message, scratch);
  json::error_code ec;
  const std::size_t n = p.write_some(false, body.data(), body.size(), ec);
  auto& h = p.handler();
  if (!h.failure.empty()) throw error(errc::bad_response, std::move(h.failure));
  if (!ec && n < body.size()) ec = json::error::extra_data;
  if (ec) {
    std::string problem = "invalid JSON: ";
    const auto text = json_error_text(ec);
    if (text.empty()) problem.append(ec.message());
    else problem.append(text);
    problem.append(" at byte ").append(std::to_string(n));
    fail(what, root, problem);
  }
  if (h.root_is_object && !h.saw_data) fail(what, root, "missing \"data\"");
}

// The table for a schema struct S (fields, slots, finish, restart).
template <class S>
record_schema schema_of(S& sink) noexcept {
  static_assert(S::slots <= max_record_slots);
  return {S::fields, std::size(S::fields), S::slots, &sink,
          [](void* p, record_values& v) { static_cast<S*>(p)->finish(v); },
          [](void* p) { static_cast<S*>(p)->restart(); }};
}

struct status_schema {
  enum : std::uint8_t {
    scenario, device, build, status, schedule_name, group_id, scheduled_at,
    manufacturer, model, version, code_name, build_number, slot_count
  };
  static constexpr std::size_t slots = slot_count;
  static constexpr field_spec fields[] = {
      {"scenarioName", scenario, 0, field_kind::text},
      {"ScenarioName", scenario, 1, field_kind::text},
      {"scenario", scenario, 2, field_kind::text},
      {"device", device, 0, field_kind::text},
      {"deviceName", device, 1, field_kind::text},
      {"Device", device, 2, field_kind::text},
      {"build", build, 0, field_kind::text_or_number},
      {"Build", build, 1, field_kind::text_or_number},
      {"status", status, 0, field_kind::text},
      {"Statusvalue", status, 1, field_kind::text},
      {"StatusValue", status, 2, field_kind::text},
      {"Status", status, 3, field_kind::text},
      {"scheduledRunName", schedule_name, 0, field_kind::text},
      {"Scheduled_Name", schedule_name, 1, field_kind::text},
      {"ScheduledRunName", schedule_name, 2, field_kind::text},
      {"testRunGroupId", group_id, 0, field_kind::text_or_number},
      {"TestRunGroupId", group_id, 1, field_kind::text_or_number},
      {"testRunGroupID", group_id, 2, field_kind::text_or_number},
      {"scheduledAt", scheduled_at, 0, field_kind::text},
      {"ScheduledAt", scheduled_at, 1, field_kind::text},
      {"Manufacturer", manufacturer, 0, field_kind::text},
      {"manufacturer", manufacturer, 1, field_kind::text},
      {"Model", model, 0, field_kind::text_or_number},
      {"model", model, 1, field_kind::text_or_number},
      {"Version", version, 0, field_kind::text_or_number},
      {"version", version, 1, field_kind::text_or_number},
      {"CodeName", code_name, 0, field_kind::text},
      {"codeName", code_name, 1, field_kind::text},
      {"BuildNumber", build_number, 0, field_kind::text_or_number},
      {"buildNumber", build_number, 1, field_kind::text_or_number},
  };

  group_status& out;
  std::size_t count = 0;  // records read; out.tests may hold more, from an earlier decode

  void restart() noexcept {
    count = 0;
    out.group_id.clear();
  }

  void finish(record_values& v) {
    if (count == out.tests.size()) out.tests.emplace_back();
    // Assigning keeps the capacity of a reused test_run's strings.
    test_run& t = out.tests[count++];
    t.scenario = v[scenario];
    if (!v[device].empty()) {
      t.device = v[device];
    } else {
      // Legacy: Manufacturer + " " + Model.
      t.device = v[manufacturer];
      if (!t.device.empty() && !v[model].empty()) t.device.push_back(' ');
      t.device.append(v[model]);
    }
    if (!v[build].empty()) {
      t.build = v[build];
    } else {
      // Legacy: Version[.CodeName](BuildNumber).
      t.build = v[version];
      if (!v[code_name].empty()) {
        if (!t.build.empty()) t.build.push_back('.');
        t.build.append(v[code_name]);
      }
      if (!v[build_number].empty()) t.build.append("(").append(v[build_number]).append(")");
    }
    t.raw_status = v[status];
    t.status = parse_run_status(t.raw_status);
    t.schedule_name = v[schedule_name];
    t.group_id = v[group_id];
    t.scheduled_at = v[scheduled_at];
    if (out.group_id.empty()) out.group_id = t.group_id;
  }
};

struct run_groups_schema {
  enum : std::uint8_t { id, executed_at, state, message, slot_count };
  static constexpr std::size_t slots = slot_count;
  static constexpr field_spec fields[] = {
      {"testRunGroupId", id, 0, field_kind::text_or_number},
      {"TestRunGroupId", id, 1, field_kind::text_or_number},
      {"testRunGroupID", id, 2, field_kind::text_or_number},
      {"id", id, 3, field_kind::text_or_number},
      {"executedAt", executed_at, 0, field_kind::text},
      {"ExecutedAt", executed_at, 1, field_kind::text},
      {"executed_at", executed_at, 2, field_kind::text},
      {"status", state, 0, field_kind::text},
      {"Status", state, 1, field_kind::text},
      {"state", state, 2, field_kind::text},
      {"message", message, 0, field_kind::text},
      {"Message", message, 1, field_kind::text},
  };

  std::vector<run_group>& out;

  void restart() noexcept { out.clear(); }

  void finish(record_values& v) {
    run_group& g = out.emplace_back();
    g.id = v[id];
    g.executed_at = v[executed_at];
    g.raw_state = v[state];
    g.state = parse_group_state(g.raw_state);
    g.message = v[message];
  }
};

struct devices_schema {
  enum : std::uint8_t { name, manufacturer, os_version, serial, state, slot_count };
  static constexpr std::size_t slots = slot_count;
  static constexpr field_spec fields[] = {
      {"device_name", name, 0, field_kind::text},
      {"deviceName", name, 1, field_kind::text},
      {"manufacturer", manufacturer, 0, field_kind::text},
      {"Manufacturer", manufacturer, 1, field_kind::text},
      {"os_version", os_version, 0, field_kind::text_or_number},
      {"osVersion", os_version, 1, field_kind::text_or_number},
      {"device_serial", serial, 0, field_kind::text_or_number},
      {"deviceSerial", serial, 1, field_kind::text_or_number},
      {"STATE", state, 0, field_kind::text},
      {"state", state, 1, field_kind::text},
      {"State", state, 2, field_kind::text},
  };

  std::vector<device>& out;

  void restart() noexcept { out.clear(); }

  void finish(record_values& v) {
    out.push_back(device{v[name], v[manufacturer], v[os_version], v[serial], v[state]});
  }
};

}  // namespace detail::decoding

SOFY_DECL void decode_status(std::string_view body, group_status& out) {
  namespace d = detail::decoding;
  out.group_id.clear();
  d::status_schema schema{out};
  d::read_records(body, "status response", d::schema_of(schema), out.message);
  out.tests.resize(schema.count);
}

SOFY_DECL group_status decode_status(std::string_view body) {
  group_status out;
  decode_status(body, out);
  return out;
}

SOFY_DECL std::vector<run_group> decode_run_groups(std::string_view body) {
  namespace d = detail::decoding;
  std::vector<run_group> out;
  d::run_groups_schema schema{out};
  std::string message;
  d::read_records(body, "run groups response", d::schema_of(schema), message);
  // Newest first; the timestamps are read once, not at every comparison.
  std::vector<std::pair<std::optional<timestamp>, std::size_t>> keys;
  keys.reserve(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) keys.emplace_back(parse_timestamp(out[i].executed_at), i);
  std::stable_sort(keys.begin(), keys.end(), [&](const auto& x, const auto& y) {
    return detail::newer(x.first, out[x.second].id, y.first, out[y.second].id);
  });
  std::vector<run_group> sorted;
  sorted.reserve(out.size());
  for (const auto& k : keys) sorted.push_back(std::move(out[k.second]));
  return sorted;
}

SOFY_DECL trigger_result decode_trigger(std::string_view body) {
  namespace d = detail::decoding;
  constexpr std::string_view what = "trigger response";
  d::arena a;
  const auto root = d::parse(body, what, a);
  trigger_result out;

  // The id under any of its spellings, in any letter case.
  auto id_in = [&](const d::json::object& o, const d::where& w) -> std::optional<std::string> {
    for (const auto& kv : o) {
      const std::string_view key(kv.key().data(), kv.key().size());
      if (!d::iequals(key, "scheduleTestRunsGroupID") && !d::iequals(key, "testGroupsRunId") &&
          !d::iequals(key, "testRunGroupId")) {
        continue;
      }
      const auto& v = kv.value();
      if (v.is_null()) continue;
      if (const auto* s = v.if_string()) {
        if (s->empty()) continue;
        return std::string(s->data(), s->size());
      }
      if (d::is_number(v)) return d::number_text(v);
      d::expected(what, w.field(key), "a string or a number", v);
    }
    return std::nullopt;
  };

  const d::where top;
  if (const auto* o = root.if_object()) {
    out.group_id = id_in(*o, top);
    out.message = d::text(*o, {"message", "Message"}, what, top);
    if (out.group_id) return out;
    auto it = o->find("data");
    if (it == o->end()) it = o->find("Data");
    if (it == o->end() || it->value().is_null()) return out;
    const d::where data_at = top.field(it->key() == "data" ? "data" : "Data");
    if (const auto* obj = it->value().if_object()) {
      out.group_id = id_in(*obj, data_at);
    } else if (const auto* arr = it->value().if_array()) {
      for (std::size_t i = 0; i < arr->size() && !out.group_id; ++i) {
        if (const auto* e = (*arr)[i].if_object()) out.group_id = id_in(*e, data_at.at(i));
      }
    } else {
      d::expected(what, data_at, "an array or an object", it->value());
    }
  } else if (const auto* arr = root.if_array()) {
    for (std::size_t i = 0; i < arr->size() && !out.group_id; ++i) {
      if (const auto* e = (*arr)[i].if_object()) out.group_id = id_in(*e, top.at(i));
    }
  } else {
    d::expected(what, top, "an object", root);
  }
  return out;
}

SOFY_DECL std::vector<application> decode_applications(std::string_view body) {
  namespace d = detail::decoding;
  constexpr std::string_view what = "applications response";
  d::arena a;
  const auto root = d::parse(body, what, a);
  std::vector<application> out;
  out.reserve(d::record_count(root));
  d::for_each_record(root, what, [&](const d::json::object& o, const d::where& w) {
    application app;
    app.guid = d::text(o, {"application_guid", "applicationGuid", "ApplicationGUID"}, what, w);
    app.platform = d::text(o, {"platform_name", "platformName"}, what, w);
    app.name = d::text(o, {"application_friendly_name", "applicationFriendlyName"}, what, w);
    std::string_view key;
    if (const auto* builds = d::find(o, {"application_builds", "applicationBuilds"}, key)) {
      const d::where bw = w.field(key);
      const auto* arr = builds->if_array();
      if (!arr) d::expected(what, bw, "an array", *builds);
      app.builds.reserve(arr->size());
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const d::where at = bw.at(i);
        const auto& b = d::as_object((*arr)[i], what, at);
        app_build build;
        build.app_hash = d::text(b, {"app_hash", "appHash"}, what, at);
        build.build_id = d::text_or_number(b, {"build_id", "buildId"}, what, at);
        build.name = d::text_or_number(b, {"build_friendly_name", "buildFriendlyName"}, what, at);
        build.package_name = d::text(b, {"build_package_name", "buildPackageName"}, what, at);
        app.builds.push_back(std::move(build));
      }
    }
    out.push_back(std::move(app));
  });
  return out;
}

SOFY_DECL std::vector<device> decode_devices(std::string_view body) {
  namespace d = detail::decoding;
  std::vector<device> out;
  d::devices_schema schema{out};
  std::string message;
  d::read_records(body, "devices response", d::schema_of(schema), message);
  return out;
}

SOFY_DECL upload_result decode_upload(std::string_view body) {
  namespace d = detail::decoding;
  constexpr std::string_view what = "upload response";
  d::arena a;
  const auto root = d::parse(body, what, a);
  const d::where top;
  const auto& o = d::as_object(root, what, top);
  upload_result out;
  out.message = d::text(o, {"message", "Message"}, what, top);
  std::string_view key;
  if (const auto* data = d::find(o, {"data", "Data"}, key)) {
    const d::where data_at = top.field(key);
    out.app_hash = d::text(d::as_object(*data, what, data_at), {"appHash", "app_hash", "AppHash"}, what, data_at);
  }
  if (out.app_hash.empty()) out.app_hash = d::text(o, {"appHash", "app_hash", "AppHash"}, what, top);
  if (out.app_hash.empty()) d::fail(what, top, "no app hash in the answer (expected data.appHash)");
  return out;
}

SOFY_DECL std::string decode_message(std::string_view body, std::string_view what) {
  namespace d = detail::decoding;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  d::arena a;
  const auto root = d::parse(body, what, a);
  const d::where top;
  return d::text(d::as_object(root, what, top), {"message", "Message"}, what, top);
}

SOFY_DECL error decode_error_body(int http_status, std::string_view reason, std::string_view body,
                                  std::string_view secret) {
  namespace d = detail::decoding;
  constexpr std::size_t max_api_field = 4096;  // keeps a hostile answer from bloating every log line
  std::string api_message, api_details, api_timestamp, text;
  if (!body.empty() && body.size() <= 1024 * 1024) {
    try {
      d::arena a;
      d::json::parse_options opt;
      opt.max_depth = 32;
      d::json::error_code ec;
      d::json::parser p(d::json::storage_ptr(), opt, a.parser_stack, sizeof a.parser_stack);
      p.reset(d::json::storage_ptr(&a.mr));
      p.write(body.data(), body.size(), ec);
      if (!ec) {
        const auto root = p.release();
        if (const auto* o = root.if_object()) {
          auto it = o->find("error");
          if (it != o->end() && it->value().is_object()) {
            const auto& e = it->value().get_object();
            api_message = d::loose_text(e, {"message", "Message"}).substr(0, max_api_field);
            api_details = d::loose_text(e, {"details", "Details"}).substr(0, max_api_field);
            api_timestamp = d::loose_text(e, {"timestamp", "Timestamp"}).substr(0, 64);
          } else if (it != o->end() && it->value().is_string()) {
            text = d::loose_text(*o, {"error"});
          } else {
            text = d::loose_text(*o, {"message", "Message"});
          }
        }
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (...) {
      // Not JSON after all: the excerpt below describes it.
    }
  }
  d::redact(api_message, secret);
  d::redact(api_details, secret);
  d::redact(text, secret);

  std::string what = "HTTP " + std::to_string(http_status);
  std::string why = d::printable(reason, 80);
  if (why.empty()) why = std::string(d::default_reason(http_status));
  if (!why.empty()) what.append(" ").append(why);

  const std::string m = d::printable(api_message, 200), det = d::printable(api_details, 200);
  if (!m.empty() || !det.empty()) {
    what.append(": ").append(m.empty() ? det : m);
    if (!m.empty() && !det.empty() && det != m) what.append(" (").append(det).append(")");
  } else if (const auto t = d::printable(text, 200); !t.empty()) {
    what.append(": ").append(t);
  } else if (const auto excerpt = d::printable(body, 200); !excerpt.empty()) {
    what.append(": ").append(excerpt);
  } else {
    what.append(" (empty body)");
  }
  d::redact(what, secret);
  return error::http(http_status, std::move(what), std::move(api_message), std::move(api_details),
                     std::move(api_timestamp));
}

}  // namespace sofy
