// Build-mode switches shared by every header.
//
// Header-only by default. A large program may define SOFY_SEPARATE_COMPILATION
// everywhere and compile <sofy/src.hpp> in exactly one translation unit, as with
// ASIO_SEPARATE_COMPILATION.
//
// Convention (as in Asio): a header declares its non-template functions with
// SOFY_DECL and ends with
//     #if SOFY_HEADER_ONLY
//     #include <sofy/.../impl/name.ipp>
//     #endif
// Templates and coroutine templates live in impl/name.hpp, always included.
#pragma once

#if defined(SOFY_SEPARATE_COMPILATION)
#define SOFY_HEADER_ONLY 0
#define SOFY_DECL
#else
#define SOFY_HEADER_ONLY 1
#define SOFY_DECL inline
#endif
