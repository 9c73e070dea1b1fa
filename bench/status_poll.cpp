// Status polling over one keep-alive TLS connection, for comparison with wrk, aiohttp,
// requests and a curl loop against the same server (see run.sh).
//
//   status_poll --url https://127.0.0.1:8443 --ca-file ca.pem [--mode client|client-reuse|http]
//               [--duration 5] [--requests N] [--expect-tests 50]
//
// mode client: sofy::client::status() in a loop, each answer decoded into a fresh
//              group_status (what a caller of the library writes).
// mode client-reuse: sofy::client::status() with the previous result moved back in
//              (the overload wait() uses), so the result's storage is reused.
// mode http:   sofy::http::client and decode_status() into one reused group_status,
//              the allocation-free decode path, to show where the library's time goes.
//
// Prints one line of key=value pairs: requests, wall seconds, CPU microseconds of this
// process (getrusage, user + system) and heap allocations, all counted over the polling
// loop only (the first request, which opens the connection, is left out).
#include <sofy/client.hpp>
#include <sofy/decode.hpp>
#include <sofy/http/client.hpp>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "alloc_count.hpp"

namespace {

constexpr const char* auth_key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
constexpr const char* schedule = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";
constexpr const char* group = "123456";

struct settings {
  std::string url;
  std::string ca_file;
  std::string mode = "client";
  double duration = 5.0;
  std::uint64_t max_requests = 0;  // 0: until the duration has passed
  std::size_t expect_tests = 50;
};

struct totals {
  std::uint64_t requests = 0;
  std::uint64_t allocs = 0;
  double wall_s = 0;
  double cpu_us = 0;
};

double cpu_now_us() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& t) { return double(t.tv_sec) * 1e6 + double(t.tv_usec); };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

// Times the loop from the second request on: the first one pays for the connect and the
// TLS handshake, which every client in the comparison does once.
class meter {
 public:
  explicit meter(const settings& s) : s_(s) {}
  void start() {
    cpu0_ = cpu_now_us();
    allocs0_ = sofy_bench::allocations();
    t0_ = std::chrono::steady_clock::now();
    end_ = t0_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(s_.duration));
  }
  bool more() const {
    if (s_.max_requests) return n_ < s_.max_requests;
    return std::chrono::steady_clock::now() < end_;
  }
  void count(std::size_t tests) {
    if (tests != s_.expect_tests)
      throw std::runtime_error("status_poll: decoded " + std::to_string(tests) + " tests, expected " +
                               std::to_string(s_.expect_tests));
    ++n_;
  }
  totals finish() const {
    totals t;
    t.requests = n_;
    t.cpu_us = cpu_now_us() - cpu0_;
    t.allocs = sofy_bench::allocations() - allocs0_;
    t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    return t;
  }

 private:
  const settings& s_;
  double cpu0_ = 0;
  std::uint64_t allocs0_ = 0;
  std::uint64_t n_ = 0;
  std::chrono::steady_clock::time_point t0_, end_;
};

asio::awaitable<totals> poll_client(sofy::client* c, settings s) {
  meter m{s};
  std::string guid = schedule;
  std::string id = group;
  sofy::group_status first = co_await c->status(guid, id);
  m.count(first.tests.size());
  m.start();
  while (m.more()) {
    sofy::group_status st = co_await c->status(guid, id);
    m.count(st.tests.size());
  }
  co_return m.finish();
}

asio::awaitable<totals> poll_client_reuse(sofy::client* c, settings s) {
  meter m{s};
  std::string guid = schedule;
  std::string id = group;
  auto op = c->status(guid, id);
  sofy::group_status st = co_await std::move(op);
  m.count(st.tests.size());
  m.start();
  while (m.more()) {
    auto next = c->status(guid, id, std::move(st));
    st = co_await std::move(next);
    m.count(st.tests.size());
  }
  co_return m.finish();
}

asio::awaitable<totals> poll_http(sofy::http::client* http, settings s) {
  meter m{s};
  sofy::http::base_url base = sofy::http::parse_base_url(s.url);
  sofy::http::request proto;
  proto.target = sofy::http::make_target(
      base.path, {"scheduler-microservice", "scheduled-runs", schedule, "status", group});
  proto.headers.set("x-sofy-auth-key", auth_key);
  proto.headers.set("Accept", "application/json");
  sofy::group_status st;  // reused: steady-state decodes allocate nothing
  bool started = false;
  while (!started || m.more()) {
    sofy::http::request req = proto;
    sofy::http::response res = co_await http->request(base.origin, std::move(req));
    if (res.status != 200)
      throw std::runtime_error("status_poll: HTTP " + std::to_string(res.status));
    sofy::decode_status(res.body, st);
    m.count(st.tests.size());
    if (!started) {
      started = true;
      m.start();
    }
  }
  co_return m.finish();
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  CLI::App app{"Status polling over one keep-alive TLS connection"};
  app.add_option("--url", s.url, "base URL of the server, e.g. https://127.0.0.1:8443")->required();
  app.add_option("--ca-file", s.ca_file, "PEM that signed the server's certificate")->required();
  app.add_option("--mode", s.mode, "client (sofy::client), client-reuse (status() reusing the last result) or http (http::client + reused decode)")
      ->check(CLI::IsMember({"client", "client-reuse", "http"}));
  app.add_option("--duration", s.duration, "seconds to poll for");
  app.add_option("--requests", s.max_requests, "stop after this many requests instead");
  app.add_option("--expect-tests", s.expect_tests, "tests every answer must decode to");
  CLI11_PARSE(app, argc, argv);

  try {
    asio::io_context io;
    totals t;
    std::exception_ptr failure;
    auto done = [&](std::exception_ptr e, totals r) {
      failure = e;
      t = r;
    };
    sofy::http::client_options http_opts;
    http_opts.tls.ca_file = s.ca_file;
    http_opts.use_env_proxy = false;  // loopback only, whatever the environment says

    // Both objects live until io.run() returns.
    std::optional<sofy::client> c;
    std::optional<sofy::http::client> http;
    if (s.mode == "client" || s.mode == "client-reuse") {
      sofy::client_options opts;
      opts.auth_key = auth_key;
      opts.base_url = s.url;
      opts.http = http_opts;
      c.emplace(io.get_executor(), opts);
      if (s.mode == "client")
        asio::co_spawn(io, poll_client(&*c, s), done);
      else
        asio::co_spawn(io, poll_client_reuse(&*c, s), done);
    } else {
      http.emplace(io.get_executor(), http_opts);
      asio::co_spawn(io, poll_http(&*http, s), done);
    }
    io.run();
    if (failure) std::rethrow_exception(failure);
    std::uint64_t conns = c ? c->http_stats().connections_opened : http->stats().connections_opened;
    std::printf("mode=%s requests=%llu wall_s=%.3f cpu_us=%.0f allocs=%llu connections=%llu\n",
                s.mode.c_str(), static_cast<unsigned long long>(t.requests), t.wall_s, t.cpu_us,
                static_cast<unsigned long long>(t.allocs), static_cast<unsigned long long>(conns));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "status_poll: %s\n", e.what());
    return 1;
  }
}
