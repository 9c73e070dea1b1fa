// Boost.JSON compiled once for the test executables, in SOFY_BOOST_JSON_HEADER_ONLY builds.
#include <sofy/boost_json_impl.hpp>
