#include "notifier/config.hpp"

#include "notifier/detail/text.hpp"
#include "notifier/template.hpp"

#include <sofy/duration.hpp>
#include <sofy/model.hpp>

#include <yaml-cpp/yaml.h>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace sofy::notifier {

std::string_view to_string(sink_type t) noexcept {
  switch (t) {
    case sink_type::slack: return "slack";
    case sink_type::teams: return "teams";
    case sink_type::webhook: return "webhook";
  }
  return "unknown";
}

std::string_view to_string(log_format f) noexcept {
  return f == log_format::json ? "json" : "text";
}

std::string_view to_string(log_level l) noexcept {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

std::string listen_address::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

const webhook_config* config::find_webhook(std::string_view name) const noexcept {
  for (const auto& w : webhooks)
    if (w.name == name) return &w;
  return nullptr;
}

std::string diagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::optional<std::string> process_environment(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

namespace {

using namespace std::chrono_literals;

constexpr auto min_poll_interval = 100ms;
// Delivery durations: more than zero, and short enough that "now + it" cannot overflow.
constexpr std::chrono::milliseconds min_delivery_duration = 1ms;
constexpr std::chrono::milliseconds max_delivery_duration = 8760h;

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool ends_with_icase(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Whether `value` came from ${VAR} expansion of the scalar `n` rather than being its text.
bool expanded(const YAML::Node& n, std::string_view value) { return !n.IsScalar() || n.Scalar() != value; }

// A value for an error message: the scalar as written in the file, never its expansion, so a
// secret put under the wrong key is not echoed (a ${VAR} stays unexpanded).
std::string shown(const YAML::Node& n, std::string_view value) {
  return quote(expanded(n, value) && n.IsScalar() ? std::string_view(n.Scalar()) : value);
}

std::string_view kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "no value";
    case YAML::NodeType::Scalar: return "a string";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Undefined: break;
  }
  return "no value";
}

// A mapping's entries in document order.
struct entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class loader {
 public:
  explicit loader(const load_options& o) : opt_(o) {}

  load_result run(std::string_view yaml);

 private:
  // --- reporting ---------------------------------------------------------------
  void error(const YAML::Mark& m, std::string msg) {
    YAML::Mark at = m.is_null() ? last_ : m;
    errors_.push_back({opt_.file_name, static_cast<std::size_t>(at.line) + 1,
                       static_cast<std::size_t>(at.column) + 1, std::move(msg)});
  }
  // A null value ("key:" with nothing after it) has the position of whatever follows,
  // so it is reported at its key.
  void error(const YAML::Node& n, std::string msg) {
    error(n.IsNull() || !n.IsDefined() ? key_mark_ : n.Mark(), std::move(msg));
  }

  // The entry for `key`, if present; remembers where its key is for error().
  const entry* take(const std::vector<entry>& entries, std::string_view key) {
    for (const auto& e : entries)
      if (e.key == key) {
        key_mark_ = e.key_node.Mark();
        return &e;
      }
    return nullptr;
  }

  // --- structure ---------------------------------------------------------------
  // The entries of a mapping whose keys are unique and among `allowed`; reports the
  // others. nullopt when `n` is not a mapping.
  // `top_level`: keys starting with "x-" are ignored, a place to define anchors.
  std::optional<std::vector<entry>> mapping(const YAML::Node& n, const std::string& what,
                                            std::initializer_list<std::string_view> allowed,
                                            bool top_level = false);
  // The items of a list; nullopt (reported) when `n` is not one.
  std::optional<std::vector<YAML::Node>> list(const YAML::Node& n, const std::string& what);

  // --- scalars -------------------------------------------------------------------
  // The scalar's text with ${VAR} expanded. `secret`: never echo it in a message.
  std::optional<std::string> text(const YAML::Node& n, const std::string& what, bool secret);
  std::optional<std::string> expand(std::string_view raw, const YAML::Node& where,
                                    const std::string& what, bool secret);
  std::optional<std::chrono::milliseconds> duration(
      const YAML::Node& n, const std::string& what, std::chrono::milliseconds minimum,
      std::chrono::milliseconds maximum = std::chrono::milliseconds::max());
  std::optional<unsigned> integer(const YAML::Node& n, const std::string& what, unsigned lo,
                                  unsigned hi);
  template <class Enum, std::size_t N>
  std::optional<Enum> choice(const YAML::Node& n, const std::string& what,
                             const std::array<std::pair<std::string_view, Enum>, N>& names);
  std::filesystem::path path(const std::string& value) const {
    std::filesystem::path p{value};
    return p.is_absolute() ? p : opt_.base_dir / p;
  }

  // --- sections ------------------------------------------------------------------
  void sofy_section(const YAML::Node& n);
  void tls_section(const YAML::Node& n);
  void listen_key(const YAML::Node& n);
  void delivery_section(const YAML::Node& n);
  void webhooks_section(const YAML::Node& n);
  void webhook_item(const YAML::Node& n, std::size_t index);
  void schedules_section(const YAML::Node& n);
  void schedule_item(const YAML::Node& n, std::size_t index);

  enum class url_role { base_url, webhook };
  // Validates an http(s) URL. For a webhook, `who` names it and the URL is never shown.
  bool check_url(const std::string& url, const YAML::Node& where, const std::string& who,
                 url_role role);

  const load_options& opt_;
  config cfg_;
  std::vector<diagnostic> errors_;
  YAML::Mark last_;      // where to point when a node has no mark
  YAML::Mark key_mark_;  // the key of the value being read

  // For cross-references, resolved after every section is read.
  struct schedule_refs {
    std::size_t schedule;  // index in cfg_.schedules; -1 when the schedule itself is invalid
    std::string who;
    std::vector<std::pair<std::string, YAML::Node>> names;
  };
  std::vector<schedule_refs> refs_;
  std::map<std::string, std::size_t> webhook_lines_;   // name -> line of first definition
  std::map<std::string, std::size_t> schedule_lines_;  // name -> line of first definition
  std::map<std::string, std::pair<std::string, std::size_t>> guid_lines_;  // lower-case guid
  bool auth_key_seen_ = false;
  int merge_depth_ = 0;
  std::vector<std::pair<std::size_t, bool>> schedule_own_interval_;  // index, has its own
  std::vector<std::pair<std::size_t, bool>> webhook_own_max_age_;    // index, has its own
};

std::optional<std::vector<entry>> loader::mapping(const YAML::Node& n, const std::string& what,
                                                  std::initializer_list<std::string_view> allowed,
                                                  bool top_level) {
  if (!n.IsMap()) {
    error(n, what + ": expected a mapping, got " + std::string(kind_of(n)));
    return std::nullopt;
  }
  std::vector<entry> out;
  std::map<std::string, int> seen;  // key -> 1-based line of its first appearance
  std::vector<YAML::Node> merges;
  for (auto it = n.begin(); it != n.end(); ++it) {
    // Copies: `it->` yields a proxy that dies at the end of the expression.
    const YAML::Node k = it->first;
    const YAML::Node v = it->second;
    if (!k.IsScalar()) {
      error(k, what + ": keys must be plain names, got " + std::string(kind_of(k)));
      continue;
    }
    std::string key = k.Scalar();
    if (key == "<<") {
      merges.push_back(v);
      continue;
    }
    if (top_level && key.starts_with("x-")) continue;  // a home for anchors
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string msg = what + ": unknown key " + quote(key);
      auto near = detail::closest(key, allowed);
      if (!near.empty())
        msg += "; did you mean " + quote(near) + "?";
      else
        msg += " (allowed: " + detail::join(allowed) + ")";
      error(k, std::move(msg));
      continue;
    }
    if (auto [pos, fresh] = seen.emplace(key, k.Mark().line + 1); !fresh) {
      error(k, what + ": duplicate key " + quote(key) + " (first on line " +
                   std::to_string(pos->second) + ")");
      continue;
    }
    out.push_back({std::move(key), k, v});
  }
  // YAML merge keys: `<<: *defaults` or `<<: [*a, *b]` add the keys not given here; of
  // several mappings the first that has a key wins.
  for (const auto& m : merges) {
    std::vector<YAML::Node> sources;
    if (m.IsMap()) {
      sources.push_back(m);
    } else if (m.IsSequence()) {
      for (auto it = m.begin(); it != m.end(); ++it) sources.push_back(*it);
    } else {
      error(m, what + ": '<<' merges a mapping (an alias such as *defaults), got " +
                   std::string(kind_of(m)));
      continue;
    }
    for (const auto& src : sources) {
      if (!src.IsMap()) {
        error(src, what + ": '<<' merges mappings, got " + std::string(kind_of(src)));
        continue;
      }
      if (merge_depth_ >= 8) {
        error(src, what + ": merges nested too deeply");
        continue;
      }
      ++merge_depth_;
      auto merged = mapping(src, what, allowed);
      --merge_depth_;
      if (!merged) continue;
      for (auto& e : *merged)
        if (seen.emplace(e.key, e.key_node.Mark().line + 1).second) out.push_back(std::move(e));
    }
  }
  return out;
}

std::optional<std::vector<YAML::Node>> loader::list(const YAML::Node& n, const std::string& what) {
  if (!n.IsSequence()) {
    error(n, what + ": expected a list, got " + std::string(kind_of(n)));
    return std::nullopt;
  }
  std::vector<YAML::Node> out;
  for (auto it = n.begin(); it != n.end(); ++it) out.push_back(*it);
  return out;
}

std::optional<std::string> loader::text(const YAML::Node& n, const std::string& what, bool secret) {
  if (!n.IsScalar()) {
    error(n, what + ": expected a string, got " + std::string(kind_of(n)));
    return std::nullopt;
  }
  return expand(n.Scalar(), n, what, secret);
}

std::optional<std::string> loader::expand(std::string_view raw, const YAML::Node& where,
                                          const std::string& what, bool secret) {
  std::string out;
  bool ok = true;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (raw.compare(i, 2, "${") != 0) {
      out += raw[i++];
      continue;
    }
    std::size_t close = raw.find('}', i + 2);
    if (close == std::string_view::npos) {
      error(where, what + ": unterminated '${' (write '$${' for a literal '${')");
      return std::nullopt;
    }
    std::string_view inner = raw.substr(i + 2, close - i - 2);
    std::size_t sep = inner.find(":-");
    std::string_view name = inner.substr(0, sep);
    bool has_default = sep != std::string_view::npos;
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                 std::all_of(name.begin(), name.end(), [](char c) {
                   return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '_';
                 });
    if (!valid) {
      // The text between the braces is not shown for a secret: it may be the secret.
      error(where, what + ": " +
                       (secret ? std::string("'${...}'") : "'${" + std::string(inner) + "}'") +
                       " needs an environment variable name (letters, digits, _), "
                       "optionally followed by :-default");
      ok = false;
    } else {
      auto value = opt_.env ? opt_.env(std::string(name)) : std::nullopt;
      if (value && !(has_default && value->empty())) {
        out += *value;
      } else if (has_default) {
        out += inner.substr(sep + 2);
      } else {
        error(where, what + ": environment variable " + std::string(name) +
                         " is not set (set it, or write ${" + std::string(name) + ":-default})");
        ok = false;
      }
    }
    i = close + 1;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::chrono::milliseconds> loader::duration(const YAML::Node& n,
                                                          const std::string& what,
                                                          std::chrono::milliseconds minimum,
                                                          std::chrono::milliseconds maximum) {
  auto s = text(n, what, false);
  if (!s) return std::nullopt;
  std::string why;
  auto d = parse_duration(*s, &why);
  // The parser's reason quotes the text it read; an expanded value is shown as written instead.
  const bool from_env = expanded(n, *s);
  if (!d) {
    error(n, what + ": " + (from_env ? shown(n, *s) + " is not a duration" : why) +
                 " (durations look like 250ms, 30s, 5m, 2h, 1h30m)");
    return std::nullopt;
  }
  const std::string value = from_env ? shown(n, *s) : format_duration(*d);
  if (*d < minimum) {
    error(n, what + ": " + value + " is too short (at least " +
                 format_duration(minimum) + ")");
    return std::nullopt;
  }
  if (*d > maximum) {
    error(n, what + ": " + value + " is too long (at most " +
                 format_duration(maximum) + ")");
    return std::nullopt;
  }
  return d;
}

std::optional<unsigned> loader::integer(const YAML::Node& n, const std::string& what, unsigned lo,
                                        unsigned hi) {
  auto s = text(n, what, false);
  if (!s) return std::nullopt;
  unsigned long long v = 0;
  bool digits = !s->empty() && s->size() <= 9 &&
                std::all_of(s->begin(), s->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) v = std::stoull(*s);
  if (!digits || v < lo || v > hi) {
    error(n, what + ": expected a whole number from " + std::to_string(lo) + " to " +
                 std::to_string(hi) + ", got " + shown(n, *s));
    return std::nullopt;
  }
  return static_cast<unsigned>(v);
}

template <class Enum, std::size_t N>
std::optional<Enum> loader::choice(const YAML::Node& n, const std::string& what,
                                   const std::array<std::pair<std::string_view, Enum>, N>& names) {
  auto s = text(n, what, false);
  if (!s) return std::nullopt;
  std::vector<std::string_view> words;
  for (const auto& [word, value] : names) {
    if (word == *s) return value;
    words.push_back(word);
  }
  std::string msg = what + ": " + shown(n, *s) + " is not one of " + detail::join(words, " | ");
  // No suggestion from an expanded value: it would hint at what the variable holds.
  auto near = expanded(n, *s) ? std::string() : detail::closest(*s, words);
  if (!near.empty()) msg += "; did you mean " + quote(near) + "?";
  error(n, std::move(msg));
  return std::nullopt;
}

bool loader::check_url(const std::string& url, const YAML::Node& where, const std::string& who,
                       url_role role) {
  // For a webhook, `who` is "webhook 'name': url" and the URL itself is never shown.
  bool show = role == url_role::base_url;
  std::string shown_url = show ? " " + shown(where, url) : std::string();
  if (url.empty()) {
    error(where, who + " is empty");
    return false;
  }
  auto r = boost::urls::parse_uri(url);
  if (!r) {
    error(where, who + shown_url + " is not an absolute URL (expected https://host/...)");
    return false;
  }
  const auto& u = *r;
  bool https = u.scheme_id() == boost::urls::scheme::https;
  bool http = u.scheme_id() == boost::urls::scheme::http;
  if (!https && !http) {
    error(where, who + shown_url + ": scheme must be https");
    return false;
  }
  std::string host = u.host_address();
  if (host.empty()) {
    error(where, who + shown_url + " has no host");
    return false;
  }
  if (u.has_userinfo()) {
    error(where, who + ": user names and passwords in the URL are not supported" +
                     std::string(role == url_role::webhook
                                     ? "; use a token in the path or query, or `secret`"
                                     : ""));
    return false;
  }
  if (u.has_port() && u.port_number() == 0) {
    error(where, who + shown_url + ": port must be from 1 to 65535");
    return false;
  }
  if (u.has_fragment()) {
    error(where, who + shown_url + ": a #fragment is never sent to the server; remove it");
    return false;
  }
  if (http) {
    bool loopback = false;
    switch (u.host_type()) {
      case boost::urls::host_type::ipv4: loopback = u.host_ipv4_address().is_loopback(); break;
      case boost::urls::host_type::ipv6: loopback = u.host_ipv6_address().is_loopback(); break;
      case boost::urls::host_type::name: loopback = iequals(host, "localhost"); break;
      default: break;
    }
    if (!loopback) {
      error(where, who + shown_url +
                       ": must use https (plain http is accepted only for a loopback host: "
                       "127.0.0.1, ::1, localhost)");
      return false;
    }
  }
  if (role == url_role::base_url && (u.has_query())) {
    error(where, who + shown_url + ": must not have a query");
    return false;
  }
  if (role == url_role::webhook) {
    bool connector =
        iequals(host, "webhook.office.com") || ends_with_icase(host, ".webhook.office.com") ||
        ((iequals(host, "outlook.office.com") || iequals(host, "outlook.office365.com")) &&
         u.encoded_path().starts_with("/webhook"));
    if (connector) {
      error(where, who +
                       " is an Office 365 connector URL (*.webhook.office.com); Office 365 "
                       "connectors were retired in 2026; create a Workflows webhook in Teams "
                       "(\"When a Teams webhook request is received\") and use its URL with "
                       "type: teams");
      return false;
    }
  }
  return true;
}

void loader::sofy_section(const YAML::Node& n) {
  auto entries =
      mapping(n, "sofy", {"base_url", "auth_key", "request_timeout", "max_concurrent_requests"});
  if (!entries) return;
  for (const auto& e : *entries) {
    key_mark_ = e.key_node.Mark();
    const std::string what = "sofy." + e.key;
    if (e.key == "base_url") {
      if (auto v = text(e.value, what, false);
          v && check_url(*v, e.value, what, url_role::base_url)) {
        // "https://host/api/" and "https://host/api" name the same base.
        std::string url = *v;
        const std::size_t host_start = url.find("://") + 3;
        while (url.size() > host_start + 1 && url.back() == '/') url.pop_back();
        cfg_.sofy.base_url = url;
      }
    } else if (e.key == "auth_key") {
      auth_key_seen_ = true;
      if (auto v = text(e.value, what, true)) {
        if (v->empty())
          error(e.value, what + " is empty");
        else if (!is_guid(*v))
          error(e.value, what +
                             " is not a GUID (expected 8-4-4-4-12 hex digits, "
                             "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
        else
          cfg_.sofy.auth_key = *v;
      }
    } else if (e.key == "request_timeout") {
      if (auto d = duration(e.value, what, 1ms)) cfg_.sofy.request_timeout = *d;
    } else if (e.key == "max_concurrent_requests") {
      if (auto v = integer(e.value, what, 1, 1024)) cfg_.sofy.max_concurrent_requests = *v;
    }
  }
  if (!auth_key_seen_) error(n, "sofy: missing required key 'auth_key'");
}

void loader::tls_section(const YAML::Node& n) {
  auto entries = mapping(n, "tls", {"ca_file"});
  if (!entries) return;
  for (const auto& e : *entries) {
    key_mark_ = e.key_node.Mark();
    auto v = text(e.value, "tls.ca_file", false);
    if (!v) continue;
    if (v->empty()) {
      error(e.value, "tls.ca_file is empty (leave it out to use the system store)");
      continue;
    }
    auto p = path(*v);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
      error(e.value, "tls.ca_file: no such file: " +
                         (expanded(e.value, *v) ? shown(e.value, *v) : p.string()));
    else
      cfg_.tls.ca_file = p;
  }
}

void loader::listen_key(const YAML::Node& n) {
  auto v = text(n, "listen", false);
  if (!v) return;
  const std::string& s = *v;
  auto fail = [&](const std::string& why) {
    error(n, "listen: " + shown(n, s) + " " + why +
                 " (expected host:port, e.g. 127.0.0.1:9464 or [::1]:9464)");
  };
  std::string host;
  std::string_view port;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return fail("has '[' without ']'");
    host = s.substr(1, close - 1);
    if (!boost::urls::parse_ipv6_address(host))
      return fail("has no valid IPv6 address in brackets");
    if (close + 1 >= s.size() || s[close + 1] != ':') return fail("has no :port");
    port = std::string_view(s).substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return fail("has no :port");
    host = s.substr(0, colon);
    port = std::string_view(s).substr(colon + 1);
    if (host.find(':') != std::string::npos) return fail("has an IPv6 address outside brackets");
    if (host.empty()) return fail("has no host (0.0.0.0 listens on every interface)");
    bool ok = std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '-';
    });
    if (!ok) return fail("has an invalid host");
  }
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  unsigned long p = digits ? std::stoul(std::string(port)) : 0;
  if (!digits || p == 0 || p > 65535) return fail("has no valid port (1 to 65535)");
  cfg_.listen = listen_address{host, static_cast<std::uint16_t>(p)};
}

void loader::delivery_section(const YAML::Node& n) {
  auto entries = mapping(n, "delivery",
                         {"timeout", "max_age", "min_backoff", "max_backoff", "max_retry_after"});
  if (!entries) return;
  delivery_config& d = cfg_.delivery;
  const entry* min_entry = nullptr;
  const entry* max_entry = nullptr;
  bool backoff_ok = true;
  for (const auto& e : *entries) {
    key_mark_ = e.key_node.Mark();
    auto v = duration(e.value, "delivery." + e.key, min_delivery_duration, max_delivery_duration);
    if (!v) {
      backoff_ok = backoff_ok && e.key != "min_backoff" && e.key != "max_backoff";
      continue;
    }
    if (e.key == "timeout") {
      d.timeout = *v;
    } else if (e.key == "max_age") {
      d.max_age = *v;
    } else if (e.key == "min_backoff") {
      d.min_backoff = *v;
      min_entry = &e;
    } else if (e.key == "max_backoff") {
      d.max_backoff = *v;
      max_entry = &e;
    } else if (e.key == "max_retry_after") {
      d.max_retry_after = *v;
    }
  }
  // Compared only when both are valid, so one mistake gives one error. Reported at the
  // key that was written (min_backoff when both were).
  if (backoff_ok && d.min_backoff > d.max_backoff) {
    const entry* at = min_entry ? min_entry : max_entry;
    key_mark_ = at->key_node.Mark();
    error(at->value, "delivery: min_backoff " + format_duration(d.min_backoff) +
                         (min_entry ? "" : " (the default)") + " is more than max_backoff " +
                         format_duration(d.max_backoff) + (max_entry ? "" : " (the default)"));
  }
}

void loader::webhooks_section(const YAML::Node& n) {
  auto items = list(n, "webhooks");
  if (!items) return;
  if (items->empty()) error(n, "webhooks: the list is empty; define at least one webhook");
  for (std::size_t i = 0; i < items->size(); ++i) webhook_item((*items)[i], i);
}

void loader::webhook_item(const YAML::Node& n, std::size_t index) {
  std::string who = "webhooks[" + std::to_string(index) + "]";
  auto entries = mapping(
      n, who,
      {"name", "type", "url", "notify_on", "mention", "secret", "title", "text", "max_age"});
  if (!entries) return;

  webhook_config w;
  bool ok = true;
  if (const entry* e = take(*entries, "name")) {
    if (auto v = text(e->value, who + ".name", false)) {
      if (v->empty()) {
        error(e->value, who + ".name is empty");
        ok = false;
      } else {
        w.name = *v;
        who = "webhook " + shown(e->value, w.name);
        auto [pos, fresh] = webhook_lines_.emplace(w.name, e->value.Mark().line + 1);
        if (!fresh) {
          error(e->value, "duplicate webhook name " + shown(e->value, w.name) + " (first on line " +
                              std::to_string(pos->second) + ")");
          ok = false;
        }
      }
    } else {
      ok = false;
    }
  } else {
    error(n, who + ": missing required key 'name'");
    ok = false;
  }

  bool type_known = false;
  if (const entry* e = take(*entries, "type")) {
    static constexpr std::array<std::pair<std::string_view, sink_type>, 3> types{
        {{"slack", sink_type::slack},
         {"teams", sink_type::teams},
         {"webhook", sink_type::webhook}}};
    if (auto t = choice(e->value, who + ": type", types)) {
      w.type = *t;
      type_known = true;
    } else {
      ok = false;
    }
  } else {
    error(n, who + ": missing required key 'type' (slack, teams or webhook)");
    ok = false;
  }

  if (const entry* e = take(*entries, "url")) {
    auto v = text(e->value, who + ": url", true);
    if (v && check_url(*v, e->value, who + ": url", url_role::webhook))
      w.url = *v;
    else
      ok = false;
  } else {
    error(n, who + ": missing required key 'url'");
    ok = false;
  }

  if (const entry* e = take(*entries, "notify_on")) {
    if (auto items = list(e->value, who + ": notify_on")) {
      notify_on on;
      for (const auto& item : *items) {
        auto v = text(item, who + ": notify_on", false);
        if (!v) {
          ok = false;
          continue;
        }
        if (!on.add(*v)) {
          std::string msg = who + ": notify_on: unknown entry " + shown(item, *v);
          auto near = expanded(item, *v) ? std::string() : std::string(detail::closest(*v, notify_on::entry_names()));
          if (!near.empty())
            msg += "; did you mean " + quote(near) + "?";
          else
            msg += " (entries: " + detail::join(notify_on::entry_names()) + ")";
          error(item, std::move(msg));
          ok = false;
        }
      }
      if (items->empty()) {
        error(e->value, who +
                            ": notify_on is empty, so nothing would be sent; leave it out for "
                            "the default");
        ok = false;
      }
      w.notify = on;
    } else {
      ok = false;
    }
  }

  bool chat = w.type == sink_type::slack || w.type == sink_type::teams;
  if (const entry* e = take(*entries, "mention")) {
    if (auto v = text(e->value, who + ": mention", false)) {
      if (type_known && !chat) {
        error(e->key_node, who + ": mention is only for type slack or teams");
        ok = false;
      }
      w.mention = *v;
    } else {
      ok = false;
    }
  }

  if (const entry* e = take(*entries, "secret")) {
    if (auto v = text(e->value, who + ": secret", true)) {
      if (type_known && w.type != sink_type::webhook) {
        error(e->key_node, who +
                               ": secret is only for type webhook (Slack and Teams requests "
                               "are not signed)");
        ok = false;
      } else if (v->empty()) {
        error(e->value, who + ": secret is empty; leave the key out to send unsigned requests");
        ok = false;
      }
      w.secret = *v;
    } else {
      ok = false;
    }
  }

  for (std::string_view key : {"title", "text"}) {
    const entry* e = take(*entries, key);
    if (!e) continue;
    auto v = text(e->value, who + ": " + std::string(key), false);
    if (!v) {
      ok = false;
      continue;
    }
    if (type_known && !chat) {
      error(e->key_node, who + ": " + std::string(key) +
                             " templates are only for type slack or teams (the webhook body is "
                             "fixed JSON)");
      ok = false;
    } else if (auto why = check_template(*v)) {
      error(e->value, who + ": " + std::string(key) + ": " + *why);
      ok = false;
    }
    (key == "title" ? w.title : w.text) = *v;
  }

  bool own_max_age = false;
  if (const entry* e = take(*entries, "max_age")) {
    if (auto d =
            duration(e->value, who + ": max_age", min_delivery_duration, max_delivery_duration)) {
      w.max_age = *d;
      own_max_age = true;
    } else {
      ok = false;
    }
  }

  if (!ok) return;
  webhook_own_max_age_.emplace_back(cfg_.webhooks.size(), own_max_age);
  cfg_.webhooks.push_back(std::move(w));
}

void loader::schedules_section(const YAML::Node& n) {
  auto items = list(n, "schedules");
  if (!items) return;
  if (items->empty()) error(n, "schedules: the list is empty; define at least one schedule");
  for (std::size_t i = 0; i < items->size(); ++i) schedule_item((*items)[i], i);
}

void loader::schedule_item(const YAML::Node& n, std::size_t index) {
  std::string who = "schedules[" + std::to_string(index) + "]";
  auto entries = mapping(n, who, {"name", "guid", "poll_interval", "webhooks"});
  if (!entries) return;
  schedule_config s;
  bool ok = true;
  if (const entry* e = take(*entries, "name")) {
    if (auto v = text(e->value, who + ".name", false); v && !v->empty()) {
      s.name = *v;
      who = "schedule " + shown(e->value, s.name);
      auto [pos, fresh] = schedule_lines_.emplace(s.name, e->value.Mark().line + 1);
      if (!fresh) {
        error(e->value, "duplicate schedule name " + shown(e->value, s.name) + " (first on line " +
                            std::to_string(pos->second) + ")");
        ok = false;
      }
    } else {
      if (v) error(e->value, who + ".name is empty");
      ok = false;
    }
  } else {
    error(n, who + ": missing required key 'name'");
    ok = false;
  }
  if (const entry* e = take(*entries, "guid")) {
    if (auto v = text(e->value, who + ": guid", false)) {
      if (!is_guid(*v)) {
        error(e->value, who + ": guid " + shown(e->value, *v) +
                            " is not a GUID (expected 8-4-4-4-12 hex digits, as in the "
                            "schedule's URL)");
        ok = false;
      } else {
        s.guid = *v;
        std::string lower = s.guid;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return c >= 'A' && c <= 'F' ? char(c - 'A' + 'a') : c; });
        auto [pos, fresh] =
            guid_lines_.emplace(lower, std::pair{s.name, std::size_t(e->value.Mark().line) + 1});
        if (!fresh) {
          error(e->value, who + ": guid is already used by schedule " + quote(pos->second.first) +
                              " (line " + std::to_string(pos->second.second) + ")");
          ok = false;
        }
      }
    } else {
      ok = false;
    }
  } else {
    error(n, who + ": missing required key 'guid'");
    ok = false;
  }
  bool own_interval = false;
  if (const entry* e = take(*entries, "poll_interval")) {
    if (auto d = duration(e->value, who + ": poll_interval", min_poll_interval)) {
      s.poll_interval = *d;
      own_interval = true;
    } else {
      ok = false;
    }
  }
  schedule_refs refs;
  bool explicit_hooks = false;
  if (const entry* e = take(*entries, "webhooks")) {
    explicit_hooks = true;
    if (auto items = list(e->value, who + ": webhooks")) {
      if (items->empty()) {
        error(e->value, who + ": webhooks is empty; leave it out to use every webhook");
        ok = false;
      }
      for (const auto& item : *items) {
        if (auto v = text(item, who + ": webhooks", false))
          refs.names.emplace_back(*v, item);
        else
          ok = false;
      }
    } else {
      ok = false;
    }
  }
  refs.who = who;
  refs.schedule = ok ? cfg_.schedules.size() : static_cast<std::size_t>(-1);
  if (explicit_hooks) refs_.push_back(std::move(refs));
  if (!ok) return;
  schedule_own_interval_.emplace_back(cfg_.schedules.size(), own_interval);
  cfg_.schedules.push_back(std::move(s));
}

load_result loader::run(std::string_view yaml) {
  load_result result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    error(e.mark, "invalid YAML: " + e.msg);
    result.errors = std::move(errors_);
    return result;
  }
  last_ = YAML::Mark();
  if (root.IsNull() || !root.IsDefined()) {
    error(last_, "the config is empty; it needs at least sofy, schedules and webhooks");
    result.errors = std::move(errors_);
    return result;
  }
  auto entries = mapping(root, "config",
                         {"sofy", "tls", "poll_interval", "state_file", "listen", "log_format",
                          "log_level", "delivery", "schedules", "webhooks"},
                         true);
  if (!entries) {
    result.errors = std::move(errors_);
    return result;
  }

  if (const entry* e = take(*entries, "sofy"))
    sofy_section(e->value);
  else
    error(root, "missing required key 'sofy' (with at least auth_key)");
  if (const entry* e = take(*entries, "tls")) tls_section(e->value);
  if (const entry* e = take(*entries, "poll_interval")) {
    if (auto d = duration(e->value, "poll_interval", min_poll_interval)) cfg_.poll_interval = *d;
  }
  cfg_.state_file = opt_.base_dir / "sofy-notifier.db";
  if (const entry* e = take(*entries, "state_file")) {
    if (auto v = text(e->value, "state_file", false)) {
      if (v->empty())
        error(e->value,
              "state_file is empty (leave it out for sofy-notifier.db beside the config)");
      else
        cfg_.state_file = path(*v);
    }
  }
  if (const entry* e = take(*entries, "listen")) listen_key(e->value);
  if (const entry* e = take(*entries, "log_format")) {
    static constexpr std::array<std::pair<std::string_view, log_format>, 2> names{
        {{"text", log_format::text}, {"json", log_format::json}}};
    if (auto v = choice(e->value, "log_format", names)) cfg_.format = *v;
  }
  if (const entry* e = take(*entries, "log_level")) {
    static constexpr std::array<std::pair<std::string_view, log_level>, 4> names{
        {{"debug", log_level::debug},
         {"info", log_level::info},
         {"warn", log_level::warn},
         {"error", log_level::error}}};
    if (auto v = choice(e->value, "log_level", names)) cfg_.level = *v;
  }
  if (const entry* e = take(*entries, "delivery")) delivery_section(e->value);
  if (const entry* e = take(*entries, "webhooks"))
    webhooks_section(e->value);
  else
    error(root, "missing required key 'webhooks' (where to send notifications)");
  if (const entry* e = take(*entries, "schedules"))
    schedules_section(e->value);
  else
    error(root, "missing required key 'schedules' (which Sofy schedules to watch)");

  // Resolve: poll intervals, and webhook references against the webhook names defined
  // (including ones whose definition had errors, so one mistake is reported once).
  for (auto [index, own] : schedule_own_interval_)
    if (!own) cfg_.schedules[index].poll_interval = cfg_.poll_interval;
  for (auto [index, own] : webhook_own_max_age_)
    if (!own) cfg_.webhooks[index].max_age = cfg_.delivery.max_age;
  std::vector<std::string> all;
  for (const auto& w : cfg_.webhooks) all.push_back(w.name);
  std::vector<std::string_view> defined;
  for (const auto& [name, line] : webhook_lines_) defined.push_back(name);
  for (auto& s : cfg_.schedules) s.webhooks = all;
  for (const auto& r : refs_) {
    std::vector<std::string> hooks;
    for (const auto& [name, node] : r.names) {
      if (webhook_lines_.count(name) == 0) {
        std::string msg = r.who + ": unknown webhook " + shown(node, name);
        auto near = expanded(node, name) ? std::string() : detail::closest(name, defined);
        if (!near.empty())
          msg += "; did you mean " + quote(near) + "?";
        else if (!defined.empty())
          msg += " (webhooks: " + detail::join(defined) + ")";
        error(node, std::move(msg));
        continue;
      }
      if (std::find(hooks.begin(), hooks.end(), name) == hooks.end()) hooks.push_back(name);
    }
    if (r.schedule < cfg_.schedules.size()) cfg_.schedules[r.schedule].webhooks = std::move(hooks);
  }

  std::stable_sort(errors_.begin(), errors_.end(), [](const diagnostic& a, const diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  // A mistake inside an anchor is found once per alias that uses it; say it once.
  errors_.erase(std::unique(errors_.begin(), errors_.end(),
                            [](const diagnostic& a, const diagnostic& b) {
                              return a.line == b.line && a.column == b.column &&
                                     a.message == b.message;
                            }),
                errors_.end());
  result.errors = std::move(errors_);
  if (result.errors.empty()) result.value = std::move(cfg_);
  return result;
}

}  // namespace

load_result load_config_string(std::string_view yaml, const load_options& options) {
  loader l{options};
  try {
    return l.run(yaml);
  } catch (const YAML::Exception& e) {
    // Node access on malformed input; the parse itself is caught in run().
    load_result r;
    r.errors.push_back({options.file_name, e.mark.is_null() ? 1u : std::size_t(e.mark.line) + 1,
                        e.mark.is_null() ? 1u : std::size_t(e.mark.column) + 1,
                        "invalid YAML: " + e.msg});
    return r;
  }
}

load_result load_config_file(const std::filesystem::path& file, env_lookup env) {
  load_options o;
  o.file_name = file.string();
  o.base_dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  o.env = std::move(env);
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    load_result r;
    std::error_code ec;
    std::string why = std::filesystem::exists(file, ec) ? "cannot be read" : "no such file";
    r.errors.push_back({o.file_name, 0, 0, why});
    return r;
  }
  return load_config_string(text.str(), o);
}

}  // namespace sofy::notifier
