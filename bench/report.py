#!/usr/bin/env python3
"""Formats run.sh's key=value result lines as a table with ratios and checks the targets of
DESIGN.md ("Targets the design must allow"). Informational: always exits 0 when the input
is complete, 1 when a result line is missing."""
import sys


def read(path):
    rows = {}
    for line in open(path):
        kv = dict(f.split("=", 1) for f in line.split())
        if "client" in kv:
            rows[kv["client"]] = kv
    return rows


def poll(path):
    rows = read(path)
    order = ["sofy::client", "sofy::client+reuse", "http::client+decode", "wrk", "aiohttp", "requests", "curl-loop"]
    missing = [c for c in order if c not in rows]
    if missing:
        print("missing results: " + ", ".join(missing), file=sys.stderr)
        return 1
    calc = {}
    for c in order:
        r = rows[c]
        n = int(r["requests"])
        calc[c] = (n / float(r["wall_s"]), float(r["cpu_us"]) / n, r.get("allocs"))
    wrk_rps, wrk_cpu, _ = calc["wrk"]
    print(f"{'client':<22}{'req/s':>10}{'µs CPU/req':>12}{'x wrk req/s':>13}{'x wrk CPU':>11}{'allocs/req':>12}")
    for c in order:
        rps, cpu, allocs = calc[c]
        a = f"{int(allocs) / int(rows[c]['requests']):.1f}" if allocs else "-"
        print(f"{c:<22}{rps:>10.0f}{cpu:>12.1f}{rps / wrk_rps:>13.2f}{cpu / wrk_cpu:>11.2f}{a:>12}")
    rps, cpu, _ = calc["sofy::client"]
    checks = [
        (f"sofy::client req/s >= 0.8x wrk", rps / wrk_rps, rps >= 0.8 * wrk_rps),
        (f"sofy::client CPU/req <= 1.5x wrk", cpu / wrk_cpu, cpu <= 1.5 * wrk_cpu),
        (f"sofy::client req/s >= 5x aiohttp", rps / calc["aiohttp"][0], rps >= 5 * calc["aiohttp"][0]),
        (f"sofy::client req/s >= 100x curl loop", rps / calc["curl-loop"][0], rps >= 100 * calc["curl-loop"][0]),
    ]
    # The same targets for status() reusing the previous result (what wait() does), for information.
    rps_r, cpu_r, _ = calc["sofy::client+reuse"]
    checks += [
        (f"sofy::client+reuse req/s >= 0.8x wrk", rps_r / wrk_rps, rps_r >= 0.8 * wrk_rps),
        (f"sofy::client+reuse CPU/req <= 1.5x wrk", cpu_r / wrk_cpu, cpu_r <= 1.5 * wrk_cpu),
    ]
    print()
    for name, ratio, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name:<40} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit({"poll": poll}[sys.argv[1]](sys.argv[2]))
