// A streaming (SAX) reader for the Sofy "list of flat records" answers: status,
// run groups, devices. Internal to the decoders (impl/decode.ipp).
//
// Status polling is the hot path of the library and of the notifier: building a
// Boost.JSON DOM and then copying out of it costs about four times the parse
// itself. This reader goes from the parser's events straight into strings, with no
// DOM. It accepts, as the DOM decoders do: a bare array of records; an object whose
// "data" (or "Data") is an array of records, one record, or null, plus an optional
// "message"; unknown keys (with any nested value) are skipped. Errors name the path,
// e.g. "data[2].status: expected a string, got number".
#pragma once

#include <sofy/error.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace sofy::detail::decoding {

enum class field_kind : std::uint8_t {
  text,            // a string; null is empty
  text_or_number,  // a string or a number kept as its text (ids, builds, versions)
};

// One accepted spelling of a field. Several spellings may share a slot: the one with
// the lowest rank present (and not null) wins, whatever the order in the record.
struct field_spec {
  std::string_view name;
  std::uint8_t slot;
  std::uint8_t rank;
  field_kind kind;
};

inline std::string integer_text(double d) {
  // Ids sent as 123456.0 (or 1.23456e5) read as "123456".
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

inline constexpr std::size_t max_record_slots = 16;

// The values of one record, by slot. They keep their capacity from record to
// record: copy out of them rather than move, so that a record costs no allocation
// beyond the result's own strings.
using record_values = std::array<std::string, max_record_slots>;

// What to read from each record and where it goes. A plain table rather than a
// template parameter, so that the parser is instantiated once for every decoder:
// that keeps the header's compile time down.
struct record_schema {
  const field_spec* fields;
  std::size_t field_count;
  std::size_t slots;  // at most max_record_slots
  void* sink;
  void (*finish)(void* sink, record_values& values);  // one record read
  void (*restart)(void* sink);                         // forget the records so far ("data" came again)
};

class records_handler {
 public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  // `scratch` holds the values of the record being read; reusing it across calls
  // (one per thread) keeps its strings' capacity.
  records_handler(const record_schema& schema, std::string_view what, std::string& message_out,
                  record_values& scratch)
      : message(message_out), schema_(schema), what_(what), values_(scratch) {}

  std::string& message;    // the top-level "message", when sent; cleared at the start
  std::string failure;     // set when a handler call failed: the whole error message
  bool saw_data = false;   // the root object had "data"
  bool root_is_object = false;

  using ec_t = boost::json::error_code;
  using sv_t = boost::json::string_view;

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_comment_part(sv_t, ec_t&) { return true; }
  bool on_comment(sv_t, ec_t&) { return true; }

  bool on_object_begin(ec_t& ec) {
    if (skip_) {
      ++skip_;
      return true;
    }
    switch (take_pending()) {
      case pending::root:
        root_is_object = true;
        state_ = state::root;
        return true;
      case pending::data:
        prefix_ = data_key_;
        in_array_ = false;
        begin_record();
        return true;
      case pending::record:
        begin_record();
        return true;
      case pending::skip:
        skip_ = 1;
        return true;
      case pending::field:
      case pending::message: return type_error(ec, "object");
      case pending::none: return true;
    }
    return true;
  }

  bool on_object_end(std::size_t, ec_t&) {
    if (skip_) {
      --skip_;
      return true;
    }
    if (state_ == state::record) {
      schema_.finish(schema_.sink, values_);
      ++index_;
      state_ = in_array_ ? state::records : state::root;
      if (in_array_) pending_ = pending::record;
    } else {
      state_ = state::done;
    }
    return true;
  }

  bool on_array_begin(ec_t& ec) {
    if (skip_) {
      ++skip_;
      return true;
    }
    switch (take_pending()) {
      case pending::root:
        prefix_ = {};
        start_records();
        return true;
      case pending::data:
        prefix_ = data_key_;
        start_records();
        return true;
      case pending::skip:
        skip_ = 1;
        return true;
      case pending::record:
      case pending::field:
      case pending::message: return type_error(ec, "array");
      case pending::none: return true;
    }
    return true;
  }

  bool on_array_end(std::size_t, ec_t&) {
    if (skip_) {
      --skip_;
      return true;
    }
    // Only the records array reaches here.
    pending_ = pending::none;
    state_ = root_is_object ? state::root : state::done;
    return true;
  }

  bool on_key_part(sv_t s, std::size_t, ec_t&) {
    if (!skip_) key_.append(s.data(), s.size());
    return true;
  }

  bool on_key(sv_t s, std::size_t, ec_t&) {
    if (skip_) return true;
    // A key arrives whole unless it had escapes or spanned writes: then it is in key_.
    std::string_view key(s.data(), s.size());
    if (!key_.empty()) {
      key_.append(key);
      key = key_;
    }
    if (state_ == state::root) {
      if (key == "data" || key == "Data") {
        if (saw_data) schema_.restart(schema_.sink);  // a repeated key: the last one counts, as in a DOM
        saw_data = true;
        data_key_ = key == "data" ? "data" : "Data";
        pending_ = pending::data;
      } else if (key == "message" || key == "Message") {
        pending_ = pending::message;
        message_key_ = key == "message" ? "message" : "Message";
      } else {
        pending_ = pending::skip;
      }
    } else {
      field_ = nullptr;
      const std::size_t pos = key_pos_++;
      if (!key.empty()) {
        // The service sends every record's keys in the same order, so the field that matched
        // at this position in the previous record is tried first (one compare instead of a
        // scan of every spelling); the scan below finds the same field when it misses.
        const bool remembered = pos < guesses_.size() && guesses_[pos] != 0;
        if (remembered && schema_.fields[guesses_[pos] - 1].name == key) {
          field_ = &schema_.fields[guesses_[pos] - 1];
        } else {
          for (std::size_t i = 0; i < schema_.field_count; ++i) {
            const auto& f = schema_.fields[i];
            if (f.name.size() == key.size() && f.name[0] == key[0] &&
                std::char_traits<char>::compare(f.name.data(), key.data(), key.size()) == 0) {
              field_ = &f;
              if (pos < guesses_.size() && i < 0xFF) guesses_[pos] = static_cast<std::uint8_t>(i + 1);
              break;
            }
          }
        }
      }
      pending_ = field_ ? pending::field : pending::skip;
    }
    key_.clear();
    return true;
  }

  bool on_string_part(sv_t s, std::size_t, ec_t& ec) {
    if (skip_) return true;
    if (!in_string_) {
      if (!begin_string(ec)) return false;
      in_string_ = true;
    }
    if (target_) target_->append(s.data(), s.size());
    return true;
  }

  bool on_string(sv_t s, std::size_t n, ec_t& ec) {
    if (!on_string_part(s, n, ec)) return false;
    in_string_ = false;
    target_ = nullptr;
    return true;
  }

  bool on_number_part(sv_t, ec_t&) { return true; }
  bool on_int64(std::int64_t v, sv_t, ec_t& ec) { return on_number(ec, [&] { return std::to_string(v); }); }
  bool on_uint64(std::uint64_t v, sv_t, ec_t& ec) { return on_number(ec, [&] { return std::to_string(v); }); }
  bool on_double(double v, sv_t, ec_t& ec) { return on_number(ec, [&] { return integer_text(v); }); }

  bool on_bool(bool, ec_t& ec) {
    if (skip_) return true;
    return scalar(ec, "boolean");
  }

  bool on_null(ec_t& ec) {
    if (skip_) return true;
    switch (take_pending()) {
      case pending::root: return fail(ec, {}, "expected an object or an array, got null");
      case pending::record: return fail(ec, element_path(), "expected an object, got null");
      case pending::data:        // no records
      case pending::field:       // a null field is a missing one
      case pending::message:
      case pending::skip:
      case pending::none: break;
    }
    after_value();
    return true;
  }

 private:
  enum class state : std::uint8_t { start, root, records, record, done };
  enum class pending : std::uint8_t { none, root, data, record, field, message, skip };

  // The expectation for the value that starts now (also kept for type_error).
  pending take_pending() noexcept {
    last_pending_ = pending_;
    pending_ = pending::none;
    return last_pending_;
  }

  // After a scalar at the current level: the next element of the records array is
  // again a record.
  void after_value() noexcept {
    if (state_ == state::records) pending_ = pending::record;
  }

  void start_records() {
    state_ = state::records;
    in_array_ = true;
    index_ = 0;
    pending_ = pending::record;
  }

  void begin_record() {
    state_ = state::record;
    for (std::size_t i = 0; i < schema_.slots; ++i) values_[i].clear();
    ranks_.fill(0xFF);
    key_pos_ = 0;
  }

  std::string element_path() const {
    std::string p(prefix_);
    if (in_array_) p.append("[").append(std::to_string(index_)).append("]");
    return p;
  }

  std::string field_path() const {
    std::string p = element_path();
    if (!p.empty()) p.push_back('.');
    p.append(field_->name);
    return p;
  }

  bool fail(ec_t& ec, std::string_view path, std::string_view problem) {
    failure.assign(what_).append(": ");
    if (!path.empty()) failure.append(path).append(": ");
    failure.append(problem);
    ec = boost::json::error::exception;  // any code: `failure` says what
    return false;
  }

  // A value of kind `got` where the taken expectation wanted something else.
  bool type_error(ec_t& ec, std::string_view got) {
    switch (last_pending_) {
      case pending::root: return fail(ec, {}, std::string("expected an object or an array, got ").append(got));
      case pending::data:
        return fail(ec, data_key_, std::string("expected an array or an object, got ").append(got));
      case pending::record: return fail(ec, element_path(), std::string("expected an object, got ").append(got));
      case pending::field:
        return fail(ec, field_path(),
                    std::string(field_->kind == field_kind::text ? "expected a string, got "
                                                                 : "expected a string or a number, got ")
                        .append(got));
      case pending::message: return fail(ec, message_key_, std::string("expected a string, got ").append(got));
      case pending::skip:
      case pending::none: break;
    }
    return true;
  }

  // Which string a value for the current field goes to, if it wins its slot.
  std::string* field_target() {
    const auto slot = field_->slot;
    if (field_->rank > ranks_[slot]) return nullptr;  // a better spelling was already set
    ranks_[slot] = field_->rank;
    values_[slot].clear();
    return &values_[slot];
  }

  bool begin_string(ec_t& ec) {
    target_ = nullptr;
    const auto p = take_pending();
    switch (p) {
      case pending::field: target_ = field_target(); break;
      case pending::message:
        message.clear();
        target_ = &message;
        break;
      case pending::skip:
      case pending::none: break;
      case pending::root:
      case pending::data:
      case pending::record: return type_error(ec, "string");
    }
    after_value();
    return true;
  }

  template <class F>
  bool on_number(ec_t& ec, F&& text) {
    if (skip_) return true;
    const auto p = take_pending();
    if (p == pending::field && field_->kind == field_kind::text_or_number) {
      if (auto* t = field_target()) *t = text();
      after_value();
      return true;
    }
    if (p == pending::skip || p == pending::none) {
      after_value();
      return true;
    }
    return type_error(ec, "number");
  }

  bool scalar(ec_t& ec, std::string_view got) {
    const auto p = take_pending();
    if (p == pending::skip || p == pending::none) {
      after_value();
      return true;
    }
    return type_error(ec, got);
  }

  const record_schema& schema_;
  std::string_view what_;
  record_values& values_;
  std::array<std::uint8_t, max_record_slots> ranks_{};
  std::array<std::uint8_t, 32> guesses_{};  // by key position in a record: 1 + index into schema_.fields, 0: none
  std::size_t key_pos_ = 0;                 // keys seen so far in the current record
  std::string key_;
  const field_spec* field_ = nullptr;
  std::string* target_ = nullptr;
  std::string_view prefix_;  // "" for a bare array, else "data" or "Data"
  std::string_view data_key_ = "data";
  std::string_view message_key_ = "message";
  std::size_t index_ = 0;
  std::size_t skip_ = 0;  // depth inside a skipped value
  state state_ = state::start;
  pending pending_ = pending::root;
  pending last_pending_ = pending::none;
  bool in_array_ = false;
  bool in_string_ = false;

};

}  // namespace sofy::detail::decoding
