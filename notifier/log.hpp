// The notifier's log: one line per record on stderr, as logfmt text or as JSON.
//
//   text: 2026-12-04T10:00:00.123Z level=info msg="poll failed" schedule="Nightly" error="..."
//   json: {"time":"2026-12-04T10:00:00.123Z","level":"info","msg":"poll failed","schedule":"Nightly",...}
//
// Secrets: the redactor replaces every configured secret (the auth key, each webhook URL
// and the credential-looking parts of its path and query, signing secrets) with "***"
// in the message, in every field value and once more in the finished line. Code should
// never log a secret in the first place (webhooks are named by their config name); this
// is the last line of defence.
//
// I/O-free apart from the default sink (stderr); the clock and the sink are injectable.
#pragma once

#include "notifier/config.hpp"

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sofy::notifier {

// Replaces secret values with "***".
class redactor {
 public:
  // Adds one secret (ignored when empty or shorter than 4 characters, which could not be
  // told from ordinary words).
  void add(std::string_view secret);
  // Adds every secret of a config: sofy.auth_key, webhook urls and their path and query
  // tokens, webhook secrets.
  void add_config(const config& c);
  // `s` with every secret replaced, longest secrets first.
  std::string apply(std::string_view s) const;
  bool empty() const noexcept { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;  // longest first, unique
};

// The parts of a URL that look like credentials: the whole URL, its path and query as
// sent, path segments of 8+ characters holding a digit (or of 16+ characters), and query
// values of 6+ characters. `keep` lists words that are never treated as secrets
// (schedule and webhook names).
std::vector<std::string> url_secret_tokens(std::string_view url, const std::vector<std::string>& keep = {});

struct log_field {
  std::string_view key;
  std::string value;
  bool quote = true;  // text format: strings are quoted, numbers are not
  log_field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  log_field(std::string_view k, std::string_view v) : key(k), value(v) {}
  log_field(std::string_view k, const char* v) : key(k), value(v) {}
  template <class N>
    requires std::is_arithmetic_v<N>
  log_field(std::string_view k, N n) : key(k), value(std::to_string(n)), quote(false) {}
};

// "debug", ... as parsed from --log-level; nullopt for anything else.
std::optional<log_level> log_level_from_name(std::string_view s) noexcept;

class logger {
 public:
  using sink_fn = std::function<void(std::string_view line)>;  // a line without '\n'
  using clock_fn = std::function<std::chrono::system_clock::time_point()>;

  // Writes to stderr, flushing each line.
  static void stderr_sink(std::string_view line);

  explicit logger(log_format format = log_format::text, log_level level = log_level::info,
                  sink_fn sink = stderr_sink, clock_fn clock = {});

  void set_format(log_format f) noexcept { format_ = f; }
  void set_level(log_level l) noexcept { level_ = l; }
  void set_redactor(redactor r) { redactor_ = std::move(r); }
  log_format format() const noexcept { return format_; }
  log_level level() const noexcept { return level_; }
  bool enabled(log_level l) const noexcept { return l >= level_; }

  void log(log_level l, std::string_view msg, std::initializer_list<log_field> fields = {});
  void debug(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::debug, msg, f); }
  void info(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::info, msg, f); }
  void warn(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::warn, msg, f); }
  void error(std::string_view msg, std::initializer_list<log_field> f = {}) { log(log_level::error, msg, f); }

  // The line log() would write (without the level check), for tests.
  std::string format_line(log_level l, std::string_view msg, std::initializer_list<log_field> fields) const;

 private:
  log_format format_;
  log_level level_;
  sink_fn sink_;
  clock_fn clock_;
  redactor redactor_;
};

// RFC 3339 UTC with milliseconds: "2026-12-04T10:00:00.123Z".
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

}  // namespace sofy::notifier
