// Loopback servers for network tests: a scriptable accept loop over TCP or TLS whose sessions
// get the raw connection, so a test can play a well-behaved peer or a misbehaving one
// (stall, close mid-body, never finish the handshake, answer garbage).
//
//   sofy::test::raw_server srv{io.get_executor(), [](std::shared_ptr<sofy::test::raw_peer> p)
//       -> asio::awaitable<void> {
//     auto req = co_await p->read_request();
//     if (req) co_await p->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
//   }, {.tls = &server_ctx}};
//   srv.port(); srv.accepted();
//
// Also: a TLS server context from the test PKI, and run() to drive a test coroutine to its end
// on one io_context with a hard limit, so a broken test fails instead of hanging.
#pragma once

#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>
#include <sofy/http/url.hpp>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace sofy::test {

inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// One accepted connection.
class raw_peer {
 public:
  using tcp = asio::ip::tcp;

  raw_peer(tcp::socket s, asio::ssl::context* ctx, std::uint64_t id) : id_(id) {
    if (ctx)
      tls_.emplace(std::move(s), *ctx);
    else
      plain_.emplace(std::move(s));
  }

  std::uint64_t id() const noexcept { return id_; }  // 1, 2, ... in accept order
  tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : *plain_; }
  asio::ssl::stream<tcp::socket>* tls() noexcept { return tls_ ? &*tls_ : nullptr; }

  asio::awaitable<bool> handshake() {
    if (!tls_) co_return true;
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, use_tuple);
    co_return !ec;
  }

  // Up to n bytes; 0 on end of stream or error.
  asio::awaitable<std::size_t> read_some(char* p, std::size_t n) {
    std::error_code ec;
    std::size_t got = 0;
    if (tls_)
      std::tie(ec, got) = co_await tls_->async_read_some(asio::buffer(p, n), use_tuple);
    else
      std::tie(ec, got) = co_await plain_->async_read_some(asio::buffer(p, n), use_tuple);
    co_return ec ? 0 : got;
  }

  // One request, parsed with the library's request parser. With `sink`, body bytes go there
  // instead of into the request. nullopt on end of stream, error, or a malformed request.
  asio::awaitable<std::optional<http::request>> read_request(std::function<void(std::string_view)> sink = {},
                                                             http::parser_limits limits = {}) {
    http::request_parser parser{limits};
    if (sink) parser.on_body(std::move(sink));
    std::error_code ec;
    for (;;) {
      if (!pending_.empty()) {
        std::size_t used = parser.feed(pending_, ec);
        if (ec) co_return std::nullopt;
        pending_.erase(0, used);
        if (parser.done()) co_return parser.release();
      }
      char buf[16384];
      std::size_t n = co_await read_some(buf, sizeof buf);
      if (n == 0) co_return std::nullopt;
      pending_.append(buf, n);
    }
  }

  asio::awaitable<bool> write(std::string bytes) {
    std::error_code ec;
    if (tls_)
      std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, asio::buffer(bytes), use_tuple);
    else
      std::tie(ec, std::ignore) = co_await asio::async_write(*plain_, asio::buffer(bytes), use_tuple);
    co_return !ec;
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t{socket().get_executor(), d};
    co_await t.async_wait(use_tuple);
  }

  // Reads and discards until the client goes away.
  asio::awaitable<void> drain() {
    char buf[4096];
    while (co_await read_some(buf, sizeof buf) != 0) {
    }
  }

  // Reads and discards raw TCP bytes (below TLS) until the client goes away.
  asio::awaitable<void> drain_tcp() {
    char buf[4096];
    for (;;) {
      auto [ec, n] = co_await socket().async_read_some(asio::buffer(buf), use_tuple);
      if (ec) co_return;
    }
  }

  // Sends the TLS close_notify (when TLS), then closes.
  asio::awaitable<void> shutdown() {
    if (tls_) co_await tls_->async_shutdown(use_tuple);
    close();
  }

  // Closes the TCP connection without a TLS close_notify.
  void close() noexcept {
    std::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  std::uint64_t id_;
  std::optional<tcp::socket> plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
  std::string pending_;
};

struct raw_server_options {
  asio::ssl::context* tls = nullptr;  // serve TLS with this context
  bool handshake = true;              // do the TLS handshake before the session (else the session does)
  std::string address = "127.0.0.1";
};

class raw_server {
 public:
  using tcp = asio::ip::tcp;
  using session_fn = std::function<asio::awaitable<void>(std::shared_ptr<raw_peer>)>;

  raw_server(asio::any_io_executor ex, session_fn session, raw_server_options opts = {})
      : st_(std::make_shared<state>(ex, std::move(session), std::move(opts))) {
    asio::co_spawn(ex, accept_loop(st_), asio::detached);
  }
  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;
  ~raw_server() { stop(); }

  std::uint16_t port() const { return st_->port; }
  std::size_t accepted() const { return st_->accepted; }
  http::origin origin() const {
    http::origin o;
    o.scheme = st_->opts.tls ? http::scheme::https : http::scheme::http;
    o.host = st_->opts.address;
    o.port = st_->port;
    o.is_ip_literal = true;
    return o;
  }

  // Stops accepting and closes every open connection, so the io_context can run dry.
  void stop() {
    std::error_code ignored;
    st_->acceptor.close(ignored);
    for (auto& w : st_->peers)
      if (auto p = w.lock()) p->close();
    st_->peers.clear();
  }

 private:
  struct state {
    state(asio::any_io_executor ex, session_fn fn, raw_server_options o)
        : acceptor(ex), session(std::move(fn)), opts(std::move(o)) {
      tcp::endpoint ep{asio::ip::make_address(opts.address), 0};
      acceptor.open(ep.protocol());
      acceptor.set_option(tcp::acceptor::reuse_address(true));
      acceptor.bind(ep);
      acceptor.listen();
      port = acceptor.local_endpoint().port();
    }
    tcp::acceptor acceptor;
    session_fn session;
    raw_server_options opts;
    std::uint16_t port = 0;
    std::size_t accepted = 0;
    std::vector<std::weak_ptr<raw_peer>> peers;
  };

  static asio::awaitable<void> run_session(std::shared_ptr<state> st, std::shared_ptr<raw_peer> peer) {
    if (st->opts.tls && st->opts.handshake && !co_await peer->handshake()) co_return;
    auto session = st->session(peer);  // not inside the co_await: GCC 12 mishandles temporaries there
    co_await std::move(session);
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<state> st) {
    for (;;) {
      auto [ec, sock] = co_await st->acceptor.async_accept(use_tuple);
      if (ec) co_return;
      ++st->accepted;
      auto peer = std::make_shared<raw_peer>(std::move(sock), st->opts.tls, st->accepted);
      st->peers.push_back(peer);
      asio::co_spawn(st->acceptor.get_executor(), run_session(st, peer), asio::detached);
    }
  }

  std::shared_ptr<state> st_;
};

// A TLS server context with the given certificate chain and key.
inline asio::ssl::context server_tls_context(const std::filesystem::path& cert, const std::filesystem::path& key) {
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  ctx.use_certificate_chain_file(cert.string());
  ctx.use_private_key_file(key.string(), asio::ssl::context::pem);
  return ctx;
}

// A simple answer with a body.
inline std::string http_response(int status, std::string_view body, std::string_view extra_headers = {}) {
  std::string s = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\n";
  s += extra_headers;
  s += "\r\n";
  s += body;
  return s;
}

// Runs `test` on `io` until it completes (at most `limit`), then stops `io`. Rethrows what the
// coroutine threw; fails if it did not finish in time.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> test, std::chrono::seconds limit = std::chrono::seconds(30)) {
  std::future<T> f = asio::co_spawn(io, std::move(test), asio::use_future);
  auto until = std::chrono::steady_clock::now() + limit;
  while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > until) throw std::runtime_error("test coroutine did not finish in time");
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return f.get();
}

}  // namespace sofy::test
