// Definitions for <sofy/http/message.hpp>.
#pragma once

#include <sofy/http/detail/chars.hpp>
#include <sofy/http/message.hpp>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace sofy::http {

SOFY_DECL void fields::set(std::string_view name, std::string_view value) {
  auto first = std::find_if(items_.begin(), items_.end(), [&](const field& f) { return detail::iequals(f.name, name); });
  if (first == items_.end()) {
    add(name, value);
    return;
  }
  first->name.assign(name);
  first->value.assign(value);
  items_.erase(std::remove_if(std::next(first), items_.end(), [&](const field& f) { return detail::iequals(f.name, name); }),
               items_.end());
}

SOFY_DECL void fields::erase(std::string_view name) {
  items_.erase(std::remove_if(items_.begin(), items_.end(), [&](const field& f) { return detail::iequals(f.name, name); }),
               items_.end());
}

SOFY_DECL std::optional<std::string_view> fields::get(std::string_view name) const {
  for (const auto& f : items_)
    if (detail::iequals(f.name, name)) return std::string_view(f.value);
  return std::nullopt;
}

SOFY_DECL bool has_token(std::string_view list, std::string_view token) noexcept {
  bool found = false;
  detail::for_each_list_element(list, [&](std::string_view e) {
    found = detail::iequals(e, token);
    return !found;
  });
  return found;
}

namespace detail {

inline bool keep_alive_from(const fields& headers, int version) noexcept {
  bool close = false, keep = false;
  for (const auto& f : headers) {
    if (!iequals(f.name, "connection")) continue;
    close = close || has_token(f.value, "close");
    keep = keep || has_token(f.value, "keep-alive");
  }
  if (close) return false;
  return version >= 11 || keep;
}

[[noreturn]] inline void throw_serialize(error e, std::string_view what) {
  throw std::system_error(make_error_code(e), std::string("cannot serialize ").append(what));
}

inline void check_fields(const fields& fs, const char* section) {
  for (const auto& f : fs) {
    if (!is_token(f.name)) throw_serialize(error::bad_header_value, std::string("a ").append(section).append(" field name"));
    if (!is_field_value(f.value))
      throw_serialize(error::bad_header_value,
                      std::string("the value of ").append(section).append(" field '").append(f.name).append("'"));
  }
}

inline void append_fields(const fields& fs, std::string& out) {
  for (const auto& f : fs) out.append(f.name).append(": ").append(f.value).append("\r\n");
}

inline bool has_framing(const fields& fs) noexcept {
  for (const auto& f : fs)
    if (iequals(f.name, "content-length") || iequals(f.name, "transfer-encoding")) return true;
  return false;
}

inline std::string_view version_text(int version) {
  if (version == 11) return "HTTP/1.1";
  if (version == 10) return "HTTP/1.0";
  throw_serialize(error::bad_version, "an HTTP version other than 1.0 and 1.1");
}

inline std::size_t fields_size(const fields& fs) noexcept {
  std::size_t n = 0;
  for (const auto& f : fs) n += f.name.size() + f.value.size() + 4;
  return n;
}

inline void append_content_length(std::size_t n, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append("Content-Length: ").append(buf, r.ptr).append("\r\n");
}

inline bool response_has_no_body(int status) noexcept { return (status >= 100 && status < 200) || status == 204 || status == 304; }

}  // namespace detail

SOFY_DECL bool keep_alive(const request& r) noexcept { return detail::keep_alive_from(r.headers, r.version); }
SOFY_DECL bool keep_alive(const response& r) noexcept { return detail::keep_alive_from(r.headers, r.version); }

SOFY_DECL std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return {};
  }
}

SOFY_DECL void write_head(const request& req, std::string& out) {
  // Validate everything before appending anything, so `out` is untouched on error.
  if (!detail::is_token(req.method)) detail::throw_serialize(error::bad_header_value, "the request method");
  if (req.target.empty() ||
      !std::all_of(req.target.begin(), req.target.end(), [](char c) { return detail::has_class(c, detail::cc_vchar); }))
    detail::throw_serialize(error::bad_header_value, "the request target");
  const auto version = detail::version_text(req.version);
  detail::check_fields(req.headers, "header");

  const bool add_length =
      !detail::has_framing(req.headers) &&
      (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH");
  out.reserve(out.size() + req.method.size() + req.target.size() + 16 + detail::fields_size(req.headers) + 40);
  out.append(req.method).append(" ").append(req.target).append(" ").append(version).append("\r\n");
  detail::append_fields(req.headers, out);
  if (add_length) detail::append_content_length(req.body.size(), out);
  out.append("\r\n");
}

SOFY_DECL void write(const request& req, std::string& out) {
  write_head(req, out);
  out.append(req.body);
}

SOFY_DECL void write_head(const response& res, std::string& out) {
  if (res.status < 100 || res.status > 599) detail::throw_serialize(error::bad_status, "a status code outside 100-599");
  if (!detail::is_field_value(res.reason)) detail::throw_serialize(error::bad_header_value, "the reason phrase");
  const auto version = detail::version_text(res.version);
  detail::check_fields(res.headers, "header");

  const bool add_length = !detail::response_has_no_body(res.status) && !detail::has_framing(res.headers);
  const std::string_view reason = res.reason.empty() ? reason_phrase(res.status) : std::string_view(res.reason);
  char status[4] = {static_cast<char>('0' + res.status / 100), static_cast<char>('0' + res.status / 10 % 10),
                    static_cast<char>('0' + res.status % 10), ' '};
  out.reserve(out.size() + 16 + reason.size() + detail::fields_size(res.headers) + 40);
  out.append(version).append(" ").append(status, 4).append(reason).append("\r\n");
  detail::append_fields(res.headers, out);
  if (add_length) detail::append_content_length(res.body.size(), out);
  out.append("\r\n");
}

SOFY_DECL void write(const response& res, std::string& out) {
  write_head(res, out);
  if (!detail::response_has_no_body(res.status)) out.append(res.body);
}

SOFY_DECL void write_chunk(std::string_view data, std::string& out) {
  if (data.empty()) return;
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof buf, data.size(), 16);
  out.reserve(out.size() + data.size() + 24);
  out.append(buf, r.ptr).append("\r\n").append(data).append("\r\n");
}

SOFY_DECL void write_last_chunk(std::string& out, const fields& trailers) {
  detail::check_fields(trailers, "trailer");
  out.append("0\r\n");
  detail::append_fields(trailers, out);
  out.append("\r\n");
}

}  // namespace sofy::http
