#!/usr/bin/env bash
# Builds and runs every consumer check in tests/consumers/, each the way a user
# would consume sofy, and fails if any program does not build warning-free or does
# not print OK:
#   cmake-find-package          find_package(sofy) after cmake --install to a temp prefix
#   cmake-add-subdirectory      add_subdirectory(<source tree>)
#   cmake-fetchcontent          FetchContent from a file:// tarball of the source tree
#   cmake-json-header-only      find_package + SOFY_BOOST_JSON_HEADER_ONLY (no libboost_json)
#   cmake-separate-compilation  find_package + SOFY_SEPARATE_COMPILATION + <sofy/src.hpp>
#   meson-subproject            subproject('sofy') through dependency('sofy')
#   pkg-config                  g++ $(pkg-config --cflags --libs sofy), installed sofy.pc
# Usage: tests/consumers/run.sh [NAME...]     (default: all; SOFY_KEEP_WORK=1 keeps the temp dir)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sofy-consumers.XXXXXX")
if [ "${SOFY_KEEP_WORK:-0}" = 1 ]; then
  echo "consumers: work dir $work"
else
  trap 'rm -rf "$work"' EXIT
fi

warn_flags="-Wall -Wextra -Wpedantic -Werror"
prefix="$work/prefix"
cp -r "$here" "$work/consumers"
c="$work/consumers"

log() { echo "consumers: $*"; }

# Runs the program and checks that it says OK.
check_output() {
  local name=$1 exe=$2 out
  if ! out=$("$exe"); then
    log "$name: FAILED: the program exited non-zero"
    return 1
  fi
  case "$out" in
    OK*) log "$name: $out" ;;
    *) log "$name: FAILED: printed '$out'"; return 1 ;;
  esac
}

cmake_consumer() {
  local name=$1; shift
  cmake -S "$c/$name" -B "$work/build-$name" -G Ninja -DCMAKE_CXX_FLAGS="$warn_flags" \
    "$@" >"$work/$name.configure.log" 2>&1 || { cat "$work/$name.configure.log"; return 1; }
  cmake --build "$work/build-$name" -j2 || return 1
  check_output "$name" "$work/build-$name/consumer" || return 1
}

install_sofy() {
  [ -d "$prefix" ] && return 0
  log "installing sofy to $prefix"
  cmake -S "$src" -B "$work/build-sofy" -G Ninja -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DSOFY_INSTALL=ON -DSOFY_BUILD_TESTS=OFF -DSOFY_BUILD_EXAMPLES=OFF \
    -DSOFY_BUILD_NOTIFIER=OFF -DSOFY_BUILD_SIM=OFF >"$work/install.log" 2>&1 \
    || { cat "$work/install.log"; return 1; }
  cmake --build "$work/build-sofy" -j2 >>"$work/install.log" 2>&1 || return 1
  cmake --install "$work/build-sofy" >>"$work/install.log" 2>&1 \
    || { cat "$work/install.log"; return 1; }
}

run_cmake_find_package() {
  install_sofy || return 1
  cmake_consumer cmake-find-package -DCMAKE_PREFIX_PATH="$prefix" || return 1
}

run_cmake_add_subdirectory() {
  cmake_consumer cmake-add-subdirectory -DSOFY_SOURCE_DIR="$src" || return 1
}

run_cmake_fetchcontent() {
  # The tree as it is (not only what is committed), without build output or history.
  tar -C "$src" --exclude=./build --exclude=./.git -czf "$work/sofy-src.tar.gz" . || return 1
  cmake_consumer cmake-fetchcontent -DSOFY_URL="file://$work/sofy-src.tar.gz" || return 1
}

run_cmake_json_header_only() {
  install_sofy || return 1
  cmake_consumer cmake-json-header-only -DCMAKE_PREFIX_PATH="$prefix" || return 1
  if readelf -d "$work/build-cmake-json-header-only/consumer" | grep -q 'libboost_json'; then
    log "cmake-json-header-only: FAILED: the program links libboost_json"
    return 1
  fi
}

run_cmake_separate_compilation() {
  install_sofy || return 1
  cmake_consumer cmake-separate-compilation -DCMAKE_PREFIX_PATH="$prefix" || return 1
}

run_meson_subproject() {
  local d="$c/meson-subproject"
  mkdir -p "$d/subprojects" || return 1
  ln -s "$src" "$d/subprojects/sofy" || return 1
  meson setup "$work/build-meson" "$d" --force-fallback-for=sofy >"$work/meson.log" 2>&1 \
    || { cat "$work/meson.log"; return 1; }
  meson compile -C "$work/build-meson" -j 2 || return 1
  check_output meson-subproject "$work/build-meson/consumer" || return 1
}

run_pkg_config() {
  install_sofy || return 1
  local pc="$prefix/share/pkgconfig" cflags libs
  cflags=$(PKG_CONFIG_PATH="$pc" pkg-config --cflags sofy) || return 1
  libs=$(PKG_CONFIG_PATH="$pc" pkg-config --libs sofy) || return 1
  log "pkg-config: g++ -std=c++20 ... $cflags ... $libs"
  # shellcheck disable=SC2086
  g++ -std=c++20 $warn_flags $cflags "$c/common/consumer.cpp" "$c/common/second.cpp" \
    -o "$work/pkg-config-consumer" $libs || return 1
  check_output pkg-config "$work/pkg-config-consumer" || return 1
}

all=(cmake-find-package cmake-add-subdirectory cmake-fetchcontent cmake-json-header-only
     cmake-separate-compilation meson-subproject pkg-config)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${all[@]}")

failed=()
for name in "${selected[@]}"; do
  start=$SECONDS
  if "run_${name//-/_}"; then
    log "$name: passed in $((SECONDS - start)) s"
  else
    log "$name: FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all ${#selected[@]} consumer checks passed"
