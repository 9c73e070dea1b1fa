#!/usr/bin/env python3
"""Runs a command and prints its wall time and the CPU time (user + system) of it and every
descendant it waited for, as `wall_s=... cpu_us=...` on stderr; the command's stdout passes
through. Usage: rusage.py CMD [ARGS...]"""
import os
import sys
import time

t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
print(f"wall_s={wall:.3f} cpu_us={(ru.ru_utime + ru.ru_stime) * 1e6:.0f}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
