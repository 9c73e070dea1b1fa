// Internals of sofy::http::server: the shared state behind a server and the pieces of a
// connection that do not depend on the stream type.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sofy::http::detail {

using server_clock = std::chrono::steady_clock;

// Completion token for every server operation: errors come back as values, because a client
// going away is routine and exceptions would make it expensive.
inline constexpr auto server_use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// Bytes read from a socket at once; a pipelined request waits here for its turn.
inline constexpr std::size_t server_read_buffer_size = 16 * 1024;
// Bodies up to this size are written together with the head (one TLS record, one syscall).
inline constexpr std::size_t server_coalesce_limit = 16 * 1024;
// Larger writes are split so that write_timeout bounds silence, not the whole transfer.
inline constexpr std::size_t server_write_slice = 64 * 1024;

// What stop() needs from a connection of either stream type.
class server_connection_base {
 public:
  explicit server_connection_base(connection_info i) : info(std::move(i)) {}
  virtual ~server_connection_base() = default;
  server_connection_base(const server_connection_base&) = delete;
  server_connection_base& operator=(const server_connection_base&) = delete;

  // Closes the socket and cancels whatever the connection (or its handler) waits for.
  virtual void abort() noexcept = 0;

  connection_info info;
  asio::cancellation_signal cancel;  // bound to the connection's coroutine
  bool running = true;               // false once the coroutine body has returned
};

class server_impl : public std::enable_shared_from_this<server_impl> {
 public:
  SOFY_DECL server_impl(asio::any_io_executor ex, const asio::ip::tcp::endpoint& listen,
                        asio::ssl::context* tls, request_handler handler, server_options options);

  SOFY_DECL void start();
  SOFY_DECL void stop();  // on the executor
  SOFY_DECL void accepted(asio::ip::tcp::socket socket);
  SOFY_DECL void connection_done(std::uint64_t id, std::exception_ptr e);

  bool logs() const noexcept { return static_cast<bool>(options.logger); }
  SOFY_DECL void log(log_level level, std::string_view message) const noexcept;

  // The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted once a second.
  SOFY_DECL std::string_view date();

  asio::any_io_executor ex;
  asio::ip::tcp::acceptor acceptor;
  asio::ip::tcp::endpoint local;
  asio::ssl::context* tls;
  request_handler handler;
  server_options options;
  asio::steady_timer slot_timer;  // the accept loop waits here at max_connections
  std::unordered_map<std::uint64_t, server_connection_base*> connections;
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> accepted_total{0};
  std::uint64_t next_id = 1;
  bool stopping = false;

 private:
  std::time_t date_second_ = -1;
  char date_[32] = {};
};

SOFY_DECL asio::awaitable<void> server_accept_loop(std::shared_ptr<server_impl> self);

// "127.0.0.1:8080", "[::1]:8080".
SOFY_DECL std::string server_endpoint_text(const asio::ip::tcp::endpoint& ep);
// "http server: connection 3 (127.0.0.1:50000)", for log lines.
SOFY_DECL std::string server_label(const connection_info& info);
// Method and path of a request, without the query (which may carry credentials).
SOFY_DECL std::string server_describe(std::string_view method, std::string_view target);

// The answer to a request that could not be parsed, by parser error: 431, 413 or 400.
SOFY_DECL int server_status_for(std::error_code parse_error) noexcept;
// A short plain-text error response with Connection: close.
SOFY_DECL response server_error_response(int status, std::string_view detail);

// True if a request head asks for "100 Continue" before its body.
SOFY_DECL bool server_expects_continue(const request& req) noexcept;

// Fills in Date, framing and Connection fields and serializes the head into `out`
// (throws std::system_error for an invalid response).
SOFY_DECL void server_write_head(response& res, bool chunked, bool close, int request_version,
                                 std::string_view date, std::string& out);

// Appends `body` in chunked coding. With `cut`, stops after that many body bytes,
// leaving out the rest of the chunk and the last-chunk.
SOFY_DECL void server_encode_chunked(std::string_view body, std::size_t chunk_size,
                                     std::optional<std::size_t> cut, std::string& out);

}  // namespace sofy::http::detail
