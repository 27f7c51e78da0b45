# SPDX-License-Identifier: AGPL-3.0-or-later
"""Managing a meeting's documents over the WebSocket: doc.rename, doc.move
and doc.remove by the chair and the secretary; refusals by role, across
meetings and after removal; the events at other clients, in the snapshot,
after a resume with `since`, and after a restart."""

import pytest

from conftest import PDF_4_PAGES, PDF_VI, member_url, module_server, prepare_standard
from helpers import close_all, connect, get, join, run


def prepare_docs(server, title="Họp giao ban tháng 11", guests=True):
    """The standard meeting with five documents: A and B in item 2, C and D
    in item 3, E without an item."""
    m = prepare_standard(server, guests=guests, title=title, docs=())
    ids = {}
    for name, f, item in (("A", PDF_4_PAGES, 2), ("B", PDF_VI, 2), ("C", PDF_4_PAGES, 3),
                          ("D", PDF_VI, 3), ("E", PDF_4_PAGES, None)):
        ids[name] = server.doc(m, f, item=item)["doc"]
    m["ids"] = ids
    return m


def prepare(server):
    return {
        "a": prepare_docs(server),
        "b": prepare_docs(server, title="Họp chi bộ"),
        "roles": prepare_docs(server, title="Họp mở rộng"),
        "present": prepare_docs(server, title="Họp trình chiếu"),
        "since": prepare_docs(server, title="Họp nối lại"),
    }


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


def session(srv, k, who):
    m = srv.ctx[k]
    if who in ("chair", "secretary", "display"):
        return join(srv.url, m[f"{who}_url"])
    if who == "guest":
        return join(srv.url, m["join_url"], name="Khách Mời Thử")
    return join(srv.url, member_url(m, who))


def agenda_ids(hello):
    return [a["id"] for a in hello["state"]["agenda"]]


def layout(hello, ids):
    """The snapshot's documents as {item position or None: [names in order]},
    with names from the test's A..E (or the id when unknown)."""
    names = {v: k for k, v in ids.items()}
    pos = {a["id"]: a["position"] for a in hello["state"]["agenda"]}
    out = {}
    for d in hello["state"]["documents"]:
        out.setdefault(pos.get(d["item"]) if d["item"] else None, []).append(
            names.get(d["id"], d["id"]))
    return out


def assert_error_reply(r, code):
    assert r.get("ok") is False, f"expected {code}, got {r}"
    assert r["error"]["code"] == code, f"expected {code}, got {r}"
    assert isinstance(r["error"].get("message"), str) and r["error"]["message"], r


def test_rename_move_remove_by_chair_and_secretary(srv):
    m = srv.ctx["a"]
    ids = m["ids"]
    chair, sec = session(srv, "a", "chair"), session(srv, "a", "secretary")
    mem = session(srv, "a", "Nguyễn Văn An")

    async def go():
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        sc, _ = await connect(srv.url, sec["session"], label="secretary")
        mc, mh = await connect(srv.url, mem["session"], label="member")
        items = agenda_ids(ch)
        assert layout(ch, ids) == {2: ["A", "B"], 3: ["C", "D"], None: ["E"]}, layout(ch, ids)
        s0 = mh["seq"]

        r1 = await cc.ok("doc.rename", doc=ids["A"], title="Báo cáo tổng kết năm 2026")
        r2 = await sc.ok("doc.move", doc=ids["D"], item=items[1], position=1)
        r3 = await sc.ok("doc.move", doc=ids["E"], item=items[0], position=1)
        r4 = await cc.ok("doc.move", doc=ids["A"], item=items[1], position=3)
        r5 = await sc.ok("doc.remove", doc=ids["B"])
        r6 = await cc.ok("doc.move", doc=ids["C"], item=None, position=1)
        seqs = [r["seq"] for r in (r1, r2, r3, r4, r5, r6)]
        assert seqs == list(range(s0 + 1, s0 + 7)), seqs

        # Another client gets every event, in order, with consecutive seqs.
        got = await mc.wait_count(lambda e: "seq" in e and "re" not in e and e["seq"] > s0,
                                  6, "the six document events")
        assert [e["seq"] for e in got] == seqs, got
        assert [e["type"] for e in got] == ["doc.renamed", "doc.moved", "doc.moved",
                                            "doc.moved", "doc.removed", "doc.moved"], got
        assert got[0]["doc"] == ids["A"] and got[0]["title"] == "Báo cáo tổng kết năm 2026"
        assert got[1]["doc"] == ids["D"] and got[1]["item"] == items[1] \
            and got[1]["position"] == 1, got[1]
        assert got[3]["doc"] == ids["A"] and got[3]["position"] == 3, got[3]
        assert got[4]["doc"] == ids["B"], got[4]
        assert got[5]["item"] is None and got[5]["position"] == 1, got[5]
        for e in got:
            assert isinstance(e.get("at"), str), e

        # A fresh hello: new order and title, no removed document.
        nc, nh = await connect(srv.url, mem["session"], label="fresh")
        assert nh["seq"] == seqs[-1]
        assert layout(nh, ids) == {1: ["E"], 2: ["D", "A"], None: ["C"]}, layout(nh, ids)
        titles = {d["id"]: d["title"] for d in nh["state"]["documents"]}
        assert titles[ids["A"]] == "Báo cáo tổng kết năm 2026"
        assert ids["B"] not in titles
        await close_all([cc, sc, mc, nc])
    run(go())


def test_positions_stay_without_gaps(srv):
    m = srv.ctx["b"]
    ids = m["ids"]
    chair = session(srv, "b", "chair")

    async def go():
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        items = agenda_ids(ch)
        # Past the end of the target list: bad_request, nothing logged.
        r = await cc.request("doc.move", doc=ids["A"], item=items[2], position=4)
        assert_error_reply(r, "bad_request")
        # The end of the list is fine (C, D, then A).
        await cc.ok("doc.move", doc=ids["A"], item=items[2], position=3)
        # Within one item: B was alone in item 2, stays at 1.
        r = await cc.request("doc.move", doc=ids["B"], item=items[1], position=2)
        assert_error_reply(r, "bad_request")
        await cc.ok("doc.move", doc=ids["D"], item=items[2], position=1)
        await cc.ok("doc.move", doc=ids["A"], item=items[2], position=2)
        nc, nh = await connect(srv.url, chair["session"], label="again")
        assert layout(nh, ids) == {2: ["B"], 3: ["D", "A", "C"], None: ["E"]}, layout(nh, ids)
        assert nh["seq"] == ch["seq"] + 3, (nh["seq"], ch["seq"])
        # Bad fields.
        for fields in ({"doc": ids["A"]}, {"doc": ids["A"], "title": ""},
                       {"doc": ids["A"], "title": "x" * 301}, {"doc": ids["A"], "title": 7},
                       {"title": "x"}):
            r = await cc.request("doc.rename", **fields)
            assert_error_reply(r, "bad_request")
        for fields in ({"doc": ids["A"], "position": 1}, {"doc": ids["A"], "item": None},
                       {"doc": ids["A"], "item": None, "position": 0},
                       {"doc": ids["A"], "item": None, "position": "1"}):
            r = await cc.request("doc.move", **fields)
            assert_error_reply(r, "bad_request")
        r = await cc.request("doc.remove")
        assert_error_reply(r, "bad_request")
        # 300 characters are fine.
        await cc.ok("doc.rename", doc=ids["A"], title="ệ" * 300)
        await close_all([cc, nc])
    run(go())


@pytest.mark.parametrize("who", ["Nguyễn Văn An", "guest", "display"])
def test_other_roles_are_forbidden(srv, who):
    ids = srv.ctx["roles"]["ids"]
    s = session(srv, "roles", who)

    async def go():
        c, h = await connect(srv.url, s["session"], label=who)
        items = agenda_ids(h)
        for type_, fields in (("doc.rename", {"doc": ids["A"], "title": "Không được"}),
                              ("doc.move", {"doc": ids["A"], "item": items[0], "position": 1}),
                              ("doc.remove", {"doc": ids["A"]})):
            r = await c.request(type_, **fields)
            assert_error_reply(r, "forbidden")
        nc, nh = await connect(srv.url, s["session"], label="again")
        assert nh["seq"] == h["seq"], "a refused request logged an event"
        assert layout(nh, ids) == layout(h, ids)
        await close_all([c, nc])
    run(go())


def test_not_found_across_meetings_and_after_removal(srv):
    a, b = srv.ctx["roles"], srv.ctx["b"]
    chair = session(srv, "roles", "chair")
    sec_b = session(srv, "b", "secretary")

    async def go():
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        items = agenda_ids(ch)
        other = b["ids"]["E"]
        for type_, fields in (("doc.rename", {"doc": other, "title": "x"}),
                              ("doc.move", {"doc": other, "item": None, "position": 1}),
                              ("doc.remove", {"doc": other}),
                              ("doc.remove", {"doc": "zzzzzzzzzzzz"})):
            r = await cc.request(type_, **fields)
            assert_error_reply(r, "not_found")
        # An agenda item of another meeting.
        bc, bh = await connect(srv.url, sec_b["session"], label="secretary b")
        r = await cc.request("doc.move", doc=a["ids"]["E"], item=agenda_ids(bh)[0], position=1)
        assert_error_reply(r, "not_found")

        await cc.ok("doc.remove", doc=a["ids"]["E"])
        for type_, fields in (("doc.rename", {"doc": a["ids"]["E"], "title": "x"}),
                              ("doc.move", {"doc": a["ids"]["E"], "item": items[0],
                                            "position": 1}),
                              ("doc.remove", {"doc": a["ids"]["E"]}),
                              ("present", {"doc": a["ids"]["E"], "page": 1})):
            r = await cc.request(type_, **fields)
            assert_error_reply(r, "not_found")
        # Its page images and file are gone for everyone, the chair too.
        for path in (f"/api/docs/{a['ids']['E']}/pages/1.png?w=320",
                     f"/api/docs/{a['ids']['E']}/file"):
            assert get(srv.url, path, session=chair["session"]).status == 404, path
        # The other documents still are there.
        assert get(srv.url, f"/api/docs/{a['ids']['A']}/pages/1.png?w=320",
                   session=chair["session"]).status == 200
        await close_all([cc, bc])
    run(go())


def test_removing_the_presented_document_stops_presenting(srv):
    ids = srv.ctx["present"]["ids"]
    chair, sec = session(srv, "present", "chair"), session(srv, "present", "secretary")
    disp = session(srv, "present", "display")

    async def go():
        cc, _ = await connect(srv.url, chair["session"], label="chair")
        sc, _ = await connect(srv.url, sec["session"], label="secretary")
        dc, _ = await connect(srv.url, disp["session"], label="display")
        p = await cc.ok("present", doc=ids["C"], page=2)
        # Another document: the presentation stays.
        await sc.ok("doc.remove", doc=ids["D"])
        r = await sc.ok("doc.remove", doc=ids["C"])
        assert r["seq"] == p["seq"] + 3, (p, r)
        got = await dc.wait_count(lambda e: "seq" in e and e["seq"] > p["seq"], 3,
                                  "three events after present")
        assert [e["type"] for e in got] == ["doc.removed", "presented", "doc.removed"], got
        assert got[1]["doc"] is None and got[1]["page"] == 0, got[1]
        assert [e["seq"] for e in got] == [p["seq"] + 1, p["seq"] + 2, p["seq"] + 3]
        nc, nh = await connect(srv.url, disp["session"], label="fresh display")
        assert nh["state"]["presented"] is None, nh["state"]["presented"]
        await close_all([cc, sc, dc, nc])
    run(go())


def test_resume_with_since_replays_the_events(srv):
    ids = srv.ctx["since"]["ids"]
    chair = session(srv, "since", "chair")
    mem = session(srv, "since", "Trần Thị Bình")

    async def go():
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        mc, mh = await connect(srv.url, mem["session"], label="member")
        items = agenda_ids(ch)
        since = mh["seq"]
        await mc.close()
        await cc.ok("doc.rename", doc=ids["B"], title="Tờ trình số 12")
        await cc.ok("doc.move", doc=ids["B"], item=items[2], position=2)
        await cc.ok("doc.remove", doc=ids["E"])
        rc, rh = await connect(srv.url, mem["session"], label="resumed", since=since)
        assert "events" in rh, rh
        ev = rh["events"]
        assert [e["type"] for e in ev] == ["doc.renamed", "doc.moved", "doc.removed"], ev
        assert [e["seq"] for e in ev] == [since + 1, since + 2, since + 3], ev
        assert ev[1] == {**ev[1], "doc": ids["B"], "item": items[2], "position": 2}, ev[1]
        await close_all([cc, rc])
    run(go())


def test_restart_keeps_titles_order_and_removals(server_factory):
    srv = server_factory(lambda s: prepare_docs(s, title="Họp sau khởi động lại"))
    ids = srv.ctx["ids"]
    chair = join(srv.url, srv.ctx["chair_url"])

    async def before():
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        items = agenda_ids(ch)
        await cc.ok("doc.rename", doc=ids["C"], title="Kế hoạch 2027")
        await cc.ok("doc.move", doc=ids["C"], item=items[0], position=1)
        await cc.ok("doc.move", doc=ids["B"], item=items[1], position=1)
        r = await cc.ok("doc.remove", doc=ids["E"])
        await cc.close()
        return r["seq"], layout(ch, ids)
    seq, _ = run(before())

    srv.restart()

    async def after():
        cc, ch = await connect(srv.url, chair["session"], label="chair")
        assert ch["seq"] == seq
        assert layout(ch, ids) == {1: ["C"], 2: ["B", "A"], 3: ["D"]}, layout(ch, ids)
        titles = {d["id"]: d["title"] for d in ch["state"]["documents"]}
        assert titles[ids["C"]] == "Kế hoạch 2027"
        # The log still names the removed document.
        rc, rh = await connect(srv.url, chair["session"], label="resumed", since=seq - 1)
        assert rh["events"][-1]["type"] == "doc.removed"
        assert rh["events"][-1]["doc"] == ids["E"]
        # And presenting it stays refused.
        r = await cc.request("present", doc=ids["E"], page=1)
        assert_error_reply(r, "not_found")
        await close_all([cc, rc])
    run(after())
