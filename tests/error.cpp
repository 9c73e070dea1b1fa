// Tests for include/sofy/error.hpp.
#include <sofy/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

TEST_CASE("errc values are error codes of the sofy category", "[error]") {
  const std::error_code ec = sofy::errc::bad_response;  // implicit: is_error_code_enum
  CHECK(ec.category() == sofy::category());
  CHECK(std::string(sofy::category().name()) == "sofy");
  CHECK(ec == sofy::errc::bad_response);
  CHECK(ec != sofy::errc::http_status);
  CHECK(ec.value() == static_cast<int>(sofy::errc::bad_response));
  CHECK(static_cast<int>(sofy::errc::invalid_auth_key) == 1);
}

TEST_CASE("every errc has its own message", "[error]") {
  using sofy::errc;
  const errc all[] = {errc::invalid_auth_key, errc::invalid_argument, errc::http_status, errc::bad_response,
                      errc::timeout,          errc::cancelled,        errc::not_found,   errc::retries_exhausted};
  std::vector<std::string> seen;
  for (auto e : all) {
    const auto m = sofy::make_error_code(e).message();
    CAPTURE(m);
    CHECK_FALSE(m.empty());
    CHECK(std::find(seen.begin(), seen.end(), m) == seen.end());
    seen.push_back(m);
  }
  CHECK(sofy::make_error_code(errc::invalid_auth_key).message() == "the auth key is not a GUID");
  CHECK(sofy::category().message(999) == "unknown sofy error");
}

TEST_CASE("timeout and cancelled match the standard conditions", "[error]") {
  CHECK(sofy::make_error_code(sofy::errc::timeout) == std::errc::timed_out);
  CHECK(sofy::make_error_code(sofy::errc::cancelled) == std::errc::operation_canceled);
  CHECK(sofy::make_error_code(sofy::errc::invalid_auth_key) == std::errc::invalid_argument);
  CHECK(sofy::make_error_code(sofy::errc::http_status) != std::errc::timed_out);
}

TEST_CASE("error's what() is exactly the message given", "[error]") {
  const sofy::error e(sofy::errc::bad_response, "status response: data[2].status: expected a string, got number");
  CHECK(std::string(e.what()) == "status response: data[2].status: expected a string, got number");
  CHECK(e.code() == sofy::errc::bad_response);
  CHECK(e.http_status() == 0);
  CHECK(e.api_message().empty());
  CHECK(e.api_details().empty());
  CHECK(e.api_timestamp().empty());

  // An empty message falls back to the code's.
  const sofy::error bare(sofy::errc::timeout, "");
  CHECK(std::string(bare.what()) == "timed out");

  // Any error code can be carried, e.g. a transport one.
  const sofy::error io(std::make_error_code(std::errc::connection_refused), "connect to 127.0.0.1:1: refused");
  CHECK(io.code() == std::errc::connection_refused);
  CHECK(std::string(io.what()) == "connect to 127.0.0.1:1: refused");
}

TEST_CASE("error is a std::system_error and copies without throwing", "[error]") {
  static_assert(std::is_base_of_v<std::system_error, sofy::error>);
  static_assert(std::is_nothrow_copy_constructible_v<sofy::error>);
  static_assert(std::is_nothrow_copy_assignable_v<sofy::error>);
  try {
    throw sofy::error(sofy::errc::not_found, "schedule X has no run groups");
  } catch (const std::system_error& e) {
    CHECK(e.code() == sofy::errc::not_found);
    CHECK(std::string(e.what()) == "schedule X has no run groups");
  }
}

TEST_CASE("error::http carries the status and the API fields", "[error]") {
  const auto e = sofy::error::http(401, "HTTP 401 Unauthorized: Invalid Auth Key.", "Invalid Auth Key.",
                                   "Provided Auth key is invalid", "2023-10-23T09:23:51.845Z");
  CHECK(e.code() == sofy::errc::http_status);
  CHECK(e.http_status() == 401);
  CHECK(std::string(e.what()) == "HTTP 401 Unauthorized: Invalid Auth Key.");
  CHECK(e.api_message() == "Invalid Auth Key.");
  CHECK(e.api_details() == "Provided Auth key is invalid");
  CHECK(e.api_timestamp() == "2023-10-23T09:23:51.845Z");

  CHECK(std::string(sofy::error::http(503, "").what()) == "HTTP 503");
}

TEST_CASE("with_context prefixes what() and keeps everything else", "[error]") {
  const auto e = sofy::error::http(400, "HTTP 400 Bad Request: Missing required headers.", "Missing required headers.");
  const auto c = e.with_context("status of group 123456");
  CHECK(std::string(c.what()) == "status of group 123456: HTTP 400 Bad Request: Missing required headers.");
  CHECK(c.http_status() == 400);
  CHECK(c.api_message() == "Missing required headers.");
  CHECK(c.code() == sofy::errc::http_status);
  // The original is unchanged (the payload is shared, not modified).
  CHECK(std::string(e.what()) == "HTTP 400 Bad Request: Missing required headers.");
  CHECK(std::string(e.with_context("").what()) == e.what());
}
