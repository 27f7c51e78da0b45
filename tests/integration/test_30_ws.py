# SPDX-License-Identifier: AGPL-3.0-or-later
"""The WebSocket protocol: upgrade, hello, present, bad requests, limits,
events and presence notices."""

import asyncio
import re
import time

import pytest
import websockets.client
import websockets.exceptions

from conftest import (AGENDA, MEMBERS, PDF_4_PAGES, PDF_VI, data_file, member_url,
                      module_server, prepare_standard)
from helpers import (ID_RE, SUBPROTOCOL, WS_TIMEOUT, close_all, connect, get, join, run,
                     upload, ws_url)


def prepare(server):
    return {
        "a": prepare_standard(server),
        "fresh": prepare_standard(server, title="Họp thường kỳ"),
        "presence": prepare_standard(server, title="Họp trực tuyến"),
        "crowd": prepare_standard(server, title="Hội nghị đông người",
                                  members=[(f"Đại biểu {i:02d}", "Chuyên viên")
                                           for i in range(20)]),
        "guests": prepare_standard(server, guests=True, title="Hội nghị mở rộng"),
        "b": prepare_standard(server, title="Họp chi bộ", docs=(PDF_VI,),
                              members=[("Phạm Thu Hà", "Bí thư")]),
    }


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


def session(srv, who, k="a"):
    m = srv.ctx[k]
    url = m[f"{who}_url"] if who in ("chair", "secretary", "display") \
        else member_url(m, who)
    return join(srv.url, url)


def doc(srv, k="a"):
    d = srv.ctx[k]["docs"]
    return d[PDF_4_PAGES if PDF_4_PAGES in d else PDF_VI]["doc"]


def is_error(code):
    return lambda m: m.get("ok") is False and \
        isinstance(m.get("error"), dict) and m["error"].get("code") == code


def assert_error_reply(r, code):
    assert r.get("ok") is False, f"expected {code}, got {r}"
    assert r["error"]["code"] == code, f"expected {code}, got {r}"
    assert isinstance(r["error"].get("message"), str) and r["error"]["message"], r


# ----------------------------------------------------------------- upgrade

def refused_status(url, **kw):
    async def go():
        try:
            ws = await websockets.client.connect(url, subprotocols=[SUBPROTOCOL],
                                                 open_timeout=WS_TIMEOUT,
                                                 compression=None, **kw)
        except websockets.exceptions.InvalidStatusCode as e:
            return e.status_code
        except websockets.exceptions.InvalidMessage as e:
            return f"no HTTP response ({e.__cause__ or e})"
        await ws.close()
        return "accepted"
    return run(go())


def test_upgrade_without_session_is_refused(srv):
    got = refused_status(ws_url(srv.url))
    assert got == 403, f"upgrade without a session: expected 403, got {got}"


def test_upgrade_with_unknown_session_is_refused(srv):
    got = refused_status(ws_url(srv.url, "A" * 22))
    assert got == 403, f"?session=<unknown>: expected 403, got {got}"
    got = refused_status(ws_url(srv.url),
                         extra_headers={"Cookie": "plenum_session=" + "B" * 22})
    assert got == 403, f"cookie with an unknown session: expected 403, got {got}"


# ------------------------------------------------------------------- hello

def test_hello_reply_shape(srv):
    m = srv.ctx["fresh"]
    me = session(srv, MEMBERS[0][0], "fresh")

    async def go():
        c, r = await connect(srv.url, me["session"], via="cookie")
        await c.close()
        return r
    r = run(go())
    assert r["re"] == 1 and r["ok"] is True, r
    assert isinstance(r["seq"], int) and r["seq"] >= 0, r
    assert r["you"] == {"participant": me["participant"], "name": MEMBERS[0][0],
                        "role": "member", "meeting": m["meeting"]}, r["you"]
    st = r["state"]
    mt = st["meeting"]
    assert mt["id"] == m["meeting"] and mt["title"] == "Họp thường kỳ", mt
    assert mt["org"] == "Sở Thông tin" and mt["location"] == "Phòng 301", mt
    assert mt["starts"].startswith("2026-11-28T08:00"), mt
    assert mt["state"] in ("draft", "live", "closed"), mt
    assert mt["join_url"] == m["join_url"], mt
    assert [a["title"] for a in st["agenda"]] == AGENDA, st["agenda"]
    assert [a["position"] for a in st["agenda"]] == [1, 2, 3], st["agenda"]
    assert all(ID_RE.match(a["id"]) for a in st["agenda"]), st["agenda"]
    docs = {d["id"]: d for d in st["documents"]}
    d = docs.get(m["docs"][PDF_4_PAGES]["doc"])
    assert d, f"the document added by the command line is missing: {st['documents']}"
    assert d["pages"] == 4 and isinstance(d["title"], str) and d["title"], d
    assert d["item"] == st["agenda"][1]["id"], f"doc add --item 2: {d}"
    assert st["presented"] is None, st["presented"]
    people = {p["id"]: p for p in st["participants"]}
    assert people[me["participant"]]["online"] is True, people[me["participant"]]
    for name, title in MEMBERS:
        p = people[m["participants"][name]["participant"]]
        assert p["name"] == name and p["title"] == title and p["role"] == "member", p
        if p["id"] != me["participant"]:
            assert p["online"] is False, p
    roles = sorted(p["role"] for p in st["participants"])
    assert {"chair", "secretary", "display"} <= set(roles), roles


def test_hello_with_session_in_query(srv):
    me = session(srv, MEMBERS[1][0])

    async def go():
        c, r = await connect(srv.url, me["session"], via="query")
        await c.close()
        return r
    r = run(go())
    assert r["you"]["participant"] == me["participant"], r


# ----------------------------------------------------------------- present

def test_chair_presents_and_everyone_gets_the_event(srv):
    chair, mem, disp = (session(srv, "chair"), session(srv, MEMBERS[0][0]),
                        session(srv, "display"))
    d = doc(srv)

    async def go():
        cc, _ = await connect(srv.url, chair["session"], label="chair")
        mc, _ = await connect(srv.url, mem["session"], label="member")
        dc, _ = await connect(srv.url, disp["session"], label="display")
        r = await cc.request("present", doc=d, page=2)
        assert r["ok"] is True and isinstance(r["seq"], int), r
        for c in (cc, mc, dc):
            e = await c.wait_for(lambda m: m.get("type") == "presented"
                                 and m.get("seq") == r["seq"], f"presented seq {r['seq']}")
            assert e["doc"] == d and e["page"] == 2 and e["by"] == chair["participant"], e
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", e["at"]), \
                f"`at` is not an ISO-8601 UTC time: {e}"
        # A late joiner sees it at once.
        lc, h = await connect(srv.url, mem["session"], label="late")
        assert h["state"]["presented"] == {"doc": d, "page": 2,
                                           "by": chair["participant"]}, h["state"]
        assert h["seq"] == r["seq"], h
        # Stop presenting.
        r2 = await cc.request("present", doc=None)
        assert r2["ok"] is True and r2["seq"] == r["seq"] + 1, r2
        e = await mc.wait_for(lambda m: m.get("seq") == r2["seq"], "the stop event")
        assert e["type"] == "presented" and e["doc"] is None and e["page"] == 0, e
        _, h = await connect(srv.url, mem["session"], label="after-stop")
        assert h["state"]["presented"] is None, h["state"]
        await close_all([cc, mc, dc, lc, _])
    run(go())


@pytest.mark.parametrize("who", [MEMBERS[0][0], "secretary", "display"])
def test_only_the_chair_may_present(srv, who):
    s = session(srv, who)

    async def go():
        c, _ = await connect(srv.url, s["session"])
        r = await c.request("present", doc=doc(srv), page=1)
        assert_error_reply(r, "forbidden")
        p = await c.request("ping")
        assert p["ok"] is True, f"connection unusable after forbidden: {p}"
        assert c.events("presented") == [], "a refused present produced an event"
        await c.close()
    run(go())


@pytest.mark.parametrize("page", [5, 99])
def test_page_out_of_range_is_not_found(srv, page):
    s = session(srv, "chair")

    async def go():
        c, _ = await connect(srv.url, s["session"])
        assert_error_reply(await c.request("present", doc=doc(srv), page=page),
                           "not_found")
        assert (await c.request("ping"))["ok"] is True
        await c.close()
    run(go())


@pytest.mark.parametrize("which", ["other-meeting", "unknown"])
def test_doc_of_another_meeting_is_not_found(srv, which):
    s = session(srv, "chair")
    d = doc(srv, "b") if which == "other-meeting" else "zzzzzzzzzzzz"

    async def go():
        c, _ = await connect(srv.url, s["session"])
        assert_error_reply(await c.request("present", doc=d, page=1), "not_found")
        assert (await c.request("ping"))["ok"] is True
        await c.close()
    run(go())


# ------------------------------------------------------------ bad requests

BAD = [
    ("broken-json", "{not json", False),
    ("array", "[1, 2]", False),
    ("no-id", '{"type": "ping"}', False),
    ("id-not-integer", '{"id": "seven", "type": "ping"}', False),
    ("no-type", '{"id": 41}', True),
    ("unknown-type", '{"id": 41, "type": "teleport"}', True),
    ("page-as-string", '{"id": 41, "type": "present", "doc": "%(doc)s", "page": "2"}', True),
    ("missing-doc", '{"id": 41, "type": "present", "page": 2}', True),
    ("since-as-string", '{"id": 41, "type": "hello", "since": "3"}', True),
]


@pytest.mark.parametrize("text,has_id", [(t, i) for _, t, i in BAD],
                         ids=[n for n, _, _ in BAD])
def test_bad_request_keeps_the_connection(srv, text, has_id):
    s = session(srv, "chair")

    async def go():
        c, _ = await connect(srv.url, s["session"])
        start = len(c.inbox)
        await c.send_raw(text % {"doc": doc(srv)})
        if has_id:
            r = await c.wait_for(lambda m: m.get("re") == 41, "the reply to id 41",
                                 start=start)
        else:
            r = await c.wait_for(lambda m: m.get("ok") is False, "an error reply",
                                 start=start)
        assert_error_reply(r, "bad_request")
        p = await c.request("ping")
        assert p["ok"] is True, f"the connection is unusable after a bad request: {p}"
        await c.close()
    run(go())


def test_message_over_64_kib_closes_with_1009(srv):
    s = session(srv, MEMBERS[0][0])

    async def go():
        c, _ = await connect(srv.url, s["session"])
        # Just under the limit is still a message.
        await c.send({"id": 90, "type": "ping", "pad": "x" * (60 * 1024)})
        await c.wait_for(lambda m: m.get("re") == 90, "the reply to a 60 KiB message")
        assert (await c.request("ping"))["ok"] is True
        await c.send({"id": 91, "type": "ping", "pad": "x" * (70 * 1024)})
        code = await c.wait_closed()
        assert code == 1009, f"a 70 KiB message closed with {code}, expected 1009"
    run(go())


# ----------------------------------------------------------------- events

def test_upload_sends_doc_added(srv):
    chair, mem = session(srv, "chair"), session(srv, MEMBERS[2][0])
    m = srv.ctx["a"]["meeting"]

    async def go():
        c, h = await connect(srv.url, mem["session"])
        with open(data_file(PDF_VI), "rb") as f:
            # The HTTP request blocks; run it beside the event loop.
            r = await asyncio.get_running_loop().run_in_executor(
                None, lambda: upload(srv.url, m, chair["session"], "phu-luc.pdf",
                                     f.read(), extra={"item": h["state"]["agenda"][2]["id"]}))
        assert r.status == 201, r
        d = r.json()
        e = await c.wait_for(lambda x: x.get("type") == "doc.added", "doc.added")
        assert e["seq"] > h["seq"], (h["seq"], e)
        assert e["doc"] == {"id": d["doc"], "title": "phu-luc", "pages": 2,
                            "item": h["state"]["agenda"][2]["id"],
                            "confidential": False}, e
        assert d.get("item") == h["state"]["agenda"][2]["id"], d
        _, h2 = await connect(srv.url, mem["session"])
        assert d["doc"] in [x["id"] for x in h2["state"]["documents"]], h2["state"]
        await close_all([c, _])
    run(go())


def test_guest_join_sends_participant_added(srv):
    m = srv.ctx["guests"]
    mem = join(srv.url, member_url(m))

    async def go():
        c, h = await connect(srv.url, mem["session"])
        g = await asyncio.get_running_loop().run_in_executor(
            None, lambda: join(srv.url, m["join_url"], name="Khách Số Một"))
        e = await c.wait_for(lambda x: x.get("type") == "participant.added",
                             "participant.added")
        assert e["seq"] > h["seq"], e
        p = e["participant"]
        assert p["id"] == g["participant"] and p["name"] == "Khách Số Một", e
        assert p["role"] == "guest", e
        await c.close()
    run(go())


def test_presence_notices(srv):
    m = srv.ctx["presence"]
    x = join(srv.url, member_url(m, MEMBERS[0][0]))
    y = join(srv.url, member_url(m, MEMBERS[1][0]))
    y2 = join(srv.url, member_url(m, MEMBERS[1][0]))     # a second device
    yid = y["participant"]

    def about_y(online):
        return lambda n: (n.get("type") == "presence" and n.get("participant") == yid
                          and n.get("online") is online)

    async def go():
        xc, _ = await connect(srv.url, x["session"], label="x")
        yc, yh = await connect(srv.url, y["session"], label="y")
        n = await xc.wait_for(about_y(True), "presence online for y")
        assert "seq" not in n, f"a presence notice is not an event: {n}"
        online = {p["id"]: p["online"] for p in yh["state"]["participants"]}
        assert online[x["participant"]] is True and online[yid] is True, online
        # A second connection of the same person is no news; closing one of two
        # is none either.
        y2c, _ = await connect(srv.url, y2["session"], label="y2")
        await yc.close()
        await y2c.close()
        await xc.wait_for(about_y(False), "presence offline for y")
        assert len([n for n in xc.inbox if about_y(True)(n)]) == 1, xc.notices("presence")
        assert len([n for n in xc.inbox if about_y(False)(n)]) == 1, xc.notices("presence")
        _, h = await connect(srv.url, x["session"], label="x2")
        online = {p["id"]: p["online"] for p in h["state"]["participants"]}
        assert online[yid] is False, online
        await close_all([xc, _])
    run(go())


def test_healthz_counts_connections(srv):
    mem = session(srv, MEMBERS[0][0])

    def count():
        return get(srv.url, "/healthz").json()["connections"]

    async def go():
        cs = [(await connect(srv.url, mem["session"]))[0] for _ in range(3)]
        during = count()
        await close_all(cs)
        return during
    during = run(go())
    assert during >= 3, f"/healthz counts {during} connections with 3 open"
    deadline = time.monotonic() + 10
    while count() > during - 3:
        assert time.monotonic() < deadline, \
            f"/healthz still counts {count()} connections 10 s after 3 of {during} closed"
        time.sleep(0.05)


def test_presence_of_a_crowd_is_batched(srv):
    """Twenty screens arriving at once: an observer is told about every one
    of them, but in a few notices (several participants' changes in one),
    not one per arrival — a room filling with N screens must not cost N²
    messages. Leaving together is batched the same way."""
    m = srv.ctx["crowd"]
    names = list(m["participants"])
    sessions = [join(srv.url, m["participants"][n]["url"]) for n in names]
    ids = {s["participant"] for s in sessions}

    def changes(inbox, online):
        seen = set()
        for n in inbox:
            if n.get("type") == "presence" and "seq" not in n:
                for ch in n.get("changes", [n]):
                    if ch["online"] is online:
                        seen.add(ch["participant"])
        return seen

    async def go():
        obs, _ = await connect(srv.url, join(srv.url, m["chair_url"])["session"], label="chair")
        start = len(obs.inbox)
        crowd = await asyncio.gather(*(connect(srv.url, s["session"], label=f"m{i}")
                                       for i, s in enumerate(sessions)))
        deadline = time.monotonic() + WS_TIMEOUT
        while changes(obs.inbox[start:], True) != ids and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert changes(obs.inbox[start:], True) == ids, obs.notices("presence", start)
        notices = obs.notices("presence", start)
        assert len(notices) < len(ids), f"{len(notices)} notices for {len(ids)} arrivals"
        batched = [n for n in notices if "changes" in n]
        assert batched and all(len(n["changes"]) > 1 for n in batched), notices
        # What hello says agrees with what the notices said.
        _, h = await connect(srv.url, sessions[0]["session"], label="again")
        online = {p["id"]: p["online"] for p in h["state"]["participants"]}
        assert all(online[i] for i in ids), online
        start = len(obs.inbox)
        await close_all([c for c, _ in crowd] + [_])
        deadline = time.monotonic() + WS_TIMEOUT
        while changes(obs.inbox[start:], False) != ids and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert changes(obs.inbox[start:], False) == ids, obs.notices("presence", start)
        assert len(obs.notices("presence", start)) < len(ids)
        await close_all([obs])
    run(go())
