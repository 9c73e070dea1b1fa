// The simulator's engine: one HTTP request in, one scripted answer out.
//
//   sofy::sim::engine eng{sofy::sim::load_scenario("demo.yaml"), std::chrono::system_clock::now()};
//   sofy::sim::sim_reply r = eng.handle(request, std::chrono::system_clock::now());
//
// It answers every route of API-NOTES.md as the service does (auth checks and error texts
// included), in the shapes the scenario asks for, with the scenario's faults, plus the
// recording webhook sinks (`/hooks/<name>`) and an admin API under `/_sim/` (see
// sim/README.md). Time is passed in, never read, so tests drive timelines exactly.
//
// I/O-free: no sockets, no Asio. Thread-compatible: one caller at a time.
#pragma once

#include "scenario.hpp"

#include <sofy/http/message.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sofy::sim {

using sim_clock = std::chrono::system_clock;
using time_point = sim_clock::time_point;

// A response and how to send it; sofy-sim maps it onto the HTTP server's reply.
struct sim_reply {
  http::response response;
  milliseconds delay{0};   // wait before sending anything
  bool stall = false;      // never answer; keep the connection open
  bool drop = false;       // close the connection without answering
  std::optional<std::size_t> cut_after;  // send the head and this many body bytes, then `cut`
  answer_spec::cut_kind cut = answer_spec::cut_kind::close;
  bool chunked = false;    // Transfer-Encoding: chunked
  std::size_t chunk_size = 0;
  bool close = false;      // close the connection after answering
};

// Where a request came from, for the request log (connection reuse is visible there).
struct peer_info {
  std::uint64_t connection = 0;
  std::uint64_t request_index = 0;  // on that connection
  bool tls = false;
};

// One request as the log keeps it. Credential headers are kept by name only.
struct request_record {
  std::uint64_t seq = 0;  // 1, 2, 3... since start or the last reset
  time_point time;
  sim::route route = sim::route::unknown;
  std::string method, target;
  std::string schedule, group, hook;  // when the route names them
  int status = 0;                     // 0 when the answer was a stall or a drop
  std::string fault;                  // FILE:LINE:COL of the scripted answer used, if any
  peer_info peer;
  http::fields headers;               // x-sofy-auth-key etc. with the value "<redacted>"
  std::size_t body_bytes = 0;
};

// One delivery to a recording webhook sink.
struct hook_delivery {
  std::uint64_t seq = 0;  // per hook: 1, 2, 3...
  std::string hook;
  time_point time;
  std::string method, target;
  http::fields headers;
  std::string body;
  int status = 0;  // what the sink answered (0: stalled or dropped)
};

class engine {
 public:
  // `now` starts the timelines of the groups the scenario lists.
  engine(scenario sc, time_point now);
  ~engine();
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;

  // Answers one request. Never throws for anything a client sends.
  sim_reply handle(const http::request& req, time_point now, const peer_info& peer = {});

  // Back to the scenario's initial state: groups, poll counts, fault scripts, logs.
  void reset(time_point now);

  // Moves every visible group on by `polls` status polls and the simulator's clock by `time`.
  void advance(std::uint64_t polls, milliseconds time);

  // Called after each request is answered / each hook delivery is recorded (for sofy-sim's
  // output). The callbacks must not call back into the engine.
  void on_request(std::function<void(const request_record&)> cb);
  void on_hook(std::function<void(const hook_delivery&)> cb);

  // The scenario it plays.
  const sim::scenario& script() const noexcept;

  struct state;  // the implementation's

 private:
  std::unique_ptr<state> s_;
};

// The service's timestamp: "2023-10-24T06:14:39.200Z".
std::string format_iso_ms(time_point t);
// The legacy shape's: "2022-10-07T20:39:26.02" (no zone, two fractional digits).
std::string format_legacy_time(time_point t);
// An IMF-fixdate for Retry-After and Date: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(time_point t);

// The app hash the simulator gives an uploaded file: its MD5, 32 lower-case hex digits.
std::string app_hash_of(std::string_view content);

}  // namespace sofy::sim
