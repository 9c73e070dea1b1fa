// The library's version. CMake and Meson read it from here; it is the one place to change it.
//
//   SOFY_VERSION         MAJOR * 100000 + MINOR * 100 + PATCH, as BOOST_VERSION (0.1.0 is 100)
//   SOFY_VERSION_STRING  "MAJOR.MINOR.PATCH"
#pragma once

#define SOFY_VERSION_MAJOR 0
#define SOFY_VERSION_MINOR 1
#define SOFY_VERSION_PATCH 0
#define SOFY_VERSION_STRING "0.1.0"

#define SOFY_VERSION (SOFY_VERSION_MAJOR * 100000 + SOFY_VERSION_MINOR * 100 + SOFY_VERSION_PATCH)

namespace sofy {

/// The version of the headers this translation unit was compiled with.
inline constexpr int version_major = SOFY_VERSION_MAJOR;
inline constexpr int version_minor = SOFY_VERSION_MINOR;
inline constexpr int version_patch = SOFY_VERSION_PATCH;
inline constexpr const char* version_string = SOFY_VERSION_STRING;

}  // namespace sofy
