// Tests of examples/sofy-run/cli.hpp: argv to a typed command, usage errors, the auth key.
#include <cli.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using sofy_run::early_exit;
using sofy_run::invocation;

namespace {

const std::string key = "6F9619FF-8B86-D011-B42D-00C04FC964FF";
const std::string guid = "0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90";

struct parsed {
  std::optional<invocation> inv;
  std::optional<early_exit> exit;
};

parsed parse(std::vector<std::string> args,
             std::map<std::string, std::string> env = {{"SOFY_AUTH_KEY", key}}) {
  args.insert(args.begin(), "sofy-run");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto r = sofy_run::parse_command_line(static_cast<int>(argv.size()), argv.data(), lookup);
  parsed p;
  if (auto* i = std::get_if<invocation>(&r)) p.inv = std::move(*i);
  if (auto* e = std::get_if<early_exit>(&r)) p.exit = std::move(*e);
  return p;
}

// The usage error's message; fails the test when the parse did not fail with exit 2.
std::string usage_error(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {{"SOFY_AUTH_KEY", key}}) {
  parsed p = parse(std::move(args), std::move(env));
  REQUIRE(p.exit);
  CHECK(p.exit->code == 2);
  CHECK(p.exit->out.empty());
  CHECK(p.exit->err.rfind("sofy-run: ", 0) == 0);
  CHECK(p.exit->err.back() == '\n');
  return p.exit->err;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct temp_file {
  explicit temp_file(const std::string& content) {
    path = fs::temp_directory_path() /
           ("sofy-run-cli-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::ofstream(path, std::ios::binary) << content;
  }
  ~temp_file() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  static inline int n = 0;
  fs::path path;
};

}  // namespace

TEST_CASE("cli: each command parses into its typed form") {
  auto p = parse({"--base-url", "https://sofy.example/api", "--request-timeout", "5s", "status",
                  "--schedule", guid, "--group", "123", "--json"});
  REQUIRE(p.inv);
  CHECK(p.inv->global.base_url == "https://sofy.example/api");
  CHECK(p.inv->global.request_timeout == 5s);
  CHECK(p.inv->global.auth_key == key);
  CHECK(p.inv->global.auth_key_source == "SOFY_AUTH_KEY");
  auto& s = std::get<sofy_run::status_command>(p.inv->cmd);
  CHECK(s.schedule == guid);
  CHECK(s.group == std::optional<std::string>("123"));
  CHECK(s.json);

  p = parse({"status", "--schedule", guid});
  REQUIRE(p.inv);
  CHECK_FALSE(std::get<sofy_run::status_command>(p.inv->cmd).group);
  CHECK(p.inv->global.base_url == "https://public.sofy.ai");
  CHECK(p.inv->global.request_timeout == 30s);

  p = parse({"groups", "--schedule", guid});
  REQUIRE(p.inv);
  CHECK(std::get<sofy_run::groups_command>(p.inv->cmd).schedule == guid);

  p = parse({"trigger", "--schedule", guid, "--app-hash", "9e107d9d", "--wait", "--timeout",
             "1h30m", "--poll-interval", "250ms", "--junit", "out/junit.xml"});
  REQUIRE(p.inv);
  auto& t = std::get<sofy_run::trigger_command>(p.inv->cmd);
  CHECK(t.app_hash == std::optional<std::string>("9e107d9d"));
  CHECK_FALSE(t.upload);
  CHECK(t.wait);
  CHECK(t.timeout == 90min);
  CHECK(t.poll_interval == 250ms);
  CHECK(t.junit == std::optional<fs::path>("out/junit.xml"));
  CHECK_FALSE(t.json);

  p = parse({"trigger", "--schedule", guid, "--upload", "app.apk", "--app-guid", guid,
             "--upload-timeout", "10m"});
  REQUIRE(p.inv);
  auto& u = std::get<sofy_run::trigger_command>(p.inv->cmd);
  CHECK(u.upload == std::optional<fs::path>("app.apk"));
  CHECK(u.app_guid == guid);
  CHECK(u.upload_timeout == 10min);
  CHECK_FALSE(u.wait);
  CHECK(u.timeout == 2h);
  CHECK(u.poll_interval == 15s);

  p = parse({"abort", "--schedule", guid});
  REQUIRE(p.inv);
  CHECK_FALSE(std::get<sofy_run::abort_command>(p.inv->cmd).group);

  p = parse(
      {"upload", "--file", "b.ipa", "--name", "1.4.0(77)", "--certificate", "Dist", "--json"});
  REQUIRE(p.inv);
  auto& up = std::get<sofy_run::upload_command>(p.inv->cmd);
  CHECK(up.file == "b.ipa");
  CHECK(up.name == "1.4.0(77)");
  CHECK(up.certificate == "Dist");
  CHECK(up.json);
}

TEST_CASE(
    "cli: SOFY_BASE_URL sets the base URL and --base-url wins; globals may follow the command") {
  auto p = parse({"groups", "--schedule", guid},
                 {{"SOFY_AUTH_KEY", key}, {"SOFY_BASE_URL", "http://127.0.0.1:8080"}});
  REQUIRE(p.inv);
  CHECK(p.inv->global.base_url == "http://127.0.0.1:8080");
  p = parse({"--base-url", "http://[::1]:9", "groups", "--schedule", guid},
            {{"SOFY_AUTH_KEY", key}, {"SOFY_BASE_URL", "http://127.0.0.1:8080"}});
  REQUIRE(p.inv);
  CHECK(p.inv->global.base_url == "http://[::1]:9");
  p = parse({"groups", "--schedule", guid, "--base-url", "http://localhost:1", "--request-timeout",
             "2s"});
  REQUIRE(p.inv);
  CHECK(p.inv->global.base_url == "http://localhost:1");
  CHECK(p.inv->global.request_timeout == 2s);
}

TEST_CASE("cli: the auth key comes from --auth-key-file (trimmed) before SOFY_AUTH_KEY") {
  temp_file f{key + "\n"};
  auto p = parse({"--auth-key-file", f.path.string(), "groups", "--schedule", guid},
                 {{"SOFY_AUTH_KEY", "11111111-2222-3333-4444-555555555555"}});
  REQUIRE(p.inv);
  CHECK(p.inv->global.auth_key == key);
  CHECK(p.inv->global.auth_key_source == "--auth-key-file " + f.path.string());

  temp_file crlf{"  " + key + "\r\n"};
  p = parse({"--auth-key-file", crlf.path.string(), "groups", "--schedule", guid}, {});
  REQUIRE(p.inv);
  CHECK(p.inv->global.auth_key == key);

  p = parse({"groups", "--schedule", guid}, {{"SOFY_AUTH_KEY", key + "\n"}});
  REQUIRE(p.inv);
  CHECK(p.inv->global.auth_key == key);
}

TEST_CASE("cli: auth key problems are usage errors that never repeat the key") {
  // Refused as a flag value, whatever else is right or wrong.
  std::string e = usage_error({"--auth-key", key, "groups", "--schedule", guid}, {});
  CHECK(contains(e, "--auth-key is not accepted"));
  CHECK(contains(e, "SOFY_AUTH_KEY"));
  CHECK_FALSE(contains(e, key));
  e = usage_error({"groups", "--schedule", guid, "--auth-key=" + key});
  CHECK(contains(e, "--auth-key is not accepted"));
  CHECK_FALSE(contains(e, key));

  // Anywhere else on the command line too.
  e = usage_error({"abort", "--schedule", key});
  CHECK(contains(e, "must not be on the command line"));
  CHECK_FALSE(contains(e, key));

  e = usage_error({"groups", "--schedule", guid}, {});
  CHECK(contains(e, "no auth key: set SOFY_AUTH_KEY or use --auth-key-file PATH"));

  e = usage_error({"groups", "--schedule", guid}, {{"SOFY_AUTH_KEY", "hunter2-not-a-guid"}});
  CHECK(contains(e, "the auth key from SOFY_AUTH_KEY is not a GUID"));
  CHECK_FALSE(contains(e, "hunter2"));

  const std::string missing = (fs::temp_directory_path() / "sofy-run-no-such-key-file").string();
  e = usage_error({"--auth-key-file", missing, "groups", "--schedule", guid});
  CHECK(contains(e, "--auth-key-file " + missing + ": cannot read it (No such file or directory)"));

  temp_file bad{"hunter2\n"};
  e = usage_error({"--auth-key-file", bad.path.string(), "groups", "--schedule", guid});
  CHECK(contains(e, "the auth key from --auth-key-file " + bad.path.string() + " is not a GUID"));
  CHECK_FALSE(contains(e, "hunter2"));

  temp_file empty{"\n"};
  e = usage_error({"--auth-key-file", empty.path.string(), "groups", "--schedule", guid});
  CHECK(contains(e, "the file is empty"));
}

TEST_CASE("cli: unknown options and stray arguments are named without their values") {
  std::string e = usage_error({"status", "--schedule", guid, "--tokn=s3cr3t-value"});
  CHECK(contains(e, "unknown option --tokn"));
  CHECK_FALSE(contains(e, "s3cr3t"));
  e = usage_error({"status", "--schedule", guid, "--tokn", "s3cr3t-value"});
  CHECK(contains(e, "unknown option --tokn"));
  CHECK_FALSE(contains(e, "s3cr3t"));
  e = usage_error({"status", "--schedule", guid, "-xs3cr3t"});
  CHECK(contains(e, "unknown option -x"));
  CHECK_FALSE(contains(e, "s3cr3t"));
  e = usage_error({"status", "--schedule", guid, "s3cr3t-value"});
  CHECK(contains(e, "1 unexpected argument"));
  CHECK_FALSE(contains(e, "s3cr3t"));
}

TEST_CASE("cli: missing, conflicting and malformed options are usage errors") {
  CHECK(contains(usage_error({}), "a command is required"));
  CHECK(contains(usage_error({"stauts", "--schedule", guid}), "a command is required"));
  CHECK(contains(usage_error({"trigger", "--wait"}), "--schedule is required"));
  CHECK(contains(usage_error({"upload"}), "--file is required"));
  CHECK(contains(usage_error({"status", "--schedule", "nightly"}),
                 "--schedule: 'nightly' is not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"));
  CHECK(
      contains(usage_error({"trigger", "--schedule", guid, "--app-hash", "h", "--upload", "a.apk"}),
               "excludes"));
  CHECK(contains(usage_error({"trigger", "--schedule", guid, "--app-guid", guid}),
                 "requires --upload"));
  CHECK(
      contains(usage_error({"trigger", "--schedule", guid, "--timeout", "5m"}), "requires --wait"));
  CHECK(contains(usage_error({"trigger", "--schedule", guid, "--junit", "j.xml"}),
                 "requires --wait"));
  CHECK(contains(usage_error({"trigger", "--schedule", guid, "--wait", "--poll-interval", "5x"}),
                 "--poll-interval: unknown unit \"x\" in \"5x\""));
  CHECK(contains(usage_error({"trigger", "--schedule", guid, "--wait", "--timeout", "10"}),
                 "--timeout: "));
  CHECK(contains(usage_error({"trigger", "--schedule", guid, "--wait", "--poll-interval", "10ms"}),
                 "--poll-interval: 10ms is too short (at least 100ms)"));
  CHECK(contains(usage_error({"--request-timeout", "0s", "groups", "--schedule", guid}),
                 "--request-timeout: 0s is too short"));
  CHECK(contains(usage_error({"status", "--schedule", guid, "--group", "1 2"}),
                 "--group: must not contain spaces"));
  CHECK(contains(usage_error({"upload", "--file", "a.apk", "--app-guid", "shop"}),
                 "--app-guid: 'shop' is not a GUID"));
  const std::string missing_ca = (fs::temp_directory_path() / "sofy-run-no-such-ca.pem").string();
  CHECK(contains(usage_error({"--ca-file", missing_ca, "groups", "--schedule", guid}),
                 "--ca-file " + missing_ca + ": cannot read it"));
}

TEST_CASE("cli: --help and --version exit 0 on stdout") {
  auto p = parse({"--help"}, {});
  REQUIRE(p.exit);
  CHECK(p.exit->code == 0);
  CHECK(contains(p.exit->out, "trigger"));
  CHECK(contains(p.exit->out, "--auth-key-file"));
  CHECK_FALSE(contains(p.exit->out, "--auth-key "));  // the refusing option stays hidden
  CHECK(p.exit->err.empty());

  p = parse({"trigger", "--help"}, {});
  REQUIRE(p.exit);
  CHECK(p.exit->code == 0);
  CHECK(contains(p.exit->out, "--poll-interval"));

  p = parse({"--version"}, {});
  REQUIRE(p.exit);
  CHECK(p.exit->code == 0);
  CHECK(p.exit->out.rfind("sofy-run ", 0) == 0);
}

TEST_CASE("cli: redact replaces every occurrence of the secret") {
  CHECK(sofy_run::redact("a KEY b KEYKEY", "KEY") == "a <redacted> b <redacted><redacted>");
  CHECK(sofy_run::redact("nothing here", "KEY") == "nothing here");
  CHECK(sofy_run::redact("unchanged", "") == "unchanged");
}
