// Character classes and small string helpers of RFC 9110/9112, shared by the
// parser and the serializer. No allocation, no locale.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sofy::http::detail {

enum char_class : std::uint8_t {
  cc_tchar = 1,        // token character (RFC 9110 section 5.6.2)
  cc_field_vchar = 2,  // VCHAR / obs-text: may appear anywhere in a field value
  cc_vchar = 4,        // VCHAR only (0x21-0x7E): request-target characters
  cc_digit = 8,
  cc_hex = 16,
};

inline constexpr std::array<std::uint8_t, 256> char_classes = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t v = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos)
      v |= cc_tchar;
    if ((c >= 0x21 && c <= 0x7E) || c >= 0x80) v |= cc_field_vchar;
    if (c >= 0x21 && c <= 0x7E) v |= cc_vchar;
    if (digit) v |= cc_digit | cc_hex;
    if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= cc_hex;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}();

constexpr bool has_class(char c, char_class k) noexcept {
  return (char_classes[static_cast<unsigned char>(c)] & k) != 0;
}
constexpr bool is_tchar(char c) noexcept { return has_class(c, cc_tchar); }
constexpr bool is_digit(char c) noexcept { return has_class(c, cc_digit); }
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
// Allowed inside a field value, a reason phrase or a quoted string: SP, HTAB, VCHAR, obs-text.
constexpr bool is_field_char(char c) noexcept { return is_ows(c) || has_class(c, cc_field_vchar); }

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

constexpr bool is_field_value(std::string_view s) noexcept {
  for (char c : s)
    if (!is_field_char(c)) return false;
  return true;
}

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Calls f(element) for each OWS-trimmed element of a comma-separated list,
// including empty ones (the caller decides whether those are allowed).
// Stops early and returns false when f returns false.
template <class F>
constexpr bool for_each_list_element(std::string_view list, F&& f) {
  for (;;) {
    const auto comma = list.find(',');
    if (!f(trim_ows(list.substr(0, comma)))) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace sofy::http::detail
