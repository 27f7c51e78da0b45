# SPDX-License-Identifier: AGPL-3.0-or-later
"""Joining a meeting: the roster, room and personal tokens, guests, sessions
and the wall between meetings."""

import pytest

from conftest import (MEMBERS, PDF_4_PAGES, PDF_VI, data_file, member_url,
                      module_server, prepare_standard)
from helpers import (ID_RE, TOKEN_RE, assert_error, get, join, join_raw, request,
                     token_of, upload)


def prepare(server):
    a = prepare_standard(server)
    g = prepare_standard(server, guests=True, title="Hội nghị mở rộng",
                         members=[("Đỗ Quang Huy", "Chuyên viên")])
    b = prepare_standard(server, title="Họp chi bộ", docs=(PDF_VI,),
                         members=[("Phạm Thu Hà", "Bí thư")])
    return {"a": a, "g": g, "b": b}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


def room(srv, k="a"):
    return token_of(srv.ctx[k]["join_url"])


def pid(srv, name, k="a"):
    return srv.ctx[k]["participants"][name]["participant"]


# ------------------------------------------------------------------ roster

def test_room_token_gives_the_roster(srv):
    r = get(srv.url, f"/api/join/{room(srv)}")
    assert r.status == 200, r
    j = r.json()
    assert j["kind"] == "room", j
    assert j["guests"] is False, j
    m = j["meeting"]
    assert m["id"] == srv.ctx["a"]["meeting"], m
    assert m["title"] == "Họp giao ban tháng 11", m
    assert m["org"] == "Sở Thông tin" and m["location"] == "Phòng 301", m
    assert m["starts"].startswith("2026-11-28T08:00"), m
    roster = {p["name"]: p for p in j["roster"]}
    assert set(roster) == {n for n, _ in MEMBERS}, \
        f"the roster lists members and guests only: {j['roster']}"
    for name, title in MEMBERS:
        p = roster[name]
        assert p["id"] == pid(srv, name), p
        assert p["title"] == title and p["role"] == "member", p


def test_guests_flag_shows_in_the_roster_reply(srv):
    j = get(srv.url, f"/api/join/{room(srv, 'g')}").json()
    assert j["guests"] is True, j


def test_personal_token_describes_its_participant(srv):
    r = get(srv.url, f"/api/join/{token_of(member_url(srv.ctx['a']))}")
    assert r.status == 200, r
    j = r.json()
    assert j["kind"] == "personal", j
    assert "roster" not in j, j
    assert "participant" in j, j
    assert pid(srv, MEMBERS[0][0]) in str(j["participant"]), j
    assert j["meeting"]["id"] == srv.ctx["a"]["meeting"], j


def test_unknown_token_is_404(srv):
    assert_error(get(srv.url, "/api/join/AAAAAAAAAAAAAAAAAAAAAA"), 404, "not_found")
    assert_error(join_raw(srv.url, "AAAAAAAAAAAAAAAAAAAAAA", name="X"), 404, "not_found")


# ------------------------------------------------------------------- join

def test_join_by_roster_name_ignores_case(srv):
    name = MEMBERS[1][0]
    r = join_raw(srv.url, room(srv), name=name.upper())
    assert r.status == 200, r
    j = r.json()
    assert j["participant"] == pid(srv, name), j
    assert j["meeting"] == srv.ctx["a"]["meeting"], j
    assert j["role"] == "member", j
    assert j["name"] == name, f"the reply gives the roster's spelling: {j}"
    assert TOKEN_RE.match(j["session"]), j


def test_join_by_participant_id(srv):
    name = MEMBERS[2][0]
    j = join(srv.url, room(srv), participant=pid(srv, name))
    assert j["participant"] == pid(srv, name) and j["name"] == name, j


def test_set_cookie_is_httponly_and_lax(srv):
    r = join_raw(srv.url, room(srv), name=MEMBERS[0][0])
    assert r.status == 200, r
    cookies = [c for c in r.header_all("Set-Cookie") if c.startswith("plenum_session=")]
    assert len(cookies) == 1, r.headers
    parts = [p.strip() for p in cookies[0].split(";")]
    assert parts[0] == "plenum_session=" + r.json()["session"], cookies[0]
    attrs = {p.split("=")[0].lower(): p for p in parts[1:]}
    assert "httponly" in attrs, cookies[0]
    assert attrs.get("samesite", "").lower() == "samesite=lax", cookies[0]
    assert attrs.get("path") == "Path=/", cookies[0]


def test_each_join_is_a_new_session(srv):
    a = join(srv.url, room(srv), name=MEMBERS[0][0])["session"]
    b = join(srv.url, room(srv), name=MEMBERS[0][0])["session"]
    assert a != b


def test_session_cookie_opens_the_meeting(srv):
    s = join(srv.url, room(srv), name=MEMBERS[0][0])["session"]
    m = srv.ctx["a"]["meeting"]
    assert get(srv.url, f"/api/meetings/{m}/qr.svg", session=s).status == 200


def test_session_cookie_among_other_cookies(srv):
    s = join(srv.url, room(srv), name=MEMBERS[0][0])["session"]
    m = srv.ctx["a"]["meeting"]
    r = get(srv.url, f"/api/meetings/{m}/qr.svg",
            headers={"Cookie": f"theme=dark; plenum_session={s}; lang=vi"})
    assert r.status == 200, f"a browser sends other cookies too: {r!r}"


def test_unknown_name_is_refused_without_guests(srv):
    err = assert_error(join_raw(srv.url, room(srv), name="Người Lạ"), 403, "forbidden")
    assert "roster" in err["message"], err
    roster = get(srv.url, f"/api/join/{room(srv)}").json()["roster"]
    assert "Người Lạ" not in [p["name"] for p in roster], "a refused name was added"


def test_unknown_participant_id_is_refused(srv):
    r = join_raw(srv.url, room(srv), participant="zzzzzzzzzzzz")
    assert r.status in (403, 404), r


def test_guest_is_added_when_guests_are_allowed(srv):
    j = join(srv.url, room(srv, "g"), name="Vũ Khách Mời")
    assert j["role"] == "guest", j
    assert ID_RE.match(j["participant"]), j
    assert j["name"] == "Vũ Khách Mời", j
    assert j["meeting"] == srv.ctx["g"]["meeting"], j
    roster = get(srv.url, f"/api/join/{room(srv, 'g')}").json()["roster"]
    me = [p for p in roster if p["id"] == j["participant"]]
    assert me and me[0]["role"] == "guest", roster
    # The same name again picks the same guest.
    again = join(srv.url, room(srv, "g"), name="vũ khách mời")
    assert again["participant"] == j["participant"], (j, again)


def test_personal_link_joins_as_its_participant_and_ignores_name(srv):
    name = MEMBERS[0][0]
    j = join(srv.url, member_url(srv.ctx["a"]), name="Someone Else")
    assert j["participant"] == pid(srv, name) and j["name"] == name, j
    j = join(srv.url, member_url(srv.ctx["a"]), participant=pid(srv, MEMBERS[1][0]))
    assert j["participant"] == pid(srv, name), j


@pytest.mark.parametrize("role", ["chair", "secretary", "display"])
def test_personal_links_from_meeting_create(srv, role):
    j = join(srv.url, srv.ctx["a"][f"{role}_url"])
    assert j["role"] == role, j
    assert j["meeting"] == srv.ctx["a"]["meeting"], j


@pytest.mark.parametrize("role", ["chair", "secretary", "display"])
def test_chair_secretary_display_cannot_be_picked_by_room_token(srv, role):
    who = join(srv.url, srv.ctx["a"][f"{role}_url"])
    r = join_raw(srv.url, room(srv), participant=who["participant"])
    assert r.status == 403, f"{role} picked by id through the room token: {r!r}"
    r = join_raw(srv.url, room(srv), name=who["name"])
    assert r.status == 403, f"{role} picked by name through the room token: {r!r}"


def test_chair_name_on_a_guest_meeting_does_not_give_chair(srv):
    chair = join(srv.url, srv.ctx["g"]["chair_url"])
    r = join_raw(srv.url, room(srv, "g"), name=chair["name"])
    if r.status == 200:
        assert r.json()["role"] == "guest", f"room token gave the chair: {r.json()}"
        assert r.json()["participant"] != chair["participant"], r.json()
    else:
        assert r.status == 403, r


# ------------------------------------------------------------ bad requests

@pytest.mark.parametrize("body", [b"{not json", b"", b"[]", b'"token"',
                                  b'{"name": "X"}', b'{"token": 42}'],
                         ids=["broken", "empty", "array", "string", "no-token",
                              "token-not-string"])
def test_malformed_join_body_is_400(srv, body):
    r = request(srv.url, "POST", "/api/join", body=body,
                headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_request")


@pytest.mark.parametrize("name", ["", "x" * 101], ids=["empty", "101-chars"])
def test_bad_name_is_400(srv, name):
    assert_error(join_raw(srv.url, room(srv, "g"), name=name), 400, "bad_request")


def test_name_of_100_characters_is_accepted_as_guest(srv):
    j = join(srv.url, room(srv, "g"), name="ư" * 100)
    assert j["role"] == "guest" and j["name"] == "ư" * 100, j


# ------------------------------------------------- one meeting per token

def test_token_of_one_meeting_cannot_open_another(srv):
    a, b = srv.ctx["a"], srv.ctx["b"]
    s = join(srv.url, a["chair_url"])["session"]
    m_b = b["meeting"]
    doc_b = b["docs"][PDF_VI]["doc"]
    assert_error(get(srv.url, f"/api/meetings/{m_b}/qr.svg", session=s), 403)
    assert_error(get(srv.url, f"/api/docs/{doc_b}/pages/1.png?w=320", session=s), 403)
    with open(data_file(PDF_4_PAGES), "rb") as f:
        pdf = f.read()
    assert_error(upload(srv.url, m_b, s, "x.pdf", pdf), 403)
    # B's member name is unknown through A's room token.
    assert join_raw(srv.url, room(srv), name="Phạm Thu Hà").status == 403
    # And B's participant id is not a participant of A.
    r = join_raw(srv.url, room(srv), participant=pid(srv, "Phạm Thu Hà", "b"))
    assert r.status in (403, 404), r


def test_join_endpoint_only_takes_post(srv):
    r = request(srv.url, "PUT", "/api/join", body={"token": room(srv), "name": "X"})
    assert r.status in (404, 405), r


def test_expect_100_continue_is_answered(srv):
    """curl sends `Expect: 100-continue` before a large upload and waits for
    `100 Continue`; without it every such upload stalls a second."""
    import json as _json
    import socket
    import urllib.parse

    u = urllib.parse.urlsplit(srv.url)
    body = _json.dumps({"token": room(srv), "participant": pid(srv, MEMBERS[0][0])}).encode()
    with socket.create_connection((u.hostname, u.port), timeout=5) as s:
        s.sendall((f"POST /api/join HTTP/1.1\r\nHost: {u.hostname}\r\n"
                   "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode())
        s.settimeout(0.5)  # well under curl's one-second wait
        first = s.recv(64)
        assert first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), first
        s.settimeout(5)
        s.sendall(body)
        rest = first[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
        while b"\r\n\r\n" not in rest:
            rest += s.recv(4096)
        assert rest.startswith(b"HTTP/1.1 200"), rest
