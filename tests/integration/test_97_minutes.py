# SPDX-License-Identifier: AGPL-3.0-or-later
"""The minutes over the wire, over HTTP and on the command line.

minutes.get and minutes.edit by every role; a stale edit refused with both
texts kept; the secretary still writing after the meeting closed while
every other write is refused; then a whole meeting (opened, an absence
with its reason, documents of two agenda items presented, a speaker's
turn, a named and a secret poll, minutes in Vietnamese, closed) exported
as Markdown, HTML and PDF, its event log as CSV and JSON, by HTTP and by
`plenum minutes export` / `plenum events export`. The PDF's first page is
saved as PNG under $PLENUM_ARTIFACTS (else the test's temporary folder)
for a person to look at."""

import csv
import io
import json
import os
import re
import shutil
import subprocess

from conftest import PDF_4_PAGES, PDF_VI, cli
from helpers import assert_error, close_all, connect, get, join, run

MEMBERS = [("Nguyễn Văn An", "Giám đốc"), ("Trần Thị Bình", "Phó giám đốc"),
           ("Lê Minh Châu", "Trưởng phòng"), ("Phạm Quốc Dũng", "Chuyên viên")]
AGENDA = ["Khai mạc", "Báo cáo tình hình tháng 11", "Kế hoạch tháng 12"]
CHAIR, SECRETARY = "Võ Thanh Hải", "Đặng Ngọc Lan"
ABSENT_REASON = "Đi công tác nước ngoài"
NAMED_Q = "Thông qua báo cáo tình hình tháng 11?"
SECRET_Q = "Bầu tổ trưởng tổ thư ký"
ITEM2_TEXT = ("Giám đốc trình bày báo cáo; các đại biểu thống nhất đánh giá.\n"
              "Giao phòng Kế hoạch hoàn thiện số liệu trước ngày 05/12.")
GENERAL_TEXT = "Cuộc họp kết thúc lúc 10 giờ; các ý kiến đã được ghi nhận đầy đủ."
STALE = ("someone else changed these minutes since you opened them; "
         "your text is kept and both versions are shown")
CLOSED = "this meeting is closed"


def prepare(server):
    m = server.meeting(title="Họp giao ban tháng 11", org="Sở Thông tin và Truyền thông",
                       location="Phòng họp 301", starts="2026-11-28T08:30:00+07:00",
                       agenda=AGENDA, guests=True,
                       extra=["--chair", CHAIR, "--secretary", SECRETARY])
    for name, title in MEMBERS:
        server.participant(m, name, title=title)
    server.doc(m, PDF_4_PAGES, item=2)
    server.doc(m, PDF_VI, item=3)
    return m


def sessions(srv, members=2):
    m = srv.ctx
    s = {"chair": join(srv.url, m["chair_url"]),
         "secretary": join(srv.url, m["secretary_url"]),
         "display": join(srv.url, m["display_url"]),
         "guest": join(srv.url, m["join_url"], name="Khách Mời")}
    for i in range(members):
        s[f"m{i}"] = join(srv.url, m["participants"][MEMBERS[i][0]]["url"])
    return s


async def connect_all(srv, s):
    clients = {}
    for k, v in s.items():
        clients[k], _ = await connect(srv.url, v["session"], label=k)
    return clients


def refusal(reply):
    assert reply.get("ok") is False, f"expected a refusal, got {reply}"
    assert reply["error"].get("message"), reply
    return reply["error"]["code"]


async def agenda_ids(client):
    hello = await client.hello()
    return [i["id"] for i in hello["state"]["agenda"]]


def pid(srv, name):
    return srv.ctx["participants"][name]["participant"]


# ------------------------------------------------------------ the requests

def test_every_role_reads_and_writes_what_it_may(server_factory):
    srv = server_factory(prepare)
    s = sessions(srv, members=1)

    async def body():
        c = await connect_all(srv, s)
        try:
            items = await agenda_ids(c["chair"])
            # Who reads: the chair and the secretary; hello tells them who
            # edited what (nothing yet), and nobody else.
            for r in ("chair", "secretary"):
                rep = await c[r].ok("minutes.get")
                assert rep["minutes"] == [] and rep["conflicts"] == [], rep
                assert (await c[r].hello())["state"]["minutes"] == {}, r
            for r in ("m0", "guest", "display"):
                assert refusal(await c[r].request("minutes.get")) == "forbidden", r
                assert "minutes" not in (await c[r].hello())["state"], r
            # Who writes: the secretary alone.
            for r in ("chair", "m0", "guest", "display"):
                rep = await c[r].request("minutes.edit", item=items[0], text="x", base=0)
                assert refusal(rep) == "forbidden", (r, rep)

            start = len(c["m0"].inbox)
            rep = await c["secretary"].ok("minutes.edit", item=items[0],
                                          text="Khai mạc lúc 8 giờ 30.", base=0)
            assert rep["version"] == 1, rep
            ev = await c["m0"].wait_for(lambda m: m.get("seq") == rep["seq"], "minutes.edited",
                                        start=start)
            # Members learn that the minutes changed, never what they say.
            assert ev["type"] == "minutes.edited" and ev["item"] == items[0], ev
            assert ev["version"] == 1 and ev["chars"] == 22, ev
            assert ev["by"] == (await c["secretary"].hello())["you"]["participant"], ev
            assert "text" not in ev and "Khai mạc" not in json.dumps(ev, ensure_ascii=False)

            got = await c["chair"].ok("minutes.get")
            assert [(x["item"], x["text"], x["version"], x["by_name"]) for x in got["minutes"]] \
                == [(items[0], "Khai mạc lúc 8 giờ 30.", 1, SECRETARY)], got
            summary = (await c["chair"].hello())["state"]["minutes"]
            assert summary[items[0]]["version"] == 1 and "text" not in summary[items[0]], summary

            # The meeting as a whole is item "".
            rep = await c["secretary"].ok("minutes.edit", item="", text="Chung.", base=0)
            assert rep["version"] == 1
            # The same text again: fine, and nothing new happens.
            seq = rep["seq"]
            rep = await c["secretary"].ok("minutes.edit", item="", text="Chung.", base=1)
            assert rep["version"] == 1 and rep["seq"] == seq, rep

            # What is refused, and how.
            rep = await c["secretary"].request("minutes.edit", item="zzzzzzzzzzzz", text="x",
                                               base=0)
            assert refusal(rep) == "not_found", rep
            rep = await c["secretary"].request("minutes.edit", item="", text="chuông \u0007",
                                               base=1)
            assert refusal(rep) == "bad_request", rep
            rep = await c["secretary"].request("minutes.edit", item="", text="a" * 60001, base=1)
            assert refusal(rep) == "bad_request" and "60,000" in rep["error"]["message"], rep
            # 60,000 bytes is fine (the request stays under the 64 KiB a
            # WebSocket message may have).
            rep = await c["secretary"].ok("minutes.edit", item="", text="a" * 60000, base=1)
            assert rep["version"] == 2, rep
            # The connection is still fine for the next request.
            await c["secretary"].ok("ping")
        finally:
            await close_all(c.values())

    run(body())


def test_a_stale_edit_is_refused_and_both_texts_are_kept(server_factory):
    srv = server_factory(prepare)
    s = sessions(srv, members=0)
    # The secretary's laptop and tablet, both with the text at version 1.
    s["tablet"] = join(srv.url, srv.ctx["secretary_url"])

    async def body():
        c = await connect_all(srv, s)
        try:
            item = (await agenda_ids(c["chair"]))[1]
            await c["secretary"].ok("minutes.edit", item=item, text="Bản đầu.", base=0)
            await c["secretary"].ok("minutes.edit", item=item, text="Bản của máy tính.", base=1)
            rep = await c["tablet"].request("minutes.edit", item=item,
                                            text="Bản của máy tính bảng.", base=1)
            assert refusal(rep) == "conflict", rep
            err = rep["error"]
            assert err["message"] == STALE, err
            assert err["current"]["text"] == "Bản của máy tính." and \
                err["current"]["version"] == 2, err
            assert err["current"]["by_name"] == SECRETARY, err
            assert isinstance(err["kept"], int), err

            got = await c["chair"].ok("minutes.get")
            assert [(x["item"], x["text"], x["version"]) for x in got["minutes"]] == \
                [(item, "Bản của máy tính.", 2)], got
            assert [(x["id"], x["item"], x["text"], x["base_version"], x["by_name"])
                    for x in got["conflicts"]] == \
                [(err["kept"], item, "Bản của máy tính bảng.", 1, SECRETARY)], got
            # Edited again from the version now shown, it saves.
            rep = await c["tablet"].ok("minutes.edit", item=item,
                                       text="Bản của máy tính bảng.", base=2)
            assert rep["version"] == 3
        finally:
            await close_all(c.values())

    run(body())


def test_a_closed_meeting_still_takes_the_secretarys_minutes(server_factory):
    srv = server_factory(prepare)
    s = sessions(srv, members=1)

    async def body():
        c = await connect_all(srv, s)
        try:
            item = (await agenda_ids(c["chair"]))[0]
            await c["chair"].ok("meeting.close")
            rep = await c["secretary"].ok("minutes.edit", item=item, text="Viết sau khi họp.",
                                          base=0)
            assert rep["version"] == 1
            assert (await c["secretary"].ok("minutes.get"))["minutes"][0]["text"] == \
                "Viết sau khi họp."
            # The chair does not write minutes, closed or not.
            rep = await c["chair"].request("minutes.edit", item=item, text="x", base=1)
            assert refusal(rep) == "forbidden", rep
            # Every other write stays refused.
            rep = await c["secretary"].request("attendance.checkin",
                                               participant=pid(srv, MEMBERS[1][0]))
            assert refusal(rep) == "conflict" and rep["error"]["message"] == CLOSED, rep
            rep = await c["chair"].request("meeting.open")
            assert refusal(rep) == "conflict", rep
        finally:
            await close_all(c.values())

    run(body())


# ------------------------------------------------------- a whole meeting

def artifacts_dir(tmp_path):
    d = os.environ.get("PLENUM_ARTIFACTS")
    d = os.path.join(d, "minutes") if d else str(tmp_path / "artifacts")
    os.makedirs(d, exist_ok=True)
    return d


async def hold_meeting(srv, c):
    """Everything the minutes record, in order. Returns the agenda ids."""
    m = srv.ctx
    items = await agenda_ids(c["chair"])
    await c["chair"].ok("meeting.open")
    await c["secretary"].ok("attendance.absent", participant=pid(srv, MEMBERS[3][0]),
                            reason=ABSENT_REASON)
    # Item 2: its report on screen, a turn, a named vote.
    await c["chair"].ok("present", doc=m["docs"][PDF_4_PAGES]["doc"], page=1)
    await c["m0"].ok("speaker.request")
    await c["chair"].ok("speaker.next")
    await c["chair"].ok("speaker.end")
    poll = (await c["chair"].ok("poll.open", question=NAMED_Q, secret=False))["poll"]
    for who, option in (("chair", 0), ("m0", 0), ("m1", 1), ("m2", 2)):
        await c[who].ok("ballot.cast", poll=poll, option=option)
    await c["chair"].ok("poll.close", poll=poll)
    # Item 3: its document on screen, a secret vote between two names.
    await c["chair"].ok("present", doc=m["docs"][PDF_VI]["doc"], page=1)
    poll = (await c["chair"].ok("poll.open", question=SECRET_Q, secret=True,
                                options=["Phương án A", "Phương án B"]))["poll"]
    for who, option in (("chair", 0), ("m0", 1), ("m1", 0), ("m2", 0)):
        await c[who].ok("ballot.cast", poll=poll, option=option)
    await c["chair"].ok("poll.close", poll=poll)
    await c["secretary"].ok("minutes.edit", item=items[1], text=ITEM2_TEXT, base=0)
    await c["secretary"].ok("minutes.edit", item="", text=GENERAL_TEXT, base=0)
    await c["chair"].ok("meeting.close")
    return items


def check_minutes_text(text, secret_end):
    """What a reader checks in the Markdown or HTML (Vietnamese)."""
    for want in ("BIÊN BẢN CUỘC HỌP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Họp giao ban tháng 11", "Sở Thông tin và Truyền thông", "Phòng họp 301",
                 CHAIR, SECRETARY, ABSENT_REASON, "Giám đốc trình bày báo cáo",
                 "Cuộc họp kết thúc lúc", "THƯ KÝ", "CHỦ TỌA", "Báo cáo tình hình tháng 11",
                 "Kế hoạch tháng 12", "Tán thành", "THÔNG QUA", "Phương án A"):
        assert want in text, f"{want!r} is not in the minutes"
    assert "DỰ THẢO" not in text, "a closed meeting's minutes are marked as a draft"
    # The named vote under item 2, the secret one under item 3.
    i2, i3 = text.index("2. Báo cáo tình hình tháng 11"), text.index("3. Kế hoạch tháng 12")
    named, secret = text.index(NAMED_Q), text.index(SECRET_Q)
    assert i2 < named < i3 < secret, "the votes are not under the items they were held in"
    # The speaker's turn under item 2.
    assert i2 < text.index(MEMBERS[0][0], text.index("Phát biểu")) < i3
    # Names per option for the named vote; none for the secret one.
    named_part = text[named:i3]
    for name in (CHAIR, MEMBERS[0][0], MEMBERS[1][0], MEMBERS[2][0]):
        assert name in named_part, f"{name} is not listed in the named vote"
    secret_part = text[secret:text.index(secret_end, secret)]
    for name in (CHAIR, MEMBERS[0][0], MEMBERS[1][0], MEMBERS[2][0]):
        assert name not in secret_part, f"the secret vote names {name}"
    assert "bỏ phiếu kín" in secret_part


def mutool():
    m = shutil.which("mutool")
    assert m, "mutool is missing: apt-get install mupdf-tools (scripts/deps.sh --test)"
    return m


def pdf_text(pdf):
    """The PDF's text by MuPDF's own extraction, white space collapsed."""
    with open(pdf, "rb") as f:
        assert f.read(5) == b"%PDF-", f"{pdf} is not a PDF"
    p = subprocess.run([mutool(), "draw", "-q", "-F", "txt", "-o", "-", pdf],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return " ".join(p.stdout.decode("utf-8", "replace").split())


def check_pdf(data, where, name):
    assert data[:5] == b"%PDF-", f"not a PDF: {data[:20]!r}"
    pdf = os.path.join(where, name)
    with open(pdf, "wb") as f:
        f.write(data)
    text = pdf_text(pdf)
    for want in ("BIÊN BẢN CUỘC HỌP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", NAMED_Q,
                 ABSENT_REASON, "THÔNG QUA", SECRETARY):
        assert want in text, f"{want!r} is not in the PDF's text"
    png = pdf[:-4] + "-page1.png"
    p = subprocess.run([mutool(), "draw", "-q", "-r", "100", "-o", png, pdf, "1"],
                       capture_output=True, timeout=60)
    assert p.returncode == 0 and os.path.getsize(png) > 1000, p.stderr
    return text


def test_a_whole_meeting_exported(server_factory, tmp_path):
    srv = server_factory(prepare)
    s = sessions(srv, members=3)
    out = artifacts_dir(tmp_path)
    m = srv.ctx["meeting"]

    async def body():
        c = await connect_all(srv, s)
        try:
            await hold_meeting(srv, c)
            return (await c["chair"].hello())["seq"]
        finally:
            await close_all(c.values())

    seq = run(body())
    chair = s["chair"]["session"]
    base = f"/api/meetings/{m}"

    # Markdown.
    r = get(srv.url, f"{base}/minutes.md", session=chair)
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/markdown; charset=utf-8", r.headers
    assert re.fullmatch(r'attachment; filename="minutes-\d{4}-\d\d-\d\d\.md"',
                        r.header("Content-Disposition")), r.headers
    md = r.body.decode("utf-8")
    check_minutes_text(md, "**Kết quả")
    assert "| Tán thành | 2 |" in md and "| Phương án A | 3 |" in md, md
    with open(os.path.join(out, "minutes.md"), "w") as f:
        f.write(md)

    # HTML, by the secretary, shown in the browser.
    r = get(srv.url, f"{base}/minutes.html?inline=1", session=s["secretary"]["session"])
    assert r.status == 200 and r.content_type == "text/html", r
    assert r.header("Content-Disposition").startswith("inline; filename=\"minutes-"), r.headers
    html = r.body.decode("utf-8")
    check_minutes_text(html, "Kết quả")
    assert "<script" not in html
    with open(os.path.join(out, "minutes.html"), "w") as f:
        f.write(html)

    # English.
    en = get(srv.url, f"{base}/minutes.md?lang=en", session=chair).body.decode("utf-8")
    assert "MINUTES OF THE MEETING" in en and "CỘNG HÒA" not in en and "PASSED" in en, en
    assert get(srv.url, f"{base}/minutes.md?lang=fr", session=chair).status == 400

    # PDF: Vietnamese with its diacritics, the vote's result.
    r = get(srv.url, f"{base}/minutes.pdf", session=chair, timeout=120)
    assert r.status == 200 and r.content_type == "application/pdf", r
    assert re.fullmatch(r'attachment; filename="minutes-\d{4}-\d\d-\d\d\.pdf"',
                        r.header("Content-Disposition")), r.headers
    check_pdf(r.body, out, "minutes.pdf")
    # Nothing is left behind in the server's temporary folder.
    left = [f for f in os.listdir(os.path.join(srv.data, "tmp")) if f.startswith("minutes-")]
    assert left == [], left

    # The event log: one row per event, seq without gaps.
    r = get(srv.url, f"{base}/events.csv", session=chair)
    assert r.status == 200 and r.header("Content-Type") == "text/csv; charset=utf-8", r
    assert r.body.startswith(b"\xef\xbb\xbfseq,at,type,actor,actor_name,details\r\n"), r.body[:80]
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["seq", "at", "type", "actor", "actor_name", "details"]
    assert [int(x[0]) for x in rows[1:]] == list(range(1, seq + 1)), rows[-1]
    types = [x[2] for x in rows[1:]]
    for t in ("meeting.opened", "poll.closed", "minutes.edited", "meeting.closed"):
        assert t in types, t
    closed = [x for x in rows[1:] if x[2] == "meeting.closed"][0]
    assert closed[4] == CHAIR and json.loads(closed[5])["type"] == "meeting.closed", closed
    with open(os.path.join(out, "events.csv"), "wb") as f:
        f.write(r.body)
    r = get(srv.url, f"{base}/events.json", session=chair)
    assert r.status == 200 and r.content_type == "application/json", r
    log = r.json()
    assert [e["seq"] for e in log["events"]] == list(range(1, seq + 1))
    assert log["meeting"] == {"id": m, "title": "Họp giao ban tháng 11"}
    assert all(isinstance(e["body"], dict) and e["body"]["seq"] == e["seq"]
               for e in log["events"])

    # Who may not.
    for path in ("minutes.pdf", "minutes.html", "minutes.md", "events.csv", "events.json"):
        assert_error(get(srv.url, f"{base}/{path}", session=s["m0"]["session"]), 403, "forbidden")
        assert_error(get(srv.url, f"{base}/{path}", session=s["display"]["session"]), 403)
        assert_error(get(srv.url, f"/api/meetings/zzzzzzzzzzzz/{path}", session=chair), 404,
                     "not_found")
        assert_error(get(srv.url, f"{base}/{path}"), 401)

    # The command line gives the same files.
    for fmt, want in (("md", md), ("html", html)):
        p = cli("minutes", "export", "--data", srv.data, "--meeting", m, "--format", fmt,
                "-o", "-")
        assert p.stdout == want, f"plenum minutes export --format {fmt} differs from HTTP"
    pdf = os.path.join(out, "minutes-cli.pdf")
    cli("minutes", "export", "--data", srv.data, "--meeting", m, "--format", "pdf",
        "--lang", "en", "-o", pdf, timeout=120)
    assert "MINUTES OF THE MEETING" in pdf_text(pdf)
    p = cli("events", "export", "--data", srv.data, "--meeting", m, "--format", "json", "-o", "-")
    assert [e["seq"] for e in json.loads(p.stdout)["events"]] == list(range(1, seq + 1))
    csv_file = os.path.join(out, "events-cli.csv")
    cli("events", "export", "--data", srv.data, "--meeting", m, "--format", "csv", "-o", csv_file)
    with open(csv_file, "rb") as f:
        assert f.read().startswith(b"\xef\xbb\xbfseq,at,type,actor,actor_name,details\r\n")


def test_the_minutes_of_a_meeting_in_progress_are_a_draft(server_factory):
    srv = server_factory(prepare)
    s = sessions(srv, members=0)
    r = get(srv.url, f"/api/meetings/{srv.ctx['meeting']}/minutes.md",
            session=s["chair"]["session"])
    assert r.status == 200
    assert "DỰ THẢO — cuộc họp chưa kết thúc" in r.body.decode("utf-8")
    r = get(srv.url, f"/api/meetings/{srv.ctx['meeting']}/minutes.html?lang=en",
            session=s["chair"]["session"])
    assert "DRAFT — meeting in progress" in r.body.decode("utf-8")


def test_export_command_line_errors_exit_2_with_one_line(tmp_path):
    data = str(tmp_path / "data")
    for args in (["minutes", "export", "--data", data, "--format", "md", "-o", "-"],
                 ["minutes", "export", "--data", data, "--meeting", "m", "-o", "-"],
                 ["minutes", "export", "--data", data, "--meeting", "m", "--format", "doc",
                  "-o", "-"],
                 ["minutes", "export", "--data", data, "--meeting", "m", "--format", "pdf",
                  "-o", "-"],
                 ["minutes", "export", "--data", data, "--meeting", "m", "--format", "md",
                  "--lang", "fr", "-o", "-"],
                 ["minutes", "export", "--data", data, "--meeting", "m", "--format", "md"],
                 ["events", "export", "--data", data, "--meeting", "m", "--format", "xml",
                  "-o", "-"],
                 ["events", "export", "--data", data, "--meeting", "m", "--format", "csv",
                  "--bogus", "-o", "-"]):
        p = cli(*args, check=False)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        assert p.returncode == 2 and len(lines) == 1, (args, p.returncode, p.stderr)
    for cmd in (["minutes", "export"], ["events", "export"]):
        p = cli(*cmd, "--help")
        assert "--format" in p.stdout and "--meeting" in p.stdout
    p = cli("minutes", "export", "--data", data, "--meeting", "zzzzzzzzzzzz", "--format", "md",
            "-o", "-", check=False)
    assert p.returncode == 1 and "no meeting" in p.stderr, p.stderr
