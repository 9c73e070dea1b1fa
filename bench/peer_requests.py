#!/usr/bin/env python3
"""Peer: Python requests, one Session (keep-alive), sequential, each body parsed with json.
Usage: peer_requests.py URL CA_FILE SECONDS. Prints the same key=value line as status_poll."""
import resource
import sys
import time

import requests


def cpu_us():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def main(url, ca_file, seconds):
    s = requests.Session()
    s.trust_env = False  # loopback only, whatever proxies the environment names
    s.verify = ca_file
    s.headers["x-sofy-auth-key"] = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    target = url + "/scheduler-microservice/scheduled-runs/0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90/status/123456"

    def one():
        r = s.get(target)
        r.raise_for_status()
        assert len(r.json()["data"]) == 50

    one()
    n, c0, t0 = 0, cpu_us(), time.monotonic()
    end = t0 + seconds
    while time.monotonic() < end:
        one()
        n += 1
    print(f"mode=requests requests={n} wall_s={time.monotonic() - t0:.3f} cpu_us={cpu_us() - c0:.0f}")


main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
