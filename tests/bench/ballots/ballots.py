#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""ballots.py — the ballot benchmark's preparation and bookkeeping, for
run.sh and smoke.sh (standard library only).

  ballots.py members PLENUM DATA N OUT
      a meeting in DATA (`plenum meeting create`, then `plenum meeting
      open`) with N members (`plenum participant add`, a few at a time);
      writes OUT/meeting.json {meeting, chair_token} and OUT/tokens.txt
      (one personal token a line)
  ballots.py join BASE TOKENS OUT
      POST /api/join for each token of TOKENS (which checks the member in)
      against the server at BASE; writes the sessions to OUT, one a line
  ballots.py chair BASE OUT
      the chair's session (from OUT/meeting.json) to stdout
  ballots.py check CAST CLOSE [EXTRA-JSON]
      compares the tool's cast report with the `poll.closed` counts after
      the kill and restart; prints the merged JSON line with "durable"
      (true when every acknowledged ballot is counted and nothing else);
      exits 1 when not durable or the run failed
  ballots.py table RESULTS
      the markdown table of a JSON-lines file of merged runs
  ballots.py fsync DIR
      what fsync costs on DIR's disk: 200 appends of 4 KiB, each fsynced

Every wait is bounded; every address is loopback.
"""

import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse


def cli(plenum, *args):
    p = subprocess.run([plenum, *args, "--json"], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        sys.exit(f"ballots.py: `plenum {' '.join(args)}` failed: {p.stderr.strip()}")
    return json.loads(p.stdout)


def token_of(url):
    return url.rsplit("/j/", 1)[1]


def members(plenum, data, n, out):
    m = cli(plenum, "meeting", "create", "--data", data,
            "--title", "Ballot benchmark", "--agenda", "Votes")
    cli_plain = subprocess.run([plenum, "meeting", "open", "--data", data,
                                "--meeting", m["meeting"]],
                               capture_output=True, text=True, timeout=60)
    if cli_plain.returncode != 0:
        sys.exit(f"ballots.py: `plenum meeting open` failed: {cli_plain.stderr.strip()}")

    def add(i):
        p = cli(plenum, "participant", "add", "--data", data, "--meeting", m["meeting"],
                "--name", f"Voter {i:05d}")
        return token_of(p["url"])

    workers = max(2, 2 * (os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        tokens = list(pool.map(add, range(1, n + 1)))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "meeting.json"), "w") as f:
        json.dump({"meeting": m["meeting"], "chair_token": token_of(m["chair_url"])}, f)
    with open(os.path.join(out, "tokens.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def post_join(base, token):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("POST", "/api/join", body=json.dumps({"token": token}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit(f"ballots.py: POST /api/join answered {r.status}: {body[:200]!r}")
        return json.loads(body)["session"]
    finally:
        conn.close()


def join(base, tokens_file, out):
    with open(tokens_file) as f:
        tokens = [t.strip() for t in f if t.strip()]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        sessions = list(pool.map(lambda t: post_join(base, t), tokens))
    with open(out, "w") as f:
        f.write("\n".join(sessions) + "\n")


def chair(base, out):
    with open(os.path.join(out, "meeting.json")) as f:
        print(post_join(base, json.load(f)["chair_token"]))


def check(cast_file, close_file, extra=None):
    def load(path):
        try:
            with open(path) as f:
                lines = [l for l in f if l.strip()]
            return json.loads(lines[-1]) if lines else {}
        except (OSError, ValueError):
            return {}
    cast, close = load(cast_file), load(close_file)
    row = dict(cast)
    row.update(json.loads(extra) if extra else {})
    row["closed_counts"] = close.get("counts")
    row["closed_cast"] = close.get("cast")
    durable = (bool(close.get("ok")) and close.get("counts") == cast.get("counts")
               and close.get("cast") == cast.get("acked"))
    row["durable"] = durable
    if not close.get("ok"):
        row["close_error"] = close.get("error", "no report from the close")
    print(json.dumps(row, separators=(",", ":")))
    return 0 if durable and cast.get("ok") else 1


def table(results):
    with open(results) as f:
        rows = [json.loads(l) for l in f if l.strip()]

    def ms(v):
        return f"{v:.1f}" if isinstance(v, (int, float)) else "—"
    print("| ballot batch | sending | voters | p50 ms | p99 ms | max ms | ballots/s "
          "| acked | counted after SIGKILL | server CPU/ballot | load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        lat = r.get("latency_ms", {})
        spread = r.get("spread_ms")
        sending = "all at once" if spread == 0 else f"over {spread / 1000:g} s"
        counted = "—" if r.get("closed_cast") is None else str(r["closed_cast"])
        counted += "" if r.get("durable") else " (**not durable**)"
        cpu = r.get("server_cpu_us_per_ballot")
        cpu = f"{cpu:.0f} µs" if isinstance(cpu, (int, float)) else "—"
        acked = str(r.get("acked", "—"))
        if not r.get("ok"):
            acked += f" (failed: {r.get('error', '?')})"
        rate = r.get("ballots_per_s")
        rate = f"{rate:.0f}" if isinstance(rate, (int, float)) else "—"
        print(f"| {r.get('batch', '?')} | {sending} | {r.get('n', '?')} | {ms(lat.get('p50'))} "
              f"| {ms(lat.get('p99'))} | {ms(lat.get('max'))} | {rate} | {acked} | {counted} "
              f"| {cpu} | {r.get('load1', '—')} |")


def fsync_cost(directory):
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        for _ in range(200):
            os.write(fd, b"\0" * 4096)
            t = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    print(f"fsync of a 4 KiB append: p50 {times[100]:.2f} ms, p99 {times[197]:.2f} ms")


def main(argv):
    if len(argv) >= 5 and argv[0] == "members":
        members(argv[1], argv[2], int(argv[3]), argv[4])
    elif len(argv) == 4 and argv[0] == "join":
        join(argv[1], argv[2], argv[3])
    elif len(argv) == 3 and argv[0] == "chair":
        chair(argv[1], argv[2])
    elif len(argv) in (3, 4) and argv[0] == "check":
        return check(*argv[1:])
    elif len(argv) == 2 and argv[0] == "table":
        table(argv[1])
    elif len(argv) == 2 and argv[0] == "fsync":
        fsync_cost(argv[1])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
