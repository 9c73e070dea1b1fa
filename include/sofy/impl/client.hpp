// The async_ forms of sofy::client: each runs the awaitable form through asio::co_spawn,
// so every completion token works and the handler receives (std::exception_ptr, T).
#pragma once

#include <sofy/client.hpp>

#include <utility>

namespace sofy {

template <class Token>
auto client::async_trigger(std::string schedule_guid, std::optional<app_hash> build, Token&& token) {
  return asio::co_spawn(get_executor(), trigger(std::move(schedule_guid), std::move(build)),
                        std::forward<Token>(token));
}

template <class Token>
auto client::async_trigger_web(std::string web_schedule_id, Token&& token) {
  return asio::co_spawn(get_executor(), trigger_web(std::move(web_schedule_id)), std::forward<Token>(token));
}

template <class Token>
auto client::async_status(std::string schedule_guid, std::string group_id, Token&& token) {
  return asio::co_spawn(get_executor(), status(std::move(schedule_guid), std::move(group_id)),
                        std::forward<Token>(token));
}

template <class Token>
auto client::async_status(std::string schedule_guid, std::string group_id, group_status reuse, Token&& token) {
  return asio::co_spawn(get_executor(), status(std::move(schedule_guid), std::move(group_id), std::move(reuse)),
                        std::forward<Token>(token));
}

template <class Token>
auto client::async_latest_status(std::string schedule_guid, Token&& token) {
  return asio::co_spawn(get_executor(), latest_status(std::move(schedule_guid)), std::forward<Token>(token));
}

template <class Token>
auto client::async_run_groups(std::string schedule_guid, Token&& token) {
  return asio::co_spawn(get_executor(), run_groups(std::move(schedule_guid)), std::forward<Token>(token));
}

template <class Token>
auto client::async_abort(std::string schedule_guid, std::optional<std::string> group_id, Token&& token) {
  return asio::co_spawn(get_executor(), abort(std::move(schedule_guid), std::move(group_id)),
                        std::forward<Token>(token));
}

template <class Token>
auto client::async_upload_build(upload_options opts, Token&& token) {
  return asio::co_spawn(get_executor(), upload_build(std::move(opts)), std::forward<Token>(token));
}

template <class Token>
auto client::async_applications(Token&& token) {
  return asio::co_spawn(get_executor(), applications(), std::forward<Token>(token));
}

template <class Token>
auto client::async_devices(platform p, Token&& token) {
  return asio::co_spawn(get_executor(), devices(p), std::forward<Token>(token));
}

template <class Token>
auto client::async_wait(std::string schedule_guid, std::string group_id, wait_options opts, Token&& token) {
  return asio::co_spawn(get_executor(), wait(std::move(schedule_guid), std::move(group_id), std::move(opts)),
                        std::forward<Token>(token));
}

}  // namespace sofy
