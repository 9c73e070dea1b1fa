// sofy-run's command line, parsed into a typed command (no I/O besides reading the
// --auth-key-file; no network).
//
//   sofy-run [--base-url URL] [--ca-file PEM] [--request-timeout DUR] [--auth-key-file PATH]
//            <command> [options]
//     status  --schedule GUID [--group ID] [--json]
//     groups  --schedule GUID [--json]
//     trigger --schedule GUID [--app-hash H | --upload FILE [--app-guid G]] [--upload-timeout DUR]
//             [--wait [--timeout DUR] [--poll-interval DUR] [--junit FILE]] [--json]
//     abort   --schedule GUID [--group ID] [--json]
//     upload  --file FILE [--app-guid G] [--name NAME] [--certificate NAME] [--upload-timeout DUR]
//     [--json]
//
// The auth key comes from --auth-key-file PATH (which wins) or SOFY_AUTH_KEY, surrounding
// whitespace trimmed, and must be a GUID. It is never accepted as a flag value: argv is
// visible to every user of the machine. `--auth-key` exists only to refuse it, and the
// key is refused wherever it appears in argv. SOFY_BASE_URL sets the base URL
// (--base-url wins). Global options may also follow the command.
//
// Messages never repeat the auth key, nor the values of arguments that were not
// recognised (a mistyped flag may well be followed by a secret).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sofy_run {

// The exit codes (pinned in DESIGN.md; 130 and 143 are sofy-run's own choice).
namespace exit_code {
inline constexpr int success = 0;     // with --wait: every test passed
inline constexpr int not_passed = 1;  // the run finished and some test did not pass
inline constexpr int usage = 2;       // usage or configuration error
inline constexpr int api = 3;         // API or transport error: HTTP, TLS, a request's timeout
inline constexpr int timeout = 4;     // --wait ran out of --timeout
inline constexpr int sigint =
    130;  // interrupted during trigger (128 + SIGINT), as shells report it
inline constexpr int sigterm = 143;  // terminated during trigger (128 + SIGTERM)
}  // namespace exit_code

struct global_options {
  std::string base_url = "https://public.sofy.ai";
  std::string ca_file;  // extra trust anchors (PEM); empty: the system store only
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  std::string auth_key;         // a GUID; never printed
  std::string auth_key_source;  // "SOFY_AUTH_KEY" or "--auth-key-file PATH", for messages
};

struct status_command {
  std::string schedule;
  std::optional<std::string> group;  // the latest group when absent
  bool json = false;
};

struct groups_command {
  std::string schedule;
  bool json = false;
};

struct trigger_command {
  std::string schedule;
  std::optional<std::string> app_hash;
  std::optional<std::filesystem::path> upload;  // upload this build first, then run it
  std::string app_guid;                         // with upload: the application to add it to
  std::chrono::milliseconds upload_timeout{std::chrono::minutes(30)};
  bool wait = false;
  std::chrono::milliseconds timeout{std::chrono::hours(2)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(15)};
  std::optional<std::filesystem::path> junit;
  bool json = false;
};

struct abort_command {
  std::string schedule;
  std::optional<std::string> group;  // every active run of the schedule when absent
  bool json = false;
};

struct upload_command {
  std::filesystem::path file;
  std::string app_guid, name, certificate;
  // The whole upload; --request-timeout still bounds any stall within it.
  std::chrono::milliseconds upload_timeout{std::chrono::minutes(30)};
  bool json = false;
};

using command =
    std::variant<status_command, groups_command, trigger_command, abort_command, upload_command>;

struct invocation {
  global_options global;
  command cmd;
};

// Instead of running a command: --help, --version, or a usage error.
struct early_exit {
  int code = exit_code::usage;
  std::string out;  // for stdout (help, version)
  std::string err;  // for stderr ("sofy-run: ..." lines)
};

// Looks up an environment variable (std::getenv in main, a map in tests).
using environment = std::function<std::optional<std::string>(const std::string& name)>;

// Parses argv. Usage and configuration errors (unknown options, missing or conflicting
// ones, bad durations, a schedule that is not a GUID, a missing, unreadable or malformed
// auth key) are an early_exit with code 2 and a one-line reason naming the option or
// file; --help and --version are an early_exit with code 0.
std::variant<invocation, early_exit> parse_command_line(int argc, const char* const* argv,
                                                        const environment& env);

// `text` with every occurrence of `secret` replaced by "<redacted>" (nothing when the
// secret is empty). sofy-run passes everything it prints through this, as a last guard.
std::string redact(std::string text, std::string_view secret);

}  // namespace sofy_run
