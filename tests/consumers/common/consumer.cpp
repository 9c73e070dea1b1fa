// The program every consumer check builds. It includes the whole library, uses a
// template (the response parser), a non-template function (reason_phrase: defined once
// by <sofy/src.hpp> under SOFY_SEPARATE_COMPILATION) and Boost.JSON (linked, or
// header-only), prints OK and returns 0.
#include <sofy/sofy.hpp>

#include <boost/json.hpp>

#include <iostream>
#include <string_view>
#include <system_error>

std::string_view second_translation_unit();

int main() {
  constexpr std::string_view wire =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      "{\"ok\":true}";
  sofy::http::response_parser parser;
  std::error_code ec;
  parser.feed(wire, ec);
  if (ec || !parser.done()) {
    std::cerr << "consumer: parsing a response failed: " << ec.message() << "\n";
    return 1;
  }
  const auto body = boost::json::parse(parser.get().body);
  if (!body.as_object().at("ok").as_bool() || sofy::http::reason_phrase(404) != "Not Found") {
    std::cerr << "consumer: unexpected result\n";
    return 1;
  }
  std::cout << "OK sofy " << sofy::version_string << ", reason_phrase(200) is "
            << second_translation_unit() << "\n";
  return 0;
}
