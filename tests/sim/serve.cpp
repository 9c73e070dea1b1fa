// Tests of sim/serve.hpp: the engine in-process behind sofy::http::server, over loopback.
#include <sim/serve.hpp>

#include <asio.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>
#include <thread>

using namespace sofy::sim;

namespace {

const char* const scenario_text = R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
schedules:
  - guid: 0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90
    name: Nightly
    tests: [{scenario: Login, device: Pixel 7, status: Running}]
faults:
  - route: execute
    answers: [{reset_after: 3}, {status: 503, retry_after: 7}]
)";

// Reads one response framed by Content-Length, or everything until the peer closes.
std::string read_response(int fd) {
  std::string buf;
  char tmp[4096];
  std::size_t need = std::string::npos;
  while (need == std::string::npos || buf.size() < need) {
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    buf.append(tmp, static_cast<std::size_t>(n));
    const auto head = buf.find("\r\n\r\n");
    const auto cl = buf.find("Content-Length: ");
    if (need == std::string::npos && head != std::string::npos && cl != std::string::npos) {
      need = head + 4 + std::stoul(buf.substr(cl + 16));
    }
  }
  return buf;
}

std::string request(const std::string& method, const std::string& target) {
  return method + " " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-sofy-auth-key: 6F9619FF-8B86-D011-B42D-00C04FC964FF\r\n"
         "Content-Length: 0\r\n\r\n";
}

}  // namespace

TEST_CASE("serve: the engine answers through the HTTP server, faults included") {
  engine eng{parse_scenario(scenario_text), std::chrono::system_clock::now()};
  asio::io_context io{1};
  sofy::http::server srv{io.get_executor(), {asio::ip::make_address("127.0.0.1"), 0}, handler(eng)};
  std::thread runner([&] { io.run(); });

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(srv.local_endpoint().port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);

  // Two requests on one kept-alive connection.
  const std::string groups = "/scheduler-microservice/scheduled-runs/0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90/test-run-groups";
  for (int i = 0; i < 2; ++i) {
    const auto req = request("GET", groups);
    REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    const auto res = read_response(fd);
    CHECK(res.rfind("HTTP/1.1 200 ", 0) == 0);
    CHECK(res.substr(res.size() - 2) == "[]");
  }
  // reset_after: 3 body bytes of the trigger answer, then the close.
  const auto trig = request("POST", "/scheduler-microservice/scheduled-runs/0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90/execute");
  REQUIRE(::send(fd, trig.data(), trig.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(trig.size()));
  const auto cut = read_response(fd);
  CHECK(cut.substr(cut.find("\r\n\r\n") + 4) == "{\"d");
  ::close(fd);

  // The engine saw one connection reused, with the server's numbering.
  std::promise<std::string> log;
  asio::post(io, [&] {
    sofy::http::request r;
    r.target = "/_sim/requests";
    log.set_value(eng.handle(r, std::chrono::system_clock::now()).response.body);
  });
  const auto v = boost::json::parse(log.get_future().get());
  const auto& reqs = v.at("requests").as_array();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].at("connection") == reqs[1].at("connection"));
  CHECK(reqs[0].at("request_index").to_number<int>() == 0);
  CHECK(reqs[1].at("request_index").to_number<int>() == 1);
  CHECK(reqs[2].at("request_index").to_number<int>() == 2);
  CHECK_FALSE(reqs[0].at("tls").as_bool());

  srv.stop();
  runner.join();
}

TEST_CASE("serve: to_reply carries every directive") {
  sim_reply r;
  r.response.status = 503;
  r.delay = std::chrono::milliseconds(250);
  r.chunked = true;
  r.chunk_size = 4;
  r.close = true;
  r.cut_after = 9;
  r.cut = answer_spec::cut_kind::reset;
  auto out = to_reply(r);
  CHECK(out.res.status == 503);
  CHECK(out.delay == std::chrono::milliseconds(250));
  CHECK(out.chunked);
  CHECK(out.chunk_size == 4);
  CHECK(out.close);
  CHECK(out.cut_after == 9u);
  CHECK(out.cut == sofy::http::cut_action::reset);
  CHECK_FALSE(out.raw);
  CHECK_FALSE(out.stall);

  sim_reply s;
  s.stall = true;
  CHECK(to_reply(s).stall);
  sim_reply d;
  d.drop = true;
  CHECK(to_reply(d).raw == std::string());
  sim_reply c;
  c.cut_after = 0;
  c.cut = answer_spec::cut_kind::stall;
  CHECK(to_reply(c).cut == sofy::http::cut_action::stall);
}
