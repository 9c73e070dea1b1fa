#pragma once

#include <sofy/http/connection.hpp>
#include <sofy/http/detail/connection_state.hpp>
#include <sofy/http/tls.hpp>

#include <asio/buffer.hpp>
#include <asio/ip/address.hpp>
#include <asio/write.hpp>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace sofy::http {

namespace detail {

[[noreturn]] inline void connection_fail(connection_state& s, std::error_code ec, std::string_view step) {
  if (s.fired) ec = s.fired;
  s.close();
  std::string what{step};
  what += ' ';
  what += s.where;
  throw std::system_error(ec, what);
}

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

inline asio::awaitable<std::error_code> write_buffers(connection_state* sp, std::array<asio::const_buffer, 2> bufs) {
  connection_state& s = *sp;
  std::error_code ec;
  std::size_t n = 0;
  if (s.tls)
    std::tie(ec, n) = co_await asio::async_write(*s.tls, bufs, use_tuple);
  else
    std::tie(ec, n) = co_await asio::async_write(*s.plain, bufs, use_tuple);
  s.written += n;
  s.touch();
  co_return ec;
}

// Reads until the parser has a whole message or fails. Leaves bytes past the message in rbuf.
inline asio::awaitable<std::error_code> read_message(connection_state* sp) {
  connection_state& s = *sp;
  std::error_code ec;
  for (;;) {
    if (s.rpos < s.rend) {
      std::size_t used = s.parser.feed({s.rbuf.get() + s.rpos, s.rend - s.rpos}, ec);
      s.rpos += used;
      if (ec || s.parser.done()) co_return ec;
      s.rpos = s.rend = 0;  // before the end of a message the parser takes every byte
    }
    std::size_t n = 0;
    auto buf = asio::buffer(s.rbuf.get(), connection_state::read_buffer_size);
    if (s.tls)
      std::tie(ec, n) = co_await s.tls->async_read_some(buf, use_tuple);
    else
      std::tie(ec, n) = co_await s.plain->async_read_some(buf, use_tuple);
    if (s.fired) co_return s.fired;
    if (n > 0) {
      s.got_bytes = true;
      s.touch();
      s.rpos = 0;
      s.rend = n;
      continue;
    }
    if (!ec) continue;
    if (ec == asio::error::eof) {
      if (!s.got_bytes) co_return make_error_code(error::connection_closed);
      s.parser.feed_eof(ec);
      if (!ec && !s.parser.done()) ec = error::partial_message;
      co_return ec;
    }
    if (ec == asio::ssl::error::stream_truncated) {
      // Without close_notify the end of a read-until-close body cannot be told from a cut.
      co_return make_error_code(s.got_bytes ? error::truncated_tls_stream : error::connection_closed);
    }
    co_return ec;
  }
}

inline asio::awaitable<void> write_request(std::shared_ptr<connection_state> sp, std::string_view body,
                                           const file_body* fb, std::uint64_t total) {
  connection_state& s = *sp;
  s.begin(error::write_timeout, s.tmo.write, true);
  std::error_code ec;
  if (!fb) {
    ec = co_await write_buffers(&s, {asio::buffer(s.wbuf), asio::buffer(body)});
    s.end();
    if (ec || s.fired) connection_fail(s, ec, "writing the request to");
    co_return;
  }

  std::unique_ptr<std::FILE, file_closer> file{std::fopen(fb->path.c_str(), "rb")};
  if (!file) {
    std::error_code fec{errno, std::generic_category()};
    s.close();
    throw std::system_error(fec, "opening " + fb->path.string());
  }
  constexpr std::size_t chunk = 64 * 1024;
  std::unique_ptr<char[]> buf{new char[chunk]};
  std::uint64_t sent = 0;
  const std::uint64_t file_bytes = total - fb->prefix.size() - fb->suffix.size();

  ec = co_await write_buffers(&s, {asio::buffer(s.wbuf), asio::buffer(fb->prefix)});
  if (ec || s.fired) connection_fail(s, ec, "writing the request to");
  sent += fb->prefix.size();
  if (fb->on_progress) fb->on_progress(sent, total);

  for (std::uint64_t left = file_bytes; left > 0;) {
    std::size_t want = left < chunk ? static_cast<std::size_t>(left) : chunk;
    std::size_t got = std::fread(buf.get(), 1, want, file.get());
    if (got == 0) {
      // Content-Length is already on the wire: a short file cannot be sent honestly.
      s.close();
      throw std::system_error(std::make_error_code(std::errc::io_error),
                              "reading " + fb->path.string() + " (it shrank while being sent)");
    }
    ec = co_await write_buffers(&s, {asio::buffer(buf.get(), got), asio::const_buffer()});
    if (ec || s.fired) connection_fail(s, ec, "writing the request to");
    left -= got;
    sent += got;
    if (fb->on_progress) fb->on_progress(sent, total);
  }

  if (!fb->suffix.empty()) {
    ec = co_await write_buffers(&s, {asio::buffer(fb->suffix), asio::const_buffer()});
    if (ec || s.fired) connection_fail(s, ec, "writing the request to");
    sent += fb->suffix.size();
    if (fb->on_progress) fb->on_progress(sent, total);
  }
  s.end();
}

}  // namespace detail

SOFY_DECL std::uint64_t file_body::size() const {
  std::error_code ec;
  std::uint64_t n = std::filesystem::file_size(path, ec);
  if (ec) throw std::system_error(ec, "reading " + path.string());
  return prefix.size() + n + suffix.size();
}

SOFY_DECL connection::connection(executor_type ex, asio::ssl::context* tls, timeouts t, parser_limits limits)
    : s_(std::make_shared<detail::connection_state>(ex, tls, t, limits)) {
  s_->rbuf.reset(new char[detail::connection_state::read_buffer_size]);
}

SOFY_DECL connection::~connection() {
  if (s_) s_->close();
}

SOFY_DECL connection::executor_type connection::get_executor() const noexcept { return s_->executor; }

SOFY_DECL void connection::set_deadline(std::optional<clock::time_point> t) noexcept { s_->deadline = t; }

SOFY_DECL bool connection::is_open() const noexcept { return s_ && s_->connected && s_->lowest().is_open(); }
SOFY_DECL bool connection::reusable() const noexcept { return is_open() && s_->reusable; }
SOFY_DECL bool connection::response_started() const noexcept { return s_->got_bytes; }
SOFY_DECL std::uint64_t connection::request_bytes_written() const noexcept { return s_->written; }
SOFY_DECL std::uint64_t connection::responses_read() const noexcept { return s_->responses; }
SOFY_DECL const origin& connection::peer() const noexcept { return s_->peer; }

SOFY_DECL bool connection::is_stale() const noexcept {
  if (!is_open()) return true;
  char c;
  ssize_t r = ::recv(s_->lowest().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r < 0) return !(errno == EAGAIN || errno == EWOULDBLOCK);
  return true;  // 0: the peer closed; > 0: bytes nobody asked for (a close_notify, a 408...)
}

SOFY_DECL void connection::close() noexcept {
  if (s_) s_->close();
}

SOFY_DECL asio::awaitable<void> connection::connect(origin peer, std::optional<proxy_target> proxy) {
  using tcp = asio::ip::tcp;
  std::shared_ptr<detail::connection_state> sp = s_;
  detail::connection_state& s = *sp;
  s.peer = peer;
  s.where = peer.authority();
  if (proxy) s.where += " via proxy " + proxy->origin.authority();
  s.fired.clear();
  if (peer.is_tls() && !s.tls_ctx) throw std::invalid_argument("connection to " + s.where + ": https needs a TLS context");
  const origin& hop = proxy ? proxy->origin : peer;

  // Resolve and connect, one address after another, all under the connect timeout.
  s.begin(error::connect_timeout, s.tmo.connect, false);
  std::error_code ec = asio::error::host_not_found;
  std::vector<tcp::endpoint> endpoints;
  if (hop.is_ip_literal) {
    asio::ip::address addr = asio::ip::make_address(hop.host, ec);
    if (ec) detail::connection_fail(s, error::bad_url, "connecting to");
    endpoints.emplace_back(addr, hop.port);
  } else {
    std::string service = std::to_string(hop.port);
    auto [rec, results] = co_await s.resolver.async_resolve(hop.host, service, detail::use_tuple);
    if (rec || s.fired) detail::connection_fail(s, rec, "resolving");
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  for (const tcp::endpoint& ep : endpoints) {
    std::error_code ignored;
    s.plain->close(ignored);
    s.plain->open(ep.protocol(), ec);
    if (ec) continue;
    std::tie(ec) = co_await s.plain->async_connect(ep, detail::use_tuple);
    if (!ec || s.fired) break;
  }
  if (ec || s.fired) detail::connection_fail(s, ec, "connecting to");
  s.plain->set_option(tcp::no_delay(true), ec);
  s.connected = true;

  if (proxy && peer.is_tls()) {
    // CONNECT tunnel, bounded by the connect timeout too.
    std::string target = peer.authority();
    s.wbuf = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
    if (proxy->has_credentials()) s.wbuf += "Proxy-Authorization: " + proxy->authorization() + "\r\n";
    s.wbuf += "\r\n";
    s.begin(error::connect_timeout, s.tmo.connect, false);
    ec = co_await detail::write_buffers(&s, {asio::buffer(s.wbuf), asio::const_buffer()});
    s.wbuf.clear();  // it held credentials
    if (ec || s.fired) detail::connection_fail(s, ec, "sending CONNECT to");
    s.parser.reset();
    s.parser.set_head_request(true);  // a 2xx answer to CONNECT has no body
    s.got_bytes = false;
    ec = co_await detail::read_message(&s);
    if (ec || s.fired) detail::connection_fail(s, ec, "reading the CONNECT answer from");
    int status = s.parser.get().status;
    bool extra = s.rpos != s.rend;
    s.parser.reset();
    s.rpos = s.rend = 0;
    if (status < 200 || status > 299 || extra) {
      s.close();
      throw std::system_error(error::proxy_connect_failed,
                              "CONNECT to " + s.where + " answered " + std::to_string(status));
    }
  } else if (proxy) {
    s.forward_proxy = true;
    s.proxy_authorization = proxy->authorization();
  }

  if (peer.is_tls()) {
    s.tls.emplace(std::move(*s.plain), *s.tls_ctx);
    s.plain.reset();
    set_peer_identity(s.tls->native_handle(), peer, ec);
    if (ec) detail::connection_fail(s, ec, "TLS handshake with");
    s.begin(error::handshake_timeout, s.tmo.handshake, false);
    std::tie(ec) = co_await s.tls->async_handshake(asio::ssl::stream_base::client, detail::use_tuple);
    s.end();
    if (ec && !s.fired) {
      if (std::string reason = verify_failure(s.tls->native_handle()); !reason.empty()) {
        s.close();
        throw std::system_error(error::tls_verify_failed, "TLS handshake with " + s.where + ": " + reason);
      }
    }
    if (ec || s.fired) detail::connection_fail(s, ec, "TLS handshake with");
  }
  s.idle();
}

SOFY_DECL asio::awaitable<void> connection::write(const request& req, const file_body* body) {
  detail::connection_state& s = *s_;
  if (!s.connected) throw std::system_error(asio::error::not_connected, "writing a request to " + s.where);
  if (body && !req.body.empty())
    throw std::invalid_argument("a request with a file body must have an empty string body");
  s.written = 0;
  s.got_bytes = false;
  s.reusable = false;
  s.wbuf.clear();
  std::uint64_t total = body ? body->size() : 0;
  if (body || s.forward_proxy) {
    request head;
    head.method = req.method;
    head.target = s.forward_proxy ? (s.peer.is_tls() ? "https://" : "http://") + s.peer.host_header() + req.target
                                  : req.target;
    head.version = req.version;
    head.headers = req.headers;
    bool framed = head.headers.contains("Content-Length") || head.headers.contains("Transfer-Encoding");
    if (body)
      head.headers.set("Content-Length", std::to_string(total));
    else if (!framed && !req.body.empty())
      head.headers.set("Content-Length", std::to_string(req.body.size()));
    if (s.forward_proxy && !s.proxy_authorization.empty())
      head.headers.set("Proxy-Authorization", s.proxy_authorization);
    write_head(head, s.wbuf);
  } else {
    write_head(req, s.wbuf);
  }
  return detail::write_request(s_, body ? std::string_view{} : std::string_view{req.body}, body, total);
}

SOFY_DECL asio::awaitable<response> connection::read(bool head_request) {
  std::shared_ptr<detail::connection_state> sp = s_;
  detail::connection_state& s = *sp;
  if (!s.connected) throw std::system_error(asio::error::not_connected, "reading a response from " + s.where);
  s.parser.reset();
  s.parser.set_head_request(head_request);
  s.got_bytes = s.rpos < s.rend;
  s.reusable = false;
  s.begin(error::read_timeout, s.tmo.read, true);
  std::error_code ec = co_await detail::read_message(&s);
  if (ec || s.fired) detail::connection_fail(s, ec, "reading the response from");
  s.idle();
  ++s.responses;
  s.reusable = s.parser.keep_alive() && !s.parser.needs_eof() && s.rpos == s.rend;
  if (!s.reusable) s.close();
  co_return s.parser.release();
}

}  // namespace sofy::http
