#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""firstpage.py — the rendering benchmark's HTTP measurements, with curl.

  firstpage.py upload URL MEETING SESSION PDF [--tag TEXT]
      Waits until the server's render counters are still (nothing left from
      its start), uploads PDF (a copy with TEXT appended as a PDF comment
      after %%EOF, so its content and SHA-256 are new and nothing is
      cached), then polls GET /api/docs/<doc>/pages/1.png?w=1024 until 200.
      Prints one JSON line: doc, upload_ms (the POST, curl's time_total),
      first_page_ms (end of the upload's response to the end of the first
      200), polls, pages.

  firstpage.py cached URL SESSION DOC [-n 200]
      GETs page 1 at 1024 px once (to have it cached), waits until the
      server's render counters are still, then GETs it N more times on
      one keep-alive connection (one curl, N URLs) and prints curl's
      time_starttransfer of each: median, p90, max in ms. Loopback round
      trip included.

Timing: each curl reports its transfer's own times. The time from the end
of the upload to the end of the poll is taken as
  (start_2 + total_2) - (start_1 + total_1),
where start_k is when the k-th curl was started: curl's start-up before its
clock starts appears in both terms and cancels out, to within its jitter
(about a millisecond). Every curl has --max-time; polling stops after 30 s.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

POLL_LIMIT_S = 30
POLL_GAP_S = 0.005


def curl(args, timeout=60):
    """Runs curl; returns (monotonic start, stdout)."""
    t = time.monotonic()
    out = subprocess.run(["curl", "-sS", "--max-time", str(timeout)] + args,
                         check=True, capture_output=True, text=True,
                         timeout=timeout + 5).stdout
    return t, out


def wait_idle(url, limit=15.0):
    """Until plenum_renders_total has not moved for 0.5 s (bounded)."""
    end = time.monotonic() + limit
    last = None
    while time.monotonic() < end:
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
            m = re.search(r"^plenum_renders_total (\d+)", r.read().decode(), re.M)
        now = m.group(1) if m else None
        if now is not None and now == last:
            return
        last = now
        time.sleep(0.5)


def upload(url, meeting, session, pdf, tag):
    wait_idle(url)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench-100-pages.pdf")
        with open(pdf, "rb") as f:
            data = f.read()
        # PDF 32000-1 §7.2.3: a comment after %%EOF is ignored by readers;
        # it changes the file's bytes, not its offsets.
        data += ("\n%% plenum-bench %s %d\n" % (tag, time.time_ns())).encode()
        with open(path, "wb") as f:
            f.write(data)
        # No "Expect: 100-continue": curl would wait 1 s for a 100 that the
        # server does not send (RFC 9110 §10.1.1), and browsers never ask.
        t1, out = curl(["-f", "-H", "Expect:", "-b", "plenum_session=" + session,
                        "-F", "file=@%s;type=application/pdf" % path,
                        "-w", "\n%{time_total}",
                        "%s/api/meetings/%s/documents" % (url, meeting)], timeout=60)
    body, total1 = out.rsplit("\n", 1)
    end1 = t1 + float(total1)
    doc = json.loads(body)
    page_url = "%s/api/docs/%s/pages/1.png?w=1024" % (url, doc["doc"])
    polls = 0
    while True:
        polls += 1
        t2, out = curl(["-o", "/dev/null", "-b", "plenum_session=" + session,
                        "-w", "%{http_code} %{time_total} %{size_download}", page_url],
                       timeout=30)
        code, total2, size = out.split()
        if code == "200":
            break
        if time.monotonic() - end1 > POLL_LIMIT_S:
            raise SystemExit("page 1 was not servable within %d s (last HTTP %s)"
                             % (POLL_LIMIT_S, code))
        time.sleep(POLL_GAP_S)
    end2 = t2 + float(total2)
    print(json.dumps({"doc": doc["doc"], "upload_ms": round(float(total1) * 1000, 1),
                      "first_page_ms": round((end2 - end1) * 1000, 1),
                      "polls": polls, "pages": doc["pages"], "png_bytes": int(size)}))


def cached(url, session, doc, n):
    page_url = "%s/api/docs/%s/pages/1.png?w=1024" % (url, doc)
    wait_idle(url, 60)
    curl(["-f", "-o", "/dev/null", "-b", "plenum_session=" + session, page_url])
    wait_idle(url, 60)
    with tempfile.NamedTemporaryFile("w", suffix=".curlrc") as cfg:
        for _ in range(n):
            cfg.write('url = "%s"\noutput = "/dev/null"\n' % page_url)
        cfg.flush()
        _, out = curl(["-f", "-b", "plenum_session=" + session, "-K", cfg.name,
                       "-w", "%{time_starttransfer} %{num_connects}\n"], timeout=120)
    rows = [line.split() for line in out.splitlines() if line.strip()]
    ms = sorted(float(r[0]) * 1000 for r in rows)
    if len(ms) != n:
        raise SystemExit("%d of %d cached GETs answered" % (len(ms), n))
    print(json.dumps({"n": n, "median_ms": round(statistics.median(ms), 3),
                      "p90_ms": round(ms[int(0.9 * (n - 1))], 3),
                      "max_ms": round(ms[-1], 3),
                      "connects": sum(int(r[1]) for r in rows)}))


def main(argv):
    if len(argv) >= 5 and argv[0] == "upload":
        tag = argv[argv.index("--tag") + 1] if "--tag" in argv else "run"
        return upload(argv[1], argv[2], argv[3], argv[4], tag)
    if len(argv) >= 4 and argv[0] == "cached":
        n = int(argv[argv.index("-n") + 1]) if "-n" in argv else 200
        return cached(argv[1], argv[2], argv[3], n)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
