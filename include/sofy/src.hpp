// The compiled part of the library, for programs built with SOFY_SEPARATE_COMPILATION.
//
// Define SOFY_SEPARATE_COMPILATION in every translation unit of the program and
// include this header in exactly one of them (as with ASIO_SEPARATE_COMPILATION and
// <asio/impl/src.hpp>). The other translation units then only see declarations and
// stop compiling the library's non-template functions again and again.
#pragma once

#if !defined(SOFY_SEPARATE_COMPILATION)
#error "<sofy/src.hpp> is for SOFY_SEPARATE_COMPILATION builds only; \
without it the library is header-only and needs no separate source"
#endif

#include <sofy/sofy.hpp>

// One line per impl/*.ipp, in the order of <sofy/sofy.hpp> (an .ipp may use what an
// earlier one defines). An .ipp is listed here once it has landed; scripts/check-lists.py
// reports those missing from this list.
#include <sofy/impl/duration.ipp>
#include <sofy/impl/error.ipp>
#include <sofy/impl/model.ipp>
#include <sofy/impl/decode.ipp>
#include <sofy/impl/retry.ipp>

#include <sofy/http/impl/message.ipp>
#include <sofy/http/impl/url.ipp>
#include <sofy/http/impl/proxy.ipp>
#include <sofy/http/impl/tls.ipp>
#include <sofy/http/impl/connection.ipp>
#include <sofy/http/impl/client.ipp>
#include <sofy/http/impl/server.ipp>

#include <sofy/impl/client.ipp>
