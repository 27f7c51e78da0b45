/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* draw — see draw.h. */
#include "draw.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>
#include <mupdf/fitz.h>

/* Characters of one text, past which the rest is dropped. */
#define RUNES_MAX 2048
#define ELLIPSIS 0x2026

struct draw {
	fz_context *ctx;
	fz_font *regular, *bold;
	char name[PATH_MAX];
};

struct canvas {
	fz_pixmap *pix;
};

/* One text, as glyphs with their advances at size 1. */
struct shaped {
	int n;
	int rune[RUNES_MAX];
	int gid[RUNES_MAX];
	fz_font *font[RUNES_MAX];
	float adv[RUNES_MAX];
};

struct span {
	int start, end;         /* runes [start, end) */
	bool ellipsis;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- MuPDF calls that may throw ------------------------------------------------
 *
 * Each fz_try lives in a helper of its own whose locals are set inside the
 * try only through fz_var'd variables and whose arguments never change: no
 * variable of a caller is live across MuPDF's setjmp (-Wclobbered). */

static fz_font *font_file(fz_context *ctx, const char *path, int index)
{
	fz_font *font = NULL;

	fz_var(font);
	fz_try(ctx) font = fz_new_font_from_file(ctx, NULL, path, index, 0);
	fz_catch(ctx) font = NULL;
	return font;
}

/* MuPDF's built-in Noto Sans (or Helvetica, if the build has no Noto). */
static fz_font *font_builtin(fz_context *ctx)
{
	const unsigned char *data;
	fz_font *font = NULL;
	int len = 0;

	fz_var(font);
	fz_try(ctx) {
		data = fz_lookup_builtin_font(ctx, "Noto Sans", 0, 0, &len);
		if (data)
			font = fz_new_font_from_memory(ctx, "Noto Sans", data, len, 0, 0);
		else
			font = fz_new_base14_font(ctx, "Helvetica");
	}
	fz_catch(ctx) font = NULL;
	return font;
}

static fz_pixmap *new_pixmap(fz_context *ctx, int w, int h, int alpha)
{
	fz_pixmap *pix = NULL;

	fz_var(pix);
	fz_try(ctx) {
		pix = fz_new_pixmap(ctx, fz_device_rgb(ctx), w, h, NULL, alpha);
		fz_clear_pixmap(ctx, pix);
	}
	fz_catch(ctx) {
		fz_drop_pixmap(ctx, pix);
		pix = NULL;
	}
	return pix;
}

/* The glyph of c in base or one of MuPDF's fallback fonts (*out); 0 in
 * base when even that fails. */
static int encode(fz_context *ctx, fz_font *base, int c, fz_font **out)
{
	int gid = 0;

	*out = base;
	fz_var(gid);
	fz_try(ctx) gid = fz_encode_character_with_fallback(ctx, base, c, 0, FZ_LANG_UNSET, out);
	fz_catch(ctx) gid = 0;	/* .notdef, in whichever font *out is */
	return gid;
}

static float advance(fz_context *ctx, fz_font *f, int gid)
{
	float a = 0.5f;

	fz_var(a);
	fz_try(ctx) a = fz_advance_glyph(ctx, f, gid, 0);
	fz_catch(ctx) a = 0.5f;
	return a;
}

/* ---- fonts ----------------------------------------------------------------- */

/* The file of the best fontconfig match for `pattern` that has Vietnamese
 * letters (ệ, ư), into path; false when there is none. */
static bool find_font(const char *pattern, char *path, size_t len, int *index)
{
	FcPattern *pat = FcNameParse((const FcChar8 *)pattern), *m = NULL;
	FcCharSet *cs = NULL;
	FcChar8 *file = NULL;
	FcResult res;
	bool ok = false;

	if (!pat)
		return false;
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	m = FcFontMatch(NULL, pat, &res);
	if (m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch &&
	    FcPatternGetCharSet(m, FC_CHARSET, 0, &cs) == FcResultMatch &&
	    FcCharSetHasChar(cs, 0x1ec7) && FcCharSetHasChar(cs, 0x01b0) &&
	    strlen((const char *)file) < len) {
		snprintf(path, len, "%s", (const char *)file);
		if (FcPatternGetInteger(m, FC_INDEX, 0, index) != FcResultMatch)
			*index = 0;
		ok = true;
	}
	if (m)
		FcPatternDestroy(m);
	FcPatternDestroy(pat);
	return ok;
}

static fz_font *load_font(struct draw *d, const char *pattern, bool bold, bool want_name)
{
	fz_font *font = NULL;
	char path[PATH_MAX];
	int index = 0;

	if (find_font(pattern, path, sizeof path, &index)) {
		font = font_file(d->ctx, path, index);
		if (font && want_name)
			snprintf(d->name, sizeof d->name, "%s", path);
	}
	if (!font) {
		font = font_builtin(d->ctx);
		if (font && bold)
			fz_font_flags(font)->fake_bold = 1;
		if (font && want_name)
			snprintf(d->name, sizeof d->name, "built-in");
	}
	return font;
}

int draw_new(struct draw **out, char *err, size_t errlen)
{
	struct draw *d = calloc(1, sizeof *d);

	*out = NULL;
	if (!d) {
		say(err, errlen, "Out of memory.");
		return -ENOMEM;
	}
	d->ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	if (!d->ctx) {
		free(d);
		say(err, errlen, "MuPDF could not start (out of memory).");
		return -ENOMEM;
	}
	FcInit();
	d->regular = load_font(d, "sans-serif:lang=vi:weight=regular", false, true);
	d->bold = load_font(d, "sans-serif:lang=vi:weight=bold", true, false);
	if (!d->regular || !d->bold) {
		say(err, errlen, "No font could be loaded, not even MuPDF's built-in one.");
		draw_free(d);
		return -ENOENT;
	}
	*out = d;
	return 0;
}

void draw_free(struct draw *d)
{
	if (!d)
		return;
	fz_drop_font(d->ctx, d->regular);
	fz_drop_font(d->ctx, d->bold);
	fz_drop_context(d->ctx);
	free(d);
	FcFini();
}

const char *draw_font_name(const struct draw *d)
{
	return d->name;
}

/* ---- canvases ---------------------------------------------------------------- */

struct canvas *draw_canvas_new(struct draw *d, int w, int h)
{
	struct canvas *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->pix = new_pixmap(d->ctx, w, h, 1);
	if (!c->pix) {
		free(c);
		return NULL;
	}
	return c;
}

void draw_canvas_free(struct draw *d, struct canvas *c)
{
	if (!c)
		return;
	fz_drop_pixmap(d->ctx, c->pix);
	free(c);
}

unsigned char *draw_canvas_pixels(struct canvas *c)
{
	return c->pix->samples;
}

int draw_canvas_w(const struct canvas *c)
{
	return c->pix->w;
}

int draw_canvas_h(const struct canvas *c)
{
	return c->pix->h;
}

void draw_canvas_unpremultiply(struct canvas *c)
{
	unsigned char *p = c->pix->samples;
	size_t n = (size_t)c->pix->w * (size_t)c->pix->h;

	for (size_t i = 0; i < n; i++, p += 4) {
		unsigned a = p[3];

		if (a == 0 || a == 255)
			continue;
		for (int k = 0; k < 3; k++) {
			unsigned v = (p[k] * 255u + a / 2) / a;
			p[k] = (unsigned char)(v > 255 ? 255 : v);
		}
	}
}

/* r cut to the canvas; false when nothing is left. */
static bool clip(const struct canvas *c, struct rect *r)
{
	int x0 = r->x < 0 ? 0 : r->x, y0 = r->y < 0 ? 0 : r->y;
	int x1 = r->x + r->w > c->pix->w ? c->pix->w : r->x + r->w;
	int y1 = r->y + r->h > c->pix->h ? c->pix->h : r->y + r->h;

	if (x1 <= x0 || y1 <= y0)
		return false;
	*r = (struct rect){ x0, y0, x1 - x0, y1 - y0 };
	return true;
}

static void rgb_of(uint32_t rgba, float rgb[3], float *alpha)
{
	rgb[0] = (float)((rgba >> 24) & 0xff) / 255.0f;
	rgb[1] = (float)((rgba >> 16) & 0xff) / 255.0f;
	rgb[2] = (float)((rgba >> 8) & 0xff) / 255.0f;
	*alpha = (float)(rgba & 0xff) / 255.0f;
}

void draw_fill(struct draw *d, struct canvas *c, struct rect r, uint32_t rgba)
{
	unsigned a = rgba & 0xff, na = 255 - a;
	unsigned char src[4];

	(void)d;
	if (!clip(c, &r))
		return;
	/* premultiplied source */
	src[0] = (unsigned char)((((rgba >> 24) & 0xff) * a + 127) / 255);
	src[1] = (unsigned char)((((rgba >> 16) & 0xff) * a + 127) / 255);
	src[2] = (unsigned char)((((rgba >> 8) & 0xff) * a + 127) / 255);
	src[3] = (unsigned char)a;
	for (int y = r.y; y < r.y + r.h; y++) {
		unsigned char *p = c->pix->samples + (size_t)y * (size_t)c->pix->stride + (size_t)r.x * 4;

		for (int x = 0; x < r.w; x++, p += 4) {
			if (a == 255) {
				memcpy(p, src, 4);
				continue;
			}
			for (int k = 0; k < 4; k++)
				p[k] = (unsigned char)(src[k] + (p[k] * na + 127) / 255);
		}
	}
}

/* Fills a path with MuPDF's anti-aliasing, clipped to the canvas. */
static void fill_path(struct draw *d, struct canvas *c, fz_path *path, uint32_t rgba)
{
	fz_context *ctx = d->ctx;
	fz_device *dev = NULL;
	float rgb[3], alpha;

	rgb_of(rgba, rgb, &alpha);
	fz_var(dev);
	fz_try(ctx) {
		dev = fz_new_draw_device(ctx, fz_identity, c->pix);
		fz_fill_path(ctx, dev, path, 0, fz_identity, fz_device_rgb(ctx), rgb, alpha,
			     fz_default_color_params);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx) fz_drop_device(ctx, dev);
	fz_catch(ctx) {
		/* out of memory: the shape is missing, the screen goes on */
	}
}

/* The outline of r with corners of radius rr, filled. */
static void round_path(struct draw *d, struct canvas *c, const struct rect r, const float rr,
		       uint32_t rgba)
{
	fz_context *ctx = d->ctx;
	const float x0 = (float)r.x, y0 = (float)r.y, x1 = (float)(r.x + r.w), y1 = (float)(r.y + r.h);
	const float k = rr * 0.5523f;	/* a quarter circle as one cubic Bézier */
	fz_path *p = NULL;

	fz_var(p);
	fz_try(ctx) {
		p = fz_new_path(ctx);
		fz_moveto(ctx, p, x0 + rr, y0);
		fz_lineto(ctx, p, x1 - rr, y0);
		fz_curveto(ctx, p, x1 - rr + k, y0, x1, y0 + rr - k, x1, y0 + rr);
		fz_lineto(ctx, p, x1, y1 - rr);
		fz_curveto(ctx, p, x1, y1 - rr + k, x1 - rr + k, y1, x1 - rr, y1);
		fz_lineto(ctx, p, x0 + rr, y1);
		fz_curveto(ctx, p, x0 + rr - k, y1, x0, y1 - rr + k, x0, y1 - rr);
		fz_lineto(ctx, p, x0, y0 + rr);
		fz_curveto(ctx, p, x0, y0 + rr - k, x0 + rr - k, y0, x0 + rr, y0);
		fz_closepath(ctx, p);
		fill_path(d, c, p, rgba);
	}
	fz_always(ctx) fz_drop_path(ctx, p);
	fz_catch(ctx) {
	}
}

void draw_round(struct draw *d, struct canvas *c, struct rect r, int radius, uint32_t rgba)
{
	float rr = (float)radius;

	if (r.w < 1 || r.h < 1)
		return;
	if (rr * 2 > (float)r.w)
		rr = (float)r.w / 2;
	if (rr * 2 > (float)r.h)
		rr = (float)r.h / 2;
	if (rr <= 0)
		draw_fill(d, c, r, rgba);
	else
		round_path(d, c, r, rr, rgba);
}

void draw_dot(struct draw *d, struct canvas *c, struct rect r, uint32_t rgba)
{
	draw_round(d, c, (struct rect){ r.x, r.y, r.h, r.h }, r.h / 2, rgba);
}

void draw_gradient(struct draw *d, struct canvas *c, struct rect r, uint32_t top, uint32_t edge)
{
	double cx = r.x + r.w / 2.0, sx, sy;

	(void)d;
	if (!clip(c, &r))
		return;
	/* CSS radial-gradient(ellipse at top, top 0%, edge 70%): the ellipse
	 * reaches the farthest corner at 100 %. */
	sx = r.w / 2.0 * M_SQRT2;
	sy = r.h * M_SQRT2;
	for (int y = r.y; y < r.y + r.h; y++) {
		unsigned char *p = c->pix->samples + (size_t)y * (size_t)c->pix->stride + (size_t)r.x * 4;
		double dy = (y - r.y) / sy;

		for (int x = r.x; x < r.x + r.w; x++, p += 4) {
			double dx = (x - cx) / sx, t = sqrt(dx * dx + dy * dy) / 0.7;

			if (t > 1)
				t = 1;
			for (int k = 0; k < 3; k++) {
				double a = (top >> (24 - 8 * k)) & 0xff, b = (edge >> (24 - 8 * k)) & 0xff;

				p[k] = (unsigned char)lround(a + (b - a) * t);
			}
			p[3] = 255;
		}
	}
}

void draw_qr(struct draw *d, struct canvas *c, const struct layout_qr *q, const unsigned char *m)
{
	int x0 = q->card.x + LAYOUT_QR_QUIET * q->module, y0 = q->card.y + LAYOUT_QR_QUIET * q->module;

	/* the corners stay within the quiet zone, well clear of the code */
	draw_round(d, c, q->card, q->module * 2, 0xffffffff);
	draw_fill(d, c, (struct rect){ x0, y0, q->modules * q->module, q->modules * q->module },
		  0xffffffff);
	for (int y = 0; y < q->modules; y++) {
		for (int x = 0; x < q->modules;) {
			int run = 0;

			while (x + run < q->modules && m[y * q->modules + x + run])
				run++;
			if (run) {
				draw_fill(d, c,
					  (struct rect){ x0 + x * q->module, y0 + y * q->module,
							 run * q->module, q->module },
					  0x000000ff);
				x += run;
			} else {
				x++;
			}
		}
	}
}

/* ---- text ---------------------------------------------------------------------- */

static void shape(struct draw *d, const char *s, int flags, struct shaped *sh)
{
	fz_context *ctx = d->ctx;
	fz_font *base = flags & DRAW_BOLD ? d->bold : d->regular;

	sh->n = 0;
	while (s && *s && sh->n < RUNES_MAX) {
		int c;

		s += fz_chartorune(&c, s);
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (flags & DRAW_UPPER)
			c = fz_toupper(c);
		sh->rune[sh->n] = c;
		sh->gid[sh->n] = encode(ctx, base, c, &sh->font[sh->n]);
		sh->adv[sh->n] = advance(ctx, sh->font[sh->n], sh->gid[sh->n]);
		sh->n++;
	}
}

static float span_width(const struct shaped *sh, int start, int end)
{
	float w = 0;

	for (int i = start; i < end; i++)
		w += sh->adv[i];
	return w;
}

/* Breaks sh into lines of at most `width` (in units of the text size):
 * at the last space that fits, else anywhere. Returns the number of lines
 * needed, counting up to max + 1; spans[0..min(n, max)) are filled. */
static int wrap(const struct shaped *sh, float width, struct span *spans, int max)
{
	int i = 0, nl = 0;

	while (i < sh->n && nl <= max) {
		int start, end = sh->n, last_space = -1;
		float w = 0;

		while (i < sh->n && sh->rune[i] == ' ')
			i++;
		if (i >= sh->n)
			break;
		start = i;
		while (i < sh->n) {
			if (sh->rune[i] == ' ')
				last_space = i;
			if (w + sh->adv[i] > width && i > start) {
				if (sh->rune[i] == ' ') {
					end = i;
				} else if (last_space > start) {
					end = last_space;
					i = last_space;
				} else {
					end = i;
				}
				break;
			}
			w += sh->adv[i];
			i++;
		}
		if (i >= sh->n)
			end = sh->n;
		while (end > start && sh->rune[end - 1] == ' ')
			end--;
		if (nl < max)
			spans[nl] = (struct span){ start, end, false };
		nl++;
	}
	return nl;
}

int draw_text_width(struct draw *d, const char *s, int px, int flags)
{
	struct shaped *sh = malloc(sizeof *sh);
	float w;

	if (!sh)
		return 0;
	shape(d, s, flags, sh);
	w = span_width(sh, 0, sh->n);
	free(sh);
	return (int)ceilf(w * (float)px);
}

int draw_text_lines(struct draw *d, const char *s, int px, int flags, int width, int max_lines)
{
	struct shaped *sh = malloc(sizeof *sh);
	struct span spans[8];
	int n;

	if (!sh || px < 1 || width < 1) {
		free(sh);
		return 1;
	}
	if (max_lines > 7)
		max_lines = 7;
	shape(d, s, flags, sh);
	n = wrap(sh, (float)width / (float)px, spans, max_lines);
	free(sh);
	return n < 1 ? 1 : n;
}

/* One line placed: its runes, where its baseline starts, and whether it
 * ends with an ellipsis. */
struct placed {
	int start, end;
	float x, y;
	bool ellipsis;
};

/* The glyphs of the placed lines, filled into c within bbox: the one
 * MuPDF call of draw_text() that may throw. */
static void fill_lines(struct draw *d, struct canvas *c, const struct shaped *sh,
		       const struct placed *lines, const int nl, const float size,
		       const struct shaped *ell, const fz_irect bbox, const uint32_t rgba)
{
	fz_context *ctx = d->ctx;
	fz_text *text = NULL;
	fz_device *dev = NULL;
	float rgb[3], alpha;

	rgb_of(rgba, rgb, &alpha);
	fz_var(text);
	fz_var(dev);
	fz_try(ctx) {
		text = fz_new_text(ctx);
		for (int l = 0; l < nl; l++) {
			fz_matrix trm = fz_make_matrix(size, 0, 0, -size, lines[l].x, lines[l].y);

			for (int i = lines[l].start; i < lines[l].end; i++) {
				fz_show_glyph(ctx, text, sh->font[i], trm, sh->gid[i], sh->rune[i], 0, 0,
					      FZ_BIDI_LTR, FZ_LANG_UNSET);
				trm.e += sh->adv[i] * size;
			}
			if (lines[l].ellipsis)
				fz_show_glyph(ctx, text, ell->font[0], trm, ell->gid[0], ELLIPSIS, 0, 0,
					      FZ_BIDI_LTR, FZ_LANG_UNSET);
		}
		dev = fz_new_draw_device_with_bbox(ctx, fz_identity, c->pix, &bbox);
		fz_fill_text(ctx, dev, text, fz_identity, fz_device_rgb(ctx), rgb, alpha,
			     fz_default_color_params);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		fz_drop_text(ctx, text);
	}
	fz_catch(ctx) {
		/* out of memory: this text is missing, the screen goes on */
	}
}

int draw_text(struct draw *d, struct canvas *c, struct rect r, const char *s, int px, int flags,
	      uint32_t rgba, int max_lines)
{
	fz_context *ctx = d->ctx;
	fz_font *base = flags & DRAW_BOLD ? d->bold : d->regular;
	struct shaped *sh;
	struct span spans[8];
	struct placed lines[8];
	/* the ellipsis, shaped like any text (one glyph) */
	struct shaped *ell;
	float asc, desc, lh, y0;
	int nl, used = px, min_px;

	if (!s || !*s || r.w < 1 || r.h < 1 || px < 1)
		return px;
	if (max_lines < 1)
		max_lines = 1;
	if (max_lines > 8)
		max_lines = 8;
	sh = malloc(sizeof *sh);
	ell = malloc(sizeof *ell);
	if (!sh || !ell) {
		free(sh);
		free(ell);
		return px;
	}
	shape(d, s, flags, sh);
	ell->n = 1;
	ell->rune[0] = ELLIPSIS;
	ell->gid[0] = encode(ctx, base, ELLIPSIS, &ell->font[0]);
	ell->adv[0] = advance(ctx, ell->font[0], ell->gid[0]);

	/* Shrink (when asked) until it fits, then cut what still does not. */
	min_px = (flags & DRAW_SHRINK) ? (int)(px * DRAW_SHRINK_MIN) : px;
	if (min_px < 1)
		min_px = 1;
	for (;;) {
		nl = wrap(sh, (float)r.w / (float)used, spans, max_lines);
		if (nl <= max_lines || used <= min_px)
			break;
		used = used * 9 / 10 > min_px ? used * 9 / 10 : min_px;
	}
	if (nl > max_lines) {
		struct span *last = &spans[max_lines - 1];

		nl = max_lines;
		last->end = sh->n;
		while (last->end > last->start &&
		       (span_width(sh, last->start, last->end) + ell->adv[0]) * (float)used > (float)r.w)
			last->end--;
		while (last->end > last->start && sh->rune[last->end - 1] == ' ')
			last->end--;
		last->ellipsis = true;
	}

	/* Where each line goes. */
	asc = fz_font_ascender(ctx, base);
	desc = fz_font_descender(ctx, base);
	lh = 1.2f * (float)used;
	y0 = (flags & DRAW_TOP) ? (float)r.y : (float)r.y + ((float)r.h - lh * (float)nl) / 2.0f;
	for (int l = 0; l < nl; l++) {
		float w = (span_width(sh, spans[l].start, spans[l].end) +
			   (spans[l].ellipsis ? ell->adv[0] : 0)) * (float)used;

		lines[l].start = spans[l].start;
		lines[l].end = spans[l].end;
		lines[l].ellipsis = spans[l].ellipsis;
		lines[l].x = (float)r.x;
		if (flags & DRAW_CENTER)
			lines[l].x += ((float)r.w - w) / 2.0f;
		else if (flags & DRAW_RIGHT)
			lines[l].x += (float)r.w - w;
		lines[l].y = y0 + lh * (float)l + (lh - (asc - desc) * (float)used) / 2.0f +
			     asc * (float)used;
	}
	fill_lines(d, c, sh, lines, nl, (float)used, ell,
		   (fz_irect){ r.x, r.y, r.x + r.w, r.y + r.h }, rgba);
	free(sh);
	free(ell);
	return used;
}

/* ---- PNG --------------------------------------------------------------------------- */

int draw_write_png(struct draw *d, const unsigned char *rgba, int w, int h, int stride,
		   const char *path, char *err, size_t errlen)
{
	fz_context *ctx = d->ctx;
	fz_pixmap *pix = NULL;
	char tmp[PATH_MAX];
	size_t n = strlen(path);
	bool pnm = n > 4 && (!strcmp(path + n - 4, ".ppm") || !strcmp(path + n - 4, ".pnm"));
	int rc = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		say(err, errlen, "The file name %s is too long.", path);
		return -ENAMETOOLONG;
	}
	fz_var(pix);
	fz_var(rc);
	fz_try(ctx) {
		pix = fz_new_pixmap(ctx, fz_device_rgb(ctx), w, h, NULL, 0);
		for (int y = 0; y < h; y++) {
			const unsigned char *s = rgba + (size_t)y * (size_t)stride;
			unsigned char *o = pix->samples + (size_t)y * (size_t)pix->stride;

			for (int x = 0; x < w; x++, s += 4, o += 3)
				memcpy(o, s, 3);
		}
		if (pnm)
			fz_save_pixmap_as_pnm(ctx, pix, tmp);
		else
			fz_save_pixmap_as_png(ctx, pix, tmp);
	}
	fz_always(ctx) fz_drop_pixmap(ctx, pix);
	fz_catch(ctx) {
		say(err, errlen, "The picture could not be written to %s: %s.", path,
		    fz_caught_message(ctx));
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		say(err, errlen, "The picture could not be written to %s: %s.", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}
