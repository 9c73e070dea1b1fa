#include "notifier/detail/text.hpp"

#include <sofy/model.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace sofy::notifier::detail {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one
// (overlong forms, surrogates and values past U+10FFFF are invalid).
std::size_t sequence_length(std::string_view s, std::size_t i) noexcept {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) i += std::max<std::size_t>(1, sequence_length(s, i));
  return n;
}

std::string utf8_sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string utf8_truncate(std::string_view s, std::size_t max_chars, std::string_view ellipsis) {
  if (utf8_length(s) <= max_chars) return std::string(s);
  std::size_t ell = utf8_length(ellipsis);
  if (ell > max_chars) return {};
  std::size_t keep = max_chars - ell, i = 0;
  for (std::size_t n = 0; n < keep && i < s.size(); ++n)
    i += std::max<std::size_t>(1, sequence_length(s, i));
  std::string out(s.substr(0, i));
  out += ellipsis;
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string counts_text(const status_counts& c) {
  std::string out;
  auto add = [&](std::size_t n, std::string_view what) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += std::to_string(n) + " " + std::string(what);
  };
  add(c.passed, "passed");
  add(c.failed, "failed");
  add(c.incomplete, "incomplete");
  add(c.not_executed, "not executed");
  add(c.stopped, "stopped");
  add(c.running, "running");
  add(c.queued, "queued");
  add(c.unknown, "unknown");
  if (out.empty()) out = "no tests";
  return out + " of " + std::to_string(c.total);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool is_near(std::string_view word, std::string_view candidate) {
  if (word.empty() || candidate.empty() || word.size() > 64) return false;
  // A dropped prefix or suffix ("hooks" for "webhooks") is as likely as a typo.
  std::string_view shorter = word.size() < candidate.size() ? word : candidate;
  std::string_view longer = word.size() < candidate.size() ? candidate : word;
  if (shorter.size() >= 4 && longer.find(shorter) != std::string_view::npos) return true;
  std::size_t limit = std::max<std::size_t>(1, std::min(word.size(), candidate.size()) / 3);
  return edit_distance(word, candidate) <= limit;
}

std::string_view safe_token(std::string_view body) noexcept {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' '))
    body.remove_suffix(1);
  if (body.empty() || body.size() > 64) return {};
  for (char c : body) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return {};
  }
  return body;
}

std::string stable_id(std::initializer_list<std::string_view> parts) {
  return stable_id(std::vector<std::string_view>(parts));
}

std::string stable_id(const std::vector<std::string_view>& parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::bad_alloc();
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  for (std::string_view p : parts) {
    // Length prefixes keep ("ab","c") and ("a","bc") apart.
    std::uint64_t n = p.size();
    std::array<unsigned char, 8> len{};
    for (int k = 0; k < 8; ++k) len[k] = static_cast<unsigned char>(n >> (8 * (7 - k)));
    ok = ok && EVP_DigestUpdate(ctx, len.data(), len.size()) == 1;
    ok = ok && EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, md.data(), &md_len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || md_len < 16) throw std::runtime_error("stable_id: SHA-256 unavailable");
  md[6] = static_cast<unsigned char>((md[6] & 0x0F) | 0x80);  // version 8
  md[8] = static_cast<unsigned char>((md[8] & 0x3F) | 0x80);  // RFC 9562 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0x0F];
  }
  return out;
}

}  // namespace sofy::notifier::detail
