// Error codes of the HTTP layer: parsing, framing, limits and transport.
//
// Every violation has its own code and a readable message, so a log line says
// exactly what the peer did wrong. Codes compare equal to std::error_code values
// of category sofy::http::error_category().
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

namespace sofy::http {

enum class error {
  // Parser: start line
  bad_method = 1,
  bad_target,
  bad_version,
  bad_status,
  bad_reason,
  // Parser: header fields
  bad_field_name,
  bad_field_value,
  whitespace_before_colon,
  bare_cr,
  nul_byte,
  bad_line_ending,
  obs_fold,  // a field line continued on the next line, not accepted in requests and trailers
  // Parser: framing (RFC 9112 section 6)
  bad_content_length,
  content_length_overflow,
  conflicting_content_length,
  transfer_encoding_with_content_length,
  bad_transfer_encoding,
  bad_chunk_size,
  chunk_size_overflow,
  bad_chunk_extension,
  bad_chunk_terminator,
  bad_trailer,
  // Parser: limits
  head_too_large,
  too_many_fields,
  body_too_large,
  chunk_extension_too_large,
  trailer_too_large,
  // Parser: end of input
  partial_message,  // the stream ended before the message was complete
  // Serialization
  bad_header_value,  // CR, LF or NUL in a header name or value
  // Transport
  connect_timeout,
  handshake_timeout,
  write_timeout,
  read_timeout,
  deadline_exceeded,
  connection_closed,     // the peer closed before any response byte
  truncated_tls_stream,  // TLS close_notify missing while a body was incomplete
  tls_verify_failed,
  proxy_connect_failed,
  unsupported_scheme,
  bad_url,
  too_many_redirects,
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

namespace detail {
class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sofy.http"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::bad_method: return "malformed request method";
      case error::bad_target: return "malformed request target";
      case error::bad_version: return "malformed or unsupported HTTP version";
      case error::bad_status: return "malformed status code";
      case error::bad_reason: return "malformed reason phrase";
      case error::bad_field_name: return "malformed header field name";
      case error::bad_field_value: return "malformed header field value";
      case error::whitespace_before_colon: return "whitespace between header field name and colon";
      case error::bare_cr: return "bare CR not followed by LF";
      case error::nul_byte: return "NUL byte in message head";
      case error::bad_line_ending: return "malformed line ending";
      case error::obs_fold: return "obsolete line folding in a header field";
      case error::bad_content_length: return "malformed Content-Length";
      case error::content_length_overflow: return "Content-Length too large to represent";
      case error::conflicting_content_length: return "differing Content-Length values";
      case error::transfer_encoding_with_content_length: return "both Transfer-Encoding and Content-Length present";
      case error::bad_transfer_encoding: return "unsupported or malformed Transfer-Encoding";
      case error::bad_chunk_size: return "malformed chunk size";
      case error::chunk_size_overflow: return "chunk size too large to represent";
      case error::bad_chunk_extension: return "malformed chunk extension";
      case error::bad_chunk_terminator: return "chunk data not followed by CRLF";
      case error::bad_trailer: return "malformed trailer field";
      case error::head_too_large: return "message head exceeds the size limit";
      case error::too_many_fields: return "message head exceeds the header field count limit";
      case error::body_too_large: return "message body exceeds the size limit";
      case error::chunk_extension_too_large: return "chunk extensions exceed the size limit";
      case error::trailer_too_large: return "trailer section exceeds the size limit";
      case error::partial_message: return "stream ended before the message was complete";
      case error::bad_header_value: return "CR, LF or NUL in a header name or value";
      case error::connect_timeout: return "timed out connecting";
      case error::handshake_timeout: return "timed out in the TLS handshake";
      case error::write_timeout: return "timed out writing the request";
      case error::read_timeout: return "timed out reading the response";
      case error::deadline_exceeded: return "the request's overall deadline passed";
      case error::connection_closed: return "connection closed by the peer before a response";
      case error::truncated_tls_stream: return "TLS stream truncated before the message was complete";
      case error::tls_verify_failed: return "TLS certificate verification failed";
      case error::proxy_connect_failed: return "the proxy refused the CONNECT tunnel";
      case error::unsupported_scheme: return "unsupported URL scheme (http and https only)";
      case error::bad_url: return "malformed URL";
      case error::too_many_redirects: return "too many redirects";
    }
    return "unknown sofy.http error";
  }
};
}  // namespace detail

inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

}  // namespace sofy::http

template <>
struct std::is_error_code_enum<sofy::http::error> : std::true_type {};
