# SPDX-License-Identifier: AGPL-3.0-or-later
"""The meeting console over the wire: creating, editing, searching and
cloning meetings, the agenda, the roster and its CSV import (200 rows with a
byte-order mark, semicolons and three bad rows), re-issued links, uploads by
staff, opening the meeting, the event log's staff actor, and the printed
material — 30 invitation cards whose QR codes (zbarimg) are each
participant's link and join as them, and the door poster's join and Wi-Fi
codes (docs/protocol.md, "Staff and the console")."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import PDF_4_PAGES, data_file, module_server, plenum_bin, sanitizer_report
from helpers import (assert_error, close_all, connect, get, join, join_raw, multipart,
                     post_tolerant, request, run)

SEC = ("Trần Thị Bình", "binh@so-tttt.gov.vn", "secretary", "binh-password-2026")
OTHER = ("Lê Minh Châu", "chau@so-tttt.gov.vn", "secretary", "chau-password-2026")


def prepare(server):
    for name, email, role, pw in (SEC, OTHER):
        p = subprocess.run([plenum_bin(), "user", "add", "--data", server.data, "--name", name,
                            "--email", email, "--role", role], input=pw + "\n",
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and sanitizer_report(p.stderr) is None, p.stderr
    return {}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


class Staff:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def headers(self, extra=None):
        h = {"Cookie": f"plenum_staff={self.token}", "Origin": self.base}
        h.update(extra or {})
        return h

    def get(self, path):
        return request(self.base, "GET", path, headers=self.headers())

    def post(self, path, body=None, headers=None):
        return request(self.base, "POST", path, body=body if body is not None else {},
                       headers=self.headers(headers))

    def ok(self, path, body=None, status=200):
        r = self.post(path, body)
        assert r.status == status, f"POST {path} {body}: expected {status}, got {r!r}"
        return r.json()

    def csv(self, path, data):
        return request(self.base, "POST", path, body=data,
                       headers=self.headers({"Content-Type": "text/csv"}))


def sign_in(srv, who=SEC):
    r = request(srv.url, "POST", "/api/staff/signin", body={"email": who[1], "password": who[3]},
                headers={"Origin": srv.url})
    assert r.status == 200, r
    c = [v for v in r.header_all("Set-Cookie") if v.startswith("plenum_staff=")][0]
    return Staff(srv.url, c.split(";")[0].split("=", 1)[1])


@pytest.fixture
def staff(srv):
    return sign_in(srv)


def create(staff, **body):
    body.setdefault("title", "Họp giao ban tháng 12")
    return staff.ok("/api/console/meetings", body, status=201)["meeting"]


def detail(staff, m):
    r = staff.get(f"/api/console/meetings/{m}")
    assert r.status == 200, r
    return r.json()["meeting"]


def person(meeting, name):
    for p in meeting["participants"]:
        if p["name"] == name:
            return p
    raise AssertionError(f"{name} not on the roster: {[p['name'] for p in meeting['participants']]}")


def link_of(staff, m, pid):
    r = staff.get(f"/api/console/meetings/{m}/participants/{pid}/link")
    assert r.status == 200, r
    return r.json()["link"]


def events(srv, staff, m):
    """The event log as the chair exports it (JSON)."""
    chair = [p for p in detail(staff, m)["participants"] if p["role"] == "chair"][0]
    s = join(srv.url, link_of(staff, m, chair["id"]))["session"]
    r = get(srv.url, f"/api/meetings/{m}/events.json", session=s)
    assert r.status == 200, r
    return r.json()["events"]


def hello_state(srv, session):
    async def go():
        c, reply = await connect(srv.url, session)
        await close_all([c])
        return reply
    reply = run(go())
    assert reply.get("ok"), reply
    return reply["state"]


# ------------------------------------------------------------ meetings

def test_create_shows_every_field_and_converts_times(staff):
    m = create(staff, org="Sở Thông tin và Truyền thông", location="Phòng 301",
               starts="2026-12-01T08:30+07:00", ends="2026-12-01T10:30+07:00",
               quorum_rule="two_thirds", guests=True,
               wifi={"ssid": "Phong hop 301", "password": "hop301@2026"},
               chair="Nguyễn Văn An", secretary="Trần Thị Bình",
               agenda=["Khai mạc", "Báo cáo tháng 11", "Kế hoạch tháng 12"])
    assert m["state"] == "draft" and m["guests"] is True and m["quorum_rule"] == "two_thirds"
    assert m["starts"] == "2026-12-01T01:30:00Z" and m["ends"] == "2026-12-01T03:30:00Z"
    assert m["wifi"] == {"ssid": "Phong hop 301", "password": "hop301@2026"}
    assert m["created_by"]["name"] == SEC[0]
    assert [i["title"] for i in m["agenda"]] == ["Khai mạc", "Báo cáo tháng 11", "Kế hoạch tháng 12"]
    assert [(p["name"], p["role"]) for p in m["participants"]] == [
        ("Nguyễn Văn An", "chair"), ("Trần Thị Bình", "secretary"), ("Room display", "display")]
    assert all(p["link"] for p in m["participants"])
    assert m["join_url"].startswith(staff.base + "/j/")
    assert m["counts"] == {"participants": 2, "items": 3, "documents": 0}


@pytest.mark.parametrize("body, word", [
    ({"title": ""}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": "Họp", "starts": "mai lúc 8 giờ"}, "start"),
    ({"title": "Họp", "starts": "2026-12-01T10:00", "ends": "2026-12-01T09:00"}, "before the start"),
    ({"title": "Họp", "quorum_rule": "most"}, "quorum"),
    ({"title": "Họp", "wifi": {"ssid": "x" * 33}}, "Wi-Fi name"),
    ({"title": "Họp", "wifi": {"ssid": "Phòng", "password": "ngắn"}}, "Wi-Fi password"),
    ({"title": "Họp", "guests": "yes"}, "guests"),
    ({"title": "Họp", "agenda": ["Khai mạc", ""]}, "agenda item 2"),
])
def test_create_refuses_bad_fields_with_a_sentence(staff, body, word):
    e = assert_error(staff.post("/api/console/meetings", body), 400, "bad_request")
    assert word in e["message"], e


def test_edit_logs_the_change_and_tells_connected_clients(srv, staff):
    m = create(staff, title="Họp cũ", location="Phòng 1")
    chair = [p for p in m["participants"] if p["role"] == "chair"][0]
    s = join(srv.url, link_of(staff, m["id"], chair["id"]))["session"]

    async def go():
        c, _ = await connect(srv.url, s)
        r = staff.post(f"/api/console/meetings/{m['id']}",
                       {"title": "Họp mới", "location": "Phòng 2", "ends": None,
                        "wifi": {"ssid": "Phong 2"}})
        ev = await c.wait_for(lambda x: x.get("type") == "meeting.edited" and "seq" in x, "meeting.edited")
        await close_all([c])
        return r, ev
    r, ev = run(go())
    assert r.status == 200, r
    got = r.json()["meeting"]
    assert got["title"] == "Họp mới" and got["location"] == "Phòng 2"
    assert got["wifi"] == {"ssid": "Phong 2", "password": None}
    assert sorted(ev["fields"]) == ["location", "title", "wifi"]
    assert ev["meeting"]["title"] == "Họp mới"
    assert "password" not in str(ev)
    # Nothing to change: no event.
    seq = ev["seq"]
    staff.ok(f"/api/console/meetings/{m['id']}", {"title": "Họp mới"})
    log = events(srv, staff, m["id"])
    assert [e["type"] for e in log if e["seq"] > seq].count("meeting.edited") == 0
    edited = [e for e in log if e["type"] == "meeting.edited"][0]
    assert edited["actor"].startswith("staff:") and edited["actor_name"] == SEC[0]
    # hello carries the new details.
    state = hello_state(srv, s)
    assert state["meeting"]["title"] == "Họp mới"


def test_list_search_and_when(srv, staff):
    a = create(staff, title="Họp Giao Ban Tuần 49", starts="2027-03-08T08:00+07:00")
    b = create(staff, title="Hội nghị tổng kết năm", starts="2027-03-20T14:00+07:00")
    c = create(staff, title="Giao ban khẩn", starts="2027-03-10T08:00+07:00")
    staff.ok(f"/api/console/meetings/{c['id']}/open")
    staff.ok(f"/api/console/meetings/{b['id']}/close")

    def ids(query):
        r = staff.get("/api/console/meetings?" + query)
        assert r.status == 200, r
        return [m["id"] for m in r.json()["meetings"]]
    found = ids("q=giao%20ban")
    assert a["id"] in found and c["id"] in found and b["id"] not in found
    assert ids("q=GIAO%20B%C3%80N") == found  # case and diacritics ignored
    assert ids("q=giao+ban") == found  # a form's '+' for a space
    assert ids("q=t%E1%BB%95ng%20k%E1%BA%BFt") == [b["id"]]
    assert c["id"] in ids("when=live") and a["id"] not in ids("when=live")
    assert b["id"] in ids("when=past") and b["id"] not in ids("when=upcoming")
    up = ids("when=upcoming&from=2027-03-01&to=2027-03-31")
    assert up[0] == a["id"] and c["id"] not in up
    assert up == [a["id"]]
    assert ids("from=2027-03-09&to=2027-03-10") == [c["id"]]
    # A long search before the dates does not hide them.
    assert ids("q=giao%20ban%20th%C3%A1ng%20ba&from=2027-03-09&to=2027-03-10") == \
        [m for m in ids("q=giao%20ban%20th%C3%A1ng%20ba") if m == c["id"]]
    assert ids("q=giao%20ban&from=2027-03-09&to=2027-03-10") == [c["id"]]
    assert ids("q=" + "giao%20ban%20" * 3 + "&from=2027-03-01&to=2027-03-31&when=upcoming") == \
        [m for m in ids("q=" + "giao%20ban%20" * 3) if m in up]
    assert_error(staff.get("/api/console/meetings?when=soon"), 400)
    assert_error(staff.get("/api/console/meetings?from=12/01/2026"), 400)


def test_clone_copies_agenda_and_roster_not_documents_or_links(srv, staff):
    src = create(staff, title="Họp tháng 11", org="Sở A", location="Phòng 5",
                 agenda=["Khai mạc", "Báo cáo"], chair="Nguyễn Văn An",
                 wifi={"ssid": "Phong 5", "password": "phong5-2026"})
    m = src["id"]
    staff.ok(f"/api/console/meetings/{m}/agenda/{src['agenda'][1]['id']}",
             {"presenter": "Lê Châu", "planned_minutes": 20})
    added = staff.ok(f"/api/console/meetings/{m}/participants",
                     {"name": "Phạm Dũng", "title": "Chuyên viên", "org": "Sở B",
                      "email": "dung@x.vn"}, status=201)
    upload_as_staff(srv, staff, m, item=src["agenda"][0]["id"])
    staff.ok(f"/api/console/meetings/{m}/close")
    cl = staff.ok(f"/api/console/meetings/{m}/clone",
                  {"title": "Họp tháng 12", "starts": "2026-12-28T08:00+07:00"}, status=201)["meeting"]
    assert cl["id"] != m and cl["state"] == "draft" and cl["title"] == "Họp tháng 12"
    assert cl["org"] == "Sở A" and cl["location"] == "Phòng 5"
    assert cl["wifi"] == {"ssid": "Phong 5", "password": "phong5-2026"}
    assert [(i["title"], i["presenter"], i["planned_minutes"]) for i in cl["agenda"]] == [
        ("Khai mạc", "", None), ("Báo cáo", "Lê Châu", 20)]
    assert all(i["documents"] == [] for i in cl["agenda"]) and cl["counts"]["documents"] == 0
    names = {p["name"]: p for p in cl["participants"]}
    assert names["Nguyễn Văn An"]["role"] == "chair"
    assert names["Phạm Dũng"]["org"] == "Sở B" and names["Phạm Dũng"]["email"] == "dung@x.vn"
    assert len(cl["participants"]) == len(src["participants"]) + 1
    # Its links are its own: the source's link opens the source only.
    r = join(srv.url, added["link"])
    assert r["meeting"] == m
    new = link_of(staff, cl["id"], names["Phạm Dũng"]["id"])
    assert new != added["link"] and join(srv.url, new)["meeting"] == cl["id"]


def test_open_from_the_console_reaches_the_room(srv, staff):
    m = create(staff, title="Khai mạc từ bảng điều khiển")
    chair = [p for p in m["participants"] if p["role"] == "chair"][0]
    s = join(srv.url, link_of(staff, m["id"], chair["id"]))["session"]

    async def go():
        c, _ = await connect(srv.url, s)
        r = staff.post(f"/api/console/meetings/{m['id']}/open")
        ev = await c.wait_for(lambda x: x.get("type") == "meeting.opened" and "seq" in x, "meeting.opened")
        await close_all([c])
        return r, ev
    r, ev = run(go())
    assert r.status == 200 and r.json()["meeting"]["state"] == "live", r
    assert r.json()["seq"] == ev["seq"]
    e = assert_error(staff.post(f"/api/console/meetings/{m['id']}/open"), 409, "conflict")
    assert e["message"] == "this meeting is open already"
    staff.ok(f"/api/console/meetings/{m['id']}/close")
    e = assert_error(staff.post(f"/api/console/meetings/{m['id']}",  {"title": "x"}), 409)
    assert e["message"] == "this meeting is closed"
    assert_error(staff.post(f"/api/console/meetings/{m['id']}/agenda", {"title": "x"}), 409)
    assert_error(staff.post(f"/api/console/meetings/{m['id']}/participants", {"name": "x"}), 409)
    opened = [e for e in events(srv, staff, m["id"]) if e["type"] == "meeting.opened"][0]
    assert opened["actor_name"] == SEC[0]


# ------------------------------------------------------------ agenda

def test_agenda_add_rename_reorder_remove(srv, staff):
    m = create(staff, agenda=["Khai mạc", "Báo cáo", "Bế mạc"])
    mid = m["id"]
    ids = [i["id"] for i in m["agenda"]]
    r = staff.ok(f"/api/console/meetings/{mid}/agenda",
                 {"title": "Thảo luận", "presenter": "Nguyễn Văn An", "planned_minutes": 30,
                  "position": 3}, status=201)
    new = r["item"]
    assert [(i["title"], i["position"]) for i in r["agenda"]] == [
        ("Khai mạc", 1), ("Báo cáo", 2), ("Thảo luận", 3), ("Bế mạc", 4)]
    assert r["agenda"][2]["presenter"] == "Nguyễn Văn An" and r["agenda"][2]["planned_minutes"] == 30
    r = staff.ok(f"/api/console/meetings/{mid}/agenda/{ids[1]}",
                 {"title": "Báo cáo tình hình", "planned_minutes": 15})
    assert r["agenda"][1]["title"] == "Báo cáo tình hình" and r["agenda"][1]["planned_minutes"] == 15
    r = staff.ok(f"/api/console/meetings/{mid}/agenda/{ids[1]}", {"planned_minutes": None})
    assert r["agenda"][1]["planned_minutes"] is None
    # Reordering (drag and drop, or the keyboard) sends the whole order.
    order = [ids[2], new, ids[0], ids[1]]
    r = staff.ok(f"/api/console/meetings/{mid}/agenda/order", {"items": order})
    assert [i["id"] for i in r["agenda"]] == order
    assert [i["position"] for i in r["agenda"]] == [1, 2, 3, 4]
    for bad in ([ids[0]], order + [ids[0]], [ids[2], new, ids[0], "zzzzzzzzzzzz"],
                [ids[2], ids[2], ids[0], ids[1]]):
        assert_error(staff.post(f"/api/console/meetings/{mid}/agenda/order", {"items": bad}), 400)
    # Removing an item keeps its documents, without an item.
    doc = upload_as_staff(srv, staff, mid, item=new)
    r = staff.ok(f"/api/console/meetings/{mid}/agenda/{new}/remove")
    assert [i["title"] for i in r["agenda"]] == ["Bế mạc", "Khai mạc", "Báo cáo tình hình"]
    assert [i["position"] for i in r["agenda"]] == [1, 2, 3]
    d = detail(staff, mid)
    assert [x["id"] for x in d["unfiled"]] == [doc]
    assert_error(staff.post(f"/api/console/meetings/{mid}/agenda/{new}", {"title": "x"}), 404)
    assert_error(staff.post(f"/api/console/meetings/{mid}/agenda", {"title": ""}), 400)
    assert_error(staff.post(f"/api/console/meetings/{mid}/agenda",
                            {"title": "x", "planned_minutes": 0}), 400)
    # Each change is an agenda.changed event by the staff member; a
    # participant's hello has the agenda with presenters.
    log = events(srv, staff, mid)
    changes = [e for e in log if e["type"] == "agenda.changed"]
    assert [e["body"]["change"] for e in changes] == ["added", "edited", "edited", "moved", "removed"]
    assert all(e["actor_name"] == SEC[0] for e in changes)


# ------------------------------------------------------------ roster

def test_add_edit_remove_participants(srv, staff):
    m = create(staff)
    mid = m["id"]
    r = staff.ok(f"/api/console/meetings/{mid}/participants",
                 {"name": "  Đỗ Thị Hoa ", "title": "Phó giám đốc", "org": "Sở Y tế",
                  "email": "hoa@so-yte.gov.vn"}, status=201)
    p = r["participant"]
    assert p["name"] == "Đỗ Thị Hoa" and p["role"] == "member" and p["email"] == "hoa@so-yte.gov.vn"
    assert r["link"].startswith(srv.url + "/j/")
    r = staff.ok(f"/api/console/meetings/{mid}/participants/{p['id']}",
                 {"title": "Giám đốc", "role": "guest", "email": None})
    assert r["participant"]["title"] == "Giám đốc" and r["participant"]["role"] == "guest"
    assert r["participant"]["email"] is None
    for bad in ({"name": ""}, {"role": "display"}, {"role": "boss"}, {"email": "hoa@"}):
        assert_error(staff.post(f"/api/console/meetings/{mid}/participants/{p['id']}", bad), 400)
    display = [x for x in m["participants"] if x["role"] == "display"][0]
    assert_error(staff.post(f"/api/console/meetings/{mid}/participants/{display['id']}",
                            {"name": "TV"}), 409)
    # Someone who joined stays on the record; someone who did not can go.
    join(srv.url, r.get("link") or link_of(staff, mid, p["id"]))
    e = assert_error(staff.post(f"/api/console/meetings/{mid}/participants/{p['id']}/remove"), 409)
    assert "stays on its record" in e["message"]
    q = staff.ok(f"/api/console/meetings/{mid}/participants", {"name": "Người Tạm"},
                 status=201)["participant"]
    staff.ok(f"/api/console/meetings/{mid}/participants/{q['id']}/remove")
    assert "Người Tạm" not in [x["name"] for x in detail(staff, mid)["participants"]]
    types = [e["type"] for e in events(srv, staff, mid)]
    assert "participant.changed" in types and "participant.removed" in types


def test_reissued_link_invalidates_the_old_one(srv, staff):
    m = create(staff)
    mid = m["id"]
    r = staff.ok(f"/api/console/meetings/{mid}/participants", {"name": "Vũ Ngọc Lan"}, status=201)
    pid, old = r["participant"]["id"], r["link"]
    first = join(srv.url, old)
    assert first["participant"] == pid
    assert get(srv.url, "/api/session", session=first["session"]).status == 200
    assert link_of(staff, mid, pid) == old  # the link can be shown again
    r = staff.ok(f"/api/console/meetings/{mid}/participants/{pid}/link")
    new = r["link"]
    assert r["participant"] == pid and new != old and new.startswith(srv.url + "/j/")
    # The old link opens nothing; the session it gave has ended.
    assert_error(join_raw(srv.url, old), 404, "not_found")
    assert get(srv.url, "/api/session", session=first["session"]).status == 401
    again = join(srv.url, new)
    assert again["participant"] == pid and again["name"] == "Vũ Ngọc Lan"
    assert link_of(staff, mid, pid) == new
    ev = [e for e in events(srv, staff, mid) if e["type"] == "participant.link_reissued"]
    assert ev and ev[-1]["body"] == {"participant": pid, "seq": ev[-1]["seq"],
                                     "type": "participant.link_reissued", "at": ev[-1]["at"]}


def test_csv_import_of_200_rows_with_bom_semicolons_and_three_bad_rows(srv, staff):
    m = create(staff, title="Hội nghị 200 đại biểu")
    mid = m["id"]
    with open(data_file("roster-200.csv"), "rb") as f:
        csv = f.read()
    assert csv.startswith(b"\xef\xbb\xbf") and b";" in csv.splitlines()[0]
    r = staff.csv(f"/api/console/meetings/{mid}/roster/preview", csv)
    assert r.status == 200, r
    pv = r.json()
    assert pv["bom"] is True and pv["separator"] == ";"
    assert pv["columns"] == {"name": 1, "title": 2, "org": 3, "role": 4, "email": 5}
    assert pv["ignored"] == ["STT"]
    assert pv["counts"] == {"rows": 197, "refused": 3}
    # The preview names exactly those three rows, by their lines, and why.
    refused = {x["line"]: x["reason"] for x in pv["refused"]}
    assert sorted(refused) == [58, 122, 189], refused
    assert refused[58] == "the name is empty"
    assert "nguoi121@@so-tttt" in refused[122] and "not an email address" in refused[122]
    assert "Giám khảo" in refused[189]
    rows = {x["line"]: x for x in pv["rows"]}
    assert 58 not in rows and len(rows) == 197
    # Vietnamese names and the quoted fields intact.
    text = csv.decode("utf-8-sig").splitlines()
    first = text[1].split(";")
    assert rows[2]["name"] == first[1] and rows[2]["title"] == first[2]
    quoted = [x for x in pv["rows"] if x["org"] == 'Ban Quản lý dự án "Đô thị"']
    assert quoted, "a quoted organisation with quotes inside was not read whole"
    assert any(x["org"] == "Sở Y tế; phòng Tổ chức" for x in pv["rows"])
    assert {x["role"] for x in pv["rows"]} == {"member", "guest"}
    # The preview wrote nothing.
    assert detail(staff, mid)["counts"]["participants"] == 2
    # Importing the preview adds exactly the accepted rows, in one event.
    r = staff.ok(f"/api/console/meetings/{mid}/roster/import", {"preview": pv["preview"]},
                 status=201)
    assert r["added"] == 197 and len(r["participants"]) == 197
    assert all(p["link"].startswith(srv.url + "/j/") for p in r["participants"])
    d = detail(staff, mid)
    assert d["counts"]["participants"] == 199
    names = {p["name"] for p in d["participants"]}
    assert {x["name"] for x in pv["rows"]} <= names
    log = events(srv, staff, mid)
    imported = [e for e in log if e["type"] == "roster.imported"]
    assert len(imported) == 1 and imported[0]["body"]["count"] == 197
    assert imported[0]["actor_name"] == SEC[0]
    assert "@" not in str(imported[0]["body"])  # no emails in what participants receive
    # One imported person joins with their link.
    p = r["participants"][10]
    j = join(srv.url, p["link"])
    assert j["participant"] == p["id"] and j["name"] == p["name"]
    # A preview is used once; the same file again adds nobody.
    assert_error(staff.post(f"/api/console/meetings/{mid}/roster/import",
                            {"preview": pv["preview"]}), 404)
    again = staff.csv(f"/api/console/meetings/{mid}/roster/preview", csv).json()
    assert again["counts"] == {"rows": 0, "refused": 200}
    assert all(x["reason"].startswith("already on the roster") for x in again["refused"]
               if x["line"] not in (58, 122, 189))
    e = assert_error(staff.csv(f"/api/console/meetings/{mid}/roster/import", csv), 400)
    assert "no row" in e["message"]


def test_csv_import_with_the_file_again_and_its_refusals(srv, staff):
    m = create(staff)
    mid = m["id"]
    ok = "Name,Email\nAn,an@x.vn\nBình,binh@x.vn\n".encode()
    r = request(srv.url, "POST", f"/api/console/meetings/{mid}/roster/import", body=ok,
                headers=staff.headers({"Content-Type": "text/csv"}))
    assert r.status == 201 and r.json()["added"] == 2, r
    # A preview goes stale when the roster changes under it.
    pv = staff.csv(f"/api/console/meetings/{mid}/roster/preview",
                   "Name,Email\nChâu,chau@x.vn\n".encode()).json()
    staff.ok(f"/api/console/meetings/{mid}/participants", {"name": "Châu", "email": "CHAU@x.vn"},
             status=201)
    e = assert_error(staff.post(f"/api/console/meetings/{mid}/roster/import",
                                {"preview": pv["preview"]}), 409)
    assert "preview the file again" in e["message"]
    # Whole-file refusals.
    e = assert_error(staff.csv(f"/api/console/meetings/{mid}/roster/preview",
                               "Chức vụ;Email\nx;y\n".encode()), 400)
    assert "Họ và tên" in e["message"]
    e = assert_error(staff.csv(f"/api/console/meetings/{mid}/roster/preview",
                               "Name\n".encode("utf-16")), 400)
    assert "UTF-8" in e["message"]
    big = b"Name\n" + b"x" * (1024 * 1024 + 10)
    r = post_tolerant(srv.url, f"/api/console/meetings/{mid}/roster/preview", big,
                      headers=staff.headers({"Content-Type": "text/csv"}))
    assert_error(r, 413, "too_large")
    # Another staff member cannot use her preview.
    pv = staff.csv(f"/api/console/meetings/{mid}/roster/preview",
                   "Name\nDũng\n".encode()).json()
    admin_like = sign_in(srv, OTHER)
    assert_error(admin_like.post(f"/api/console/meetings/{mid}/roster/import",
                                 {"preview": pv["preview"]}), 403)


# ------------------------------------------------------------ documents

def upload_as_staff(srv, staff, meeting, item=None, name="bao-cao.pdf"):
    with open(data_file(PDF_4_PAGES), "rb") as f:
        data = f.read()
    fields = [("file", (name, data, "application/pdf"))]
    if item:
        fields.insert(0, ("item", item))
    body, ct = multipart(fields)
    r = post_tolerant(srv.url, f"/api/meetings/{meeting}/documents", body,
                      headers=staff.headers({"Content-Type": ct}))
    assert r.status == 201, r
    return r.json()["doc"]


def test_staff_upload_lands_under_its_item_and_can_be_renamed(srv, staff):
    m = create(staff, agenda=["Khai mạc", "Báo cáo", "Bế mạc"])
    mid, item2 = m["id"], m["agenda"][1]["id"]
    doc = upload_as_staff(srv, staff, mid, item=item2, name="Báo cáo tháng 11.pdf")
    d = detail(staff, mid)
    assert [x["id"] for x in d["agenda"][1]["documents"]] == [doc]
    assert d["agenda"][1]["documents"][0]["pages"] == 4
    r = staff.ok(f"/api/console/docs/{doc}", {"title": "Báo cáo tình hình"})
    assert r["seq"] > 0
    staff.ok(f"/api/console/docs/{doc}", {"item": m["agenda"][2]["id"], "position": 1})
    d = detail(staff, mid)
    assert d["agenda"][2]["documents"][0]["title"] == "Báo cáo tình hình"
    log = events(srv, staff, mid)
    added = [e for e in log if e["type"] == "doc.added"][0]
    assert added["actor"].startswith("staff:") and added["actor_name"] == SEC[0]
    staff.ok(f"/api/console/docs/{doc}/remove")
    assert detail(staff, mid)["counts"]["documents"] == 0
    other = sign_in(srv, OTHER)
    theirs = create(other)
    assert_error(staff.post(f"/api/console/docs/{upload_as_staff(srv, other, theirs['id'])}",
                            {"title": "x"}), 403)


def test_staff_upload_of_a_word_document_onto_item_2(server_factory):
    """The secretary's usual file: a .docx, converted by LibreOffice on the
    server (or refused with what to install, when the server has none) —
    the first document of a fresh server, as on the day it is set up."""
    srv = server_factory(prepare)
    staff = sign_in(srv)
    m = create(staff, agenda=["Khai mạc", "Báo cáo", "Bế mạc"])
    with open(data_file("hop-giao-ban.docx"), "rb") as f:
        data = f.read()
    body, ct = multipart([("item", m["agenda"][1]["id"]),
                          ("file", ("Họp giao ban.docx", data,
                                    "application/vnd.openxmlformats-officedocument."
                                    "wordprocessingml.document"))])
    r = post_tolerant(srv.url, f"/api/meetings/{m['id']}/documents", body,
                      headers=staff.headers({"Content-Type": ct}))
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        e = assert_error(r, 415, "unsupported")
        assert "LibreOffice" in e["message"]
        return
    assert r.status == 201, r
    d = detail(staff, m["id"])
    docs = d["agenda"][1]["documents"]
    assert [x["title"] for x in docs] == ["Họp giao ban"] and docs[0]["pages"] >= 1


# ------------------------------------------------------------ printed material

def qr_codes(pdf_bytes, tmp_path, name):
    """Every QR code on every page: the PDF drawn by mutool, read by zbarimg."""
    if not shutil.which("mutool") or not shutil.which("zbarimg"):
        pytest.fail("mutool (mupdf-tools) and zbarimg (zbar-tools) are needed: scripts/deps.sh --test")
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(pdf_bytes)
    # Two resolutions, as two phones would see the sheet: zbar, finding many
    # codes on one page, now and then misses one at one scale that it reads
    # at the other. A code counts when either reads it.
    found = []
    for dpi in (150, 300):
        out = tmp_path / f"{name}-{dpi}"
        out.mkdir(exist_ok=True)
        subprocess.run(["mutool", "draw", "-q", "-r", str(dpi), "-o", str(out / "p-%d.png"),
                        str(pdf)], check=True, capture_output=True, timeout=120)
        pages = sorted(out.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        for i, page in enumerate(pages):
            p = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True,
                               text=True, timeout=120)
            if len(found) <= i:
                found.append(set())
            found[i] |= {line for line in p.stdout.splitlines() if line}
    return [sorted(codes) for codes in found]


def pdf_pages(data):
    p = subprocess.run(["mutool", "info", "-"], input=data, capture_output=True)
    if p.returncode != 0:  # older mutool reads no stdin
        return None
    m = re.search(rb"Pages:\s*(\d+)", p.stdout)
    return int(m.group(1)) if m else None


def test_invitations_for_30_people(srv, staff, tmp_path):
    m = create(staff, title="Họp giao ban tháng 12", org="Sở Thông tin và Truyền thông",
               location="Phòng họp 301", starts="2026-12-01T08:30+07:00",
               ends="2026-12-01T10:30+07:00")
    mid = m["id"]
    # The roster is the 30 people of the file: the placeholders go first.
    for p in m["participants"]:
        if p["role"] in ("chair", "secretary"):
            staff.ok(f"/api/console/meetings/{mid}/participants/{p['id']}/remove")
    with open(data_file("roster-30.csv"), "rb") as f:
        r = request(srv.url, "POST", f"/api/console/meetings/{mid}/roster/import", body=f.read(),
                    headers=staff.headers({"Content-Type": "text/csv"}))
    assert r.status == 201 and r.json()["added"] == 30, r
    people = [p for p in detail(staff, mid)["participants"] if p["role"] != "display"]
    assert len(people) == 30
    links = {link_of(staff, mid, p["id"]): p for p in people}

    r = staff.get(f"/api/console/meetings/{mid}/invitations.pdf")
    assert r.status == 200, r
    assert r.content_type == "application/pdf" and r.body.startswith(b"%PDF-")
    assert "attachment" in r.header("Content-Disposition")
    assert r.header("Cache-Control") == "no-store"
    codes = qr_codes(r.body, tmp_path, "invitations")
    # Eight cards a sheet: 8, 8, 8, 6.
    assert [len(c) for c in codes] == [8, 8, 8, 6], codes
    found = [c for page in codes for c in page]
    assert sorted(found) == sorted(links), "each card's QR code is its participant's link"
    # Each link joins as that participant.
    for url in found:
        j = join(srv.url, url)
        assert j["participant"] == links[url]["id"] and j["name"] == links[url]["name"]
        assert j["meeting"] == mid
    # Printing again prints the same links (they are not re-issued).
    again = qr_codes(staff.get(f"/api/console/meetings/{mid}/invitations.pdf").body, tmp_path, "again")
    assert sorted(c for page in again for c in page) == sorted(links)
    # Some of them only.
    some = [people[0]["id"], people[5]["id"]]
    r = staff.get(f"/api/console/meetings/{mid}/invitations.pdf?participants={','.join(some)}")
    codes = qr_codes(r.body, tmp_path, "some")
    assert sorted(codes[0]) == sorted(link_of(staff, mid, p) for p in some)
    assert_error(staff.get(f"/api/console/meetings/{mid}/invitations.pdf?participants=zzzzzzzzzzzz"),
                 404)


def test_invitation_for_a_command_line_participant_reissues_the_link(srv, staff, tmp_path):
    admin_meeting = srv.meeting(title="Họp tạo bằng dòng lệnh")
    old = srv.participant(admin_meeting, "Ngô Văn Bảy")
    mid = admin_meeting["meeting"]
    # Given to the secretary by an admin-less route: the database.
    import sqlite3
    with sqlite3.connect(os.path.join(srv.data, "plenum.db"), timeout=10) as c:
        uid = c.execute("SELECT id FROM staff_user WHERE email = ?", (SEC[1],)).fetchone()[0]
        c.execute("INSERT INTO meeting_staff (meeting, user, granted) VALUES (?, ?, 'now')",
                  (mid, uid))
    pid = old["participant"]
    e = assert_error(staff.get(f"/api/console/meetings/{mid}/participants/{pid}/link"), 409)
    assert "command line" in e["message"]
    r = staff.get(f"/api/console/meetings/{mid}/invitations.pdf?participants={pid}")
    assert r.status == 200, r
    codes = qr_codes(r.body, tmp_path, "cli")
    assert codes[0] == [link_of(staff, mid, pid)]
    assert_error(join_raw(srv.url, old["url"]), 404)
    assert join(srv.url, codes[0][0])["participant"] == pid


def wifi_fields(s):
    """The fields of a WIFI: string (ZXing's scheme), unescaped."""
    assert s.startswith("WIFI:") and s.endswith(";;"), s
    fields, cur, key, esc = {}, "", None, False
    for ch in s[5:-1]:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == ":" and key is None:
            key, cur = cur, ""
        elif ch == ";":
            fields[key] = cur
            key, cur = None, ""
        else:
            cur += ch
    return fields


def test_door_poster_has_the_join_and_wifi_codes(srv, staff, tmp_path):
    m = create(staff, title="Họp giao ban tháng 12", location="Phòng họp 301",
               starts="2026-12-01T08:30+07:00",
               wifi={"ssid": "Phòng họp; 301", "password": 'mật:khẩu"2026'})
    r = staff.get(f"/api/console/meetings/{m['id']}/poster.pdf")
    assert r.status == 200 and r.content_type == "application/pdf", r
    codes = qr_codes(r.body, tmp_path, "poster")
    assert len(codes) == 1 and len(codes[0]) == 2, codes
    join_codes = [c for c in codes[0] if not c.startswith("WIFI:")]
    wifi = [c for c in codes[0] if c.startswith("WIFI:")]
    assert join_codes == [m["join_url"]]
    assert wifi_fields(wifi[0]) == {"T": "WPA", "S": "Phòng họp; 301", "P": 'mật:khẩu"2026'}
    # The join code opens the meeting's room link.
    info = get(srv.url, "/api/join/" + m["join_url"].rsplit("/", 1)[1])
    assert info.status == 200 and info.json()["meeting"]["id"] == m["id"]
    # An open network: T:nopass; no Wi-Fi: one code.
    staff.ok(f"/api/console/meetings/{m['id']}", {"wifi": {"ssid": "Khach"}})
    codes = qr_codes(staff.get(f"/api/console/meetings/{m['id']}/poster.pdf").body, tmp_path, "open")
    assert "WIFI:T:nopass;S:Khach;;" in codes[0]
    staff.ok(f"/api/console/meetings/{m['id']}", {"wifi": None})
    codes = qr_codes(staff.get(f"/api/console/meetings/{m['id']}/poster.pdf").body, tmp_path, "none")
    assert codes == [[m["join_url"]]]


# ------------------------------------------------------------ the page

def test_console_paths_serve_the_consoles_page(server_factory, tmp_path):
    web = tmp_path / "web"
    (web / "console").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>phòng họp</title>")
    (web / "console" / "index.html").write_text("<!doctype html><title>bảng điều khiển</title>")
    (web / "console" / "console.js").write_text("export const x = 1;\n")
    srv = server_factory(extra_args=["--web-root", str(web)])
    for path in ("/console", "/console/", "/console/meetings/k3v9q2m8x1ab", "/console/sign-in"):
        r = get(srv.url, path)
        assert r.status == 200 and "bảng điều khiển" in r.text(), (path, r)
        assert r.content_type == "text/html"
        assert "default-src 'self'" in (r.header("Content-Security-Policy") or ""), path
    r = get(srv.url, "/console/console.js")
    assert r.status == 200 and r.content_type == "text/javascript" and "export" in r.text()
    # Nothing outside the web root, however the path is spelled.
    for path in ("/console/../../../etc/passwd", "/console/..%2F..%2F..%2Fetc%2Fpasswd"):
        r = get(srv.url, path)
        assert "root:" not in r.text(), path
