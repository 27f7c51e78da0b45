# SPDX-License-Identifier: AGPL-3.0-or-later
"""Everything MuPDF opens is a document: images (PNG, TIFF), comic
book archives (CBZ), EPUB and XPS, each made here from nothing, uploaded,
counted and rendered. And a spreadsheet (XLSX), made by LibreOffice from a
CSV, goes through the Office path like a Word file."""

import io
import shutil
import struct
import subprocess
import zipfile
import zlib

import pytest

from conftest import module_server, prepare_standard
from helpers import assert_error, get, join, png_size, upload

HAVE_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def prepare(server):
    return prepare_standard(server, title="Các định dạng tài liệu")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


@pytest.fixture(scope="module")
def chair(srv):
    return join(srv.url, srv.ctx["chair_url"])["session"]


def png(w=300, h=200, rgb=(20, 90, 160)):
    """A plain RGB PNG, written by hand (RFC 2083)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\0" + bytes(rgb) * w
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b""))


def tiff(w=120, h=80):
    """An uncompressed 8-bit grey baseline TIFF (little-endian)."""
    pixels = bytes([200]) * (w * h)
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1),
               (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (278, 3, 1, h),
               (279, 4, 1, len(pixels))]
    ifd_at = 8 + len(pixels)
    out = b"II*\0" + struct.pack("<I", ifd_at) + pixels
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        fmt = "<HHIH2x" if typ == 3 else "<HHII"
        out += struct.pack(fmt, tag, typ, count, value)
    return out + struct.pack("<I", 0)


def cbz(pages=3):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(pages):
            z.writestr(f"{i + 1:03d}.png", png(rgb=(40 * i, 100, 200 - 40 * i)))
    return buf.getvalue()


def epub():
    """A minimal EPUB 2 with two chapters of Vietnamese text."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" '
                   'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                   '<rootfile full-path="content.opf" media-type="application/oebps-package+xml"/>'
                   '</rootfiles></container>')
        z.writestr("content.opf",
                   '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" '
                   'version="2.0" unique-identifier="id"><metadata '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Quy chế</dc:title>'
                   '<dc:identifier id="id">quy-che</dc:identifier><dc:language>vi</dc:language>'
                   '</metadata><manifest>'
                   '<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>'
                   '<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml"/>'
                   '</manifest><spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>')
        for i, text in ((1, "Điều 1. Phạm vi điều chỉnh"), (2, "Điều 2. Đối tượng áp dụng")):
            z.writestr(f"c{i}.xhtml",
                       '<?xml version="1.0" encoding="utf-8"?><html '
                       'xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title></head>'
                       f'<body><h1>{text}</h1>' + "<p>Biên bản họp.</p>" * 40 +
                       '</body></html>')
    return buf.getvalue()


def xps():
    """A one-page XPS document (OpenXPS structure, ECMA-388)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="utf-8"?><Types '
                   'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="fdseq" ContentType="application/vnd.ms-package.xps-fixeddocumentsequence+xml"/>'
                   '<Default Extension="fdoc" ContentType="application/vnd.ms-package.xps-fixeddocument+xml"/>'
                   '<Default Extension="fpage" ContentType="application/vnd.ms-package.xps-fixedpage+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="utf-8"?><Relationships '
                   'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="r1" Target="/doc.fdseq" Type="http://schemas.microsoft.com/xps/2005/06/fixedrepresentation"/>'
                   '</Relationships>')
        z.writestr("doc.fdseq",
                   '<FixedDocumentSequence xmlns="http://schemas.microsoft.com/xps/2005/06">'
                   '<DocumentReference Source="/doc.fdoc"/></FixedDocumentSequence>')
        z.writestr("doc.fdoc",
                   '<FixedDocument xmlns="http://schemas.microsoft.com/xps/2005/06">'
                   '<PageContent Source="/p1.fpage"/></FixedDocument>')
        z.writestr("p1.fpage",
                   '<FixedPage xmlns="http://schemas.microsoft.com/xps/2005/06" '
                   'Width="816" Height="1056" xml:lang="vi">'
                   '<Path Data="M 96,96 L 720,96 L 720,400 L 96,400 Z" Fill="#FF1F6FB4"/>'
                   '</FixedPage>')
    return buf.getvalue()


FORMATS = [
    ("image.png", png, 1),
    ("scan.tif", tiff, 1),
    ("album.cbz", cbz, 3),
    ("quy-che.epub", epub, None),   # pages depend on the layout: at least 2
    ("ban-ve.xps", xps, 1),
]


@pytest.mark.parametrize("name,make,pages", FORMATS, ids=[f[0] for f in FORMATS])
def test_format_uploads_and_renders(srv, chair, name, make, pages):
    r = upload(srv.url, srv.ctx["meeting"], chair, name, make(),
               ctype="application/octet-stream")
    assert r.status == 201, f"{name}: {r!r}"
    got = r.json()["pages"]
    if pages is None:
        assert got >= 2, f"{name}: {got} pages"
    else:
        assert got == pages, f"{name}: {got} pages, expected {pages}"
    p = get(srv.url, f"/api/docs/{r.json()['doc']}/pages/{got}.png?w=640", session=chair)
    assert p.status == 200, f"{name}: last page: {p!r}"
    assert png_size(p.body)[0] == 640


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice is installed by scripts/deps.sh")
def test_spreadsheet_goes_through_libreoffice(srv, chair, tmp_path):
    csv = tmp_path / "ngan-sach.csv"
    csv.write_text("Hạng mục,Kinh phí (đồng)\nMáy tính bảng,1200000000\n"
                   "Màn hình phòng họp,250000000\n", encoding="utf-8")
    subprocess.run([HAVE_SOFFICE, "--headless", "--norestore", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path), str(csv),
                    f"-env:UserInstallation=file://{tmp_path}/profile"],
                   check=True, capture_output=True, timeout=120)
    data = (tmp_path / "ngan-sach.xlsx").read_bytes()
    r = upload(srv.url, srv.ctx["meeting"], chair, "ngan-sach.xlsx", data,
               ctype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert r.status == 201, r
    assert r.json()["pages"] >= 1
    doc = r.json()["doc"]
    p = get(srv.url, f"/api/docs/{doc}/pages/1.png?w=640", session=chair)
    assert p.status == 200, p
    orig = get(srv.url, f"/api/docs/{doc}/file", session=chair)
    assert orig.status == 200 and orig.body == data, "the original .xlsx is downloadable"


def test_unknown_binary_is_refused(srv, chair):
    r = upload(srv.url, srv.ctx["meeting"], chair, "setup.exe", b"MZ" + bytes(4000),
               ctype="application/octet-stream")
    err = assert_error(r, 415, "unsupported")
    assert "not a document" in err["message"], err
