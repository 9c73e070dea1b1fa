#include "multipart.hpp"

#include <algorithm>
#include <cctype>

namespace sofy::sim {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Parameters of a header value: `type; a=b; c="d"`. Calls f(name, value) for each.
template <class F>
void for_each_param(std::string_view value, F f) {
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    ++pos;
    const auto eq = value.find('=', pos);
    if (eq == std::string_view::npos) return;
    const auto name = trim(value.substr(pos, eq - pos));
    std::size_t i = eq + 1;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    std::string v;
    if (i < value.size() && value[i] == '"') {
      ++i;
      while (i < value.size() && value[i] != '"') {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        v += value[i++];
      }
      pos = value.find(';', i);
    } else {
      const auto end = value.find(';', i);
      v = std::string(trim(value.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
      pos = end;
    }
    f(name, std::move(v));
  }
}

bool fail(std::string* why, const char* msg) {
  if (why) *why = msg;
  return false;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  std::optional<std::string> boundary;
  for_each_param(content_type, [&](std::string_view name, std::string value) {
    if (iequals(name, "boundary") && !boundary) boundary = std::move(value);
  });
  // RFC 2046: 1 to 70 characters.
  if (!boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  return boundary;
}

std::optional<std::vector<form_part>> parse_multipart(std::string_view body, std::string_view boundary,
                                                      std::string* why) {
  std::vector<form_part> parts;
  const std::string delim = "--" + std::string(boundary);
  // The first delimiter may be preceded by a preamble; every later one by CRLF.
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos || (pos != 0 && (pos < 2 || body.substr(pos - 2, 2) != "\r\n"))) {
    fail(why, "no opening boundary");
    return std::nullopt;
  }
  const std::string next_delim = "\r\n" + delim;
  pos += delim.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter; the epilogue is ignored
    // Transport padding, then CRLF.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      fail(why, "boundary line not followed by CRLF");
      return std::nullopt;
    }
    pos += 2;
    form_part part;
    bool has_disposition = false;
    for (;;) {  // part headers
      const auto eol = body.find("\r\n", pos);
      if (eol == std::string_view::npos) {
        fail(why, "part headers not terminated");
        return std::nullopt;
      }
      const auto line = body.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.empty()) break;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) {
        fail(why, "malformed part header");
        return std::nullopt;
      }
      const auto name = trim(line.substr(0, colon));
      const auto value = trim(line.substr(colon + 1));
      if (iequals(name, "Content-Disposition")) {
        if (!iequals(trim(value.substr(0, value.find(';'))), "form-data")) {
          fail(why, "part disposition is not form-data");
          return std::nullopt;
        }
        has_disposition = true;
        for_each_param(value, [&](std::string_view pname, std::string pvalue) {
          if (iequals(pname, "name")) part.name = std::move(pvalue);
          else if (iequals(pname, "filename")) part.filename = std::move(pvalue);
        });
      } else if (iequals(name, "Content-Type")) {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) {
      fail(why, "part without Content-Disposition");
      return std::nullopt;
    }
    const auto end = body.find(next_delim, pos);
    if (end == std::string_view::npos) {
      fail(why, "part not terminated by a boundary (truncated body?)");
      return std::nullopt;
    }
    part.data = body.substr(pos, end - pos);
    parts.push_back(std::move(part));
    pos = end + next_delim.size();
  }
}

const form_part* find_part(const std::vector<form_part>& parts, std::string_view name) noexcept {
  for (const auto& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace sofy::sim
