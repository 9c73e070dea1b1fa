// Boost.JSON compiled from source, for programs built with SOFY_BOOST_JSON_HEADER_ONLY.
//
// Include this header in exactly one translation unit of the program. Without
// SOFY_BOOST_JSON_HEADER_ONLY the program links the Boost.JSON library instead, and
// compiling its sources a second time would give two definitions of every symbol.
#pragma once

#if !defined(SOFY_BOOST_JSON_HEADER_ONLY)
#error "<sofy/boost_json_impl.hpp> is only for SOFY_BOOST_JSON_HEADER_ONLY builds; \
otherwise link Boost.JSON (Boost::json, -lboost_json) and do not include it"
#endif

#include <boost/json/src.hpp>
