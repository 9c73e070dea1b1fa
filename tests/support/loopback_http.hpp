// One blocking HTTP/1.1 request to a loopback port, plain or over TLS, for tests that
// drive a server run as a child process (sofy-sim's admin API). Plain sockets and
// OpenSSL, so a test needs no Asio; the answer is read with sofy's sans-I/O parser.
//
//   auto r = sofy::test::http_request(port, "GET", "/_sim/hooks/qa-slack");
//   auto r = sofy::test::http_request(port, "POST", "/_sim/execute?schedule=G", "", &pki.ca_file);
//
// Every call is its own connection (Connection: close) with a 10 s receive timeout.
// Failures throw std::runtime_error saying what failed.
#pragma once

#include <sofy/http/parser.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

namespace sofy::test {

struct http_answer {
  int status = 0;
  std::string body;
  sofy::http::fields headers;
};

namespace detail {

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};
struct ssl_ctx_free_t {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free_t {
  void operator()(SSL* s) const { SSL_free(s); }
};

[[noreturn]] inline void http_fail(const std::string& what) {
  throw std::runtime_error("loopback http: " + what);
}

}  // namespace detail

// `ca_file` set: TLS, verifying the server's certificate for 127.0.0.1 against it.
inline http_answer http_request(int port, const std::string& method, const std::string& target,
                                const std::string& body = "",
                                const std::filesystem::path* ca_file = nullptr) {
  detail::fd_guard s{::socket(AF_INET, SOCK_STREAM, 0)};
  if (s.fd < 0) detail::http_fail("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    detail::http_fail("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  timeval tv{10, 0};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  std::unique_ptr<SSL_CTX, detail::ssl_ctx_free_t> ctx;
  std::unique_ptr<SSL, detail::ssl_free_t> ssl;
  if (ca_file) {
    ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx || SSL_CTX_load_verify_locations(ctx.get(), ca_file->c_str(), nullptr) != 1)
      detail::http_fail("cannot load CA file " + ca_file->string());
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    ssl.reset(SSL_new(ctx.get()));
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
    SSL_set_fd(ssl.get(), s.fd);
    if (SSL_connect(ssl.get()) != 1) {
      ERR_clear_error();
      detail::http_fail("TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed");
    }
  }
  auto send_all = [&](const std::string& data) {
    std::size_t at = 0;
    while (at < data.size()) {
      const long n =
          ssl ? SSL_write(ssl.get(), data.data() + at, static_cast<int>(data.size() - at))
              : ::send(s.fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n <= 0) detail::http_fail("send " + method + " " + target + " failed");
      at += static_cast<std::size_t>(n);
    }
  };
  send_all(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);

  sofy::http::response_parser parser;
  std::error_code ec;
  char buf[16384];
  while (!parser.done()) {
    const long n = ssl ? SSL_read(ssl.get(), buf, sizeof buf) : ::recv(s.fd, buf, sizeof buf, 0);
    if (n <= 0) {
      parser.feed_eof(ec);
      break;
    }
    parser.feed({buf, static_cast<std::size_t>(n)}, ec);
    if (ec) break;
  }
  ERR_clear_error();
  if (ec || !parser.done())
    detail::http_fail(method + " " + target + ": no complete answer" +
                      (ec ? " (" + ec.message() + ")" : std::string()));
  http_answer a;
  a.status = parser.get().status;
  a.body = std::move(parser.get().body);
  a.headers = parser.get().headers;
  return a;
}

}  // namespace sofy::test
