#!/usr/bin/env python3
"""Prints a status answer in the current shape (shared/API-NOTES.md) with N tests (default 50),
about 12 KB for 50: what the benchmark server serves to every client."""
import json
import sys

STATUSES = ["Passed", "Failed", "Running", "Incomplete", "Not Executed", "Run Stopped", "Queued"]
DEVICES = ["Pixel 7", "Pixel 8 Pro", "Samsung Galaxy S23 Ultra", "iPad 7th Gen", "iPhone 14 Pro Max"]


def body(n):
    data = []
    for i in range(n):
        data.append({
            "scheduledRunName": "Nightly regression",
            "testRunGroupId": "123456",
            "scenarioName": f"Checkout with saved card and coupon, step {i:02d}",
            "scheduledAt": f"2026-12-04T06:{i % 60:02d}:39.200Z",
            "build": "1.43.0.release-candidate(5768)",
            "device": DEVICES[i % len(DEVICES)],
            "status": STATUSES[i % len(STATUSES)],
        })
    return json.dumps({"data": data, "message": f"Fetched {n} record(s)."}, separators=(",", ":"))


if __name__ == "__main__":
    sys.stdout.write(body(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
