// The engine behind sofy::http::server: what sofy-sim runs, for tests and demos that want the
// simulator in-process instead of as a child process.
//
//   sofy::sim::engine eng{sofy::sim::load_scenario("demo.yaml"), std::chrono::system_clock::now()};
//   sofy::http::server srv{io.get_executor(), {asio::ip::make_address("127.0.0.1"), 0},
//                          sofy::sim::handler(eng)};
//   // srv.local_endpoint().port() is the port; run `io` on one thread.
//
// The engine must outlive the server and the io_context (a handler suspended at stop() resumes
// once more). Unlike the rest of sim/, this header includes Asio.
#pragma once

#include "engine.hpp"

#include <sofy/http/server.hpp>

#include <asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <utility>

namespace sofy::sim {

// The server's form of a reply: the response and the same fault directives.
inline http::reply to_reply(sim_reply r) {
  http::reply out{std::move(r.response)};
  out.delay = r.delay;
  out.stall = r.stall;
  out.chunked = r.chunked;
  out.chunk_size = r.chunk_size;
  out.close = r.close;
  if (r.cut_after) {
    out.cut_after = r.cut_after;
    switch (r.cut) {
      case answer_spec::cut_kind::close: out.cut = http::cut_action::close; break;
      case answer_spec::cut_kind::reset: out.cut = http::cut_action::reset; break;
      case answer_spec::cut_kind::stall: out.cut = http::cut_action::stall; break;
    }
  }
  if (r.drop) out.raw = std::string();  // nothing at all, then close
  return out;
}

namespace detail {
// Arguments by value: a coroutine must not hold references into its caller.
inline asio::awaitable<http::reply> serve(engine* eng, http::request req, peer_info peer) {
  co_return to_reply(eng->handle(req, std::chrono::system_clock::now(), peer));
}
}  // namespace detail

// A request handler that answers from `eng` with the wall clock as its time.
inline http::request_handler handler(engine& eng) {
  return [e = &eng](http::request req, const http::connection_info& ci) {
    return detail::serve(e, std::move(req), peer_info{ci.id, ci.request_index, ci.tls});
  };
}

}  // namespace sofy::sim
