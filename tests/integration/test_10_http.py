# SPDX-License-Identifier: AGPL-3.0-or-later
"""HTTP routes: health, the static client, errors, QR code, page images,
the source tarball and uploads."""

import gzip
import io
import random
import re
import tarfile
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import (PDF_4_PAGES, PDF_VI, data_file, member_url, module_server,
                      prepare_standard, serve_accepts, upload_cap_args)
from helpers import (ID_RE, assert_error, get, join, multipart, png_size, post,
                     token_of, upload)

CAP = 1048576


def prepare(server):
    a = prepare_standard(server)
    b = prepare_standard(server, title="Họp chi bộ", docs=(PDF_VI,),
                         members=[("Phạm Thu Hà", "Bí thư")])
    return {"a": a, "b": b}


RENDER_TIMEOUT = 3


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    extra = upload_cap_args()
    if serve_accepts("--render-timeout"):
        extra += ["--render-timeout", str(RENDER_TIMEOUT)]
    yield from module_server(tmp_path_factory, prepare, extra)


@pytest.fixture(scope="module")
def s(srv):
    """Sessions: chair, secretary, member and display of A; chair and member of B."""
    a, b = srv.ctx["a"], srv.ctx["b"]
    return {
        "chair": join(srv.url, a["chair_url"])["session"],
        "secretary": join(srv.url, a["secretary_url"])["session"],
        "member": join(srv.url, member_url(a))["session"],
        "display": join(srv.url, a["display_url"])["session"],
        "chair_b": join(srv.url, b["chair_url"])["session"],
        "member_b": join(srv.url, member_url(b, "Phạm Thu Hà"))["session"],
    }


def doc_a(srv):
    return srv.ctx["a"]["docs"][PDF_4_PAGES]["doc"]


def page(srv, session, n, w=None, doc=None, headers=None):
    path = f"/api/docs/{doc or doc_a(srv)}/pages/{n}.png"
    if w is not None:
        path += f"?w={w}"
    return get(srv.url, path, session=session, headers=headers)


# ------------------------------------------------------------------ health

def test_healthz(srv):
    r = get(srv.url, "/healthz")
    assert r.status == 200, r
    assert r.content_type == "application/json", r.header("Content-Type")
    j = r.json()
    assert j.get("ok") is True, j
    assert isinstance(j.get("version"), str) and re.match(r"^\d+\.\d+\.\d+", j["version"]), j
    assert isinstance(j.get("meetings"), int) and j["meetings"] >= 0, j
    assert isinstance(j.get("connections"), int) and j["connections"] >= 0, j


# ------------------------------------------------------------- static client

def assert_html(r, what):
    assert r.status == 200, f"{what}: {r!r}"
    assert r.content_type == "text/html", f"{what}: Content-Type {r.header('Content-Type')}"
    assert b"<html" in r.body.lower() or b"<!doctype html" in r.body.lower(), \
        f"{what}: not an HTML page: {r.body[:200]!r}"


def test_client_is_served_at_root(srv):
    assert_html(get(srv.url, "/"), "GET /")


def test_client_is_served_at_join_link(srv):
    t = token_of(srv.ctx["a"]["join_url"])
    assert_html(get(srv.url, f"/j/{t}"), "GET /j/<room token>")
    t = token_of(member_url(srv.ctx["a"]))
    assert_html(get(srv.url, f"/j/{t}"), "GET /j/<personal token>")


def test_client_is_served_at_meeting_pages(srv):
    m = srv.ctx["a"]["meeting"]
    assert_html(get(srv.url, f"/m/{m}"), "GET /m/<meeting>")
    assert_html(get(srv.url, f"/m/{m}/screen"), "GET /m/<meeting>/screen")


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/meetings", "/api/docs/"])
def test_unknown_api_route_is_404_json(srv, path):
    assert_error(get(srv.url, path), 404, "not_found")


# ---------------------------------------------------------------- QR code

def test_qr_svg_for_a_participant(srv, s):
    m = srv.ctx["a"]["meeting"]
    r = get(srv.url, f"/api/meetings/{m}/qr.svg", session=s["member"])
    assert r.status == 200, r
    assert r.content_type == "image/svg+xml", r.header("Content-Type")
    root = ET.fromstring(r.body)
    assert root.tag in ("svg", "{http://www.w3.org/2000/svg}svg"), root.tag
    # A QR code is drawn: at least some dark modules.
    assert len(list(root.iter())) > 2 or b"d=" in r.body, r.body[:300]


def test_qr_svg_for_the_display(srv, s):
    m = srv.ctx["a"]["meeting"]
    assert get(srv.url, f"/api/meetings/{m}/qr.svg", session=s["display"]).status == 200


def test_qr_svg_without_session_is_401(srv):
    m = srv.ctx["a"]["meeting"]
    assert_error(get(srv.url, f"/api/meetings/{m}/qr.svg"), 401)


def test_qr_svg_with_another_meetings_session_is_403(srv, s):
    m = srv.ctx["a"]["meeting"]
    assert_error(get(srv.url, f"/api/meetings/{m}/qr.svg", session=s["member_b"]), 403)


def test_qr_svg_with_a_bogus_session_is_401(srv):
    m = srv.ctx["a"]["meeting"]
    r = get(srv.url, f"/api/meetings/{m}/qr.svg", session="A" * 22)
    assert_error(r, 401)


# ------------------------------------------------------------- page images

@pytest.mark.parametrize("w,expected", [(None, 1024), (100, 320), (500, 640),
                                        (1280, 1280), (5000, 2048)])
def test_page_png_width_is_rounded_up(srv, s, w, expected):
    r = page(srv, s["member"], 1, w)
    assert r.status == 200, r
    assert r.content_type == "image/png", r.header("Content-Type")
    width, height = png_size(r.body)
    assert width == expected, f"w={w}: PNG is {width} wide, expected {expected}"
    # An A4 page in portrait: taller than wide, aspect kept.
    assert abs(height / width - 841.89 / 595.276) < 0.02, (width, height)


@pytest.mark.parametrize("w", ["99999", "4294967617"])
def test_page_png_huge_width_gets_2048(srv, s, w):
    r = page(srv, s["member"], 1, w)
    assert r.status == 200, r
    assert png_size(r.body)[0] == 2048, f"w={w}: PNG is {png_size(r.body)[0]} wide, " \
        "expected 2048 (larger asks get 2048)"


def test_page_png_cache_headers_and_304(srv, s):
    r = page(srv, s["member"], 2, 640)
    assert r.status == 200, r
    etag = r.header("ETag")
    assert etag and re.match(r'^"[0-9a-f]+-2-640"$', etag), f"ETag {etag!r}"
    cc = (r.header("Cache-Control") or "").replace(" ", "")
    for part in ("private", "max-age=31536000", "immutable"):
        assert part in cc.split(","), f"Cache-Control {cc!r} lacks {part}"
    r2 = page(srv, s["member"], 2, 640, headers={"If-None-Match": etag})
    assert r2.status == 304, f"If-None-Match with the ETag gave {r2!r}"
    assert r2.body == b"", "a 304 carries no body"
    # Another width and another page get other tags.
    assert page(srv, s["member"], 2, 320).header("ETag") != etag
    assert page(srv, s["member"], 3, 640).header("ETag") != etag


def test_page_png_stale_tag_gets_the_image(srv, s):
    r = page(srv, s["member"], 1, 320, headers={"If-None-Match": '"0000-1-320"'})
    assert r.status == 200, r
    png_size(r.body)


@pytest.mark.parametrize("n", [0, 5, 999])
def test_page_out_of_range_is_404(srv, s, n):
    assert_error(page(srv, s["member"], n), 404)


def test_page_of_unknown_doc_is_404(srv, s):
    assert_error(page(srv, s["member"], 1, doc="zzzzzzzzzzzz"), 404)


def test_page_with_another_meetings_session_is_403(srv, s):
    assert_error(page(srv, s["member_b"], 1), 403)


def test_page_without_session_is_refused(srv):
    r = page(srv, None, 1)
    assert r.status in (401, 403), f"a page was served without a session: {r!r}"


# ---------------------------------------------------------------- source

def test_source_tarball(srv):
    r = get(srv.url, "/source.tar.gz")
    assert r.status == 200, r
    assert r.body[:2] == b"\x1f\x8b", f"not gzip: {r.body[:10]!r}"
    names = tarfile.open(fileobj=io.BytesIO(r.body), mode="r:gz").getnames()
    assert any(n.endswith("CMakeLists.txt") for n in names), names[:20]
    assert any(n.endswith("server/src/main.c") for n in names), \
        "the source tarball lacks server/src/main.c"
    gzip.decompress(r.body)     # complete, not truncated


# ---------------------------------------------------------------- uploads

def pdf_bytes(name=PDF_4_PAGES):
    with open(data_file(name), "rb") as f:
        return f.read()


def test_chair_uploads_a_pdf(srv, s):
    m = srv.ctx["a"]["meeting"]
    r = upload(srv.url, m, s["chair"], "bao-cao-thang-11.pdf", pdf_bytes())
    assert r.status == 201, r
    j = r.json()
    assert ID_RE.match(j.get("doc", "")), j
    assert j.get("pages") == 4, j
    assert j.get("title") == "bao-cao-thang-11", f"title defaults to the file name: {j}"
    # The new document's pages are served.
    png_size(page(srv, s["member"], 4, 320, doc=j["doc"]).body)


def test_secretary_uploads_with_title_and_session_in_query(srv, s):
    m = srv.ctx["a"]["meeting"]
    r = upload(srv.url, m, s["secretary"], "hop-giao-ban.pdf", pdf_bytes(PDF_VI),
               extra={"title": "Báo cáo tháng 11"}, via="query")
    assert r.status == 201, r
    j = r.json()
    assert j.get("pages") == 2, j
    assert j.get("title") == "Báo cáo tháng 11", j


def test_member_upload_is_403(srv, s):
    m = srv.ctx["a"]["meeting"]
    assert_error(upload(srv.url, m, s["member"], "x.pdf", pdf_bytes()), 403)


def test_display_upload_is_403(srv, s):
    m = srv.ctx["a"]["meeting"]
    assert_error(upload(srv.url, m, s["display"], "x.pdf", pdf_bytes()), 403)


def test_upload_without_session_is_401(srv):
    m = srv.ctx["a"]["meeting"]
    assert_error(upload(srv.url, m, None, "x.pdf", pdf_bytes()), 401)


def test_upload_by_another_meetings_chair_is_403(srv, s):
    m = srv.ctx["a"]["meeting"]
    assert_error(upload(srv.url, m, s["chair_b"], "x.pdf", pdf_bytes()), 403)


def test_upload_of_a_non_document_is_415(srv, s):
    m = srv.ctx["a"]["meeting"]
    rnd = random.Random(3)
    junk = bytes(rnd.getrandbits(8) for _ in range(16384))
    err = assert_error(upload(srv.url, m, s["chair"], "payroll.bin", junk,
                              "application/octet-stream"), 415, "unsupported")
    assert "document" in err["message"].lower(), err


def test_upload_of_an_empty_file_is_415(srv, s):
    m = srv.ctx["a"]["meeting"]
    assert_error(upload(srv.url, m, s["chair"], "empty.pdf", b""), 415, "unsupported")


def test_upload_over_the_cap_is_413(srv, s):
    assert serve_accepts("--max-upload"), \
        "`plenum serve --help` does not list --max-upload (protocol.md: upload cap)"
    m = srv.ctx["a"]["meeting"]
    big = pdf_bytes() + b"%" + b"x" * (CAP + 1000)
    err = assert_error(upload(srv.url, m, s["chair"], "big.pdf", big), 413, "too_large")
    assert err["message"], err
    # The server is still fine afterwards.
    assert get(srv.url, "/healthz").status == 200


def test_upload_keeps_a_vietnamese_file_name_as_title(srv, s):
    m = srv.ctx["a"]["meeting"]
    r = upload(srv.url, m, s["chair"], "Dự thảo nghị quyết.pdf", pdf_bytes(PDF_VI))
    assert r.status == 201, r
    assert r.json().get("title") == "Dự thảo nghị quyết", r.json()


def test_truncated_pdf_fails_alone(srv, s):
    m = srv.ctx["a"]["meeting"]
    data = pdf_bytes()
    r = upload(srv.url, m, s["chair"], "cut.pdf", data[:len(data) // 2])
    assert r.status in (201, 415), f"a truncated PDF: {r!r}"
    if r.status == 415:
        assert_error(r, 415, "unsupported")
    else:
        j = r.json()
        for n in range(1, j["pages"] + 1):
            p = page(srv, s["member"], n, 320, doc=j["doc"])
            assert p.status in (200, 503), f"page {n} of a repaired PDF: {p!r}"
            if p.status == 503:
                assert_error(p, 503)
            else:
                png_size(p.body)
    # Everything else goes on.
    assert get(srv.url, "/healthz").status == 200
    png_size(page(srv, s["member"], 2, 320).body)


def test_password_protected_pdf_is_415(srv, s):
    m = srv.ctx["a"]["meeting"]
    r = upload(srv.url, m, s["chair"], "locked.pdf",
               pdf_bytes("libreoffice-writer-password.pdf"))
    err = assert_error(r, 415, "unsupported")
    assert "password" in err["message"].lower(), err


def test_a_page_that_never_finishes_fails_alone(srv, s):
    assert serve_accepts("--render-timeout"), "`plenum serve --help` lists no --render-timeout"
    m = srv.ctx["a"]["meeting"]
    r = upload(srv.url, m, s["chair"], "slow.pdf", pdf_bytes("slow.pdf"))
    assert r.status == 201, r
    slow = r.json()["doc"]
    result = {}
    t = threading.Thread(target=lambda: result.update(
        r=page(srv, s["member"], 1, 480, doc=slow)))
    t0 = time.monotonic()
    t.start()
    try:
        # While that page hangs in a worker, the server answers everyone else.
        assert get(srv.url, "/healthz").status == 200
        other = page(srv, s["member_b"], 2, 480, doc=srv.ctx["b"]["docs"][PDF_VI]["doc"])
        assert other.status == 200, f"another meeting's page during the hang: {other!r}"
    finally:
        t.join(RENDER_TIMEOUT + 30)
    assert not t.is_alive(), "the hanging page was never answered"
    took = time.monotonic() - t0
    err = assert_error(result["r"], 503)
    assert took < RENDER_TIMEOUT + 20, f"the hanging page took {took:.0f} s to fail"
    assert err["message"], err


def test_upload_without_a_file_field_is_400(srv, s):
    m = srv.ctx["a"]["meeting"]
    body, ct = multipart([("title", "Báo cáo")])
    r = post(srv.url, f"/api/meetings/{m}/documents", body,
             headers={"Content-Type": ct}, session=s["chair"])
    assert_error(r, 400, "bad_request")


def test_same_file_twice_is_stored_once(srv, s):
    m = srv.ctx["a"]["meeting"]
    r1 = upload(srv.url, m, s["chair"], "first.pdf", pdf_bytes())
    r2 = upload(srv.url, m, s["chair"], "second.pdf", pdf_bytes())
    assert r1.status == 201 and r2.status == 201, (r1, r2)
    d1, d2 = r1.json()["doc"], r2.json()["doc"]
    p1 = page(srv, s["member"], 1, 320, doc=d1)
    p2 = page(srv, s["member"], 1, 320, doc=d2)
    assert p1.status == 200 and p2.status == 200, (p1, p2)
    # Content-addressed: the tag starts with the file's hash, so it is the same.
    assert p1.header("ETag") == p2.header("ETag"), (p1.header("ETag"), p2.header("ETag"))
    assert p1.body == p2.body
    # And the same as the copy added by the command line.
    assert page(srv, s["member"], 1, 320).header("ETag") == p1.header("ETag")


# ----------------------------------------------------------------- metrics

def test_metrics_prometheus_text(srv):
    r = get(srv.url, "/metrics")
    assert r.status == 200, r
    assert r.content_type == "text/plain", r.header("Content-Type")
    values = {}
    for line in r.text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name.split("{")[0]] = float(value)
    for name in ("plenum_connections", "plenum_events_total", "plenum_renders_total",
                 "plenum_render_failures_total", "plenum_http_requests_total"):
        assert name in values, f"/metrics lacks {name}:\n{r.text()}"
    assert values["plenum_http_requests_total"] >= 1, values


# ------------------------------------------------------------ original file

def test_original_file_for_chair_and_secretary_only(srv, s):
    path = f"/api/docs/{doc_a(srv)}/file"
    for who in ("chair", "secretary"):
        r = get(srv.url, path, session=s[who])
        assert r.status == 200, f"{who}: {r!r}"
        assert r.body == pdf_bytes(), f"{who}: not the uploaded file"
    for who in ("member", "display", "chair_b"):
        assert_error(get(srv.url, path, session=s[who]), 403)


def test_document_pdf_for_the_room_display(srv, s):
    """The PDF the pages are drawn from: the room display renders pages
    itself at its own size, so it (and chair and secretary) may fetch it,
    cached by content; members may not; another meeting gets 404."""
    path = f"/api/docs/{doc_a(srv)}/document.pdf"
    for who in ("display", "chair", "secretary"):
        r = get(srv.url, path, session=s[who])
        assert r.status == 200, f"{who}: {r!r}"
        assert r.body == pdf_bytes() and r.content_type == "application/pdf", who
        etag = r.header("ETag")
        assert etag and "immutable" in r.header("Cache-Control"), r.headers
        again = get(srv.url, path, session=s[who], headers={"If-None-Match": etag})
        assert again.status == 304 and not again.body, again
    assert_error(get(srv.url, path, session=s["member"]), 403)
    assert_error(get(srv.url, path, session=s["chair_b"]), 404)
    assert_error(get(srv.url, path), 401)
