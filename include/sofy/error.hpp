// Errors of the Sofy library: error codes and the sofy::error exception.
//
// Every operation reports failure as a sofy::error (a std::system_error). Its code
// says what kind of failure it is: one of sofy::errc below, or a transport code
// (sofy::http::error, asio::error) passed through unchanged. Its what() says what
// and where, in one line meant for a log or a terminal. An HTTP error also carries
// the status and the API's {"error":{"message","details","timestamp"}} when the
// service sent one. No error ever carries the auth key.
#pragma once

#include <sofy/detail/config.hpp>  // SOFY_DECL only: a leaf of macros, no code

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace sofy {

enum class errc {
  invalid_auth_key = 1,  // the auth key is not a GUID (checked before any request)
  invalid_argument,      // a schedule id, group id, app hash or option is malformed
  http_status,           // the service answered 4xx/5xx: see error::http_status()
  bad_response,          // a 2xx answer that is not JSON or not a known shape
  timeout,               // an operation ran past its timeout or deadline
  cancelled,             // cancelled through an Asio cancellation slot
  not_found,             // e.g. a schedule with no run groups yet
  retries_exhausted,     // every attempt the retry policy allowed failed
};

// The category of sofy::errc, named "sofy". timeout and cancelled map to the
// std::errc conditions timed_out and operation_canceled.
SOFY_DECL const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace sofy

template <>
struct std::is_error_code_enum<sofy::errc> : std::true_type {};

namespace sofy {

class error : public std::system_error {
 public:
  // what() is exactly `what_arg` (the code's message when it is empty).
  SOFY_DECL error(std::error_code ec, std::string what_arg);
  error(errc e, std::string what_arg) : error(make_error_code(e), std::move(what_arg)) {}

  // An HTTP error: code errc::http_status with the status and, when the service sent
  // its error shape, the API's fields. decode_error_body (decode.hpp) builds these
  // from a response.
  SOFY_DECL static error http(int status, std::string what_arg, std::string api_message = {},
                              std::string api_details = {}, std::string api_timestamp = {});

  SOFY_DECL const char* what() const noexcept override;

  // The HTTP status of an HTTP error; 0 for every other error.
  SOFY_DECL int http_status() const noexcept;

  // The API's error fields; empty when it sent none.
  SOFY_DECL const std::string& api_message() const noexcept;
  SOFY_DECL const std::string& api_details() const noexcept;
  SOFY_DECL const std::string& api_timestamp() const noexcept;

  // The same error with "<context>: " in front of what(), e.g. the operation and
  // route: "status of group 123456: HTTP 401 Unauthorized: Invalid Auth Key."
  SOFY_DECL error with_context(std::string_view context) const;

 private:
  struct payload {
    std::string what;
    int http_status = 0;
    std::string api_message, api_details, api_timestamp;
  };
  SOFY_DECL error(std::error_code ec, std::shared_ptr<const payload> p) noexcept;

  // Shared and immutable, so copying an error never throws.
  std::shared_ptr<const payload> p_;
};

}  // namespace sofy

#if SOFY_HEADER_ONLY
#include <sofy/impl/error.ipp>
#endif
