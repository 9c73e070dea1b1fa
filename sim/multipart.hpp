// Just enough multipart/form-data (RFC 7578) to read a build upload: the parts, their
// field names, file names and content. I/O-free.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sofy::sim {

struct form_part {
  std::string name;                     // Content-Disposition name="..."
  std::optional<std::string> filename;  // Content-Disposition filename="..."
  std::string content_type;             // the part's Content-Type, "" when absent
  std::string_view data;                // points into the body given to parse_multipart
};

// The boundary parameter of a `multipart/form-data; boundary=...` Content-Type, or nullopt
// when the type is something else or the boundary is missing or invalid.
std::optional<std::string> multipart_boundary(std::string_view content_type);

// The parts of `body`, or nullopt with the reason in *why (when given) if the body is not
// a well-formed multipart body with that boundary.
std::optional<std::vector<form_part>> parse_multipart(std::string_view body, std::string_view boundary,
                                                      std::string* why = nullptr);

// The first part named `name`, or nullptr.
const form_part* find_part(const std::vector<form_part>& parts, std::string_view name) noexcept;

}  // namespace sofy::sim
