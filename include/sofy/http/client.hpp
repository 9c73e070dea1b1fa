// An HTTP/1.1 client over TCP and TLS with a keep-alive pool per origin.
//
//   sofy::http::client http{io.get_executor(), {.tls = {.ca_file = "ca.pem"}}};
//   auto base = sofy::http::parse_base_url("https://public.sofy.ai");
//   sofy::http::request req;
//   req.target = sofy::http::make_target(base.path, {"scheduler-microservice", "scheduled-runs", guid,
//                                                    "test-run-groups"});
//   req.headers.set("x-sofy-auth-key", key);
//   sofy::http::response res = co_await http.request(base.origin, std::move(req));
//
// - Host is set from the origin unless the request has one. One request at a time per
//   connection; connections are reused while both sides allow it (`Connection: close` in the
//   request or the response, HTTP/1.0 without keep-alive, or a body read until close end it).
// - Pool: at most max_idle_per_origin idle connections per origin (the oldest is closed
//   first); an idle connection older than idle_timeout, closed by the peer, or holding
//   unasked bytes is never reused.
// - Retry: a request sent on a pooled connection that fails before any response byte arrived
//   (the server had closed it: connection closed, reset, broken pipe) is sent once more on a
//   fresh connection, for GET, HEAD, PUT, DELETE, OPTIONS and TRACE only; never for POST or
//   PATCH, never after a timeout, a cancellation or the deadline.
// - Redirects are returned as they are unless request_options::max_redirects > 0. When followed,
//   303 (and 301/302 after POST) become GET without a body; 307/308 keep method and body. On a
//   redirect to another origin (host, port or scheme), Authorization, Cookie and every header
//   named in sensitive_headers are dropped. More than max_redirects is error::too_many_redirects.
// - Proxies: client_options::proxy, else (with use_env_proxy) the environment as read once at
//   construction; see proxy.hpp.
// - Errors: exchange_error (a std::system_error) with a sofy::http::error (or an Asio/system error for socket
//   failures); what() names the step and host:port, never header values. Cancellation through
//   the awaiting coroutine's cancellation slot: asio::error::operation_aborted.
//
// Threading: one thread or a strand, as for Asio objects. The client must outlive its requests.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/connection.hpp>
#include <sofy/http/error.hpp>
#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>
#include <sofy/http/proxy.hpp>
#include <sofy/http/tls.hpp>
#include <sofy/http/url.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace sofy::http {

struct client_options {
  tls_options tls{};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};  // longest stall while sending
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};   // longest stall while receiving
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};   // pooled connections older are closed
  std::size_t max_idle_per_origin = 4;
  parser_limits limits{};
  bool use_env_proxy = true;        // read https_proxy, http_proxy, no_proxy at construction
  std::optional<proxy_env> proxy{};  // explicit proxy settings; when set the environment is ignored
};

struct request_options {
  // The whole request, redirects and the retry included, fails with error::deadline_exceeded
  // once this passes.
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  int max_redirects = 0;  // 0: a redirect is returned as the response
  // Dropped, with Authorization and Cookie, when a redirect leaves the origin ("x-sofy-auth-key").
  std::vector<std::string> sensitive_headers{};
  // A body streamed from a file (request.body must then be empty); must outlive the request.
  const file_body* body_file = nullptr;
};

// What request() throws for a failed exchange (connect, write, read): the transport error
// and how far the request got, so a caller can tell whether a non-idempotent request may
// have reached the server. A failure before any byte was written is safe to repeat.
class exchange_error : public std::system_error {
 public:
  exchange_error(std::error_code ec, std::string what_arg, bool request_sent, bool response_started)
      : std::system_error(ec),
        what_(std::make_shared<const std::string>(std::move(what_arg))),
        request_sent_(request_sent),
        response_started_(response_started) {}

  const char* what() const noexcept override { return what_->c_str(); }
  // Whether any byte of the request was handed to the socket.
  bool request_sent() const noexcept { return request_sent_; }
  // Whether any byte of a response arrived.
  bool response_started() const noexcept { return response_started_; }

 private:
  std::shared_ptr<const std::string> what_;  // shared, so copying never throws
  bool request_sent_;
  bool response_started_;
};

struct client_stats {
  std::uint64_t requests = 0;            // exchanges sent, retries and redirects included
  std::uint64_t connections_opened = 0;  // connects that succeeded
  std::uint64_t reused = 0;              // exchanges sent on a pooled connection
  std::uint64_t retries = 0;             // retries on a fresh connection after a stale one
};

class client {
 public:
  using executor_type = asio::any_io_executor;

  SOFY_DECL explicit client(executor_type ex, client_options opts = {});
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  SOFY_DECL ~client();

  executor_type get_executor() const noexcept { return executor_; }
  const client_options& options() const noexcept { return opts_; }

  // Sends `req` to `o` and reads the response (following redirects when asked).
  SOFY_DECL asio::awaitable<response> request(origin o, http::request req, request_options opts = {});

  // The same with any completion token; the handler receives (std::exception_ptr, response).
  template <class CompletionToken>
  auto async_request(origin o, http::request req, request_options opts, CompletionToken&& token);

  // Idle pooled connections, over every origin.
  SOFY_DECL std::size_t idle_connections() const noexcept;
  // Closes every idle pooled connection.
  SOFY_DECL void close_idle() noexcept;
  client_stats stats() const noexcept { return stats_; }

 private:
  struct idle_connection {
    connection conn;
    std::chrono::steady_clock::time_point since;
  };
  struct origin_pool {
    http::origin origin;
    std::optional<proxy_target> proxy;
    std::vector<idle_connection> idle;  // oldest first
  };

  SOFY_DECL origin_pool& pool_for(const origin& o);
  SOFY_DECL std::optional<connection> take_idle(origin_pool& p);
  SOFY_DECL void put_idle(origin_pool& p, connection c);
  SOFY_DECL void prune_idle(std::chrono::steady_clock::time_point now) noexcept;
  SOFY_DECL asio::ssl::context* tls_context();
  SOFY_DECL asio::awaitable<response> exchange(origin* o, http::request* req, const request_options* opts);

  executor_type executor_;
  client_options opts_;
  proxy_env proxy_env_;
  std::optional<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<origin_pool>> pools_;  // stable addresses across suspensions
  client_stats stats_;
};

}  // namespace sofy::http

#include <sofy/http/impl/client.hpp>
#if SOFY_HEADER_ONLY
#include <sofy/http/impl/client.ipp>
#endif
