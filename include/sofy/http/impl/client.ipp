#pragma once

#include <sofy/http/client.hpp>

#include <algorithm>
#include <exception>

namespace sofy::http {

namespace detail {

inline bool is_idempotent(std::string_view m) noexcept {
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" || m == "TRACE";
}

// The signs of a connection the server had already closed when the request went out.
inline bool is_stale_connection_error(std::error_code ec) noexcept {
  return ec == error::connection_closed || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::error::eof || ec == asio::error::not_connected;
}

inline bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace detail

SOFY_DECL client::client(executor_type ex, client_options opts)
    : executor_(std::move(ex)), opts_(std::move(opts)) {
  if (opts_.proxy)
    proxy_env_ = *opts_.proxy;
  else if (opts_.use_env_proxy)
    proxy_env_ = proxy_env::from_environment();
}

SOFY_DECL client::~client() { close_idle(); }

SOFY_DECL std::size_t client::idle_connections() const noexcept {
  std::size_t n = 0;
  for (const auto& p : pools_) n += p->idle.size();
  return n;
}

SOFY_DECL void client::close_idle() noexcept {
  for (auto& p : pools_) p->idle.clear();  // ~connection closes
}

SOFY_DECL asio::ssl::context* client::tls_context() {
  if (!tls_) tls_.emplace(make_tls_context(opts_.tls));
  return &*tls_;
}

SOFY_DECL client::origin_pool& client::pool_for(const origin& o) {
  for (auto& p : pools_)
    if (p->origin == o) return *p;
  auto p = std::make_unique<origin_pool>();
  p->origin = o;
  p->proxy = select_proxy(o, proxy_env_);  // throws on a malformed proxy URL
  pools_.push_back(std::move(p));
  return *pools_.back();
}

SOFY_DECL void client::prune_idle(std::chrono::steady_clock::time_point now) noexcept {
  for (auto& p : pools_)
    std::erase_if(p->idle, [&](const idle_connection& c) { return now - c.since > opts_.idle_timeout; });
}

SOFY_DECL std::optional<connection> client::take_idle(origin_pool& p) {
  auto now = std::chrono::steady_clock::now();
  while (!p.idle.empty()) {
    idle_connection c = std::move(p.idle.back());  // the most recently used is the least likely stale
    p.idle.pop_back();
    if (now - c.since <= opts_.idle_timeout && !c.conn.is_stale()) return std::move(c.conn);
  }
  return std::nullopt;
}

SOFY_DECL void client::put_idle(origin_pool& p, connection c) {
  auto now = std::chrono::steady_clock::now();
  if (opts_.max_idle_per_origin == 0) return;
  if (p.idle.size() >= opts_.max_idle_per_origin) p.idle.erase(p.idle.begin());
  p.idle.push_back({std::move(c), now});
}

SOFY_DECL asio::awaitable<response> client::exchange(origin* o, http::request* req, const request_options* opts) {
  const bool idempotent = detail::is_idempotent(req->method);
  const bool head = req->method == "HEAD";
  auto conn_field = req->headers.get("Connection");
  const bool close_after = (conn_field && has_token(*conn_field, "close")) || req->version == 10;
  origin_pool* pool = &pool_for(*o);
  asio::ssl::context* ctx = o->is_tls() ? tls_context() : nullptr;
  const timeouts t{opts_.connect_timeout, opts_.handshake_timeout, opts_.write_timeout, opts_.read_timeout};

  for (int attempt = 0;; ++attempt) {
    std::optional<connection> conn;
    if (attempt == 0) conn = take_idle(*pool);
    const bool reused = conn.has_value();
    if (!conn) {
      conn.emplace(executor_, ctx, t, opts_.limits);
      conn->set_deadline(opts->deadline);
      std::exception_ptr connect_failure;
      try {
        auto connecting = conn->connect(*o, pool->proxy);  // arguments copied outside the co_await (GCC 12)
        co_await std::move(connecting);
      } catch (const std::system_error& e) {
        connect_failure = std::make_exception_ptr(exchange_error(e.code(), e.what(), false, false));
      }
      if (connect_failure) std::rethrow_exception(connect_failure);
      ++stats_.connections_opened;
    } else {
      conn->set_deadline(opts->deadline);
      ++stats_.reused;
    }
    ++stats_.requests;

    std::exception_ptr failure;
    bool retry = false;
    try {
      co_await conn->write(*req, opts->body_file);
      response res = co_await conn->read(head);
      if (!close_after && conn->reusable()) {
        prune_idle(std::chrono::steady_clock::now());
        put_idle(*pool, std::move(*conn));
      }
      co_return res;
    } catch (const std::system_error& e) {
      failure = std::make_exception_ptr(
          exchange_error(e.code(), e.what(), conn->request_bytes_written() > 0, conn->response_started()));
      retry = attempt == 0 && reused && idempotent && !conn->response_started() &&
              detail::is_stale_connection_error(e.code());
    }
    if (!retry) std::rethrow_exception(failure);
    ++stats_.retries;
  }
}

SOFY_DECL asio::awaitable<response> client::request(origin o, http::request req, request_options opts) {
  if (!req.headers.contains("Host")) req.headers.set("Host", o.host_header());
  for (int redirects = 0;; ++redirects) {
    response res = co_await exchange(&o, &req, &opts);
    if (opts.max_redirects <= 0 || !detail::is_redirect(res.status)) co_return res;
    auto location = res.headers.get("Location");
    if (!location) co_return res;
    if (redirects >= opts.max_redirects)
      throw std::system_error(error::too_many_redirects, req.method + " " + o.authority());
    std::error_code ec;
    redirect_target next = resolve_redirect(o, req.target, *location, ec);
    if (ec) throw std::system_error(ec, "following a redirect from " + o.authority());

    if (!(next.origin == o)) {
      req.headers.erase("Authorization");
      req.headers.erase("Cookie");
      req.headers.erase("Proxy-Authorization");
      for (const std::string& name : opts.sensitive_headers) req.headers.erase(name);
    }
    if (res.status == 303 || ((res.status == 301 || res.status == 302) && req.method == "POST")) {
      if (req.method != "HEAD") req.method = "GET";
      req.body.clear();
      opts.body_file = nullptr;
      req.headers.erase("Content-Length");
      req.headers.erase("Content-Type");
      req.headers.erase("Transfer-Encoding");
    }
    o = std::move(next.origin);
    req.target = std::move(next.target);
    req.headers.set("Host", o.host_header());
  }
}

}  // namespace sofy::http
