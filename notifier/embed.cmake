# Writes a C++ source defining one std::string_view with a file's text, so that an
# installed binary carries its data (the demo's scenario) instead of looking for it.
#   cmake -DIN=file.yaml -DOUT=out.cpp -DNAME=symbol -DNAMESPACE=ns -P embed.cmake
file(READ "${IN}" content)
string(FIND "${content}" ")sofy_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "embed.cmake: ${IN} contains the raw string delimiter")
endif()
file(WRITE "${OUT}.tmp"
"// Generated from ${IN} by notifier/embed.cmake; do not edit.
#include <string_view>
namespace ${NAMESPACE} {
extern const std::string_view ${NAME};
const std::string_view ${NAME} = R\"sofy_embed(${content})sofy_embed\";
}
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
