#include <sofy/http/connection.hpp>
#include <sofy/http/tls.hpp>

#include "support/pki.hpp"
#include "support/raw_server.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

using namespace sofy;
using namespace std::chrono_literals;
using http::error;

namespace {

// Records the SNI name each handshake carried ("" for none).
struct sni_recorder {
  std::vector<std::string> names;
  static int callback(SSL* ssl, int*, void* arg) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    static_cast<sni_recorder*>(arg)->names.emplace_back(name ? name : "");
    return SSL_TLSEXT_ERR_OK;
  }
  void install(asio::ssl::context& ctx) {
    SSL_CTX_set_tlsext_servername_callback(ctx.native_handle(), &sni_recorder::callback);
    SSL_CTX_set_tlsext_servername_arg(ctx.native_handle(), this);
  }
};

// Answers every request with 200 "hello".
asio::awaitable<void> hello_session(std::shared_ptr<test::raw_peer> p) {
  while (auto req = co_await p->read_request())
    if (!co_await p->write(test::http_response(200, "hello"))) break;
}

// Connects to `o` with a client context made from `opts`, sends GET / and returns the body.
asio::awaitable<std::string> fetch(http::origin o, http::tls_options opts) {
  auto ex = co_await asio::this_coro::executor;
  asio::ssl::context ctx = http::make_tls_context(opts);
  http::connection c{ex, &ctx, {.connect = 5s, .handshake = 5s, .write = 5s, .read = 5s}};
  auto connecting = c.connect(o);
  co_await std::move(connecting);
  http::request req;
  req.headers.set("Host", o.host_header());
  co_await c.write(req);
  http::response res = co_await c.read();
  co_return res.body;
}

std::error_code fetch_error(asio::io_context& io, http::origin o, http::tls_options opts, std::string* what = nullptr) {
  try {
    test::run(io, fetch(std::move(o), std::move(opts)));
  } catch (const std::system_error& e) {
    if (what) *what = e.what();
    return e.code();
  }
  return {};
}

http::origin localhost_origin(std::uint16_t port) {
  return http::parse_base_url("https://localhost:" + std::to_string(port)).origin;
}

}  // namespace

TEST_CASE("tls: the context requires TLS 1.2 and verifies the peer", "[tls]") {
  asio::ssl::context ctx = http::make_tls_context();
  CHECK(SSL_CTX_get_min_proto_version(ctx.native_handle()) == TLS1_2_VERSION);
  CHECK((SSL_CTX_get_verify_mode(ctx.native_handle()) & SSL_VERIFY_PEER) != 0);
}

TEST_CASE("tls: an unreadable CA file is an error naming it", "[tls]") {
  try {
    http::make_tls_context({.ca_file = "/nonexistent/ca.pem", .ca_dir = ""});
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
  }
}

TEST_CASE("tls: handshake with a trusted certificate, IP literal without SNI", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.server_cert, pki.server_key);
  sni_recorder sni;
  sni.install(sctx);
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};
  CHECK(test::run(io, fetch(srv.origin(), {.ca_file = pki.ca_file.string(), .ca_dir = ""})) == "hello");
  REQUIRE(sni.names.size() == 1);
  CHECK(sni.names[0].empty());
}

TEST_CASE("tls: handshake with a trusted certificate, DNS name with SNI", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.server_cert, pki.server_key);
  sni_recorder sni;
  sni.install(sctx);
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};
  CHECK(test::run(io, fetch(localhost_origin(srv.port()), {.ca_file = pki.ca_file.string(), .ca_dir = ""})) == "hello");
  REQUIRE(sni.names.size() == 1);
  CHECK(sni.names[0] == "localhost");
}

TEST_CASE("tls: a certificate for another host is rejected", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.wrong_host_cert, pki.wrong_host_key);
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};
  std::string what;
  CHECK(fetch_error(io, srv.origin(), {.ca_file = pki.ca_file.string(), .ca_dir = ""}, &what) == error::tls_verify_failed);
  CHECK(what.find("127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
  CHECK(what.find("mismatch") != std::string::npos);
  CHECK(fetch_error(io, localhost_origin(srv.port()), {.ca_file = pki.ca_file.string(), .ca_dir = ""}) ==
        error::tls_verify_failed);
}

TEST_CASE("tls: an untrusted self-signed certificate is rejected", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.untrusted_cert, pki.untrusted_key);
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};
  std::string what;
  CHECK(fetch_error(io, srv.origin(), {.ca_file = pki.ca_file.string(), .ca_dir = ""}, &what) == error::tls_verify_failed);
  CHECK(what.find("self-signed") != std::string::npos);
}

TEST_CASE("tls: the system store alone does not trust the test CA", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.server_cert, pki.server_key);
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};
  CHECK(fetch_error(io, srv.origin(), {}) == error::tls_verify_failed);
}

TEST_CASE("tls: SSL_CERT_FILE is honoured by the default store", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.server_cert, pki.server_key);
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};

  std::optional<std::string> saved;
  if (const char* v = std::getenv("SSL_CERT_FILE")) saved = v;
  ::setenv("SSL_CERT_FILE", pki.ca_file.c_str(), 1);
  std::string body;
  try {
    body = test::run(io, fetch(srv.origin(), {}));  // the context is made with the variable set
  } catch (...) {
    saved ? ::setenv("SSL_CERT_FILE", saved->c_str(), 1) : ::unsetenv("SSL_CERT_FILE");
    throw;
  }
  saved ? ::setenv("SSL_CERT_FILE", saved->c_str(), 1) : ::unsetenv("SSL_CERT_FILE");
  CHECK(body == "hello");
}

TEST_CASE("tls: a server limited to TLS 1.1 is refused", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.server_cert, pki.server_key);
  SSL_CTX_set_min_proto_version(sctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(sctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(sctx.native_handle(), "DEFAULT:@SECLEVEL=0");
  test::raw_server srv{io.get_executor(), hello_session, {.tls = &sctx}};
  std::string what;
  std::error_code ec = fetch_error(io, srv.origin(), {.ca_file = pki.ca_file.string(), .ca_dir = ""}, &what);
  INFO(what);
  CHECK(ec);
  CHECK(ec != error::handshake_timeout);
  CHECK(ec != error::tls_verify_failed);
  CHECK(what.find("TLS handshake with 127.0.0.1") != std::string::npos);
}

TEST_CASE("tls: a server that never completes the handshake hits the handshake timeout", "[tls]") {
  auto pki = test::make_pki();
  asio::io_context io;
  auto sctx = test::server_tls_context(pki.server_cert, pki.server_key);
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
                         co_await p->drain_tcp();  // reads the ClientHello and never answers
                       },
                       {.tls = &sctx, .handshake = false}};
  auto attempt = [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    asio::ssl::context ctx = http::make_tls_context({.ca_file = pki.ca_file.string(), .ca_dir = ""});
    http::connection c{ex, &ctx, {.connect = 5s, .handshake = 300ms, .write = 5s, .read = 5s}};
    auto connecting = c.connect(srv.origin());
    co_await std::move(connecting);
  };
  auto start = std::chrono::steady_clock::now();
  try {
    test::run(io, attempt());
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == error::handshake_timeout);
  }
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 250ms);
  CHECK(took < 3s);
}
