// The program every consumer check builds. It includes the whole library and uses a
// template (the response parser), non-template functions (decode_status, outcome:
// defined once by <sofy/src.hpp> under SOFY_SEPARATE_COMPILATION) and, through the
// decoder, Boost.JSON (linked, or header-only); it prints OK and returns 0.
#include <sofy/sofy.hpp>

#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

std::string_view second_translation_unit();

int main() {
  const std::string body =
      R"json({"data":[{"testRunGroupId":"42","scenarioName":"Login","device":"Pixel 7",)json"
      R"json("build":"1.0(7)","status":"Passed"}],"message":"Fetched 1 record(s)."})json";
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body;
  sofy::http::response_parser parser;
  std::error_code ec;
  parser.feed(wire, ec);
  if (ec || !parser.done()) {
    std::cerr << "consumer: parsing a response failed: " << ec.message() << "\n";
    return 1;
  }
  const sofy::group_status status = sofy::decode_status(parser.get().body);
  if (status.tests.size() != 1 || status.outcome() != sofy::run_outcome::passed) {
    std::cerr << "consumer: unexpected decoding of the status response\n";
    return 1;
  }
  std::cout << "OK sofy " << sofy::version_string << ", " << status.tests[0].scenario << " "
            << status.tests[0].raw_status << ", reason_phrase(200) is "
            << second_translation_unit() << "\n";
  return 0;
}
