// Tests of sim/multipart.hpp.
#include <sim/multipart.hpp>

#include <catch2/catch.hpp>

using namespace sofy::sim;

TEST_CASE("multipart: the boundary of a form-data Content-Type") {
  CHECK(multipart_boundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(multipart_boundary("Multipart/Form-Data;boundary=\"a b;c\"") == "a b;c");
  CHECK(multipart_boundary("multipart/form-data; charset=utf-8; BOUNDARY=x1") == "x1");
  CHECK_FALSE(multipart_boundary("multipart/form-data"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary="));
  CHECK_FALSE(multipart_boundary("multipart/mixed; boundary=abc"));
  CHECK_FALSE(multipart_boundary("application/json"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST_CASE("multipart: parts with names, file names, types and binary content") {
  const std::string file("\r\n--b\x00\xff--bx\r\n", 12);
  const std::string body = "preamble\r\n--bx\r\n"
                           "Content-Disposition: form-data; name=\"applicationFile\"; filename=\"my app.apk\"\r\n"
                           "Content-Type: application/octet-stream\r\n\r\n" +
                           file +
                           "\r\n--bx  \r\n"
                           "content-disposition: form-data; name=ApplicationGUID\r\n\r\n"
                           "3F2504E0-4F89-11D3-9A0C-0305E82C3301\r\n--bx\r\n"
                           "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
                           "\r\n--bx--\r\nepilogue";
  std::string why;
  const auto parts = parse_multipart(body, "bx", &why);
  INFO(why);
  REQUIRE(parts);
  REQUIRE(parts->size() == 3);
  const auto& f = (*parts)[0];
  CHECK(f.name == "applicationFile");
  CHECK(f.filename == "my app.apk");
  CHECK(f.content_type == "application/octet-stream");
  CHECK(f.data == file);
  CHECK((*parts)[1].name == "ApplicationGUID");
  CHECK_FALSE((*parts)[1].filename);
  CHECK((*parts)[1].data == "3F2504E0-4F89-11D3-9A0C-0305E82C3301");
  CHECK((*parts)[2].data.empty());
  CHECK(find_part(*parts, "ApplicationGUID") == &(*parts)[1]);
  CHECK(find_part(*parts, "CertificateName") == nullptr);
}

TEST_CASE("multipart: malformed bodies say why") {
  auto reason = [](const std::string& body) {
    std::string why;
    CHECK_FALSE(parse_multipart(body, "bx", &why));
    return why;
  };
  CHECK(reason("") == "no opening boundary");
  CHECK(reason("x--bx\r\n") == "no opening boundary");
  CHECK(reason("--bxjunk\r\n") == "boundary line not followed by CRLF");
  CHECK(reason("--bx\r\nContent-Disposition: form-data; name=a\r\n") == "part headers not terminated");
  CHECK(reason("--bx\r\nno colon\r\n\r\nx\r\n--bx--") == "malformed part header");
  CHECK(reason("--bx\r\nContent-Type: text/plain\r\n\r\nx\r\n--bx--") == "part without Content-Disposition");
  CHECK(reason("--bx\r\nContent-Disposition: attachment\r\n\r\nx\r\n--bx--") == "part disposition is not form-data");
  CHECK(reason("--bx\r\nContent-Disposition: form-data; name=a\r\n\r\nabc") ==
        "part not terminated by a boundary (truncated body?)");
  CHECK(parse_multipart("--bx--\r\n", "bx")->empty());
}
