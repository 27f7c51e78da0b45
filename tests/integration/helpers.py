# SPDX-License-Identifier: AGPL-3.0-or-later
"""Client-side helpers for the integration tests: plain HTTP, hand-built
multipart bodies, PNG headers and a WebSocket client that speaks plenum.v1.

Standard library and `websockets` only. Every wait is bounded and fails with a
message that says what was awaited and what arrived instead.
"""

import asyncio
import http.client
import json
import re
import struct
import urllib.parse

import websockets
import websockets.client
import websockets.exceptions

SUBPROTOCOL = "plenum.v1"
ID_RE = re.compile(r"^[a-z0-9]{12}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")

# Generous: the suite also runs against an AddressSanitizer build.
HTTP_TIMEOUT = 30.0
WS_TIMEOUT = 15.0


# --------------------------------------------------------------------- HTTP

class Response:
    """What came back from one HTTP request."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value), as sent
        self.body = body

    def header(self, name):
        """The first header called `name` (any case), or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError(
                f"expected a JSON body (status {self.status}), got {self.body[:300]!r}: {e}")

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<Response {self.status} {self.content_type} {self.body[:200]!r}>"


def request(base, method, path, body=None, headers=None, session=None,
            timeout=HTTP_TIMEOUT):
    """One HTTP request to the server at `base` (http://host:port).

    `session` is sent as the plenum_session cookie. Redirects are not
    followed. A dict or list `body` is sent as JSON."""
    u = urllib.parse.urlsplit(base)
    h = dict(headers or {})
    if session is not None:
        h["Cookie"] = f"plenum_session={session}"
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode("utf-8")
        h.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.getheaders(), data)
    finally:
        conn.close()


def post_tolerant(base, path, body, headers=None, session=None, timeout=HTTP_TIMEOUT):
    """POST a large body, still reading the reply when the server answers
    (and stops reading) before the body is all sent, as it may for 413."""
    u = urllib.parse.urlsplit(base)
    h = dict(headers or {})
    if session is not None:
        h["Cookie"] = f"plenum_session={session}"
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.putrequest("POST", path)
        for k, v in h.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        try:
            for i in range(0, len(body), 65536):
                conn.send(body[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def get(base, path, **kw):
    return request(base, "GET", path, **kw)


def post(base, path, body=None, **kw):
    return request(base, "POST", path, body=body, **kw)


def assert_error(resp, status, code=None):
    """`resp` is a JSON error with `status` (and `code`) and a message."""
    assert resp.status == status, f"expected {status}, got {resp!r}"
    j = resp.json()
    assert isinstance(j.get("error"), dict), f"no error object in {j}"
    if code is not None:
        assert j["error"].get("code") == code, f"expected error code {code!r}, got {j}"
    msg = j["error"].get("message")
    assert isinstance(msg, str) and msg.strip(), f"error without a message: {j}"
    return j["error"]


def token_of(token_or_url):
    """The token in `<public-url>/j/<token>`, or the argument itself."""
    if "/" in token_or_url:
        path = urllib.parse.urlsplit(token_or_url).path
        assert "/j/" in path, f"not a join URL: {token_or_url}"
        return path.rsplit("/j/", 1)[1].strip("/")
    return token_or_url


def join_raw(base, token_or_url, name=None, participant=None):
    body = {"token": token_of(token_or_url)}
    if name is not None:
        body["name"] = name
    if participant is not None:
        body["participant"] = participant
    return post(base, "/api/join", body)


def join(base, token_or_url, name=None, participant=None):
    """POST /api/join; returns the reply's JSON (session, meeting,
    participant, role, name), failing the test unless it is 200."""
    r = join_raw(base, token_or_url, name=name, participant=participant)
    assert r.status == 200, f"join with {token_or_url!r} name={name!r} " \
        f"participant={participant!r} failed: {r!r}"
    j = r.json()
    for k in ("session", "meeting", "participant", "role"):
        assert k in j, f"join reply lacks {k!r}: {j}"
    return j


# ---------------------------------------------------------------- multipart

def multipart(fields, boundary="----plenum-test-boundary-7MA4YWxkTrZu0gW"):
    """Build a multipart/form-data body by hand.

    `fields` is a list of (name, value) or (name, (filename, bytes,
    content_type)). Returns (body, content_type_header)."""
    out = bytearray()
    for name, value in fields:
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, data, ctype = value
            out += (f'Content-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\n').encode("utf-8")
            out += f"Content-Type: {ctype}\r\n\r\n".encode()
            out += data
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += value.encode("utf-8") if isinstance(value, str) else value
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def upload(base, meeting, session, filename, data, ctype="application/pdf",
           extra=None, via="cookie"):
    """POST a document to /api/meetings/<meeting>/documents."""
    fields = [("file", (filename, data, ctype))]
    for k, v in (extra or {}).items():
        fields.insert(0, (k, v))
    body, ct = multipart(fields)
    path = f"/api/meetings/{meeting}/documents"
    if via == "query" and session is not None:
        path += "?session=" + urllib.parse.quote(session)
        session = None
    return post_tolerant(base, path, body, headers={"Content-Type": ct}, session=session)


# ---------------------------------------------------------------------- PNG

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data):
    """(width, height) from a PNG's IHDR chunk; fails unless it is a PNG."""
    assert data[:8] == PNG_MAGIC, f"not a PNG: {data[:16]!r}"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, f"PNG without IHDR first: {data[8:16]!r}"
    return struct.unpack(">II", data[16:24])


# --------------------------------------------------------------- WebSocket

def ws_url(base, session=None):
    u = urllib.parse.urlsplit(base)
    url = f"ws://{u.hostname}:{u.port}/ws"
    if session is not None:
        url += "?session=" + urllib.parse.quote(session)
    return url


class WsClient:
    """One plenum.v1 connection.

    A reader task stores every message in `inbox` in arrival order. Requests
    get ids 1, 2, …; `request()` waits for the reply with that `re`.
    Events are messages with `seq`; notices have a `type` but neither `seq`
    nor `re`."""

    def __init__(self, ws, label):
        self.ws = ws
        self.label = label
        self.inbox = []
        self.next_id = 1
        self.closed = None          # the ConnectionClosed, once closed
        self._cond = asyncio.Condition()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, base, session, via="cookie", label=None, max_size=None):
        """Connect (without hello). `via` is "cookie" or "query"."""
        kw = {"subprotocols": [SUBPROTOCOL], "max_size": max_size,
              "open_timeout": WS_TIMEOUT, "close_timeout": 5,
              "ping_interval": None,
              # Plain frames: sizes on the wire are the sizes the server sees.
              "compression": None}
        if via == "cookie":
            ws = await websockets.client.connect(
                ws_url(base), extra_headers={"Cookie": f"plenum_session={session}"}, **kw)
        else:
            ws = await websockets.client.connect(ws_url(base, session), **kw)
        assert ws.subprotocol == SUBPROTOCOL, \
            f"server chose subprotocol {ws.subprotocol!r}, expected {SUBPROTOCOL}"
        return cls(ws, label or session[:6])

    async def _read(self):
        try:
            async for raw in self.ws:
                assert isinstance(raw, str), f"{self.label}: binary frame {raw[:50]!r}"
                msg = json.loads(raw)
                async with self._cond:
                    self.inbox.append(msg)
                    self._cond.notify_all()
        except websockets.exceptions.ConnectionClosed as e:
            self.closed = e
        finally:
            if self.closed is None:
                self.closed = getattr(self.ws, "close_code", None) or True
            async with self._cond:
                self._cond.notify_all()

    async def send_raw(self, text):
        await self.ws.send(text)

    async def send(self, obj):
        await self.ws.send(json.dumps(obj))

    def new_id(self):
        i = self.next_id
        self.next_id += 1
        return i

    async def wait_for(self, pred, what, timeout=WS_TIMEOUT, start=0):
        """The first message in inbox[start:] that satisfies `pred`,
        waiting at most `timeout` seconds for it to arrive."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._cond:
            while True:
                for m in self.inbox[start:]:
                    if pred(m):
                        return m
                if self.closed is not None:
                    raise AssertionError(
                        f"{self.label}: connection closed ({self._close_desc()}) while "
                        f"waiting for {what}; received: {self.inbox[start:][-10:]}")
                left = deadline - loop.time()
                if left <= 0:
                    raise AssertionError(
                        f"{self.label}: no {what} within {timeout} s; "
                        f"received: {self.inbox[start:][-10:]}")
                try:
                    await asyncio.wait_for(self._cond.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def wait_count(self, pred, n, what, timeout=WS_TIMEOUT, start=0):
        """Wait until at least `n` messages in inbox[start:] satisfy `pred`;
        returns them all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._cond:
            while True:
                got = [m for m in self.inbox[start:] if pred(m)]
                if len(got) >= n:
                    return got
                if self.closed is not None:
                    raise AssertionError(
                        f"{self.label}: connection closed ({self._close_desc()}) with "
                        f"{len(got)} of {n} {what}")
                left = deadline - loop.time()
                if left <= 0:
                    raise AssertionError(
                        f"{self.label}: {len(got)} of {n} {what} within {timeout} s; "
                        f"last received: {self.inbox[start:][-5:]}")
                try:
                    await asyncio.wait_for(self._cond.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def request(self, type_, timeout=WS_TIMEOUT, **fields):
        """Send {"id", "type", **fields}; return the reply (any ok)."""
        i = self.new_id()
        await self.send({"id": i, "type": type_, **fields})
        return await self.wait_for(lambda m: m.get("re") == i,
                                   f"reply to {type_} (id {i})", timeout)

    async def ok(self, type_, **fields):
        """Like request(), failing unless the reply is ok."""
        r = await self.request(type_, **fields)
        assert r.get("ok") is True, f"{self.label}: {type_} {fields} refused: {r}"
        return r

    async def hello(self, since=None):
        if since is None:
            return await self.ok("hello")
        return await self.ok("hello", since=since)

    def events(self, type_=None, start=0):
        return [m for m in self.inbox[start:] if "seq" in m and "re" not in m
                and (type_ is None or m.get("type") == type_)]

    def notices(self, type_=None, start=0):
        return [m for m in self.inbox[start:] if "seq" not in m and "re" not in m
                and (type_ is None or m.get("type") == type_)]

    async def wait_closed(self, timeout=WS_TIMEOUT):
        """Wait for the server to close the connection; returns the close code."""
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.label}: server did not close the connection "
                                 f"within {timeout} s")
        return self.ws.close_code

    def _close_desc(self):
        return f"code {self.ws.close_code}, reason {self.ws.close_reason!r}"

    async def close(self):
        await self.ws.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), 5)
        except asyncio.TimeoutError:
            self._reader.cancel()


async def connect(base, session, via="cookie", label=None, hello=True, since=None):
    """Open a connection and (by default) send hello. Returns (client, reply)."""
    c = await WsClient.open(base, session, via=via, label=label)
    reply = await c.hello(since) if hello else None
    return c, reply


async def close_all(clients):
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def run(coro, timeout=120):
    """Run an async test body with an overall bound."""
    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())
