// The async_ forms take any Asio completion token: here a plain callback, then
// asio::use_future from a thread that is not running the io_context.
//
//   SOFY_AUTH_KEY=<key> [SOFY_BASE_URL=<url>] ./callbacks <schedule GUID>
#include <sofy/client.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: %s <schedule GUID>\n", argv[0]), 2;
  const std::string schedule = argv[1];
  asio::io_context io;
  sofy::client_options opts;
  opts.auth_key = std::getenv("SOFY_AUTH_KEY") ? std::getenv("SOFY_AUTH_KEY") : "";
  if (const char* base = std::getenv("SOFY_BASE_URL")) opts.base_url = base;
  sofy::client c{io.get_executor(), opts};

  // 1. A callback: handler(std::exception_ptr, T). It runs inside io.run().
  c.async_run_groups(schedule, [](std::exception_ptr e, std::vector<sofy::run_group> groups) {
    if (e) return std::puts("run groups: failed");
    return std::printf("run groups: %zu, newest %s\n", groups.size(),
                       groups.empty() ? "-" : groups[0].id.c_str());
  });
  io.run();

  // 2. A future: the io_context runs on its own thread and main() blocks on the result.
  // The operation still runs on the io_context's thread (co_spawn posts it there).
  io.restart();
  auto work = asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  std::future<sofy::group_status> latest = c.async_latest_status(schedule, asio::use_future);
  int rc = 0;
  try {
    sofy::group_status s = latest.get();  // rethrows the operation's sofy::error
    std::printf("latest group %s: %zu tests, %s\n", s.group_id.c_str(), s.tests.size(),
                std::string(to_string(s.outcome())).c_str());
  } catch (const sofy::error& e) {
    std::fprintf(stderr, "latest status: %s\n", e.what());
    rc = 1;
  }
  work.reset();
  runner.join();
  return rc;
}
