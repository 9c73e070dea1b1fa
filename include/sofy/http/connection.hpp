// One HTTP/1.1 connection over TCP or TLS, with a timeout on every step.
//
//   sofy::http::connection c{ex, &tls_ctx, {.read = 5s}};
//   co_await c.connect(origin);                 // resolve, connect, (CONNECT tunnel), TLS handshake
//   co_await c.write(req);                      // head and body
//   sofy::http::response res = co_await c.read();
//   if (c.reusable()) { /* send the next request on it */ }
//
// - connect: resolves the host (IP literals skip the resolver), tries each address in turn, sets
//   TCP_NODELAY. With a proxy: for https origins a CONNECT tunnel (Proxy-Authorization from the
//   proxy URL's credentials; a non-2xx answer is error::proxy_connect_failed) and TLS through it;
//   for http origins requests go to the proxy in absolute form. For https origins the TLS
//   handshake verifies the peer (see tls.hpp); a verification failure is error::tls_verify_failed.
// - Timeouts: connect (resolve and connect) and handshake bound the whole step; write and read
//   bound the silence between bytes, so a slow 200 MB upload is fine while a stalled one is not.
//   They fail with error::connect_timeout, handshake_timeout, write_timeout, read_timeout, or
//   error::deadline_exceeded once the deadline given to set_deadline() passes.
// - Cancellation: through the awaiting coroutine's cancellation slot (e.g. co_spawn with
//   asio::bind_cancellation_slot); a cancelled step throws asio::error::operation_aborted at once.
// - Errors are std::system_error whose what() names the step and the peer's host:port (never
//   header values). After any error the connection is closed and must be dropped.
// - A TLS stream cut without close_notify is error::truncated_tls_stream while a message is
//   incomplete; after a complete message nothing is read, so it is harmless. A peer that closes
//   before any response byte gives error::connection_closed (see response_started()).
// - One request at a time. The read buffer is allocated once per connection and reused. One
//   timer per connection watches every step: it is armed once per request (not per step or
//   per read) and cancelled when the response is read, so an idle connection holds no work.
//
// Threading: use from one thread, or pass a strand as the executor. The connection must stay
// alive (and not be moved) while an operation is in progress; the request and the file_body
// given to write() must stay alive until it completes.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/error.hpp>
#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>
#include <sofy/http/proxy.hpp>
#include <sofy/http/url.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sofy::http {

struct timeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(10)};    // resolve + TCP connect (+ CONNECT)
  std::chrono::milliseconds handshake{std::chrono::seconds(10)};  // TLS handshake
  std::chrono::milliseconds write{std::chrono::seconds(30)};      // longest stall while sending
  std::chrono::milliseconds read{std::chrono::seconds(30)};       // longest stall while receiving
};

// A request body streamed from a file: prefix, then the file, then suffix (a multipart upload
// puts its part headers in prefix and the closing boundary in suffix). The file is read in
// 64 KiB chunks, never whole; its size is taken up front for Content-Length.
struct file_body {
  std::filesystem::path path;
  std::string prefix;
  std::string suffix;
  // Called after each chunk is sent, with body bytes sent so far and the total (size()).
  std::function<void(std::uint64_t sent, std::uint64_t total)> on_progress;

  // prefix + file + suffix in bytes. Throws std::system_error naming the file.
  SOFY_DECL std::uint64_t size() const;
};

namespace detail {
struct connection_state;
}

class connection {
 public:
  using executor_type = asio::any_io_executor;
  using clock = std::chrono::steady_clock;

  // `tls` is needed for https origins (may be null otherwise) and must outlive the connection.
  SOFY_DECL connection(executor_type ex, asio::ssl::context* tls, timeouts t = {}, parser_limits limits = {});
  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;
  SOFY_DECL ~connection();

  SOFY_DECL executor_type get_executor() const noexcept;

  // Connects to `peer`, directly or through `proxy`, and does the TLS handshake for https.
  // Call once per connection.
  SOFY_DECL asio::awaitable<void> connect(origin peer, std::optional<proxy_target> proxy = std::nullopt);

  // Sends a request: its head and either req.body or, when `body` is given, the file body
  // (Content-Length is then set to body->size(); req.body must be empty). Bad header values
  // throw error::bad_header_value before anything is sent.
  SOFY_DECL asio::awaitable<void> write(const request& req, const file_body* body = nullptr);

  // Reads one response (interim 1xx responses are skipped). `head_request`: it answers HEAD.
  SOFY_DECL asio::awaitable<response> read(bool head_request = false);

  // Every later step fails with error::deadline_exceeded once `t` passes; nullopt: none.
  SOFY_DECL void set_deadline(std::optional<clock::time_point> t) noexcept;

  SOFY_DECL bool is_open() const noexcept;
  // After read(): the response allows another request on this connection.
  SOFY_DECL bool reusable() const noexcept;
  // Whether any byte of a response to the last request arrived; false after a failure means
  // the server sent nothing (so an idempotent request may be retried elsewhere).
  SOFY_DECL bool response_started() const noexcept;
  // Bytes of the last request handed to the socket (0: the request surely did not leave).
  SOFY_DECL std::uint64_t request_bytes_written() const noexcept;
  // For an idle connection: the peer closed it or sent something unasked (one non-blocking
  // peek, no waiting). A stale connection must not be reused.
  SOFY_DECL bool is_stale() const noexcept;
  // Responses read on this connection.
  SOFY_DECL std::uint64_t responses_read() const noexcept;
  SOFY_DECL const origin& peer() const noexcept;

  // Closes the socket and cancels the timer. No TLS close_notify is sent (an idle HTTP
  // connection needs none), so this never waits.
  SOFY_DECL void close() noexcept;

 private:
  std::shared_ptr<detail::connection_state> s_;
};

}  // namespace sofy::http

#if SOFY_HEADER_ONLY
#include <sofy/http/impl/connection.ipp>
#endif
