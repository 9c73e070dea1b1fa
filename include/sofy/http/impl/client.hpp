#pragma once

#include <sofy/http/client.hpp>

namespace sofy::http {

template <class CompletionToken>
auto client::async_request(origin o, http::request req, request_options opts, CompletionToken&& token) {
  return asio::co_spawn(executor_, request(std::move(o), std::move(req), std::move(opts)),
                        std::forward<CompletionToken>(token));
}

}  // namespace sofy::http
