# SPDX-License-Identifier: AGPL-3.0-or-later
"""Text and search: the text of every page is indexed after an upload (and
at start for documents added with `plenum doc add`), GET
/api/meetings/<m>/search finds words with or without their diacritics, only
in the meeting's present documents, the outline arrives in `doc.indexed`
and in `hello`, and the find route gives a hit's rectangles."""

import asyncio
import re
import time
import urllib.parse

from conftest import PDF_4_PAGES, PDF_VI, data_file, member_url, prepare_standard
from helpers import assert_error, close_all, connect, get, join, run, upload

PDF_OUTLINE = "pdflatex-outline.pdf"


def prepare(server):
    m = prepare_standard(server, docs=(PDF_4_PAGES,))
    other = server.meeting(title="Họp khác")
    server.participant(other, "Phạm Văn Đông", title="Thư ký")
    # Added before start: indexed when the server starts.
    server.doc(other, PDF_VI)
    m["other"] = other
    return m


def search(srv, meeting, session, q):
    return get(srv.url, f"/api/meetings/{meeting}/search?q=" + urllib.parse.quote(q),
               session=session)


def hits(srv, meeting, session, q):
    r = search(srv, meeting, session, q)
    assert r.status == 200, f"search {q!r}: {r!r}"
    j = r.json()
    assert j["query"] == q, j
    return j["hits"]


def wait_hits(srv, meeting, session, q, timeout=60):
    """Hits for q once there are any (indexing runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        h = hits(srv, meeting, session, q)
        if h or time.monotonic() > deadline:
            return h
        time.sleep(0.2)


def upload_file(srv, meeting, session, name):
    with open(data_file(name), "rb") as f:
        r = upload(srv.url, meeting, session, name, f.read())
    assert r.status == 201, f"upload {name}: {r!r}"
    return r.json()["doc"]


def test_search_after_upload(server_factory):
    srv = server_factory(prepare)
    m = srv.ctx
    chair = join(srv.url, m["chair_url"])["session"]
    member = join(srv.url, member_url(m))["session"]
    other = join(srv.url, m["other"]["participants"]["Phạm Văn Đông"]["url"])["session"]

    async def go():
        c, _ = await connect(srv.url, chair, label="chair")
        try:
            t0 = time.monotonic()
            doc = await asyncio.get_running_loop().run_in_executor(
                None, lambda: upload_file(srv, m["meeting"], chair, PDF_VI))
            n = await c.wait_for(lambda x: x.get("type") == "doc.indexed"
                                 and x.get("doc") == doc, "doc.indexed", timeout=60)
            return doc, n, time.monotonic() - t0
        finally:
            await close_all([c])
    doc, notice, took = run(go())
    assert notice["outline"] == [], notice
    print(f"upload + index of {PDF_VI}: {took:.2f} s")

    # With and without diacritics, any case.
    for q in ("biên bản", "bien ban", "BIÊN BẢN", "Biên Bản"):
        h = hits(srv, m["meeting"], member, q)
        assert h, f"no hit for {q!r}"
        assert all(x["doc"] == doc for x in h), h
        assert any(re.search(r"<mark>biên bản</mark>", x["snippet"], re.I) for x in h), h
        assert h[0]["title"] and h[0]["page"] in (1, 2), h[0]

    for q in ("biểu quyết", "bieu quyet", "phòng họp không giấy", "phong hop khong giay"):
        h = hits(srv, m["meeting"], member, q)
        assert h, f"no hit for {q!r}"
        assert "<mark>" in h[0]["snippet"], h[0]

    # đ folds to d: both spellings find "đồng".
    t0 = time.monotonic()
    a = hits(srv, m["meeting"], member, "1.450.000.000 đồng")
    took_q = time.monotonic() - t0
    b = hits(srv, m["meeting"], member, "1.450.000.000 dong")
    assert a and a == b, (a, b)
    assert "đồng" in a[0]["snippet"], a[0]
    print(f"one query: {took_q * 1000:.1f} ms")
    d1 = hits(srv, m["meeting"], member, "đồng")
    d2 = hits(srv, m["meeting"], member, "dong")
    assert d1 and [x["page"] for x in d1] == [x["page"] for x in d2]

    # The snippet escapes the text and keeps the original diacritics.
    for x in a:
        s = re.sub(r"</?mark>", "", x["snippet"])
        assert "<" not in s and ">" not in s, x

    # Bounds and FTS5 syntax: nothing errors.
    assert_error(search(srv, m["meeting"], member, ""), 400)
    assert_error(search(srv, m["meeting"], member, "   "), 400)
    assert_error(search(srv, m["meeting"], member, "a" * 201), 400)
    assert search(srv, m["meeting"], member, "đ" * 200).status == 200
    for q in ('"', '"biên', 'bản*', '-biên', 'NEAR(biên bản)', 'biên OR', 'AND',
              '*', '(', ':', 'folded:biên', '^bien', 'bi"ên b"ản'):
        r = search(srv, m["meeting"], member, q)
        assert r.status == 200, f"{q!r}: {r!r}"

    # Another meeting's session: 403. Its own search never sees this meeting.
    assert_error(search(srv, m["meeting"], other, "biên bản"), 403)
    assert_error(search(srv, m["meeting"], None, "biên bản"), 401)
    h = wait_hits(srv, m["other"]["meeting"], other, "biên bản")
    assert h and all(x["doc"] != doc for x in h), h
    assert all(x["doc"] == m["other"]["docs"][PDF_VI]["doc"] for x in h), h

    # The find route: rectangles of the hit on its page, as fractions.
    first = hits(srv, m["meeting"], member, "bien ban")[0]
    r = get(srv.url, f"/api/docs/{doc}/pages/{first['page']}/find?q=bien%20ban",
            session=member)
    assert r.status == 200, r
    rects = r.json()["rects"]
    assert rects, r.json()
    for x0, y0, x1, y1 in rects:
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, rects
    assert_error(get(srv.url, f"/api/docs/{doc}/pages/1/find?q=bien", session=other), 403)

    # The phrase, not its words: page 1 has "biên bản" twice, and "ban" and
    # "bản" in "ỦY BAN", "GIAO BAN" and "văn bản" (four times) besides.
    def find(page, q):
        r = get(srv.url, f"/api/docs/{doc}/pages/{page}/find?q=" + urllib.parse.quote(q),
                session=member)
        assert r.status == 200, r
        return r.json()["rects"]
    p1 = [x for x in hits(srv, m["meeting"], member, "bien ban") if x["page"] == 1]
    assert p1 and len(re.findall(r"<mark>", p1[0]["snippet"])) == 1, p1
    assert re.search(r"<mark>biên bản</mark>", p1[0]["snippet"]), p1
    phrase = find(1, "bien ban")
    words = find(1, "bien") + find(1, "ban")
    assert len(phrase) == 2, phrase
    assert len(words) >= 2 * len(phrase) + 5, words
    # Each of the phrase's rectangles covers the rectangles of its two words.
    for x0, y0, x1, y1 in phrase:
        inside = [w for w in words if w[0] >= x0 - 0.002 and w[2] <= x1 + 0.002
                  and w[1] >= y0 - 0.01 and w[3] <= y1 + 0.01]
        assert len(inside) == 2, (phrase, words)
    # Without the phrase on the page, each word is found on its own.
    assert len(find(1, "ban bien")) == len(words), words
    # "đại biểu biểu quyết": the phrase, never the word before it.
    h = hits(srv, m["meeting"], member, "bieu quyet")
    assert h and all("<mark>biểu quyết</mark>" in x["snippet"].lower() for x in h), h
    assert not any("<mark>biểu biểu" in x["snippet"] for x in h), h

    # A removed document never appears.
    async def remove():
        c, _ = await connect(srv.url, chair, label="chair")
        try:
            await c.ok("doc.remove", doc=doc)
        finally:
            await close_all([c])
    run(remove())
    assert hits(srv, m["meeting"], member, "biên bản") == []
    assert hits(srv, m["meeting"], member, "1.450.000.000 đồng") == []


def test_outline_restart_and_doc_add(server_factory):
    srv = server_factory(prepare)
    m = srv.ctx
    chair = join(srv.url, m["chair_url"])["session"]
    other = join(srv.url, m["other"]["participants"]["Phạm Văn Đông"]["url"])["session"]

    # The document added with `plenum doc add` before start is indexed.
    h = wait_hits(srv, m["other"]["meeting"], other, "bieu quyet")
    assert h, "the document added before start was not indexed"

    async def go():
        c, _ = await connect(srv.url, chair, label="chair")
        try:
            doc = await asyncio.get_running_loop().run_in_executor(
                None, lambda: upload_file(srv, m["meeting"], chair, PDF_OUTLINE))
            n = await c.wait_for(lambda x: x.get("type") == "doc.indexed"
                                 and x.get("doc") == doc, "doc.indexed", timeout=60)
            return doc, n
        finally:
            await close_all([c])
    doc, notice = run(go())
    outline = notice["outline"]
    assert outline, notice

    def walk(items):
        for it in items:
            assert isinstance(it["title"], str) and it["title"], it
            assert isinstance(it["page"], int) and it["page"] >= 0, it
            assert isinstance(it["children"], list), it
            yield it
            yield from walk(it["children"])
    entries = list(walk(outline))
    assert any(e["page"] >= 1 for e in entries), outline

    async def hello():
        c, h = await connect(srv.url, chair, label="chair")
        await close_all([c])
        return h
    state = run(hello())
    docs = {d["id"]: d for d in state["state"]["documents"]} \
        if "state" in state else {d["id"]: d for d in state["documents"]}
    assert docs[doc]["outline"] == outline, docs[doc]

    before = hits(srv, m["meeting"], chair, "pdflatex") + hits(srv, m["meeting"], chair, "section")
    srv.restart()
    after = hits(srv, m["meeting"], chair, "pdflatex") + hits(srv, m["meeting"], chair, "section")
    assert before == after, (before, after)
    h = hits(srv, m["other"]["meeting"], other, "bieu quyet")
    assert h, "the index did not survive the restart"
    state = run(hello())
    docs = {d["id"]: d for d in state["state"]["documents"]} \
        if "state" in state else {d["id"]: d for d in state["documents"]}
    assert docs[doc]["outline"] == outline
    # Nothing is indexed twice after a restart.
    assert "indexing the text of" not in srv.log_text().split("listening on")[-1]
