// sofy::client: the Sofy scheduler API as coroutines.
//
//   asio::io_context io;
//   sofy::client c{io.get_executor(), {.auth_key = std::getenv("SOFY_AUTH_KEY")}};
//   asio::co_spawn(io, [&]() -> asio::awaitable<void> {
//     auto run = co_await c.trigger(schedule_guid, sofy::app_hash{"..."});
//     auto final = co_await c.wait(schedule_guid, *run.group_id, {.poll_interval = 15s, .timeout = 2h});
//     for (auto& t : final.tests) std::cout << t.scenario << " " << t.device << " " << to_string(t.status) << "\n";
//   }, asio::detached);
//   io.run();
//
// Every operation is an asio::awaitable<T>, and has an async_ form taking any completion
// token (a callback, asio::use_future, asio::use_awaitable, asio::deferred); its handler
// receives (std::exception_ptr, T), as with asio::co_spawn.
//
// - Errors: sofy::error (error.hpp). An HTTP error carries the status and the API's message,
//   details and timestamp; transport errors keep their sofy::http::error or Asio code. The
//   auth key is checked to be a GUID before any request and never appears in an error.
// - Retries (retry.hpp): GET and the abort PUT after transport failures, 408, 429 and 5xx;
//   the POSTs (execute, build upload) only when the request provably did not reach the
//   service (it failed before its first byte was written) or after 429/503. Retry-After is
//   honoured, capped. Each attempt is bounded by request_timeout; all attempts and the waits
//   between them by operation_timeout.
// - Cancellation: through the awaiting coroutine's cancellation slot (asio::co_spawn with
//   asio::bind_cancellation_slot, or a parallel_group); it throws errc::cancelled.
// - Connections: one keep-alive pool (http::client) per sofy::client; TLS verifies the peer
//   against the system store (SSL_CERT_FILE/SSL_CERT_DIR) or http.tls.ca_file.
//
// Threading: one thread or a strand, as for Asio I/O objects. The client must outlive its
// operations.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/error.hpp>
#include <sofy/model.hpp>
#include <sofy/retry.hpp>
#include <sofy/http/client.hpp>
#include <sofy/http/url.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace sofy {

// A build to run, as App Manager's "Copy Build ID" gives it (or upload_build returns).
struct app_hash {
  std::string value{};
};

enum class platform { android, ios };

struct client_options {
  std::string auth_key{};  // x-sofy-auth-key: a GUID (Account > Account Settings > API Key)
  std::string base_url = "https://public.sofy.ai";
  std::string web_auth_key{};  // x-sofy-web-auth-key, for trigger_web only
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};     // one attempt
  std::chrono::milliseconds operation_timeout{std::chrono::minutes(5)};    // every attempt and wait
  retry_policy retry{};
  http::client_options http{};  // TLS (ca_file, ca_dir), pool, per-step timeouts, proxy
  std::string user_agent = "sofy-cpp";
};

struct wait_options {
  std::chrono::milliseconds poll_interval{std::chrono::seconds(15)};
  std::chrono::milliseconds timeout{std::chrono::hours(2)};  // then errc::timeout
  // Called after the first poll and after every poll in which a test's status changed,
  // so callers can show progress. Exceptions thrown here end the wait.
  std::function<void(const group_status&)> on_change{};
};

struct upload_options {
  std::filesystem::path file{};  // an APK or IPA, streamed: never read into memory whole
  std::string app_guid{};      // ApplicationGUID: add the build to this application
  std::string name{};          // userFriendlyBuildName
  std::string certificate{};   // CertificateName (iOS)
  // Body bytes sent so far and the total, after each chunk.
  std::function<void(std::uint64_t sent, std::uint64_t total)> on_progress{};
};

class client {
 public:
  using executor_type = asio::any_io_executor;

  // Throws sofy::error: errc::invalid_auth_key when auth_key is not a GUID (without
  // repeating it), http::error::bad_url for a malformed base_url.
  SOFY_DECL client(executor_type ex, client_options opts);
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  executor_type get_executor() const noexcept { return http_.get_executor(); }
  const client_options& options() const noexcept { return opts_; }
  http::client_stats http_stats() const noexcept { return http_.stats(); }

  // POST .../scheduled-runs/{guid}/execute[?appHash=]: starts a run of the schedule, of the
  // given build or else the latest one. The result always has group_id: when the answer
  // names none, the run is the newest group in the run-group list that was not there just
  // before the trigger (the list is read first; if that read fails, the newest group executed
  // since the trigger, allowing a minute of clock skew); errc::not_found if none appears.
  SOFY_DECL asio::awaitable<trigger_result> trigger(std::string schedule_guid, std::optional<app_hash> build = {});

  // POST /webagent-service/public/scheduled-runs/{id}/execute with x-sofy-web-auth-key,
  // for web-app schedules (24 hex digits). group_id only when the answer names it.
  SOFY_DECL asio::awaitable<trigger_result> trigger_web(std::string web_schedule_id);

  // GET .../scheduled-runs/{guid}/status/{group}. group_id is always set.
  SOFY_DECL asio::awaitable<group_status> status(std::string schedule_guid, std::string group_id);

  // The same, decoded into `reuse` (typically the previous poll's result, moved in), which
  // is returned: its strings and test vector keep their capacity, so polling a group whose
  // answer keeps its shape allocates nothing for the result. The returned value is the
  // same as status(schedule_guid, group_id) would return.
  SOFY_DECL asio::awaitable<group_status> status(std::string schedule_guid, std::string group_id,
                                                 group_status reuse);

  // The status of the schedule's latest run group (through run_groups);
  // errc::not_found when the schedule has never run.
  SOFY_DECL asio::awaitable<group_status> latest_status(std::string schedule_guid);

  // GET .../scheduled-runs/{guid}/test-run-groups, newest first.
  SOFY_DECL asio::awaitable<std::vector<run_group>> run_groups(std::string schedule_guid);

  // PUT .../public/test-run/abort/{guid}[?testRunGroupId=]: stops one group, or every
  // active run of the schedule. Returns the service's message.
  SOFY_DECL asio::awaitable<std::string> abort(std::string schedule_guid, std::optional<std::string> group_id = {});

  // POST /parser-microservice/build-upload (multipart, streamed from the file).
  SOFY_DECL asio::awaitable<upload_result> upload_build(upload_options opts);

  // GET /application-microservice/public/applications.
  SOFY_DECL asio::awaitable<std::vector<application>> applications();

  // GET /device-microservice/public/devices/{ANDROID,IOS}.
  SOFY_DECL asio::awaitable<std::vector<device>> devices(platform p);

  // Polls status() every poll_interval until every test is terminal and returns that
  // status; errc::timeout after `timeout`. A failing poll (after the retry policy) ends
  // the wait with its error.
  SOFY_DECL asio::awaitable<group_status> wait(std::string schedule_guid, std::string group_id, wait_options opts = {});

  // The same operations with any completion token: handler(std::exception_ptr, T).
  template <class Token>
  auto async_trigger(std::string schedule_guid, std::optional<app_hash> build, Token&& token);
  template <class Token>
  auto async_trigger_web(std::string web_schedule_id, Token&& token);
  template <class Token>
  auto async_status(std::string schedule_guid, std::string group_id, Token&& token);
  template <class Token>
  auto async_status(std::string schedule_guid, std::string group_id, group_status reuse, Token&& token);
  template <class Token>
  auto async_latest_status(std::string schedule_guid, Token&& token);
  template <class Token>
  auto async_run_groups(std::string schedule_guid, Token&& token);
  template <class Token>
  auto async_abort(std::string schedule_guid, std::optional<std::string> group_id, Token&& token);
  template <class Token>
  auto async_upload_build(upload_options opts, Token&& token);
  template <class Token>
  auto async_applications(Token&& token);
  template <class Token>
  auto async_devices(platform p, Token&& token);
  template <class Token>
  auto async_wait(std::string schedule_guid, std::string group_id, wait_options opts, Token&& token);

 private:
  struct call;  // one API call: route, method, retry kind, body

  SOFY_DECL asio::awaitable<http::response> send(call c);
  SOFY_DECL http::request make_request(const call& c) const;

  client_options opts_;
  http::base_url base_;
  http::client http_;
  std::minstd_rand rng_;
};

}  // namespace sofy

#include <sofy/impl/client.hpp>
#if SOFY_HEADER_ONLY
#include <sofy/impl/client.ipp>
#endif
