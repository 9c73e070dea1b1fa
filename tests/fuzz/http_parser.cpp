// libFuzzer target for the HTTP/1.1 request and response parsers.
//
//   clang++-14 -std=c++20 -fsanitize=fuzzer,address,undefined -I include tests/fuzz/http_parser.cpp
//   ./a.out -max_total_time=60
//
// Input: byte 0 selects options (small limits, HEAD, streaming sink, pause after
// the head), byte 1 seeds
// the split points, the rest is the stream. Each parser reads the stream as a
// sequence of pipelined messages, once whole and once split at pseudo-random points;
// both runs must agree exactly (a split-dependent result is a bug even when nothing
// crashes). A parsed request without Transfer-Encoding must also survive a
// serialization round trip unchanged.
#include <sofy/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sofy::http;

struct seen {
  std::error_code ec;
  std::vector<std::string> messages;  // each parsed message, flattened
  bool operator==(const seen&) const = default;
};

std::string flatten(const request& m, const fields& trailers, bool keep) {
  std::string s = m.method + ' ' + m.target + ' ' + std::to_string(m.version) + (keep ? " k\n" : " c\n");
  for (const auto& f : m.headers) s += f.name + ':' + f.value + '\n';
  for (const auto& f : trailers) s += "t " + f.name + ':' + f.value + '\n';
  return s + m.body;
}

std::string flatten(const response& m, const fields& trailers, bool keep) {
  std::string s = std::to_string(m.status) + ' ' + m.reason + ' ' + std::to_string(m.version) + (keep ? " k\n" : " c\n");
  for (const auto& f : m.headers) s += f.name + ':' + f.value + '\n';
  for (const auto& f : trailers) s += "t " + f.name + ':' + f.value + '\n';
  return s + m.body;
}

void check_round_trip(const request& req) {
  if (req.headers.contains("transfer-encoding")) return;
  std::string wire;
  write(req, wire);  // a parsed request is always serializable; an exception here is a finding
  // The added Content-Length may take the head past the limits the original just met.
  constexpr auto unlimited = std::numeric_limits<std::size_t>::max();
  request_parser again({.max_head = unlimited, .max_fields = unlimited, .max_body = unlimited});
  std::error_code ec;
  const auto n = again.feed(wire, ec);
  if (ec || !again.done() || n != wire.size()) __builtin_trap();
  request copy = again.release();
  // The serializer adds Content-Length when the request had no framing field.
  if (!(copy == req)) {
    request expected = req;
    expected.headers.add("Content-Length", std::to_string(req.body.size()));
    if (!(copy == expected)) __builtin_trap();
  }
}

template <class Parser>
seen run(std::string_view in, std::uint8_t options, std::uint32_t seed, bool split) {
  parser_limits limits;
  if (options & 1) limits = {.max_head = 256, .max_fields = 4, .max_body = 64, .max_chunk_extensions = 8, .max_trailer = 32};
  Parser p(limits);
  p.set_pause_after_head((options & 8) != 0);
  std::string streamed;
  auto setup = [&] {
    if constexpr (std::is_same_v<Parser, response_parser>) p.set_head_request((options & 2) != 0);
    if (options & 4) {
      streamed.clear();
      p.on_body([&](std::string_view b) { streamed.append(b); });
    }
  };
  setup();
  seen out;
  std::uint32_t state = seed * 2654435761u + 1;
  while (out.messages.size() < 16) {
    std::size_t take = in.size();
    if (split) {
      state = state * 1103515245u + 12345u;
      take = std::min<std::size_t>(in.size(), (state >> 16) % 9);
    }
    const bool had_head = p.header_done();
    const auto n = p.feed(in.substr(0, take), out.ec);
    if (n > take) __builtin_trap();
    in.remove_prefix(n);
    if (out.ec) return out;
    if (p.done()) {
      auto msg = p.release();
      if (options & 4) {
        if (!msg.body.empty()) __builtin_trap();
        msg.body = streamed;
      }
      if constexpr (std::is_same_v<Parser, request_parser>) check_round_trip(msg);
      out.messages.push_back(flatten(msg, p.trailers(), p.keep_alive()));
      if (p.needs_eof()) __builtin_trap();  // done without EOF cannot be read-until-close
      p.reset();
      setup();
      continue;
    }
    // An unfinished message consumes everything, except when pausing after its head.
    if (n != take && !(p.header_done() && !had_head && (options & 8))) __builtin_trap();
    if (in.empty()) break;
  }
  if (out.messages.size() == 16) return out;
  p.feed_eof(out.ec);
  if (!out.ec && p.done()) {
    auto msg = p.release();
    if (options & 4) msg.body = streamed;
    if (!p.needs_eof() || p.keep_alive()) __builtin_trap();  // only read-until-close completes at EOF
    out.messages.push_back(flatten(msg, p.trailers(), p.keep_alive()));
  }
  return out;
}

template <class Parser>
void differential(std::string_view in, std::uint8_t options, std::uint32_t seed) {
  const auto whole = run<Parser>(in, options, seed, false);
  const auto pieces = run<Parser>(in, options, seed, true);
  if (!(whole == pieces)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t options = data[0];
  const std::uint32_t seed = data[1];
  const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
  differential<request_parser>(in, options, seed);
  differential<response_parser>(in, options, seed);
  return 0;
}
