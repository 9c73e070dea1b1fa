// A minimal HTTP/1.1 server on Asio, for sofy-sim and the notifier's /metrics.
//
//   sofy::http::server srv{io.get_executor(), {asio::ip::make_address("127.0.0.1"), 0},
//       [](sofy::http::request req, const sofy::http::connection_info&)
//           -> asio::awaitable<sofy::http::reply> {
//         sofy::http::response res;
//         res.status = 200;
//         res.body = "ok\n";
//         co_return res;
//       }};
//   std::cout << srv.local_endpoint().port() << "\n";
//   io.run();
//
// - One coroutine per connection, one request at a time, answered in order (pipelined requests
//   wait in the read buffer until the previous answer is written).
// - Keep-alive per HTTP/1.0 and 1.1 rules; `Date` and `Content-Length` are set on every answer.
// - Malformed requests get 400 (431 for an oversized head, 413 for an oversized body) and the
//   connection is closed. Handler exceptions become a 500 and are logged; they never escape.
// - A connection that is slow to send its request head (header_timeout) or idle between requests
//   (idle_timeout) is closed. At max_connections the server stops accepting; further clients wait
//   in the kernel's listen backlog until a connection ends.
// - `Expect: 100-continue` is answered before the body is read.
//
// Fault injection: the handler returns a `reply` (a response plus directives) so a simulator can
// delay, stall, cut a body short, send it chunked, or send arbitrary bytes.
//
// Threading: everything runs on the executor given to the constructor. Use a single-threaded
// io_context or a strand. `stop()` may be called from any thread.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sofy::http {

// Who is asking, so a handler can count connection reuse and script faults per connection.
struct connection_info {
  asio::ip::tcp::endpoint remote;
  std::uint64_t id = 0;             // 1, 2, 3... in accept order, unique per server
  std::uint64_t request_index = 0;  // 0 for the first request on the connection, then 1, 2...
  bool tls = false;
};

// What to do once `reply::cut_after` body bytes have been sent.
enum class cut_action {
  close,  // close the TCP connection (FIN) without a TLS close_notify
  reset,  // abort the TCP connection (RST)
  stall,  // send nothing more and keep the connection open until the client leaves
};

// A response plus fault directives. Built implicitly from a response, so a handler may
// `co_return res;`. Directives apply in this order: delay, then stall or raw or the response.
struct reply {
  reply() = default;
  reply(response r) : res(std::move(r)) {}  // NOLINT: implicit on purpose

  response res;

  // Wait this long before sending anything.
  std::chrono::milliseconds delay{0};

  // Never answer. The connection stays open (its input is read and discarded) until the
  // client closes it or the server stops.
  bool stall = false;

  // Send the body with `Transfer-Encoding: chunked` (no Content-Length), in chunks of
  // `chunk_size` bytes (0: the whole body as one chunk).
  bool chunked = false;
  std::size_t chunk_size = 0;

  // Send the head (with the full Content-Length) and only this many body bytes, then `cut`.
  // With `raw`, counts bytes of `raw` instead.
  std::optional<std::size_t> cut_after;
  cut_action cut = cut_action::close;

  // Send these bytes verbatim instead of serializing `res`, then close the connection (the
  // server cannot know where the client thinks the answer ends).
  std::optional<std::string> raw;

  // Close the connection after this answer (`Connection: close` is added).
  bool close = false;

  static reply stalled() {
    reply r;
    r.stall = true;
    return r;
  }
  static reply raw_bytes(std::string bytes) {
    reply r;
    r.raw = std::move(bytes);
    return r;
  }
};

enum class log_level { debug, info, warn, error };

struct server_options {
  parser_limits limits{};
  // A request head must be complete this long after its first byte. On a new connection the
  // time counts from the accept and includes the TLS handshake (a client that connects and
  // sends nothing is closed after it too).
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // A kept-alive connection with no new request for this long is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Longest silence allowed while a request body is arriving.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // Longest time a write may make no progress (a client that does not read).
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // After the last answer on a connection: how long to wait for the client's close (and TLS
  // close_notify) so that unread input does not turn the close into a reset.
  std::chrono::milliseconds linger_timeout{std::chrono::seconds(2)};
  std::size_t max_connections = 1024;
  // Handler exceptions (error), I/O failures (warn), malformed or slow clients (debug).
  // Messages name the connection, method and target; never headers or bodies.
  std::function<void(log_level, std::string_view)> logger{};
};

// Take the request by value: the handler is a coroutine and may outlive the caller's argument.
// `info` stays valid until the returned awaitable completes. After stop(), a handler that is
// suspended resumes once more (cancelled) on the executor: what it uses must still be alive
// then, or the io_context must be destroyed first.
using request_handler = std::function<asio::awaitable<reply>(request, const connection_info&)>;

namespace detail {
class server_impl;
}

class server {
 public:
  // Binds and listens at once (port 0 picks a free port; see local_endpoint()), then accepts
  // when the executor runs. Throws std::system_error naming the endpoint if it cannot listen.
  SOFY_DECL server(asio::any_io_executor ex, const asio::ip::tcp::endpoint& listen,
                   request_handler handler, server_options options = {});

  // The same over TLS. `tls` must be a server-mode context with a certificate and key, and must
  // outlive the server and its connections.
  SOFY_DECL server(asio::any_io_executor ex, const asio::ip::tcp::endpoint& listen,
                   asio::ssl::context& tls, request_handler handler, server_options options = {});

  // Stops (see stop()). Running connections end on their own executor afterwards.
  SOFY_DECL ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // The bound address, with the real port when 0 was asked for.
  SOFY_DECL asio::ip::tcp::endpoint local_endpoint() const;

  // Closes the listening socket and every connection, aborting requests in progress
  // (a handler suspended on an Asio operation gets it cancelled). Idempotent, any thread.
  SOFY_DECL void stop();

  // Open connections, and connections accepted since the start.
  SOFY_DECL std::size_t active_connections() const noexcept;
  SOFY_DECL std::uint64_t accepted_connections() const noexcept;

 private:
  std::shared_ptr<detail::server_impl> impl_;
};

}  // namespace sofy::http

#include <sofy/http/impl/server.hpp>
#if SOFY_HEADER_ONLY
#include <sofy/http/impl/server.ipp>
#endif
