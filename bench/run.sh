#!/usr/bin/env bash
# Benchmarks against peers, all in one run so that only ratios matter:
#   1. status polling over one keep-alive TLS connection to nginx: sofy::client, the
#      http::client + reused decode path, wrk, Python aiohttp, Python requests, a curl loop;
#   2. sofy-notifier watching many schedules on sofy-sim (CPU share, RSS);
#   3. compile time of <sofy/sofy.hpp> over Asio + SSL + Boost.JSON alone.
# Usage: bench/run.sh [BUILD_DIR]   (default build/bench; configured Release with
#        -DSOFY_BUILD_BENCH=ON if it is not yet). Environment: DURATION (seconds per client,
#        default 5), CURL_REQUESTS (default 100), SCHEDULES (default 10000), NOTIFIER_SECONDS
#        (default 60), SKIP (space-separated: poll notifier compile).
# Peers are apt-installed only when missing. Targets are printed as PASS/MISS for
# information; the script fails only when something broke.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build/bench}
DURATION=${DURATION:-5}
CURL_REQUESTS=${CURL_REQUESTS:-100}
SCHEDULES=${SCHEDULES:-10000}
NOTIFIER_SECONDS=${NOTIFIER_SECONDS:-60}
SKIP=${SKIP:-}
# The Debian interpreter, which the python3-* packages install into (not a pyenv or venv one).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
skip() { [[ " $SKIP " == *" $1 "* ]]; }

# --- peers -------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
"$py" -c 'import aiohttp' 2>/dev/null || need+=(python3-aiohttp)
"$py" -c 'import requests' 2>/dev/null || need+=(python3-requests)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi

# --- build -------------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOFY_WERROR=ON \
        -DSOFY_BUILD_BENCH=ON >/dev/null
fi
targets=(sofy_bench_status_poll)
if ! skip notifier && grep -q '^sofy-notifier:' <(ninja -C "$build" -t targets all 2>/dev/null); then
  targets+=(sofy-notifier sofy-sim)
fi
cmake --build "$build" --target "${targets[@]}" -j2 >/dev/null

tmp=$(mktemp -d /tmp/sofy-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "sofy-cpp benchmarks, $(date -u +%F), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# A throwaway CA and a server certificate for 127.0.0.1, made now.
make_certs() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=sofy-bench-ca -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tmp/ext.cnf"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 2 -extfile "$tmp/ext.cnf" -out "$tmp/server.pem" 2>/dev/null
}
make_certs

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- 1. status polling ---------------------------------------------------------------------
if ! skip poll; then
  port=$(free_port)
  url="https://127.0.0.1:$port"
  mkdir -p "$tmp/nginx/logs" "$tmp/www"
  "$py" "$here/status_json.py" 50 >"$tmp/www/status.json"
  # keepalive_requests: nginx closes a connection after 1000 requests by default, which
  # would add handshakes to every client's numbers.
  cat >"$tmp/nginx.conf" <<NGINX
worker_processes 1;
daemon on;
user $(id -un);
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $tmp/server.pem;
    ssl_certificate_key $tmp/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    # Every path answers the same status document (a static file: the text of nginx's return directive
    # is limited to 4 KB).
    location / {
      root $tmp/www;
      default_type application/json;
      try_files /status.json =404;
    }
  }
}
NGINX
  nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx.conf"
  for _ in $(seq 50); do curl -s --noproxy '*' --cacert "$tmp/ca.pem" -o /dev/null "$url/" && break; sleep 0.1; done
  bytes=$(curl -s --noproxy '*' --cacert "$tmp/ca.pem" "$url/" | wc -c)
  echo
  echo "1. status polling: nginx $(nginx -v 2>&1 | sed 's/.*\///'), TLS on 127.0.0.1, one keep-alive connection," \
       "$bytes-byte body with 50 tests, ${DURATION}s per client"

  results="$tmp/poll.txt"
  : >"$results"
  poll_bin="$build/bench/status_poll"
  "$poll_bin" --url "$url" --ca-file "$tmp/ca.pem" --mode client --duration "$DURATION" | sed 's/^mode=client/client=sofy::client/' >>"$results"
  "$poll_bin" --url "$url" --ca-file "$tmp/ca.pem" --mode client-reuse --duration "$DURATION" | sed 's/^mode=client-reuse/client=sofy::client+reuse/' >>"$results"
  "$poll_bin" --url "$url" --ca-file "$tmp/ca.pem" --mode http --duration "$DURATION" | sed 's/^mode=http/client=http::client+decode/' >>"$results"

  # wrk: requests from its summary, CPU of the whole process (one connection, one thread).
  wrk_out=$("$py" "$here/rusage.py" wrk -c1 -t1 -d"${DURATION}s" "$url/scheduler-microservice/scheduled-runs/0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90/status/123456" 2>"$tmp/wrk.ru")
  wrk_n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$wrk_out")
  echo "client=wrk requests=$wrk_n $(cat "$tmp/wrk.ru")" >>"$results"

  "$py" "$here/peer_aiohttp.py" "$url" "$tmp/ca.pem" "$DURATION" | sed 's/^mode=/client=/' >>"$results"
  "$py" "$here/peer_requests.py" "$url" "$tmp/ca.pem" "$DURATION" | sed 's/^mode=/client=/' >>"$results"

  # The cron-script way: one curl process (and one TLS handshake) per request, body to jq-less
  # /dev/null; CPU of the loop's shell and every curl.
  "$py" "$here/rusage.py" bash -c "for i in \$(seq $CURL_REQUESTS); do curl -s --noproxy '*' --cacert '$tmp/ca.pem' -H 'x-sofy-auth-key: 6F9619FF-8B86-D011-B42D-00C04FC964FF' -o /dev/null '$url/s' || exit 1; done" 2>"$tmp/curl.ru"
  echo "client=curl-loop requests=$CURL_REQUESTS $(cat "$tmp/curl.ru")" >>"$results"

  "$py" "$here/report.py" poll "$results"
  kill "$(cat "$tmp/nginx.pid")"; rm -f "$tmp/nginx.pid"
fi

# --- 2. notifier scale ---------------------------------------------------------------------
if ! skip notifier && [ -x "$build/notifier/sofy-notifier" ] && [ -x "$build/sim/sofy-sim" ]; then
  echo
  echo "2. notifier scale: $SCHEDULES schedules at 10s against sofy-sim over TLS, ${NOTIFIER_SECONDS}s" \
       "(each run finishes 30s in: one run_finished webhook per schedule)"
  "$py" "$here/notifier_scale.py" scenario "$SCHEDULES" 30 "$tmp/scale.yaml"
  "$build/sim/sofy-sim" --scenario "$tmp/scale.yaml" --tls-cert "$tmp/server.pem" \
    --tls-key "$tmp/server.key" --port-file "$tmp/sim.port" >/dev/null 2>"$tmp/sim.log" &
  sim_pid=$!; pids+=("$sim_pid")
  for _ in $(seq 600); do [ -s "$tmp/sim.port" ] && break; sleep 0.1; done
  sim_port=$(cat "$tmp/sim.port")
  "$py" "$here/notifier_scale.py" config "$SCHEDULES" "$sim_port" "$tmp/ca.pem" "$tmp/state.db" 10s "$tmp/notifier.yaml"
  "$build/notifier/sofy-notifier" run --config "$tmp/notifier.yaml" >"$tmp/notifier.out" 2>"$tmp/notifier.log" &
  notifier_pid=$!; pids+=("$notifier_pid")
  ticks=$(getconf CLK_TCK)
  cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
  rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
  sim_counts() { curl -s --noproxy '*' --cacert "$tmp/ca.pem" "https://127.0.0.1:$sim_port/_sim/requests?since=999999999" |
                 "$py" -c 'import json,sys; c=json.load(sys.stdin)["counts"]; print(c.get("status",0), c.get("run_groups",0))'; }
  hook_count() { curl -s --noproxy '*' --cacert "$tmp/ca.pem" "https://127.0.0.1:$sim_port/_sim/hooks" |
                 "$py" -c 'import json,sys; print(sum(h["count"] for h in json.load(sys.stdin)["hooks"]))'; }
  # The first 10 s hold the start-up and the first round of polls (baselines); the steady
  # state is measured from then on.
  sleep 10
  kill -0 "$notifier_pid" || { echo "sofy-notifier exited:"; cat "$tmp/notifier.log"; exit 1; }
  c0=$(cpu_ticks "$notifier_pid"); read -r st0 rg0 < <(sim_counts); t0=$(date +%s%N)
  peak=0
  end=$(( $(date +%s) + NOTIFIER_SECONDS - 10 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    r=$(rss_kb "$notifier_pid"); [ "$r" -gt "$peak" ] && peak=$r
    sleep 1
  done
  c1=$(cpu_ticks "$notifier_pid"); read -r st1 rg1 < <(sim_counts); t1=$(date +%s%N)
  hooks=$(hook_count)
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$notifier_pid/status")
  kill -TERM "$notifier_pid"; wait "$notifier_pid" || true
  kill -TERM "$sim_pid"; wait "$sim_pid" || true
  "$py" - "$c0" "$c1" "$ticks" "$t0" "$t1" "$st0" "$st1" "$rg0" "$rg1" "$peak" "$hwm" "$hooks" "$SCHEDULES" <<'PY'
import sys
c0, c1, tck, t0, t1, st0, st1, rg0, rg1, peak, hwm, hooks, n = map(int, sys.argv[1:])
wall = (t1 - t0) / 1e9
share = (c1 - c0) / tck / wall
polls = (st1 - st0 + rg1 - rg0) / wall
print(f"  steady state over {wall:.0f}s: {share * 100:.1f}% of one core, {polls:.0f} requests/s to the sim"
      f" ({(st1 - st0) / wall:.0f} status, {(rg1 - rg0) / wall:.0f} run-group lists), "
      f"{(c1 - c0) / tck * 1e6 / max(1, st1 - st0 + rg1 - rg0):.0f} µs CPU per request")
print(f"  RSS: {peak / 1024:.1f} MB peak sampled, {hwm / 1024:.1f} MB high-water mark; webhooks delivered: {hooks} of {n}")
print(f"  {'PASS' if share < 0.25 else 'MISS'}  CPU < 25% of one core")
print(f"  {'PASS' if hwm < 100 * 1024 else 'MISS'}  RSS < 100 MB")
PY
fi

# --- 3. compile time -----------------------------------------------------------------------
if ! skip compile; then
  echo
  echo "3. compile time: the build's own commands for bench/compile/*.cpp, best of 3"
  cmds=$(ninja -C "$build" -t commands sofy_bench_compile)
  base_cmd=$(grep -F 'compile/baseline.cpp' <<<"$cmds" | tail -1)
  sofy_cmd=$(grep -F 'compile/with_sofy.cpp' <<<"$cmds" | tail -1)
  best() {  # best wall time of 3 runs of a command, in seconds
    local b="" t0 t1 t
    for _ in 1 2 3; do
      t0=$(date +%s%N); (cd "$build" && eval "$1") >/dev/null; t1=$(date +%s%N)
      t=$(( (t1 - t0) / 1000000 ))
      if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    done
    echo "$b"
  }
  b=$(best "$base_cmd"); w=$(best "$sofy_cmd")
  "$py" - "$b" "$w" <<'PY'
import sys
b, w = int(sys.argv[1]) / 1000, int(sys.argv[2]) / 1000
print(f"  Asio + SSL + Boost.JSON alone       {b:6.2f} s")
print(f"  the same + <sofy/sofy.hpp> + a call {w:6.2f} s")
print(f"  {'PASS' if w / b < 1.3 else 'MISS'}  ratio < 1.3                       ({w / b:.2f}x)")
PY
fi
