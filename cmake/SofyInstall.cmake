# Install rules: headers, the exported target sofy::sofy, sofyConfig.cmake with its
# version file, and sofy.pc. The library is header-only, so everything goes to
# architecture-independent places (share/).
include(CMakePackageConfigHelpers)

set(SOFY_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/sofy"
    CACHE STRING "Where sofyConfig.cmake is installed, relative to the prefix")
set(SOFY_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
    CACHE STRING "Where sofy.pc is installed, relative to the prefix")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/sofy"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.ipp")

install(TARGETS sofy EXPORT sofyTargets)
install(EXPORT sofyTargets NAMESPACE sofy:: DESTINATION "${SOFY_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/sofyConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/sofyConfig.cmake"
  INSTALL_DESTINATION "${SOFY_INSTALL_CMAKEDIR}")
# Pre-1.0 minor versions may break; from 1.0 on, the major version is the promise.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/sofyConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/sofyConfig.cmake"
              "${PROJECT_BINARY_DIR}/sofyConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/SofyDependencies.cmake"
        DESTINATION "${SOFY_INSTALL_CMAKEDIR}")

# sofy.pc: relocatable (paths relative to the .pc file). Boost ships no .pc files, so
# its libraries are spelled out; -L only where they are outside the linker's defaults.
file(RELATIVE_PATH SOFY_PC_PREFIX_FROM_PCDIR
     "${CMAKE_INSTALL_PREFIX}/${SOFY_INSTALL_PKGCONFIGDIR}" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" SOFY_PC_PREFIX_FROM_PCDIR "${SOFY_PC_PREFIX_FROM_PCDIR}")
set(SOFY_PC_LIBS "")
foreach(_lib IN ITEMS Boost::json Boost::url)
  if(NOT TARGET ${_lib})
    continue()
  endif()
  get_target_property(_loc ${_lib} LOCATION)
  get_filename_component(_dir "${_loc}" DIRECTORY)
  if(NOT _dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES AND NOT "-L${_dir}" IN_LIST SOFY_PC_LIBS)
    list(APPEND SOFY_PC_LIBS "-L${_dir}")
  endif()
endforeach()
list(APPEND SOFY_PC_LIBS -lboost_json -lboost_url -pthread)
list(JOIN SOFY_PC_LIBS " " SOFY_PC_LIBS)
set(SOFY_PC_CFLAGS " -DASIO_STANDALONE")
if(NOT SOFY_ASIO_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
  string(PREPEND SOFY_PC_CFLAGS " -I${SOFY_ASIO_INCLUDE_DIR}")
endif()
foreach(_dir IN LISTS Boost_INCLUDE_DIRS)
  if(NOT _dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(APPEND SOFY_PC_CFLAGS " -I${_dir}")
  endif()
endforeach()
configure_file("${CMAKE_CURRENT_LIST_DIR}/sofy.pc.in" "${PROJECT_BINARY_DIR}/sofy.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/sofy.pc" DESTINATION "${SOFY_INSTALL_PKGCONFIGDIR}")
