# Thin wrapper over the CMake presets: `make test` works on a fresh Debian 12
# machine as root (missing packages are installed first).
#   make test            install what is missing, configure (preset dev), build, run ctest
#   make test PRESET=asan   the same with GCC ASan + UBSan (also: make asan)
#   make ci              everything CI runs (.ci/run): Meson, sanitizers, consumers, fuzzing
PRESET ?= dev

.PHONY: all deps configure build test asan ci clean

all: build

deps:
	@sh scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET)

test: build
	@ctest --preset $(PRESET)

asan:
	@$(MAKE) --no-print-directory test PRESET=asan

# demo: lands with sofy-sim and sofy-run (issue 3), here.

ci:
	@bash .ci/run

clean:
	rm -rf build
