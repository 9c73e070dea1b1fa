// sofy-notifier's configuration: YAML text to a typed, validated `config`.
//
// The keys and defaults are pinned (DESIGN.md "sofy-notifier"):
//
//   sofy:
//     base_url: https://public.sofy.ai     default; http only for a loopback host
//     auth_key: ${SOFY_AUTH_KEY}           required, a GUID
//     request_timeout: 30s                 default
//     max_concurrent_requests: 8           default; 1..1024
//   tls:
//     ca_file: /path/ca.pem                optional; default: the system store
//   poll_interval: 60s                     default for every schedule; at least 100ms
//   state_file: /var/lib/sofy-notifier/state.db   default: sofy-notifier.db beside the config
//   listen: 127.0.0.1:9464                 optional; host:port, IPv6 as [::1]:9464
//   log_format: text                       text | json
//   log_level: info                        debug | info | warn | error
//   delivery:                              optional; how webhooks are posted (the defaults)
//     timeout: 10s                         each POST, connect included
//     max_age: 24h                         a notification still failing then is dead-lettered
//     min_backoff: 1s                      retry n waits a random time up to
//     max_backoff: 5m                        min(max_backoff, min_backoff * 2^(n-1))
//     max_retry_after: 1h                  a receiver's longer Retry-After is capped to this
//   schedules:                             at least one
//     - name: Nightly smoke                required, unique
//       guid: 0b6ef3f2-...                 required, a GUID, unique
//       poll_interval: 30s                 optional
//       webhooks: [qa-slack]               optional; default: every webhook
//   webhooks:                              at least one
//     - name: qa-slack                     required, unique; names the webhook in logs
//       type: slack                        slack | teams | webhook
//       url: ${SLACK_WEBHOOK_URL}          required; https (http only for a loopback host)
//       notify_on: [failed, incomplete, not_executed, stopped, run_finished]   the default
//       mention: "<!here>"                 slack, teams: added when a test failed
//       secret: ${HOOK_SECRET}             webhook only: HMAC-SHA256 signature
//       title: "{schedule}"                slack, teams: templates, see template.hpp
//       text: "Run {group} {outcome}"
//       max_age: 1h                        optional; overrides delivery.max_age
//
// Every delivery duration is from 1ms to 8760h (a year); min_backoff <= max_backoff.
//
// YAML anchors, aliases and merge keys (`<<: *defaults`) work; top-level keys starting
// with "x-" are ignored, as a place to define anchors.
// Relative paths (state_file, tls.ca_file) are relative to the config file's directory.
// Office 365 connector URLs (*.webhook.office.com, outlook.office.com/webhook) were
// retired in 2026 and are rejected with an error that says so.
//
// Environment: `${VAR}` and `${VAR:-default}` (default when VAR is unset or empty) expand
// in every scalar value after the YAML is parsed, so expanded text cannot change the
// document's structure and line numbers stay those of the file. `$${` is a literal
// `${`. The default runs to the first `}` (no nesting). An unset VAR without a default
// is an error naming VAR, never its value.
//
// Errors: every one found (not only the first), each as `FILE:LINE:COL: message` with
// 1-based line and column. Messages never contain the value of a secret (auth_key,
// url, secret): they name the key and the webhook instead.
#pragma once

#include "notifier/event.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::notifier {

enum class sink_type { slack, teams, webhook };
enum class log_format { text, json };
enum class log_level { debug, info, warn, error };

std::string_view to_string(sink_type t) noexcept;
std::string_view to_string(log_format f) noexcept;
std::string_view to_string(log_level l) noexcept;

struct sofy_settings {
  std::string base_url = "https://public.sofy.ai";
  std::string auth_key;  // secret
  std::chrono::milliseconds request_timeout{30'000};
  unsigned max_concurrent_requests = 8;
};

struct tls_settings {
  std::filesystem::path ca_file;  // empty: the system store
};

struct listen_address {
  std::string host;  // without brackets: "127.0.0.1", "::1", "localhost"
  std::uint16_t port = 0;
  // "127.0.0.1:9464", "[::1]:9464"
  std::string to_string() const;
};

// The `delivery:` section. pace.hpp turns it into a relay's delivery_settings.
struct delivery_config {
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds max_age{24 * 3600 * 1000};
  std::chrono::milliseconds min_backoff{1'000};
  std::chrono::milliseconds max_backoff{300'000};
  std::chrono::milliseconds max_retry_after{3'600'000};
};

struct webhook_config {
  std::string name;
  sink_type type = sink_type::slack;
  std::string url;  // secret: webhook URLs carry their own credentials
  notify_on notify = notify_on::defaults();
  std::string mention;  // slack, teams; empty: none
  std::string secret;   // webhook; empty: requests are not signed
  std::string title;    // slack, teams template; empty: default_title
  std::string text;     // slack, teams template; empty: default_text
  std::chrono::milliseconds max_age{24 * 3600 * 1000};  // resolved: its own or delivery.max_age
};

struct schedule_config {
  std::string name;
  std::string guid;
  std::chrono::milliseconds poll_interval{60'000};  // resolved: its own or the global one
  std::vector<std::string> webhooks;                // resolved: every webhook when not given
  schedule_ref ref() const { return {name, guid}; }
};

struct config {
  sofy_settings sofy;
  tls_settings tls;
  std::chrono::milliseconds poll_interval{60'000};
  std::filesystem::path state_file;  // resolved: never empty
  std::optional<listen_address> listen;
  log_format format = log_format::text;
  log_level level = log_level::info;
  delivery_config delivery;
  std::vector<schedule_config> schedules;
  std::vector<webhook_config> webhooks;

  // The webhook of that name, or nullptr.
  const webhook_config* find_webhook(std::string_view name) const noexcept;
};

// One problem with a config, and where it is. line and column are 1-based; both are
// 0 when the problem has no place in the text (the file cannot be read).
struct diagnostic {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
  // "FILE:LINE:COL: message" ("FILE: message" without a place).
  std::string to_string() const;
};

// Looks up an environment variable; nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
std::optional<std::string> process_environment(const std::string& name);

struct load_options {
  std::string file_name = "<config>";    // as shown in diagnostics
  std::filesystem::path base_dir = ".";  // where relative paths and the default state_file go
  env_lookup env = process_environment;
};

struct load_result {
  std::optional<config> value;     // set exactly when errors is empty
  std::vector<diagnostic> errors;  // in the order of the text
  explicit operator bool() const noexcept { return value.has_value(); }
};

// Parses and validates YAML text. Never throws for bad input.
load_result load_config_string(std::string_view yaml, const load_options& options = {});

// Reads and validates a config file: diagnostics name the path as given, relative paths
// inside are resolved against the file's directory.
load_result load_config_file(const std::filesystem::path& file,
                             env_lookup env = process_environment);

}  // namespace sofy::notifier
