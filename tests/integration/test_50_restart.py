# SPDX-License-Identifier: AGPL-3.0-or-later
"""What survives a restart: the presented page, the event log and its seq,
sessions, documents and guests."""

import base64
import os
import socket
import time

from conftest import MEMBERS, PDF_4_PAGES, member_url, prepare_standard
from helpers import close_all, connect, get, join, run


def test_restart_keeps_page_seq_and_sessions(server_factory):
    srv = server_factory(lambda s: prepare_standard(s, guests=True))
    m = srv.ctx
    d = m["docs"][PDF_4_PAGES]["doc"]
    chair = join(srv.url, m["chair_url"])
    mem = join(srv.url, member_url(m))
    guest = join(srv.url, m["join_url"], name="Khách Mời")

    async def before():
        cc, _ = await connect(srv.url, chair["session"], label="chair")
        mc, _ = await connect(srv.url, mem["session"], label="member")
        await cc.ok("present", doc=d, page=2)
        r = await cc.ok("present", doc=d, page=3)
        await mc.wait_for(lambda e: e.get("seq") == r["seq"], "the page-3 event")
        log = [e for e in mc.events()]
        await close_all([cc, mc])
        return r["seq"], log
    seq, log = run(before())
    etag = get(srv.url, f"/api/docs/{d}/pages/3.png?w=320",
               session=mem["session"]).header("ETag")

    srv.restart()

    async def after():
        # The old sessions still work, by cookie and by query.
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        mc, mh = await connect(srv.url, mem["session"], via="query", label="member")
        gc, gh = await connect(srv.url, guest["session"], label="guest")
        for h in (ch, mh, gh):
            assert h["seq"] == seq, f"seq after restart {h['seq']}, before {seq}"
            assert h["state"]["presented"] == {"doc": d, "page": 3,
                                               "by": chair["participant"]}, h["state"]
        assert gh["you"]["participant"] == guest["participant"], gh["you"]
        assert gh["you"]["role"] == "guest", gh["you"]
        assert guest["participant"] in [p["id"] for p in ch["state"]["participants"]]
        assert d in [x["id"] for x in ch["state"]["documents"]], ch["state"]
        # The log is intact: catching up from before the restart replays it.
        sc, sh = await connect(srv.url, mem["session"], label="since",
                               since=log[0]["seq"] - 1)
        assert sh["events"] == log, f"log before restart:\n{log}\nreplayed:\n{sh['events']}"
        # The next event follows without a gap.
        r = await cc.ok("present", doc=d, page=4)
        assert r["seq"] == seq + 1, f"first seq after restart {r['seq']}, expected {seq + 1}"
        for c in (mc, gc, sc):
            e = await c.wait_for(lambda x: x.get("seq") == seq + 1, "the first new event")
            assert e["type"] == "presented" and e["page"] == 4, e
        await close_all([cc, mc, gc, sc])
    run(after())

    r = get(srv.url, f"/api/docs/{d}/pages/3.png?w=320", session=mem["session"])
    assert r.status == 200, r
    assert r.header("ETag") == etag, "the page's ETag changed across a restart"


def test_restart_twice_keeps_counting(server_factory):
    srv = server_factory(prepare_standard)
    m = srv.ctx
    d = m["docs"][PDF_4_PAGES]["doc"]
    chair = join(srv.url, m["chair_url"])["session"]
    seqs = []
    for page in (1, 2, 3):
        async def step(page=page):
            c, _ = await connect(srv.url, chair)
            r = await c.ok("present", doc=d, page=page)
            await c.close()
            return r["seq"]
        seqs.append(run(step()))
        srv.restart()
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2], seqs

    async def final():
        c, h = await connect(srv.url, chair)
        await c.close()
        return h
    h = run(final())
    assert h["seq"] == seqs[-1] and h["state"]["presented"]["page"] == 3, h


def test_sigterm_stops_the_server_promptly(server_factory):
    srv = server_factory(prepare_standard)
    mem = join(srv.url, member_url(srv.ctx, MEMBERS[1][0]))
    # A client still connected (an upgraded WebSocket, idle) and one that sent
    # half a request must not keep the server alive.
    ws = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    ws.sendall((f"GET /ws?session={mem['session']} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{srv.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: plenum.v1\r\n"
                f"\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = ws.recv(4096)
        assert chunk, f"connection closed during the upgrade: {head!r}"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    half = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    try:
        t0 = time.monotonic()
        srv.stop()
        took = time.monotonic() - t0
        assert not srv.stop_problems, srv.stop_problems
        assert took < 5.0, f"SIGTERM took {took:.1f} s"
    finally:
        ws.close()
        half.close()
