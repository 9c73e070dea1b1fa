// HTTP/1.1 messages: header fields, requests, responses, and their wire form.
//
// Plain value types with no I/O (no Asio, no OpenSSL, no coroutines), so they can
// be built, compared and serialized anywhere, including in unit tests and fuzzers.
// The parser that reads them from bytes is in <sofy/http/parser.hpp>.
#pragma once

#include <sofy/detail/config.hpp>
#include <sofy/http/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::http {

// One header (or trailer) field as it appeared on the wire, OWS trimmed.
struct field {
  std::string name;
  std::string value;
  friend bool operator==(const field&, const field&) = default;
};

// An ordered list of header fields. Names compare case-insensitively;
// duplicates are allowed and kept in order (as for Set-Cookie or list-valued fields).
// String views returned by get() stay valid until the fields are modified.
class fields {
 public:
  using value_type = field;
  using const_iterator = std::vector<field>::const_iterator;

  // Appends a field, even if one of that name exists.
  void add(std::string_view name, std::string_view value) { items_.push_back(field{std::string(name), std::string(value)}); }
  // Replaces every field of that name with one field, at the position of the first
  // one (or at the end when there was none).
  SOFY_DECL void set(std::string_view name, std::string_view value);
  // Removes every field of that name.
  SOFY_DECL void erase(std::string_view name);
  // The value of the first field of that name.
  SOFY_DECL std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  void clear() noexcept { items_.clear(); }
  void reserve(std::size_t n) { items_.reserve(n); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }

  // Exact comparison (names too), in order; for tests and caches.
  friend bool operator==(const fields&, const fields&) = default;

 private:
  std::vector<field> items_;
};

// True if the comma-separated field value `list` (Connection, Transfer-Encoding, ...)
// contains `token`, compared case-insensitively, elements OWS-trimmed.
SOFY_DECL bool has_token(std::string_view list, std::string_view token) noexcept;

// version is 10 for HTTP/1.0 and 11 for HTTP/1.1.
struct request {
  std::string method = "GET";
  std::string target = "/";
  int version = 11;
  fields headers;
  std::string body;
  friend bool operator==(const request&, const request&) = default;
};

struct response {
  int status = 0;
  std::string reason;
  int version = 11;
  fields headers;
  std::string body;
  friend bool operator==(const response&, const response&) = default;
};

// Whether the message lets the connection be reused, judged from its version and
// Connection fields only: HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive".
// (The parsers' keep_alive() also accounts for framing, such as read-until-close.)
SOFY_DECL bool keep_alive(const request&) noexcept;
SOFY_DECL bool keep_alive(const response&) noexcept;

// The standard reason phrase of a status code ("OK" for 200), or "" if unknown.
SOFY_DECL std::string_view reason_phrase(int status) noexcept;

// Serialization. Appends to `out`; on error throws std::system_error and leaves
// `out` unchanged.
//
// write_head appends the start line, every field and the empty line. It throws
// error::bad_header_value for a field name that is not a token, a value (or
// reason phrase) containing CR, LF, NUL or another control character, and a
// method or target that is empty or has spaces or control characters;
// error::bad_version for a version other than 10/11 and error::bad_status for a
// status outside 100-599. The error text names the offending field, never its value.
//
// Framing: when no Content-Length or Transfer-Encoding field is set, a
// Content-Length is added: for a request with a body, or whose method is POST, PUT
// or PATCH (servers may require it even for an empty body); for every response
// except 1xx, 204 and 304 (without it a client would read until close). An empty
// reason phrase is replaced by reason_phrase(status).
//
// write appends the head and then the body as is: if the caller set
// Transfer-Encoding the body must already be encoded (see write_chunk). The body of
// a 1xx, 204 or 304 response is not written, since those responses have none.
SOFY_DECL void write_head(const request& req, std::string& out);
SOFY_DECL void write(const request& req, std::string& out);
SOFY_DECL void write_head(const response& res, std::string& out);
SOFY_DECL void write(const response& res, std::string& out);

// Chunked transfer coding, for streaming a body after a head that says
// "Transfer-Encoding: chunked". write_chunk writes nothing for empty data (an empty
// chunk would end the body). write_last_chunk ends the body, with optional trailer
// fields (validated as in write_head).
SOFY_DECL void write_chunk(std::string_view data, std::string& out);
SOFY_DECL void write_last_chunk(std::string& out, const fields& trailers = {});

}  // namespace sofy::http

#if SOFY_HEADER_ONLY
#include <sofy/http/impl/message.ipp>
#endif
