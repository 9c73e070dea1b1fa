// One thread polls the latest status of many schedules (say 100) at once, with at most
// `limit` requests in flight: `limit` workers share one queue and one connection pool.
//
//   SOFY_AUTH_KEY=<key> [SOFY_BASE_URL=<url>] ./poll_many [limit] < schedule-guids.txt
#include <sofy/client.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

struct work_queue {
  std::vector<std::string> schedules;
  std::size_t next = 0;
  std::map<std::string, int> tally;  // outcome (or "error") -> schedules
};

// A worker takes the next schedule until none is left; one thread, so no locks.
asio::awaitable<void> worker(sofy::client* c, work_queue* q) {
  while (q->next < q->schedules.size()) {
    const std::string guid = q->schedules[q->next++];
    try {
      sofy::group_status s = co_await c->latest_status(guid);
      ++q->tally[std::string(to_string(s.outcome()))];
    } catch (const sofy::error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      ++q->tally["error"];
    }
  }
}

int main(int argc, char** argv) {
  const std::size_t limit = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 8;
  work_queue q;
  for (std::string line; std::getline(std::cin, line);)
    if (!line.empty()) q.schedules.push_back(line);

  asio::io_context io{1};
  sofy::client_options opts;
  opts.auth_key = std::getenv("SOFY_AUTH_KEY") ? std::getenv("SOFY_AUTH_KEY") : "";
  if (const char* base = std::getenv("SOFY_BASE_URL")) opts.base_url = base;
  opts.http.max_idle_per_origin = limit;  // keep a warm connection per worker
  sofy::client c{io.get_executor(), opts};

  for (std::size_t i = 0; i < limit && i < q.schedules.size(); ++i)
    asio::co_spawn(io, worker(&c, &q), asio::detached);
  io.run();

  for (const auto& [outcome, n] : q.tally) std::printf("%-8s %d\n", outcome.c_str(), n);
  std::printf("%zu schedules, %llu connections opened\n", q.schedules.size(),
              static_cast<unsigned long long>(c.http_stats().connections_opened));
  return q.tally.count("error") ? 1 : 0;
}
