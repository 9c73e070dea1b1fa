# Thin wrapper over the CMake presets: `make test` works on a fresh Debian 12
# machine as root (missing packages are installed first).
#   make test            install what is missing, configure (preset dev), build, run ctest
#   make test PRESET=asan   the same with GCC ASan + UBSan (also: make asan)
#   make ci              everything CI runs (.ci/run): Meson, sanitizers, consumers, fuzzing
#   make bench           Release build in build/bench, then the benchmarks against peers (bench/run.sh)
#   make demo            build sofy-sim, sofy-run and sofy-notifier, then run a simulated
#                        schedule with `sofy-run trigger --wait` (scripts/demo.sh) and
#                        `sofy-notifier demo` (no account, no network; about 45 s)
PRESET ?= dev

.PHONY: all deps configure build test asan ci clean demo

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

demo: configure
	@cmake --build --preset $(PRESET) --target sofy-sim sofy-run sofy-notifier
	@bash scripts/demo.sh build/$(PRESET)
	@echo
	@echo "== sofy-notifier: the same kind of run, watched and posted to Slack, Teams and a webhook"
	@build/$(PRESET)/notifier/sofy-notifier demo

ci:
	@bash .ci/run

.PHONY: bench  # bench/ is a directory
bench:
	@bash bench/run.sh

clean:
	rm -rf build
