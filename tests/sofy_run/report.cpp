// Tests of examples/sofy-run/report.hpp: the table, the --json objects, the JUnit XML
// (parsed back with a real XML parser in a child process) and the progress lines.
#include <report.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using sofy::run_status;

namespace {

sofy::test_run test(std::string scenario, std::string device, run_status s, std::string raw,
                    std::string build = "1.4.0(77)") {
  sofy::test_run t;
  t.scenario = std::move(scenario);
  t.device = std::move(device);
  t.build = std::move(build);
  t.status = s;
  t.raw_status = std::move(raw);
  t.schedule_name = "Nightly smoke";
  t.group_id = "100001";
  return t;
}

sofy_run::run_report sample() {
  sofy_run::run_report r;
  r.schedule = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";
  r.group = "100001";
  r.status.group_id = "100001";
  r.status.tests = {test("Login", "Pixel 7", run_status::passed, "Passed"),
                    test("Checkout", "Galaxy S23", run_status::failed, "Failed"),
                    test("Search", "iPhone 15", run_status::stopped, "Run Stopped"),
                    test("Pay", "iPhone 15", run_status::not_executed, "Not Executed"),
                    test("Cart", "Pixel 7", run_status::incomplete, "Incomplete")};
  r.started = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 10h + 5min + 7s;
  r.elapsed = 20123ms;
  r.hostname = "ci-runner-1";
  return r;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses the XML with Python's xml.etree (a real, strict XML parser) and returns what it
// read as JSON: {"tag","attrib","text","children":[...]} for the root. Fails the test when
// the document is not well-formed XML. Python is preferred; without it, xmllint checks
// well-formedness only and the structure is read from nothing (the caller's REQUIREs fail).
json::value parse_xml(const std::string& xml) {
  const fs::path dir = fs::temp_directory_path() / ("sofy-run-xml-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path doc = dir / "doc.xml", out = dir / "out.json", script = dir / "read.py";
  std::ofstream(doc, std::ios::binary) << xml;
  std::ofstream(script) << R"(import json, sys
import xml.etree.ElementTree as ET
def conv(e):
    return {"tag": e.tag, "attrib": e.attrib, "text": e.text or "", "children": [conv(c) for c in e]}
json.dump(conv(ET.parse(sys.argv[1]).getroot()), open(sys.argv[2], "w"))
)";
  json::value v;
  const bool have_python =
      std::system("python3 -c 'import xml.etree.ElementTree' >/dev/null 2>&1") == 0;
  if (have_python) {
    const std::string cmd = "python3 " + script.string() + " " + doc.string() + " " + out.string() +
                            " 2>" + (dir / "err").string();
    const int rc = std::system(cmd.c_str());
    INFO("python3's xml.etree: " << slurp(dir / "err"));
    REQUIRE(rc == 0);
    v = json::parse(slurp(out));
  } else {
    const bool have_xmllint = std::system("xmllint --version >/dev/null 2>&1") == 0;
    INFO("neither python3 nor xmllint (libxml2-utils) is installed: cannot check the XML");
    REQUIRE(have_xmllint);
    REQUIRE(std::system(("xmllint --noout " + doc.string()).c_str()) == 0);
  }
  fs::remove_all(dir);
  return v;
}

// For elements held as json::value or json::object alike (no temporaries to dangle).
template <class Element>
const json::object& child(const Element& e, std::size_t i) {
  return e.at("children").as_array().at(i).as_object();
}
template <class Element>
std::string attr(const Element& e, const char* name) {
  const auto& a = e.at("attrib").as_object();
  auto it = a.find(name);
  return it == a.end() ? std::string("<absent>") : std::string(it->value().as_string());
}

}  // namespace

TEST_CASE("report: the table aligns columns and ends with counts and the outcome") {
  const std::string t = sofy_run::render_table(sample());
  CHECK(t ==
        "Nightly smoke (schedule 0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90), run group 100001\n"
        "SCENARIO  DEVICE      BUILD      STATUS\n"
        "Login     Pixel 7     1.4.0(77)  passed\n"
        "Checkout  Galaxy S23  1.4.0(77)  failed\n"
        "Search    iPhone 15   1.4.0(77)  stopped (Run Stopped)\n"
        "Pay       iPhone 15   1.4.0(77)  not_executed\n"
        "Cart      Pixel 7     1.4.0(77)  incomplete\n"
        "5 tests: 1 passed, 1 failed, 1 incomplete, 1 not_executed, 1 stopped\n"
        "outcome: failed\n");
}

TEST_CASE("report: the table drops control characters and says why a wait was cut short") {
  auto r = sample();
  r.status.tests = {test("Lo\x1b[2Jgin", "Pixel\t7", run_status::running, "Setting up Device"),
                    test("Caf\xc3\xa9", "Pixel 7", run_status::queued, "Queued")};
  r.cut = sofy_run::cut_short::timeout;
  r.cut_message = "not finished after --timeout 1s";
  const std::string t = sofy_run::render_table(r);
  CHECK_FALSE(contains(t, "\x1b"));
  CHECK_FALSE(contains(t, "\t"));
  // "Café" is 4 columns wide though 5 bytes long: the padding counts characters.
  CHECK(contains(t, "Lo[2Jgin  Pixel 7  1.4.0(77)  running (Setting up Device)\n"));
  CHECK(contains(t, "Caf\xc3\xa9      Pixel 7  1.4.0(77)  queued\n"));
  CHECK(contains(t, "2 tests: 1 queued, 1 running\n"));
  CHECK(contains(t, "outcome: running (timeout: not finished after --timeout 1s)\n"));

  sofy_run::run_report empty;
  empty.schedule = "S";
  empty.group = "7";
  CHECK(sofy_run::render_table(empty) ==
        "schedule S, run group 7\nno tests reported yet\n0 tests\noutcome: running\n");
}

TEST_CASE("report: --json has the pinned fields with snake_case statuses") {
  auto r = sample();
  const std::string text = sofy_run::render_json(r);
  CHECK(text.back() == '\n');
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  const json::object o = json::parse(text).as_object();
  CHECK(o.at("schedule") == "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90");
  CHECK(o.at("group") == "100001");
  CHECK(o.at("outcome") == "failed");
  CHECK(o.at("name") == "Nightly smoke");
  const auto& tests = o.at("tests").as_array();
  REQUIRE(tests.size() == 5);
  CHECK(tests[0].as_object() == json::object{{"scenario", "Login"},
                                             {"device", "Pixel 7"},
                                             {"build", "1.4.0(77)"},
                                             {"status", "passed"},
                                             {"raw_status", "Passed"}});
  CHECK(tests[2].at("status") == "stopped");
  CHECK(tests[2].at("raw_status") == "Run Stopped");
  CHECK(tests[3].at("status") == "not_executed");
  CHECK(o.at("counts").as_object() == json::object{{"total", 5},
                                                   {"queued", 0},
                                                   {"running", 0},
                                                   {"passed", 1},
                                                   {"failed", 1},
                                                   {"incomplete", 1},
                                                   {"not_executed", 1},
                                                   {"stopped", 1},
                                                   {"unknown", 0}});
  // Only trigger --wait has the wait's fields.
  CHECK_FALSE(o.contains("timed_out"));
  CHECK_FALSE(o.contains("app_hash"));

  r.waited = true;
  r.cut = sofy_run::cut_short::timeout;
  r.app_hash = "0123456789abcdef0123456789abcdef";
  r.status.tests = {test("Login", "Pixel 7", run_status::running, "In Progress")};
  const json::object w = json::parse(sofy_run::render_json(r)).as_object();
  CHECK(w.at("outcome") == "running");
  CHECK(w.at("timed_out") == true);
  CHECK(w.at("interrupted") == false);
  CHECK(w.at("elapsed_ms") == 20123);
  CHECK(w.at("app_hash") == "0123456789abcdef0123456789abcdef");
  CHECK(w.at("tests").as_array()[0].at("status") == "running");
}

TEST_CASE("report: groups, trigger, abort and upload objects and the groups table") {
  std::vector<sofy::run_group> groups(2);
  groups[0] = {"100001", "2026-12-04T10:00:00.000Z", sofy::group_state::running, "Running", ""};
  groups[1] = {"100000", "2026-12-03T10:00:00.000Z", sofy::group_state::complete_with_errors,
               "Complete with errors", "Some test runs did not pass."};
  const json::object g = json::parse(sofy_run::render_groups_json("S", groups)).as_object();
  CHECK(g.at("schedule") == "S");
  REQUIRE(g.at("groups").as_array().size() == 2);
  CHECK(g.at("groups").as_array()[1].as_object() ==
        json::object{{"id", "100000"},
                     {"executed_at", "2026-12-03T10:00:00.000Z"},
                     {"state", "complete_with_errors"},
                     {"raw_state", "Complete with errors"},
                     {"message", "Some test runs did not pass."}});
  CHECK(sofy_run::render_groups_table("S", groups) ==
        "schedule S: 2 run groups, newest first\n"
        "ID      EXECUTED AT               STATE                 MESSAGE\n"
        "100001  2026-12-04T10:00:00.000Z  running\n"
        "100000  2026-12-03T10:00:00.000Z  complete_with_errors  Some test runs did not pass.\n");
  CHECK(sofy_run::render_groups_table("S", {}) == "schedule S has no run groups\n");

  CHECK(json::parse(sofy_run::render_trigger_json("S", "7", "queued", "")) ==
        json::object{{"schedule", "S"}, {"group", "7"}, {"message", "queued"}});
  CHECK(json::parse(sofy_run::render_abort_json("S", std::nullopt, "Aborted")) ==
        json::object{{"schedule", "S"}, {"group", nullptr}, {"message", "Aborted"}});
  CHECK(json::parse(sofy_run::render_abort_json("S", std::string("7"), "Aborted")).at("group") ==
        "7");
  CHECK(json::parse(
            sofy_run::render_upload_json("a.apk", {"abc", "Application Upload Successful."})) ==
        json::object{
            {"file", "a.apk"}, {"app_hash", "abc"}, {"message", "Application Upload Successful."}});
}

TEST_CASE(
    "report: JUnit has one testsuite, one testcase per test and failures for the failure "
    "statuses") {
  const std::string xml = sofy_run::render_junit(sample());
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  const json::value root = parse_xml(xml);
  REQUIRE(root.is_object());
  CHECK(root.at("tag") == "testsuites");
  CHECK(attr(root, "tests") == "5");
  CHECK(attr(root, "failures") == "4");
  REQUIRE(root.at("children").as_array().size() == 1);
  const json::object& suite = child(root, 0);
  CHECK(suite.at("tag") == "testsuite");
  CHECK(attr(suite, "name") == "Nightly smoke");
  CHECK(attr(suite, "id") == "100001");
  CHECK(attr(suite, "tests") == "5");
  CHECK(attr(suite, "failures") == "4");
  CHECK(attr(suite, "errors") == "0");
  CHECK(attr(suite, "skipped") == "0");
  CHECK(attr(suite, "time") == "20.123");
  CHECK(attr(suite, "timestamp") == "2026-12-04T10:05:07");
  CHECK(attr(suite, "hostname") == "ci-runner-1");

  const auto& kids = suite.at("children").as_array();
  REQUIRE(kids.size() == 6);  // properties + 5 testcases
  CHECK(kids[0].at("tag") == "properties");
  CHECK(attr(child(kids[0], 0), "name") == "schedule");
  CHECK(attr(child(kids[0], 0), "value") == "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90");
  CHECK(attr(kids[1], "name") == "Login");
  CHECK(attr(kids[1], "classname") == "Pixel 7");
  CHECK(kids[1].at("children").as_array().empty());  // passed: no failure
  const char* types[] = {"failed", "stopped", "not_executed", "incomplete"};
  const char* messages[] = {"Failed", "Run Stopped", "Not Executed", "Incomplete"};
  for (int i = 0; i < 4; ++i) {
    const auto& tc = kids[static_cast<std::size_t>(i) + 2];
    CHECK(tc.at("tag") == "testcase");
    REQUIRE(tc.at("children").as_array().size() == 1);
    const auto& f = child(tc, 0);
    CHECK(f.at("tag") == "failure");
    CHECK(attr(f, "type") == types[i]);
    CHECK(attr(f, "message") == messages[i]);
  }
  CHECK(std::string(child(kids[2], 0).at("text").as_string()) ==
        "Checkout on Galaxy S23 (build 1.4.0(77)): failed");
}

TEST_CASE("report: JUnit of a wait cut short marks every unfinished test as a failure") {
  auto r = sample();
  r.status.tests = {test("Login", "Pixel 7", run_status::passed, "Passed"),
                    test("Checkout", "Pixel 7", run_status::running, "In Progress"),
                    test("Search", "Pixel 7", run_status::queued, "Waiting for Device"),
                    test("Pay", "Pixel 7", run_status::unknown, "Rebooting Device")};
  r.cut = sofy_run::cut_short::timeout;
  r.cut_message = "not finished after --timeout 1s";
  const json::value root = parse_xml(sofy_run::render_junit(r));
  const json::object& suite = child(root, 0);
  CHECK(attr(suite, "failures") == "3");
  const auto& kids = suite.at("children").as_array();
  REQUIRE(kids.size() == 6);  // properties, 4 testcases, system-err
  CHECK(kids[1].at("children").as_array().empty());
  for (std::size_t i = 2; i <= 4; ++i) {
    REQUIRE(kids[i].at("children").as_array().size() == 1);
    CHECK(attr(child(kids[i], 0), "type") == "timeout");
  }
  CHECK(attr(child(kids[2], 0), "message") == "still In Progress: not finished after --timeout 1s");
  CHECK(kids[5].at("tag") == "system-err");

  r.cut = sofy_run::cut_short::interrupted;
  const json::value again = parse_xml(sofy_run::render_junit(r));
  CHECK(attr(child(child(child(again, 0), 2), 0), "type") == "interrupted");
}

TEST_CASE("report: JUnit escapes markup and drops what XML 1.0 forbids") {
  auto r = sample();
  // Markup, quotes, whitespace that attribute normalisation would eat, C0 controls, DEL,
  // a lone continuation byte, an encoded surrogate, U+FFFE and a 4-byte character.
  const std::string nasty =
      "A&B <c> \"d\" 'e'\tf\ng\rh\x01\x1b\x7fi\x80j\xed\xa0\x80k\xef\xbf\xbel\xf0\x9f\x98\x80";
  const std::string expected =
      "A&B <c> \"d\" "
      "'e'\tf\ng\rh\x7fi\xef\xbf\xbdj\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdkl\xf0\x9f\x98\x80";
  r.status.tests = {test(nasty, nasty, run_status::failed, nasty, nasty)};
  r.status.tests[0].schedule_name = nasty;
  const std::string xml = sofy_run::render_junit(r);
  const json::value root = parse_xml(xml);
  const json::object& suite = child(root, 0);
  CHECK(attr(suite, "name") == expected);
  const auto& tc = child(suite, 1);
  CHECK(attr(tc, "name") == expected);
  CHECK(attr(tc, "classname") == expected);
  const auto& f = child(tc, 0);
  CHECK(attr(f, "message") == expected);
  // Character data: a CR must survive as a reference, everything else as itself.
  CHECK(std::string(f.at("text").as_string()) ==
        expected + " on " + expected + " (build " + expected + "): failed (" +
            "A&B <c> \"d\" 'e' f g" +
            "hi\xef\xbf\xbdj\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdkl\xf0\x9f\x98\x80)");

  CHECK(sofy_run::xml_escape("a<b>&\"'", true) == "a&lt;b&gt;&amp;&quot;&apos;");
  CHECK(sofy_run::xml_escape("a<b>&\"'", false) == "a&lt;b&gt;&amp;\"'");
  CHECK(sofy_run::xml_escape("\t\n\r", true) == "&#9;&#10;&#13;");
  CHECK(sofy_run::xml_escape("\t\n\r", false) == "\t\n&#13;");
  CHECK(sofy_run::xml_escape(std::string("a\0b", 3), false) == "ab");
}

TEST_CASE("report: progress lines name each change and the counts") {
  sofy::group_status first;
  first.group_id = "100001";
  first.tests = {test("Login", "Pixel 7", run_status::queued, "Queued"),
                 test("Checkout", "Pixel 7", run_status::queued, "Queued")};
  CHECK(sofy_run::render_progress(nullptr, first, 0ms) ==
        "[   0.0s] run group 100001: 2 tests: 2 queued\n");

  sofy::group_status second = first;
  second.tests[0].status = run_status::running;
  second.tests[0].raw_status = "Setting up Device";
  second.tests.push_back(test("Search", "Pixel 7", run_status::passed, "Passed"));
  CHECK(sofy_run::render_progress(&first, second, 2150ms) ==
        "[   2.1s] Login on Pixel 7: queued -> running (Setting up Device)\n"
        "[   2.1s] Search on Pixel 7: passed\n"
        "[   2.1s] 3 tests: 1 queued, 1 running, 1 passed\n");
}

TEST_CASE("report: printable drops terminal control sequences") {
  CHECK(sofy_run::printable("a\x1b[31mb\x07\tc\n") == "a[31mb c ");
  CHECK(sofy_run::printable("\xc2\x9b"
                            "2J ok") == "2J ok");  // C1 CSI
  CHECK(sofy_run::printable("Caf\xc3\xa9") == "Caf\xc3\xa9");
}
