// The library's non-template functions, compiled once, for SOFY_SEPARATE_COMPILATION.
#include <sofy/src.hpp>
