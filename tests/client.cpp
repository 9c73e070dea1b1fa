// Tests of include/sofy/client.hpp: every operation against the simulator's engine, served
// in-process by sofy::http::server over real TLS on loopback, with certificates made here.
#include <sofy/client.hpp>

#include <sim/serve.hpp>
#include <support/pki.hpp>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using sofy::sim::route;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string nightly = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";    // data_array answer, current shape
const std::string no_id = "1B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F91";      // answer without a group id
const std::string legacy = "2B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F92";     // legacy status shape
const std::string stringy = "3B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F93";    // testGroupsRunId, string ids
const std::string unknown_schedule = "9B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F99";
const std::string web_id = "65a1b2c3d4e5f60718293a4b";

std::string scenario(const std::string& faults = {}) {
  std::string s = R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
web_auth_key: web-secret-text
first_group_id: 500
schedules:
  - guid: 0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90
    name: Nightly
    tests: &tests
      - scenario: Login
        device: Pixel 7
        timeline: [{status: Queued, polls: 1}, {status: Running, polls: 1}, Passed]
      - scenario: Checkout
        device: iPad 7th Gen
        timeline: [{status: In Queue, polls: 1}, {status: In Progress, polls: 1}, Run Stopped]
    groups:
      - {id: "41", executed_at: -2h, tests: [{scenario: Login, device: Pixel 7, status: Passed}]}
  - guid: 1B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F91
    name: No id
    trigger_answer: none
    tests: *tests
    groups:
      - {id: "7", executed_at: -1h, tests: [{scenario: Login, device: Pixel 7, status: Failed}]}
  - guid: 2B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F92
    name: Legacy
    status_shape: legacy
    trigger_answer: legacy
    tests:
      - {scenario: Login, device: "Apple iPhone13,2", manufacturer: Apple, model: "iPhone13,2", version: 1.4.0, build_number: "77", status: Passed}
  - guid: 3B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F93
    name: Stringy
    trigger_answer: test_groups_run_id
    ids: string
    tests: [{scenario: Login, device: Pixel 7, status: Running}]
web_schedules:
  - id: 65a1b2c3d4e5f60718293a4b
    name: Web smoke
    trigger_answer: test_groups_run_id
    tests: [{scenario: Home, device: Chrome, status: Passed}]
applications:
  - guid: 3F2504E0-4F89-11D3-9A0C-0305E82C3301
    platform: ANDROID
    name: Shop
    builds:
      - {app_hash: 9e107d9d372bb6826bd81d3542a419d6, build_id: "77", name: 1.4.0(77), package_name: com.example.shop}
devices:
  android: [{name: Pixel 7, manufacturer: Google, os_version: "14", serial: 28141FDH2000AB}]
  ios: [{name: iPhone 15, manufacturer: Apple, os_version: "17.2", serial: 00008120-001A2B3C4D5E}]
)";
  if (!faults.empty()) s += "faults:\n" + faults;
  return s;
}

// The simulator in-process behind the HTTP server over TLS, on one io_context that the
// test drives until the operation under test completes.
struct sim_fixture {
  asio::io_context io{1};
  sofy::sim::engine eng;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::optional<sofy::http::server> srv;
  std::vector<sofy::sim::request_record> log;

  explicit sim_fixture(const std::string& yaml)
      : eng(sofy::sim::parse_scenario(yaml, "client-test.yaml"), std::chrono::system_clock::now()) {
    const sofy::test::pki& pki = shared_pki();
    tls.use_certificate_chain_file(pki.server_cert.string());
    tls.use_private_key_file(pki.server_key.string(), asio::ssl::context::pem);
    srv.emplace(io.get_executor(), asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}, tls,
                sofy::sim::handler(eng));
    eng.on_request([this](const sofy::sim::request_record& r) { log.push_back(r); });
  }
  ~sim_fixture() {
    srv->stop();
    io.poll();
  }

  static const sofy::test::pki& shared_pki() {
    static const sofy::test::pki pki = sofy::test::make_pki();
    return pki;
  }

  sofy::client_options options() const {
    sofy::client_options o;
    o.auth_key = key;
    o.web_auth_key = "web-secret-text";
    o.base_url = "https://127.0.0.1:" + std::to_string(srv->local_endpoint().port());
    o.http.tls.ca_file = shared_pki().ca_file.string();
    o.http.use_env_proxy = false;
    o.retry.base_delay = 10ms;
    o.retry.max_delay = 50ms;
    o.request_timeout = 5s;
    return o;
  }

  std::size_t count(route r) const {
    std::size_t n = 0;
    for (const auto& rec : log) n += rec.route == r ? 1 : 0;
    return n;
  }

  // Runs the io_context until `a` completes (or a generous bound passes) and returns its result.
  template <class T>
  T run(asio::awaitable<T> a, std::chrono::seconds bound = 20s) {
    std::future<T> f = asio::co_spawn(io, std::move(a), asio::use_future);
    const auto until = std::chrono::steady_clock::now() + bound;
    while (f.wait_for(0s) != std::future_status::ready) {
      if (std::chrono::steady_clock::now() > until) FAIL("the operation did not complete in " << bound.count() << " s");
      io.run_one_for(50ms);
    }
    return f.get();
  }
};

template <class F>
sofy::error error_of(F&& f) {
  try {
    f();
  } catch (const sofy::error& e) {
    return e;
  }
  FAIL("no sofy::error was thrown");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("client: trigger, status and wait against the simulator over TLS") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};

  sofy::trigger_result r = sim.run(c.trigger(nightly));
  REQUIRE(r.group_id == "500");
  CHECK(sim.count(route::execute) == 1);

  std::vector<std::size_t> seen;
  sofy::wait_options w;
  w.poll_interval = 20ms;
  w.timeout = 10s;
  w.on_change = [&](const sofy::group_status& s) { seen.push_back(s.counts().running); };
  sofy::group_status final = sim.run(c.wait(nightly, *r.group_id, w));
  REQUIRE(final.finished());
  REQUIRE(final.tests.size() == 2);
  CHECK(final.group_id == "500");
  CHECK(final.outcome() == sofy::run_outcome::failed);  // "Run Stopped" is a failure
  CHECK(final.counts().passed == 1);
  CHECK(final.counts().stopped == 1);
  CHECK(final.tests[1].raw_status == "Run Stopped");
  // Queued, then Running (In Progress), then finished: one callback each.
  CHECK(seen == std::vector<std::size_t>{0, 2, 0});
  CHECK(sim.count(route::status) == 3);

  // Every request went over the one pooled connection.
  CHECK(sim.srv->accepted_connections() == 1);
  CHECK(c.http_stats().connections_opened == 1);
}

TEST_CASE("client: status into a reused result equals a fresh one") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};
  sofy::trigger_result r = sim.run(c.trigger(nightly));
  sofy::group_status fresh = sim.run(c.status(nightly, "41"));  // one test
  // A result from another group, with more tests and other text, decoded into again.
  sofy::group_status big = sim.run(c.status(nightly, *r.group_id));
  REQUIRE(big.tests.size() == 2);
  sofy::group_status reused = sim.run(c.status(nightly, "41", std::move(big)));
  CHECK(reused.group_id == fresh.group_id);
  CHECK(reused.message == fresh.message);
  CHECK(reused.tests == fresh.tests);
}

TEST_CASE("client: a trigger answer without an id is resolved through the run-group list") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};
  sofy::trigger_result r = sim.run(c.trigger(no_id, sofy::app_hash{"9e107d9d372bb6826bd81d3542a419d6"}));
  REQUIRE(r.group_id);
  CHECK(*r.group_id == "500");  // the new group, not the older "7"
  CHECK(sim.count(route::run_groups) == 2);  // the snapshot before, the lookup after
  bool sent_hash = false;
  for (const auto& rec : sim.log)
    if (rec.route == route::execute) sent_hash = rec.target.find("appHash=9e107d9d372bb6826bd81d3542a419d6") != std::string::npos;
  CHECK(sent_hash);
}

TEST_CASE("client: other trigger answers, status shapes and the web route") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};

  sofy::trigger_result legacy_r = sim.run(c.trigger(legacy));
  REQUIRE(legacy_r.group_id == "500");
  sofy::group_status s = sim.run(c.status(legacy, *legacy_r.group_id));
  REQUIRE(s.tests.size() == 1);
  CHECK(s.group_id == "500");  // the legacy shape has none: the client fills it in
  CHECK(s.tests[0].device == "Apple iPhone13,2");
  CHECK(s.tests[0].build == "1.4.0(77)");
  CHECK(s.tests[0].status == sofy::run_status::passed);

  sofy::trigger_result string_r = sim.run(c.trigger(stringy));
  CHECK(string_r.group_id == "501");

  sofy::trigger_result web = sim.run(c.trigger_web(web_id));
  CHECK(web.group_id.has_value());
  bool web_header = false;
  for (const auto& rec : sim.log)
    if (rec.route == route::web_execute) web_header = rec.headers.contains("x-sofy-web-auth-key");
  CHECK(web_header);
}

TEST_CASE("client: run groups, latest status, abort, applications and devices") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};

  std::vector<sofy::run_group> groups = sim.run(c.run_groups(nightly));
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].id == "41");

  sofy::group_status latest = sim.run(c.latest_status(nightly));
  CHECK(latest.group_id == "41");
  CHECK(latest.outcome() == sofy::run_outcome::passed);

  sofy::trigger_result r = sim.run(c.trigger(nightly));
  std::string message = sim.run(c.abort(nightly, r.group_id));
  CHECK_FALSE(message.empty());
  sofy::group_status aborted = sim.run(c.status(nightly, *r.group_id));
  CHECK(aborted.finished());
  CHECK(aborted.counts().stopped == 2);
  bool group_param = false;
  for (const auto& rec : sim.log)
    if (rec.route == route::abort) group_param = rec.target.find("testRunGroupId=500") != std::string::npos;
  CHECK(group_param);

  std::vector<sofy::application> apps = sim.run(c.applications());
  REQUIRE(apps.size() == 1);
  CHECK(apps[0].builds.at(0).app_hash == "9e107d9d372bb6826bd81d3542a419d6");
  std::vector<sofy::device> ios = sim.run(c.devices(sofy::platform::ios));
  REQUIRE(ios.size() == 1);
  CHECK(ios[0].name == "iPhone 15");

  sofy::error e = error_of([&] { sim.run(c.latest_status(unknown_schedule)); });
  CHECK(e.http_status() == 400);
  CHECK(e.api_message() == "The scheduledRunGuid is either invalid or not found.");
}

TEST_CASE("client: upload streams the file as multipart and reports progress") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};
  const auto path = std::filesystem::temp_directory_path() / ("sofy-client-upload-" + std::to_string(::getpid()) + ".apk");
  {
    std::ofstream out(path, std::ios::binary);
    std::string chunk(1024, 'x');
    for (int i = 0; i < 600; ++i) out << chunk;  // 600 KiB: several chunks
  }
  std::uint64_t last_sent = 0, total = 0;
  sofy::upload_options u;
  u.file = path;
  u.app_guid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";
  u.name = "1.5.0 (80)";
  u.on_progress = [&](std::uint64_t s, std::uint64_t t) {
    CHECK(s >= last_sent);
    last_sent = s;
    total = t;
  };
  sofy::upload_result r = sim.run(c.upload_build(u));
  std::filesystem::remove(path);
  CHECK(r.app_hash.size() == 32);
  CHECK(total > 600 * 1024);
  CHECK(last_sent == total);
  REQUIRE(sim.count(route::upload) == 1);
  // The new build is now an application build the service knows.
  std::vector<sofy::application> apps = sim.run(c.applications());
  bool found = false;
  for (const auto& a : apps)
    for (const auto& b : a.builds) found = found || b.app_hash == r.app_hash;
  CHECK(found);

  sofy::upload_options missing;
  missing.file = "/nonexistent/app.apk";
  sofy::error e = error_of([&] { sim.run(c.upload_build(missing)); });
  CHECK(e.code() == sofy::errc::invalid_argument);
}

TEST_CASE("client: execute is not retried after a 500 or a cut connection") {
  sim_fixture sim{scenario("  - route: execute\n    answers: [500, {reset_after: 5}]\n")};
  sofy::client c{sim.io.get_executor(), sim.options()};
  sofy::error e = error_of([&] { sim.run(c.trigger(nightly)); });
  CHECK(e.http_status() == 500);
  CHECK(sim.count(route::execute) == 1);

  // The request reached the service and the answer was cut: repeating it could start a
  // second run, so it is not repeated either.
  sofy::error cut = error_of([&] { sim.run(c.trigger(nightly)); });
  CHECK(cut.http_status() == 0);
  CHECK(sim.count(route::execute) == 2);
}

TEST_CASE("client: execute is retried after 503 and 429, honouring Retry-After") {
  sim_fixture sim{scenario("  - route: execute\n    answers: [503, {status: 429, retry_after: 1}]\n")};
  sofy::client c{sim.io.get_executor(), sim.options()};
  const auto start = std::chrono::steady_clock::now();
  sofy::trigger_result r = sim.run(c.trigger(nightly));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.group_id == "500");
  CHECK(sim.count(route::execute) == 3);
  CHECK(took >= 900ms);  // Retry-After: 1 was honoured, not the 10 ms backoff
  CHECK(took < 10s);
}

TEST_CASE("client: GET is retried after 5xx, stalls and cut bodies, within max_attempts") {
  sim_fixture sim{scenario(
      "  - route: status\n    answers: [502, {reset_after: 10}, malformed]\n"
      "  - route: run_groups\n    answers: [500, 500, 500, 500, 500]\n"
      "  - route: devices\n    answers: [stall, stall, stall, stall]\n")};
  sofy::client_options o = sim.options();
  o.request_timeout = 300ms;
  sofy::client c{sim.io.get_executor(), o};

  // 502, then a cut body, then a 2xx with invalid JSON: the last is not retried.
  sofy::error bad = error_of([&] { sim.run(c.status(nightly, "41")); });
  CHECK(bad.code() == sofy::errc::bad_response);
  CHECK(sim.count(route::status) == 3);

  sofy::error e = error_of([&] { sim.run(c.run_groups(nightly)); });
  CHECK(e.http_status() == 500);
  CHECK(sim.count(route::run_groups) == 4);  // max_attempts

  const auto start = std::chrono::steady_clock::now();
  sofy::error t = error_of([&] { sim.run(c.devices(sofy::platform::android)); });
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(t.code() == sofy::http::error::deadline_exceeded);
  CHECK(took >= 4 * 250ms);
  CHECK(took < 8s);
}

TEST_CASE("client: chunked, delayed, truncated and oversized answers") {
  sim_fixture sim{scenario(
      "  - route: status\n    answers: [{chunked: true, chunk_size: 7}, {delay: 400ms}, truncated, truncated, truncated, truncated]\n"
      "  - route: run_groups\n    answers: [{oversized: 9}]\n"
      "  - route: execute\n    answers: [{status: 503, retry_after_date: 2s}]\n")};
  sofy::client_options o = sim.options();
  o.request_timeout = 250ms;
  sofy::client c{sim.io.get_executor(), o};

  sofy::group_status chunked = sim.run(c.status(nightly, "41"));
  CHECK(chunked.tests.size() == 1);

  // The delayed answer misses the attempt's timeout; the next attempt gets a truncated
  // body (a 2xx that is not JSON), which is not the kind of failure a retry mends.
  sofy::error t = error_of([&] { sim.run(c.status(nightly, "41")); });
  CHECK(t.code() == sofy::errc::bad_response);
  CHECK(sim.count(route::status) == 3);

  // 9 MiB is over the 8 MiB body limit: a clear error, and not retried.
  sofy::error big = error_of([&] { sim.run(c.run_groups(nightly)); });
  CHECK(big.code() == sofy::http::error::body_too_large);
  CHECK(sim.count(route::run_groups) == 1);

  // Retry-After as an HTTP-date two seconds ahead (whole seconds: at least one passes).
  const auto start = std::chrono::steady_clock::now();
  sofy::trigger_result r = sim.run(c.trigger(nightly));
  CHECK(r.group_id == "500");
  CHECK(std::chrono::steady_clock::now() - start >= 900ms);
  CHECK(sim.count(route::execute) == 2);
}

TEST_CASE("client: errors carry the API's fields and never the auth key") {
  sim_fixture sim{scenario("  - route: applications\n    answers: [{body: html, times: 4}]\n")};
  sofy::client_options o = sim.options();
  o.auth_key = "0F9619FF-8B86-D011-B42D-00C04FC964F0";  // a GUID, but not the one accepted
  sofy::client wrong{sim.io.get_executor(), o};
  sofy::error e = error_of([&] { sim.run(wrong.status(nightly, "41")); });
  CHECK(e.http_status() == 401);
  CHECK(e.api_message() == "Invalid Auth Key.");
  CHECK(std::string(e.what()).find(o.auth_key) == std::string::npos);
  CHECK(std::string(e.what()).find("status of group 41") != std::string::npos);
  CHECK(sim.count(route::status) == 1);  // 401 is not retried

  sofy::client c{sim.io.get_executor(), sim.options()};
  sofy::error html = error_of([&] { sim.run(c.applications()); });
  CHECK(html.http_status() == 502);
  CHECK(std::string(html.what()).find("HTTP 502") != std::string::npos);
  CHECK(sim.count(route::applications) == 4);  // a 502 is retried, up to max_attempts

  o.auth_key = "not-a-guid-secret";
  sofy::error k = error_of([&] { sofy::client bad{sim.io.get_executor(), o}; });
  CHECK(k.code() == sofy::errc::invalid_auth_key);
  CHECK(std::string(k.what()).find("not-a-guid-secret") == std::string::npos);

  sofy::error id = error_of([&] { sim.run(c.status("not-a-guid", "41")); });
  CHECK(id.code() == sofy::errc::invalid_argument);
  CHECK(sim.count(route::status) == 1);  // refused before any request
}

TEST_CASE("client: TLS verification fails without the test CA, and is not retried") {
  sim_fixture sim{scenario()};
  sofy::client_options o = sim.options();
  o.http.tls.ca_file.clear();
  sofy::client c{sim.io.get_executor(), o};
  sofy::error e = error_of([&] { sim.run(c.run_groups(nightly)); });
  CHECK(e.code() == sofy::http::error::tls_verify_failed);
  CHECK(sim.count(route::run_groups) == 0);
  // Another attempt cannot mend a certificate: one handshake, no retries.
  CHECK(sim.srv->accepted_connections() == 1);
}

TEST_CASE("client: wait times out, and cancellation ends it promptly") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};

  sofy::wait_options w;
  w.poll_interval = 20ms;
  w.timeout = 200ms;
  sofy::error t = error_of([&] { sim.run(c.wait(stringy, "1", w)); });  // unknown group: 400
  CHECK(t.http_status() == 400);

  sofy::trigger_result r = sim.run(c.trigger(stringy));  // its test stays Running
  const auto start = std::chrono::steady_clock::now();
  sofy::error timeout = error_of([&] { sim.run(c.wait(stringy, *r.group_id, w)); });
  CHECK(timeout.code() == sofy::errc::timeout);
  CHECK(std::chrono::steady_clock::now() - start < 5s);

  // Cancelled through the completion handler's cancellation slot while it sleeps.
  asio::cancellation_signal sig;
  w.timeout = 1h;
  w.poll_interval = 10s;
  std::exception_ptr failure;
  bool done = false;
  c.async_wait(stringy, *r.group_id, w,
               asio::bind_cancellation_slot(sig.slot(), [&](std::exception_ptr ep, sofy::group_status) {
                 failure = ep;
                 done = true;
               }));
  asio::steady_timer cancel_soon(sim.io, 200ms);
  cancel_soon.async_wait([&](std::error_code) { sig.emit(asio::cancellation_type::terminal); });
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < until) sim.io.run_one_for(50ms);
  REQUIRE(done);
  REQUIRE(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const sofy::error& e) {
    CHECK(e.code() == sofy::errc::cancelled);
  }
}

TEST_CASE("client: async_ forms complete with callbacks and futures") {
  sim_fixture sim{scenario()};
  sofy::client c{sim.io.get_executor(), sim.options()};
  std::optional<std::vector<sofy::run_group>> got;
  c.async_run_groups(nightly, [&](std::exception_ptr ep, std::vector<sofy::run_group> g) {
    if (!ep) got = std::move(g);
  });
  std::future<sofy::group_status> f = c.async_status(nightly, "41", asio::use_future);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((!got || f.wait_for(0s) != std::future_status::ready) && std::chrono::steady_clock::now() < until)
    sim.io.run_one_for(50ms);
  REQUIRE(got);
  CHECK(got->size() == 1);
  CHECK(f.get().tests.size() == 1);
}

TEST_CASE("client: options structs take designated initializers without -Wextra warnings") {
  // This file is compiled with -Wall -Wextra -Werror: a member without a default member
  // initializer would make each of these a missing-field-initializers error for users.
  sofy::client_options o{.auth_key = key,
                         .base_url = "https://127.0.0.1:1",
                         .http = {.tls = {.ca_file = "ca.pem"}, .connect_timeout = 1s}};
  sofy::wait_options w{.poll_interval = 15s, .timeout = 2h};
  sofy::http::request_options ro{.max_redirects = 1};
  sofy::http::server_options so{.header_timeout = 1s};
  sofy::retry_policy rp{.max_attempts = 2};
  CHECK(o.http.tls.ca_file == "ca.pem");
  CHECK(o.http.tls.ca_dir.empty());
  CHECK(o.request_timeout == 30s);
  CHECK(w.timeout == 2h);
  CHECK(ro.max_redirects == 1);
  CHECK(so.max_connections == 1024);
  CHECK(rp.base_delay == 500ms);
}
