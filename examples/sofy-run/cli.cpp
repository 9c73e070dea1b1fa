#include "cli.hpp"

#include <sofy/duration.hpp>
#include <sofy/model.hpp>
#include <sofy/version.hpp>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace sofy_run {
namespace {

// A usage or configuration error: the message is one line without the "sofy-run: " prefix.
struct usage_error {
  std::string message;
};

constexpr std::string_view whitespace = " \t\r\n\v\f";

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(whitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(whitespace);
  return std::string(s.substr(first, last - first + 1));
}

std::chrono::milliseconds duration_option(const std::string& flag, const std::string& text,
                                          std::chrono::milliseconds minimum) {
  std::string why;
  auto d = sofy::parse_duration(text, &why);
  if (!d) throw usage_error{flag + ": " + why};
  if (*d < minimum)
    throw usage_error{flag + ": " + sofy::format_duration(*d) + " is too short (at least " +
                      sofy::format_duration(minimum) + ")"};
  return *d;
}

void require_guid(const std::string& flag, const std::string& value) {
  if (!sofy::is_guid(value))
    throw usage_error{flag + ": '" + value +
                      "' is not a GUID (XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)"};
}

void require_plain(const std::string& flag, const std::string& value) {
  if (value.empty()) throw usage_error{flag + ": must not be empty"};
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f || c == ' ')
      throw usage_error{flag + ": must not contain spaces or control characters"};
}

std::string read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int e = errno;
    throw usage_error{"--auth-key-file " + path + ": cannot read it (" + std::strerror(e) + ")"};
  }
  // A key file holds a GUID and a newline; refuse to slurp something else entirely.
  std::string text;
  char buf[256];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > 4096)
      throw usage_error{"--auth-key-file " + path + ": too large for an auth key"};
  }
  if (in.bad()) throw usage_error{"--auth-key-file " + path + ": read error"};
  return text;
}

// What the user typed for an argument nothing matched, reduced to its flag name: a
// value after '=' (or glued to a short flag) is never repeated.
std::string flag_name(const std::string& arg) {
  if (arg.rfind("--", 0) == 0) return arg.substr(0, arg.find('='));
  return arg.substr(0, 2);
}

void check_extras(const std::vector<std::string>& extras) {
  std::string unknown;
  std::size_t positional = 0;
  for (const std::string& a : extras) {
    if (a.size() > 1 && a[0] == '-') {
      if (!unknown.empty()) unknown += ", ";
      unknown += flag_name(a);
    } else {
      ++positional;
    }
  }
  if (!unknown.empty()) throw usage_error{"unknown option " + unknown};
  if (positional > 0)
    throw usage_error{std::to_string(positional) +
                      (positional == 1 ? " unexpected argument" : " unexpected arguments") +
                      " (not repeated here: it could be a secret)"};
}

}  // namespace

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  static constexpr std::string_view mask = "<redacted>";
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + mask.size()))
    text.replace(at, secret.size(), mask);
  return text;
}

std::variant<invocation, early_exit> parse_command_line(int argc, const char* const* argv,
                                                        const environment& env) {
  CLI::App app{
      "sofy-run: trigger Sofy schedules, wait for the run and gate CI on its outcome.\n"
      "The auth key comes from SOFY_AUTH_KEY or --auth-key-file, never from a flag value.\n"
      "Exit codes: 0 passed, 1 a test did not pass, 2 usage or configuration, 3 API or transport\n"
      "error, 4 --wait ran out of --timeout, 130/143 interrupted by SIGINT/SIGTERM during trigger.",
      "sofy-run"};
  app.set_version_flag("--version", std::string("sofy-run ") + sofy::version_string);
  app.require_subcommand(1, 1);
  app.allow_extras();
  app.fallthrough();

  std::string base_url, ca_file, request_timeout, key_file, key_flag;
  app.add_option("--base-url", base_url,
                 "API base URL (default: SOFY_BASE_URL, else https://public.sofy.ai)")
      ->type_name("URL");
  app.add_option("--ca-file", ca_file,
                 "extra trusted CA certificates (PEM), besides the system store")
      ->type_name("PEM");
  app.add_option("--request-timeout", request_timeout, "bound on each HTTP request (default 30s)")
      ->type_name("DUR");
  app.add_option("--auth-key-file", key_file, "file holding the auth key (default: SOFY_AUTH_KEY)")
      ->type_name("PATH");
  // Only so that it can be refused without echoing its value; hidden from --help.
  app.add_option("--auth-key", key_flag)->group("");

  std::string schedule, group, app_hash, upload, app_guid, file, name, certificate, timeout, poll,
      junit;
  std::string upload_timeout;
  bool json = false, wait = false;

  auto add_schedule = [&](CLI::App* sub) {
    sub->add_option("--schedule", schedule, "the scheduled run's GUID")
        ->type_name("GUID")
        ->required();
  };
  auto add_json = [&](CLI::App* sub) {
    sub->add_flag("--json", json, "print one JSON object on stdout");
  };

  CLI::App* status =
      app.add_subcommand("status", "the status of a run group (the latest one without --group)");
  add_schedule(status);
  status->add_option("--group", group, "the run group id")->type_name("ID");
  add_json(status);

  CLI::App* groups = app.add_subcommand("groups", "the run groups of a schedule, newest first");
  add_schedule(groups);
  add_json(groups);

  CLI::App* trigger =
      app.add_subcommand("trigger", "start a run of the schedule, optionally wait for it");
  add_schedule(trigger);
  auto* o_hash =
      trigger->add_option("--app-hash", app_hash, "the build to run (default: the latest one)")
          ->type_name("HASH");
  auto* o_upload =
      trigger->add_option("--upload", upload, "upload this APK or IPA first and run it")
          ->type_name("FILE");
  auto* o_guid =
      trigger
          ->add_option("--app-guid", app_guid, "with --upload: the application to add the build to")
          ->type_name("GUID");
  auto* o_utimeout = trigger
                         ->add_option("--upload-timeout", upload_timeout,
                                      "bound on the whole upload (default 30m)")
                         ->type_name("DUR");
  auto* o_wait = trigger->add_flag("--wait", wait,
                                   "poll until every test finished; exit 1 if one did not pass");
  auto* o_timeout = trigger
                        ->add_option("--timeout", timeout,
                                     "with --wait: give up after this long (default 2h), exit 4")
                        ->type_name("DUR");
  auto* o_poll =
      trigger->add_option("--poll-interval", poll, "with --wait: time between polls (default 15s)")
          ->type_name("DUR");
  auto* o_junit =
      trigger->add_option("--junit", junit, "with --wait: write a JUnit XML report here")
          ->type_name("FILE");
  add_json(trigger);
  o_hash->excludes(o_upload);
  o_guid->needs(o_upload);
  o_utimeout->needs(o_upload);
  o_timeout->needs(o_wait);
  o_poll->needs(o_wait);
  o_junit->needs(o_wait);

  CLI::App* abort =
      app.add_subcommand("abort", "stop a run group, or every active run of the schedule");
  add_schedule(abort);
  abort->add_option("--group", group, "the run group id (default: every active run)")
      ->type_name("ID");
  add_json(abort);

  CLI::App* up = app.add_subcommand("upload", "upload a build (APK or IPA) and print its app hash");
  up->add_option("--file", file, "the APK or IPA")->type_name("FILE")->required();
  up->add_option("--app-guid", app_guid, "add the build to this application")->type_name("GUID");
  up->add_option("--name", name, "the build's friendly name")->type_name("NAME");
  up->add_option("--certificate", certificate, "the signing certificate's name (iOS)")
      ->type_name("NAME");
  up->add_option("--upload-timeout", upload_timeout, "bound on the whole upload (default 30m)")
      ->type_name("DUR");
  add_json(up);

  for (CLI::App* sub : {status, groups, trigger, abort, up}) {
    sub->allow_extras();
    sub->fallthrough();
  }

  early_exit fail;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return early_exit{exit_code::success, app.help(), {}};
  } catch (const CLI::CallForAllHelp&) {
    return early_exit{exit_code::success, app.help("", CLI::AppFormatMode::All), {}};
  } catch (const CLI::CallForVersion& v) {
    return early_exit{exit_code::success, std::string(v.what()) + "\n", {}};
  } catch (const CLI::ParseError& e) {
    // Messages of the errors that remain name options, never their values. A missing
    // command gets a readable hint of its own.
    std::string msg = e.what();
    if (app.get_subcommands().empty())
      msg = "a command is required: status, groups, trigger, abort or upload";
    return early_exit{exit_code::usage, {}, "sofy-run: " + msg + " (see sofy-run --help)\n"};
  }

  try {
    check_extras(app.remaining(true));

    invocation inv;
    global_options& g = inv.global;
    if (!key_flag.empty() || app.count("--auth-key") > 0)
      throw usage_error{
          "--auth-key is not accepted: a flag value is visible to every user of the machine; "
          "set SOFY_AUTH_KEY or use --auth-key-file PATH"};

    if (!base_url.empty()) {
      g.base_url = base_url;
    } else if (auto v = env("SOFY_BASE_URL"); v && !v->empty()) {
      g.base_url = *v;
    }
    g.ca_file = ca_file;
    if (!ca_file.empty()) {
      std::ifstream probe(ca_file);
      if (!probe)
        throw usage_error{"--ca-file " + ca_file + ": cannot read it (" + std::strerror(errno) +
                          ")"};
    }
    if (!request_timeout.empty())
      g.request_timeout =
          duration_option("--request-timeout", request_timeout, std::chrono::milliseconds(1));

    if (!key_file.empty()) {
      g.auth_key = trim(read_key_file(key_file));
      g.auth_key_source = "--auth-key-file " + key_file;
      if (g.auth_key.empty()) throw usage_error{g.auth_key_source + ": the file is empty"};
    } else if (auto v = env("SOFY_AUTH_KEY"); v && !trim(*v).empty()) {
      g.auth_key = trim(*v);
      g.auth_key_source = "SOFY_AUTH_KEY";
    } else {
      throw usage_error{"no auth key: set SOFY_AUTH_KEY or use --auth-key-file PATH"};
    }
    if (!sofy::is_guid(g.auth_key))
      throw usage_error{
          "the auth key from " + g.auth_key_source +
          " is not a GUID (expected XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, from Account > "
          "Account Settings > API Key)"};
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]).find(g.auth_key) != std::string_view::npos)
        throw usage_error{"the auth key must not be on the command line (argument " +
                          std::to_string(i) + "): argv is visible to every user of the machine"};

    const std::optional<std::string> opt_group =
        group.empty() ? std::nullopt : std::optional<std::string>(group);
    if (opt_group) require_plain("--group", *opt_group);

    if (status->parsed()) {
      require_guid("--schedule", schedule);
      inv.cmd = status_command{schedule, opt_group, json};
    } else if (groups->parsed()) {
      require_guid("--schedule", schedule);
      inv.cmd = groups_command{schedule, json};
    } else if (trigger->parsed()) {
      require_guid("--schedule", schedule);
      trigger_command t;
      t.schedule = schedule;
      if (o_hash->count() > 0) {
        require_plain("--app-hash", app_hash);
        t.app_hash = app_hash;
      }
      if (o_upload->count() > 0) {
        if (upload.empty()) throw usage_error{"--upload: must not be empty"};
        t.upload = upload;
      }
      if (!app_guid.empty()) require_guid("--app-guid", app_guid);
      t.app_guid = app_guid;
      if (!upload_timeout.empty())
        t.upload_timeout =
            duration_option("--upload-timeout", upload_timeout, std::chrono::seconds(1));
      t.wait = wait;
      if (!timeout.empty())
        t.timeout = duration_option("--timeout", timeout, std::chrono::milliseconds(1));
      if (!poll.empty())
        t.poll_interval = duration_option("--poll-interval", poll, std::chrono::milliseconds(100));
      if (o_junit->count() > 0) {
        if (junit.empty()) throw usage_error{"--junit: must not be empty"};
        t.junit = junit;
      }
      t.json = json;
      inv.cmd = std::move(t);
    } else if (abort->parsed()) {
      require_guid("--schedule", schedule);
      inv.cmd = abort_command{schedule, opt_group, json};
    } else {
      upload_command u;
      if (file.empty()) throw usage_error{"--file: must not be empty"};
      u.file = file;
      if (!app_guid.empty()) require_guid("--app-guid", app_guid);
      u.app_guid = app_guid;
      u.name = name;
      u.certificate = certificate;
      if (!upload_timeout.empty())
        u.upload_timeout =
            duration_option("--upload-timeout", upload_timeout, std::chrono::seconds(1));
      u.json = json;
      inv.cmd = std::move(u);
    }
    return inv;
  } catch (const usage_error& e) {
    return early_exit{exit_code::usage, {}, "sofy-run: " + e.message + "\n"};
  }
}

}  // namespace sofy_run
