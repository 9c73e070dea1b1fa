#include <sofy/http/connection.hpp>

#include "support/pki.hpp"
#include "support/raw_server.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include <sys/socket.h>
#include <string>

using namespace sofy;
using namespace std::chrono_literals;
using http::error;
using clock_type = std::chrono::steady_clock;

namespace {

const http::timeouts quick{.connect = 2s, .handshake = 2s, .write = 2s, .read = 2s};

struct tls_fixture {
  test::pki pki = test::make_pki();
  asio::ssl::context server = test::server_tls_context(pki.server_cert, pki.server_key);
  asio::ssl::context client = http::make_tls_context({.ca_file = pki.ca_file.string(), .ca_dir = ""});
};

http::request get(const http::origin& o, std::string target = "/") {
  http::request req;
  req.target = std::move(target);
  req.headers.set("Host", o.host_header());
  return req;
}

// Connects, sends GET `target`, reads the response. `c` must outlive the coroutine.
asio::awaitable<http::response> roundtrip(http::connection* c, http::origin o, std::string target) {
  if (!c->is_open()) {
    auto connecting = c->connect(o);
    co_await std::move(connecting);
  }
  http::request req = get(o, std::move(target));
  co_await c->write(req);
  co_return co_await c->read();
}

// Serves `raw` bytes as the answer to every request, then closes (without close_notify).
test::raw_server::session_fn answer_then_close(std::string raw) {
  return [raw](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    std::string copy = raw;
    if (auto req = co_await p->read_request()) co_await p->write(std::move(copy));
    p->close();
  };
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

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace

TEST_CASE("connection: request and response over TCP, reused", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    while (auto req = co_await p->read_request()) {
      std::string body = req->method + " " + req->target + " " + std::string(req->headers.get("Host").value_or(""));
      if (!co_await p->write(test::http_response(200, body))) break;
    }
  }};
  http::connection c{io.get_executor(), nullptr, quick};
  auto o = srv.origin();
  auto r1 = test::run(io, roundtrip(&c, o, "/a"));
  CHECK(r1.status == 200);
  CHECK(r1.body == "GET /a " + o.host_header());
  CHECK(c.reusable());
  auto r2 = test::run(io, roundtrip(&c, o, "/b?x=1"));
  CHECK(r2.body == "GET /b?x=1 " + o.host_header());
  CHECK(c.responses_read() == 2);
  CHECK(srv.accepted() == 1);
}

TEST_CASE("connection: chunked responses split across writes", "[connection]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    while (auto req = co_await p->read_request()) {
      co_await p->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
      co_await p->sleep(20ms);
      co_await p->write("lo\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n");
    }
  }, {.tls = &f.server}};
  http::connection c{io.get_executor(), &f.client, quick};
  auto r = test::run(io, roundtrip(&c, srv.origin(), "/"));
  CHECK(r.body == "hello world!");
  CHECK(c.reusable());
  CHECK(test::run(io, roundtrip(&c, srv.origin(), "/")).body == "hello world!");
  CHECK(srv.accepted() == 1);
}

TEST_CASE("connection: Connection: close and read-until-close are not reusable", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), answer_then_close(test::http_response(200, "bye", "Connection: close\r\n"))};
  http::connection c{io.get_executor(), nullptr, quick};
  CHECK(test::run(io, roundtrip(&c, srv.origin(), "/")).body == "bye");
  CHECK_FALSE(c.reusable());

  test::raw_server eof{io.get_executor(), answer_then_close("HTTP/1.1 200 OK\r\n\r\nuntil the end")};
  http::connection d{io.get_executor(), nullptr, quick};
  CHECK(test::run(io, roundtrip(&d, eof.origin(), "/")).body == "until the end");
  CHECK_FALSE(d.reusable());
}

TEST_CASE("connection: a body cut short over TCP is a partial message", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), answer_then_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..")};
  http::connection c{io.get_executor(), nullptr, quick};
  std::string what;
  CHECK(error_of(io, roundtrip(&c, srv.origin(), "/"), &what) == error::partial_message);
  CHECK(what.find("127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
  CHECK(c.response_started());
  CHECK_FALSE(c.is_open());
}

TEST_CASE("connection: a TLS stream cut mid-body is truncated_tls_stream", "[connection]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), answer_then_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."),
                       {.tls = &f.server}};
  http::connection c{io.get_executor(), &f.client, quick};
  CHECK(error_of(io, roundtrip(&c, srv.origin(), "/")) == error::truncated_tls_stream);
}

TEST_CASE("connection: a TLS stream cut after a complete message is harmless", "[connection]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), answer_then_close(test::http_response(200, "complete")), {.tls = &f.server}};
  http::connection c{io.get_executor(), &f.client, quick};
  CHECK(test::run(io, roundtrip(&c, srv.origin(), "/")).body == "complete");
}

TEST_CASE("connection: read-until-close over TLS needs close_notify", "[connection]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server clean{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    if (auto req = co_await p->read_request()) co_await p->write("HTTP/1.1 200 OK\r\n\r\nall of it");
    co_await p->shutdown();
  }, {.tls = &f.server}};
  http::connection c{io.get_executor(), &f.client, quick};
  CHECK(test::run(io, roundtrip(&c, clean.origin(), "/")).body == "all of it");

  test::raw_server cut{io.get_executor(), answer_then_close("HTTP/1.1 200 OK\r\n\r\nsome of it"), {.tls = &f.server}};
  http::connection d{io.get_executor(), &f.client, quick};
  CHECK(error_of(io, roundtrip(&d, cut.origin(), "/")) == error::truncated_tls_stream);
}

TEST_CASE("connection: a server closing before answering is connection_closed", "[connection]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->read_request();
    p->close();
  }, {.tls = &f.server}};
  http::connection c{io.get_executor(), &f.client, quick};
  CHECK(error_of(io, roundtrip(&c, srv.origin(), "/")) == error::connection_closed);
  CHECK_FALSE(c.response_started());
  CHECK(c.request_bytes_written() > 0);
}

TEST_CASE("connection: limits on head and body", "[connection]") {
  asio::io_context io;
  std::string big_head = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(3000, 'a') + "\r\nContent-Length: 0\r\n\r\n";
  test::raw_server heads{io.get_executor(), answer_then_close(big_head)};
  http::parser_limits small{.max_head = 1024, .max_fields = 100, .max_body = 64, .max_chunk_extensions = 1024,
                            .max_trailer = 1024};
  http::connection c{io.get_executor(), nullptr, quick, small};
  CHECK(error_of(io, roundtrip(&c, heads.origin(), "/")) == error::head_too_large);

  test::raw_server bodies{io.get_executor(), answer_then_close(test::http_response(200, std::string(65, 'b')))};
  http::connection d{io.get_executor(), nullptr, quick, small};
  CHECK(error_of(io, roundtrip(&d, bodies.origin(), "/")) == error::body_too_large);

  test::raw_server fits{io.get_executor(), answer_then_close(test::http_response(200, std::string(64, 'b')))};
  http::connection e{io.get_executor(), nullptr, quick, small};
  CHECK(test::run(io, roundtrip(&e, fits.origin(), "/")).body.size() == 64);
}

TEST_CASE("connection: a server that never answers hits the read timeout", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->drain();
  }};
  http::connection c{io.get_executor(), nullptr, {.connect = 2s, .handshake = 2s, .write = 2s, .read = 300ms}};
  auto start = clock_type::now();
  std::string what;
  CHECK(error_of(io, roundtrip(&c, srv.origin(), "/"), &what) == error::read_timeout);
  auto took = clock_type::now() - start;
  CHECK(took >= 250ms);
  CHECK(took < 3s);
  CHECK(what.find("127.0.0.1:" + std::to_string(srv.port())) != std::string::npos);
}

TEST_CASE("connection: a server that sends the head and stalls hits the read timeout", "[connection]") {
  tls_fixture f;
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->read_request();
    co_await p->write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    co_await p->drain();
  }, {.tls = &f.server}};
  http::connection c{io.get_executor(), &f.client, {.connect = 2s, .handshake = 2s, .write = 2s, .read = 300ms}};
  auto start = clock_type::now();
  CHECK(error_of(io, roundtrip(&c, srv.origin(), "/")) == error::read_timeout);
  auto took = clock_type::now() - start;
  CHECK(took >= 250ms);
  CHECK(took < 3s);
  CHECK(c.response_started());
}

TEST_CASE("connection: the read timeout bounds silence, not a slow steady answer", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->read_request();
    co_await p->write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n");
    for (int i = 0; i < 8; ++i) {
      co_await p->sleep(100ms);
      co_await p->write("x");
    }
    co_await p->drain();
  }};
  http::connection c{io.get_executor(), nullptr, {.connect = 2s, .handshake = 2s, .write = 2s, .read = 400ms}};
  CHECK(test::run(io, roundtrip(&c, srv.origin(), "/")).body == "xxxxxxxx");
}

TEST_CASE("connection: the deadline ends a slow exchange", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->read_request();
    co_await p->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    for (;;) {
      co_await p->sleep(50ms);
      if (!co_await p->write("x")) break;
    }
  }};
  http::connection c{io.get_executor(), nullptr, quick};
  c.set_deadline(clock_type::now() + 400ms);
  auto start = clock_type::now();
  CHECK(error_of(io, roundtrip(&c, srv.origin(), "/")) == error::deadline_exceeded);
  auto took = clock_type::now() - start;
  CHECK(took >= 350ms);
  CHECK(took < 3s);
}

TEST_CASE("connection: a full accept queue hits the connect timeout", "[connection]") {
  asio::io_context io;
  // A listener that never accepts: once its backlog is full, further SYNs go unanswered.
  asio::ip::tcp::acceptor full{io, asio::ip::tcp::v4()};
  full.bind({asio::ip::make_address("127.0.0.1"), 0});
  full.listen(0);
  http::origin o = http::parse_base_url("http://127.0.0.1:" + std::to_string(full.local_endpoint().port())).origin;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> fillers;
  for (int i = 0; i < 4; ++i) {
    auto s = std::make_unique<asio::ip::tcp::socket>(io, asio::ip::tcp::v4());
    s->non_blocking(true);
    auto ep = full.local_endpoint();
    // Raw connect: EINPROGRESS or done, either fills the queue (Asio's would wait for it).
    [[maybe_unused]] int r = ::connect(s->native_handle(), ep.data(), static_cast<socklen_t>(ep.size()));
    fillers.push_back(std::move(s));
  }
  http::connection c{io.get_executor(), nullptr, {.connect = 300ms, .handshake = 2s, .write = 2s, .read = 2s}};
  auto start = clock_type::now();
  CHECK(error_of(io, roundtrip(&c, o, "/")) == error::connect_timeout);
  auto took = clock_type::now() - start;
  CHECK(took >= 250ms);
  CHECK(took < 3s);
}

TEST_CASE("connection: a refused connection names the peer", "[connection]") {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a{io, {asio::ip::make_address("127.0.0.1"), 0}};
    port = a.local_endpoint().port();
  }
  http::connection c{io.get_executor(), nullptr, quick};
  std::string what;
  http::origin o = http::parse_base_url("http://127.0.0.1:" + std::to_string(port)).origin;
  CHECK(error_of(io, roundtrip(&c, o, "/"), &what) == asio::error::connection_refused);
  CHECK(what.find("connecting to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("connection: a server that never reads hits the write timeout", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->sleep(10s);  // reads nothing: the socket buffers fill up
  }};
  auto path = std::filesystem::temp_directory_path() / ("sofy-stall-" + std::to_string(::getpid()));
  { std::ofstream{path}; }
  std::filesystem::resize_file(path, 256u << 20);  // sparse: costs no disk
  http::file_body body{.path = path, .prefix = "", .suffix = "", .on_progress = {}};

  auto upload = [&]() -> asio::awaitable<http::response> {
    http::connection c{io.get_executor(), nullptr, {.connect = 2s, .handshake = 2s, .write = 300ms, .read = 2s}};
    auto o = srv.origin();
    auto connecting = c.connect(o);
    co_await std::move(connecting);
    http::request req = get(o);
    req.method = "POST";
    co_await c.write(req, &body);
    co_return co_await c.read();
  };
  auto start = clock_type::now();
  std::error_code ec = error_of(io, upload());
  auto took = clock_type::now() - start;
  std::filesystem::remove(path);
  CHECK(ec == error::write_timeout);
  CHECK(took >= 250ms);
  CHECK(took < 5s);
}

TEST_CASE("connection: a file body streams at constant memory with progress", "[connection]") {
  asio::io_context io;
  std::uint64_t received = 0;
  std::string content_length;
  std::string head_and_tail;
  test::raw_server srv{io.get_executor(), [&](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    std::string first, last;
    auto sink = [&](std::string_view b) {
      if (received < 16) first.append(b.substr(0, 16 - std::min<std::uint64_t>(received, 16)));
      received += b.size();
      last.append(b);
      if (last.size() > 64) last.erase(0, last.size() - 64);
    };
    http::parser_limits big;
    big.max_body = std::size_t(1) << 30;
    auto req = co_await p->read_request(sink, big);
    if (!req) co_return;
    content_length = std::string(req->headers.get("Content-Length").value_or(""));
    head_and_tail = first.substr(0, 6) + "|" + last.substr(last.size() - 6);
    auto answering = p->write(test::http_response(200, std::to_string(received)));  // outside the co_await (GCC 12)
    co_await std::move(answering);
  }};

  constexpr std::uint64_t file_size = 96u << 20;
  auto path = std::filesystem::temp_directory_path() / ("sofy-upload-" + std::to_string(::getpid()));
  { std::ofstream{path}; }
  std::filesystem::resize_file(path, file_size);
  std::uint64_t last_sent = 0, last_total = 0;
  int calls = 0;
  http::file_body body{.path = path,
                       .prefix = "PREFIX",
                       .suffix = "SUFFIX",
                       .on_progress = [&](std::uint64_t sent, std::uint64_t total) {
                         CHECK(sent >= last_sent);
                         last_sent = sent;
                         last_total = total;
                         ++calls;
                       }};
  CHECK(body.size() == file_size + 12);

  long before = peak_rss_kib();
  auto upload = [&]() -> asio::awaitable<http::response> {
    http::connection c{io.get_executor(), nullptr, quick};
    auto o = srv.origin();
    auto connecting = c.connect(o);
    co_await std::move(connecting);
    http::request req = get(o, "/upload");
    req.method = "POST";
    co_await c.write(req, &body);
    co_return co_await c.read();
  };
  auto res = test::run(io, upload());
  long after = peak_rss_kib();
  std::filesystem::remove(path);

  CHECK(res.body == std::to_string(file_size + 12));
  CHECK(received == file_size + 12);
  CHECK(content_length == std::to_string(file_size + 12));
  CHECK(head_and_tail == "PREFIX|SUFFIX");
  CHECK(last_sent == file_size + 12);
  CHECK(last_total == file_size + 12);
  CHECK(calls > 100);  // 64 KiB chunks
  INFO("peak RSS grew by " << (after - before) << " KiB");
  CHECK(after - before < 32 * 1024);  // far below the 96 MiB file
}

TEST_CASE("connection: cancellation aborts a read promptly and leaves nothing pending", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    co_await p->drain();
  }};
  http::connection c{io.get_executor(), nullptr, {.connect = 30s, .handshake = 30s, .write = 30s, .read = 30s}};
  asio::cancellation_signal cancel;
  std::exception_ptr failure;
  bool finished = false;
  asio::co_spawn(io, roundtrip(&c, srv.origin(), "/"),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, http::response) {
                   failure = e;
                   finished = true;
                 }));
  asio::steady_timer t{io, 150ms};
  t.async_wait([&](std::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  auto start = clock_type::now();
  while (!finished && clock_type::now() - start < 5s) io.run_one_for(50ms);
  REQUIRE(finished);
  CHECK(clock_type::now() - start < 2s);
  REQUIRE(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const std::system_error& e) {
    CHECK(e.code() == asio::error::operation_aborted);
  }
  CHECK_FALSE(c.is_open());
  // No timer of the connection is left: with the server gone the io_context runs dry at once.
  srv.stop();
  io.restart();
  auto drain_start = clock_type::now();
  io.run_for(5s);
  CHECK(clock_type::now() - drain_start < 2s);
}

TEST_CASE("connection: an idle connection closed by the peer is stale", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), answer_then_close(test::http_response(200, "one"))};
  http::connection c{io.get_executor(), nullptr, quick};
  CHECK(test::run(io, roundtrip(&c, srv.origin(), "/")).body == "one");
  CHECK(c.reusable());
  // The server closes right after answering; give the FIN a moment to arrive.
  auto start = clock_type::now();
  while (!c.is_stale() && clock_type::now() - start < 2s) std::this_thread::sleep_for(10ms);
  CHECK(c.is_stale());
}

TEST_CASE("connection: an idle connection kept open is not stale", "[connection]") {
  asio::io_context io;
  test::raw_server srv{io.get_executor(), [](std::shared_ptr<test::raw_peer> p) -> asio::awaitable<void> {
    while (auto req = co_await p->read_request())
      if (!co_await p->write(test::http_response(200, "ok"))) break;
  }};
  http::connection c{io.get_executor(), nullptr, quick};
  CHECK(test::run(io, roundtrip(&c, srv.origin(), "/")).body == "ok");
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(c.is_stale());
}
