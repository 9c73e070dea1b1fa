// Tests for include/sofy/http/server.hpp, over loopback, with raw Asio clients so that every
// byte the server sends (and every way it ends a connection) is visible.
#include <sofy/http/server.hpp>

#include "support/pki.hpp"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace sofy::http;
using namespace std::chrono_literals;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

const tcp::endpoint any_loopback{asio::ip::make_address("127.0.0.1"), 0};

// Runs the client coroutine and the server on one io_context; fails the test past `limit`.
template <class T>
T run_client(asio::io_context& io, asio::awaitable<T> client, std::chrono::seconds limit = 20s) {
  auto result = asio::co_spawn(io, std::move(client), asio::use_future);
  const auto deadline = clock_type::now() + limit;
  while (result.wait_for(0s) != std::future_status::ready) {
    if (clock_type::now() > deadline) FAIL("the test client did not finish in time");
    if (io.stopped()) io.restart();
    io.run_one_for(20ms);
  }
  return result.get();
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t{ex, d};
  co_await t.async_wait(use_tuple);
}

// A client connection with the bytes read past the last parsed response.
// Asio 1.22 on epoll never completes a read issued after one that returned EOF (it waits
// for readiness that already came), so the end of the stream is remembered here.
template <class Stream>
struct peer {
  explicit peer(Stream s) : stream(std::move(s)) {}
  Stream stream;
  std::string pending;
  std::error_code ended;
};

using tcp_peer = peer<tcp::socket>;
using tls_peer = peer<asio::ssl::stream<tcp::socket>>;

asio::awaitable<std::unique_ptr<tcp_peer>> connect_tcp(tcp::endpoint ep) {
  auto ex = co_await asio::this_coro::executor;
  auto p = std::make_unique<tcp_peer>(tcp::socket{ex});
  co_await p->stream.async_connect(ep, asio::use_awaitable);
  co_return p;
}

asio::ssl::context client_tls_context() {
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  ctx.load_verify_file(sofy::test::make_pki().ca_file.string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

asio::awaitable<std::unique_ptr<tls_peer>> connect_tls(tcp::endpoint ep, asio::ssl::context* ctx) {
  auto ex = co_await asio::this_coro::executor;
  auto p = std::make_unique<tls_peer>(asio::ssl::stream<tcp::socket>{ex, *ctx});
  p->stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  co_await p->stream.next_layer().async_connect(ep, asio::use_awaitable);
  co_await p->stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return p;
}

// `data` must outlive the call: pass a named string (no temporaries in co_await, for GCC 12).
template <class Stream>
asio::awaitable<void> send(peer<Stream>* p, std::string_view data) {
  co_await asio::async_write(p->stream, asio::buffer(data), asio::use_awaitable);
}

struct read_end {
  std::string data;      // every byte until the end
  std::error_code error;  // how the stream ended: eof, connection_reset, stream_truncated...
};

// Reads until the stream ends (the pending bytes come first).
template <class Stream>
asio::awaitable<read_end> read_to_end(peer<Stream>* p) {
  read_end r{std::move(p->pending), p->ended};
  p->pending.clear();
  if (p->ended) co_return r;
  char buf[4096];
  for (;;) {
    auto [ec, n] = co_await p->stream.async_read_some(asio::buffer(buf), use_tuple);
    r.data.append(buf, n);
    if (ec) {
      r.error = p->ended = ec;
      co_return r;
    }
  }
}

// Reads one response with the project's parser; nullopt if the stream ends first.
template <class Stream>
asio::awaitable<std::optional<response>> read_response(peer<Stream>* p, bool head_request = false) {
  response_parser parser;
  parser.set_head_request(head_request);
  char buf[4096];
  for (;;) {
    std::error_code ec;
    if (p->ended && p->pending.empty()) co_return std::nullopt;
    if (!p->pending.empty()) {
      std::size_t used = parser.feed(p->pending, ec);
      REQUIRE_FALSE(ec);
      p->pending.erase(0, used);
      if (parser.done()) co_return parser.release();
    }
    auto [read_ec, n] = co_await p->stream.async_read_some(asio::buffer(buf), use_tuple);
    p->pending.append(buf, n);
    if (read_ec) p->ended = read_ec;
  }
}

// Waits up to `d` for the server to send something or end the stream. True if it stayed silent.
template <class Stream>
asio::awaitable<bool> silent_for(peer<Stream>* p, std::chrono::milliseconds d) {
  using namespace asio::experimental::awaitable_operators;
  char byte;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer{ex, d};
  auto read = p->stream.async_read_some(asio::buffer(&byte, 1), use_tuple);
  auto wait = timer.async_wait(use_tuple);
  auto either = std::move(read) || std::move(wait);
  auto which = co_await std::move(either);
  if (which.index() == 0) {
    auto [ec, n] = std::get<0>(which);
    if (n) p->pending.push_back(byte);
    if (ec) p->ended = ec;
    co_return false;
  }
  co_return true;
}

response text(int status, std::string body) {
  response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

// Answers "<method> <target> conn=<id> index=<index>".
asio::awaitable<reply> echo(request req, const connection_info& info) {
  co_return text(200, req.method + " " + req.target + " conn=" + std::to_string(info.id) +
                          " index=" + std::to_string(info.request_index) + " body=" + req.body);
}

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) + "\r\n";
}

struct log_record {
  log_level level;
  std::string message;
};

asio::ssl::context server_tls_context() {
  const auto& pki = sofy::test::make_pki();
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  ctx.use_certificate_chain_file(pki.server_cert.string());
  ctx.use_private_key_file(pki.server_key.string(), asio::ssl::context::pem);
  return ctx;
}

bool is_imf_fixdate(std::string_view d) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  return d.size() == 29 && d[3] == ',' && d.substr(26) == "GMT" && d[19] == ':' && d[22] == ':';
}

}  // namespace

TEST_CASE("server: answers over TCP with Date and Content-Length") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};
  REQUIRE(srv.local_endpoint().port() != 0);

  auto res = run_client(io, [&]() -> asio::awaitable<std::optional<response>> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out1 = get("/hello");
    co_await send(p.get(), out1);
    co_return co_await read_response(p.get());
  }());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->reason == "OK");
  CHECK(res->body == "GET /hello conn=1 index=0 body=");
  CHECK(res->headers.get("Content-Length") == std::to_string(res->body.size()));
  REQUIRE(res->headers.get("Date"));
  CHECK(is_imf_fixdate(*res->headers.get("Date")));
  CHECK(res->headers.get("Content-Type") == "text/plain");
}

TEST_CASE("server: answers over TLS and tells the handler") {
  asio::io_context io;
  auto server_ctx = server_tls_context();
  auto client_ctx = client_tls_context();
  std::vector<connection_info> seen;
  server srv{io.get_executor(), any_loopback, server_ctx,
             [&](request req, const connection_info& info) -> asio::awaitable<reply> {
               seen.push_back(info);
               co_return text(200, "secure " + req.target);
             }};

  auto res = run_client(io, [&]() -> asio::awaitable<std::optional<response>> {
    auto p = co_await connect_tls(srv.local_endpoint(), &client_ctx);
    const std::string out2 = get("/s");
    co_await send(p.get(), out2);
    co_return co_await read_response(p.get());
  }());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "secure /s");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].tls);
  CHECK(seen[0].remote.address() == asio::ip::make_address("127.0.0.1"));
  CHECK(seen[0].remote.port() != 0);
}

TEST_CASE("server: serves IPv6 loopback when the host has it") {
  asio::io_context io;
  std::optional<server> srv;
  try {
    srv.emplace(io.get_executor(), tcp::endpoint{asio::ip::make_address("::1"), 0}, echo);
  } catch (const std::system_error&) {
    WARN("no IPv6 loopback here; skipped");
    return;
  }
  auto res = run_client(io, [&]() -> asio::awaitable<std::optional<response>> {
    auto p = co_await connect_tcp(srv->local_endpoint());
    const std::string out3 = get("/six");
    co_await send(p.get(), out3);
    co_return co_await read_response(p.get());
  }());
  REQUIRE(res);
  CHECK(res->body.rfind("GET /six", 0) == 0);
}

TEST_CASE("server: a port already in use is an error naming the endpoint") {
  asio::io_context io;
  server first{io.get_executor(), any_loopback, echo};
  const auto port = first.local_endpoint().port();
  try {
    server second{io.get_executor(), first.local_endpoint(), echo};
    FAIL("a second server bound the same port");
  } catch (const std::system_error& e) {
    CHECK(e.code() == asio::error::address_in_use);
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(port)));
  }
}

TEST_CASE("server: keep-alive serves two requests on one connection") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};

  auto bodies = run_client(io, [&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    auto p = co_await connect_tcp(srv.local_endpoint());
    for (int i = 0; i < 3; ++i) {
      const std::string out4 = get("/n" + std::to_string(i));
      co_await send(p.get(), out4);
      auto res = co_await read_response(p.get());
      REQUIRE(res);
      CHECK_FALSE(res->headers.contains("Connection"));
      out.push_back(res->body);
    }
    co_return out;
  }());
  CHECK(bodies == std::vector<std::string>{"GET /n0 conn=1 index=0 body=", "GET /n1 conn=1 index=1 body=",
                                           "GET /n2 conn=1 index=2 body="});
  CHECK(srv.accepted_connections() == 1);
}

TEST_CASE("server: HTTP/1.0 keep-alive is answered with Connection: keep-alive") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};
  auto bodies = run_client(io, [&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    auto p = co_await connect_tcp(srv.local_endpoint());
    for (int i = 0; i < 2; ++i) {
      co_await send(p.get(), "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      auto res = co_await read_response(p.get());
      REQUIRE(res);
      CHECK(res->headers.get("Connection") == "keep-alive");
      out.push_back(res->body);
    }
    co_return out;
  }());
  CHECK(bodies == std::vector<std::string>{"GET /old conn=1 index=0 body=", "GET /old conn=1 index=1 body="});
}

TEST_CASE("server: Connection: close and plain HTTP/1.0 end the connection after the answer") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};
  for (std::string request : {get("/bye", "Connection: close\r\n"), std::string("GET /bye HTTP/1.0\r\n\r\n")}) {
    auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
      auto p = co_await connect_tcp(srv.local_endpoint());
      co_await send(p.get(), request);
      co_return co_await read_to_end(p.get());
    }());
    CHECK(end.error == asio::error::eof);
    CHECK_THAT(end.data, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(end.data, Catch::Contains("\r\nConnection: close\r\n"));
    CHECK_THAT(end.data, Catch::EndsWith("GET /bye conn=" + std::to_string(srv.accepted_connections()) +
                                         " index=0 body="));
  }
}

TEST_CASE("server: a client that half-closes after its request still gets the answer") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out = get("/half");
    co_await send(p.get(), out);
    p->stream.shutdown(tcp::socket::shutdown_send);
    auto r = co_await read_to_end(p.get());
    // The server notices the close and frees the connection without waiting for idle_timeout.
    for (int i = 0; i < 100 && srv.active_connections() != 0; ++i) co_await sleep_for(10ms);
    co_return r;
  }());
  CHECK_THAT(end.data, Catch::EndsWith("GET /half conn=1 index=0 body="));
  CHECK(end.error == asio::error::eof);
  CHECK(srv.active_connections() == 0);
}

TEST_CASE("server: pipelined requests are answered one at a time, in order") {
  asio::io_context io;
  int running = 0, max_running = 0;
  server srv{io.get_executor(), any_loopback,
             [&](request req, const connection_info& info) -> asio::awaitable<reply> {
               max_running = std::max(max_running, ++running);
               // The first request is the slowest: answers must still come in request order.
               co_await sleep_for(req.target == "/a" ? 150ms : 10ms);
               --running;
               co_return text(200, req.target + ":" + req.body + ":" + std::to_string(info.request_index));
             }};

  auto bodies = run_client(io, [&]() -> asio::awaitable<std::vector<std::string>> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    co_await send(p.get(), get("/a") + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
                               "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
                               get("/d"));
    std::vector<std::string> out;
    for (int i = 0; i < 4; ++i) {
      auto res = co_await read_response(p.get());
      REQUIRE(res);
      out.push_back(res->body);
    }
    co_return out;
  }());
  CHECK(bodies == std::vector<std::string>{"/a::0", "/b:hello:1", "/c:abc:2", "/d::3"});
  CHECK(max_running == 1);
}

TEST_CASE("server: HEAD gets the length of the body but no body") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request, const connection_info&) -> asio::awaitable<reply> {
               co_return text(200, "twelve bytes");
             }};
  auto res = run_client(io, [&]() -> asio::awaitable<std::vector<response>> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out5 = "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/");
    co_await send(p.get(), out5);
    std::vector<response> out;
    auto head = co_await read_response(p.get(), true);
    auto full = co_await read_response(p.get());
    REQUIRE(head);
    REQUIRE(full);
    out.push_back(*head);
    out.push_back(*full);
    co_return out;
  }());
  CHECK(res[0].headers.get("Content-Length") == "12");
  CHECK(res[0].body.empty());
  CHECK(res[1].body == "twelve bytes");
}

TEST_CASE("server: 204 and 304 carry no body and no Content-Length") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request req, const connection_info&) -> asio::awaitable<reply> {
               co_return text(req.target == "/204" ? 204 : 304, "ignored");
             }};
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out6 = get("/204") + get("/304", "Connection: close\r\n");
    co_await send(p.get(), out6);
    co_return co_await read_to_end(p.get());
  }());
  CHECK_THAT(end.data, Catch::StartsWith("HTTP/1.1 204 No Content\r\n"));
  CHECK_THAT(end.data, Catch::Contains("HTTP/1.1 304 Not Modified\r\n"));
  CHECK_THAT(end.data, !Catch::Contains("Content-Length"));
  CHECK_THAT(end.data, !Catch::Contains("ignored"));
}

TEST_CASE("server: Expect: 100-continue is answered before the body is read") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};
  auto out = run_client(io, [&]() -> asio::awaitable<std::pair<std::string, std::optional<response>>> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    co_await send(p.get(), "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    std::string interim(25, '\0');
    co_await asio::async_read(p->stream, asio::buffer(interim), asio::use_awaitable);
    co_await send(p.get(), "data");
    auto res = co_await read_response(p.get());
    co_return std::pair{interim, res};
  }());
  CHECK(out.first == "HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE(out.second);
  CHECK(out.second->body == "POST /up conn=1 index=0 body=data");
}

TEST_CASE("server: a malformed request gets 400 and the connection is closed") {
  asio::io_context io;
  int calls = 0;
  std::vector<log_record> logs;
  server_options opts;
  opts.logger = [&](log_level l, std::string_view m) { logs.push_back({l, std::string(m)}); };
  server srv{io.get_executor(), any_loopback,
             [&](request req, const connection_info& info) -> asio::awaitable<reply> {
               ++calls;
               auto answer = echo(std::move(req), info);
               co_return co_await std::move(answer);
             },
             opts};

  const std::string bad = GENERATE(as<std::string>{},
                                   "GET / HTTP/1.1\r\nHost : x\r\n\r\n",         // whitespace before colon
                                   "GET / HTTP/1.1\r\nHost: x\rEvil: 1\r\n\r\n",  // bare CR
                                   "GET / HTTP/9.9\r\n\r\n",                       // version
                                   "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
                                   "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                                   "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS to a plain port\r\n\r\n");
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    // A following request in the same write must not be answered.
    const std::string out7 = bad + get("/after");
    co_await send(p.get(), out7);
    co_return co_await read_to_end(p.get());
  }());
  CHECK_THAT(end.data, Catch::StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  CHECK_THAT(end.data, Catch::Contains("Connection: close\r\n"));
  CHECK(end.error == asio::error::eof);
  CHECK_THAT(end.data, !Catch::Contains("/after"));
  CHECK(calls == 0);
  REQUIRE_FALSE(logs.empty());
  CHECK(logs.back().level == log_level::debug);
  CHECK_THAT(logs.back().message, Catch::Contains("malformed request"));
}

TEST_CASE("server: an oversized head gets 431, an oversized body 413") {
  asio::io_context io;
  server_options opts;
  opts.limits.max_head = 1024;
  opts.limits.max_body = 100;
  server srv{io.get_executor(), any_loopback, echo, opts};

  auto answer = [&](std::string request) {
    return run_client(io, [&]() -> asio::awaitable<read_end> {
      auto p = co_await connect_tcp(srv.local_endpoint());
      co_await send(p.get(), request);
      co_return co_await read_to_end(p.get());
    }());
  };
  auto big_head = answer(get("/", "X-Big: " + std::string(2000, 'a') + "\r\n"));
  CHECK_THAT(big_head.data, Catch::StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  CHECK(big_head.error == asio::error::eof);

  std::string many_fields;
  for (int i = 0; i < 150; ++i) many_fields += "X-" + std::to_string(i) + ": v\r\n";
  auto too_many = answer(get("/", many_fields));
  CHECK_THAT(too_many.data, Catch::StartsWith("HTTP/1.1 431 "));

  auto big_body = answer("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'b'));
  CHECK_THAT(big_body.data, Catch::StartsWith("HTTP/1.1 413 Content Too Large\r\n"));

  auto big_chunked = answer("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string("c8\r\n") +
                            std::string(200, 'c') + "\r\n0\r\n\r\n");
  CHECK_THAT(big_chunked.data, Catch::StartsWith("HTTP/1.1 413 "));

  auto fine = answer("POST / HTTP/1.1\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + std::string(100, 'd'));
  CHECK_THAT(fine.data, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("server: a client that sends its head too slowly is disconnected at header_timeout") {
  asio::io_context io;
  server_options opts;
  opts.header_timeout = 300ms;
  int calls = 0;
  server srv{io.get_executor(), any_loopback,
             [&](request req, const connection_info& info) -> asio::awaitable<reply> {
               ++calls;
               auto answer = echo(std::move(req), info);
               co_return co_await std::move(answer);
             },
             opts};

  // Slowloris: a byte every 50 ms, which a per-read timeout would never catch.
  auto elapsed = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const auto start = clock_type::now();
    const std::string head = get("/slow", "X-Pad: " + std::string(200, 'p') + "\r\n");
    for (char ch : head) {
      auto [ec, n] = co_await asio::async_write(p->stream, asio::buffer(&ch, 1), use_tuple);
      if (ec) break;
      if (!co_await silent_for(p.get(), 50ms)) break;  // the server closed
    }
    auto end = co_await read_to_end(p.get());
    CHECK(end.data.empty());
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  }());
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 3s);
  CHECK(calls == 0);

  // A client that connects and sends nothing at all.
  auto silent = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const auto start = clock_type::now();
    co_await read_to_end(p.get());
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  }());
  CHECK(silent >= 200ms);
  CHECK(silent < 3s);
}

TEST_CASE("server: a TLS client that never completes the handshake is disconnected") {
  asio::io_context io;
  auto server_ctx = server_tls_context();
  server_options opts;
  opts.header_timeout = 300ms;
  server srv{io.get_executor(), any_loopback, server_ctx, echo, opts};
  auto elapsed = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const auto start = clock_type::now();
    co_await read_to_end(p.get());
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  }());
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 3s);
  // Plain HTTP to the TLS port is refused without an answer and without harm.
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out8 = get("/");
    co_await send(p.get(), out8);
    co_return co_await read_to_end(p.get());
  }());
  CHECK_THAT(end.data, !Catch::Contains("HTTP/1.1 200"));
}

TEST_CASE("server: an idle kept-alive connection is closed after idle_timeout") {
  asio::io_context io;
  server_options opts;
  opts.idle_timeout = 300ms;
  server srv{io.get_executor(), any_loopback, echo, opts};
  auto elapsed = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out9 = get("/");
    co_await send(p.get(), out9);
    auto res = co_await read_response(p.get());
    REQUIRE(res);
    const auto start = clock_type::now();
    auto end = co_await read_to_end(p.get());
    CHECK(end.data.empty());
    CHECK(end.error == asio::error::eof);
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  }());
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("server: a body that stops arriving hits read_timeout") {
  asio::io_context io;
  server_options opts;
  opts.read_timeout = 300ms;
  server srv{io.get_executor(), any_loopback, echo, opts};
  auto elapsed = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    co_await send(p.get(), "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    const auto start = clock_type::now();
    auto end = co_await read_to_end(p.get());
    CHECK_THAT(end.data, !Catch::Contains("200"));
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  }());
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("server: connections over max_connections wait until a slot frees") {
  asio::io_context io;
  server_options opts;
  opts.max_connections = 2;
  server srv{io.get_executor(), any_loopback, echo, opts};

  run_client(io, [&]() -> asio::awaitable<void> {
    // Two connections take both slots and stay open.
    std::vector<std::unique_ptr<tcp_peer>> held;
    for (int i = 0; i < 2; ++i) {
      held.push_back(co_await connect_tcp(srv.local_endpoint()));
      const std::string out10 = get("/held");
      co_await send(held.back().get(), out10);
      auto res = co_await read_response(held.back().get());
      REQUIRE(res);
    }
    // Ten more connect (the kernel queues them) and ask; none is served yet.
    std::vector<std::unique_ptr<tcp_peer>> waiting;
    for (int i = 0; i < 10; ++i) {
      waiting.push_back(co_await connect_tcp(srv.local_endpoint()));
      const std::string out11 = get("/queued", "Connection: close\r\n");
      co_await send(waiting.back().get(), out11);
    }
    const auto got12 = co_await silent_for(waiting.front().get(), 300ms);
    CHECK(got12);
    CHECK(srv.active_connections() == 2);
    CHECK(srv.accepted_connections() == 2);

    held.clear();  // frees both slots
    for (auto& w : waiting) {
      auto end = co_await read_to_end(w.get());
      CHECK_THAT(end.data, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
      CHECK(srv.active_connections() <= 2);
      w.reset();  // the server lingers until the client closes its side too
    }
    CHECK(srv.accepted_connections() == 12);
  }());
  CHECK(srv.active_connections() <= 2);
}

TEST_CASE("server: stop() ends every connection promptly and refuses new ones") {
  asio::io_context io;
  bool handler_cancelled = false;
  server srv{io.get_executor(), any_loopback,
             [&](request req, const connection_info& info) -> asio::awaitable<reply> {
               if (req.target == "/stall") co_return reply::stalled();
               if (req.target == "/slow-handler") {
                 auto ex = co_await asio::this_coro::executor;
                 asio::steady_timer t{ex, 30s};
                 auto [ec] = co_await t.async_wait(use_tuple);
                 handler_cancelled = ec == asio::error::operation_aborted;
               }
               auto answer = echo(std::move(req), info);
               co_return co_await std::move(answer);
             }};
  const auto ep = srv.local_endpoint();

  auto elapsed = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    std::vector<std::unique_ptr<tcp_peer>> peers;
    peers.push_back(co_await connect_tcp(ep));  // idle, kept alive
    const std::string out13 = get("/");
    co_await send(peers.back().get(), out13);
    const auto got14 = co_await read_response(peers.back().get());
    REQUIRE(got14);
    peers.push_back(co_await connect_tcp(ep));  // half a head
    co_await send(peers.back().get(), "GET /partial HTTP/1.1\r\nHo");
    peers.push_back(co_await connect_tcp(ep));  // stalled answer
    const std::string out15 = get("/stall");
    co_await send(peers.back().get(), out15);
    peers.push_back(co_await connect_tcp(ep));  // handler busy
    const std::string out16 = get("/slow-handler");
    co_await send(peers.back().get(), out16);
    co_await sleep_for(100ms);
    CHECK(srv.active_connections() == 4);

    const auto start = clock_type::now();
    srv.stop();
    for (auto& p : peers) {
      auto end = co_await read_to_end(p.get());
      CHECK(end.error);
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);

    auto ex = co_await asio::this_coro::executor;
    tcp::socket late{ex};
    auto [ec] = co_await late.async_connect(ep, use_tuple);
    CHECK(ec == asio::error::connection_refused);
    co_return took;
  }());
  CHECK(elapsed < 1s);
  // Let the cancelled handler and the connections finish.
  for (int i = 0; i < 100 && srv.active_connections() != 0; ++i) io.run_one_for(20ms);
  CHECK(srv.active_connections() == 0);
  CHECK(handler_cancelled);
}

TEST_CASE("server: stop() from another thread") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, echo};
  std::thread stopper{[&] {
    std::this_thread::sleep_for(100ms);
    srv.stop();
  }};
  const auto start = clock_type::now();
  io.run_for(10s);  // returns once the accept loop and every connection have ended
  stopper.join();
  CHECK(clock_type::now() - start < 5s);
  CHECK(srv.active_connections() == 0);
}

TEST_CASE("server: a handler exception becomes a 500, is logged, and the connection lives on") {
  asio::io_context io;
  std::vector<log_record> logs;
  server_options opts;
  opts.logger = [&](log_level l, std::string_view m) { logs.push_back({l, std::string(m)}); };
  server srv{io.get_executor(), any_loopback,
             [](request req, const connection_info& info) -> asio::awaitable<reply> {
               if (req.target.rfind("/throw", 0) == 0) throw std::runtime_error("the handler broke");
               if (req.target == "/invalid") {
                 response bad = text(200, "x");
                 bad.headers.set("X-Bad", "a\r\nEvil: header");
                 co_return bad;
               }
               auto answer = echo(std::move(req), info);
               co_return co_await std::move(answer);
             },
             opts};

  auto res = run_client(io, [&]() -> asio::awaitable<std::vector<response>> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out17 = get("/throw?token=hidden") + get("/invalid") + get("/ok");
    co_await send(p.get(), out17);
    std::vector<response> out;
    for (int i = 0; i < 3; ++i) {
      auto r = co_await read_response(p.get());
      REQUIRE(r);
      out.push_back(*r);
    }
    co_return out;
  }());
  CHECK(res[0].status == 500);
  CHECK_THAT(res[0].body, !Catch::Contains("broke"));  // internals stay in the log
  CHECK(res[1].status == 500);
  CHECK(res[2].status == 200);
  CHECK(res[2].body == "GET /ok conn=1 index=2 body=");

  std::vector<std::string> errors;
  for (auto& l : logs)
    if (l.level == log_level::error) errors.push_back(l.message);
  REQUIRE(errors.size() == 2);
  CHECK_THAT(errors[0], Catch::Contains("GET /throw") && Catch::Contains("the handler broke"));
  CHECK_THAT(errors[0], !Catch::Contains("hidden"));
  CHECK_THAT(errors[1], Catch::Contains("invalid response"));
}

TEST_CASE("server: fault: delay holds the answer back") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request, const connection_info&) -> asio::awaitable<reply> {
               reply r = text(200, "late");
               r.delay = 300ms;
               co_return r;
             }};
  auto elapsed = run_client(io, [&]() -> asio::awaitable<std::chrono::milliseconds> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const auto start = clock_type::now();
    const std::string out18 = get("/");
    co_await send(p.get(), out18);
    auto res = co_await read_response(p.get());
    REQUIRE(res);
    CHECK(res->body == "late");
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
  }());
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("server: fault: stall never answers and holds the connection until the client leaves") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request, const connection_info&) -> asio::awaitable<reply> {
               co_return reply::stalled();
             }};
  run_client(io, [&]() -> asio::awaitable<void> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out19 = get("/");
    co_await send(p.get(), out19);
    const auto got20 = co_await silent_for(p.get(), 500ms);
    CHECK(got20);  // neither an answer nor a close
    CHECK(srv.active_connections() == 1);
    p.reset();
    for (int i = 0; i < 100 && srv.active_connections() != 0; ++i) co_await sleep_for(10ms);
    CHECK(srv.active_connections() == 0);
  }());
}

TEST_CASE("server: fault: cut mid-body closes after N body bytes (TCP)") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request, const connection_info&) -> asio::awaitable<reply> {
               reply r = text(200, std::string(1000, 'x'));
               r.cut_after = 100;
               co_return r;
             }};
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out21 = get("/");
    co_await send(p.get(), out21);
    co_return co_await read_to_end(p.get());
  }());
  CHECK(end.error == asio::error::eof);
  const auto split = end.data.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  CHECK_THAT(end.data.substr(0, split), Catch::Contains("Content-Length: 1000"));
  CHECK(end.data.substr(split + 4) == std::string(100, 'x'));
}

TEST_CASE("server: fault: cut mid-body over TLS ends without close_notify") {
  asio::io_context io;
  auto server_ctx = server_tls_context();
  auto client_ctx = client_tls_context();
  server srv{io.get_executor(), any_loopback, server_ctx,
             [](request req, const connection_info&) -> asio::awaitable<reply> {
               reply r = text(200, std::string(1000, 'x'));
               if (req.target == "/cut") r.cut_after = 100;
               else r.close = true;
               co_return r;
             }};
  auto answer = [&](std::string target) {
    return run_client(io, [&]() -> asio::awaitable<read_end> {
      auto p = co_await connect_tls(srv.local_endpoint(), &client_ctx);
      const std::string out22 = get(target);
      co_await send(p.get(), out22);
      co_return co_await read_to_end(p.get());
    }());
  };
  auto cut = answer("/cut");
  CHECK(cut.error == asio::ssl::error::stream_truncated);
  CHECK(cut.data.substr(cut.data.find("\r\n\r\n") + 4) == std::string(100, 'x'));
  // The same answer without the fault ends with a proper close_notify.
  auto whole = answer("/whole");
  CHECK(whole.error == asio::error::eof);
  CHECK(whole.data.substr(whole.data.find("\r\n\r\n") + 4) == std::string(1000, 'x'));
}

TEST_CASE("server: fault: reset after N body bytes aborts the connection") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request, const connection_info&) -> asio::awaitable<reply> {
               reply r = text(200, std::string(1000, 'x'));
               r.cut_after = 10;
               r.cut = cut_action::reset;
               co_return r;
             }};
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out23 = get("/");
    co_await send(p.get(), out23);
    co_return co_await read_to_end(p.get());
  }());
  CHECK(end.error == asio::error::connection_reset);
  CHECK(end.data.find(std::string(11, 'x')) == std::string::npos);
}

TEST_CASE("server: fault: stall after the head sends the head and then nothing") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request, const connection_info&) -> asio::awaitable<reply> {
               reply r = text(200, "never sent");
               r.cut_after = 0;
               r.cut = cut_action::stall;
               co_return r;
             }};
  auto data = run_client(io, [&]() -> asio::awaitable<std::string> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out24 = get("/");
    co_await send(p.get(), out24);
    std::string got;
    while (got.find("\r\n\r\n") == std::string::npos) {
      char buf[512];
      auto [ec, n] = co_await p->stream.async_read_some(asio::buffer(buf), use_tuple);
      REQUIRE_FALSE(ec);
      got.append(buf, n);
    }
    const auto got25 = co_await silent_for(p.get(), 300ms);
    CHECK(got25);
    co_return got;
  }());
  CHECK_THAT(data, Catch::StartsWith("HTTP/1.1 200 OK\r\n") && Catch::EndsWith("\r\n\r\n"));
  CHECK_THAT(data, Catch::Contains("Content-Length: 10\r\n"));
}

TEST_CASE("server: fault: chunked body, whole and cut") {
  asio::io_context io;
  server srv{io.get_executor(), any_loopback, [](request req, const connection_info&) -> asio::awaitable<reply> {
               reply r = text(200, "hello chunked world");
               r.chunked = true;
               r.chunk_size = 4;
               if (req.target == "/cut") r.cut_after = 6;
               co_return r;
             }};
  auto both = run_client(io, [&]() -> asio::awaitable<std::pair<read_end, std::optional<response>>> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out26 = get("/whole");
    co_await send(p.get(), out26);
    auto res = co_await read_response(p.get());
    auto q = co_await connect_tcp(srv.local_endpoint());
    const std::string out27 = get("/cut");
    co_await send(q.get(), out27);
    auto cut = co_await read_to_end(q.get());
    co_return std::pair{cut, res};
  }());
  auto& [cut, whole] = both;
  REQUIRE(whole);
  CHECK(whole->body == "hello chunked world");
  CHECK(whole->headers.get("Transfer-Encoding") == "chunked");
  CHECK_FALSE(whole->headers.contains("Content-Length"));

  CHECK(cut.error == asio::error::eof);
  CHECK_THAT(cut.data, Catch::EndsWith("\r\n\r\n4\r\nhell\r\n4\r\no "));
  response_parser parser;
  std::error_code ec;
  parser.feed(cut.data, ec);
  CHECK_FALSE(ec);
  CHECK_FALSE(parser.done());  // the client sees a truncated body
}

TEST_CASE("server: fault: raw bytes are sent verbatim, then the connection closes") {
  asio::io_context io;
  const std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"truncated\": tr";
  server srv{io.get_executor(), any_loopback, [&](request, const connection_info&) -> asio::awaitable<reply> {
               co_return reply::raw_bytes(raw);
             }};
  auto end = run_client(io, [&]() -> asio::awaitable<read_end> {
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out28 = get("/");
    co_await send(p.get(), out28);
    co_return co_await read_to_end(p.get());
  }());
  CHECK(end.data == raw);
  CHECK(end.error == asio::error::eof);
}

TEST_CASE("server: a large body is written in full over TLS") {
  asio::io_context io;
  auto server_ctx = server_tls_context();
  auto client_ctx = client_tls_context();
  std::string big(3 * 1024 * 1024 + 7, 'z');
  for (std::size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
  server srv{io.get_executor(), any_loopback, server_ctx,
             [&](request, const connection_info&) -> asio::awaitable<reply> { co_return text(200, big); }};
  auto res = run_client(io, [&]() -> asio::awaitable<std::optional<response>> {
    auto p = co_await connect_tls(srv.local_endpoint(), &client_ctx);
    const std::string out29 = get("/big");
    co_await send(p.get(), out29);
    co_return co_await read_response(p.get());
  }());
  REQUIRE(res);
  CHECK(res->body == big);
}

TEST_CASE("server: junk from many clients at once does not hurt it") {
  asio::io_context io;
  server_options opts;
  opts.header_timeout = 500ms;
  opts.max_connections = 16;
  server srv{io.get_executor(), any_loopback, echo, opts};
  run_client(io, [&]() -> asio::awaitable<void> {
    std::vector<std::unique_ptr<tcp_peer>> peers;
    const std::string junk[] = {"\r\n\r\n\r\n", "GET", "GET / HTTP/1.1\r\n", "\0\0\0\0",
                                "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
                                "GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", std::string(20000, 'A')};
    for (int i = 0; i < 40; ++i) {
      peers.push_back(co_await connect_tcp(srv.local_endpoint()));
      auto& j = junk[static_cast<std::size_t>(i) % std::size(junk)];
      auto [ec, n] = co_await asio::async_write(peers.back()->stream, asio::buffer(j), use_tuple);
      (void)ec;
      (void)n;
    }
    peers.clear();
    // Still serving.
    auto p = co_await connect_tcp(srv.local_endpoint());
    const std::string out30 = get("/alive");
    co_await send(p.get(), out30);
    auto res = co_await read_response(p.get());
    REQUIRE(res);
    CHECK(res->status == 200);
  }());
}
