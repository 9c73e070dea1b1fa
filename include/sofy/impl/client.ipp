#pragma once

#include <sofy/client.hpp>
#include <sofy/decode.hpp>
#include <sofy/detail/multipart.hpp>

#include <asio/error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <set>
#include <unordered_map>

namespace sofy {

struct client::call {
  std::string what;  // names the operation in errors: "status of group 123 of schedule <guid>"
  std::string method;
  std::string target;
  request_kind kind = request_kind::idempotent;
  bool web = false;  // x-sofy-web-auth-key instead of x-sofy-auth-key
  std::string content_type;
  const http::file_body* file = nullptr;
};

namespace detail {

inline void require_guid(std::string_view what, std::string_view id) {
  if (!is_guid(id))
    throw error(errc::invalid_argument, std::string(what) + " '" + std::string(id) +
                                            "' is not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
}

inline void require_nonempty(std::string_view what, std::string_view v) {
  if (v.empty()) throw error(errc::invalid_argument, std::string(what) + " is empty");
}

inline bool is_web_schedule_id(std::string_view s) noexcept {
  return s.size() == 24 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// Whether any test appeared, disappeared or changed status between two polls.
inline bool status_changed(const group_status& before, const group_status& now) {
  if (before.tests.size() != now.tests.size()) return true;
  std::unordered_map<std::string, const test_run*> old;
  old.reserve(before.tests.size());
  for (const test_run& t : before.tests) old.emplace(t.key(), &t);
  for (const test_run& t : now.tests) {
    auto it = old.find(t.key());
    if (it == old.end() || it->second->status != t.status || it->second->raw_status != t.raw_status) return true;
  }
  return false;
}

inline std::string random_token(std::minstd_rand& rng, std::size_t n) {
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 2);
  std::string s(n, '0');
  for (char& c : s) c = alphabet[pick(rng)];
  return s;
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

// Transport failures that another attempt cannot mend: a certificate that does not verify,
// a request that cannot be written, an address that cannot be used, an answer over the
// configured limits (it would be as large the next time).
inline bool is_permanent_transport_error(std::error_code ec) noexcept {
  return ec == http::error::tls_verify_failed || ec == http::error::bad_header_value ||
         ec == http::error::bad_url || ec == http::error::unsupported_scheme ||
         ec == http::error::head_too_large || ec == http::error::too_many_fields ||
         ec == http::error::body_too_large;
}

// The error for an operation cancelled through the awaiting coroutine's slot.
inline error cancelled(const std::string& what) { return error(errc::cancelled, what + ": cancelled"); }

}  // namespace detail

SOFY_DECL client::client(executor_type ex, client_options opts)
    : opts_(std::move(opts)), http_(ex, opts_.http), rng_(std::random_device{}()) {
  // An empty key is allowed for a client used only for trigger_web; every other call
  // checks it again.
  if (!opts_.auth_key.empty() && !is_guid(opts_.auth_key))
    throw error(errc::invalid_auth_key,
                "the auth key is not a GUID (expected XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, "
                "from Account > Account Settings > API Key)");
  std::error_code ec;
  base_ = http::parse_base_url(opts_.base_url, ec);
  if (ec) throw error(ec, "base URL '" + opts_.base_url + "': " + ec.message());
}

SOFY_DECL http::request client::make_request(const call& c) const {
  http::request r;
  r.method = c.method;
  r.target = c.target;
  r.headers.set("User-Agent", opts_.user_agent);
  r.headers.set("Accept", "application/json");
  if (c.web)
    r.headers.set("x-sofy-web-auth-key", opts_.web_auth_key);
  else
    r.headers.set("x-sofy-auth-key", opts_.auth_key);
  if (!c.content_type.empty()) r.headers.set("Content-Type", c.content_type);
  // The service takes no body on these routes; an explicit zero length keeps servers and
  // proxies that insist on framing for POST and PUT (411 Length Required) happy.
  if (!c.file && (c.method == "POST" || c.method == "PUT")) r.headers.set("Content-Length", "0");
  return r;
}

// Every awaitable below is made in its own statement and then awaited: GCC 12 mishandles
// temporaries with destructors (here, by-value string and call arguments) inside a
// co_await expression.
SOFY_DECL asio::awaitable<http::response> client::send(call c) {
  if (c.web ? opts_.web_auth_key.empty() : opts_.auth_key.empty())
    throw error(errc::invalid_auth_key, c.what + ": no " + (c.web ? "web auth key" : "auth key") + " is configured");
  using clock = std::chrono::steady_clock;
  const clock::time_point op_deadline = clock::now() + opts_.operation_timeout;

  for (int attempt = 1;; ++attempt) {
    int status = 0;
    std::optional<std::chrono::milliseconds> retry_after;
    failure_stage stage = failure_stage::after_write;
    std::exception_ptr failure;

    http::request_options ro;
    ro.deadline = std::min(clock::now() + opts_.request_timeout, op_deadline);
    ro.sensitive_headers = {"x-sofy-auth-key", "x-sofy-web-auth-key"};
    ro.body_file = c.file;
    try {
      http::request req = make_request(c);
      auto op = http_.request(base_.origin, std::move(req), std::move(ro));
      http::response res = co_await std::move(op);
      if (res.status >= 200 && res.status < 300) co_return res;
      status = res.status;
      if (auto ra = res.headers.get("Retry-After"))
        retry_after = parse_retry_after(*ra, std::chrono::system_clock::now());
      failure = std::make_exception_ptr(
          decode_error_body(res.status, res.reason, res.body, opts_.auth_key).with_context(c.what));
    } catch (const http::exchange_error& e) {
      if (e.code() == asio::error::operation_aborted) throw detail::cancelled(c.what);
      stage = e.request_sent() ? failure_stage::after_write : failure_stage::before_write;
      if (detail::is_permanent_transport_error(e.code())) throw error(e.code(), c.what + ": " + e.what());
      failure = std::make_exception_ptr(error(e.code(), c.what + ": " + e.what()));
    } catch (const std::system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw detail::cancelled(c.what);
      // Failures outside an exchange (a malformed proxy URL, a TLS context that cannot be
      // built) happen before anything is sent.
      stage = failure_stage::before_write;
      if (detail::is_permanent_transport_error(e.code())) throw error(e.code(), c.what + ": " + e.what());
      failure = std::make_exception_ptr(error(e.code(), c.what + ": " + e.what()));
    }

    const double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    const retry_decision d = decide(opts_.retry, attempt, c.kind, stage, status, retry_after, jitter);
    if (!d.retry || clock::now() + d.delay >= op_deadline) std::rethrow_exception(failure);
    try {
      co_await detail::sleep_for(d.delay);
    } catch (const std::system_error&) {
      throw detail::cancelled(c.what);
    }
  }
}

SOFY_DECL asio::awaitable<trigger_result> client::trigger(std::string schedule_guid, std::optional<app_hash> build) {
  detail::require_guid("schedule id", schedule_guid);
  if (build) detail::require_nonempty("app hash", build->value);
  const std::string what = "trigger of schedule " + schedule_guid;

  // When the answer names no run group, the new one is the group that was not there before
  // the trigger. The snapshot is best effort: without it, a time window is used instead.
  std::optional<std::set<std::string>> before;
  try {
    auto listing = run_groups(schedule_guid);
    std::vector<run_group> groups = co_await std::move(listing);
    before.emplace();
    for (const run_group& g : groups) before->insert(g.id);
  } catch (const error& e) {
    if (e.code() == errc::cancelled || e.code() == errc::invalid_auth_key) throw;
  }
  const auto sent_at = std::chrono::system_clock::now();

  call c;
  c.what = what;
  c.method = "POST";
  c.kind = request_kind::non_idempotent;
  if (build) {
    c.target = http::make_target(base_.path, {"scheduler-microservice", "scheduled-runs", schedule_guid, "execute"},
                                 {{"appHash", build->value}});
  } else {
    c.target = http::make_target(base_.path, {"scheduler-microservice", "scheduled-runs", schedule_guid, "execute"});
  }
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  trigger_result r = decode_trigger(res.body);
  if (r.group_id) co_return r;

  // Allow for the service's clock running behind ours.
  const auto earliest = sent_at - std::chrono::minutes(1);
  for (int i = 1; i <= 5; ++i) {
    auto listing = run_groups(schedule_guid);
    std::vector<run_group> groups = co_await std::move(listing);
    const run_group* best = nullptr;
    for (const run_group& g : groups) {
      if (before) {
        if (before->contains(g.id)) continue;
      } else {
        auto t = parse_timestamp(g.executed_at);
        if (!t || *t < std::chrono::time_point_cast<std::chrono::milliseconds>(earliest)) continue;
      }
      if (!best || newer(g, *best)) best = &g;
    }
    if (best) {
      r.group_id = best->id;
      co_return r;
    }
    try {
      co_await detail::sleep_for(std::chrono::seconds(i));
    } catch (const std::system_error&) {
      throw detail::cancelled(what);
    }
  }
  throw error(errc::not_found, what + ": the service accepted the trigger but named no run group, and no new group "
                                      "appeared in the run-group list");
}

SOFY_DECL asio::awaitable<trigger_result> client::trigger_web(std::string web_schedule_id) {
  if (!detail::is_web_schedule_id(web_schedule_id))
    throw error(errc::invalid_argument, "web schedule id '" + web_schedule_id + "' is not 24 hex digits");
  call c;
  c.what = "trigger of web schedule " + web_schedule_id;
  c.method = "POST";
  c.kind = request_kind::non_idempotent;
  c.web = true;
  c.target =
      http::make_target(base_.path, {"webagent-service", "public", "scheduled-runs", web_schedule_id, "execute"});
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  co_return decode_trigger(res.body);
}

SOFY_DECL asio::awaitable<group_status> client::status(std::string schedule_guid, std::string group_id) {
  return status(std::move(schedule_guid), std::move(group_id), group_status{});
}

SOFY_DECL asio::awaitable<group_status> client::status(std::string schedule_guid, std::string group_id,
                                                       group_status reuse) {
  detail::require_guid("schedule id", schedule_guid);
  detail::require_nonempty("run group id", group_id);
  call c;
  c.what = "status of group " + group_id + " of schedule " + schedule_guid;
  c.method = "GET";
  c.target = http::make_target(base_.path,
                               {"scheduler-microservice", "scheduled-runs", schedule_guid, "status", group_id});
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  decode_status(res.body, reuse);
  if (reuse.group_id.empty()) reuse.group_id = std::move(group_id);
  co_return std::move(reuse);
}

SOFY_DECL asio::awaitable<group_status> client::latest_status(std::string schedule_guid) {
  auto op = run_groups(schedule_guid);
  std::vector<run_group> groups = co_await std::move(op);
  if (groups.empty()) throw error(errc::not_found, "schedule " + schedule_guid + " has no run groups yet");
  std::string id = groups.front().id;  // newest first
  auto latest = status(std::move(schedule_guid), std::move(id));
  co_return co_await std::move(latest);
}

SOFY_DECL asio::awaitable<std::vector<run_group>> client::run_groups(std::string schedule_guid) {
  detail::require_guid("schedule id", schedule_guid);
  call c;
  c.what = "run groups of schedule " + schedule_guid;
  c.method = "GET";
  c.target =
      http::make_target(base_.path, {"scheduler-microservice", "scheduled-runs", schedule_guid, "test-run-groups"});
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  co_return decode_run_groups(res.body);
}

SOFY_DECL asio::awaitable<std::string> client::abort(std::string schedule_guid, std::optional<std::string> group_id) {
  detail::require_guid("schedule id", schedule_guid);
  call c;
  c.method = "PUT";  // repeating an abort is harmless: idempotent
  if (group_id) {
    detail::require_nonempty("run group id", *group_id);
    c.what = "abort of group " + *group_id + " of schedule " + schedule_guid;
    c.target = http::make_target(base_.path, {"scheduler-microservice", "public", "test-run", "abort", schedule_guid},
                                 {{"testRunGroupId", *group_id}});
  } else {
    c.what = "abort of schedule " + schedule_guid;
    c.target = http::make_target(base_.path, {"scheduler-microservice", "public", "test-run", "abort", schedule_guid});
  }
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  co_return decode_message(res.body);
}

SOFY_DECL asio::awaitable<upload_result> client::upload_build(upload_options opts) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(opts.file, ec))
    throw error(errc::invalid_argument, "upload: '" + opts.file.string() + "' is not a readable file");
  std::vector<std::pair<std::string, std::string>> fields;
  if (!opts.app_guid.empty()) fields.emplace_back("ApplicationGUID", opts.app_guid);
  if (!opts.certificate.empty()) fields.emplace_back("CertificateName", opts.certificate);
  detail::multipart_frame frame = detail::make_multipart("sofy-" + detail::random_token(rng_, 32), fields,
                                                         "applicationFile", opts.file.filename().string());
  http::file_body body{opts.file, std::move(frame.prefix), std::move(frame.suffix), std::move(opts.on_progress)};

  call c;
  c.what = "upload of " + opts.file.filename().string();
  c.method = "POST";
  c.kind = request_kind::non_idempotent;
  c.content_type = frame.content_type();
  c.file = &body;  // lives in this frame until send() completes
  if (opts.name.empty()) {
    c.target = http::make_target(base_.path, {"parser-microservice", "build-upload"});
  } else {
    c.target = http::make_target(base_.path, {"parser-microservice", "build-upload"},
                                 {{"userFriendlyBuildName", opts.name}});
  }
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  co_return decode_upload(res.body);
}

SOFY_DECL asio::awaitable<std::vector<application>> client::applications() {
  call c;
  c.what = "list of applications";
  c.method = "GET";
  c.target = http::make_target(base_.path, {"application-microservice", "public", "applications"});
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  co_return decode_applications(res.body);
}

SOFY_DECL asio::awaitable<std::vector<device>> client::devices(platform p) {
  const std::string_view name = p == platform::ios ? "IOS" : "ANDROID";
  call c;
  c.what = "list of " + std::string(name) + " devices";
  c.method = "GET";
  c.target = http::make_target(base_.path, {"device-microservice", "public", "devices", name});
  auto op = send(std::move(c));
  http::response res = co_await std::move(op);
  co_return decode_devices(res.body);
}

SOFY_DECL asio::awaitable<group_status> client::wait(std::string schedule_guid, std::string group_id,
                                                     wait_options opts) {
  using clock = std::chrono::steady_clock;
  const clock::time_point deadline = clock::now() + opts.timeout;
  std::optional<group_status> last;
  group_status spare;
  for (;;) {
    // Decoded into the result from two polls ago, so that steady polling reuses its storage.
    auto op = status(schedule_guid, group_id, std::move(spare));
    group_status s = co_await std::move(op);
    if (opts.on_change && (!last || detail::status_changed(*last, s))) opts.on_change(s);
    if (s.finished()) co_return s;
    const clock::time_point now = clock::now();
    if (now >= deadline) {
      const status_counts n = s.counts();
      throw error(errc::timeout, "waiting for group " + group_id + " of schedule " + schedule_guid +
                                     ": not finished after " + std::to_string(opts.timeout.count()) + " ms (" +
                                     std::to_string(n.total - n.queued - n.running - n.unknown) + " of " +
                                     std::to_string(n.total) + " tests finished)");
    }
    if (last) spare = std::move(*last);
    last = std::move(s);
    const auto pause = std::min<clock::duration>(opts.poll_interval, deadline - now);
    try {
      co_await detail::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(pause));
    } catch (const std::system_error&) {
      throw detail::cancelled("waiting for group " + group_id + " of schedule " + schedule_guid);
    }
  }
}

}  // namespace sofy
