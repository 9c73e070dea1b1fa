#include "engine.hpp"

#include "multipart.hpp"

#include <sofy/duration.hpp>
#include <sofy/model.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <unordered_map>

namespace sofy::sim {

namespace json = boost::json;

// ---------------------------------------------------------------------------
// Time formatting

namespace {

struct civil {
  int year;
  unsigned month, day, hour, minute, second, millis, weekday;
};

civil to_civil(time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto d = floor<days>(ms);
  const year_month_day ymd{d};
  const hh_mm_ss<milliseconds> hms{ms - d};
  return civil{int(ymd.year()),
               unsigned(ymd.month()),
               unsigned(ymd.day()),
               static_cast<unsigned>(hms.hours().count()),
               static_cast<unsigned>(hms.minutes().count()),
               static_cast<unsigned>(hms.seconds().count()),
               static_cast<unsigned>(hms.subseconds().count()),
               weekday{d}.c_encoding()};
}

void put2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}

void put_time_of_day(std::string& out, const civil& c) {
  put2(out, c.hour);
  out += ':';
  put2(out, c.minute);
  out += ':';
  put2(out, c.second);
}

void put_date_time(std::string& out, const civil& c) {
  out += std::to_string(c.year);
  out += '-';
  put2(out, c.month);
  out += '-';
  put2(out, c.day);
  out += 'T';
  put_time_of_day(out, c);
}

}  // namespace

std::string format_iso_ms(time_point t) {
  const civil c = to_civil(t);
  std::string out;
  put_date_time(out, c);
  out += '.';
  out += static_cast<char>('0' + c.millis / 100);
  put2(out, c.millis % 100);
  out += 'Z';
  return out;
}

std::string format_legacy_time(time_point t) {
  const civil c = to_civil(t);
  std::string out;
  put_date_time(out, c);
  out += '.';
  put2(out, c.millis / 10);
  return out;
}

std::string format_http_date(time_point t) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const civil c = to_civil(t);
  std::string out = days[c.weekday];
  out += ", ";
  put2(out, c.day);
  out += ' ';
  out += months[c.month - 1];
  out += ' ';
  out += std::to_string(c.year);
  out += ' ';
  put_time_of_day(out, c);
  out += " GMT";
  return out;
}

std::string app_hash_of(std::string_view content) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(content.data(), content.size(), md, &len, EVP_md5(), nullptr) != 1) {
    throw std::runtime_error("MD5 is not available from OpenSSL");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// ---------------------------------------------------------------------------
// The engine's state

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 15 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

json::value id_value(const std::string& id, bool as_number) {
  if (as_number && all_digits(id)) {
    std::int64_t v = 0;
    std::from_chars(id.data(), id.data() + id.size(), v);
    return v;
  }
  return json::value(id);
}

struct test_rt {
  test_spec spec;
  std::optional<std::string> forced;  // set by abort
};

struct group_rt {
  std::string id;
  time_point started;       // the timelines count from here
  std::string executed_at;  // as served
  time_point executed;      // for ordering
  std::uint64_t polls = 0;  // status requests served
  std::optional<std::string> status, message, app_hash;
  std::vector<test_rt> tests;
};

struct schedule_rt {
  const schedule_spec* spec = nullptr;
  std::vector<group_rt> groups;
};

struct upload_rt {
  std::vector<application_spec> applications;
  std::uint64_t next_build_id = 1;
};

// The error shape of API-NOTES.md.
http::response error_response(int status, std::string_view message, std::string_view details, time_point now,
                              std::string_view timestamp = {}) {
  json::object inner;
  inner["message"] = message;
  inner["details"] = details;
  inner["timestamp"] = timestamp.empty() ? format_iso_ms(now) : std::string(timestamp);
  json::object outer;
  outer["error"] = std::move(inner);
  http::response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json; charset=utf-8");
  res.body = json::serialize(outer);
  return res;
}

http::response json_response(int status, const json::value& v) {
  http::response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json; charset=utf-8");
  res.body = json::serialize(v);
  return res;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// What Express answers for a path no route matches.
http::response express_404(const http::request& req) {
  http::response res;
  res.status = 404;
  res.headers.set("Content-Type", "text/html; charset=utf-8");
  res.body = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n"
             "<body>\n<pre>Cannot " +
             html_escape(req.method) + " " + html_escape(req.target.substr(0, req.target.find('?'))) +
             "</pre>\n</body>\n</html>\n";
  return res;
}

http::response html_error_page(int status) {
  const std::string line = std::to_string(status) + " " + std::string(http::reason_phrase(status));
  http::response res;
  res.status = status;
  res.headers.set("Content-Type", "text/html");
  res.body = "<html>\r\n<head><title>" + line + "</title></head>\r\n<body>\r\n<center><h1>" + line +
             "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
  return res;
}

std::string default_error_message(int status) {
  switch (status) {
    case 400: return "Bad Request.";
    case 401: return "Unauthorized.";
    case 403: return "Forbidden.";
    case 404: return "Not Found.";
    case 408: return "Request Timeout.";
    case 429: return "Too Many Requests.";
    case 500: return "Internal Server Error.";
    case 502: return "Bad Gateway.";
    case 503: return "Service Unavailable.";
    case 504: return "Gateway Timeout.";
    default: {
      std::string r(http::reason_phrase(status));
      return r.empty() ? "Error." : r + ".";
    }
  }
}

// A syntactically invalid variant of a JSON body.
std::string malform(std::string body) {
  const auto colon = body.find(':');
  if (colon != std::string::npos) {
    body[colon] = '=';
  } else if (body.empty()) {
    body = "{";
  } else {
    body.insert(1, ",");
  }
  return body;
}

// A query parameter's decoded value.
std::optional<std::string> query_param(const boost::urls::url_view& u, std::string_view name) {
  for (auto p : u.params()) {
    if (p.key == name) return p.has_value ? p.value : std::string();
  }
  return std::nullopt;
}

const char* const redacted_headers[] = {"x-sofy-auth-key", "x-sofy-web-auth-key", "authorization",
                                        "proxy-authorization", "cookie"};

http::fields redact(const http::fields& in) {
  http::fields out;
  out.reserve(in.size());
  for (const auto& f : in) {
    const bool secret = std::any_of(std::begin(redacted_headers), std::end(redacted_headers),
                                    [&](const char* n) { return iequals(f.name, n); });
    out.add(f.name, secret ? "<redacted>" : f.value);
  }
  return out;
}

json::object headers_json(const http::fields& h) {
  json::object o;
  for (const auto& f : h) {
    const std::string name = lower(f.name);
    if (auto* v = o.if_contains(name)) {
      std::string joined(v->as_string());
      joined += ", ";
      joined += f.value;
      *v = joined;
    } else {
      o[name] = f.value;
    }
  }
  return o;
}

const std::string& status_text_of(const test_rt& t, const group_rt& g, time_point now) {
  if (t.forced) return *t.forced;
  const auto& tl = t.spec.timeline;
  if (t.spec.clock == timeline_clock::polls) {
    // The state of the last poll served (the first state before any poll).
    std::uint64_t left = g.polls == 0 ? 0 : g.polls - 1;
    for (std::size_t i = 0; i + 1 < tl.size(); ++i) {
      if (left < tl[i].polls) return tl[i].status;
      left -= tl[i].polls;
    }
    return tl.back().status;
  }
  auto left = std::chrono::duration_cast<milliseconds>(now - g.started);
  if (left.count() < 0) left = milliseconds{0};
  for (std::size_t i = 0; i + 1 < tl.size(); ++i) {
    if (left < tl[i].duration) return tl[i].status;
    left -= tl[i].duration;
  }
  return tl.back().status;
}

}  // namespace

struct engine::state {
  sim::scenario sc;
  milliseconds offset{0};  // moved on by advance()
  std::vector<schedule_rt> schedules;
  std::unordered_map<std::string, std::size_t> by_guid;      // lower-case guid -> schedule
  std::unordered_map<std::string, std::size_t> by_web_id;    // lower-case id -> schedule
  std::unordered_map<std::string, std::size_t> group_owner;  // group id -> schedule
  std::uint64_t next_group_id = 0;
  std::vector<std::size_t> fault_cursor;
  upload_rt uploads;

  std::deque<request_record> requests;
  std::uint64_t request_seq = 0, requests_dropped = 0;
  std::map<std::string, std::uint64_t> route_counts;

  struct hook_rt {
    const hook_spec* spec = nullptr;
    std::size_t cursor = 0;
    std::uint64_t seq = 0, dropped = 0;
    std::deque<hook_delivery> deliveries;
  };
  std::map<std::string, hook_rt> hooks;

  std::function<void(const request_record&)> on_request;
  std::function<void(const hook_delivery&)> on_hook;

  explicit state(sim::scenario s) : sc(std::move(s)) {}

  void reset(time_point now) {
    offset = milliseconds{0};
    schedules.clear();
    by_guid.clear();
    by_web_id.clear();
    group_owner.clear();
    next_group_id = sc.first_group_id;
    fault_cursor.assign(sc.faults.size(), 0);
    uploads = upload_rt{sc.applications, 1};
    requests.clear();
    request_seq = requests_dropped = 0;
    route_counts.clear();
    hooks.clear();
    for (const auto& h : sc.hooks) hooks[h.name].spec = &h;

    schedules.reserve(sc.schedules.size());
    for (std::size_t i = 0; i < sc.schedules.size(); ++i) {
      const auto& spec = sc.schedules[i];
      schedule_rt s;
      s.spec = &spec;
      for (const auto& g : spec.groups) {
        group_rt rt;
        rt.id = g.id;
        rt.started = now + g.appears_after;
        rt.executed = rt.started - g.executed_ago;
        if (g.executed_at) {
          rt.executed_at = *g.executed_at;
          if (auto t = sofy::parse_timestamp(*g.executed_at)) rt.executed = *t;
        } else {
          rt.executed_at = format_iso_ms(rt.executed);
        }
        rt.status = g.status;
        rt.message = g.message;
        rt.app_hash = g.app_hash;
        for (const auto& t : g.tests) rt.tests.push_back(test_rt{t, std::nullopt});
        group_owner[rt.id] = i;
        s.groups.push_back(std::move(rt));
      }
      (spec.web ? by_web_id : by_guid)[lower(spec.guid)] = i;
      schedules.push_back(std::move(s));
    }
  }

  time_point clock(time_point now) const { return now + offset; }

  schedule_rt* find_schedule(std::string_view id, bool web) {
    auto& index = web ? by_web_id : by_guid;
    auto it = index.find(lower(id));
    return it == index.end() ? nullptr : &schedules[it->second];
  }

  static bool visible(const group_rt& g, time_point now) { return now >= g.started; }

  group_rt* find_group(schedule_rt& s, std::string_view id, time_point now) {
    for (auto& g : s.groups) {
      if (g.id == id && visible(g, now)) return &g;
    }
    return nullptr;
  }

  // A new group as `execute` makes it.
  group_rt& create_group(schedule_rt& s, time_point now, std::optional<std::string> app_hash) {
    std::string id;
    do {
      id = std::to_string(next_group_id++);
    } while (group_owner.count(id));
    group_rt g;
    g.id = id;
    g.started = g.executed = now;
    g.executed_at = format_iso_ms(now);
    g.app_hash = app_hash;
    // A known app hash names the build the tests run.
    const app_build_spec* build = nullptr;
    if (app_hash) {
      for (const auto& a : uploads.applications) {
        for (const auto& b : a.builds) {
          if (iequals(b.app_hash, *app_hash)) build = &b;
        }
      }
    }
    for (const auto& t : s.spec->tests) {
      test_rt rt{t, std::nullopt};
      if (build && !build->name.empty()) {
        rt.spec.build = build->name;
        split_build(rt.spec.build, rt.spec.version, rt.spec.build_number);
      }
      g.tests.push_back(std::move(rt));
    }
    group_owner[id] = static_cast<std::size_t>(&s - schedules.data());
    s.groups.push_back(std::move(g));
    return s.groups.back();
  }

  // The state a group list or the admin API shows.
  std::pair<std::string, std::string> group_state_of(const group_rt& g, time_point now) const {
    bool all_terminal = !g.tests.empty(), all_passed = true, all_queued = true;
    for (const auto& t : g.tests) {
      const auto st = sofy::parse_run_status(status_text_of(t, g, now));
      if (!sofy::is_terminal(st)) all_terminal = false;
      if (st != sofy::run_status::passed) all_passed = false;
      if (st != sofy::run_status::queued) all_queued = false;
    }
    std::string status, message;
    if (all_terminal && all_passed) {
      status = "Complete", message = "All test runs passed.";
    } else if (all_terminal) {
      status = "Complete with errors", message = "Some test runs did not pass.";
    } else if (all_queued) {
      status = "Queued", message = "Test runs are in queue.";
    } else {
      status = "Running", message = "Test runs are in progress.";
    }
    return {g.status.value_or(status), g.message.value_or(message)};
  }

  const answer_spec* next_fault(route r, std::string_view schedule) {
    for (std::size_t i = 0; i < sc.faults.size(); ++i) {
      const auto& f = sc.faults[i];
      if (f.match_route && *f.match_route != r) continue;
      if (f.schedule && !iequals(*f.schedule, schedule)) continue;
      if (fault_cursor[i] >= f.answers.size()) continue;
      return &f.answers[fault_cursor[i]++];
    }
    return nullptr;
  }

  void log(request_record rec) {
    ++route_counts[std::string(to_string(rec.route))];
    if (on_request) on_request(rec);
    requests.push_back(std::move(rec));
    while (requests.size() > sc.request_log_limit) {
      requests.pop_front();
      ++requests_dropped;
    }
  }
};

// ---------------------------------------------------------------------------
// Routes

namespace {

struct routed {
  route r = route::unknown;
  bool known_path = false;  // the path exists but not for this method
  std::string schedule, group, hook, platform;
  std::vector<std::string> admin;  // segments after /_sim
};

routed classify(const std::string& method, const std::vector<std::string>& seg) {
  routed out;
  auto is = [&](std::size_t n, std::initializer_list<const char*> fixed) {
    if (seg.size() != n) return false;
    std::size_t i = 0;
    for (const char* f : fixed) {
      if (f && seg[i] != f) return false;
      ++i;
    }
    return true;
  };
  auto want = [&](const char* m, route r) {
    if (method == m) {
      out.r = r;
    } else {
      out.known_path = true;
    }
  };
  if (!seg.empty() && seg[0] == "_sim") {
    out.r = route::admin;
    out.admin.assign(seg.begin() + 1, seg.end());
  } else if (seg.size() == 2 && seg[0] == "hooks") {
    out.r = route::hook;
    out.hook = seg[1];
  } else if (is(4, {"scheduler-microservice", "scheduled-runs", nullptr, "execute"})) {
    out.schedule = seg[2];
    want("POST", route::execute);
  } else if (is(5, {"scheduler-microservice", "scheduled-runs", nullptr, "status", nullptr})) {
    out.schedule = seg[2];
    out.group = seg[4];
    want("GET", route::status);
  } else if (is(4, {"scheduler-microservice", "scheduled-runs", nullptr, "test-run-groups"})) {
    out.schedule = seg[2];
    want("GET", route::run_groups);
  } else if (is(5, {"scheduler-microservice", "public", "test-run", "abort", nullptr})) {
    out.schedule = seg[4];
    want("PUT", route::abort);
  } else if (is(5, {"webagent-service", "public", "scheduled-runs", nullptr, "execute"})) {
    out.schedule = seg[3];
    want("POST", route::web_execute);
  } else if (is(2, {"parser-microservice", "build-upload"})) {
    want("POST", route::upload);
  } else if (is(3, {"application-microservice", "public", "applications"})) {
    want("GET", route::applications);
  } else if (is(4, {"device-microservice", "public", "devices", nullptr})) {
    out.platform = seg[3];
    want("GET", route::devices);
  }
  return out;
}

}  // namespace

engine::engine(sim::scenario sc, time_point now) : s_(std::make_unique<state>(std::move(sc))) { s_->reset(now); }
engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

const sim::scenario& engine::script() const noexcept { return s_->sc; }
void engine::reset(time_point now) {
  auto on_request = std::move(s_->on_request);
  auto on_hook = std::move(s_->on_hook);
  s_->reset(now);
  s_->on_request = std::move(on_request);
  s_->on_hook = std::move(on_hook);
}
void engine::on_request(std::function<void(const request_record&)> cb) { s_->on_request = std::move(cb); }
void engine::on_hook(std::function<void(const hook_delivery&)> cb) { s_->on_hook = std::move(cb); }

void engine::advance(std::uint64_t polls, milliseconds time) {
  s_->offset += time;
  for (auto& s : s_->schedules) {
    for (auto& g : s.groups) g.polls += polls;
  }
}

namespace {

// Everything one request needs; the route handlers are its members.
struct exchange {
  engine::state& st;  // NOLINT
  const http::request& req;
  const boost::urls::url_view& url;
  const routed& rt;
  time_point now;

  http::response error(int status, std::string_view message, std::string_view details) const {
    return error_response(status, message, details, now);
  }

  // nullopt when the request may go on.
  std::optional<http::response> check_auth(bool web) const {
    const char* header = web ? "x-sofy-web-auth-key" : "x-sofy-auth-key";
    const auto key = req.headers.get(header);
    if (!key || key->empty()) {
      return error(400, "Missing required headers.", std::string("The ") + header + " header is required.");
    }
    if (web) {
      if (*key != *st.sc.web_auth_key) return error(401, "Invalid Auth Key.", "Provided Auth key is invalid.");
      return std::nullopt;
    }
    if (!sofy::is_guid(*key)) {
      return error(500, "Validation failed for parameter 'subscriptionAuth'. Invalid GUID.",
                   "RequestError: Validation failed for parameter 'subscriptionAuth'. Invalid GUID.");
    }
    if (!iequals(*key, st.sc.auth_key)) {
      return error(401, "Invalid Auth Key.", "Provided Auth key is invalid or has expired.");
    }
    return std::nullopt;
  }

  http::response unknown_schedule() const {
    return error(400, "The scheduledRunGuid is either invalid or not found.",
                 "No scheduled run matches the scheduledRunGuid given in the request path.");
  }
  http::response unknown_group() const {
    return error(400, "Scheduled run ID not found or invalid.",
                 "No test run group of this scheduled run matches the ID given.");
  }

  http::response trigger_answer(const schedule_spec& spec, const std::string& id) const {
    const bool number = spec.ids == id_type::number ||
                        (spec.ids == id_type::automatic &&
                         (spec.trigger == trigger_form::data_array || spec.trigger == trigger_form::legacy));
    json::object o;
    switch (spec.trigger) {
      case trigger_form::data_array: {
        json::object item;
        item["scheduleTestRunsGroupID"] = id_value(id, number);
        o["data"] = json::array{std::move(item)};
        o["message"] = spec.trigger_message;
        break;
      }
      case trigger_form::test_groups_run_id:
        o["testGroupsRunId"] = id_value(id, number);
        o["message"] = spec.trigger_message;
        break;
      case trigger_form::legacy:
        o["Message"] = spec.trigger_message;
        o["ScheduleTestRunsGroupID"] = id_value(id, number);
        break;
      case trigger_form::test_run_group_id:
        o["testRunGroupId"] = id_value(id, number);
        o["message"] = spec.trigger_message;
        break;
      case trigger_form::none: o["message"] = spec.trigger_message; break;
    }
    return json_response(200, o);
  }

  http::response execute(bool web, std::string& group_out) const {
    if (auto e = check_auth(web)) return *e;
    auto* s = st.find_schedule(rt.schedule, web);
    if (!s) return unknown_schedule();
    std::optional<std::string> hash = query_param(url, "appHash");
    if (hash && hash->empty()) hash.reset();
    auto& g = st.create_group(*s, now, hash);
    group_out = g.id;
    return trigger_answer(*s->spec, g.id);
  }

  http::response status(bool counts_as_poll) const {
    if (auto e = check_auth(false)) return *e;
    auto* s = st.find_schedule(rt.schedule, false);
    if (!s) return unknown_schedule();
    auto* g = st.find_group(*s, rt.group, now);
    if (!g) return unknown_group();
    if (counts_as_poll) ++g->polls;
    const auto& spec = *s->spec;
    const bool number_ids = spec.ids == id_type::number;
    // One arena for the whole answer: building the DOM is otherwise mostly malloc.
    unsigned char buffer[16 * 1024];
    json::monotonic_resource arena(buffer, sizeof buffer);
    const json::storage_ptr sp(&arena);
    json::array arr(sp);
    arr.reserve(g->tests.size());
    if (spec.shape == status_shape::legacy) {
      const std::string scheduled_at = format_legacy_time(g->executed);
      for (const auto& t : g->tests) {
        json::object o(sp);
        o.reserve(9);
        o["Scheduled_Name"] = spec.name;
        o["ScenarioName"] = t.spec.scenario;
        o["ScheduledAt"] = scheduled_at;
        o["Version"] = t.spec.version;
        o["CodeName"] = t.spec.code_name;
        o["BuildNumber"] = t.spec.build_number;
        o["Manufacturer"] = t.spec.manufacturer;
        o["Model"] = t.spec.model;
        o["Statusvalue"] = status_text_of(t, *g, now);
        arr.push_back(std::move(o));
      }
      return json_response(200, arr);
    }
    const json::value id = id_value(g->id, number_ids);
    for (const auto& t : g->tests) {
      json::object o(sp);
      o.reserve(7);
      o["scheduledRunName"] = spec.name;
      o["testRunGroupId"] = id;
      o["scenarioName"] = t.spec.scenario;
      o["scheduledAt"] = g->executed_at;
      o["build"] = t.spec.build;
      o["device"] = t.spec.device;
      o["status"] = status_text_of(t, *g, now);
      arr.push_back(std::move(o));
    }
    json::object out(sp);
    const std::size_t n = arr.size();
    if (spec.shape == status_shape::data_object) {
      out["data"] = arr.empty() ? json::value(json::object(sp)) : arr.front();
    } else {
      out["data"] = std::move(arr);
    }
    out["message"] = "Fetched " + std::to_string(n) + " record(s).";
    return json_response(200, out);
  }

  http::response run_groups() const {
    if (auto e = check_auth(false)) return *e;
    auto* s = st.find_schedule(rt.schedule, false);
    if (!s) return unknown_schedule();
    std::vector<const group_rt*> list;
    for (const auto& g : s->groups) {
      if (engine::state::visible(g, now)) list.push_back(&g);
    }
    // Newer: executed later, then the larger id (compared as numbers when both are).
    auto newer = [](const group_rt* a, const group_rt* b) {
      if (a->executed != b->executed) return a->executed > b->executed;
      if (all_digits(a->id) && all_digits(b->id) && a->id.size() != b->id.size()) return a->id.size() > b->id.size();
      return a->id > b->id;
    };
    std::sort(list.begin(), list.end(), [&](const group_rt* a, const group_rt* b) {
      return st.sc.newest_first ? newer(a, b) : newer(b, a);
    });
    json::array arr;
    for (const auto* g : list) {
      const auto [status, message] = st.group_state_of(*g, now);
      json::object o;
      o["testRunGroupId"] = id_value(g->id, s->spec->ids == id_type::number);
      o["executedAt"] = g->executed_at;
      o["status"] = status;
      o["message"] = message;
      arr.push_back(std::move(o));
    }
    if (st.sc.run_groups == groups_shape::data) {
      json::object out;
      const std::size_t n = arr.size();
      out["data"] = std::move(arr);
      out["message"] = "Fetched " + std::to_string(n) + " record(s).";
      return json_response(200, out);
    }
    return json_response(200, arr);
  }

  http::response abort(std::string& group_out) const {
    if (auto e = check_auth(false)) return *e;
    auto* s = st.find_schedule(rt.schedule, false);
    if (!s) return unknown_schedule();
    std::vector<group_rt*> targets;
    if (auto id = query_param(url, "testRunGroupId"); id && !id->empty()) {
      auto* g = st.find_group(*s, *id, now);
      if (!g) return unknown_group();
      group_out = *id;
      targets.push_back(g);
    } else {
      for (auto& g : s->groups) {
        if (engine::state::visible(g, now)) targets.push_back(&g);
      }
    }
    std::size_t stopped = 0;
    for (auto* g : targets) {
      for (auto& t : g->tests) {
        if (!sofy::is_terminal(sofy::parse_run_status(status_text_of(t, *g, now)))) {
          t.forced = s->spec->abort_status;
          ++stopped;
        }
      }
    }
    json::object o;
    o["message"] = stopped ? "Test run(s) aborted successfully. Aborted " + std::to_string(stopped) + " test run(s)."
                           : std::string("No active test runs to abort.");
    return json_response(200, o);
  }

  http::response upload() const {
    if (auto e = check_auth(false)) return *e;
    const auto ctype = req.headers.get("Content-Type");
    const auto boundary = ctype ? multipart_boundary(*ctype) : std::nullopt;
    if (!boundary) {
      return error(400, "Invalid request.", "The body must be multipart/form-data with a boundary.");
    }
    std::string why;
    const auto parts = parse_multipart(req.body, *boundary, &why);
    if (!parts) return error(400, "Invalid request.", "Malformed multipart body: " + why + ".");
    const auto* file = find_part(*parts, "applicationFile");
    if (!file) return error(400, "Invalid request.", "The applicationFile field is required.");
    const auto* guid_part = find_part(*parts, "ApplicationGUID");
    const std::string app_guid = guid_part ? std::string(guid_part->data) : std::string();
    if (!app_guid.empty() && !sofy::is_guid(app_guid)) {
      return error(400, "Invalid request.", "ApplicationGUID must be a GUID.");
    }
    const std::string hash = st.sc.upload.app_hash.value_or(app_hash_of(file->data));

    // Record the build so that the application list and later triggers know it.
    const std::string filename = file->filename.value_or("application");
    const std::string ext = lower(filename.substr(std::min(filename.size(), filename.rfind('.'))));
    const std::string platform = ext == ".ipa" ? "IOS" : "ANDROID";
    application_spec* app = nullptr;
    for (auto& a : st.uploads.applications) {
      if (!app_guid.empty() && iequals(a.guid, app_guid)) app = &a;
    }
    if (!app) {
      application_spec a;
      if (!app_guid.empty()) {
        a.guid = app_guid;
      } else {
        std::string h = lower(app_hash_of(filename + "\n" + hash));
        std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        a.guid = h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
                 h.substr(20, 12);
      }
      a.platform = platform;
      a.name = filename.substr(0, filename.rfind('.'));
      st.uploads.applications.push_back(std::move(a));
      app = &st.uploads.applications.back();
    }
    app_build_spec b;
    b.app_hash = hash;
    b.build_id = std::to_string(st.uploads.next_build_id++);
    b.name = query_param(url, "userFriendlyBuildName").value_or(filename);
    app->builds.push_back(std::move(b));

    json::object data;
    data["appHash"] = hash;
    json::object o;
    o["data"] = std::move(data);
    o["message"] = st.sc.upload.message;
    return json_response(200, o);
  }

  http::response applications() const {
    if (auto e = check_auth(false)) return *e;
    json::array arr;
    for (const auto& a : st.uploads.applications) {
      json::array builds;
      for (const auto& b : a.builds) {
        json::object bo;
        bo["app_hash"] = b.app_hash;
        bo["build_id"] = id_value(b.build_id, true);
        bo["build_friendly_name"] = b.name;
        bo["build_package_name"] = b.package_name;
        builds.push_back(std::move(bo));
      }
      json::object o;
      o["application_guid"] = a.guid;
      o["platform_name"] = a.platform;
      o["application_friendly_name"] = a.name;
      o["application_builds"] = std::move(builds);
      arr.push_back(std::move(o));
    }
    json::object out;
    const std::size_t n = arr.size();
    out["data"] = std::move(arr);
    out["message"] = "Fetched " + std::to_string(n) + " record(s).";
    return json_response(200, out);
  }

  http::response devices() const {
    if (auto e = check_auth(false)) return *e;
    const std::vector<device_spec>* list = nullptr;
    if (iequals(rt.platform, "ANDROID")) list = &st.sc.android_devices;
    if (iequals(rt.platform, "IOS")) list = &st.sc.ios_devices;
    if (!list) return error(400, "Invalid platform.", "The platform must be ANDROID or IOS.");
    json::array arr;
    for (const auto& d : *list) {
      json::object o;
      o["os_version"] = d.os_version;
      o["manufacturer"] = d.manufacturer;
      o["device_name"] = d.name;
      o["device_serial"] = d.serial;
      o["STATE"] = d.state;
      arr.push_back(std::move(o));
    }
    json::object out;
    const std::size_t n = arr.size();
    out["data"] = std::move(arr);
    out["message"] = "Fetched " + std::to_string(n) + " record(s).";
    return json_response(200, out);
  }

  // The route's real answer, and what it did (the group it made or touched).
  http::response real(std::string& group_out, bool handled) const {
    switch (rt.r) {
      case route::execute: return execute(false, group_out);
      case route::web_execute: return execute(true, group_out);
      case route::status: return status(handled);
      case route::run_groups: return run_groups();
      case route::abort: return abort(group_out);
      case route::upload: return upload();
      case route::applications: return applications();
      case route::devices: return devices();
      default: return express_404(req);
    }
  }
};

// Turns a scripted answer plus the route's answer (or nothing) into the reply.
sim_reply apply_answer(const answer_spec& a, http::response res, time_point now) {
  using bk = answer_spec::body_kind;
  sim_reply r;
  const int status = a.status.value_or(res.status ? res.status : 200);
  switch (a.body) {
    case bk::normal:
      if (res.status == 0) {  // nothing ran: a bare success
        res.headers.set("Content-Type", "application/json; charset=utf-8");
        res.body = "{\"message\":\"OK\"}";
      }
      break;
    case bk::error: {
      const auto e = error_response(status, a.message.empty() ? default_error_message(status) : a.message,
                                    a.details.empty() ? std::string(http::reason_phrase(status)) : a.details, now,
                                    a.timestamp);
      res.headers = e.headers;
      res.body = e.body;
      break;
    }
    case bk::malformed:
      if (res.status == 0) res.headers.set("Content-Type", "application/json; charset=utf-8");
      res.body = malform(std::move(res.body));
      break;
    case bk::truncated:
      if (res.status == 0) {
        res.headers.set("Content-Type", "application/json; charset=utf-8");
        res.body = "{\"message\":\"OK\"}";
      }
      res.body.resize(res.body.size() / 2);
      break;
    case bk::html: {
      const auto page = html_error_page(status);
      res.headers = page.headers;
      res.body = page.body;
      break;
    }
    case bk::empty:
      res.headers.erase("Content-Type");
      res.body.clear();
      break;
    case bk::text:
      if (!res.headers.contains("Content-Type") || res.status == 0) res.headers.set("Content-Type", "text/plain");
      res.body = a.text;
      break;
  }
  res.status = status;
  if (a.oversized_bytes) res.body.append(a.oversized_bytes, ' ');
  if (a.retry_after) res.headers.set("Retry-After", *a.retry_after);
  if (a.retry_after_date) res.headers.set("Retry-After", format_http_date(now + *a.retry_after_date));
  for (const auto& [name, value] : a.headers) res.headers.set(name, value);
  r.response = std::move(res);
  r.delay = a.delay;
  r.stall = a.stall;
  r.drop = a.drop;
  r.cut_after = a.cut_after;
  r.cut = a.cut;
  r.chunked = a.chunked;
  r.chunk_size = a.chunk_size;
  r.close = a.close;
  return r;
}

http::response hook_success(hook_style style) {
  http::response res;
  switch (style) {
    case hook_style::slack:
      res.status = 200;
      res.headers.set("Content-Type", "text/plain");
      res.body = "ok";
      break;
    case hook_style::teams: res.status = 202; break;
    case hook_style::webhook:
      res.status = 200;
      res.headers.set("Content-Type", "application/json");
      res.body = "{\"ok\":true}";
      break;
  }
  return res;
}

// Slack's answer texts; the other styles get the reason phrase.
std::string hook_error_text(hook_style style, int status) {
  if (style == hook_style::slack) {
    switch (status) {
      case 400: return "invalid_payload";
      case 403: return "action_prohibited";
      case 404: return "no_service";
      case 410: return "channel_is_archived";
      case 429: return "rate_limited";
      default: return "internal_error";
    }
  }
  return std::string(http::reason_phrase(status));
}

json::value body_json(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

json::object request_json(const request_record& r) {
  json::object o;
  o["seq"] = r.seq;
  o["time"] = format_iso_ms(r.time);
  o["route"] = to_string(r.route);
  o["method"] = r.method;
  o["target"] = r.target;
  if (!r.schedule.empty()) o["schedule"] = r.schedule;
  if (!r.group.empty()) o["group"] = r.group;
  if (!r.hook.empty()) o["hook"] = r.hook;
  o["status"] = r.status;
  o["fault"] = r.fault.empty() ? json::value(nullptr) : json::value(r.fault);
  o["connection"] = r.peer.connection;
  o["request_index"] = r.peer.request_index;
  o["tls"] = r.peer.tls;
  o["headers"] = headers_json(r.headers);
  o["body_bytes"] = r.body_bytes;
  return o;
}

json::object delivery_json(const hook_delivery& d) {
  json::object o;
  o["seq"] = d.seq;
  o["time"] = format_iso_ms(d.time);
  o["method"] = d.method;
  o["target"] = d.target;
  o["headers"] = headers_json(d.headers);
  o["body"] = d.body;
  o["json"] = body_json(d.body);
  o["status"] = d.status;
  return o;
}

http::response admin_error(int status, std::string_view message) {
  json::object o;
  o["error"] = message;
  return json_response(status, o);
}

}  // namespace

sim_reply engine::handle(const http::request& req, time_point wall, const peer_info& peer) {
  auto& st = *s_;
  const time_point now = st.clock(wall);

  auto parsed = boost::urls::parse_origin_form(req.target);
  if (!parsed) {
    sim_reply r;
    r.response = error_response(400, "Bad Request.", "The request target is not a valid origin-form URL.", now);
    request_record rec;
    rec.seq = ++st.request_seq;
    rec.time = now;
    rec.method = req.method;
    rec.target = req.target;
    rec.status = 400;
    rec.peer = peer;
    rec.headers = redact(req.headers);
    rec.body_bytes = req.body.size();
    st.log(std::move(rec));
    return r;
  }
  const boost::urls::url_view url = *parsed;
  std::vector<std::string> segments;
  for (auto s : url.segments()) segments.push_back(s);
  if (!segments.empty() && segments.back().empty()) segments.pop_back();  // a trailing slash, as Express allows
  const routed rt = classify(req.method, segments);

  // ---- admin API: not logged, never faulted
  if (rt.r == route::admin) {
    sim_reply r;
    const auto& a = rt.admin;
    const std::string& m = req.method;
    if (m == "GET" && a.size() == 1 && a[0] == "health") {
      r.response = json_response(200, json::object{{"ok", true}});
    } else if (m == "GET" && a.size() == 1 && a[0] == "requests") {
      const auto route_filter = query_param(url, "route");
      const auto schedule_filter = query_param(url, "schedule");
      const auto hook_filter = query_param(url, "hook");
      std::uint64_t since = 0;
      if (auto s = query_param(url, "since")) std::from_chars(s->data(), s->data() + s->size(), since);
      json::array list;
      for (const auto& rec : st.requests) {
        if (rec.seq <= since) continue;
        if (route_filter && to_string(rec.route) != *route_filter) continue;
        if (schedule_filter && !iequals(rec.schedule, *schedule_filter)) continue;
        if (hook_filter && rec.hook != *hook_filter) continue;
        list.push_back(request_json(rec));
      }
      json::object counts;
      for (const auto& [name, n] : st.route_counts) counts[name] = n;
      json::object o;
      o["count"] = list.size();
      o["dropped"] = st.requests_dropped;
      o["counts"] = std::move(counts);
      o["requests"] = std::move(list);
      r.response = json_response(200, o);
    } else if (m == "GET" && a.size() == 1 && a[0] == "hooks") {
      json::array list;
      for (const auto& [name, h] : st.hooks) {
        list.push_back(json::object{{"name", name}, {"count", h.seq}});
      }
      r.response = json_response(200, json::object{{"hooks", std::move(list)}});
    } else if (m == "GET" && a.size() == 2 && a[0] == "hooks") {
      auto it = st.hooks.find(a[1]);
      if (it == st.hooks.end()) {
        r.response = admin_error(404, "no hook named \"" + a[1] + "\" in the scenario");
      } else {
        json::array list;
        for (const auto& d : it->second.deliveries) list.push_back(delivery_json(d));
        json::object o;
        o["name"] = a[1];
        o["count"] = it->second.seq;
        o["dropped"] = it->second.dropped;
        o["deliveries"] = std::move(list);
        r.response = json_response(200, o);
      }
    } else if (m == "POST" && a.size() == 1 && a[0] == "reset") {
      reset(wall);
      r.response = json_response(200, json::object{{"ok", true}});
    } else if (m == "POST" && a.size() == 1 && a[0] == "advance") {
      std::uint64_t polls = 0;
      milliseconds time{0};
      bool ok = true;
      std::string why;
      if (auto p = query_param(url, "polls")) {
        auto [end, ec] = std::from_chars(p->data(), p->data() + p->size(), polls);
        if (ec != std::errc() || end != p->data() + p->size()) ok = false, why = "polls must be a whole number";
      }
      if (auto t = query_param(url, "time")) {
        if (auto d = sofy::parse_duration(*t, &why)) {
          time = *d;
        } else {
          ok = false, why = "time: " + why;
        }
      }
      if (ok) {
        advance(polls, time);
        r.response = json_response(200, json::object{{"ok", true}, {"time", format_iso_ms(st.clock(wall))}});
      } else {
        r.response = admin_error(400, why);
      }
    } else if (m == "POST" && a.size() == 1 && a[0] == "execute") {
      const auto guid = query_param(url, "schedule").value_or("");
      schedule_rt* s = st.find_schedule(guid, false);
      if (!s) s = st.find_schedule(guid, true);
      if (!s) {
        r.response = admin_error(404, "no schedule \"" + guid + "\" in the scenario");
      } else {
        auto hash = query_param(url, "appHash");
        if (hash && hash->empty()) hash.reset();
        const auto& g = st.create_group(*s, now, hash);
        r.response = json_response(200, json::object{{"testRunGroupId", g.id}});
      }
    } else if (m == "GET" && a.size() == 1 && a[0] == "state") {
      json::array schedules;
      for (const auto& s : st.schedules) {
        json::array groups;
        for (const auto& g : s.groups) {
          json::array tests;
          for (const auto& t : g.tests) {
            tests.push_back(json::object{{"scenario", t.spec.scenario},
                                         {"device", t.spec.device},
                                         {"build", t.spec.build},
                                         {"status", status_text_of(t, g, now)}});
          }
          const auto [status, message] = st.group_state_of(g, now);
          groups.push_back(json::object{{"id", g.id},
                                        {"executed_at", g.executed_at},
                                        {"visible", engine::state::visible(g, now)},
                                        {"polls", g.polls},
                                        {"status", status},
                                        {"tests", std::move(tests)}});
        }
        schedules.push_back(json::object{{"guid", s.spec->guid},
                                         {"name", s.spec->name},
                                         {"web", s.spec->web},
                                         {"groups", std::move(groups)}});
      }
      r.response = json_response(200, json::object{{"time", format_iso_ms(now)}, {"schedules", std::move(schedules)}});
    } else {
      r.response = admin_error(404, "unknown admin request " + m + " /_sim/" + (a.empty() ? "" : a[0]) +
                                        " (see sim/README.md)");
    }
    return r;
  }

  request_record rec;
  rec.seq = ++st.request_seq;
  rec.time = now;
  rec.route = rt.r;
  rec.method = req.method;
  rec.target = req.target;
  rec.schedule = rt.schedule;
  rec.group = rt.group;
  rec.hook = rt.hook;
  rec.peer = peer;
  rec.headers = redact(req.headers);
  rec.body_bytes = req.body.size();

  sim_reply reply;
  if (rt.r == route::hook) {
    auto it = st.hooks.find(rt.hook);
    if (it == st.hooks.end()) {
      reply.response.status = 404;
      reply.response.headers.set("Content-Type", "text/plain");
      reply.response.body = "no_service";
    } else {
      auto& h = it->second;
      const hook_spec& spec = *h.spec;
      if (h.cursor < spec.answers.size()) {
        const answer_spec& a = spec.answers[h.cursor++];
        rec.fault = a.where;
        http::response base;
        if (!a.status || *a.status < 400) {
          base = hook_success(spec.style);
        } else {
          base.status = *a.status;
          base.headers.set("Content-Type", "text/plain");
          base.body = hook_error_text(spec.style, *a.status);
        }
        answer_spec plain = a;
        if (plain.body == answer_spec::body_kind::error && a.message.empty()) plain.body = answer_spec::body_kind::normal;
        reply = apply_answer(plain, std::move(base), now);
      } else {
        reply.response = hook_success(spec.style);
      }
      hook_delivery d;
      d.seq = ++h.seq;
      d.hook = rt.hook;
      d.time = now;
      d.method = req.method;
      d.target = req.target;
      d.headers = req.headers;
      d.body = req.body;
      d.status = reply.stall || reply.drop ? 0 : reply.response.status;
      if (st.on_hook) st.on_hook(d);
      h.deliveries.push_back(std::move(d));
      while (h.deliveries.size() > st.sc.hook_log_limit) {
        h.deliveries.pop_front();
        ++h.dropped;
      }
    }
  } else if (rt.r == route::unknown) {
    reply.response = express_404(req);
  } else {
    exchange ex{st, req, url, rt, now};
    const answer_spec* fault = st.next_fault(rt.r, rt.schedule);
    std::string group;
    if (fault) {
      rec.fault = fault->where;
      http::response base;
      if (fault->handled) base = ex.real(group, true);
      reply = apply_answer(*fault, std::move(base), now);
    } else {
      reply.response = ex.real(group, true);
    }
    if (!group.empty()) rec.group = group;
  }
  rec.status = reply.stall || reply.drop ? 0 : reply.response.status;
  st.log(std::move(rec));
  return reply;
}

}  // namespace sofy::sim
