// Definitions for <sofy/error.hpp>.
#pragma once

#include <sofy/error.hpp>

namespace sofy {

namespace detail {

class sofy_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sofy"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_auth_key: return "the auth key is not a GUID";
      case errc::invalid_argument: return "invalid argument";
      case errc::http_status: return "the service answered with an HTTP error status";
      case errc::bad_response: return "the service's answer is not in a known shape";
      case errc::timeout: return "timed out";
      case errc::cancelled: return "cancelled";
      case errc::not_found: return "not found";
      case errc::retries_exhausted: return "every allowed attempt failed";
    }
    return "unknown sofy error";
  }

  std::error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<errc>(ev)) {
      case errc::timeout: return std::make_error_condition(std::errc::timed_out);
      case errc::cancelled: return std::make_error_condition(std::errc::operation_canceled);
      case errc::invalid_auth_key:
      case errc::invalid_argument: return std::make_error_condition(std::errc::invalid_argument);
      default: return {ev, *this};
    }
  }
};

}  // namespace detail

SOFY_DECL const std::error_category& category() noexcept {
  static const detail::sofy_category instance;
  return instance;
}

SOFY_DECL error::error(std::error_code ec, std::shared_ptr<const payload> p) noexcept
    : std::system_error(ec), p_(std::move(p)) {}

SOFY_DECL error::error(std::error_code ec, std::string what_arg)
    : std::system_error(ec),
      p_(std::make_shared<const payload>(payload{what_arg.empty() ? ec.message() : std::move(what_arg), 0, {}, {}, {}})) {
}

SOFY_DECL error error::http(int status, std::string what_arg, std::string api_message, std::string api_details,
                            std::string api_timestamp) {
  const auto ec = make_error_code(errc::http_status);
  if (what_arg.empty()) what_arg = "HTTP " + std::to_string(status);
  return error(ec, std::make_shared<const payload>(payload{std::move(what_arg), status, std::move(api_message),
                                                           std::move(api_details), std::move(api_timestamp)}));
}

SOFY_DECL const char* error::what() const noexcept { return p_->what.c_str(); }

SOFY_DECL int error::http_status() const noexcept { return p_->http_status; }

SOFY_DECL const std::string& error::api_message() const noexcept { return p_->api_message; }

SOFY_DECL const std::string& error::api_details() const noexcept { return p_->api_details; }

SOFY_DECL const std::string& error::api_timestamp() const noexcept { return p_->api_timestamp; }

SOFY_DECL error error::with_context(std::string_view context) const {
  if (context.empty()) return *this;
  payload p = *p_;
  std::string what;
  what.reserve(context.size() + 2 + p.what.size());
  what.append(context).append(": ").append(p.what);
  p.what = std::move(what);
  return error(code(), std::make_shared<const payload>(std::move(p)));
}

}  // namespace sofy
