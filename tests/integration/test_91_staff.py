# SPDX-License-Identifier: AGPL-3.0-or-later
"""Staff accounts over the wire: `plenum user …`, signing in and out, the
wrong password, the limit on failed sign-ins, sessions that expire, the
Origin check, and a secretary refused on another secretary's meeting over
HTTP and WebSocket (docs/protocol.md, "Staff and the console")."""

import json
import os
import sqlite3
import subprocess
import urllib.parse

import pytest
import websockets
import websockets.client
import websockets.exceptions

from conftest import cli, data_file, module_server, plenum_bin, sanitizer_report, PDF_4_PAGES
from helpers import (SUBPROTOCOL, WS_TIMEOUT, assert_error, get, join, multipart,
                     post_tolerant, request, run, ws_url)

ADMIN = ("Quản Trị Viên", "admin@so-tttt.gov.vn", "admin", "mật khẩu quản trị 1")
SEC_A = ("Trần Thị Bình", "binh@so-tttt.gov.vn", "secretary", "binh-password-2026")
SEC_B = ("Lê Minh Châu", "chau@so-tttt.gov.vn", "secretary", "chau-password-2026")
SEC_C = ("Phạm Quốc Dũng", "dung@so-tttt.gov.vn", "secretary", "dung-password-2026")


def user_add(data, who, check=True):
    """`plenum user add` with the password on standard input."""
    name, email, role, password = who
    p = subprocess.run([plenum_bin(), "user", "add", "--data", data, "--name", name,
                        "--email", email, "--role", role],
                       input=password + "\n", capture_output=True, text=True, timeout=60)
    assert sanitizer_report(p.stderr) is None, p.stderr
    if check:
        assert p.returncode == 0, f"user add {email}: {p.returncode} {p.stdout} {p.stderr}"
    return p


def prepare(server):
    for who in (ADMIN, SEC_A, SEC_B, SEC_C):
        user_add(server.data, who)
    # A meeting made on the command line: no creator, only admins see it.
    return {"cli_meeting": server.meeting(title="Họp từ dòng lệnh")["meeting"]}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


class Staff:
    """A staff member's browser: the plenum_staff cookie and the server's
    own Origin on every POST."""

    def __init__(self, base, token=None, origin=None):
        self.base = base
        self.token = token
        self.origin = origin if origin is not None else base

    def headers(self, extra=None):
        h = {}
        if self.token:
            h["Cookie"] = f"plenum_staff={self.token}"
        if self.origin:
            h["Origin"] = self.origin
        h.update(extra or {})
        return h

    def get(self, path):
        return request(self.base, "GET", path, headers=self.headers())

    def post(self, path, body=None, headers=None):
        return request(self.base, "POST", path, body=body if body is not None else {},
                       headers=self.headers(headers))


def cookie_of(resp, name="plenum_staff"):
    for v in resp.header_all("Set-Cookie"):
        if v.startswith(name + "="):
            return v
    raise AssertionError(f"no {name} cookie in {resp.headers}")


def sign_in(srv, who, expect=200):
    r = Staff(srv.url).post("/api/staff/signin", {"email": who[1], "password": who[3]})
    assert r.status == expect, f"sign-in of {who[1]}: expected {expect}, got {r!r}"
    if expect != 200:
        return r
    value = cookie_of(r).split(";")[0].split("=", 1)[1]
    return Staff(srv.url, value)


def db(srv):
    return sqlite3.connect(os.path.join(srv.data, "plenum.db"), timeout=10)


def create_meeting(staff, title, **extra):
    body = {"title": title, "agenda": ["Khai mạc", "Báo cáo", "Bế mạc"]}
    body.update(extra)
    r = staff.post("/api/console/meetings", body)
    assert r.status == 201, f"create {title}: {r!r}"
    return r.json()["meeting"]


# ------------------------------------------------------------ command line

def test_user_list_shows_the_accounts_without_passwords(srv):
    p = cli("user", "list", "--data", srv.data, "--json")
    users = json.loads(p.stdout)
    assert sorted(u["email"] for u in users) == sorted(
        w[1] for w in (ADMIN, SEC_A, SEC_B, SEC_C))
    roles = {u["email"]: u["role"] for u in users}
    assert roles[ADMIN[1]] == "admin" and roles[SEC_A[1]] == "secretary"
    assert "argon2" not in p.stdout and SEC_A[3] not in p.stdout
    # The table form names them too.
    text = cli("user", "list", "--data", srv.data).stdout
    assert SEC_A[0] in text and ADMIN[1] in text


def test_user_add_refuses_duplicates_and_short_passwords(srv):
    p = user_add(srv.data, ("Khác", SEC_A[1].upper(), "secretary", "another-password"),
                 check=False)
    assert p.returncode == 1 and "exists already" in p.stderr, p.stderr
    p = user_add(srv.data, ("Khác", "khac@so-tttt.gov.vn", "secretary", "short"), check=False)
    assert p.returncode == 2 and "10 to 256" in p.stderr, p.stderr
    p = user_add(srv.data, ("Khác", "khac@so-tttt.gov.vn", "boss", "long enough pw"),
                 check=False)
    assert p.returncode == 2 and "admin or secretary" in p.stderr, p.stderr


def test_passwords_are_argon2id_in_the_database(srv):
    with db(srv) as c:
        rows = c.execute("SELECT email, password FROM staff_user").fetchall()
    assert rows
    for email, h in rows:
        assert h.startswith("$argon2id$"), f"{email}: {h[:20]}"
        assert SEC_A[3] not in h


# ------------------------------------------------------------ signing in

def test_sign_in_sets_a_strict_http_only_cookie(srv):
    r = Staff(srv.url).post("/api/staff/signin", {"email": SEC_A[1], "password": SEC_A[3]})
    assert r.status == 200, r
    j = r.json()
    assert j["user"]["email"] == SEC_A[1] and j["user"]["role"] == "secretary"
    assert j["user"]["name"] == SEC_A[0]
    assert "password" not in j["user"]
    c = cookie_of(r)
    attrs = [a.strip().lower() for a in c.split(";")]
    assert "httponly" in attrs and "samesite=strict" in attrs and "path=/" in attrs, c
    assert "secure" not in attrs, "plain http must not mark the cookie Secure"
    token = c.split(";")[0].split("=", 1)[1]
    me = Staff(srv.url, token).get("/api/staff/me")
    assert me.status == 200 and me.json()["user"]["email"] == SEC_A[1], me
    assert me.header("Cache-Control") == "no-store"
    # The email ignores case.
    sign_in(srv, (SEC_A[0], SEC_A[1].upper(), "secretary", SEC_A[3]))


def test_wrong_password_and_unknown_email_are_told_alike(srv):
    r = Staff(srv.url).post("/api/staff/signin", {"email": SEC_C[1], "password": "not it at all"})
    e1 = assert_error(r, 401, "unauthorized")
    r = Staff(srv.url).post("/api/staff/signin",
                            {"email": "nobody@so-tttt.gov.vn", "password": "not it at all"})
    e2 = assert_error(r, 401, "unauthorized")
    assert e1["message"] == e2["message"] == "the email or the password is wrong"
    assert not r.header_all("Set-Cookie")
    assert_error(Staff(srv.url).post("/api/staff/signin", {"email": SEC_C[1]}), 400)
    assert_error(Staff(srv.url).get("/api/staff/me"), 401, "unauthorized")


def test_five_failures_a_minute_then_429(srv):
    who = ("Giới Hạn", "gioihan@so-tttt.gov.vn", "secretary", "gioi-han-password")
    user_add(srv.data, who)
    anon = Staff(srv.url)
    for i in range(5):
        r = anon.post("/api/staff/signin", {"email": who[1], "password": f"wrong guess {i}"})
        assert_error(r, 401, "unauthorized")
    # The sixth is refused before the password is looked at: even the
    # right one, and whatever the case of the email.
    for email, pw in ((who[1], "wrong guess 5"), (who[1], who[3]), (who[1].upper(), who[3])):
        r = anon.post("/api/staff/signin", {"email": email, "password": pw})
        e = assert_error(r, 429, "rate_limited")
        wait = e["retry_after"]
        assert isinstance(wait, int) and 1 <= wait <= 60, e
        assert r.header("Retry-After") == str(wait)
        assert f"try again in {wait} second" in e["message"], e["message"]
        assert not r.header_all("Set-Cookie")
    # Another account is not affected.
    sign_in(srv, SEC_B)


def test_session_expires_after_idling_and_at_its_end(srv):
    a = sign_in(srv, SEC_B)
    b = sign_in(srv, SEC_B)
    assert a.get("/api/staff/me").status == 200
    import hashlib
    ha = hashlib.sha256(a.token.encode()).hexdigest()
    hb = hashlib.sha256(b.token.encode()).hexdigest()
    with db(srv) as c:
        # a: unused for 13 hours (the idle limit is 12); b: past its end.
        c.execute("UPDATE staff_session SET last_seen = strftime('%Y-%m-%dT%H:%M:%SZ', "
                  "'now', '-13 hours') WHERE hash = ?", (ha,))
        c.execute("UPDATE staff_session SET expires = strftime('%Y-%m-%dT%H:%M:%SZ', "
                  "'now', '-1 minute') WHERE hash = ?", (hb,))
    for s in (a, b):
        e = assert_error(s.get("/api/staff/me"), 401, "unauthorized")
        assert e["message"] == "your session has expired: sign in again", e
        assert_error(s.get("/api/console/meetings"), 401, "unauthorized")
    # A session used within the limit lives on.
    c2 = sign_in(srv, SEC_B)
    hc = hashlib.sha256(c2.token.encode()).hexdigest()
    with db(srv) as c:
        c.execute("UPDATE staff_session SET last_seen = strftime('%Y-%m-%dT%H:%M:%SZ', "
                  "'now', '-11 hours') WHERE hash = ?", (hc,))
    assert c2.get("/api/staff/me").status == 200


def test_sign_out_ends_the_session(srv):
    s = sign_in(srv, SEC_C)
    r = s.post("/api/staff/signout")
    assert r.status == 200, r
    assert "max-age=0" in cookie_of(r).lower()
    assert_error(s.get("/api/staff/me"), 401)


def test_changing_ones_password_ends_the_other_sessions(srv):
    who = ("Đổi Mật Khẩu", "doimk@so-tttt.gov.vn", "secretary", "old-password-123")
    user_add(srv.data, who)
    a, b = sign_in(srv, who), sign_in(srv, who)
    assert_error(a.post("/api/staff/password", {"current": "wrong one!!", "new": "x" * 12}), 401)
    assert_error(a.post("/api/staff/password", {"current": who[3], "new": "short"}), 400)
    assert a.post("/api/staff/password", {"current": who[3], "new": "new-password-456"}).status == 200
    assert a.get("/api/staff/me").status == 200
    assert_error(b.get("/api/staff/me"), 401)
    sign_in(srv, who, expect=401)
    sign_in(srv, (who[0], who[1], who[2], "new-password-456"))


def test_user_passwd_on_the_command_line(srv):
    who = ("Dòng Lệnh", "donglenh@so-tttt.gov.vn", "secretary", "first-password-1")
    user_add(srv.data, who)
    s = sign_in(srv, who)
    p = subprocess.run([plenum_bin(), "user", "passwd", "--data", srv.data, "--email", who[1]],
                       input="second-password-2\n", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert_error(s.get("/api/staff/me"), 401)
    sign_in(srv, (who[0], who[1], who[2], "second-password-2"))


# ------------------------------------------------------------ Origin

def test_a_post_from_elsewhere_is_refused(srv):
    a = sign_in(srv, SEC_A)
    for origin in ("http://evil.example", "null", f"{srv.url}.evil.example", ""):
        forged = Staff(srv.url, a.token, origin=origin)
        e = assert_error(forged.post("/api/console/meetings", {"title": "Giả mạo"}), 403,
                         "forbidden")
        assert "Origin" in e["message"], e
        assert_error(Staff(srv.url, origin=origin).post(
            "/api/staff/signin", {"email": SEC_A[1], "password": SEC_A[3]}), 403, "forbidden")
    # Nothing was made.
    titles = [m["title"] for m in a.get("/api/console/meetings").json()["meetings"]]
    assert "Giả mạo" not in titles
    # The server's own origin, or the Host it was reached by, is accepted.
    create_meeting(a, "Thật")
    u = urllib.parse.urlsplit(srv.url)
    via_localhost = Staff(srv.url, a.token, origin=f"http://localhost:{u.port}")
    r = request(srv.url, "POST", "/api/console/meetings", body={"title": "Qua localhost"},
                headers={**via_localhost.headers(), "Host": f"localhost:{u.port}"})
    assert r.status == 201, r
    # A GET needs no Origin.
    assert Staff(srv.url, a.token, origin="").get("/api/console/meetings").status == 200


def test_a_staff_upload_from_elsewhere_is_refused(srv):
    a = sign_in(srv, SEC_A)
    m = create_meeting(a, "Tải lên giả mạo")
    with open(data_file(PDF_4_PAGES), "rb") as f:
        pdf = f.read()
    body, ct = multipart([("file", ("bao-cao.pdf", pdf, "application/pdf"))])
    path = f"/api/meetings/{m['id']}/documents"
    r = post_tolerant(srv.url, path, body, headers={
        "Content-Type": ct, "Cookie": f"plenum_staff={a.token}", "Origin": "http://evil.example"})
    assert_error(r, 403, "forbidden")
    r = post_tolerant(srv.url, path, body, headers={
        "Content-Type": ct, "Cookie": f"plenum_staff={a.token}", "Origin": srv.url})
    assert r.status == 201, r
    assert r.json()["pages"] == 4


# ------------------------------------------------------------ whose meeting

def test_a_secretary_is_refused_on_anothers_meeting_over_http(srv):
    a, b, admin = sign_in(srv, SEC_A), sign_in(srv, SEC_B), sign_in(srv, ADMIN)
    mine = create_meeting(a, "Họp của Bình")
    theirs = create_meeting(b, "Họp của Châu", wifi={"ssid": "Phong 2", "password": "matkhau123"})
    t = theirs["id"]
    item = theirs["agenda"][0]["id"]
    chair = theirs["participants"][0]["id"]
    refused = [
        a.get(f"/api/console/meetings/{t}"),
        a.post(f"/api/console/meetings/{t}", {"title": "Đổi tên"}),
        a.post(f"/api/console/meetings/{t}/agenda", {"title": "Thêm"}),
        a.post(f"/api/console/meetings/{t}/agenda/{item}", {"title": "Đổi"}),
        a.post(f"/api/console/meetings/{t}/agenda/{item}/remove"),
        a.post(f"/api/console/meetings/{t}/participants", {"name": "Kẻ lạ"}),
        a.get(f"/api/console/meetings/{t}/participants/{chair}/link"),
        a.post(f"/api/console/meetings/{t}/participants/{chair}/link"),
        a.post(f"/api/console/meetings/{t}/open"),
        a.post(f"/api/console/meetings/{t}/clone"),
        a.post(f"/api/console/meetings/{t}/staff", {"email": SEC_A[1]}),
        a.get(f"/api/console/meetings/{t}/invitations.pdf"),
        a.get(f"/api/console/meetings/{t}/poster.pdf"),
        request(srv.url, "POST", f"/api/console/meetings/{t}/roster/preview",
                body="Name\nAn\n", headers=a.headers({"Content-Type": "text/csv"})),
    ]
    for r in refused:
        e = assert_error(r, 403, "forbidden")
        assert "not one of yours" in e["message"], e
        assert "Phong 2" not in r.text() and "matkhau123" not in r.text()
    # An upload with her staff session is refused too.
    body, ct = multipart([("file", ("x.pdf", open(data_file(PDF_4_PAGES), "rb").read(),
                                    "application/pdf"))])
    r = post_tolerant(srv.url, f"/api/meetings/{t}/documents", body, headers={
        "Content-Type": ct, "Cookie": f"plenum_staff={a.token}", "Origin": srv.url})
    assert_error(r, 403, "forbidden")
    # Nothing changed; her list holds hers, not theirs.
    detail = b.get(f"/api/console/meetings/{t}").json()["meeting"]
    assert detail["title"] == "Họp của Châu" and len(detail["agenda"]) == 3
    assert detail["state"] == "draft" and detail["counts"]["documents"] == 0
    ids = [m["id"] for m in a.get("/api/console/meetings").json()["meetings"]]
    assert mine["id"] in ids and t not in ids
    # The admin sees both, and the meeting made on the command line.
    ids = [m["id"] for m in admin.get("/api/console/meetings").json()["meetings"]]
    assert mine["id"] in ids and t in ids and srv.ctx["cli_meeting"] in ids
    assert_error(a.get(f"/api/console/meetings/{srv.ctx['cli_meeting']}"), 403)
    # Given the meeting by its creator, she may.
    r = b.post(f"/api/console/meetings/{t}/staff", {"email": SEC_A[1]})
    assert r.status == 200, r
    assert [s["email"] for s in r.json()["staff"]] == [SEC_B[1], SEC_A[1]]
    assert a.get(f"/api/console/meetings/{t}").status == 200
    assert t in [m["id"] for m in a.get("/api/console/meetings").json()["meetings"]]
    # …but not pass it on; and when it is taken back, she is refused again.
    assert_error(a.post(f"/api/console/meetings/{t}/staff", {"email": SEC_C[1]}), 403)
    uid = a.get("/api/staff/me").json()["user"]["id"]
    assert b.post(f"/api/console/meetings/{t}/staff/{uid}/remove").status == 200
    assert_error(a.get(f"/api/console/meetings/{t}"), 403, "forbidden")


def ws_status(url, headers=None):
    async def go():
        try:
            ws = await websockets.client.connect(url, subprotocols=[SUBPROTOCOL],
                                                 open_timeout=WS_TIMEOUT, compression=None,
                                                 extra_headers=headers or {})
        except websockets.exceptions.InvalidStatusCode as e:
            return e.status_code
        await ws.close()
        return "accepted"
    return run(go())


def test_a_secretary_is_refused_on_anothers_meeting_over_websocket(srv):
    a, b = sign_in(srv, SEC_A), sign_in(srv, SEC_B)
    theirs = create_meeting(b, "Họp kín của Châu")
    # Her staff session is no participant session: not as a cookie, not as
    # ?session=, not as the staff cookie itself — whichever meeting.
    assert ws_status(ws_url(srv.url), {"Cookie": f"plenum_staff={a.token}"}) == 403
    assert ws_status(ws_url(srv.url, a.token)) == 403
    assert ws_status(ws_url(srv.url), {"Cookie": f"plenum_session={a.token}"}) == 403
    # And the console will not hand her a link into their meeting…
    chair = theirs["participants"][0]["id"]
    assert_error(a.get(f"/api/console/meetings/{theirs['id']}/participants/{chair}/link"), 403)
    # …while its own secretary gets one, which opens a WebSocket for it.
    link = b.get(f"/api/console/meetings/{theirs['id']}/participants/{chair}/link").json()["link"]
    j = join(srv.url, link)
    assert j["meeting"] == theirs["id"] and j["role"] == "chair"
    assert ws_status(ws_url(srv.url, j["session"])) == "accepted"


# ------------------------------------------------------------ accounts

def test_only_an_admin_manages_accounts(srv):
    a, admin = sign_in(srv, SEC_A), sign_in(srv, ADMIN)
    assert_error(a.get("/api/staff/users"), 403, "forbidden")
    assert_error(a.post("/api/staff/users", {"name": "X", "email": "x@y.vn", "role": "admin",
                                             "password": "password-123"}), 403)
    users = admin.get("/api/staff/users").json()["users"]
    assert SEC_A[1] in [u["email"] for u in users]
    assert all("password" not in u for u in users)
    r = admin.post("/api/staff/users", {"name": "Hoàng Văn Em", "email": "em@so-tttt.gov.vn",
                                        "role": "secretary", "password": "em-password-1"})
    assert r.status == 201, r
    em = r.json()["user"]
    assert_error(admin.post("/api/staff/users", {"name": "Lại", "email": "EM@so-tttt.gov.vn",
                                                 "role": "secretary",
                                                 "password": "em-password-1"}), 409)
    assert_error(admin.post("/api/staff/users", {"name": "", "email": "z@so-tttt.gov.vn",
                                                 "role": "secretary",
                                                 "password": "em-password-1"}), 400)
    s = sign_in(srv, ("Hoàng Văn Em", "em@so-tttt.gov.vn", "secretary", "em-password-1"))
    # Disabling the account ends its session; its sign-in is refused.
    r = admin.post(f"/api/staff/users/{em['id']}", {"disabled": True})
    assert r.status == 200 and r.json()["user"]["disabled"] is True, r
    assert_error(s.get("/api/staff/me"), 401)
    r = sign_in(srv, ("Hoàng Văn Em", "em@so-tttt.gov.vn", "secretary", "em-password-1"),
                expect=403)
    assert "disabled" in r.json()["error"]["message"]
    # The last admin cannot step down.
    me = admin.get("/api/staff/me").json()["user"]
    e = assert_error(admin.post(f"/api/staff/users/{me['id']}", {"role": "secretary"}), 409)
    assert "at least one admin" in e["message"]
    assert_error(admin.post("/api/staff/users/zzzzzzzzzzzz", {"name": "X"}), 404)


def test_the_cookie_is_secure_under_an_https_public_url(server_factory):
    def prep(server):
        user_add(server.data, SEC_A)
    srv = server_factory(prep, extra_args=["--public-url", "https://hop.so-tttt.gov.vn"])
    # Behind the TLS proxy the browser's Origin is the public one.
    r = request(srv.url, "POST", "/api/staff/signin",
                body={"email": SEC_A[1], "password": SEC_A[3]},
                headers={"Origin": "https://hop.so-tttt.gov.vn"})
    assert r.status == 200, r
    attrs = [a.strip().lower() for a in cookie_of(r).split(";")]
    assert "secure" in attrs and "httponly" in attrs and "samesite=strict" in attrs, attrs
    # The plain-http origin of the same host is not this server's any more.
    r = request(srv.url, "POST", "/api/staff/signin",
                body={"email": SEC_A[1], "password": SEC_A[3]},
                headers={"Origin": srv.url})
    assert_error(r, 403, "forbidden")
