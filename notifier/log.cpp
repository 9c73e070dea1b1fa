#include "notifier/log.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace sofy::notifier {

namespace {

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  std::size_t pos = 0;
  while ((pos = s.find(what, pos)) != std::string::npos) {
    s.replace(pos, what.size(), with);
    pos += with.size();
  }
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// logfmt: bare when asked and the value is a plain token, else quoted with \" \\ \n escaped.
void append_logfmt_value(std::string& out, std::string_view v, bool quote) {
  bool plain = !quote && !v.empty();
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '"' || c == '=' || c == '\\' || u == 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json_string(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

}  // namespace

void redactor::add(std::string_view secret) {
  if (secret.size() < 4) return;
  std::string s{secret};
  if (std::find(secrets_.begin(), secrets_.end(), s) != secrets_.end()) return;
  secrets_.push_back(std::move(s));
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::vector<std::string> url_secret_tokens(std::string_view url, const std::vector<std::string>& keep) {
  std::vector<std::string> out;
  auto push = [&](std::string t) {
    if (t.empty() || std::find(keep.begin(), keep.end(), t) != keep.end()) return;
    out.push_back(std::move(t));
  };
  push(std::string(url));
  auto u = boost::urls::parse_uri_reference(url);
  if (!u) return out;
  std::string target{u->encoded_path()};
  if (u->has_query()) {
    target += '?';
    target += u->encoded_query();
  }
  if (target.size() > 1) push(target);
  for (auto seg : u->encoded_segments()) {
    std::string s{seg};
    if ((s.size() >= 8 && has_digit(s)) || s.size() >= 16) push(s);
  }
  for (auto p : u->encoded_params()) {
    if (p.has_value && p.value.size() >= 6) push(std::string(p.value));
  }
  return out;
}

void redactor::add_config(const config& c) {
  std::vector<std::string> keep;
  for (const auto& s : c.schedules) keep.push_back(s.name);
  for (const auto& w : c.webhooks) keep.push_back(w.name);
  add(c.sofy.auth_key);
  for (const auto& w : c.webhooks) {
    for (auto& t : url_secret_tokens(w.url, keep)) add(t);
    add(w.secret);
  }
}

std::string redactor::apply(std::string_view s) const {
  std::string out{s};
  for (const auto& secret : secrets_) replace_all(out, secret, "***");
  return out;
}

std::optional<log_level> log_level_from_name(std::string_view s) noexcept {
  if (s == "debug") return log_level::debug;
  if (s == "info") return log_level::info;
  if (s == "warn" || s == "warning") return log_level::warn;
  if (s == "error") return log_level::error;
  return std::nullopt;
}

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

void logger::stderr_sink(std::string_view line) {
  std::string l{line};
  l += '\n';
  std::fwrite(l.data(), 1, l.size(), stderr);
  std::fflush(stderr);
}

logger::logger(log_format format, log_level level, sink_fn sink, clock_fn clock)
    : format_(format), level_(level), sink_(std::move(sink)), clock_(std::move(clock)) {
  if (!sink_) sink_ = stderr_sink;
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::string logger::format_line(log_level l, std::string_view msg,
                                std::initializer_list<log_field> fields) const {
  const std::string time = format_rfc3339_ms(clock_());
  const std::string m = redactor_.apply(msg);
  std::string out;
  out.reserve(96 + msg.size());
  if (format_ == log_format::json) {
    out += "{\"time\":";
    append_json_string(out, time);
    out += ",\"level\":";
    append_json_string(out, to_string(l));
    out += ",\"msg\":";
    append_json_string(out, m);
    for (const auto& f : fields) {
      out += ',';
      append_json_string(out, f.key);
      out += ':';
      append_json_string(out, redactor_.apply(f.value));
    }
    out += '}';
  } else {
    out += time;
    out += " level=";
    out += to_string(l);
    out += " msg=";
    // msg is always quoted, as in the documented form msg="...".
    append_logfmt_value(out, m, true);
    for (const auto& f : fields) {
      out += ' ';
      out += f.key;
      out += '=';
      append_logfmt_value(out, redactor_.apply(f.value), f.quote);
    }
  }
  // A secret split across a field boundary, or produced by escaping, is caught here.
  return redactor_.apply(out);
}

void logger::log(log_level l, std::string_view msg, std::initializer_list<log_field> fields) {
  if (!enabled(l)) return;
  sink_(format_line(l, msg, fields));
}

}  // namespace sofy::notifier
