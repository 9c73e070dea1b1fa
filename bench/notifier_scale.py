#!/usr/bin/env python3
"""Writes the notifier-scale inputs: a sofy-sim scenario with N schedules, each with one run
group whose three tests run for RUN_SECONDS and then finish (so every schedule produces one
run_finished event mid-benchmark), and the matching sofy-notifier config.
  notifier_scale.py scenario N RUN_SECONDS OUT
  notifier_scale.py config N SIM_PORT CA_FILE STATE_FILE INTERVAL OUT"""
import sys

AUTH = "6F9619FF-8B86-D011-B42D-00C04FC964FF"


def guid(i):
    return f"{i:08X}-B00C-4E8A-9F6B-2D7A1C3E5F90"


def scenario(n, run_seconds, out):
    with open(out, "w") as f:
        f.write(f"auth_key: {AUTH}\nlimits: {{request_log: 1000, hook_log: 100}}\n"
                "hooks: [{name: bench, style: webhook}]\nschedules:\n")
        for i in range(n):
            f.write(f"  - guid: {guid(i)}\n    name: Schedule {i}\n")
            if i == 0:
                f.write("    tests: &tests\n"
                        f"      - {{scenario: Login, device: Pixel 7, timeline: [{{status: Running, for: {run_seconds}s}}, Passed]}}\n"
                        f"      - {{scenario: Checkout, device: iPad 7th Gen, timeline: [{{status: Running, for: {run_seconds}s}}, Passed]}}\n"
                        f"      - {{scenario: Search, device: Galaxy S23, timeline: [{{status: Running, for: {run_seconds}s}}, Failed]}}\n")
            else:
                f.write("    tests: *tests\n")
            f.write(f"    groups: [{{id: \"{100000 + i}\", executed_at: -1m}}]\n")


def config(n, port, ca, state, interval, out):
    with open(out, "w") as f:
        f.write(f"sofy:\n  base_url: https://127.0.0.1:{port}\n  auth_key: {AUTH}\n"
                f"tls:\n  ca_file: {ca}\npoll_interval: {interval}\nstate_file: {state}\nlog_level: warn\n"
                "schedules:\n")
        for i in range(n):
            f.write(f"  - {{name: Schedule {i}, guid: {guid(i)}}}\n")
        f.write(f"webhooks:\n  - {{name: bench, type: webhook, url: https://127.0.0.1:{port}/hooks/bench, "
                "notify_on: [run_finished]}\n")


if sys.argv[1] == "scenario":
    scenario(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
else:
    config(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
