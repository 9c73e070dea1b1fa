#!/usr/bin/env python3
"""Peer: Python aiohttp, one session (one keep-alive connection), sequential awaits, each body
parsed with json. Usage: peer_aiohttp.py URL CA_FILE SECONDS. Prints the same key=value line
as status_poll (CPU and requests counted after the first request, which opens the connection)."""
import asyncio
import json
import resource
import ssl
import sys
import time

import aiohttp


def cpu_us():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


async def main(url, ca_file, seconds):
    ctx = ssl.create_default_context(cafile=ca_file)
    conn = aiohttp.TCPConnector(ssl=ctx, limit=1)
    target = url + "/scheduler-microservice/scheduled-runs/0B6EF3F2-4C1D-4E8A-9F6B-2D7A1C3E5F90/status/123456"
    headers = {"x-sofy-auth-key": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}
    async with aiohttp.ClientSession(connector=conn, trust_env=False) as s:
        async def one():
            async with s.get(target, headers=headers) as r:
                r.raise_for_status()
                doc = json.loads(await r.read())
                assert len(doc["data"]) == 50
        await one()
        n, c0, t0 = 0, cpu_us(), time.monotonic()
        end = t0 + seconds
        while time.monotonic() < end:
            await one()
            n += 1
        print(f"mode=aiohttp requests={n} wall_s={time.monotonic() - t0:.3f} cpu_us={cpu_us() - c0:.0f}")


asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
