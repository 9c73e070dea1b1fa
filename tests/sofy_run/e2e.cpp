// sofy-run end to end: the real binary run as a process against sofy-sim over TLS (a
// throwaway PKI from tests/support/pki.hpp), checking exit codes, stdout, stderr, the
// --json object and the JUnit file, and that the auth key appears in no output.
#include <sofy_run_test_paths.hpp>
#include <support/pki.hpp>
#include <support/process.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <openssl/evp.h>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string wrong_key = "11111111-2222-3333-4444-555555555555";
const std::string passes = "A1A1A1A1-0000-4000-8000-000000000001";
const std::string fails = "A1A1A1A1-0000-4000-8000-000000000002";
const std::string forever = "A1A1A1A1-0000-4000-8000-000000000003";
const std::string broken = "A1A1A1A1-0000-4000-8000-000000000004";

// Timelines count polls, and sofy-run polls every 100 ms here, so runs take well under a second.
const char* const scenario = R"(
auth_key: 6F9619FF-8B86-D011-B42D-00C04FC964FF
schedules:
  - guid: A1A1A1A1-0000-4000-8000-000000000001
    name: Smoke passes
    build: 2.0(5)
    tests:
      - {scenario: Login, device: Pixel 7, timeline: [{status: Queued, polls: 1}, {status: Running, polls: 1}, Passed]}
      - {scenario: "Pay & <Go>", device: "iPhone \"15\"", timeline: [{status: In Progress, polls: 2}, Passed]}
  - guid: A1A1A1A1-0000-4000-8000-000000000002
    name: Smoke fails
    trigger_answer: test_groups_run_id
    tests:
      - {scenario: Login, device: Pixel 7, timeline: [{status: Running, polls: 1}, Passed]}
      - {scenario: Checkout, device: Pixel 7, timeline: [{status: Running, polls: 1}, Failed]}
      - {scenario: Search, device: Galaxy S23, timeline: [{status: Running, polls: 2}, Run Stopped]}
    groups:
      - {id: "500", executed_at: -1h, tests: [{scenario: Login, device: Pixel 7, status: Passed}]}
  - guid: A1A1A1A1-0000-4000-8000-000000000003
    name: Forever
    tests:
      - {scenario: Login, device: Pixel 7, status: Running}
      - {scenario: Logout, device: Pixel 7, status: Passed}
  - guid: A1A1A1A1-0000-4000-8000-000000000004
    name: Broken
    tests:
      - {scenario: Login, device: Pixel 7, status: Passed}
faults:
  - route: run_groups
    schedule: A1A1A1A1-0000-4000-8000-000000000004
    answers: [{status: 500, times: 20}]
)";

using sofy::test::fresh_dir;
using sofy::test::process;
using sofy::test::slurp;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::size_t occurrences(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// sofy-sim over TLS on an ephemeral loopback port, with the test scenario.
class simulator {
 public:
  simulator() : pki_(sofy::test::make_pki()), dir_(fresh_dir("sim")) {
    std::ofstream(dir_ / "scenario.yaml") << scenario;
    proc_.emplace(
        std::vector<std::string>{SOFY_SIM_EXE, "--scenario", (dir_ / "scenario.yaml").string(),
                                 "--port-file", (dir_ / "port").string(), "--tls-cert",
                                 pki_.server_cert.string(), "--tls-key", pki_.server_key.string(),
                                 "-v"},
        std::map<std::string, std::string>{}, dir_);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!fs::exists(dir_ / "port") && std::chrono::steady_clock::now() < until &&
           proc_->running())
      std::this_thread::sleep_for(10ms);
    INFO(proc_->err());
    REQUIRE(fs::exists(dir_ / "port"));
    port_ = std::stoi(slurp(dir_ / "port"));
  }
  ~simulator() {
    proc_->signal(SIGTERM);
    proc_->wait(5s);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string ca() const { return pki_.ca_file.string(); }
  std::string log() const { return proc_->err(); }

 private:
  sofy::test::pki pki_;
  fs::path dir_;
  int port_ = 0;
  std::optional<process> proc_;
};

struct result {
  int code = -1;
  std::string out, err;
};

// Runs sofy-run to completion. The auth key must appear in neither output, whatever happened.
result run(std::vector<std::string> args,
           std::map<std::string, std::string> env = {{"SOFY_AUTH_KEY", key}}) {
  const fs::path dir = fresh_dir("proc");
  args.insert(args.begin(), SOFY_RUN_EXE);
  result r;
  {
    process p{args, env, dir};
    r.code = p.wait();
    r.out = p.out();
    r.err = p.err();
  }
  fs::remove_all(dir);
  std::string cmd;
  for (const auto& a : args) cmd += a + " ";
  INFO("sofy-run " << cmd << "\nexit " << r.code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
  CHECK_FALSE(contains(r.out + r.err, key));
  CHECK_FALSE(contains(r.out + r.err, wrong_key));
  return r;
}

// sofy-run's common prefix against the simulator.
std::vector<std::string> against(const simulator& sim, std::vector<std::string> args) {
  std::vector<std::string> all{"--base-url", sim.url(), "--ca-file", sim.ca()};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// What Python's xml.etree reads from the JUnit file, as JSON (see tests/sofy_run/report.cpp).
json::value parse_junit(const fs::path& file) {
  const fs::path script = file.parent_path() / "read.py", out = file.parent_path() / "junit.json";
  std::ofstream(script) << R"(import json, sys
import xml.etree.ElementTree as ET
def conv(e):
    return {"tag": e.tag, "attrib": e.attrib, "children": [conv(c) for c in e]}
json.dump(conv(ET.parse(sys.argv[1]).getroot()), open(sys.argv[2], "w"))
)";
  const std::string cmd = "python3 " + script.string() + " " + file.string() + " " + out.string();
  INFO("needs python3 (xml.etree) to parse the JUnit file");
  REQUIRE(std::system(cmd.c_str()) == 0);
  return json::parse(slurp(out));
}

std::string attr(const json::value& e, const char* name) {
  const auto& a = e.at("attrib").as_object();
  auto it = a.find(name);
  return it == a.end() ? std::string("<absent>") : std::string(it->value().as_string());
}

std::string md5_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), md, &n, EVP_md5(), nullptr) == 1);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace

TEST_CASE("sofy-run e2e: trigger --wait that passes exits 0 with --json and a JUnit file") {
  simulator sim;
  const fs::path dir = fresh_dir("junit");
  std::ofstream(dir / "key") << key << "\n";  // the key file form, with its newline
  const auto r = run(against(sim, {"--auth-key-file", (dir / "key").string(), "trigger",
                                   "--schedule", passes, "--wait", "--poll-interval", "100ms",
                                   "--json", "--junit", (dir / "junit.xml").string()}),
                     {});
  CHECK(r.code == 0);
  // Progress on stderr: the trigger, the first poll and each change.
  CHECK(contains(r.err, "sofy-run: triggered schedule " + passes + ": run group 100001"));
  CHECK(contains(r.err, "] run group 100001: 2 tests: 1 queued, 1 running\n"));
  CHECK(contains(r.err, "] Login on Pixel 7: queued -> running\n"));
  CHECK(contains(r.err, "] 2 tests: 2 passed\n"));

  const json::object o = json::parse(r.out).as_object();
  CHECK(o.at("schedule").as_string() == passes);
  CHECK(o.at("group") == "100001");
  CHECK(o.at("outcome") == "passed");
  CHECK(o.at("name") == "Smoke passes");
  CHECK(o.at("timed_out") == false);
  const auto& tests = o.at("tests").as_array();
  REQUIRE(tests.size() == 2);
  CHECK(tests[1].as_object() == json::object{{"scenario", "Pay & <Go>"},
                                             {"device", "iPhone \"15\""},
                                             {"build", "2.0(5)"},
                                             {"status", "passed"},
                                             {"raw_status", "Passed"}});
  CHECK(o.at("counts").at("total") == 2);
  CHECK(o.at("counts").at("passed") == 2);

  const json::value root = parse_junit(dir / "junit.xml");
  const auto& suite = root.at("children").as_array().at(0);
  CHECK(attr(suite, "name") == "Smoke passes");
  CHECK(attr(suite, "tests") == "2");
  CHECK(attr(suite, "failures") == "0");
  const auto& cases = suite.at("children").as_array();
  REQUIRE(cases.size() == 3);
  CHECK(attr(cases[2], "name") == "Pay & <Go>");
  CHECK(attr(cases[2], "classname") == "iPhone \"15\"");
  CHECK(cases[2].at("children").as_array().empty());
  fs::remove_all(dir);
}

TEST_CASE("sofy-run e2e: a failed test exits 1 with the table and failures in the JUnit file") {
  simulator sim;
  const fs::path dir = fresh_dir("junit");
  const auto r = run(against(sim, {"trigger", "--schedule", fails, "--wait", "--poll-interval",
                                   "100ms", "--junit", (dir / "junit.xml").string()}));
  CHECK(r.code == 1);
  CHECK(contains(r.out, "Smoke fails (schedule " + fails + "), run group 100001\n"));
  CHECK(contains(r.out, "Checkout  Pixel 7     "));
  CHECK(contains(r.out, "  failed\n"));
  CHECK(contains(r.out, "  stopped (Run Stopped)\n"));
  CHECK(contains(r.out, "3 tests: 1 passed, 1 failed, 1 stopped\noutcome: failed\n"));

  const json::value root = parse_junit(dir / "junit.xml");
  const auto& suite = root.at("children").as_array().at(0);
  CHECK(attr(suite, "failures") == "2");
  const auto& cases = suite.at("children").as_array();
  REQUIRE(cases.size() == 4);
  CHECK(cases[1].at("children").as_array().empty());
  CHECK(attr(cases[2].at("children").as_array().at(0), "type") == "failed");
  CHECK(attr(cases[3].at("children").as_array().at(0), "type") == "stopped");
  CHECK(attr(cases[3].at("children").as_array().at(0), "message") == "Run Stopped");
  // Written by rename: nothing else was left in the directory.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 3);  // junit.xml, and read.py + junit.json from parse_junit
  fs::remove_all(dir);
}

TEST_CASE("sofy-run e2e: usage and configuration errors exit 2 without running anything") {
  const std::string base = "http://127.0.0.1:9";  // nothing listens: nothing may be sent
  struct usage_case {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string message;
  };
  const std::map<std::string, std::string> with_key{{"SOFY_AUTH_KEY", key}};
  const std::vector<usage_case> cases{
      {{"trigger", "--schedule", passes, "--frobnicate=" + wrong_key},
       with_key,
       "unknown option --frobnicate"},
      {{"trigger", "--wait"}, with_key, "--schedule is required"},
      {{"--auth-key", key, "status", "--schedule", passes}, {}, "--auth-key is not accepted"},
      {{"trigger", "--schedule", passes, "--wait", "--timeout", "5x"},
       with_key,
       "--timeout: unknown unit \"x\""},
      {{"--auth-key-file", "/nonexistent/sofy-key", "groups", "--schedule", passes},
       {},
       "--auth-key-file /nonexistent/sofy-key: cannot read it"},
      {{"groups", "--schedule", passes}, {}, "no auth key"},
      {{"groups", "--schedule", passes}, {{"SOFY_AUTH_KEY", "not-a-guid"}}, "is not a GUID"},
      {{"--base-url", "ftp://example.com", "groups", "--schedule", passes}, with_key, "ftp"},
      {{"trigger", "--schedule", passes, "--wait", "--junit", "/nonexistent/dir/junit.xml"},
       with_key,
       "--junit /nonexistent/dir/junit.xml: directory /nonexistent/dir: No such file or directory"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"--base-url", base};
    args.insert(args.end(), c.args.begin(), c.args.end());
    if (c.args[0] == "--base-url") args = c.args;
    const auto r = run(args, c.env);
    INFO(c.message << "\nstderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.message));
    CHECK(r.out.empty());
  }
}

TEST_CASE("sofy-run e2e: API and transport errors exit 3") {
  simulator sim;
  // 401 from a key the service does not know.
  auto r = run(against(sim, {"status", "--schedule", passes}), {{"SOFY_AUTH_KEY", wrong_key}});
  CHECK(r.code == 3);
  CHECK(contains(r.err, "HTTP 401"));
  CHECK(contains(r.err, "Invalid Auth Key."));
  CHECK(contains(r.err, "check the auth key from SOFY_AUTH_KEY"));
  CHECK(r.out.empty());

  // 500 on every attempt: retried as the policy says (4 attempts), then exit 3.
  r = run(against(sim, {"groups", "--schedule", broken}));
  CHECK(r.code == 3);
  CHECK(contains(r.err, "HTTP 500"));
  CHECK(occurrences(sim.log(), "/scheduled-runs/" + broken + "/test-run-groups -> 500") == 4);

  // TLS: the simulator's certificate is not in the system store; without --ca-file it fails.
  r = run({"--base-url", sim.url(), "groups", "--schedule", passes});
  CHECK(r.code == 3);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "TLS certificate verification failed"));

  // Nothing listening.
  r = run({"--base-url", "http://127.0.0.1:9", "--request-timeout", "2s", "groups", "--schedule",
           passes});
  CHECK(r.code == 3);
  CHECK(contains(r.err, "connecting to 127.0.0.1:9"));
}

TEST_CASE("sofy-run e2e: --timeout on a run that never finishes exits 4 with what is known") {
  simulator sim;
  const fs::path dir = fresh_dir("junit");
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run(against(
      sim, {"trigger", "--schedule", forever, "--wait", "--timeout", "1s", "--poll-interval",
            "100ms", "--json", "--junit", (dir / "junit.xml").string()}));
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(r.code == 4);
  CHECK(took >= 900ms);
  CHECK(took < 10s);
  CHECK(contains(r.err, "not finished after --timeout 1s"));
  const json::object o = json::parse(r.out).as_object();
  CHECK(o.at("outcome") == "running");
  CHECK(o.at("timed_out") == true);
  CHECK(o.at("counts").at("running") == 1);

  const json::value root = parse_junit(dir / "junit.xml");
  const auto& cases = root.at("children").as_array().at(0).at("children").as_array();
  REQUIRE(cases.size() == 4);  // properties, Login, Logout, system-err
  CHECK(attr(cases[1].at("children").as_array().at(0), "type") == "timeout");
  CHECK(cases[2].at("children").as_array().empty());  // Logout passed
  fs::remove_all(dir);
}

TEST_CASE(
    "sofy-run e2e: SIGINT and SIGTERM during --wait exit 130 and 143 and still write the JUnit "
    "file") {
  simulator sim;
  for (const int sig : {SIGINT, SIGTERM}) {
    const fs::path dir = fresh_dir("signal");
    {
      process p{
          {SOFY_RUN_EXE, "--base-url", sim.url(), "--ca-file", sim.ca(), "trigger", "--schedule",
           forever, "--wait", "--poll-interval", "100ms", "--junit", (dir / "junit.xml").string()},
          {{"SOFY_AUTH_KEY", key}},
          dir};
      const auto until = std::chrono::steady_clock::now() + 10s;
      while (!contains(p.err(), "] run group ") && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
      p.signal(sig);
      CHECK(p.wait(10s) == 128 + sig);
      INFO(p.err());
      CHECK(contains(p.err(), "sofy-run abort --schedule " + forever + " --group "));
      CHECK(contains(p.out(), "outcome: running (interrupted"));
    }
    const json::value root = parse_junit(dir / "junit.xml");
    const auto& cases = root.at("children").as_array().at(0).at("children").as_array();
    REQUIRE(cases.size() >= 2);
    CHECK(attr(cases[1].at("children").as_array().at(0), "type") == "interrupted");
    fs::remove_all(dir);
  }
}

TEST_CASE("sofy-run e2e: upload, trigger --upload, groups, status, abort") {
  simulator sim;
  const fs::path dir = fresh_dir("upload");
  const std::string apk(300 * 1024, 'a');
  std::ofstream(dir / "app.apk", std::ios::binary) << apk;

  // upload prints the app hash alone (the simulator's is the file's MD5).
  auto r = run(against(sim, {"upload", "--file", (dir / "app.apk").string(), "--name", "2.1(6)"}));
  CHECK(r.code == 0);
  CHECK(r.out == md5_hex(apk) + "\n");
  CHECK(contains(r.err, "uploaded " + (dir / "app.apk").string()));
  CHECK_FALSE(contains(r.err, "uploading"));  // no progress line: stderr is not a terminal

  // trigger --upload runs the uploaded build.
  r = run(against(sim, {"trigger", "--schedule", passes, "--upload", (dir / "app.apk").string(),
                        "--wait", "--poll-interval", "100ms", "--json"}));
  CHECK(r.code == 0);
  json::object o = json::parse(r.out).as_object();
  CHECK(o.at("app_hash").as_string() == md5_hex(apk));
  CHECK(contains(sim.log(), "/execute?appHash=" + md5_hex(apk)));

  // trigger without --wait prints the run group; groups lists it; abort stops it.
  r = run(against(sim, {"trigger", "--schedule", forever}));
  CHECK(r.code == 0);
  const std::string group = r.out.substr(0, r.out.find('\n'));
  CHECK_FALSE(group.empty());
  r = run(against(sim, {"groups", "--schedule", forever, "--json"}));
  CHECK(r.code == 0);
  o = json::parse(r.out).as_object();
  CHECK(o.at("schedule").as_string() == forever);
  REQUIRE_FALSE(o.at("groups").as_array().empty());
  CHECK(o.at("groups").as_array()[0].at("id").as_string() == group);
  CHECK(o.at("groups").as_array()[0].at("state") == "running");

  r = run(against(sim, {"abort", "--schedule", forever, "--group", group, "--json"}));
  CHECK(r.code == 0);
  o = json::parse(r.out).as_object();
  CHECK(o.at("group").as_string() == group);
  CHECK_FALSE(o.at("message").as_string().empty());

  // status without --group: the latest group, now stopped, so not passed: exit 1.
  r = run(against(sim, {"status", "--schedule", forever, "--json"}));
  CHECK(r.code == 1);
  o = json::parse(r.out).as_object();
  CHECK(o.at("group").as_string() == group);
  CHECK(o.at("outcome") == "failed");
  CHECK(o.at("counts").at("stopped") == 1);

  // status of a passed group: exit 0, human table.
  r = run(against(sim, {"status", "--schedule", fails, "--group", "500"}));
  CHECK(r.code == 0);
  CHECK(contains(r.out, "run group 500\n"));
  CHECK(contains(r.out, "outcome: passed\n"));
  fs::remove_all(dir);
}
