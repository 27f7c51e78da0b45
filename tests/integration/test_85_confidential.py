# SPDX-License-Identifier: AGPL-3.0-or-later
"""Confidential documents: every page image carries its viewer's name, none
is shared between viewers or kept by a browser, the untouched image of the
content is never made for them, and the original file is refused to all.

The watermark is proved by pixels, against the untouched render of the same
page of the same file added, not confidential, to another meeting: the two
members' images differ from it and from each other, over the whole page."""

import hashlib
import os
import struct
import time
import zlib

from conftest import MEMBERS, PDF_4_PAGES, cli_json, data_file, member_url, prepare_standard
from helpers import assert_error, close_all, connect, get, join, png_size, run, upload

WIDTH = 320      # thumbnails: small enough to decode in pure Python
GRID = 4         # the page is cut into GRID × GRID cells for "spread"


def prepare(server):
    a = prepare_standard(server, docs=())
    # The command line's --confidential, next to a plain document.
    plain = cli_json("doc", "add", "--data", server.data, "--meeting", a["meeting"],
                     data_file(PDF_4_PAGES))
    secret = cli_json("doc", "add", "--data", server.data, "--meeting", a["meeting"],
                      "--confidential", "--title", "Dự thảo mật", data_file(PDF_4_PAGES))
    b = server.meeting(title="Họp khác")
    return {"a": a, "b": b, "cli_plain": plain["doc"], "cli_secret": secret["doc"]}


def pixels(data):
    """(width, height, rows of RGB bytes) of an 8-bit RGB(A) PNG, without
    interlace: what MuPDF writes."""
    w, h = png_size(data)
    depth, ctype, _, _, interlace = struct.unpack(">BBBBB", data[24:29])
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    pos, idat = 8, bytearray()
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(bytes(idat))
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 3 else bytes(
            v for k, v in enumerate(line) if k % 4 != 3))
        prev = line
    return w, h, rows


def diff_map(one, two):
    """Count of pixels that differ by more than a hair, in total and per
    cell of a GRID × GRID cut of the page."""
    w, h, r1 = pixels(one)
    w2, h2, r2 = pixels(two)
    assert (w, h) == (w2, h2)
    cells = [[0] * GRID for _ in range(GRID)]
    total = 0
    for y in range(h):
        a, b = r1[y], r2[y]
        for x in range(w):
            i = 3 * x
            if max(abs(a[i] - b[i]), abs(a[i + 1] - b[i + 1]), abs(a[i + 2] - b[i + 2])) > 8:
                total += 1
                cells[y * GRID // h][x * GRID // w] += 1
    return total, w * h, cells


def page(srv, doc, session, n=1, w=WIDTH):
    return get(srv.url, f"/api/docs/{doc}/pages/{n}.png?w={w}", session=session)


def files_under(path):
    out = []
    for root, _, files in os.walk(path):
        out += [os.path.join(root, f) for f in files]
    return out


def test_confidential_pages_are_per_viewer(server_factory):
    srv = server_factory(prepare)
    a, b = srv.ctx["a"], srv.ctx["b"]
    chair = join(srv.url, a["chair_url"])["session"]
    m1 = join(srv.url, member_url(a, MEMBERS[0][0]))["session"]
    m2 = join(srv.url, member_url(a, MEMBERS[1][0]))["session"]
    with open(data_file(PDF_4_PAGES), "rb") as f:
        pdf = f.read()
    sha = hashlib.sha256(pdf).hexdigest()
    shared = os.path.join(srv.data, "cache", sha[:2], sha)

    # Marked confidential at upload: the reply and the event say so.
    async def upload_watching():
        c, _ = await connect(srv.url, m1, label="member")
        try:
            r = upload(srv.url, a["meeting"], chair, "bao-cao-mat.pdf", pdf,
                       extra={"confidential": "1"})
            assert r.status == 201, r
            added = await c.wait_for(lambda m: m.get("type") == "doc.added",
                                     "doc.added", timeout=30)
            return r.json(), added
        finally:
            await close_all([c])
    reply, added = run(upload_watching())
    doc = reply["doc"]
    assert reply["confidential"] is True, reply
    assert added["doc"]["confidential"] is True, added

    # Two members, the same page: two different images, never stored by a
    # browser and without a validator.
    t0 = time.time()
    r1, r2 = page(srv, doc, m1), page(srv, doc, m2)
    for r in (r1, r2):
        assert r.status == 200, r
        assert png_size(r.body)[0] == WIDTH
        cc = r.header("cache-control") or ""
        assert "private" in cc and "no-store" in cc, cc
        assert "max-age" not in cc and "immutable" not in cc, cc
        assert r.header("etag") is None, r.header("etag")
    assert r1.body != r2.body
    # The same viewer again gets the same image (from the private cache).
    again = page(srv, doc, m1)
    assert again.status == 200 and again.body == r1.body
    # A full-width page is marked too, and a conditional request changes nothing.
    big = get(srv.url, f"/api/docs/{doc}/pages/2.png?w=1024", session=m2,
              headers={"If-None-Match": f'"{sha[:16]}-2-1024"'})
    assert big.status == 200 and png_size(big.body)[0] == 1024, big

    # The original file: refused to everyone, chair included.
    for who in (chair, m1):
        r = get(srv.url, f"/api/docs/{doc}/file", session=who)
        assert_error(r, 403, "forbidden")
        assert "confidential" in r.json()["error"]["message"], r.json()
    r = get(srv.url, f"/api/docs/{srv.ctx['cli_secret']}/file", session=chair)
    assert_error(r, 403, "forbidden")
    assert get(srv.url, f"/api/docs/{srv.ctx['cli_plain']}/file", session=chair).status == 200

    # No untouched image of this content was made: no pre-render, nothing
    # in the shared cache under the content's path.
    time.sleep(1.0)
    assert files_under(shared) == [], files_under(shared)

    # The snapshot: the flag on every document.
    async def state():
        c, hello = await connect(srv.url, m1, label="member")
        await close_all([c])
        return hello["state"]["documents"]
    docs = {d["id"]: d for d in run(state())}
    assert docs[doc]["confidential"] is True
    assert docs[srv.ctx["cli_secret"]]["confidential"] is True
    assert docs[srv.ctx["cli_plain"]]["confidential"] is False

    # The untouched render: the same file, not confidential, in meeting B.
    chair_b = join(srv.url, b["chair_url"])["session"]
    rb = upload(srv.url, b["meeting"], chair_b, "bao-cao.pdf", pdf)
    assert rb.status == 201 and rb.json()["confidential"] is False, rb
    plain = page(srv, rb.json()["doc"], chair_b)
    assert plain.status == 200, plain
    assert "immutable" in (plain.header("cache-control") or "")
    assert plain.body not in (r1.body, r2.body)

    # The watermark by pixels: a meaningful share of the page differs from
    # the untouched image, in every part of it, and the two viewers' marks
    # (their names) differ from each other.
    for marked in (r1.body, r2.body):
        total, n, cells = diff_map(plain.body, marked)
        assert total > n * 0.02, f"only {total} of {n} pixels differ"
        empty = [(y, x) for y in range(GRID) for x in range(GRID) if cells[y][x] < 20]
        assert not empty, f"cells of the page without the watermark: {empty} ({cells})"
    total, n, _ = diff_map(r1.body, r2.body)
    assert total > n * 0.01, f"the two viewers' images differ in only {total} pixels"

    # The confidential document still never went through the shared cache:
    # the untouched images there now are meeting B's, of its own document.
    private = os.path.join(srv.data, "cache", "private")
    mine = [f for f in files_under(private) if f.endswith(".png")]
    assert len(mine) >= 3, mine
    assert all(os.path.basename(os.path.dirname(f)).startswith(sha) for f in mine), mine

    # What the mark says, read from the name of its image (the hash of the
    # text): the name, the role in Vietnamese and English, and the server's
    # local date (the test runs in the same time zone).
    days = {time.strftime("%Y-%m-%d", time.localtime(t)) for t in (t0, time.time())}
    want = {hashlib.sha256(f"{MEMBERS[0][0]} · đại biểu / member · {d}".encode()).hexdigest()[:16]
            for d in days}
    names = {os.path.basename(f) for f in mine}
    assert any(f"1-{WIDTH}-{h}.png" in names for h in want), (names, days)
