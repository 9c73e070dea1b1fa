// Definitions for <sofy/http/parser.hpp>.
//
// The head and trailers are parsed line by line: each feed searches only the new
// bytes for LF, a complete line inside the caller's buffer is parsed in place, and
// only a line split across feeds is copied (once) into line_. So a head arriving one
// byte at a time costs O(n), and a whole head in one buffer allocates only for the
// stored fields.
#pragma once

#include <sofy/http/detail/chars.hpp>
#include <sofy/http/parser.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace sofy::http::detail {

// "HTTP/1.0" -> 10, "HTTP/1.1" -> 11, anything else -> 0.
constexpr int parse_http_version(std::string_view s) noexcept {
  if (s.size() != 8 || s.substr(0, 7) != "HTTP/1." ) return 0;
  if (s[7] == '1') return 11;
  if (s[7] == '0') return 10;
  return 0;
}

// One Content-Length field value (a list of equal values is allowed), merged with
// what earlier fields said. Returns error{} when fine.
constexpr error parse_content_length(std::string_view value, std::uint64_t& length, bool& seen) noexcept {
  error result{};
  for_each_list_element(value, [&](std::string_view e) {
    if (e.empty() || !std::all_of(e.begin(), e.end(), is_digit)) {
      result = error::bad_content_length;
      return false;
    }
    std::uint64_t v = 0;
    for (char c : e) {
      const auto d = static_cast<std::uint64_t>(c - '0');
      if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
        result = error::content_length_overflow;
        return false;
      }
      v = v * 10 + d;
    }
    if (seen && v != length) {
      result = error::conflicting_content_length;
      return false;
    }
    seen = true;
    length = v;
    return true;
  });
  return result;
}

// One Transfer-Encoding field value, merged with earlier ones: notes whether any
// coding was named, whether chunked was, and whether the last one is chunked.
constexpr error parse_transfer_encoding(std::string_view value, bool& any, bool& chunked_seen,
                                        bool& chunked_last) noexcept {
  error result{};
  for_each_list_element(value, [&](std::string_view e) {
    if (e.empty()) return true;  // empty list elements are allowed (RFC 9110 section 5.6.1)
    const auto semi = e.find(';');
    const auto name = trim_ows(e.substr(0, semi));
    const bool chunked = iequals(name, "chunked");
    // chunked takes no parameters and must not be applied twice (RFC 9112 section 7)
    if (!is_token(name) || (chunked && (chunked_seen || semi != std::string_view::npos))) {
      result = error::bad_transfer_encoding;
      return false;
    }
    any = true;
    chunked_seen = chunked_seen || chunked;
    chunked_last = chunked;
    return true;
  });
  return result;
}

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ),
// with trailing whitespace tolerated.
constexpr bool valid_chunk_extensions(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto skip_ows = [&] {
    while (i < n && is_ows(s[i])) ++i;
  };
  auto token = [&] {
    const auto start = i;
    while (i < n && is_tchar(s[i])) ++i;
    return i > start;
  };
  for (;;) {
    skip_ows();
    if (i == n) return true;
    if (s[i] != ';') return false;
    ++i;
    skip_ows();
    if (!token()) return false;
    skip_ows();
    if (i == n || s[i] != '=') continue;
    ++i;
    skip_ows();
    if (i < n && s[i] == '"') {
      for (++i;; ++i) {
        if (i == n) return false;
        if (s[i] == '"') break;
        if (s[i] == '\\' && ++i == n) return false;
        if (!is_field_char(s[i])) return false;
      }
      ++i;
    } else if (!token()) {
      return false;
    }
  }
}

template <bool IsRequest>
bool basic_parser<IsRequest>::fail(error e) {
  error_ = make_error_code(e);
  state_ = state::failed;
  return false;
}

template <bool IsRequest>
std::size_t basic_parser<IsRequest>::feed(std::string_view data, std::error_code& ec) {
  if (state_ == state::failed) {
    ec = error_;
    return 0;
  }
  ec.clear();
  std::size_t pos = 0;
  const bool had_head = header_done_;
  while (pos < data.size() && state_ != state::done && state_ != state::failed) {
    switch (state_) {
      case state::start_line:
      case state::fields:
      case state::trailer: pos = feed_lines(data, pos); break;
      case state::body_length:
        // Reserved here rather than with the head, so a sink set after a pause
        // gets no useless buffer.
        if (body_size_ == 0 && !sink_) msg_.body.reserve(static_cast<std::size_t>(remaining_));
        [[fallthrough]];
      case state::chunk_data: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - pos));
        if (!deliver(data.substr(pos, n))) break;
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = state_ == state::body_length ? state::done : state::chunk_data_cr;
        break;
      }
      case state::body_until_close:
        if (deliver(data.substr(pos))) pos = data.size();
        break;
      case state::chunk_size: pos = feed_chunk_size(data, pos); break;
      case state::chunk_ext: pos = feed_chunk_ext(data, pos); break;
      case state::chunk_size_lf:
        if (data[pos] != '\n') {
          fail(error::bare_cr);
          break;
        }
        ++pos;
        if (remaining_ == 0) {  // the last chunk: trailers follow
          state_ = state::trailer;
          section_bytes_ = 0;
          field_count_ = 0;
        } else if (remaining_ > limits_.max_body - body_size_) {
          fail(error::body_too_large);
        } else {
          state_ = state::chunk_data;
        }
        break;
      case state::chunk_data_cr:
        if (data[pos] != '\r') {
          fail(error::bad_chunk_terminator);
          break;
        }
        ++pos;
        state_ = state::chunk_data_lf;
        break;
      case state::chunk_data_lf:
        if (data[pos] != '\n') {
          fail(error::bad_chunk_terminator);
          break;
        }
        ++pos;
        state_ = state::chunk_size;
        chunk_digits_ = 0;
        break;
      case state::done:
      case state::failed: break;
    }
    if (pause_after_head_ && !had_head && header_done_) break;
  }
  total_ += pos;
  if (state_ == state::failed) ec = error_;
  return pos;
}

template <bool IsRequest>
std::size_t basic_parser<IsRequest>::feed_lines(std::string_view data, std::size_t pos) {
  const bool trailer = state_ == state::trailer;
  const std::size_t limit = trailer ? limits_.max_trailer : limits_.max_head;
  while (pos < data.size() && (state_ == state::start_line || state_ == state::fields || state_ == state::trailer)) {
    const char* begin = data.data() + pos;
    const std::size_t avail = data.size() - pos;
    const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', avail));
    const std::size_t len = lf ? static_cast<std::size_t>(lf - begin) : avail;
    const std::size_t take = lf ? len + 1 : avail;
    if (take > limit - section_bytes_) {
      fail(trailer ? error::trailer_too_large : error::head_too_large);
      return pos;
    }
    section_bytes_ += take;
    if (!lf) {
      line_.append(begin, avail);
      return data.size();
    }
    std::string_view line(begin, len);
    if (!line_.empty()) {
      line_.append(begin, len);
      line = line_;
    }
    pos += take;
    if (line.empty() || line.back() != '\r') {
      fail(error::bad_line_ending);
      return pos;
    }
    line.remove_suffix(1);
    const bool ok = on_line(line);
    line_.clear();
    if (!ok) return pos;
  }
  return pos;
}

// CR and NUL are never valid inside a line, and every check of a line rejects them,
// so instead of a separate scan for them the line is searched only on failure, to
// report them as such.
template <bool IsRequest>
bool basic_parser<IsRequest>::fail_line(std::string_view line, error e) {
  if (line.find('\r') != std::string_view::npos) return fail(error::bare_cr);
  if (line.find('\0') != std::string_view::npos) return fail(error::nul_byte);
  return fail(e);
}

template <bool IsRequest>
bool basic_parser<IsRequest>::on_line(std::string_view line) {
  switch (state_) {
    case state::start_line:
      if (line.empty()) return true;  // RFC 9112 section 2.2: empty lines before a start line are ignored
      return on_start_line(line);
    case state::fields:
      if (line.empty()) return commit_pending(false) && finish_head();
      return on_field_line(line, false);
    case state::trailer:
      if (line.empty()) {
        commit_pending(true);
        state_ = state::done;
        return true;
      }
      return on_field_line(line, true);
    default: return true;
  }
}

template <bool IsRequest>
bool basic_parser<IsRequest>::on_start_line(std::string_view line) {
  if constexpr (IsRequest) {
    // method SP request-target SP HTTP-version
    std::size_t i = 0;
    while (i < line.size() && is_tchar(line[i])) ++i;
    if (i == 0) return fail_line(line, error::bad_method);
    if (i == line.size()) return fail_line(line, error::bad_target);
    if (line[i] != ' ') return fail_line(line, error::bad_method);
    const std::size_t t = i + 1;
    std::size_t j = t;
    while (j < line.size() && has_class(line[j], cc_vchar)) ++j;
    if (j == t) return fail_line(line, error::bad_target);
    if (j == line.size()) return fail_line(line, error::bad_version);
    if (line[j] != ' ') return fail_line(line, error::bad_target);
    const int version = parse_http_version(line.substr(j + 1));
    if (version == 0) return fail_line(line, error::bad_version);
    msg_.method.assign(line.substr(0, i));
    msg_.target.assign(line.substr(t, j - t));
    msg_.version = version;
  } else {
    // HTTP-version SP 3DIGIT SP [ reason-phrase ]; a missing final SP is tolerated
    const int version = parse_http_version(line.substr(0, 8));
    if (version == 0 || (line.size() > 8 && line[8] != ' ')) return fail_line(line, error::bad_version);
    if (line.size() < 12 || !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) ||
        (line.size() > 12 && line[12] != ' '))
      return fail_line(line, error::bad_status);
    const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (status < 100 || status > 599) return fail_line(line, error::bad_status);
    const auto reason = line.size() > 13 ? line.substr(13) : std::string_view{};
    if (!is_field_value(reason)) return fail_line(line, error::bad_reason);
    msg_.version = version;
    msg_.status = status;
    msg_.reason.assign(reason);
  }
  msg_.headers.reserve(16);  // one allocation for a typical head, also after release()
  state_ = state::fields;
  field_count_ = 0;
  return true;
}

template <bool IsRequest>
bool basic_parser<IsRequest>::on_field_line(std::string_view line, bool trailer) {
  auto bad = [&](error e) { return fail_line(line, trailer ? error::bad_trailer : e); };
  if (is_ows(line.front())) {
    // obs-fold: only in response headers, and only after a field line
    if (IsRequest || trailer || !pending_) return bad(error::obs_fold);
    const auto more = trim_ows(line);
    if (!is_field_value(more)) return bad(error::bad_field_value);
    if (!more.empty()) {
      if (!value_.empty()) value_.push_back(' ');
      value_.append(more);
    }
    return true;
  }
  std::size_t i = 0;
  while (i < line.size() && is_tchar(line[i])) ++i;
  if (i == line.size()) return bad(error::bad_field_name);  // no colon
  if (line[i] != ':') return bad(is_ows(line[i]) ? error::whitespace_before_colon : error::bad_field_name);
  if (i == 0) return bad(error::bad_field_name);
  const auto value = trim_ows(line.substr(i + 1));
  if (!is_field_value(value)) return bad(error::bad_field_value);
  commit_pending(trailer);
  if (++field_count_ > limits_.max_fields) return fail(trailer ? error::trailer_too_large : error::too_many_fields);
  name_.assign(line.substr(0, i));
  value_.assign(value);
  pending_ = true;
  return true;
}

template <bool IsRequest>
bool basic_parser<IsRequest>::commit_pending(bool trailer) {
  if (pending_) {
    (trailer ? trailers_ : msg_.headers).add(name_, value_);
    pending_ = false;
  }
  return true;
}

template <bool IsRequest>
bool basic_parser<IsRequest>::finish_head() {
  if constexpr (!IsRequest) {
    if (msg_.status / 100 == 1 && msg_.status != 101) {
      // An interim response (100 Continue, 103 Early Hints): skip it and parse the next head.
      msg_.headers.clear();
      msg_.reason.clear();
      msg_.status = 0;
      state_ = state::start_line;
      section_bytes_ = 0;
      field_count_ = 0;
      interim_seen_ = true;
      return true;
    }
  }

  bool has_length = false, has_te = false, any_coding = false, chunked_seen = false, chunked_last = false;
  std::uint64_t length = 0;
  for (const auto& f : msg_.headers) {
    error e{};
    if (iequals(f.name, "content-length")) {
      e = parse_content_length(f.value, length, has_length);
    } else if (iequals(f.name, "transfer-encoding")) {
      has_te = true;
      e = parse_transfer_encoding(f.value, any_coding, chunked_seen, chunked_last);
    }
    if (e != error{}) return fail(e);
  }
  if (has_te && !any_coding) return fail(error::bad_transfer_encoding);
  // RFC 9112 section 6.3: both at once is a smuggling vector; refuse the message.
  if (has_te && has_length) return fail(error::transfer_encoding_with_content_length);
  header_done_ = true;
  // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 means the framing is suspect.
  if (has_te && msg_.version == 10) force_close_ = true;

  if constexpr (!IsRequest) {
    if (head_request_ || msg_.status / 100 == 1 || msg_.status == 204 || msg_.status == 304) {
      state_ = state::done;
      return true;
    }
  }
  if (has_te) {
    if (chunked_last) {
      state_ = state::chunk_size;
      remaining_ = 0;
      chunk_digits_ = 0;
      return true;
    }
    if constexpr (IsRequest) {
      return fail(error::bad_transfer_encoding);
    } else {
      needs_eof_ = true;
      state_ = state::body_until_close;
      return true;
    }
  }
  if (has_length) {
    if (length > limits_.max_body) return fail(error::body_too_large);
    if (length == 0) {
      state_ = state::done;
      return true;
    }
    remaining_ = length;
    state_ = state::body_length;
    return true;
  }
  if constexpr (IsRequest) {
    state_ = state::done;
  } else {
    needs_eof_ = true;
    state_ = state::body_until_close;
  }
  return true;
}

template <bool IsRequest>
std::size_t basic_parser<IsRequest>::feed_chunk_size(std::string_view data, std::size_t pos) {
  for (; pos < data.size(); ++pos) {
    const char c = data[pos];
    const int h = hex_value(c);
    if (h >= 0) {
      if (remaining_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) return fail(error::chunk_size_overflow), pos;
      if (++chunk_digits_ > 64) return fail(error::bad_chunk_size), pos;  // endless leading zeros
      remaining_ = remaining_ * 16 + static_cast<unsigned>(h);
      continue;
    }
    if (chunk_digits_ == 0) return fail(c == '\n' ? error::bad_line_ending : error::bad_chunk_size), pos;
    if (c == '\r') {
      state_ = state::chunk_size_lf;
      return pos + 1;
    }
    if (c == ';' || is_ows(c)) {
      state_ = state::chunk_ext;
      return pos;
    }
    return fail(c == '\n' ? error::bad_line_ending : error::bad_chunk_size), pos;
  }
  return pos;
}

template <bool IsRequest>
std::size_t basic_parser<IsRequest>::feed_chunk_ext(std::string_view data, std::size_t pos) {
  const char* begin = data.data() + pos;
  const std::size_t avail = data.size() - pos;
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', avail));
  const std::size_t len = cr ? static_cast<std::size_t>(cr - begin) : avail;
  if (len > limits_.max_chunk_extensions - line_.size()) return fail(error::chunk_extension_too_large), pos;
  line_.append(begin, len);
  if (!cr) return data.size();
  if (!valid_chunk_extensions(line_)) return fail(error::bad_chunk_extension), pos;
  line_.clear();
  state_ = state::chunk_size_lf;
  return pos + len + 1;
}

template <bool IsRequest>
bool basic_parser<IsRequest>::deliver(std::string_view bytes) {
  // Over the limit, deliver up to it first, so the result does not depend on how
  // the input was split.
  const bool over = bytes.size() > limits_.max_body - body_size_;
  if (over) bytes = bytes.substr(0, limits_.max_body - body_size_);
  body_size_ += bytes.size();
  if (!bytes.empty()) {
    if (sink_)
      sink_(bytes);
    else
      msg_.body.append(bytes);
  }
  return over ? fail(error::body_too_large) : true;
}

template <bool IsRequest>
void basic_parser<IsRequest>::feed_eof(std::error_code& ec) {
  if (state_ == state::failed) {
    ec = error_;
    return;
  }
  ec.clear();
  if (state_ == state::done) return;
  if (state_ == state::body_until_close) {
    state_ = state::done;
    return;
  }
  if (state_ == state::start_line && line_.empty() && !interim_seen_) return;  // between messages
  fail(error::partial_message);
  ec = error_;
}

template <bool IsRequest>
bool basic_parser<IsRequest>::keep_alive() const noexcept {
  if (state_ != state::done || needs_eof_ || force_close_) return false;
  if constexpr (!IsRequest) {
    if (msg_.status == 101) return false;  // the connection now speaks another protocol
  }
  return http::keep_alive(msg_);
}

template <bool IsRequest>
void basic_parser<IsRequest>::reset() {
  // Keep the capacity of the usual small buffers, so a keep-alive connection parses
  // each message without reallocating; drop a large body buffer.
  if constexpr (IsRequest) {
    msg_.method = "GET";
    msg_.target = "/";
  } else {
    msg_.status = 0;
    msg_.reason.clear();
  }
  msg_.version = 11;
  msg_.headers.clear();
  if (msg_.body.capacity() > 64 * 1024)
    msg_.body = std::string();
  else
    msg_.body.clear();
  trailers_.clear();
  sink_ = nullptr;
  line_.clear();
  name_.clear();
  value_.clear();
  error_.clear();
  remaining_ = 0;
  section_bytes_ = 0;
  field_count_ = 0;
  body_size_ = 0;
  total_ = 0;
  chunk_digits_ = 0;
  state_ = state::start_line;
  pending_ = header_done_ = needs_eof_ = force_close_ = interim_seen_ = false;
  head_request_ = false;
}

}  // namespace sofy::http::detail
