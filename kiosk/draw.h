/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * draw — the kiosk's own pictures: text, filled shapes, gradients and QR
 * codes drawn into RGBA canvases, and frames written as PNG files.
 *
 * Drawn with MuPDF (its draw device, its font engine and its PNG writer)
 * from the kiosk's own strings only: no document is ever opened here —
 * documents are drawn by the render worker process (pages.h). Text is set
 * in the system's sans-serif font with Vietnamese coverage, found with
 * fontconfig (DejaVu Sans on Debian, fonts-dejavu-core), or, without one,
 * in MuPDF's built-in Noto Sans; a character the font lacks is taken from
 * MuPDF's fallback fonts.
 *
 * A canvas is premultiplied RGBA, 4 bytes a pixel, rows of w * 4 bytes. A
 * canvas that is painted opaque everywhere (every layer but the pills) is
 * also straight RGBA; draw_canvas_unpremultiply() makes any canvas straight
 * for SDL's blending.
 *
 * Invariants:
 *  1. Nothing is drawn outside the rectangle a call is given (text is
 *     clipped to its box), nor outside the canvas.
 *  2. Text that does not fit its box is wrapped at spaces (then anywhere),
 *     shrunk to no less than DRAW_SHRINK_MIN of its size when asked, and
 *     otherwise cut with "…" — never drawn past the box.
 *
 * One thread per struct draw (its fz_context is not shared); the UI thread
 * owns the only one.
 */
#ifndef KIOSK_DRAW_H
#define KIOSK_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

#define DRAW_SHRINK_MIN 0.6

struct draw;
struct canvas;

/* Colours are 0xRRGGBBAA. */
enum {
	DRAW_BOLD = 1 << 0,
	DRAW_CENTER = 1 << 1,
	DRAW_RIGHT = 1 << 2,
	DRAW_SHRINK = 1 << 3,   /* shrink to fit before cutting */
	DRAW_UPPER = 1 << 4,    /* in capitals (as CSS text-transform) */
	DRAW_TOP = 1 << 5,      /* lines from the top of the box, not centred */
};

/* Sets up MuPDF and the fonts. Returns 0, or a negative errno with a
 * sentence in err. */
int draw_new(struct draw **out, char *err, size_t errlen);
void draw_free(struct draw *d);

/* The file of the regular face in use (for the log), or "built-in". */
const char *draw_font_name(const struct draw *d);

/* A w × h canvas, transparent. NULL when out of memory. */
struct canvas *draw_canvas_new(struct draw *d, int w, int h);
void draw_canvas_free(struct draw *d, struct canvas *c);
unsigned char *draw_canvas_pixels(struct canvas *c);
int draw_canvas_w(const struct canvas *c);
int draw_canvas_h(const struct canvas *c);
void draw_canvas_unpremultiply(struct canvas *c);

/* An opaque or translucent rectangle, whole pixels. */
void draw_fill(struct draw *d, struct canvas *c, struct rect r, uint32_t rgba);
/* A rectangle with round corners (anti-aliased edges). */
void draw_round(struct draw *d, struct canvas *c, struct rect r, int radius, uint32_t rgba);
/* A disc of diameter r.h at r's left. */
void draw_dot(struct draw *d, struct canvas *c, struct rect r, uint32_t rgba);
/* The projector's background: a radial gradient from `top` (at the top
 * centre) to `edge`, over all of r. Opaque. */
void draw_gradient(struct draw *d, struct canvas *c, struct rect r, uint32_t top, uint32_t edge);
/* A QR code of q->modules² modules (1 = dark, row-major) on its white card. */
void draw_qr(struct draw *d, struct canvas *c, const struct layout_qr *q, const unsigned char *modules);

/* The width in pixels of s set at px (one line, no wrapping). */
int draw_text_width(struct draw *d, const char *s, int px, int flags);
/* How many lines s takes set at px in `width` pixels, wrapped at spaces
 * (at most max_lines; more means it would be cut). */
int draw_text_lines(struct draw *d, const char *s, int px, int flags, int width, int max_lines);
/* Draws s in box r (invariant 2): at most max_lines lines of px pixels
 * (line height 1.2 × px), aligned by flags, centred vertically unless
 * DRAW_TOP. Returns the size used. */
int draw_text(struct draw *d, struct canvas *c, struct rect r, const char *s, int px, int flags,
	      uint32_t rgba, int max_lines);

/* Writes w × h straight RGBA pixels (rows of `stride` bytes) as an RGB
 * PNG at path, or as a binary PPM (P6) when path ends in .ppm or .pnm,
 * through a temporary name renamed into place. Returns 0 or a negative
 * errno with a sentence in err. */
int draw_write_png(struct draw *d, const unsigned char *rgba, int w, int h, int stride,
		   const char *path, char *err, size_t errlen);

#endif
