#!/bin/sh
# Installs the Debian 12 packages this project needs, only those that are missing.
# Idempotent; runs apt-get only when something is absent.
#   scripts/install-deps.sh          build and test dependencies
#   scripts/install-deps.sh --ci     plus what .ci/run uses (Meson, clang for fuzzing)
set -eu

pkgs="g++ make cmake ninja-build pkg-config openssl ca-certificates
libasio-dev libssl-dev libboost-json1.81-dev libboost-url1.81-dev
libyaml-cpp-dev libsqlite3-dev libcli11-dev libfmt-dev libspdlog-dev catch2 python3"
if [ "${1:-}" = "--ci" ]; then
  pkgs="$pkgs meson clang libclang-rt-14-dev git"
fi

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-deps: missing packages:$missing; run this script as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
