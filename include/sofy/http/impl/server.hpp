// sofy::http::server: the per-connection coroutines, for plain TCP and for TLS streams.
#pragma once

#include <sofy/http/detail/server_impl.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace sofy::http::detail {

using server_tls_stream = asio::ssl::stream<asio::ip::tcp::socket>;

template <class Stream>
inline constexpr bool server_is_tls = std::is_same_v<Stream, server_tls_stream>;

template <class Stream>
class server_connection final : public server_connection_base {
 public:
  server_connection(Stream s, connection_info i, const asio::any_io_executor& ex,
                    const parser_limits& limits)
      : server_connection_base(std::move(i)),
        stream(std::move(s)),
        watchdog(ex),
        pause(ex),
        parser(limits),
        buffer(server_read_buffer_size) {}

  asio::ip::tcp::socket& socket() noexcept {
    if constexpr (server_is_tls<Stream>)
      return stream.next_layer();
    else
      return stream;
  }

  // The watchdog closes the socket at the deadline. Moving the deadline later costs nothing;
  // moving it earlier wakes the watchdog so that it re-arms.
  void set_deadline(server_clock::time_point t) {
    deadline = t;
    if (t < watchdog.expiry()) watchdog.cancel();
  }
  void expire_in(std::chrono::milliseconds d) { set_deadline(server_clock::now() + d); }
  void no_deadline() { deadline = server_clock::time_point::max(); }

  void close_socket() noexcept {
    std::error_code ec;
    socket().shutdown(asio::socket_base::shutdown_both, ec);
    socket().close(ec);
  }

  void abort() noexcept override {
    close_socket();
    pause.cancel();
    if (running) cancel.emit(asio::cancellation_type::terminal);
  }

  Stream stream;
  asio::steady_timer watchdog;
  asio::steady_timer pause;  // reply::delay
  server_clock::time_point deadline = server_clock::time_point::max();
  bool timed_out = false;
  bool finished = false;

  // Input: bytes in buffer[pos, pos + len) are read but not yet parsed.
  request_parser parser;
  std::vector<char> buffer;
  std::size_t pos = 0, len = 0;

  std::string out;  // the head being written; reused across requests
};

// Sets `running` to false however the coroutine body ends, so stop() never signals a
// coroutine that has already returned.
struct server_running_guard {
  server_connection_base* c;
  ~server_running_guard() { c->running = false; }
};

template <class Stream>
asio::awaitable<void> server_watchdog(std::shared_ptr<server_connection<Stream>> c) {
  while (!c->finished) {
    const auto deadline = c->deadline;
    if (deadline <= server_clock::now()) {
      c->timed_out = true;
      c->close_socket();
      co_return;
    }
    c->watchdog.expires_at(deadline);
    auto [ec] = co_await c->watchdog.async_wait(server_use_tuple);
    (void)ec;  // woken early: the deadline moved, or the connection ended; the loop re-checks
  }
}

// Writes `data`, each slice bounded by write_timeout. `data` must outlive the call.
template <class Stream>
asio::awaitable<bool> server_write(server_impl* srv, server_connection<Stream>* c,
                                   std::string_view data) {
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), server_write_slice);
    c->expire_in(srv->options.write_timeout);
    auto [ec, written] =
        co_await asio::async_write(c->stream, asio::buffer(data.data(), n), server_use_tuple);
    if (ec) {
      if (!srv->stopping && srv->logs())
        srv->log(log_level::debug, server_label(c->info) +
                                       (c->timed_out ? ": write timed out" : ": write failed: " + ec.message()));
      co_return false;
    }
    data.remove_prefix(written);
  }
  co_return true;
}

// Reads and discards until the client closes, an error, or the deadline.
template <class Stream>
asio::awaitable<void> server_drain(server_connection<Stream>* c, server_clock::time_point deadline) {
  c->set_deadline(deadline);
  c->len = 0;
  for (;;) {
    auto [ec, n] = co_await c->stream.async_read_some(
        asio::buffer(c->buffer.data(), c->buffer.size()), server_use_tuple);
    if (ec) co_return;
  }
}

// Ends the connection after its last answer: TLS close_notify, or a TCP half-close, then
// waits (briefly) for the client to close, so unread input does not make the kernel reset
// the connection and destroy the answer in flight.
template <class Stream>
asio::awaitable<void> server_graceful_close(server_impl* srv, server_connection<Stream>* c) {
  const auto deadline = server_clock::now() + srv->options.linger_timeout;
  if constexpr (server_is_tls<Stream>) {
    c->set_deadline(deadline);
    auto [ec] = co_await c->stream.async_shutdown(server_use_tuple);
    (void)ec;  // most clients close without their own close_notify
  } else {
    std::error_code ec;
    c->socket().shutdown(asio::socket_base::shutdown_send, ec);
    if (!ec) co_await server_drain(c, deadline);
  }
  c->close_socket();
}

template <class Stream>
asio::awaitable<void> server_cut(server_connection<Stream>* c, cut_action action) {
  switch (action) {
    case cut_action::close:
      c->close_socket();  // for TLS: no close_notify, as a crashed or cut-off server would
      break;
    case cut_action::reset: {
      std::error_code ec;
      c->socket().set_option(asio::socket_base::linger(true, 0), ec);
      c->socket().close(ec);
      break;
    }
    case cut_action::stall:
      co_await server_drain(c, server_clock::time_point::max());
      c->close_socket();
      break;
  }
}

enum class server_read_result { request, closed, bad_request };

// Reads one request into c->parser. Deadlines: the first request's head must be complete
// header_timeout after the accept; later requests have idle_timeout for their first byte and
// header_timeout from it for the rest of the head; body reads have read_timeout each.
template <class Stream>
asio::awaitable<server_read_result> server_read_request(server_impl* srv, server_connection<Stream>* c,
                                                        server_clock::time_point accepted_at) {
  const server_options& o = srv->options;
  constexpr auto never = server_clock::time_point::max();
  c->parser.reset();
  auto head_deadline = c->info.request_index == 0 ? accepted_at + o.header_timeout
                       : c->len > 0                ? server_clock::now() + o.header_timeout
                                                   : never;
  bool continue_sent = false;
  for (;;) {
    if (c->len == 0) {
      const bool idle = head_deadline == never;
      if (idle)
        c->expire_in(o.idle_timeout);
      else if (!c->parser.header_done())
        c->set_deadline(head_deadline);
      else
        c->expire_in(o.read_timeout);
      auto [ec, n] = co_await c->stream.async_read_some(
          asio::buffer(c->buffer.data(), c->buffer.size()), server_use_tuple);
      if (ec) {
        // A close or an idle timeout between requests is the normal end of a connection.
        const bool between = c->parser.bytes_consumed_total() == 0;
        if (!srv->stopping && srv->logs() && !(between && (idle || !c->timed_out))) {
          std::string why = !c->timed_out                ? "read failed: " + ec.message()
                            : between && idle             ? "idle timeout"
                            : !c->parser.header_done()    ? "request head not complete within header_timeout"
                                                          : "request body stalled past read_timeout";
          srv->log(log_level::debug, server_label(c->info) + ": " + why);
        }
        co_return server_read_result::closed;
      }
      c->pos = 0;
      c->len = n;
      if (idle) head_deadline = server_clock::now() + o.header_timeout;
    }
    std::error_code ec;
    const std::size_t used = c->parser.feed({c->buffer.data() + c->pos, c->len}, ec);
    c->pos += used;
    c->len -= used;
    if (ec) co_return server_read_result::bad_request;
    if (c->parser.done()) co_return server_read_result::request;
    if (!continue_sent && c->parser.header_done() && server_expects_continue(c->parser.get())) {
      continue_sent = true;
      static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await server_write(srv, c, continue_line)) co_return server_read_result::closed;
    }
  }
}

// Sends a reply. Returns true if the connection stays open for the next request.
template <class Stream>
asio::awaitable<bool> server_send(server_impl* srv, server_connection<Stream>* c, reply* rep,
                                  bool keep_alive, bool head_request, int request_version) {
  if (rep->delay.count() > 0) {
    c->no_deadline();
    c->pause.expires_after(rep->delay);
    auto [ec] = co_await c->pause.async_wait(server_use_tuple);
    if (ec || srv->stopping) co_return false;
  }
  if (rep->stall) {
    co_await server_drain(c, server_clock::time_point::max());
    co_return false;
  }

  if (rep->raw) {
    std::string_view data = *rep->raw;
    if (rep->cut_after) data = data.substr(0, std::min(*rep->cut_after, data.size()));
    if (!co_await server_write(srv, c, data)) co_return false;
    if (rep->cut_after)
      co_await server_cut(c, rep->cut);
    else
      co_await server_graceful_close(srv, c);
    co_return false;
  }

  response& res = rep->res;
  const bool close = !keep_alive || rep->close || srv->stopping ||
                     has_token(res.headers.get("Connection").value_or(""), "close");
  c->out.clear();
  try {
    server_write_head(res, rep->chunked, close, request_version, srv->date(), c->out);
  } catch (const std::exception& e) {
    if (srv->logs())
      srv->log(log_level::error,
               server_label(c->info) + ": the handler returned an invalid response: " + e.what());
    *rep = reply{server_error_response(500, "internal server error")};
    c->out.clear();
    server_write_head(rep->res, false, close, request_version, srv->date(), c->out);
  }

  const bool no_body =
      head_request || res.status < 200 || res.status == 204 || res.status == 304;
  std::string_view body = no_body ? std::string_view{} : std::string_view{res.body};
  std::string encoded;
  if (rep->chunked && !no_body) {
    server_encode_chunked(body, rep->chunk_size, rep->cut_after, encoded);
    body = encoded;
  } else if (rep->cut_after) {
    body = body.substr(0, std::min(*rep->cut_after, body.size()));
  }

  if (body.size() <= server_coalesce_limit) {
    c->out.append(body);
    if (!co_await server_write(srv, c, c->out)) co_return false;
  } else {
    if (!co_await server_write(srv, c, c->out)) co_return false;
    if (!co_await server_write(srv, c, body)) co_return false;
  }

  if (rep->cut_after) {
    co_await server_cut(c, rep->cut);
    co_return false;
  }
  if (close) {
    co_await server_graceful_close(srv, c);
    co_return false;
  }
  co_return true;
}

template <class Stream>
asio::awaitable<void> server_serve(server_impl* srv, server_connection<Stream>* c) {
  const auto accepted_at = server_clock::now();
  if constexpr (server_is_tls<Stream>) {
    c->set_deadline(accepted_at + srv->options.header_timeout);
    auto [ec] = co_await c->stream.async_handshake(asio::ssl::stream_base::server, server_use_tuple);
    if (ec) {
      if (!srv->stopping && srv->logs())
        srv->log(log_level::debug, server_label(c->info) + ": TLS handshake failed: " +
                                       (c->timed_out ? std::string("timed out") : ec.message()));
      c->close_socket();
      co_return;
    }
  }

  for (;;) {
    const auto got = co_await server_read_request(srv, c, accepted_at);
    if (srv->stopping) co_return;
    if (got == server_read_result::closed) {
      c->close_socket();
      co_return;
    }
    if (got == server_read_result::bad_request) {
      const auto perr = c->parser.last_error();
      if (srv->logs())
        srv->log(log_level::debug, server_label(c->info) + ": malformed request: " + perr.message());
      reply rep{server_error_response(server_status_for(perr), perr.message())};
      co_await server_send(srv, c, &rep, false, false, 11);
      co_return;
    }

    const bool keep_alive = c->parser.keep_alive();
    request req = c->parser.release();
    const bool head_request = req.method == "HEAD";
    const int version = req.version;
    std::string what;
    if (srv->logs()) what = server_describe(req.method, req.target);

    c->no_deadline();
    reply rep;
    std::string failure;
    try {
      // The call is its own statement: no temporaries inside the co_await (GCC 12).
      auto pending = srv->handler(std::move(req), c->info);
      rep = co_await std::move(pending);
    } catch (const std::exception& e) {
      failure = e.what();
      if (failure.empty()) failure = "exception";
    } catch (...) {
      failure = "unknown exception";
    }
    if (srv->stopping) co_return;
    if (!failure.empty()) {
      if (srv->logs())
        srv->log(log_level::error, server_label(c->info) + " " + what + ": handler failed: " + failure);
      rep = reply{server_error_response(500, "internal server error")};
    }

    if (!co_await server_send(srv, c, &rep, keep_alive, head_request, version)) co_return;
    ++c->info.request_index;
  }
}

template <class Stream>
asio::awaitable<void> server_run_connection(std::shared_ptr<server_impl> srv,
                                            std::shared_ptr<server_connection<Stream>> c) {
  server_running_guard guard{c.get()};
  try {
    co_await server_serve(srv.get(), c.get());
  } catch (const std::system_error& e) {
    // stop() cancels the coroutine; the next co_await then throws operation_aborted.
    if (!(srv->stopping && e.code() == asio::error::operation_aborted)) throw;
  }
  c->close_socket();
}

template <class Stream>
void server_spawn(std::shared_ptr<server_impl> srv, std::shared_ptr<server_connection<Stream>> c) {
  srv->connections.emplace(c->info.id, c.get());
  asio::co_spawn(srv->ex, server_watchdog(c), asio::detached);
  auto& signal = c->cancel;
  asio::co_spawn(srv->ex, server_run_connection(srv, c),
                 asio::bind_cancellation_slot(signal.slot(), [srv, c](std::exception_ptr e) {
                   c->finished = true;
                   c->watchdog.cancel();
                   srv->connection_done(c->info.id, e);
                 }));
}

}  // namespace sofy::http::detail
