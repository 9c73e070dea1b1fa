# Thin wrapper over the CMake presets: `make test` and `make demo` work on a fresh
# Debian 12 machine as root (missing packages are installed first).
PRESET ?= dev

.PHONY: all deps configure build test demo asan clean

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

clean:
	rm -rf build
