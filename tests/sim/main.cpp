// Tests of sim/main.cpp: sofy-sim run as a process, spoken to over loopback with plain
// sockets (and OpenSSL for TLS), so these tests see exactly the bytes a client sees.
#include <support/pki.hpp>
#include <support/process.hpp>

#include <catch2/catch.hpp>

#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string guid = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";

const char* const scenario_text = R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
schedules:
  - guid: 0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90
    name: Nightly
    tests:
      - {scenario: Login, device: Pixel 7, timeline: [{status: Running, polls: 1}, Passed]}
    groups:
      - {id: "1", executed_at: -1h}
faults:
  - route: run_groups
    answers:
      - drop
      - {reset_after: 4}
      - {chunked: true, chunk_size: 2}
      - stall
hooks:
  - {name: qa-slack, answers: [500]}
)";

using sofy::test::slurp;

// sofy-sim as a child process, its scenario, port file and output in a fresh directory.
class sim_process {
 public:
  explicit sim_process(const std::string& scenario, std::vector<std::string> extra = {})
      : dir_(write_scenario(scenario)), proc_(args(dir_, std::move(extra)), {}, dir_, "sofy-sim") {}
  ~sim_process() {
    proc_.kill();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // The port, once the port file appears; 0 if the process exits first or 10 s pass.
  int wait_port() {
    sofy::test::eventually([&] { return fs::exists(dir_ / "port") || !proc_.running(); }, 10s);
    return fs::exists(dir_ / "port") ? std::stoi(slurp(dir_ / "port")) : 0;
  }

  // Sends `sig`; then as wait_exit.
  int stop(int sig = SIGTERM) {
    proc_.signal(sig);
    return wait_exit();
  }
  // The exit code, 128 + the signal that ended it, or -1 if it still runs after 5 s.
  int wait_exit() { return proc_.wait(5s); }

  std::string out() const { return proc_.out(); }
  std::string err() const { return proc_.err(); }
  const fs::path& dir() const { return dir_; }

 private:
  static fs::path write_scenario(const std::string& scenario) {
    auto d = sofy::test::fresh_dir("sim-proc");
    std::ofstream(d / "scenario.yaml") << scenario;
    return d;
  }
  static std::vector<std::string> args(const fs::path& d, std::vector<std::string> extra) {
    std::vector<std::string> a{SOFY_SIM_EXE, "--scenario", (d / "scenario.yaml").string(), "--port-file",
                               (d / "port").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  fs::path dir_;
  sofy::test::process proc_;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

struct raw_answer {
  std::string bytes;
  bool timed_out = false;  // no EOF before the receive timeout
};

// Sends the request and reads until the server closes (or the receive timeout).
raw_answer roundtrip(int port, const std::string& request, std::chrono::milliseconds timeout = 5s) {
  const int fd = connect_to(port);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  raw_answer a;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      a.bytes.append(buf, static_cast<std::size_t>(n));
    } else {
      a.timed_out = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      break;
    }
  }
  ::close(fd);
  return a;
}

std::string get(const std::string& target, bool with_key = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
         (with_key ? "x-sofy-auth-key: " + key + "\r\n" : std::string()) + "\r\n";
}

std::string post(const std::string& target, const std::string& body = "", const std::string& extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-sofy-auth-key: " + key +
         "\r\n" + extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("sofy-sim: serves the API, writes the port file, stops cleanly on SIGTERM") {
  sim_process sim{scenario_text, {"--verbose"}};
  const int port = sim.wait_port();
  INFO(sim.err());
  REQUIRE(port > 0);

  auto a = roundtrip(port, get("/_sim/health", false));
  CHECK(starts_with(a.bytes, "HTTP/1.1 200 "));
  CHECK(contains(a.bytes, "{\"ok\":true}"));

  a = roundtrip(port, post("/scheduler-microservice/scheduled-runs/" + guid + "/execute"));
  CHECK(starts_with(a.bytes, "HTTP/1.1 200 "));
  CHECK(contains(a.bytes, "\"scheduleTestRunsGroupID\":100001"));

  a = roundtrip(port, get("/scheduler-microservice/scheduled-runs/" + guid + "/status/100001"));
  CHECK(contains(a.bytes, "\"status\":\"Running\""));
  a = roundtrip(port, get("/scheduler-microservice/scheduled-runs/" + guid + "/status/100001", false));
  CHECK(starts_with(a.bytes, "HTTP/1.1 400 "));
  CHECK(contains(a.bytes, "Missing required headers."));

  // A hook delivery is printed readably on stdout.
  a = roundtrip(port, post("/hooks/qa-slack", R"({"text":"Login failed on Pixel 7"})",
                          "Content-Type: application/json\r\nX-Sofy-Event: test_changed\r\n"));
  CHECK(starts_with(a.bytes, "HTTP/1.1 500 "));
  a = roundtrip(port, post("/hooks/qa-slack", R"({"text":"again"})"));
  CHECK(starts_with(a.bytes, "HTTP/1.1 200 "));

  CHECK(sim.stop(SIGTERM) == 0);
  const std::string out = sim.out();
  CHECK(contains(out, "== hook qa-slack #1: POST /hooks/qa-slack, event test_changed, answered 500\n"));
  CHECK(contains(out, "  Slack message:\n    Login failed on Pixel 7\n"));
  CHECK(contains(out, "== hook qa-slack #2"));
  const std::string err = sim.err();
  CHECK(contains(err, "listening on http://127.0.0.1:" + std::to_string(port)));
  CHECK(contains(err, "POST /scheduler-microservice/scheduled-runs/" + guid + "/execute -> 200"));
  // The auth key appears in no output.
  CHECK_FALSE(contains(out + err, key));
  // The port file was renamed into place: no temporary left beside it.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(sim.dir())) files += entry.path().filename().string().find(".tmp") != std::string::npos;
  CHECK(files == 0);
}

TEST_CASE("sofy-sim: SIGINT stops it too") {
  sim_process sim{scenario_text};
  REQUIRE(sim.wait_port() > 0);
  CHECK(sim.stop(SIGINT) == 0);
}

TEST_CASE("sofy-sim: fault directives reach the wire") {
  sim_process sim{scenario_text};
  const int port = sim.wait_port();
  REQUIRE(port > 0);
  const std::string target = "/scheduler-microservice/scheduled-runs/" + guid + "/test-run-groups";

  // drop: closed without a byte.
  auto a = roundtrip(port, get(target));
  CHECK(a.bytes.empty());
  CHECK_FALSE(a.timed_out);

  // reset_after 4: the head promises the whole body; 4 bytes of it come, then the close.
  a = roundtrip(port, get(target));
  const auto head_end = a.bytes.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const auto cl = a.bytes.find("Content-Length: ");
  REQUIRE(cl != std::string::npos);
  CHECK(std::stoul(a.bytes.substr(cl + 16)) > 50);
  CHECK(a.bytes.substr(head_end + 4) == "[{\"t");

  // chunked in 2-byte chunks.
  a = roundtrip(port, get(target));
  CHECK(contains(a.bytes, "Transfer-Encoding: chunked\r\n"));
  CHECK_FALSE(contains(a.bytes, "Content-Length"));
  CHECK(contains(a.bytes, "\r\n\r\n2\r\n[{\r\n2\r\n\"t\r\n"));
  CHECK(a.bytes.substr(a.bytes.size() - 5) == "0\r\n\r\n");

  // stall: nothing within a generous wait, and the connection stays open.
  const auto t = std::chrono::steady_clock::now();
  a = roundtrip(port, get(target), 400ms);
  CHECK(a.bytes.empty());
  CHECK(a.timed_out);
  CHECK(std::chrono::steady_clock::now() - t >= 300ms);

  // Then normal answers.
  a = roundtrip(port, get(target));
  CHECK(starts_with(a.bytes, "HTTP/1.1 200 "));
  CHECK(sim.stop() == 0);
}

TEST_CASE("sofy-sim: serves HTTPS with --tls-cert and --tls-key") {
  const auto& p = sofy::test::make_pki();
  sim_process sim{scenario_text, {"--tls-cert", p.server_cert.string(), "--tls-key", p.server_key.string()}};
  const int port = sim.wait_port();
  INFO(sim.err());
  REQUIRE(port > 0);

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(ctx);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  REQUIRE(SSL_CTX_load_verify_locations(ctx, p.ca_file.c_str(), nullptr) == 1);
  SSL* ssl = SSL_new(ctx);
  REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1") == 1);
  const int fd = connect_to(port);
  SSL_set_fd(ssl, fd);
  REQUIRE(SSL_connect(ssl) == 1);
  const std::string req = get("/_sim/health", false);
  REQUIRE(SSL_write(ssl, req.data(), static_cast<int>(req.size())) == static_cast<int>(req.size()));
  std::string answer;
  char buf[4096];
  int n = 0;
  while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  CHECK(starts_with(answer, "HTTP/1.1 200 "));
  CHECK(contains(answer, "{\"ok\":true}"));
  CHECK(contains(sim.err(), "listening on https://127.0.0.1:"));

  // Plain HTTP to the TLS port gets no HTTP answer.
  const auto plain = roundtrip(port, get("/_sim/health", false), 2s);
  CHECK_FALSE(starts_with(plain.bytes, "HTTP/1.1 200"));
  CHECK(sim.stop() == 0);
}

TEST_CASE("sofy-sim: a bad scenario exits 2 with FILE:LINE:COL messages") {
  sim_process sim{"auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF\nschedules:\n  - {guid: nope, name: s}\n"};
  CHECK(sim.wait_port() == 0);
  CHECK(sim.wait_exit() == 2);
  CHECK(contains(sim.err(), (sim.dir() / "scenario.yaml").string() +
                                ":3:12: \"guid\" must be a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)\n"));
}

TEST_CASE("sofy-sim: usage errors exit 2") {
  sim_process bad_listen{scenario_text, {"--listen", "example.com:80"}};
  CHECK(bad_listen.wait_exit() == 2);
  CHECK(contains(bad_listen.err(), "--listen example.com:80: \"example.com\" is not an IP address"));
  sim_process half_tls{scenario_text, {"--tls-cert", "x.pem"}};
  CHECK(half_tls.wait_exit() == 2);
  CHECK(contains(half_tls.err(), "--tls-key"));
}
