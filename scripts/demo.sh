#!/usr/bin/env bash
# make demo: sofy-run gating a simulated Sofy schedule, with no account and no network.
#   scripts/demo.sh [BUILD_DIR]      (default build/dev; `make demo` builds it first)
# Starts sofy-sim with sim/scenarios/demo.yaml on a free loopback port (HTTPS with a
# throwaway certificate when the openssl command is there, else plain HTTP), runs
#   sofy-run trigger --schedule <demo schedule> --wait --poll-interval 2s --junit build/demo/junit.xml
# and explains its exit status. The demo run has a failing test, so sofy-run exits 1, as
# it would fail a CI job; the demo itself exits 0 unless something is broken.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/dev}
sim_exe=$build/sim/sofy-sim
run_exe=$build/examples/sofy-run
for exe in "$sim_exe" "$run_exe"; do
  [ -x "$exe" ] || { echo "demo: $exe is missing: run 'make demo'" >&2; exit 2; }
done

demo=build/demo
mkdir -p "$demo"
rm -f "$demo/sim.port" "$demo/junit.xml"

# The demo scenario's schedule and the auth key it accepts (a made-up GUID).
schedule=0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90
export SOFY_AUTH_KEY=6F9619FF-8B86-D011-B42D-00C04FC964FF

tls_args=()
run_tls=()
scheme=http
if command -v openssl >/dev/null 2>&1 &&
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
     -addext subjectAltName=IP:127.0.0.1 -keyout "$demo/key.pem" -out "$demo/cert.pem" >/dev/null 2>&1; then
  tls_args=(--tls-cert "$demo/cert.pem" --tls-key "$demo/key.pem")
  run_tls=(--ca-file "$demo/cert.pem")
  scheme=https
fi

"$sim_exe" --scenario sim/scenarios/demo.yaml --port-file "$demo/sim.port" "${tls_args[@]}" \
  >"$demo/sim.out" 2>"$demo/sim.log" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  [ -s "$demo/sim.port" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "demo: sofy-sim stopped:" >&2; cat "$demo/sim.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$demo/sim.port" ] || { echo "demo: sofy-sim did not start within 10 s" >&2; exit 1; }
base_url=$scheme://127.0.0.1:$(cat "$demo/sim.port")

echo "== sofy-sim (sim/scenarios/demo.yaml) is serving the Sofy API on $base_url"
echo "== a CI job would run:"
echo "   SOFY_AUTH_KEY=... sofy-run --base-url $base_url ${run_tls[*]} trigger --schedule $schedule \\"
echo "     --wait --poll-interval 2s --junit $demo/junit.xml"
echo

rc=0
"$run_exe" --base-url "$base_url" "${run_tls[@]}" trigger --schedule "$schedule" \
  --wait --poll-interval 2s --junit "$demo/junit.xml" || rc=$?

echo
case $rc in
  0) echo "== sofy-run exited 0: every test passed; a CI job would go on." ;;
  1) echo "== sofy-run exited 1: a test failed, as a CI job would (Checkout on Galaxy S23 fails on purpose)." ;;
  *) echo "== sofy-run exited $rc: the demo is broken (2 usage, 3 API or transport error, 4 timeout)." >&2
     exit "$rc" ;;
esac
echo "== the JUnit report a CI system would read: $demo/junit.xml"
