// Boost.JSON's sources, compiled once, for SOFY_BOOST_JSON_HEADER_ONLY.
#include <sofy/boost_json_impl.hpp>
