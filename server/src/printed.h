/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * printed — a meeting's printed material as A4 PDF: invitation cards (eight
 * per sheet) and the door poster, drawn with MuPDF's drawing API inside a
 * render worker (render_worker.c, op "print"; render_print() queues it).
 *
 * Why not the Story API (story.h): MuPDF 1.21's HTML layout has no widths,
 * floats or fixed heights, so it cannot hold cards to a grid to cut along,
 * and it draws an inline SVG as a raster image. Here every box is placed in
 * millimetres, and each QR code is a vector path: one rectangle per run of
 * dark modules, filled at once, so it stays sharp at any print or render
 * resolution.
 *
 * The spec is a JSON file the server writes (console.c) and the worker reads:
 *
 *   {"kind": "cards", "hint": "…",
 *    "cards": [{"org", "meeting", "name", "title", "when", "place", "link"}]}
 *   {"kind": "poster", "org", "title", "when", "place", "join", "join_hint",
 *    "wifi"?, "wifi_ssid"?, "wifi_password"?, "wifi_hint"?}
 *
 * Every string is UTF-8 text; each is wrapped to its box and cut with "…"
 * after its box's lines. "link", "join" and "wifi" are what the QR codes
 * encode (qr_matrix, level M, with the quiet zone).
 *
 * Fonts: Liberation Sans and Mono 2 (Debian's fonts-liberation2, every
 * Vietnamese letter), else MuPDF's built-in Helvetica and Courier; a
 * letter a font lacks comes from MuPDF's fallback fonts.
 *
 * Guards: a spec over PRINTED_SPEC_MAX bytes or with more than
 * PRINTED_CARDS_MAX cards is refused. The PDF is written to
 * "<out>.tmp.XXXXXX" and renamed over out.
 *
 * Threads: any, one call at a time per fz_context.
 */
#ifndef PLENUM_PRINTED_H
#define PLENUM_PRINTED_H

#include <stddef.h>

#define PRINTED_SPEC_MAX ((size_t)4 << 20)
#define PRINTED_CARDS_MAX 2000

struct fz_context;

/* Draws the spec at spec_path as a PDF at out_path in the caller's MuPDF
 * context (left as it was found). Returns 0 and the page count in *pages
 * (may be NULL), or -EINVAL (a spec that cannot be read or drawn), -ENOMEM,
 * -EIO (the PDF cannot be written), with a sentence in err. */
int printed_pdf_ctx(struct fz_context *ctx, const char *spec_path, const char *out_path,
		    int *pages, char *err, size_t errlen);

/* The same with a context of its own, for tests and tools. */
int printed_pdf(const char *spec_path, const char *out_path, int *pages, char *err,
		size_t errlen);

#endif
