// sofy-notifier: watches Sofy schedules and posts their status changes to Slack, Microsoft
// Teams and JSON webhooks. See notifier/README.md and service.hpp.
#include "notifier/log.hpp"
#include "notifier/service.hpp"
#if SOFY_NOTIFIER_DEMO
#include "notifier/demo.hpp"
#endif

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  using namespace sofy::notifier;
  CLI::App app{"sofy-notifier: Sofy schedule status changes to Slack, Teams and webhooks"};
  app.require_subcommand(1);

  std::string check_file;
  auto* check = app.add_subcommand("check", "Validate a config file; exit 0 if valid, else 2");
  check->add_option("--config", check_file, "Config file (YAML)")->required();

  service_options run_opts;
  std::string run_file, level;
  auto* run = app.add_subcommand("run", "Watch the schedules and deliver notifications");
  run->add_option("--config", run_file, "Config file (YAML)")->required();
  run->add_flag("--once", run_opts.once, "One poll of every schedule and one delivery attempt of everything pending");
  run->add_flag("--dry-run", run_opts.dry_run, "Print each payload instead of posting it; change no state");
  run->add_option("--log-level", level, "debug | info | warn | error (overrides log_level)");

#if SOFY_NOTIFIER_DEMO
  demo_options demo_opts;
  auto* demo = app.add_subcommand("demo", "Run against a built-in simulated Sofy and print what would be posted");
  demo->add_flag("--json", demo_opts.show_json, "Also print the Slack and Teams payloads as JSON");
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*check) return check_config(check_file, std::cout, std::cerr);
#if SOFY_NOTIFIER_DEMO
  if (*demo) return run_demo(demo_opts);
#endif

  if (!level.empty()) {
    run_opts.level = log_level_from_name(level);
    if (!run_opts.level) {
      std::cerr << "sofy-notifier: --log-level: expected debug, info, warn or error, got '" << level << "'\n";
      return 2;
    }
  }
  run_opts.config_file = run_file;
  try {
    return service{std::move(run_opts)}.run();
  } catch (const std::exception& e) {
    std::cerr << "sofy-notifier: " << e.what() << "\n";
    return 1;
  }
}
