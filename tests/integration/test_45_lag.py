# SPDX-License-Identifier: AGPL-3.0-or-later
"""A client that stops reading must not hold the meeting back: once it is a
whole ring (512 messages) behind, the server closes it with 1008, everyone
else keeps every event, and the laggard comes back with hello + since."""

import base64
import json
import os
import socket
import time
import urllib.parse
import urllib.request

import pytest

from conftest import PDF_4_PAGES, member_url, module_server, prepare_standard
from helpers import close_all, connect, join, run

PRESENTS = 2500


def prepare(server):
    return prepare_standard(server, title="Họp dài")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


def parse_frames(data):
    """Server frames (unmasked) → (text messages, close code or None, the
    bytes of an unfinished last frame). Every frame must be whole and
    well-formed: a frame cut short by the server and finished wrongly
    would show here as garbage."""
    i, code, texts = 0, None, []
    while i + 2 <= len(data):
        fin, op, n = data[i] & 0x80, data[i] & 0x0F, data[i + 1] & 0x7F
        assert not data[i + 1] & 0x80, "a server frame must not be masked"
        j = i + 2
        if n == 126:
            n, j = int.from_bytes(data[j:j + 2], "big"), j + 2
        elif n == 127:
            n, j = int.from_bytes(data[j:j + 8], "big"), j + 8
        if j + n > len(data):
            break
        assert op in (0x1, 0x8, 0x9, 0xA), f"unexpected opcode {op} at byte {i}"
        if op == 0x1:
            assert fin, "an event must come in one frame"
            texts.append(json.loads(data[j:j + n].decode()))
        if op == 0x8 and n >= 2:
            code = int.from_bytes(data[j:j + 2], "big")
        i = j + n
    return texts, code, data[i:]


class StalledClient:
    """A WebSocket client that says hello and then never reads, with a tiny
    receive buffer so that the server's writes back up quickly."""

    def __init__(self, base, session):
        u = urllib.parse.urlsplit(base)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.sock.connect((u.hostname, u.port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET /ws?session={session} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: plenum.v1\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "the server closed the upgrade"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head
        self.send_text('{"id":1,"type":"hello"}')

    def send_text(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert len(payload) < 126
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def drain_until_closed(self, timeout):
        """Reads everything until the server ends the connection. Returns
        (ended, close code or None: a socket too full for the close frame is
        simply dropped, the text messages)."""
        self.sock.settimeout(timeout)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
        # Walk the frames (server frames are unmasked).
        ended = time.monotonic() < deadline
        texts, code, rest = parse_frames(data)
        assert code is not None or not rest or len(rest) < 10, \
            "bytes after the last whole frame that do not start a frame"
        return ended, code, texts

    def close(self):
        self.sock.close()


def test_a_stalled_client_is_closed_and_others_get_everything(srv):
    m = srv.ctx
    doc = m["docs"][PDF_4_PAGES]["doc"]
    member = join(srv.url, member_url(m))["session"]
    chair = join(srv.url, m["chair_url"])["session"]
    stalled = StalledClient(srv.url, member)

    async def go():
        c, _ = await connect(srv.url, chair, label="chair")
        watcher, hello = await connect(srv.url, member, label="watcher")
        start = hello["seq"]
        # Pipeline the presents in batches so that the test stays quick.
        for batch in range(0, PRESENTS, 100):
            ids = []
            for k in range(batch, min(batch + 100, PRESENTS)):
                i = c.new_id()
                ids.append(i)
                await c.send({"id": i, "type": "present", "doc": doc, "page": k % 4 + 1})
            await c.wait_for(lambda r, last=ids[-1]: r.get("re") == last,
                             f"reply to present {ids[-1]}", timeout=60)
        got = await watcher.wait_count(lambda e: e.get("type") == "presented"
                                       and e["seq"] > start,
                                       PRESENTS, "presented events", timeout=60)
        seqs = [e["seq"] for e in got]
        assert seqs == list(range(start + 1, start + PRESENTS + 1)), \
            "the reading client missed or reordered events while another lagged"
        await close_all([c, watcher])
        return start

    start = run(go(), timeout=180)
    ended, code, texts = stalled.drain_until_closed(timeout=15)
    stalled.close()
    assert ended, "the server kept a stalled client open; log:\n" + srv.log_tail(20)
    assert code in (1008, None), f"the stalled client should be closed with 1008, got {code}"
    # What it did get is whole: the hello reply and events in order.
    assert any(t.get("re") == 1 for t in texts), texts[:3]
    seqs = [t["seq"] for t in texts if t.get("type") == "presented"]
    assert seqs and seqs == list(range(seqs[0], seqs[0] + len(seqs))), \
        "the stalled client's events have gaps or are out of order"

    async def resume():
        again, reply = await connect(srv.url, member, label="returning", since=start)
        # Too far behind for the events: the whole state instead.
        assert "state" in reply and reply["seq"] >= start + PRESENTS, reply.keys()
        assert reply["state"]["presented"]["page"] == (PRESENTS - 1) % 4 + 1
        await close_all([again])

    run(resume())
    assert srv.running, "the server must survive a stalled client"


def test_a_slow_reader_gets_every_event_whole(srv):
    """A phone on a poor network: a tiny receive buffer, read a little at a
    time. The server's socket fills, sends stop short (nothing, or part of a
    frame) and go on later; every event must arrive whole and in order."""
    m = srv.ctx
    doc = m["docs"][PDF_4_PAGES]["doc"]
    member = join(srv.url, member_url(m))["session"]
    chair = join(srv.url, m["chair_url"])["session"]
    slow = StalledClient(srv.url, member)
    count = 450
    deferred = metric(srv, "plenum_sends_deferred_total")

    async def go():
        c, hello = await connect(srv.url, chair, label="chair")
        ids = []
        for k in range(count):
            i = c.new_id()
            ids.append(i)
            await c.send({"id": i, "type": "present", "doc": doc, "page": k % 4 + 1})
        await c.wait_for(lambda r: r.get("re") == ids[-1], "the last reply", timeout=60)
        await close_all([c])
        return hello["seq"]

    start = run(go(), timeout=120)
    slow.sock.settimeout(0.2)
    data, deadline = b"", time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            chunk = slow.sock.recv(700)
        except socket.timeout:
            texts, _, _ = parse_frames(data)
            if len([t for t in texts if t.get("type") == "presented"]) >= count:
                break
            continue
        assert chunk, "the server closed a client that was reading"
        data += chunk
        time.sleep(0.001)
    slow.close()
    texts, code, rest = parse_frames(data)
    assert code is None and not rest
    seqs = [t["seq"] for t in texts if t.get("type") == "presented"]
    assert seqs == list(range(start + 1, start + count + 1)), \
        f"the slow reader got {len(seqs)} of {count} events, or out of order"
    assert metric(srv, "plenum_sends_deferred_total") > deferred, \
        "the slow reader's socket never filled: the test did not test anything"
    assert srv.running


def metric(srv, name):
    text = urllib.request.urlopen(srv.url + "/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")
