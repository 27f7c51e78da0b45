#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""latency.py — the kiosk benchmark's chair: presents pages and measures how
long each takes to reach the kiosk's screen.

For each page change it takes t0 = CLOCK_MONOTONIC right before it sends
`present`, then waits for the kiosk's trace line (plenum-kiosk --trace)
for that page, whose t_ns is CLOCK_MONOTONIC right after SDL_RenderPresent()
returned with the page on the screen; the latency is the difference (both
clocks are the same clock: one machine). Lines are matched by the seq of
the present's reply and the page. It prints one JSON line:

  {"label", "mode", "n", "interval_ms", "p50", "p90", "p99", "max", "mean",
   "lost", "p50_parts": {"server", "wake", "ui", "present"}, "ms": [every
   latency, in order]}

p50_parts splits the time at the kiosk's own clock readings (trace line's
msg_ns, ui_ns, compose_ns): until the message reached the kiosk's net
thread (server and network), until its UI thread took it, the UI's work
until the frame was composed (drawing the page when it was not ready),
and composing and presenting the frame.

Modes: `next` presents the pages in order (each one the page after the one
on screen: the kiosk has drawn it ahead); `jump` presents pages in a fixed
pseudo-random order that never repeats one of the last eight shown nor
moves by one (so the page is not the one drawn ahead, and is drawn then —
unless it is still among the pages the kiosk keeps from earlier).

usage: latency.py --url BASE --chair-url URL --trace FILE --doc ID --pages N
                  --mode next|jump [--count 100] [--interval-ms 500]
                  [--label NAME] [--timeout 60]
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
import urllib.parse
import urllib.request

import websockets.client


def join(base, url):
    token = urllib.parse.urlsplit(url).path.rsplit("/j/", 1)[1]
    req = urllib.request.Request(base + "/api/join", data=json.dumps({"token": token}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["session"]


class Trace:
    """Follows the kiosk's trace file from its current end."""

    def __init__(self, path):
        self.f = open(path, "r")
        self.f.seek(0, os.SEEK_END)
        self.buf = ""

    def lines(self):
        self.buf += self.f.read()
        out = []
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            if line.strip():
                out.append(json.loads(line))
        return out

    async def wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t in self.lines():
                if pred(t):
                    return t
            await asyncio.sleep(0.001)
        return None


def plan(mode, pages, count, start):
    if mode == "next":
        # forward through the document, wrapping round at its end
        return [(start + i) % pages + 1 for i in range(1, count + 1)]
    rnd = random.Random(42)
    seq, recent = [], [start]
    while len(seq) < count:
        p = rnd.randint(1, pages)
        if p in recent[-8:] or abs(p - recent[-1]) <= 1:
            continue
        seq.append(p)
        recent.append(p)
    return seq


def pct(v, p):
    s = sorted(v)
    rank = max(1, min(len(s), int(p / 100.0 * len(s) + 0.999999)))
    return s[rank - 1]


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--chair-url", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--mode", choices=("next", "jump"), required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--interval-ms", type=int, default=500)
    ap.add_argument("--label", default="")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()

    session = join(a.url, a.chair_url)
    u = urllib.parse.urlsplit(a.url)
    ws = await websockets.client.connect(f"ws://{u.hostname}:{u.port}/ws",
                                         subprotocols=["plenum.v1"], compression=None,
                                         extra_headers={"Cookie": f"plenum_session={session}"},
                                         max_size=None, ping_interval=None)
    ids = iter(range(1, 1 << 30))

    async def request(type_, **fields):
        i = next(ids)
        await ws.send(json.dumps({"id": i, "type": type_, **fields}))
        while True:
            m = json.loads(await ws.recv())
            if m.get("re") == i:
                if not m.get("ok"):
                    raise SystemExit(f"latency.py: {type_} refused: {m}")
                return m

    trace = Trace(a.trace)
    await request("hello")

    def shown(seq, page):
        return lambda t: (t.get("shown") == "page" and t.get("doc") == a.doc
                          and t.get("page") == page and t.get("seq", 0) >= seq)

    # Warm up: the document downloaded and its first page on the screen
    # (after the idle screen: the kiosk writes a line only when what it
    # shows changes, and page 1 may be on the screen already).
    start = 1
    r = await request("present", doc=None)
    await trace.wait(lambda t: t.get("shown") == "idle" and t.get("seq", 0) >= r["seq"], a.timeout)
    r = await request("present", doc=a.doc, page=start)
    if not await trace.wait(shown(r["seq"], start), a.timeout * 4):
        raise SystemExit(f"latency.py: page {start} of {a.doc} never reached the screen")
    await asyncio.sleep(a.interval_ms / 1000)

    ms, lost = [], 0
    parts = {"server": [], "wake": [], "ui": [], "present": []}
    for page in plan(a.mode, a.pages, a.count, start):
        t0 = time.monotonic_ns()
        r = await request("present", doc=a.doc, page=page)
        t = await trace.wait(shown(r["seq"], page), a.timeout)
        if t is None:
            lost += 1
        else:
            ms.append((t["t_ns"] - t0) / 1e6)
            # where the time went: to the kiosk's net thread (the server and
            # the network), to its UI thread, the UI's work until the frame
            # is composed (drawing the page when it was not ready), showing it
            if t.get("msg_ns") and t.get("ui_ns") and t.get("compose_ns"):
                parts["server"].append((t["msg_ns"] - t0) / 1e6)
                parts["wake"].append((t["ui_ns"] - t["msg_ns"]) / 1e6)
                parts["ui"].append((t["compose_ns"] - t["ui_ns"]) / 1e6)
                parts["present"].append((t["t_ns"] - t["compose_ns"]) / 1e6)
        await asyncio.sleep(a.interval_ms / 1000)
    await ws.close()
    out = {"label": a.label, "mode": a.mode, "n": len(ms), "interval_ms": a.interval_ms,
           "lost": lost}
    if ms:
        out.update({"p50": pct(ms, 50), "p90": pct(ms, 90), "p99": pct(ms, 99),
                    "max": max(ms), "mean": sum(ms) / len(ms)})
        out["p50_parts"] = {k: round(pct(v, 50), 2) for k, v in parts.items() if v}
    out["ms"] = [round(x, 2) for x in ms]
    print(json.dumps(out))
    return 0 if not lost else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
