// A second translation unit that includes the whole library: the program links only
// if every non-template function in the headers is inline (header-only) or defined
// once in <sofy/src.hpp> (separate compilation).
#include <sofy/sofy.hpp>

#include <string_view>

std::string_view second_translation_unit() { return sofy::http::reason_phrase(200); }
