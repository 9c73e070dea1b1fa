# Finds what the library needs. Shared by the build tree and the installed
# sofyConfig.cmake, so that a consumer resolves exactly the same targets:
#   Threads::Threads, OpenSSL::SSL, OpenSSL::Crypto, Boost::url, Boost::json (unless
#   SOFY_BOOST_JSON_HEADER_ONLY, then Boost::headers), and sofy::asio.
# Inside sofyConfig.cmake (sofy_FIND_DEPENDENCIES set) a missing dependency makes
# find_package(sofy) fail with a message instead of stopping the consumer's configure.
include(CMakeFindDependencyMacro)

macro(_sofy_find_dependency)
  if(_sofy_in_config)
    find_dependency(${ARGN})
  else()
    find_package(${ARGN} REQUIRED)
  endif()
endmacro()

if(DEFINED sofy_FIND_DEPENDENCIES)
  set(_sofy_in_config ON)
else()
  set(_sofy_in_config OFF)
endif()

if(NOT DEFINED THREADS_PREFER_PTHREAD_FLAG)
  set(THREADS_PREFER_PTHREAD_FLAG ON)
endif()
_sofy_find_dependency(Threads)
_sofy_find_dependency(OpenSSL 1.1.1)
if(SOFY_BOOST_JSON_HEADER_ONLY)
  _sofy_find_dependency(Boost 1.81 COMPONENTS url)
else()
  _sofy_find_dependency(Boost 1.81 COMPONENTS json url)
endif()

# Standalone Asio ships no CMake package: find its header and wrap it in a target.
# SOFY_ASIO_INCLUDE_DIR may be set to point at a copy outside the default paths.
if(NOT TARGET sofy::asio)
  find_path(SOFY_ASIO_INCLUDE_DIR asio.hpp HINTS ${SOFY_ASIO_HINT}
            DOC "Directory holding standalone Asio's asio.hpp")
  if(NOT SOFY_ASIO_INCLUDE_DIR)
    if(_sofy_in_config)
      set(sofy_NOT_FOUND_MESSAGE
          "standalone Asio (asio.hpp) not found: install libasio-dev or set SOFY_ASIO_INCLUDE_DIR")
      set(sofy_FOUND FALSE)
      return()
    endif()
    message(FATAL_ERROR
            "sofy: standalone Asio (asio.hpp) not found: install libasio-dev or set SOFY_ASIO_INCLUDE_DIR")
  endif()
  add_library(sofy::asio INTERFACE IMPORTED)
  set_target_properties(sofy::asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${SOFY_ASIO_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE")
endif()
