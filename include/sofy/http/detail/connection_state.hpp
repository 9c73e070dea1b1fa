// Internal: the state of one connection, shared with its timer's handler so that a late timer
// completion never touches a destroyed connection.
#pragma once

#include <sofy/http/connection.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace sofy::http::detail {

inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

struct connection_state : std::enable_shared_from_this<connection_state> {
  using tcp = asio::ip::tcp;
  using clock = std::chrono::steady_clock;

  // 16 KiB is one full TLS record; a larger buffer would not make reads larger.
  static constexpr std::size_t read_buffer_size = 16 * 1024 + 256;

  connection_state(asio::any_io_executor ex, asio::ssl::context* ctx, timeouts t, parser_limits limits)
      : executor(ex), tls_ctx(ctx), tmo(t), plain(std::in_place, ex), resolver(ex), parser(limits), timer(ex) {}

  asio::any_io_executor executor;
  asio::ssl::context* tls_ctx;
  timeouts tmo;

  // Exactly one of these holds the socket: plain until a TLS handshake moves it into tls.
  std::optional<tcp::socket> plain;
  std::optional<asio::ssl::stream<tcp::socket>> tls;
  tcp::resolver resolver;

  origin peer;
  std::string where;             // "host:port", or "host:port via proxy host:port", for errors
  bool forward_proxy = false;    // http through a proxy: absolute-form targets
  std::string proxy_authorization;

  response_parser parser;
  std::unique_ptr<char[]> rbuf;
  std::size_t rpos = 0, rend = 0;  // unconsumed bytes in rbuf
  std::string wbuf;                // serialized head, reused
  std::uint64_t written = 0;
  std::uint64_t responses = 0;
  bool got_bytes = false;
  bool reusable = false;
  bool connected = false;

  // Watchdog: one timer, armed when a step starts with an earlier due time than the armed one,
  // re-armed from its own handler while the step is making progress.
  asio::steady_timer timer;
  bool armed = false;
  bool phase_active = false;
  bool phase_idle = false;  // the limit bounds the silence since last_activity
  error phase_error{};
  clock::duration phase_limit{};
  clock::time_point phase_start{}, last_activity{};
  std::optional<clock::time_point> deadline;
  std::error_code fired;  // set when the watchdog ended a step

  tcp::socket& lowest() noexcept { return tls ? tls->next_layer() : *plain; }
  const tcp::socket& lowest() const noexcept { return tls ? tls->next_layer() : *plain; }

  clock::time_point due() const noexcept {
    clock::time_point d = (phase_idle ? last_activity : phase_start) + phase_limit;
    if (deadline && *deadline < d) d = *deadline;
    return d;
  }

  struct timer_handler {
    std::shared_ptr<connection_state> self;
    void operator()(std::error_code ec) const { self->on_timer(ec); }
  };

  void arm(clock::time_point at) {
    timer.expires_at(at);
    timer.async_wait(timer_handler{shared_from_this()});
    armed = true;
  }

  void begin(error e, std::chrono::milliseconds limit, bool idle) {
    phase_active = true;
    phase_idle = idle;
    phase_error = e;
    phase_limit = limit;
    phase_start = last_activity = clock::now();
    clock::time_point d = due();
    if (!armed || d < timer.expiry()) arm(d);
  }

  void touch() noexcept { last_activity = clock::now(); }
  void end() noexcept { phase_active = false; }

  // End of a request cycle: nothing may keep the io_context busy while the connection idles.
  void idle() noexcept {
    phase_active = false;
    if (armed) {
      timer.cancel();
      armed = false;
    }
  }

  void on_timer(std::error_code ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed or stopped; not ours to act on
    armed = false;
    if (!phase_active) return;
    clock::time_point now = clock::now(), d = due();
    if (now < d) {
      arm(d);
      return;
    }
    fired = (deadline && now >= *deadline) ? make_error_code(error::deadline_exceeded) : make_error_code(phase_error);
    // Closing (not just cancelling) makes every later step of a composed operation fail too.
    std::error_code ignored;
    resolver.cancel();
    lowest().close(ignored);
  }

  void close() noexcept {
    std::error_code ignored;
    resolver.cancel();
    lowest().close(ignored);
    timer.cancel();
    armed = false;
    phase_active = false;
    connected = false;
    reusable = false;
  }
};

}  // namespace sofy::http::detail
