// Boost.JSON compiled once, for builds with SOFY_BOOST_JSON_HEADER_ONLY.
#include <sofy/boost_json_impl.hpp>
