// sofy-cpp: a header-only C++20 client for the Sofy API on standalone Asio, OpenSSL
// and Boost.JSON. This umbrella header includes every public header of the library.
//
// Include the narrower headers to pay for less: the I/O-free ones (model, decode,
// http/parser, http/url, ...) pull in no Asio and no coroutine support.
//
// Build modes (see <sofy/detail/config.hpp>):
//   default                      header-only
//   SOFY_SEPARATE_COMPILATION    compile <sofy/src.hpp> in one translation unit
//   SOFY_BOOST_JSON_HEADER_ONLY  compile <sofy/boost_json_impl.hpp> in one translation unit
//                                instead of linking Boost.JSON
#pragma once

// One line per public header, in dependency order. A header is listed here once it has
// landed; scripts/check-lists.py reports public headers missing from this list.
#include <sofy/version.hpp>

// The Sofy API: value types, decoding, errors, retries (no I/O) and the client.
#include <sofy/duration.hpp>
#include <sofy/error.hpp>
#include <sofy/model.hpp>
#include <sofy/decode.hpp>
#include <sofy/retry.hpp>

// HTTP/1.1. I/O-free: errors, messages, the parser, URLs and proxy rules.
#include <sofy/http/error.hpp>
#include <sofy/http/message.hpp>
#include <sofy/http/parser.hpp>
#include <sofy/http/url.hpp>
#include <sofy/http/proxy.hpp>
// Over Asio: TLS settings, connections, the pooled client and the server.
#include <sofy/http/tls.hpp>
#include <sofy/http/connection.hpp>
#include <sofy/http/client.hpp>
#include <sofy/http/server.hpp>

#include <sofy/client.hpp>
