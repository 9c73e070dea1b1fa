// The status of a schedule's latest run group, one line per test.
//
//   SOFY_AUTH_KEY=<key> [SOFY_BASE_URL=<url>] ./status <schedule GUID>
#include <sofy/client.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

asio::awaitable<void> print_latest(sofy::client* c, std::string schedule) {
  // The newest run group, found through the run-group list, and its status.
  sofy::group_status s = co_await c->latest_status(schedule);
  std::printf("run group %s: %s\n", s.group_id.c_str(),
              std::string(to_string(s.outcome())).c_str());
  for (const sofy::test_run& t : s.tests)
    std::printf("  %-20s %-16s %-14s %s\n", t.scenario.c_str(), t.device.c_str(), t.build.c_str(),
                std::string(to_string(t.status)).c_str());
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: SOFY_AUTH_KEY=<key> %s <schedule GUID>\n", argv[0]);
    return 2;
  }
  const char* key = std::getenv("SOFY_AUTH_KEY");
  const char* base = std::getenv("SOFY_BASE_URL");

  asio::io_context io;
  sofy::client_options opts;
  opts.auth_key = key ? key : "";
  if (base) opts.base_url = base;
  try {
    sofy::client c{io.get_executor(), opts};  // checks that the key is a GUID
    int rc = 0;
    asio::co_spawn(io, print_latest(&c, argv[1]), [&](std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const sofy::error& err) {  // what() names the call and never holds the key
        std::fprintf(stderr, "error: %s\n", err.what());
        rc = 1;
      }
    });
    io.run();
    return rc;
  } catch (const sofy::error& err) {
    std::fprintf(stderr, "error: %s\n", err.what());
    return 2;
  }
}
