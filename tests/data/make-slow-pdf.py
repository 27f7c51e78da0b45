#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writes slow.pdf: a small, valid PDF whose one page takes hours to draw.

Form XObject /F0 fills a rectangle; /Fk draws /F(k-1) a hundred times; the
page draws /F5, so drawing it means 10^10 fills. It stands for a hostile
upload that parses at once and then hangs the renderer (render's timeout
test). Run: python3 make-slow-pdf.py > slow.pdf
"""
import sys

LEVELS = 5
FANOUT = 100

objs = []  # (number, bytes)


def add(body):
    objs.append(body)
    return len(objs)


def stream(dict_extra, data):
    return (b"<< " + dict_extra + b" /Length %d >>\nstream\n" % len(data)
            + data + b"\nendstream")


form = add(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 200 200]",
                  b"0 0 1 rg 10 10 180 180 re f"))
for level in range(1, LEVELS + 1):
    form = add(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 200 200]"
                      b" /Resources << /XObject << /F %d 0 R >> >>" % form,
                      b"/F Do\n" * FANOUT))
content = add(stream(b"", b"/F Do"))
page_no = len(objs) + 1
pages_no = page_no + 1
catalog_no = pages_no + 1
add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 200 200]"
    b" /Resources << /XObject << /F %d 0 R >> >> /Contents %d 0 R >>"
    % (pages_no, form, content))
add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page_no)
add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_no)

out = bytearray(b"%PDF-1.4\n")
offsets = []
for i, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    out += b"%010d 00000 n \n" % off
out += (b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objs) + 1, catalog_no, xref))
sys.stdout.buffer.write(out)
