// multipart/form-data framing for the build upload (RFC 7578), without I/O: the text that
// goes before and after the streamed file.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sofy::detail {

struct multipart_frame {
  std::string boundary;
  std::string prefix;  // the text fields, then the file part's headers
  std::string suffix;  // CRLF and the closing boundary

  std::string content_type() const { return "multipart/form-data; boundary=" + boundary; }
};

// A field name or file name in a Content-Disposition quoted-string: RFC 7578 section 4.2
// says to percent-encode '"', CR and LF rather than backslash-escape them.
inline std::string quote_form_name(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    if (ch == '"') out += "%22";
    else if (ch == '\r') out += "%0D";
    else if (ch == '\n') out += "%0A";
    else out += ch;
  }
  out += '"';
  return out;
}

// `boundary` must not occur in the file; 32 random alphanumerics make that a non-issue.
inline multipart_frame make_multipart(std::string boundary,
                                      const std::vector<std::pair<std::string, std::string>>& fields,
                                      std::string_view file_field, std::string_view file_name,
                                      std::string_view file_type = "application/octet-stream") {
  multipart_frame f;
  f.boundary = std::move(boundary);
  for (const auto& [name, value] : fields) {
    f.prefix += "--" + f.boundary + "\r\nContent-Disposition: form-data; name=" + quote_form_name(name) +
                "\r\n\r\n" + value + "\r\n";
  }
  f.prefix += "--" + f.boundary + "\r\nContent-Disposition: form-data; name=" + quote_form_name(file_field) +
              "; filename=" + quote_form_name(file_name) + "\r\nContent-Type: ";
  f.prefix += file_type;
  f.prefix += "\r\n\r\n";
  f.suffix = "\r\n--" + f.boundary + "--\r\n";
  return f;
}

}  // namespace sofy::detail
