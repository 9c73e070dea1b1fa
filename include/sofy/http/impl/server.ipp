// sofy::http::server: accept loop, lifetime, and the response helpers.
#pragma once

#include <sofy/http/server.hpp>

#include <asio/dispatch.hpp>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <system_error>
#include <vector>

namespace sofy::http {
namespace detail {

SOFY_DECL server_impl::server_impl(asio::any_io_executor executor, const asio::ip::tcp::endpoint& listen,
                                   asio::ssl::context* tls_context, request_handler h,
                                   server_options opts)
    : ex(std::move(executor)),
      acceptor(ex),
      tls(tls_context),
      handler(std::move(h)),
      options(std::move(opts)),
      slot_timer(ex) {
  auto fail = [&](std::error_code ec, const char* step) {
    throw std::system_error(ec, std::string("http server: cannot ") + step + " " + server_endpoint_text(listen));
  };
  std::error_code ec;
  acceptor.open(listen.protocol(), ec);
  if (ec) fail(ec, "open a socket for");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail(ec, "set SO_REUSEADDR on");
  acceptor.bind(listen, ec);
  if (ec) fail(ec, "bind to");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec, "listen on");
  local = acceptor.local_endpoint(ec);
  if (ec) fail(ec, "read the bound address of");
}

SOFY_DECL void server_impl::start() {
  auto self = shared_from_this();
  asio::co_spawn(ex, server_accept_loop(self), [self](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      self->log(log_level::error, std::string("http server: accept loop failed: ") + x.what());
    } catch (...) {
      self->log(log_level::error, "http server: accept loop failed");
    }
  });
}

SOFY_DECL void server_impl::stop() {
  if (stopping) return;
  stopping = true;
  std::error_code ec;
  acceptor.close(ec);
  slot_timer.cancel();
  // abort() never completes anything inline, but copy anyway: the map must not change under us.
  std::vector<server_connection_base*> open;
  open.reserve(connections.size());
  for (auto& entry : connections) open.push_back(entry.second);
  for (auto* c : open) c->abort();
}

SOFY_DECL void server_impl::accepted(asio::ip::tcp::socket socket) {
  std::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  connection_info info;
  info.remote = socket.remote_endpoint(ec);
  info.id = next_id++;
  info.tls = tls != nullptr;
  ++accepted_total;
  ++active;
  auto self = shared_from_this();
  if (tls) {
    server_spawn(self, std::make_shared<server_connection<server_tls_stream>>(
                           server_tls_stream(std::move(socket), *tls), info, ex, options.limits));
  } else {
    server_spawn(self, std::make_shared<server_connection<asio::ip::tcp::socket>>(
                           std::move(socket), info, ex, options.limits));
  }
}

SOFY_DECL void server_impl::connection_done(std::uint64_t id, std::exception_ptr e) {
  connections.erase(id);
  --active;
  slot_timer.cancel();  // the accept loop may be waiting for a free slot
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log(log_level::error, "http server: connection " + std::to_string(id) + " failed: " + x.what());
  } catch (...) {
    log(log_level::error, "http server: connection " + std::to_string(id) + " failed");
  }
}

SOFY_DECL void server_impl::log(log_level level, std::string_view message) const noexcept {
  if (!options.logger) return;
  try {
    options.logger(level, message);
  } catch (...) {
    // A failing logger must not take the server down with it.
  }
}

SOFY_DECL std::string_view server_impl::date() {
  const std::time_t now = std::time(nullptr);
  if (now != date_second_) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    // Names by hand: strftime's %a and %b follow the locale.
    std::snprintf(date_, sizeof date_, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
                  tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    date_second_ = now;
  }
  return date_;
}

SOFY_DECL asio::awaitable<void> server_accept_loop(std::shared_ptr<server_impl> self) {
  for (;;) {
    const std::size_t cap = self->options.max_connections;
    while (!self->stopping && cap != 0 && self->active >= cap) {
      // Further clients wait in the listen backlog; connection_done() wakes us.
      self->slot_timer.expires_at(server_clock::time_point::max());
      auto [ec] = co_await self->slot_timer.async_wait(server_use_tuple);
      (void)ec;
    }
    if (self->stopping) co_return;
    auto [ec, socket] = co_await self->acceptor.async_accept(server_use_tuple);
    if (self->stopping) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or memory, or a client that left before accept: back off briefly.
      self->log(log_level::warn, "http server: accept failed: " + ec.message());
      self->slot_timer.expires_after(std::chrono::milliseconds(100));
      auto [wait_ec] = co_await self->slot_timer.async_wait(server_use_tuple);
      (void)wait_ec;
      continue;
    }
    self->accepted(std::move(socket));
  }
}

SOFY_DECL std::string server_endpoint_text(const asio::ip::tcp::endpoint& ep) {
  std::string address = ep.address().to_string();
  if (ep.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(ep.port());
}

SOFY_DECL std::string server_label(const connection_info& info) {
  return "http server: connection " + std::to_string(info.id) + " (" + server_endpoint_text(info.remote) + ")";
}

SOFY_DECL std::string server_describe(std::string_view method, std::string_view target) {
  std::string s{method};
  s += ' ';
  s += target.substr(0, target.find('?'));
  return s;
}

SOFY_DECL int server_status_for(std::error_code e) noexcept {
  if (e == error::head_too_large || e == error::too_many_fields) return 431;
  if (e == error::body_too_large) return 413;
  return 400;
}

SOFY_DECL response server_error_response(int status, std::string_view detail) {
  response res;
  res.status = status;
  res.reason = std::string(reason_phrase(status));
  res.headers.set("Content-Type", "text/plain; charset=utf-8");
  res.body = res.reason;
  if (!detail.empty() && detail != res.reason) {
    res.body += ": ";
    res.body += detail;
  }
  res.body += '\n';
  return res;
}

SOFY_DECL bool server_expects_continue(const request& req) noexcept {
  if (req.version < 11) return false;
  auto expect = req.headers.get("Expect");
  return expect && has_token(*expect, "100-continue");
}

SOFY_DECL void server_write_head(response& res, bool chunked, bool close, int request_version,
                                 std::string_view date, std::string& out) {
  if (!res.headers.contains("Date")) res.headers.set("Date", date);
  const bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
  if (chunked && !no_body) {
    res.headers.erase("Content-Length");
    res.headers.set("Transfer-Encoding", "chunked");
  } else {
    res.headers.erase("Transfer-Encoding");
    if (!no_body) {
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, res.body.size());
      (void)ec;
      res.headers.set("Content-Length", std::string_view(digits, static_cast<std::size_t>(end - digits)));
    }
  }
  if (close)
    res.headers.set("Connection", "close");
  else if (request_version == 10)
    res.headers.set("Connection", "keep-alive");
  write_head(res, out);
}

SOFY_DECL void server_encode_chunked(std::string_view body, std::size_t chunk_size,
                                     std::optional<std::size_t> cut, std::string& out) {
  if (chunk_size == 0) chunk_size = body.empty() ? 1 : body.size();
  std::size_t budget = cut ? *cut : body.size();
  out.reserve(out.size() + body.size() + (body.size() / chunk_size + 2) * 12);
  while (!body.empty()) {
    const std::string_view chunk = body.substr(0, chunk_size);
    body.remove_prefix(chunk.size());
    if (budget < chunk.size()) {
      // The chunk header promises the whole chunk; the cut comes inside its data.
      char size[20];
      auto [end, ec] = std::to_chars(size, size + sizeof size, chunk.size(), 16);
      (void)ec;
      out.append(size, end);
      out += "\r\n";
      out.append(chunk.substr(0, budget));
      return;
    }
    write_chunk(chunk, out);
    budget -= chunk.size();
  }
  if (!cut) write_last_chunk(out);
}

}  // namespace detail

SOFY_DECL server::server(asio::any_io_executor ex, const asio::ip::tcp::endpoint& listen,
                         request_handler handler, server_options options)
    : impl_(std::make_shared<detail::server_impl>(std::move(ex), listen, nullptr, std::move(handler),
                                                  std::move(options))) {
  impl_->start();
}

SOFY_DECL server::server(asio::any_io_executor ex, const asio::ip::tcp::endpoint& listen,
                         asio::ssl::context& tls, request_handler handler, server_options options)
    : impl_(std::make_shared<detail::server_impl>(std::move(ex), listen, &tls, std::move(handler),
                                                  std::move(options))) {
  impl_->start();
}

SOFY_DECL server::~server() { stop(); }

SOFY_DECL asio::ip::tcp::endpoint server::local_endpoint() const { return impl_->local; }

SOFY_DECL void server::stop() {
  auto impl = impl_;
  asio::dispatch(impl->ex, [impl] { impl->stop(); });
}

SOFY_DECL std::size_t server::active_connections() const noexcept { return impl_->active; }

SOFY_DECL std::uint64_t server::accepted_connections() const noexcept { return impl_->accepted_total; }

}  // namespace sofy::http
