# SPDX-License-Identifier: AGPL-3.0-or-later
"""The room display, plenum-kiosk (kiosk/, docs/kiosk.md), against the real
server, checked by its pixels as a person in the room would check it:

- the idle screen carries the room's QR code, which a phone (zbarimg)
  decodes to the join URL, and the Wi-Fi code beside it;
- after the chair presents page 2, the kiosk's frame is page 2 as MuPDF
  itself draws it at that size (`mutool draw`), by a similarity threshold;
  the document was downloaded once, into a cache named by its SHA-256;
- a confidential document is shown from the server's watermarked image;
- a vote in progress covers the screen with a meter as full as the share
  who voted, its result stays up once closed, and the speaker's line shows;
- a link the server refuses is said so;
- a page that hangs MuPDF becomes a message on the screen and the kiosk
  goes on to the next page;
- a server that freezes (a network gone silent) is noticed and the kiosk
  comes back by itself;
- a real window under Xvfb shows the QR code, follows the chair, keeps the
  page with "reconnecting" while the server is killed, and comes back to
  the presented page by itself when it restarts.

Snapshot mode (`--snapshot FILE --after N`) needs no display. The window
test takes screenshots of the X server's root window with Xlib (ctypes).

Environment: PLENUM_KIOSK_BIN (CTest sets it when the kiosk is built; the
tests are skipped without it), and the tools `zbarimg` (zbar-tools),
`mutool` (mupdf-tools) and `Xvfb` (xvfb), which scripts/deps.sh --test
installs.
"""

import asyncio
import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import PDF_4_PAGES, data_file, sanitizer_report
from helpers import close_all, connect, join, run, upload

W, H = 1280, 720
WIFI_SSID = "Phòng họp A"
WIFI_PASSWORD = "mat;khau:123"
KIOSK_START = 60.0          # an ASan build with a fresh font cache starts slowly
SHOW_TIMEOUT = 60.0         # a page drawn, a reconnection made: bounded waits


# ------------------------------------------------------------------ tools

def kiosk_bin():
    b = os.environ.get("PLENUM_KIOSK_BIN")
    if not b:
        pytest.skip("the kiosk is not built (PLENUM_KIOSK=OFF): PLENUM_KIOSK_BIN is not set")
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.fail(f"PLENUM_KIOSK_BIN={b} is not an executable file", pytrace=False)
    return b


def need(tool, package):
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"`{tool}` is missing: apt-get install {package} "
                    f"(scripts/deps.sh --test installs it)", pytrace=False)
    return path


def kiosk_env(tmp_path, extra=None):
    """The kiosk's environment: LeakSanitizer told about libdbus, which SDL
    loads for the screen saver and which never frees its connection."""
    supp = tmp_path / "lsan.supp"
    supp.write_text("leak:libdbus-1.so\n")
    env = dict(os.environ)
    lsan = env.get("LSAN_OPTIONS", "")
    env["LSAN_OPTIONS"] = (lsan + ":" if lsan else "") + f"suppressions={supp}"
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    env.update(extra or {})
    return env


def check_log(text, what="the kiosk"):
    rep = sanitizer_report(text)
    assert rep is None, f"{what} wrote a sanitizer report:\n{rep}"


def snapshot(tmp_path, url, out, *args, after=1, idle_ms=3000, timeout=120, lang=None):
    """Runs the kiosk in snapshot mode; returns (exit code, stderr)."""
    argv = [kiosk_bin(), "--url", url, "--snapshot", str(out), "--after", str(after),
            "--idle", str(idle_ms), "--size", f"{W}x{H}",
            "--cache", str(tmp_path / "kiosk-cache")] + list(args)
    if lang:
        argv += ["--lang", lang]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       env=kiosk_env(tmp_path), errors="replace")
    check_log(p.stderr)
    return p.returncode, p.stderr


# ------------------------------------------------------------------ pictures

class Image:
    """RGB pixels, rows top to bottom."""

    def __init__(self, w, h, rgb):
        assert len(rgb) == w * h * 3, f"{len(rgb)} bytes for {w}×{h}"
        self.w, self.h, self.rgb = w, h, rgb

    @classmethod
    def ppm(cls, path):
        data = open(path, "rb").read()
        # P6 <w> <h> 255, each followed by one whitespace byte, then the
        # pixels (which may begin or end with bytes that look like spaces);
        # MuPDF writes no comments
        fields, i = [], 0
        while len(fields) < 4:
            while data[i:i + 1].isspace():
                i += 1
            j = i
            while not data[j:j + 1].isspace():
                j += 1
            fields.append(data[i:j])
            i = j + 1
        assert fields[0] == b"P6", f"{path} is not a binary PPM: {data[:20]!r}"
        w, h, depth = int(fields[1]), int(fields[2]), int(fields[3])
        assert depth == 255, f"{path}: depth {depth}"
        return cls(w, h, data[i:i + w * h * 3])

    def save_ppm(self, path):
        with open(path, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (self.w, self.h) + bytes(self.rgb))

    def px(self, x, y):
        i = (y * self.w + x) * 3
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]

    def crop(self, x, y, w, h):
        rows = [self.rgb[((y + r) * self.w + x) * 3:((y + r) * self.w + x + w) * 3]
                for r in range(h)]
        return Image(w, h, b"".join(rows))

    def gray(self):
        """One byte per pixel."""
        r, g, b = self.rgb[0::3], self.rgb[1::3], self.rgb[2::3]
        return bytes((x * 3 + y * 6 + z) // 10 for x, y, z in zip(r, g, b))


def page_box(img, status_h=None):
    """The page's rectangle on the black screen (x, y, w, h), found along
    the middle row and column of the page area; None when there is no page."""
    area_h = img.h - (status_h if status_h is not None else max(18, round(img.h * 0.034)))
    bright = lambda p: sum(p) > 3 * 60  # noqa: E731
    y = area_h // 2
    xs = [x for x in range(img.w) if bright(img.px(x, y))]
    if not xs:
        return None
    x0, x1 = xs[0], xs[-1]
    cx = (x0 + x1) // 2
    ys = [yy for yy in range(area_h) if bright(img.px(cx, yy))]
    if not ys:
        return None
    return x0, ys[0], x1 - x0 + 1, ys[-1] - ys[0] + 1


_drawn = {}


def mupdf_page(tmp_path, pdf, page, w, h):
    """Page `page` of pdf as MuPDF draws it at exactly w × h."""
    out = tmp_path / f"mutool-{os.path.basename(pdf)}-{page}-{w}x{h}.ppm"
    if str(out) in _drawn:
        return _drawn[str(out)]
    subprocess.run([need("mutool", "mupdf-tools"), "draw", "-q", "-F", "pnm", "-c", "rgb",
                    "-w", str(w), "-h", str(h), "-f", "-o", str(out), pdf, str(page)],
                   check=True, capture_output=True, timeout=60)
    _drawn[str(out)] = Image.ppm(out)
    return _drawn[str(out)]


def similarity(a, b):
    """(ink agreement, mean difference): the dark pixels of a and b as
    intersection over union, and the mean absolute difference in gray."""
    assert (a.w, a.h) == (b.w, b.h), f"{a.w}×{a.h} vs {b.w}×{b.h}"
    ga, gb = a.gray(), b.gray()
    both = either = 0
    diff = 0
    for x, y in zip(ga, gb):
        ia, ib = x < 160, y < 160
        both += ia and ib
        either += ia or ib
        diff += abs(x - y)
    return (both / either if either else 1.0), diff / len(ga)


def assert_shows_page(tmp_path, img, pdf, page, what):
    """The page area of img is `page` of pdf as MuPDF draws it (and not the
    page before or after it)."""
    box = page_box(img)
    assert box, f"{what}: no page on the screen"
    x, y, w, h = box
    shown = img.crop(x, y, w, h)
    ink, diff = similarity(shown, mupdf_page(tmp_path, pdf, page, w, h))
    others = [similarity(shown, mupdf_page(tmp_path, pdf, p, w, h))[0]
              for p in (page - 1, page + 1) if 1 <= p <= 4]
    assert ink >= 0.90 and diff <= 8, \
        f"{what}: the frame's page ({w}×{h}) is not MuPDF's page {page}: " \
        f"ink agreement {ink:.3f}, mean difference {diff:.1f}"
    assert all(o < ink - 0.2 for o in others), \
        f"{what}: page {page} ({ink:.3f}) is not told apart from its neighbours ({others})"
    return box


def qr_codes(path):
    """What the QR codes in an image hold, as zbarimg reads them: their
    bytes one after the other. (Without -Sbinary zbar takes UTF-8 it finds
    no charset for as Shift JIS; with it, it prints each code's bytes as
    they are, with nothing between them.) Each code is checked with `in`."""
    p = subprocess.run([need("zbarimg", "zbar-tools"), "--quiet", "-Sbinary", str(path)],
                       capture_output=True, timeout=60)
    return p.stdout.decode("utf-8", "replace")


def wifi_text(ssid, password):
    esc = lambda s: "".join("\\" + c if c in '\\;,:"' else c for c in s)  # noqa: E731
    return f"WIFI:T:WPA;S:{esc(ssid)};P:{esc(password)};;"


# ------------------------------------------------------------------ the meeting

def prepare(server):
    m = server.meeting(title="Họp giao ban tháng 11", org="Sở Thông tin và Truyền thông",
                       agenda=["Khai mạc", "Báo cáo tình hình tháng 11"],
                       extra=["--wifi-ssid", WIFI_SSID, "--wifi-password", WIFI_PASSWORD])
    server.participant(m, "Nguyễn Văn An", title="Giám đốc")
    server.doc(m, PDF_4_PAGES, item=2)
    return m


def chair_do(srv, m, *steps):
    """The chair's requests, in order: ("present", page) for the 4-page
    document, ("present_doc", doc, page), ("stop",)."""
    chair = join(srv.url, m["chair_url"])
    doc = m["docs"][PDF_4_PAGES]["doc"]

    async def go():
        c, _ = await connect(srv.url, chair["session"], label="chair")
        for s in steps:
            if s[0] == "present":
                await c.ok("present", doc=doc, page=s[1])
            elif s[0] == "present_doc":
                await c.ok("present", doc=s[1], page=s[2])
            elif s[0] == "stop":
                await c.ok("present", doc=None)
        await close_all([c])
    run(go())
    return chair


# ------------------------------------------------------------------ snapshots

def test_idle_screen_has_the_join_and_wifi_codes(server_factory, tmp_path):
    srv = server_factory(prepare)
    m = srv.ctx
    out = tmp_path / "idle.png"
    code, log = snapshot(tmp_path, m["display_url"], out)
    assert code == 0, f"the kiosk exited {code}:\n{log}"
    assert out.is_file(), log
    codes = qr_codes(out)
    assert m["join_url"] in codes, f"the idle screen's codes ({codes!r}) lack the join URL"
    assert wifi_text(WIFI_SSID, WIFI_PASSWORD) in codes, \
        f"the idle screen's codes ({codes!r}) lack the Wi-Fi code"
    # The kiosk joined with the display link and got the room's own link,
    # not its own: the display's token is not on the screen.
    assert m["display_url"] not in codes


def test_a_link_the_server_refuses_is_said_so(server_factory, tmp_path):
    srv = server_factory(prepare)
    m = srv.ctx
    bad = m["display_url"].rsplit("/j/", 1)[0] + "/j/AAAAAAAAAAAAAAAAAAAAAA"
    out = tmp_path / "refused.ppm"
    code, log = snapshot(tmp_path, bad, out)
    # written, but never in step with a meeting: exit 2, and why
    assert code == 2, f"the kiosk exited {code}:\n{log}"
    assert "refused the display link (404" in log, log
    img = Image.ppm(out)
    # no QR code: the sentence instead, in the middle of the screen
    assert page_box(img) is None or page_box(img)[2] < W // 2
    codes = qr_codes(tmp_path / "refused.ppm")
    assert not codes.strip(), f"a refused link still shows a code: {codes!r}"
    # and a link that is not a display link at all is refused at once
    p = subprocess.run([kiosk_bin(), "--url", "http://127.0.0.1:1/m/abcdefabcdef/screen",
                        "--snapshot", str(out)], capture_output=True, text=True, timeout=60,
                       env=kiosk_env(tmp_path))
    check_log(p.stderr)
    assert p.returncode == 1 and "not a display link" in p.stderr, p.stderr


def test_presented_page_is_mupdfs_page_at_the_screens_size(server_factory, tmp_path):
    srv = server_factory(prepare)
    m = srv.ctx
    pdf = data_file(PDF_4_PAGES)
    chair_do(srv, m, ("present", 2))
    out = tmp_path / "page2.ppm"
    code, log = snapshot(tmp_path, m["display_url"], out)
    assert code == 0, f"the kiosk exited {code}:\n{log}"
    img = Image.ppm(out)
    assert (img.w, img.h) == (W, H)
    x, y, w, h = assert_shows_page(tmp_path, img, pdf, 2, "snapshot")
    # fitted: full height of the page area, centred, black bars beside it
    assert y == 0 and h >= H * 0.9, f"page at {x},{y} {w}×{h}"
    assert abs(x - (W - x - w)) <= 2, f"page not centred: {x},{y} {w}×{h}"
    assert img.px(x // 2, H // 2) == (0, 0, 0)

    # The document is in the cache under its SHA-256, downloaded once.
    sha = hashlib.sha256(open(pdf, "rb").read()).hexdigest()
    cached = tmp_path / "kiosk-cache" / "docs" / f"{sha}.pdf"
    assert cached.is_file(), f"no {cached.name} in the cache: {os.listdir(cached.parent)}"
    inode = cached.stat().st_ino
    chair_do(srv, m, ("present", 3))
    out3 = tmp_path / "page3.ppm"
    code, log = snapshot(tmp_path, m["display_url"], out3)
    assert code == 0, log
    assert_shows_page(tmp_path, Image.ppm(out3), pdf, 3, "second run")
    assert cached.stat().st_ino == inode, "the document was downloaded again"


def test_confidential_page_is_the_servers_watermarked_image(server_factory, tmp_path):
    srv = server_factory(prepare)
    m = srv.ctx
    chair = join(srv.url, m["chair_url"])
    data = open(data_file(PDF_4_PAGES), "rb").read()
    r = upload(srv.url, m["meeting"], chair["session"], "mat.pdf", data,
               extra={"confidential": "1"})
    assert r.status == 201, r
    doc = r.json()["doc"]
    chair_do(srv, m, ("present_doc", doc, 1))
    out = tmp_path / "confidential.ppm"
    code, log = snapshot(tmp_path, m["display_url"], out)
    assert code == 0, f"the kiosk exited {code}:\n{log}"
    assert "cannot be shown" not in log, log
    img = Image.ppm(out)
    box = page_box(img)
    assert box, "no page on the screen"
    x, y, w, h = box
    page = img.crop(x, y, w, h)
    # the server's mark: translucent red text, repeated over the page
    reddish = sum(1 for i in range(0, len(page.rgb), 3)
                  if page.rgb[i] > page.rgb[i + 1] + 20 and page.rgb[i] > page.rgb[i + 2] + 20)
    assert reddish > w * h * 0.01, f"no watermark on the page ({reddish} reddish pixels)"
    # and the PDF itself was never fetched (the meeting's other document,
    # not confidential, is: in the background, for later)
    index = tmp_path / "kiosk-cache" / "index"
    fetched = [f for _, _, files in os.walk(index) for f in files]
    assert doc not in fetched, f"the confidential document was downloaded: {fetched}"
    assert m["docs"][PDF_4_PAGES]["doc"] in fetched, f"the other document was not: {fetched}"


def test_page_that_hangs_mupdf_is_a_message_and_the_kiosk_goes_on(server_factory, tmp_path):
    def prep(s):
        m = prepare(s)
        s.doc(m, "slow.pdf")
        return m
    srv = server_factory(prep)
    m = srv.ctx
    slow = m["docs"]["slow.pdf"]["doc"]
    chair_do(srv, m, ("present_doc", slow, 1))
    out = tmp_path / "after-slow.ppm"
    argv = [kiosk_bin(), "--url", m["display_url"], "--snapshot", str(out), "--after", "2",
            "--idle", "120000", "--size", f"{W}x{H}", "--render-timeout", "2",
            "--cache", str(tmp_path / "kiosk-cache")]
    logf = open(tmp_path / "kiosk.log", "w+")
    k = subprocess.Popen(argv, stdout=logf, stderr=logf, env=kiosk_env(tmp_path))
    try:
        deadline = time.monotonic() + SHOW_TIMEOUT
        while "cannot be shown" not in (tmp_path / "kiosk.log").read_text(errors="replace"):
            assert k.poll() is None, f"the kiosk died:\n{(tmp_path / 'kiosk.log').read_text()}"
            assert time.monotonic() < deadline, \
                f"no message about the page that hangs:\n{(tmp_path / 'kiosk.log').read_text()}"
            time.sleep(0.2)
        # The kiosk is still there, and shows the next page presented.
        assert k.poll() is None
        chair_do(srv, m, ("present", 2))
        k.wait(SHOW_TIMEOUT)
    finally:
        if k.poll() is None:
            k.kill()
            k.wait()
        logf.close()
    log = (tmp_path / "kiosk.log").read_text(errors="replace")
    check_log(log)
    assert k.returncode == 0, f"the kiosk exited {k.returncode}:\n{log}"
    assert "took more than 2 s" in log, log
    assert_shows_page(tmp_path, Image.ppm(out), data_file(PDF_4_PAGES), 2, "after the slow page")


def test_page_that_hangs_shows_why(server_factory, tmp_path):
    def prep(s):
        m = prepare(s)
        s.doc(m, "slow.pdf")
        return m
    srv = server_factory(prep)
    m = srv.ctx
    chair_do(srv, m, ("present_doc", m["docs"]["slow.pdf"]["doc"], 1))
    out = tmp_path / "slow.ppm"
    code, log = snapshot(tmp_path, m["display_url"], out, "--render-timeout", "2")
    assert code == 0, log
    img = Image.ppm(out)
    assert "took more than 2 s" in log, log
    # no page: a card in the middle of the black screen (its edge, left of
    # the text: 80 % of the width, centred in the page area)
    card = img.px(W // 10 + 6, (H - 24) // 2)
    assert card == (0x1c, 0x26, 0x34), f"no message card in the middle: {card}"
    assert img.px(20, 20) == (0, 0, 0)
    assert img.px(W // 10 - 6, (H - 24) // 2) == (0, 0, 0)


def test_silent_server_is_noticed_and_the_kiosk_comes_back(server_factory, tmp_path):
    srv = server_factory(prepare)
    m = srv.ctx
    pdf = data_file(PDF_4_PAGES)
    chair_do(srv, m, ("present", 1))
    out = tmp_path / "back.ppm"
    # 3: the first hello's reply, the reply to the hello after the silence,
    # and the page the chair presents then
    argv = [kiosk_bin(), "--url", m["display_url"], "--snapshot", str(out), "--after", "3",
            "--idle", "180000", "--size", f"{W}x{H}", "--cache", str(tmp_path / "kiosk-cache")]
    logp = tmp_path / "kiosk.log"
    logf = open(logp, "w+")
    k = subprocess.Popen(argv, stdout=logf, stderr=logf, env=kiosk_env(tmp_path))

    def wait_log(text, count, what):
        deadline = time.monotonic() + SHOW_TIMEOUT
        while logp.read_text(errors="replace").count(text) < count:
            assert k.poll() is None, f"the kiosk died:\n{logp.read_text()}"
            assert time.monotonic() < deadline, f"{what}:\n{logp.read_text()}"
            time.sleep(0.2)
    try:
        # In step (its first hello answered) before the server goes silent:
        # "connected" alone may come before the server has read the hello.
        wait_log("in step with the meeting", 1, "the kiosk did not get the meeting's state")
        # The server stops answering without closing anything: what a
        # network that drops silently looks like from the kiosk.
        srv.proc.send_signal(signal.SIGSTOP)
        try:
            wait_log("next attempt", 1, "the kiosk did not notice that the server went silent")
        finally:
            srv.proc.send_signal(signal.SIGCONT)
        wait_log("in step with the meeting", 2, "the kiosk did not come back")
        chair_do(srv, m, ("present", 3))
        try:
            k.wait(SHOW_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("the kiosk did not show the page presented after the "
                                 f"silence:\n{logp.read_text(errors='replace')}")
    finally:
        if k.poll() is None:
            k.kill()
            k.wait()
        logf.close()
    log = logp.read_text(errors="replace")
    check_log(log)
    assert k.returncode == 0, f"the kiosk exited {k.returncode}:\n{log}"
    assert_shows_page(tmp_path, Image.ppm(out), pdf, 3, "after the silence")


def count_color(img, rgb, tol=12, rows=None):
    """How many pixels (in `rows`, default all) are within tol of rgb."""
    n = 0
    for y in rows if rows is not None else range(img.h):
        o = y * img.w * 3
        row = img.rgb[o:o + img.w * 3]
        for i in range(0, len(row), 3):
            if abs(row[i] - rgb[0]) <= tol and abs(row[i + 1] - rgb[1]) <= tol \
                    and abs(row[i + 2] - rgb[2]) <= tol:
                n += 1
    return n


def test_vote_result_and_speaker_on_screen(server_factory, tmp_path):
    srv = server_factory(prepare)
    m = srv.ctx
    chair = join(srv.url, m["chair_url"])
    member = join(srv.url, m["participants"]["Nguyễn Văn An"]["url"])
    vote_bg, meter = (0x0b, 0x1a, 0x2e), (0x14, 0x59, 0xa8)

    async def open_and_vote():
        c, _ = await connect(srv.url, chair["session"], label="chair")
        mc, _ = await connect(srv.url, member["session"], label="member")
        r = await c.ok("poll.open", question="Thông qua kế hoạch tháng 12?", secret=False)
        await mc.ok("ballot.cast", poll=r["poll"], option=0)
        await close_all([c, mc])
        return r["poll"]
    poll = run(open_and_vote())

    # A vote in progress covers the screen: its question, "1 of 2 have
    # voted", and a meter half full.
    out = tmp_path / "vote.ppm"
    code, log = snapshot(tmp_path, m["display_url"], out, lang="en")
    assert code == 0, log
    img = Image.ppm(out)
    assert img.px(10, 10) == vote_bg, f"no vote panel: {img.px(10, 10)}"
    rows = [(y, count_color(img, meter, rows=[y])) for y in range(H // 3, H - 30, 2)]
    y, fill = max(rows, key=lambda r: r[1])
    track = sum(1 for x in range(W) if img.px(x, y) != vote_bg)
    assert fill > 0 and track > 0, "no progress meter"
    assert abs(fill / track - 0.5) < 0.05, f"meter {fill} of {track}: not 1 of 2 voted"

    # The chair closes it with the kiosk watching: the result stays up.
    argv = [kiosk_bin(), "--url", m["display_url"], "--snapshot", str(tmp_path / "result.ppm"),
            "--after", "3", "--idle", "120000", "--size", f"{W}x{H}",
            "--cache", str(tmp_path / "kiosk-cache")]
    logp = tmp_path / "kiosk.log"
    logf = open(logp, "w")
    k = subprocess.Popen(argv, stdout=logf, stderr=logf, env=kiosk_env(tmp_path))
    try:
        deadline = time.monotonic() + SHOW_TIMEOUT
        # Its hello answered, so that the close and the turn come as events.
        while "in step with the meeting" not in logp.read_text(errors="replace"):
            assert k.poll() is None and time.monotonic() < deadline, logp.read_text()
            time.sleep(0.2)

        async def close_and_speak():
            c, _ = await connect(srv.url, chair["session"], label="chair")
            await c.ok("poll.close", poll=poll)
            await c.ok("speaker.next", participant=member["participant"])
            await close_all([c])
        run(close_and_speak())
        k.wait(SHOW_TIMEOUT)
    finally:
        if k.poll() is None:
            k.kill()
            k.wait()
        logf.close()
    log = logp.read_text(errors="replace")
    check_log(log)
    assert k.returncode == 0, log
    img = Image.ppm(tmp_path / "result.ppm")
    assert img.px(10, 10) == vote_bg, "the result went away"
    # passed, in green; the bar of "for" full (the one ballot), and nothing
    # in the other two
    assert count_color(img, (0x4a, 0xde, 0x80), tol=30) > 500, "no 'passed' in green"
    assert count_color(img, (0x16, 0xa3, 0x4a), tol=8) > W, "no full bar for 'for'"
    assert count_color(img, (0xdc, 0x26, 0x26), tol=8) == 0, "a bar for 'against'"
    # and who has the floor, with the red dot, along the bottom
    assert count_color(img, (0xef, 0x44, 0x44), tol=30, rows=range(H - 90, H - 24)) > 20, \
        "no speaker's line"


# ------------------------------------------------------------------ a real window

class XDisplay:
    """Xvfb on a display number it picks itself (-displayfd), and
    screenshots of its root window through Xlib."""

    def __init__(self, tmp_path):
        xvfb = need("Xvfb", "xvfb")
        r, w = os.pipe()
        # No GLX: SDL draws with its software renderer, which is what an
        # X server without a GPU gives it anyway.
        # -br: a black root window around the kiosk's, not X's grey weave
        self.proc = subprocess.Popen([xvfb, "-displayfd", str(w), "-screen", "0", f"{W}x{H}x24",
                                      "-br", "-nolisten", "tcp", "-extension", "GLX"],
                                     pass_fds=(w,), stdout=subprocess.DEVNULL,
                                     stderr=open(tmp_path / "xvfb.log", "w"))
        os.close(w)
        num = b""
        deadline = time.monotonic() + 30
        while not num.endswith(b"\n"):
            assert time.monotonic() < deadline, "Xvfb did not start"
            chunk = os.read(r, 16)
            assert chunk, f"Xvfb exited: {(tmp_path / 'xvfb.log').read_text()}"
            num += chunk
        os.close(r)
        self.name = ":" + num.decode().strip()
        self.x = ctypes.CDLL("libX11.so.6")
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x.XGetImage.restype = ctypes.POINTER(XImage)
        self.x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        self.x.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]
        self.x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.x.XStringToKeysym.restype = ctypes.c_ulong
        self.x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x.XFlush.argtypes = [ctypes.c_void_p]
        try:
            self.xtst = ctypes.CDLL("libXtst.so.6")
        except OSError:
            pytest.fail("libXtst.so.6 is missing: apt-get install libxtst6", pytrace=False)
        self.xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                                ctypes.c_ulong]
        self.dpy = self.x.XOpenDisplay(self.name.encode())
        assert self.dpy, f"cannot open display {self.name}"

    def key(self, name):
        """Presses and releases a key, as a person at the keyboard would
        (XTEST); it goes to the window under the pointer, in the middle."""
        code = self.x.XKeysymToKeycode(self.dpy, self.x.XStringToKeysym(name.encode()))
        self.xtst.XTestFakeKeyEvent(self.dpy, code, 1, 0)
        self.xtst.XTestFakeKeyEvent(self.dpy, code, 0, 0)
        self.x.XFlush(self.dpy)

    def shot(self):
        ZPIXMAP, ALL_PLANES = 2, (1 << 64) - 1
        img = self.x.XGetImage(self.dpy, self.x.XDefaultRootWindow(self.dpy), 0, 0, W, H,
                               ALL_PLANES, ZPIXMAP)
        assert img, "XGetImage failed"
        im = img.contents
        assert im.bits_per_pixel == 32 and im.byte_order == 0, \
            f"unexpected X image: {im.bits_per_pixel} bpp, byte order {im.byte_order}"
        raw = ctypes.string_at(im.data, im.bytes_per_line * im.height)
        rgb = bytearray(W * H * 3)
        for y in range(H):
            row = raw[y * im.bytes_per_line:y * im.bytes_per_line + W * 4]
            o = y * W * 3
            rgb[o:o + W * 3:3] = row[2::4]      # BGRX, little-endian
            rgb[o + 1:o + W * 3:3] = row[1::4]
            rgb[o + 2:o + W * 3:3] = row[0::4]
        self.x.XDestroyImage(img)
        return Image(W, H, bytes(rgb))

    def close(self):
        if self.dpy:
            self.x.XCloseDisplay(self.dpy)
            self.dpy = None
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_char)),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int), ("red_mask", ctypes.c_ulong),
                ("green_mask", ctypes.c_ulong), ("blue_mask", ctypes.c_ulong)]


def notice_shown(img):
    """The "reconnecting" pill: its brown at the top right of the screen."""
    n = 0
    for y in range(0, H // 6, 2):
        for x in range(W * 2 // 3, W, 2):
            r, g, b = img.px(x, y)
            n += 90 <= r <= 130 and 30 <= g <= 55 and b <= 30
    return n > 200


def test_window_under_xvfb_follows_the_chair_and_survives_a_restart(server_factory, tmp_path):
    """Full screen, as a kiosk runs; Q ends it. (F, full screen on and off,
    needs a window manager to move the window: a bare X server has none.)"""
    srv = server_factory(prepare)
    m = srv.ctx
    pdf = data_file(PDF_4_PAGES)
    kiosk = kiosk_bin()
    x = XDisplay(tmp_path)
    logp = tmp_path / "kiosk.log"
    logf = open(logp, "w")
    k = None
    shots = [0]

    def wait_screen(pred, what, timeout=SHOW_TIMEOUT):
        """Screenshots until pred(img) holds; the last one is saved."""
        deadline = time.monotonic() + timeout
        while True:
            img = x.shot()
            shots[0] += 1
            if pred(img):
                return img
            if k.poll() is not None:
                pytest.fail(f"the kiosk exited {k.returncode}:\n{logp.read_text()}", pytrace=False)
            if time.monotonic() > deadline:
                path = tmp_path / f"timeout-{shots[0]}.ppm"
                img.save_ppm(path)
                pytest.fail(f"{what} (screenshot {path}):\n{logp.read_text()}", pytrace=False)
            time.sleep(0.3)

    def has_page(page):
        def pred(img):
            try:
                assert_shows_page(tmp_path, img, pdf, page, "window")
                return True
            except AssertionError:
                return False
        return pred

    def decodes_join(img):
        path = tmp_path / "window-idle.ppm"
        img.save_ppm(path)
        return m["join_url"] in qr_codes(path)

    try:
        k = subprocess.Popen([kiosk, "--url", m["display_url"], "--fullscreen", "--lang", "en",
                              "--cache", str(tmp_path / "kiosk-cache")],
                             stdout=logf, stderr=logf,
                             env=kiosk_env(tmp_path, {"DISPLAY": x.name, "SDL_VIDEODRIVER": "x11"}))
        # Idle: the room's code, scannable from the screen itself.
        wait_screen(decodes_join, "the window never showed a scannable join code",
                    timeout=KIOSK_START)

        # The chair presents page 2: the window follows.
        chair_do(srv, m, ("present", 2))
        img = wait_screen(has_page(2), "the window did not show page 2")
        # full screen: the page as tall as the screen allows
        assert page_box(img)[3] > 600, f"the window is not full screen: page at {page_box(img)}"

        # The server dies: the page stays, and the screen says it is reconnecting.
        srv.proc.kill()
        srv.proc.wait()
        srv.stop()
        img = wait_screen(notice_shown, "no 'reconnecting' notice while the server is down")
        assert has_page(2)(img), "the page went away while the server was down"

        # It comes back: the kiosk reconnects by itself, on the presented page...
        srv.start()
        img = wait_screen(lambda i: not notice_shown(i), "the kiosk did not reconnect")
        assert has_page(2)(img), "after the restart the kiosk is not on the presented page"
        # ... and follows the chair again.
        chair_do(srv, m, ("present", 3))
        wait_screen(has_page(3), "after the restart the window did not follow to page 3")

        # Q: it ends, cleanly.
        x.key("q")
        try:
            k.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Q did not end the kiosk:\n{logp.read_text()}", pytrace=False)
    finally:
        if k is not None and k.poll() is None:
            k.send_signal(signal.SIGTERM)
            try:
                k.wait(30)
            except subprocess.TimeoutExpired:
                k.kill()
                k.wait()
        logf.close()
        x.close()
    log = logp.read_text(errors="replace")
    check_log(log)
    assert k.returncode == 0, f"the kiosk exited {k.returncode}:\n{log}"
