// Trigger a schedule, print each change while it runs, and exit 1 unless every test passed.
//
//   SOFY_AUTH_KEY=<key> [SOFY_BASE_URL=<url>] ./trigger_and_wait <schedule GUID> [app hash]
#include <sofy/client.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

using namespace std::chrono_literals;

asio::awaitable<int> run(sofy::client* c, std::string schedule,
                         std::optional<sofy::app_hash> build) {
  // Without a build, the schedule's latest one runs. The result always names the run group.
  sofy::trigger_result started = co_await c->trigger(schedule, build);
  std::printf("started run group %s\n", started.group_id->c_str());

  sofy::wait_options w;
  w.poll_interval = 2s;  // the default is 15s; the service runs tests for minutes
  w.timeout = 30min;     // then sofy::errc::timeout
  w.on_change = [](const sofy::group_status& s) {
    const sofy::status_counts n = s.counts();
    std::printf("  %zu of %zu finished\n", n.total - n.queued - n.running - n.unknown, n.total);
  };
  sofy::group_status final = co_await c->wait(schedule, *started.group_id, w);

  for (const sofy::test_run& t : final.tests)
    std::printf("%s on %s: %s\n", t.scenario.c_str(), t.device.c_str(), t.raw_status.c_str());
  co_return final.outcome() == sofy::run_outcome::passed ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: %s <schedule GUID> [app hash]\n", argv[0]), 2;
  std::optional<sofy::app_hash> build;
  if (argc > 2) build = sofy::app_hash{argv[2]};

  asio::io_context io;
  sofy::client_options opts;
  opts.auth_key = std::getenv("SOFY_AUTH_KEY") ? std::getenv("SOFY_AUTH_KEY") : "";
  if (const char* base = std::getenv("SOFY_BASE_URL")) opts.base_url = base;
  sofy::client c{io.get_executor(), opts};

  // co_spawn with asio::use_future would work too; here the handler stores the result.
  int rc = 3;
  asio::co_spawn(io, run(&c, argv[1], build), [&](std::exception_ptr e, int result) {
    rc = result;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& err) {
      std::fprintf(stderr, "%s\n", err.what());
    }
    rc = 3;
  });
  io.run();
  return rc;
}
