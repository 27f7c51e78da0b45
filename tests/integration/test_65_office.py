# SPDX-License-Identifier: AGPL-3.0-or-later
"""Word, Excel, PowerPoint and OpenDocument uploads: converted to PDF by
LibreOffice (soffice --headless), stored once, the original downloadable,
broken and hanging files refused with a reason, and the command line doing
the same.

Without LibreOffice on this machine the same tests run and expect the
"needs LibreOffice" refusal instead (chosen by shutil.which("soffice")), so
nothing is skipped silently either way."""

import hashlib
import os
import random
import shutil
import subprocess
import time
import unicodedata
import zipfile

import pytest

from conftest import (cli, cli_json, data_file, module_server, prepare_standard,
                      serve_accepts)
from helpers import ID_RE, assert_error, get, join, png_size, upload

HAVE_SOFFICE = bool(shutil.which("soffice") or shutil.which("libreoffice"))
NEEDS = "need LibreOffice on the server"
DOCX = "hop-giao-ban.docx"
ODT = "hop-giao-ban.odt"
DOCX_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_CT = "application/vnd.oasis.opendocument.text"
# Words of the document, diacritics and all (see /work/shared/corpus/vi/README.md).
WORDS = ("biểu quyết", "phòng họp không giấy", "biên bản")


def read(name):
    with open(data_file(name), "rb") as f:
        return f.read()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def nfc(s):
    return unicodedata.normalize("NFC", s)


def pdf_text(path):
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                       timeout=60)
    assert p.returncode == 0, f"pdftotext {path}: {p.stderr!r}"
    return nfc(p.stdout.decode("utf-8", "replace"))


def big_odt(paragraphs):
    """A valid OpenDocument text of `paragraphs` Vietnamese paragraphs (about
    16 s of LibreOffice for 40,000), made here so that no large file is kept
    in the repository."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join(f"<text:p>Đoạn {i}: phòng họp không giấy, biểu quyết và biên bản."
                   "</text:p>" for i in range(paragraphs))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
               f'office:version="1.2"><office:body><office:text>{body}'
               '</office:text></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_CT}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # ODF 1.2 Part 3 §3.3: "mimetype" first, stored.
        z.writestr(zipfile.ZipInfo("mimetype"), ODT_CT, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def prepare(server):
    return prepare_standard(server)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


@pytest.fixture(scope="module")
def chair(srv):
    return join(srv.url, srv.ctx["chair_url"])["session"]


def expect_needs_libreoffice(r):
    err = assert_error(r, 415, "unsupported")
    assert NEEDS in err["message"] and "apt-get install libreoffice-writer-nogui" \
        in err["message"], f"the refusal does not say what to install: {err}"


def blobs(srv):
    return sorted(os.listdir(os.path.join(srv.data, "blobs")))


# ------------------------------------------------------------ conversion

@pytest.mark.parametrize("name,ctype", [(DOCX, DOCX_CT), (ODT, ODT_CT)])
def test_office_upload_is_converted_and_renders(srv, chair, name, ctype):
    data = read(name)
    t0 = time.monotonic()
    r = upload(srv.url, srv.ctx["meeting"], chair, name, data, ctype)
    took = time.monotonic() - t0
    if not HAVE_SOFFICE:
        expect_needs_libreoffice(r)
        return
    assert r.status == 201, r
    j = r.json()
    print(f"{name}: uploaded and converted in {took:.2f} s")
    assert ID_RE.match(j.get("doc", "")), j
    assert j.get("pages", 0) >= 1, j
    assert j.get("title") == "hop-giao-ban", f"title from the original's name: {j}"
    # Page 1 renders.
    png = get(srv.url, f"/api/docs/{j['doc']}/pages/1.png?w=640", session=chair)
    assert png.status == 200, png
    assert png_size(png.body)[0] == 640
    # The stored PDF (keyed by the original's SHA-256) keeps the diacritics.
    pdf = os.path.join(srv.data, "blobs", sha256(data) + ".pdf")
    assert os.path.isfile(pdf), f"no blob {pdf}: {blobs(srv)}"
    with open(pdf, "rb") as f:
        assert f.read(5) == b"%PDF-"
    text = pdf_text(pdf)
    for w in WORDS:
        assert nfc(w) in text, f"{w!r} is not in the converted PDF's text:\n{text[:800]}"


def test_original_is_downloadable(srv, chair):
    data = read(DOCX)
    r = upload(srv.url, srv.ctx["meeting"], chair, "Báo cáo.docx", data, DOCX_CT)
    if not HAVE_SOFFICE:
        expect_needs_libreoffice(r)
        return
    assert r.status == 201, r
    doc = r.json()["doc"]
    f = get(srv.url, f"/api/docs/{doc}/file", session=chair)
    assert f.status == 200, f
    assert f.body == data, "GET …/file does not return the original .docx bytes"
    assert f.header("content-type") == DOCX_CT, f.header("content-type")
    assert f.header("content-disposition").endswith('.docx"'), \
        f.header("content-disposition")


def test_same_office_file_is_stored_once(srv, chair):
    data = read(ODT)
    m = srv.ctx["meeting"]
    first = upload(srv.url, m, chair, "a.odt", data, ODT_CT)
    if not HAVE_SOFFICE:
        expect_needs_libreoffice(first)
        return
    assert first.status == 201, first
    before = blobs(srv)
    t0 = time.monotonic()
    again = upload(srv.url, m, chair, "b.odt", data, ODT_CT)
    took = time.monotonic() - t0
    assert again.status == 201, again
    assert again.json()["doc"] != first.json()["doc"]
    assert again.json()["pages"] == first.json()["pages"]
    assert blobs(srv) == before, f"a second copy was stored: {before} → {blobs(srv)}"
    sha = sha256(data)
    assert f"{sha}.pdf" in before and f"{sha}.orig.odt" in before, before
    print(f"second upload of the same .odt (no conversion): {took:.2f} s")


def test_random_bytes_named_docx_is_415(srv, chair):
    junk = bytes(random.Random(65).getrandbits(8) for _ in range(20000))
    err = assert_error(upload(srv.url, srv.ctx["meeting"], chair, "bao-cao.docx", junk,
                              DOCX_CT), 415, "unsupported")
    assert "Word document" in err["message"], f"unclear: {err}"
    assert get(srv.url, "/healthz").status == 200


def test_damaged_zip_named_docx_is_415(srv, chair):
    r = upload(srv.url, srv.ctx["meeting"], chair, "hong.docx",
               b"PK\x03\x04" + b"\x00" * 200, DOCX_CT)
    if not HAVE_SOFFICE:
        expect_needs_libreoffice(r)
        return
    err = assert_error(r, 415, "unsupported")
    assert "LibreOffice could not read this file" in err["message"], err


def test_docx_named_pdf_is_converted_by_its_content(srv, chair):
    """The ZIP's entries say what it is, whatever the name says."""
    data = read(DOCX)
    r = upload(srv.url, srv.ctx["meeting"], chair, "renamed.pdf", data, "application/pdf")
    if not HAVE_SOFFICE:
        expect_needs_libreoffice(r)
        return
    assert r.status == 201, r
    assert r.json()["pages"] >= 1


def test_pdf_upload_still_works_and_keeps_its_file(srv, chair):
    data = read("hop-giao-ban.pdf")
    r = upload(srv.url, srv.ctx["meeting"], chair, "x.pdf", data)
    assert r.status == 201, r
    f = get(srv.url, f"/api/docs/{r.json()['doc']}/file", session=chair)
    assert f.status == 200 and f.body == data


# ------------------------------------------------------------ the timeout

def test_conversion_that_hangs_is_killed_after_the_timeout(server_factory):
    assert serve_accepts("--convert-timeout"), "`plenum serve --help` lacks --convert-timeout"
    s = server_factory(prepare, extra_args=["--convert-timeout", "1"])
    chair = join(s.url, s.ctx["chair_url"])["session"]
    t0 = time.monotonic()
    r = upload(s.url, s.ctx["meeting"], chair, "dai.odt", big_odt(40000), ODT_CT)
    took = time.monotonic() - t0
    if not HAVE_SOFFICE:
        expect_needs_libreoffice(r)
        return
    err = assert_error(r, 415, "unsupported")
    assert "conversion timed out after 1 s" in err["message"], err
    assert took < 10, f"the refusal took {took:.1f} s"
    # Nothing of that conversion is left running, and the server is fine.
    time.sleep(0.3)
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    left = [l for l in ps.splitlines() if s.data in l and "soffice" in l]
    assert not left, f"LibreOffice still runs after the timeout:\n" + "\n".join(left)
    assert get(s.url, "/healthz").status == 200
    ok = upload(s.url, s.ctx["meeting"], chair, "x.pdf", read("hop-giao-ban.pdf"))
    assert ok.status == 201, ok


def test_without_libreoffice_office_uploads_are_refused(server_factory, monkeypatch):
    """The server looks for soffice once, at start, on PATH."""
    monkeypatch.setenv("PATH", "/nonexistent")
    s = server_factory(prepare)
    monkeypatch.undo()
    chair = join(s.url, s.ctx["chair_url"])["session"]
    expect_needs_libreoffice(upload(s.url, s.ctx["meeting"], chair, DOCX, read(DOCX),
                                    DOCX_CT))
    assert "no LibreOffice" in s.log_text(), "the missing soffice is not logged at start"
    # PDFs are unaffected.
    assert upload(s.url, s.ctx["meeting"], chair, "x.pdf",
                  read("hop-giao-ban.pdf")).status == 201


# ------------------------------------------------------------ the command line

def test_cli_doc_add_converts_a_docx(tmp_path):
    data = str(tmp_path / "data")
    m = cli_json("meeting", "create", "--data", data, "--title", "Họp giao ban",
                 "--public-url", "http://127.0.0.1:9")["meeting"]
    add = ("doc", "add", "--data", data, "--meeting", m, data_file(DOCX))
    if not HAVE_SOFFICE:
        p = cli(*add, check=False)
        assert p.returncode == 1 and NEEDS in p.stderr, p.stderr
        return
    t0 = time.monotonic()
    d = cli_json(*add)
    print(f"plenum doc add {DOCX}: {time.monotonic() - t0:.2f} s")
    assert ID_RE.match(d["doc"]) and d["pages"] >= 1, d
    sha = sha256(read(DOCX))
    names = sorted(os.listdir(os.path.join(data, "blobs")))
    assert f"{sha}.orig.docx" in names and f"{sha}.pdf" in names, names
    # Added again: a second document, the same blobs.
    again = cli_json(*add)
    assert again["doc"] != d["doc"] and again["pages"] == d["pages"]
    assert sorted(os.listdir(os.path.join(data, "blobs"))) == names
    # Nothing left in the data dir's tmp but LibreOffice's profile.
    left = [n for n in os.listdir(os.path.join(data, "tmp")) if n.startswith("cli-")]
    assert not left, left


def test_cli_refuses_random_bytes_named_docx(srv, tmp_path):
    f = tmp_path / "hong.docx"
    f.write_bytes(bytes(random.Random(5).getrandbits(8) for _ in range(4096)))
    p = cli("doc", "add", "--data", srv.data, "--meeting", srv.ctx["meeting"], str(f),
            check=False)
    assert p.returncode == 1, p
    assert "hong.docx" in p.stderr and "Word document" in p.stderr, p.stderr
