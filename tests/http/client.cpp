#include <sofy/http/client.hpp>

#include "support/pki.hpp"
#include "support/raw_server.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace sofy;
using namespace std::chrono_literals;
using http::error;
using clock_type = std::chrono::steady_clock;

namespace {

// What a scripted server sees of a request.
struct seen {
  std::uint64_t connection;
  std::string method, target;
  http::fields headers;
};

// Answers each request with what `answer` returns; an empty answer closes the connection
// without a word. `log` records every request.
using answer_fn = std::function<std::string(const http::request&, std::uint64_t connection, std::uint64_t index)>;

test::raw_server::session_fn scripted(answer_fn answer, std::vector<seen>* log) {
  return [answer, log](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    for (std::uint64_t index = 0;; ++index) {
      auto req = co_await p->read_request();
      if (!req) co_return;
      if (log) log->push_back({p->id(), req->method, req->target, req->headers});
      std::string out = answer(*req, p->id(), index);
      if (out.empty() || !co_await p->write(std::move(out))) {
        p->close();
        co_return;
      }
    }
  };
}

answer_fn always(int status, std::string body, std::string extra = {}) {
  return [=](const http::request&, std::uint64_t, std::uint64_t) { return test::http_response(status, body, extra); };
}

struct tls_fixture {
  test::pki pki = test::make_pki();
  asio::ssl::context server = test::server_tls_context(pki.server_cert, pki.server_key);
  http::client_options options() const {
    http::client_options o;
    o.tls.ca_file = pki.ca_file.string();
    o.use_env_proxy = false;
    o.connect_timeout = o.handshake_timeout = o.write_timeout = o.read_timeout = 5s;
    return o;
  }
};

http::client_options plain_options() {
  http::client_options o;
  o.use_env_proxy = false;
  o.connect_timeout = o.handshake_timeout = o.write_timeout = o.read_timeout = 5s;
  return o;
}

http::request make_request(std::string method, std::string target, std::string body = {}) {
  http::request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

asio::awaitable<http::response> send(http::client* c, http::origin o, http::request req, http::request_options opts = {}) {
  auto op = c->request(std::move(o), std::move(req), std::move(opts));
  co_return co_await std::move(op);
}

// Sends `n` GETs one after another; returns the bodies.
asio::awaitable<std::vector<std::string>> send_many(http::client* c, http::origin o, int n) {
  std::vector<std::string> bodies;
  for (int i = 0; i < n; ++i) {
    auto op = c->request(o, make_request("GET", "/poll/" + std::to_string(i)));
    bodies.push_back((co_await std::move(op)).body);
  }
  co_return bodies;
}

std::error_code error_of(asio::io_context& io, asio::awaitable<http::response> op, std::string* what = nullptr) {
  try {
    test::run(io, std::move(op));
  } catch (const std::system_error& e) {
    if (what) *what = e.what();
    return e.code();
  }
  return {};
}

}  // namespace

TEST_CASE("client: keep-alive over TLS, N requests on one accepted connection", "[client]") {
  tls_fixture f;
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server srv{io.get_executor(), scripted(always(200, "status"), &log), {.tls = &f.server}};
  http::client c{io.get_executor(), f.options()};
  auto bodies = test::run(io, send_many(&c, srv.origin(), 20));
  CHECK(bodies.size() == 20);
  CHECK(bodies.back() == "status");
  CHECK(srv.accepted() == 1);
  CHECK(c.stats().connections_opened == 1);
  CHECK(c.stats().reused == 19);
  CHECK(c.idle_connections() == 1);
  REQUIRE(log.size() == 20);
  CHECK(log[0].headers.get("Host") == srv.origin().host_header());
  CHECK(log[19].target == "/poll/19");
}

TEST_CASE("client: Connection: close in the response means a new connection", "[client]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), scripted(always(200, "x", "Connection: close\r\n"), nullptr), {.tls = &f.server}};
  http::client c{io.get_executor(), f.options()};
  test::run(io, send_many(&c, srv.origin(), 3));
  CHECK(srv.accepted() == 3);
  CHECK(c.idle_connections() == 0);
}

TEST_CASE("client: Connection: close in the request means a new connection", "[client]") {
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server srv{io.get_executor(), scripted(always(200, "x"), &log)};
  http::client c{io.get_executor(), plain_options()};
  auto req = make_request("GET", "/");
  req.headers.set("Connection", "close");
  test::run(io, send(&c, srv.origin(), req));
  test::run(io, send(&c, srv.origin(), req));
  CHECK(srv.accepted() == 2);
  CHECK(c.idle_connections() == 0);
  REQUIRE(log.size() == 2);
  CHECK(log[0].headers.get("Connection") == "close");
}

TEST_CASE("client: an explicit Host header is kept", "[client]") {
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server srv{io.get_executor(), scripted(always(200, "x"), &log)};
  http::client c{io.get_executor(), plain_options()};
  auto req = make_request("GET", "/");
  req.headers.set("Host", "virtual.example");
  test::run(io, send(&c, srv.origin(), req));
  REQUIRE(log.size() == 1);
  CHECK(log[0].headers.get("Host") == "virtual.example");
}

TEST_CASE("client: POST bodies and chunked responses", "[client]") {
  tls_fixture f;
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server srv{io.get_executor(),
                       scripted([](const http::request& r, std::uint64_t, std::uint64_t) {
                         return "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ngot\r\n" +
                                std::string(r.body.size() < 16 ? "1" : "2") + "\r\n" +
                                std::string(r.body.size() < 16 ? " " : "  ") + "\r\n" +
                                (r.body.size() < 16 ? std::string("1\r\n") + std::to_string(r.body.size()) : "")
                                + "\r\n0\r\n\r\n";
                       }, &log),
                       {.tls = &f.server}};
  http::client c{io.get_executor(), f.options()};
  auto res = test::run(io, send(&c, srv.origin(), make_request("POST", "/execute", "12345")));
  CHECK(res.status == 201);
  CHECK(res.body == "got 5");
  REQUIRE(log.size() == 1);
  CHECK(log[0].headers.get("Content-Length") == "5");
  CHECK(c.idle_connections() == 1);
}

TEST_CASE("client: a stale pooled connection is retried once for GET", "[client]") {
  asio::io_context io;
  // Connection 1 answers its first request and drops the second unanswered, as a server
  // that timed the connection out at that moment would.
  test::raw_server srv{io.get_executor(), scripted([](const http::request&, std::uint64_t conn, std::uint64_t index) {
                         return conn == 1 && index == 1 ? std::string() : test::http_response(200, "fresh");
                       }, nullptr)};
  http::client c{io.get_executor(), plain_options()};
  auto bodies = test::run(io, send_many(&c, srv.origin(), 2));
  CHECK(bodies == std::vector<std::string>{"fresh", "fresh"});
  CHECK(srv.accepted() == 2);
  CHECK(c.stats().retries == 1);
}

TEST_CASE("client: a stale pooled connection is not retried for POST", "[client]") {
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server srv{io.get_executor(), scripted([](const http::request&, std::uint64_t conn, std::uint64_t index) {
                         return conn == 1 && index == 1 ? std::string() : test::http_response(200, "ok");
                       }, &log)};
  http::client c{io.get_executor(), plain_options()};
  test::run(io, send(&c, srv.origin(), make_request("POST", "/execute")));
  CHECK(error_of(io, send(&c, srv.origin(), make_request("POST", "/execute"))) == error::connection_closed);
  CHECK(srv.accepted() == 1);
  CHECK(log.size() == 2);
  CHECK(c.stats().retries == 0);
}

TEST_CASE("client: a pooled connection the server closed while idle is not used", "[client]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    if (auto req = co_await p->read_request()) co_await p->write(test::http_response(200, "once"));
    co_await p->sleep(50ms);
    p->close();  // idle close, no close_notify
  }, {.tls = &f.server}};
  http::client c{io.get_executor(), f.options()};
  CHECK(test::run(io, send(&c, srv.origin(), make_request("POST", "/a"))).body == "once");
  std::this_thread::sleep_for(10ms);
  auto wait = [&]() -> asio::awaitable<void> {
    asio::steady_timer t{io, 200ms};
    co_await t.async_wait(asio::use_awaitable);
  };
  test::run(io, wait());
  // POST is never retried, so it only succeeds because the dead connection is not picked.
  CHECK(test::run(io, send(&c, srv.origin(), make_request("POST", "/b"))).body == "once");
  CHECK(srv.accepted() == 2);
  CHECK(c.stats().retries == 0);
}

TEST_CASE("client: idle connections are bounded per origin and expire", "[client]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), scripted([](const http::request&, std::uint64_t, std::uint64_t) {
                         return test::http_response(200, "x");
                       }, nullptr)};
  auto opts = plain_options();
  opts.max_idle_per_origin = 2;
  opts.idle_timeout = 150ms;
  http::client c{io.get_executor(), opts};
  auto parallel = [&]() -> asio::awaitable<void> {
    // Five requests at once need five connections; only two stay pooled.
    std::vector<std::future<http::response>> fs;
    for (int i = 0; i < 5; ++i)
      fs.push_back(c.async_request(srv.origin(), make_request("GET", "/"), {}, asio::use_future));
    asio::steady_timer t{io};
    while (!std::all_of(fs.begin(), fs.end(), [](auto& f) { return f.wait_for(0s) == std::future_status::ready; })) {
      t.expires_after(5ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    for (auto& fu : fs) fu.get();
  };
  test::run(io, parallel());
  CHECK(srv.accepted() == 5);
  CHECK(c.idle_connections() == 2);
  test::run(io, send(&c, srv.origin(), make_request("GET", "/")));
  CHECK(srv.accepted() == 5);  // reused
  std::this_thread::sleep_for(300ms);
  test::run(io, send(&c, srv.origin(), make_request("GET", "/")));
  CHECK(srv.accepted() == 6);  // the idle ones had expired
}

TEST_CASE("client: redirects are returned unless asked for", "[client]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), scripted(always(302, "", "Location: /elsewhere\r\n"), nullptr)};
  http::client c{io.get_executor(), plain_options()};
  auto res = test::run(io, send(&c, srv.origin(), make_request("GET", "/")));
  CHECK(res.status == 302);
  CHECK(res.headers.get("Location") == "/elsewhere");
}

TEST_CASE("client: followed redirects drop credentials across origins only", "[client]") {
  asio::io_context io;
  std::vector<seen> other_log, log;
  test::raw_server other{io.get_executor(), scripted(always(200, "landed"), &other_log)};
  std::string elsewhere = "http://127.0.0.1:" + std::to_string(other.port()) + "/final";
  test::raw_server srv{io.get_executor(), scripted([elsewhere](const http::request& r, std::uint64_t, std::uint64_t) {
                         if (r.target == "/start") return test::http_response(307, "", "Location: /same\r\n");
                         return test::http_response(301, "", "Location: " + elsewhere + "\r\n");
                       }, &log)};
  http::client c{io.get_executor(), plain_options()};
  auto req = make_request("GET", "/start");
  req.headers.set("Authorization", "Bearer secret");
  req.headers.set("Cookie", "session=1");
  req.headers.set("x-sofy-auth-key", "KEY");
  req.headers.set("Accept", "application/json");
  http::request_options ro;
  ro.max_redirects = 5;
  ro.sensitive_headers = {"x-sofy-auth-key"};
  auto res = test::run(io, send(&c, srv.origin(), req, ro));
  CHECK(res.status == 200);
  CHECK(res.body == "landed");
  REQUIRE(log.size() == 2);
  CHECK(log[1].target == "/same");
  CHECK(log[1].headers.get("Authorization") == "Bearer secret");  // same origin: kept
  CHECK(log[1].headers.get("x-sofy-auth-key") == "KEY");
  REQUIRE(other_log.size() == 1);
  CHECK(other_log[0].target == "/final");
  CHECK_FALSE(other_log[0].headers.contains("Authorization"));
  CHECK_FALSE(other_log[0].headers.contains("Cookie"));
  CHECK_FALSE(other_log[0].headers.contains("x-sofy-auth-key"));
  CHECK(other_log[0].headers.get("Accept") == "application/json");
  CHECK(other_log[0].headers.get("Host") == other.origin().host_header());
}

TEST_CASE("client: 303 turns POST into GET; too many redirects is an error", "[client]") {
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server srv{io.get_executor(), scripted([](const http::request& r, std::uint64_t, std::uint64_t) {
                         if (r.target == "/post") return test::http_response(303, "", "Location: /result\r\n");
                         if (r.target == "/result") return test::http_response(200, r.method + ":" + r.body);
                         return test::http_response(302, "", "Location: /loop\r\n");
                       }, &log)};
  http::client c{io.get_executor(), plain_options()};
  http::request_options ro;
  ro.max_redirects = 3;
  auto res = test::run(io, send(&c, srv.origin(), make_request("POST", "/post", "data"), ro));
  CHECK(res.body == "GET:");
  CHECK(error_of(io, send(&c, srv.origin(), make_request("GET", "/loop"), ro)) == error::too_many_redirects);
}

TEST_CASE("client: the read timeout from client options", "[client]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->drain();
  }, {.tls = &f.server}};
  auto opts = f.options();
  opts.read_timeout = 300ms;
  http::client c{io.get_executor(), opts};
  auto start = clock_type::now();
  std::string what;
  CHECK(error_of(io, send(&c, srv.origin(), make_request("GET", "/")), &what) == error::read_timeout);
  CHECK(clock_type::now() - start >= 250ms);
  CHECK(clock_type::now() - start < 3s);
  CHECK(what.find(srv.origin().authority()) != std::string::npos);
}

TEST_CASE("client: the request deadline", "[client]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->drain();
  }};
  http::client c{io.get_executor(), plain_options()};
  http::request_options ro;
  ro.deadline = clock_type::now() + 300ms;
  auto start = clock_type::now();
  CHECK(error_of(io, send(&c, srv.origin(), make_request("GET", "/"), ro)) == error::deadline_exceeded);
  CHECK(clock_type::now() - start >= 250ms);
  CHECK(clock_type::now() - start < 3s);
}

TEST_CASE("client: async_request with a callback and with cancellation", "[client]") {
  asio::io_context io;
  test::raw_server fast{io.get_executor(), scripted(always(200, "cb"), nullptr)};
  test::raw_server slow{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->drain();
  }};
  http::client c{io.get_executor(), plain_options()};

  std::optional<std::string> body;
  c.async_request(fast.origin(), make_request("GET", "/"), {}, [&](std::exception_ptr e, http::response r) {
    if (!e) body = r.body;
  });
  asio::cancellation_signal cancel;
  std::optional<std::error_code> cancelled;
  c.async_request(slow.origin(), make_request("GET", "/"), {},
                  asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, http::response) {
                    try {
                      if (e) std::rethrow_exception(e);
                      cancelled = std::error_code{};
                    } catch (const std::system_error& se) {
                      cancelled = se.code();
                    }
                  }));
  asio::steady_timer t{io, 200ms};
  t.async_wait([&](std::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  auto start = clock_type::now();
  while ((!body || !cancelled) && clock_type::now() - start < 5s) io.run_one_for(50ms);
  CHECK(body == "cb");
  REQUIRE(cancelled);
  CHECK(*cancelled == asio::error::operation_aborted);
  CHECK(clock_type::now() - start < 2s);
}

namespace {

// A forward proxy for tests: checks the request line and credentials, then either tunnels
// (CONNECT) to the upstream port or answers an absolute-form request itself.
struct test_proxy {
  std::vector<std::string> request_lines;
  std::vector<std::string> authorizations;
  std::string required_auth;  // "" accepts everyone

  static asio::awaitable<void> pump(std::shared_ptr<test::raw_peer> from, asio::ip::tcp::socket* to) {
    char buf[16384];
    for (;;) {
      auto [ec, n] = co_await from->socket().async_read_some(asio::buffer(buf), test::use_tuple);
      if (ec) break;
      auto [wec, wn] = co_await asio::async_write(*to, asio::buffer(buf, n), test::use_tuple);
      if (wec) break;
    }
    std::error_code ignored;
    to->shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }

  static asio::awaitable<void> pump_back(asio::ip::tcp::socket* from, std::shared_ptr<test::raw_peer> to) {
    char buf[16384];
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), test::use_tuple);
      if (ec) break;
      auto [wec, wn] = co_await asio::async_write(to->socket(), asio::buffer(buf, n), test::use_tuple);
      if (wec) break;
    }
    to->close();
  }

  test::raw_server::session_fn session() {
    return [this](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
      auto req = co_await p->read_request();
      if (!req) co_return;
      request_lines.push_back(req->method + " " + req->target);
      authorizations.emplace_back(req->headers.get("Proxy-Authorization").value_or(""));
      if (!required_auth.empty() && authorizations.back() != required_auth) {
        co_await p->write("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        co_return;
      }
      if (req->method != "CONNECT") {
        auto answering = p->write(test::http_response(200, "proxied " + req->target));
        co_await std::move(answering);
        co_return;
      }
      auto ex = co_await asio::this_coro::executor;
      auto upstream = std::make_shared<asio::ip::tcp::socket>(ex);
      auto colon = req->target.rfind(':');
      asio::ip::tcp::endpoint ep{asio::ip::make_address(req->target.substr(0, colon)),
                                 static_cast<std::uint16_t>(std::stoi(req->target.substr(colon + 1)))};
      auto [ec] = co_await upstream->async_connect(ep, test::use_tuple);
      if (ec) {
        co_await p->write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        co_return;
      }
      co_await p->write("HTTP/1.1 200 Connection established\r\n\r\n");
      asio::co_spawn(ex, pump(p, upstream.get()), asio::detached);
      auto back = pump_back(upstream.get(), p);
      co_await std::move(back);
    };
  }
};

}  // namespace

TEST_CASE("client: https through a CONNECT proxy with credentials", "[client]") {
  tls_fixture f;
  asio::io_context io;
  std::vector<seen> log;
  test::raw_server upstream{io.get_executor(), scripted(always(200, "through the tunnel"), &log), {.tls = &f.server}};
  test_proxy proxy;
  proxy.required_auth = "Basic dXNlcjpwQHNz";  // user:p@ss
  test::raw_server proxy_srv{io.get_executor(), proxy.session()};

  auto opts = f.options();
  opts.proxy = http::proxy_env{.https_proxy = "http://user:p%40ss@127.0.0.1:" + std::to_string(proxy_srv.port()),
                               .http_proxy = "", .no_proxy = ""};
  http::client c{io.get_executor(), opts};
  auto bodies = test::run(io, send_many(&c, upstream.origin(), 3));
  CHECK(bodies == std::vector<std::string>(3, "through the tunnel"));
  REQUIRE(proxy.request_lines.size() == 1);  // one tunnel, kept alive
  CHECK(proxy.request_lines[0] == "CONNECT " + upstream.origin().authority());
  CHECK(proxy.authorizations[0] == proxy.required_auth);
  CHECK(proxy_srv.accepted() == 1);
  CHECK(upstream.accepted() == 1);
  REQUIRE(log.size() == 3);
  CHECK_FALSE(log[0].headers.contains("Proxy-Authorization"));  // never leaks to the origin
}

TEST_CASE("client: a proxy refusing CONNECT is proxy_connect_failed with its status", "[client]") {
  tls_fixture f;
  asio::io_context io;
  test_proxy proxy;
  proxy.required_auth = "Basic something-else";
  test::raw_server proxy_srv{io.get_executor(), proxy.session()};
  auto opts = f.options();
  opts.proxy = http::proxy_env{.https_proxy = "http://user:hunter2@127.0.0.1:" + std::to_string(proxy_srv.port()),
                               .http_proxy = "", .no_proxy = ""};
  http::client c{io.get_executor(), opts};
  http::origin target = http::parse_base_url("https://api.example:443").origin;
  std::string what;
  CHECK(error_of(io, send(&c, target, make_request("GET", "/")), &what) == error::proxy_connect_failed);
  CHECK(what.find("407") != std::string::npos);
  CHECK(what.find("api.example:443") != std::string::npos);
  CHECK(what.find("hunter2") == std::string::npos);
  CHECK(proxy.request_lines == std::vector<std::string>{"CONNECT api.example:443"});
}

TEST_CASE("client: http through a proxy uses absolute-form targets", "[client]") {
  asio::io_context io;
  test_proxy proxy;
  test::raw_server proxy_srv{io.get_executor(), proxy.session()};
  auto opts = plain_options();
  opts.proxy = http::proxy_env{.https_proxy = "", .http_proxy = "127.0.0.1:" + std::to_string(proxy_srv.port()),
                               .no_proxy = "localhost"};
  http::client c{io.get_executor(), opts};
  http::origin target = http::parse_base_url("http://svc.example:8080").origin;
  auto res = test::run(io, send(&c, target, make_request("GET", "/x?y=1")));
  CHECK(res.body == "proxied http://svc.example:8080/x?y=1");
  CHECK(proxy.request_lines == std::vector<std::string>{"GET http://svc.example:8080/x?y=1"});
  CHECK(proxy.authorizations == std::vector<std::string>{""});
}

TEST_CASE("client: no_proxy sends matching origins direct", "[client]") {
  asio::io_context io;
  test_proxy proxy;
  test::raw_server proxy_srv{io.get_executor(), proxy.session()};
  test::raw_server direct{io.get_executor(), scripted(always(200, "direct"), nullptr)};
  auto opts = plain_options();
  opts.proxy = http::proxy_env{.https_proxy = "", .http_proxy = "127.0.0.1:" + std::to_string(proxy_srv.port()),
                               .no_proxy = "127.0.0.0/8"};
  http::client c{io.get_executor(), opts};
  CHECK(test::run(io, send(&c, direct.origin(), make_request("GET", "/"))).body == "direct");
  CHECK(proxy_srv.accepted() == 0);
}

TEST_CASE("client: a streamed file upload through the client", "[client]") {
  asio::io_context io;
  std::uint64_t received = 0;
  test::raw_server srv{io.get_executor(), [&](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    // Each awaitable is made before its co_await: GCC 12 mishandles a capturing lambda or
    // a temporary with a destructor inside the co_await expression.
    auto reading = p->read_request([&](std::string_view b) { received += b.size(); });
    auto req = co_await std::move(reading);
    if (!req) co_return;
    auto answering = p->write(test::http_response(200, std::string(req->headers.get("Content-Length").value_or(""))));
    co_await std::move(answering);
  }};
  auto path = std::filesystem::temp_directory_path() / ("sofy-client-upload-" + std::to_string(::getpid()));
  {
    std::ofstream out{path, std::ios::binary};
    out << std::string(200000, 'z');
  }
  std::uint64_t last = 0, total = 0;
  http::file_body body{.path = path, .prefix = "--b\r\n\r\n", .suffix = "\r\n--b--\r\n",
                       .on_progress = [&](std::uint64_t s, std::uint64_t t) { last = s, total = t; }};
  http::client c{io.get_executor(), plain_options()};
  http::request_options ro;
  ro.body_file = &body;
  auto res = test::run(io, send(&c, srv.origin(), make_request("POST", "/parser-microservice/build-upload"), ro));
  std::filesystem::remove(path);
  const std::uint64_t expected = 200000 + 7 + 9;
  CHECK(res.body == std::to_string(expected));
  CHECK(received == expected);
  CHECK(last == expected);
  CHECK(total == expected);
}

TEST_CASE("client: HEAD responses have no body and keep the connection", "[client]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), scripted([](const http::request& r, std::uint64_t, std::uint64_t) {
                         if (r.method == "HEAD") return std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
                         return test::http_response(200, "after head");
                       }, nullptr)};
  http::client c{io.get_executor(), plain_options()};
  auto head = test::run(io, send(&c, srv.origin(), make_request("HEAD", "/")));
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers.get("Content-Length") == "100");
  CHECK(test::run(io, send(&c, srv.origin(), make_request("GET", "/"))).body == "after head");
  CHECK(srv.accepted() == 1);
}

TEST_CASE("client: IPv6 loopback over TLS", "[client]") {
  tls_fixture f;
  asio::io_context io;
  std::vector<seen> log;
  std::optional<test::raw_server> srv;
  try {
    srv.emplace(io.get_executor(), scripted(always(200, "v6"), &log), test::raw_server_options{.tls = &f.server, .handshake = true, .address = "::1"});
  } catch (const std::system_error&) {
    WARN("no IPv6 loopback here");
    return;
  }
  http::client c{io.get_executor(), f.options()};
  http::origin o = http::parse_base_url("https://[::1]:" + std::to_string(srv->port())).origin;
  CHECK(test::run(io, send(&c, o, make_request("GET", "/"))).body == "v6");
  REQUIRE(log.size() == 1);
  CHECK(log[0].headers.get("Host") == "[::1]:" + std::to_string(srv->port()));
}
