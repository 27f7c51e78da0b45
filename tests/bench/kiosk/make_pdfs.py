#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""make_pdfs.py — the kiosk benchmark's two documents, made fresh each run
(nothing to download, nothing large in git):

  text.pdf    TEXT_PAGES A4 pages of 10-point text in Helvetica, 58 lines
              each, like a long report (default 101 pages)
  images.pdf  IMAGE_PAGES landscape pages, each one 2000 × 1500 RGB image
              (3 megapixels, Flate, about 6 MB) filling the page, like
              scanned slides or photographs (default 24 pages)

Every page differs from the others (its number is in the text; each image
has its own noise and gradient), so no page can be mistaken for another.

usage: make_pdfs.py OUTDIR [TEXT_PAGES] [IMAGE_PAGES]
"""

import os
import random
import sys
import zlib

WORDS = ("the meeting agreed that every department shall report its budget "
         "before the end of the quarter and that the plan for next year will "
         "be discussed again once the figures are known to all members").split()


class Pdf:
    """A PDF written object by object, with its cross-reference table."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.offsets = {}
        self.next = 1

    def reserve(self):
        n = self.next
        self.next += 1
        return n

    def obj(self, n, body, stream=None):
        self.offsets[n] = self.f.tell()
        self.f.write(b"%d 0 obj\n" % n)
        if stream is None:
            self.f.write(body + b"\nendobj\n")
        else:
            self.f.write(body + b"\nstream\n" + stream + b"\nendstream\nendobj\n")

    def close(self, root):
        xref = self.f.tell()
        self.f.write(b"xref\n0 %d\n0000000000 65535 f \n" % self.next)
        for n in range(1, self.next):
            self.f.write(b"%010d 00000 n \n" % self.offsets[n])
        self.f.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                     % (self.next, root, xref))
        self.f.close()


def text_pdf(path, pages):
    pdf = Pdf(path)
    catalog, tree, font = pdf.reserve(), pdf.reserve(), pdf.reserve()
    rnd = random.Random(7)
    kids = []
    for p in range(1, pages + 1):
        page, content = pdf.reserve(), pdf.reserve()
        kids.append(page)
        lines = [b"BT /F1 16 Tf 72 780 Td (Report, page %d) Tj ET" % p]
        y = 750
        for _ in range(58):
            words = " ".join(rnd.choice(WORDS) for _ in range(14))
            lines.append(b"BT /F1 10 Tf 72 %d Td (%s) Tj ET" % (y, words.encode()))
            y -= 12
        lines.append(b"BT /F1 10 Tf 290 40 Td (%d) Tj ET" % p)
        data = zlib.compress(b"\n".join(lines))
        pdf.obj(content, b"<< /Length %d /Filter /FlateDecode >>" % len(data), data)
        pdf.obj(page, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (tree, font, content))
    pdf.obj(font, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    pdf.obj(tree, b"<< /Type /Pages /Count %d /Kids [%s] >>"
            % (pages, b" ".join(b"%d 0 R" % k for k in kids)))
    pdf.obj(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    pdf.close(catalog)


def image_pdf(path, pages, w=2000, h=1500):
    pdf = Pdf(path)
    catalog, tree = pdf.reserve(), pdf.reserve()
    kids = []
    for p in range(1, pages + 1):
        page, content, image = pdf.reserve(), pdf.reserve(), pdf.reserve()
        kids.append(page)
        noise = random.Random(1000 + p).randbytes(w * h * 3)
        rows = []
        for y in range(h):
            # noise of 64 levels over a gradient that moves down the page
            # and differs per page: about as compressible as a photograph
            shift = (y * 96 // h + p * 37) & 0xff
            table = bytes(((v >> 2) + shift) & 0xff for v in range(256))
            rows.append(noise[y * w * 3:(y + 1) * w * 3].translate(table))
        data = zlib.compress(b"".join(rows), 6)
        pdf.obj(image, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
                b"/Length %d >>" % (w, h, len(data)), data)
        draw = b"q 842 0 0 595 0 0 cm /Im0 Do Q"
        pdf.obj(content, b"<< /Length %d >>" % len(draw), draw)
        pdf.obj(page, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 842 595] "
                b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                % (tree, image, content))
    pdf.obj(tree, b"<< /Type /Pages /Count %d /Kids [%s] >>"
            % (pages, b" ".join(b"%d 0 R" % k for k in kids)))
    pdf.obj(catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    pdf.close(catalog)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    text_pages = int(sys.argv[2]) if len(sys.argv) > 2 else 101
    image_pages = int(sys.argv[3]) if len(sys.argv) > 3 else 24
    os.makedirs(out, exist_ok=True)
    text_pdf(os.path.join(out, "text.pdf"), text_pages)
    image_pdf(os.path.join(out, "images.pdf"), image_pages)


if __name__ == "__main__":
    main()
