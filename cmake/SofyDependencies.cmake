# Finds what the library needs. Shared by the build tree and sofyConfig.cmake so
# that a consumer resolves exactly the same targets.
include(GNUInstallDirs)
include(CMakeFindDependencyMacro)

find_package(Threads REQUIRED)
find_package(OpenSSL 1.1.1 REQUIRED)
if(SOFY_BOOST_JSON_HEADER_ONLY)
  find_package(Boost 1.81 REQUIRED COMPONENTS url)
else()
  find_package(Boost 1.81 REQUIRED COMPONENTS json url)
endif()

# Standalone Asio ships no CMake package: find its header and wrap it in a target.
if(NOT TARGET sofy::asio)
  find_path(SOFY_ASIO_INCLUDE_DIR asio.hpp REQUIRED)
  add_library(sofy::asio INTERFACE IMPORTED)
  set_target_properties(sofy::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${SOFY_ASIO_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED")
endif()
