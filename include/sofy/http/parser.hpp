// Sans-I/O HTTP/1.1 push parsers for responses (client side) and requests (server side).
//
// Feed bytes as they arrive; the parser keeps what it needs across calls, so any
// split of the input gives the same result. No Asio, no OpenSSL, no coroutines:
// the parser is unit-tested and fuzzed directly.
//
//   sofy::http::response_parser p;
//   std::error_code ec;
//   while (!p.done()) {
//     auto n = read_some(buf);                       // the caller's I/O
//     if (n == 0) { p.feed_eof(ec); break; }
//     std::size_t used = p.feed({buf, n}, ec);       // bytes after `used` belong to the next message
//     if (ec) break;
//   }
//   if (!ec) use(p.get()), reuse_connection = p.keep_alive();
//
// Rules (RFC 9110/9112):
// - Start line: "HTTP/1.0" and "HTTP/1.1" only; status 100-599; request methods are
//   tokens and targets visible ASCII. Empty lines before a start line are skipped.
// - Lines end in CRLF; a bare CR, a bare LF or a NUL in the head is an error.
// - Fields: names are tokens, whitespace before the colon is rejected, values are
//   OWS-trimmed and free of control characters. obs-fold (a line starting with SP or
//   HTAB) is replaced by one space in responses and rejected in requests and trailers.
// - Framing (RFC 9112 section 6.3): responses to HEAD and 1xx/204/304 responses have
//   no body. Interim 1xx responses (100, 102, 103, ...) are skipped; 101 is final and
//   ends the message (the connection then belongs to the new protocol).
//   Transfer-Encoding together with Content-Length is rejected. Transfer-Encoding
//   must end in "chunked" in a request; in a response a different final coding
//   means the body runs until the connection closes. Content-Length is digits only,
//   may repeat (also as a list, "5, 5") when every value is equal, and is checked for
//   overflow. A request with neither has no body; a response with neither is read
//   until close (needs_eof()).
// - Chunked bodies: chunk extensions are validated and bounded per chunk; trailer
//   fields are bounded and stored apart (trailers()), so they never change framing.
// - Limits are in parser_limits, and each has its own error code.
#pragma once

#include <sofy/http/error.hpp>
#include <sofy/http/message.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace sofy::http {

struct parser_limits {
  std::size_t max_head = 16 * 1024;         // start line + all fields, in bytes: error::head_too_large
  std::size_t max_fields = 100;             // header fields: error::too_many_fields
  std::size_t max_body = 8 * 1024 * 1024;   // decoded body, also when streamed: error::body_too_large
  std::size_t max_chunk_extensions = 1024;  // bytes of extensions per chunk: error::chunk_extension_too_large
  std::size_t max_trailer = 4 * 1024;       // trailer section in bytes (and max_fields fields): error::trailer_too_large
};

namespace detail {

// The shared core of request_parser and response_parser.
template <bool IsRequest>
class basic_parser {
 public:
  using message_type = std::conditional_t<IsRequest, request, response>;

  explicit basic_parser(parser_limits limits = {}) : limits_(limits) {}

  // Consumes bytes and returns how many were consumed. Before the message is done
  // every byte is consumed (except with set_pause_after_head); once it is done the
  // rest belongs to the next message and is not consumed (feed returns 0 until
  // reset()). On error, sets ec; the parser is then dead: every later call reports
  // the same error, and the count returned only says how far parsing got. On success
  // ec is cleared.
  std::size_t feed(std::string_view data, std::error_code& ec);

  // The peer closed the stream. Completes a body that runs until close; sets
  // error::partial_message if a message was in progress, and nothing if no byte of a
  // message had arrived (a clean close between messages).
  void feed_eof(std::error_code& ec);

  // The final head has been parsed: get() has the start line and headers, and the
  // framing is known.
  bool header_done() const noexcept { return header_done_; }
  bool done() const noexcept { return state_ == state::done; }
  // The body is framed by the connection closing: wait for feed_eof(); the
  // connection is not reusable.
  bool needs_eof() const noexcept { return needs_eof_; }
  // Valid once done(): false when the connection must not be reused (Connection:
  // close, HTTP/1.0 without keep-alive, read-until-close, 101, Transfer-Encoding in
  // HTTP/1.0).
  bool keep_alive() const noexcept;
  // Bytes consumed for the current message, interim responses included (so a caller
  // can tell "no byte of a response yet" from "a response was cut short").
  std::size_t bytes_consumed_total() const noexcept { return total_; }
  // The error that stopped the parser, or none.
  std::error_code last_error() const noexcept { return error_; }

  const message_type& get() const noexcept { return msg_; }
  message_type& get() noexcept { return msg_; }
  // Moves the message out (get() is then empty until the next message).
  message_type release() { return std::move(msg_); }
  // Trailer fields of a chunked body, kept apart from the headers.
  const fields& trailers() const noexcept { return trailers_; }
  const parser_limits& limits() const noexcept { return limits_; }

  // Ready for the next message on the same connection. Keeps the limits and the
  // pause setting; clears the message, the trailers, the body sink and (for
  // responses) the HEAD flag.
  void reset();

  // Streams body bytes to `sink` instead of storing them in get().body. Set it
  // before the body starts: before feeding, or once the head is parsed with
  // set_pause_after_head. An empty function goes back to storing. max_body still
  // applies.
  void on_body(std::function<void(std::string_view)> sink) { sink_ = std::move(sink); }

  // When set, the feed() call that completes the final head returns right after it,
  // consuming no body byte, so the caller can look at get() and choose on_body()
  // (or refuse the message, or send 100 Continue) before feeding the rest. Kept
  // across reset().
  void set_pause_after_head(bool pause) noexcept { pause_after_head_ = pause; }

 protected:
  bool head_request_ = false;  // responses only: the request was HEAD

 private:
  enum class state : std::uint8_t {
    start_line,
    fields,
    body_length,
    body_until_close,
    chunk_size,
    chunk_ext,
    chunk_size_lf,
    chunk_data,
    chunk_data_cr,
    chunk_data_lf,
    trailer,
    done,
    failed,
  };

  std::size_t feed_lines(std::string_view data, std::size_t pos);
  bool on_line(std::string_view line);
  bool fail_line(std::string_view line, error e);
  bool on_start_line(std::string_view line);
  bool on_field_line(std::string_view line, bool trailer);
  bool commit_pending(bool trailer);
  bool finish_head();
  bool start_body();
  std::size_t feed_chunk_size(std::string_view data, std::size_t pos);
  std::size_t feed_chunk_ext(std::string_view data, std::size_t pos);
  bool deliver(std::string_view bytes);
  bool fail(error e);

  parser_limits limits_;
  message_type msg_;
  fields trailers_;
  std::function<void(std::string_view)> sink_;
  std::string line_;          // a line (or chunk extensions) split across feeds
  std::string name_, value_;  // the last field line, committed once the next line shows it is not folded
  std::error_code error_;
  std::uint64_t remaining_ = 0;  // bytes left in the body (Content-Length) or in the chunk
  std::size_t section_bytes_ = 0;  // bytes of the current head or trailer section
  std::size_t field_count_ = 0;
  std::size_t body_size_ = 0;  // decoded body bytes so far
  std::size_t total_ = 0;
  unsigned chunk_digits_ = 0;
  state state_ = state::start_line;
  bool pending_ = false;
  bool header_done_ = false;
  bool needs_eof_ = false;
  bool force_close_ = false;
  bool interim_seen_ = false;
  bool pause_after_head_ = false;
};

}  // namespace detail

// Parses responses. Call set_head_request(true) before feeding a response to a HEAD
// request, and reset() between responses on the same connection.
class response_parser : public detail::basic_parser<false> {
 public:
  explicit response_parser(parser_limits limits = {}) : basic_parser(limits) {}
  // The response answers a HEAD request: it has no body, whatever its headers say.
  void set_head_request(bool head) noexcept { head_request_ = head; }
};

// Parses requests, for servers. A request without Content-Length or
// Transfer-Encoding has no body; read-until-close is never used for requests.
class request_parser : public detail::basic_parser<true> {
 public:
  explicit request_parser(parser_limits limits = {}) : basic_parser(limits) {}
};

}  // namespace sofy::http

#include <sofy/http/impl/parser.hpp>
