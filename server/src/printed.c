/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * printed — see printed.h. Coordinates are MuPDF's page space: points, the
 * origin at the top left, y downwards; sizes are given in millimetres.
 */
#include "printed.h"
#include "qr.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mupdf/fitz.h>

#define MM(x) ((float)(x) * 72.0f / 25.4f)
#define PAGE_W MM(210)
#define PAGE_H MM(297)
#define LINE_BYTES 1024
#define LINES_MAX 6
#define FONT_DIR "/usr/share/fonts/truetype/liberation2"

/* The cards: 2 × 4 on a sheet, 90 × 65 mm each, centred. */
#define CARD_W MM(90)
#define CARD_H MM(65)
#define CARD_COLS 2
#define CARD_ROWS 4
#define CARD_PAD MM(5)
#define CARD_QR MM(33)

struct fonts {
	fz_font *sans, *bold, *italic, *mono;
};

struct pen {
	fz_context *ctx;
	fz_device *dev;
	struct fonts *f;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- text --------------------------------------------------------------- */

static float text_width(fz_context *ctx, fz_font *font, float size, const char *s)
{
	float w = 0;

	while (*s) {
		int c, gid;
		fz_font *used;
		s += fz_chartorune(&c, s);
		gid = fz_encode_character_with_fallback(ctx, font, c, 0, FZ_LANG_UNSET, &used);
		w += fz_advance_glyph(ctx, used, gid, 0) * size;
	}
	return w;
}

/* The glyphs of `s` into `text`, the baseline at y, from x. */
static void add_glyphs(fz_context *ctx, fz_text *text, fz_font *font, float size, float x,
		       float y, const char *s)
{
	while (*s) {
		int c, gid;
		fz_font *used;
		s += fz_chartorune(&c, s);
		gid = fz_encode_character_with_fallback(ctx, font, c, 0, FZ_LANG_UNSET, &used);
		fz_show_glyph(ctx, text, used, fz_make_matrix(size, 0, 0, -size, x, y), gid, c,
			      0, 0, FZ_BIDI_LTR, FZ_LANG_UNSET);
		x += fz_advance_glyph(ctx, used, gid, 0) * size;
	}
}

/* Draws `s` with its baseline at y, starting at x. */
static void draw_text(struct pen *p, fz_font *font, float size, float x, float y, const char *s,
		      float gray)
{
	fz_context *ctx = p->ctx;
	fz_text *text = fz_new_text(ctx);
	float color[1] = { gray };

	fz_try(ctx) {
		add_glyphs(ctx, text, font, size, x, y, s);
		fz_fill_text(ctx, p->dev, text, fz_identity, fz_device_gray(ctx), color, 1,
			     fz_default_color_params);
	}
	fz_always(ctx)
		fz_drop_text(ctx, text);
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* Appends the UTF-8 character at *s to line (if it fits) and advances *s. */
static void take_char(char *line, const char **s)
{
	int c;
	size_t n = strlen(line);
	int k = fz_chartorune(&c, *s);

	if (n + (size_t)k + 4 < LINE_BYTES) {
		memcpy(line + n, *s, (size_t)k);
		line[n + (size_t)k] = 0;
	}
	*s += k;
}

/* Cuts the last characters of `line` until it and "…" fit in width. */
static void ellipsize(fz_context *ctx, fz_font *font, float size, char *line, float width)
{
	char buf[LINE_BYTES + 4];

	for (;;) {
		snprintf(buf, sizeof buf, "%s…", line);
		size_t n = strlen(line);
		if (n == 0 || text_width(ctx, font, size, buf) <= width)
			break;
		/* Back over one UTF-8 character. */
		do
			n--;
		while (n && ((unsigned char)line[n] & 0xc0) == 0x80);
		line[n] = 0;
		while (n && line[n - 1] == ' ')
			line[--n] = 0;
	}
	snprintf(buf, sizeof buf, "%s…", line);
	snprintf(line, LINE_BYTES, "%s", buf);
}

/* Breaks `s` into at most max lines of at most `width`: at spaces, or inside
 * a word longer than a line; what does not fit ends the last line with "…".
 * Returns the number of lines. */
static int wrap(fz_context *ctx, fz_font *font, float size, const char *s, float width,
		int max, char lines[][LINE_BYTES])
{
	int n = 0;

	if (max > LINES_MAX)
		max = LINES_MAX;
	while (*s == ' ')
		s++;
	while (*s && n < max) {
		char *line = lines[n++];
		line[0] = 0;
		while (*s) {
			/* The next word, with the space before it unless at the start. */
			const char *end = s;
			while (*end && *end != ' ')
				end++;
			char trial[LINE_BYTES + 4];
			size_t have = strlen(line);
			size_t wlen = (size_t)(end - s);
			if (have + 1 + wlen + 4 >= LINE_BYTES)
				wlen = 0; /* no room: break inside it below */
			snprintf(trial, sizeof trial, "%s%s%.*s", line, have ? " " : "", (int)wlen, s);
			if (wlen && text_width(ctx, font, size, trial) <= width) {
				snprintf(line, LINE_BYTES, "%s", trial);
				s = end;
				while (*s == ' ')
					s++;
				continue;
			}
			if (have)
				break; /* the word starts the next line */
			/* A word wider than the line: as many characters as fit. */
			while (*s && *s != ' ') {
				char one[LINE_BYTES + 8];
				int c, k = fz_chartorune(&c, s);
				snprintf(one, sizeof one, "%s%.*s", line, k, s);
				if (line[0] && text_width(ctx, font, size, one) > width)
					break;
				take_char(line, &s);
			}
			while (*s == ' ')
				s++;
			break;
		}
	}
	if (*s && n > 0)
		ellipsize(ctx, font, size, lines[n - 1], width);
	return n;
}

enum align { LEFT, CENTER };

/* Draws `s` wrapped into [x, x + width] from the top y, at most max lines,
 * with lines `lead` times the size apart. Returns the y below the text. */
static float block(struct pen *p, fz_font *font, float size, float x, float y, float width,
		   int max, const char *s, enum align align, float gray)
{
	char lines[LINES_MAX][LINE_BYTES];
	float lead = size * 1.25f;
	int n;

	if (!s || !*s)
		return y;
	n = wrap(p->ctx, font, size, s, width, max, lines);
	for (int i = 0; i < n; i++) {
		float lx = x;
		if (align == CENTER)
			lx = x + (width - text_width(p->ctx, font, size, lines[i])) / 2;
		draw_text(p, font, size, lx, y + size * 0.95f + (float)i * lead, lines[i], gray);
	}
	return y + (float)n * lead;
}

/* ---- shapes ------------------------------------------------------------- */

/* The QR code of `text` as a square `side` wide at (x, y), quiet zone
 * included (drawn white, so it stays clear on any background). */
static int draw_qr(struct pen *p, const char *text, float x, float y, float side)
{
	fz_context *ctx = p->ctx;
	unsigned char *m = NULL;
	int w, rc = qr_matrix(text, &m, &w);
	float black[1] = { 0 }, white[1] = { 1 };
	fz_path *bg = NULL, *path = NULL;

	if (rc < 0)
		return rc;
	float mod = side / (float)(w + 8);
	fz_var(bg);
	fz_var(path);
	fz_try(ctx) {
		bg = fz_new_path(ctx);
		fz_rectto(ctx, bg, x, y, x + side, y + side);
		fz_fill_path(ctx, p->dev, bg, 0, fz_identity, fz_device_gray(ctx), white, 1,
			     fz_default_color_params);
		path = fz_new_path(ctx);
		for (int r = 0; r < w; r++) {
			for (int c = 0; c < w;) {
				if (!m[r * w + c]) {
					c++;
					continue;
				}
				int run = 1;
				while (c + run < w && m[r * w + c + run])
					run++;
				fz_rectto(ctx, path, x + (float)(c + 4) * mod, y + (float)(r + 4) * mod,
					  x + (float)(c + 4 + run) * mod, y + (float)(r + 5) * mod);
				c += run;
			}
		}
		fz_fill_path(ctx, p->dev, path, 0, fz_identity, fz_device_gray(ctx), black, 1,
			     fz_default_color_params);
	}
	fz_always(ctx) {
		fz_drop_path(ctx, bg);
		fz_drop_path(ctx, path);
		free(m);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	return 0;
}

/* A line from (x0, y0) to (x1, y1); dashed when `dash` > 0. */
static void rule(struct pen *p, float x0, float y0, float x1, float y1, float width, float gray,
		 float dash)
{
	fz_context *ctx = p->ctx;
	fz_path *path = NULL;
	fz_stroke_state *ss = NULL;
	float color[1] = { gray };

	fz_var(path);
	fz_var(ss);
	fz_try(ctx) {
		path = fz_new_path(ctx);
		fz_moveto(ctx, path, x0, y0);
		fz_lineto(ctx, path, x1, y1);
		ss = fz_new_stroke_state_with_dash_len(ctx, dash > 0 ? 2 : 0);
		ss->linewidth = width;
		if (dash > 0) {
			ss->dash_len = 2;
			ss->dash_list[0] = dash;
			ss->dash_list[1] = dash;
		}
		fz_stroke_path(ctx, p->dev, path, ss, fz_identity, fz_device_gray(ctx), color, 1,
			       fz_default_color_params);
	}
	fz_always(ctx) {
		fz_drop_path(ctx, path);
		fz_drop_stroke_state(ctx, ss);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* ---- the cards ---------------------------------------------------------- */

static const char *field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void draw_card(struct pen *p, json_t *card, const char *hint, float x, float y)
{
	struct fonts *f = p->f;
	float in = x + CARD_PAD, width = CARD_W - 2 * CARD_PAD;
	float top = y + CARD_PAD;

	top = block(p, f->sans, 7, in, top, width, 1, field(card, "org"), LEFT, 0.35f);
	top = block(p, f->bold, 9, in, top, width, 2, field(card, "meeting"), LEFT, 0);
	top += MM(1.5);
	rule(p, in, top, in + width, top, 0.5f, 0.6f, 0);
	top += MM(2.5);

	float qx = x + CARD_W - CARD_PAD - CARD_QR + MM(2); /* the quiet zone sits in the padding */
	float left = qx - in - MM(1);
	float ly = top;
	ly = block(p, f->bold, 12, in, ly, left, 3, field(card, "name"), LEFT, 0);
	ly = block(p, f->sans, 8, in, ly + MM(0.5), left, 3, field(card, "title"), LEFT, 0.2f);
	ly = block(p, f->sans, 8, in, ly + MM(2), left, 2, field(card, "when"), LEFT, 0);
	block(p, f->sans, 8, in, ly, left, 2, field(card, "place"), LEFT, 0);
	draw_qr(p, field(card, "link"), qx, top - MM(2), CARD_QR);

	float bottom = y + CARD_H - CARD_PAD;
	block(p, f->mono, 5.5f, in, bottom - MM(2.3), width, 1, field(card, "link"), CENTER, 0.25f);
	block(p, f->italic, 6.5f, in, bottom - MM(5.3), width, 1, hint, CENTER, 0.2f);
}

/* The dashed lines to cut along: every card's edges, from paper edge to
 * paper edge. */
static void cut_lines(struct pen *p, float x0, float y0)
{
	for (int c = 0; c <= CARD_COLS; c++) {
		float x = x0 + (float)c * CARD_W;
		rule(p, x, 0, x, PAGE_H, 0.3f, 0.7f, 3);
	}
	for (int r = 0; r <= CARD_ROWS; r++) {
		float y = y0 + (float)r * CARD_H;
		rule(p, 0, y, PAGE_W, y, 0.3f, 0.7f, 3);
	}
}

static int cards(fz_context *ctx, fz_document_writer *wri, struct fonts *f, json_t *spec,
		 int *pages)
{
	json_t *list = json_object_get(spec, "cards");
	const char *hint = field(spec, "hint");
	size_t n = json_array_size(list), per = CARD_COLS * CARD_ROWS;
	float x0 = (PAGE_W - CARD_COLS * CARD_W) / 2, y0 = (PAGE_H - CARD_ROWS * CARD_H) / 2;

	*pages = 0;
	for (size_t first = 0; first < n || first == 0; first += per) {
		struct pen p = { .ctx = ctx, .f = f };
		p.dev = fz_begin_page(ctx, wri, fz_make_rect(0, 0, PAGE_W, PAGE_H));
		cut_lines(&p, x0, y0);
		for (size_t i = first; i < n && i < first + per; i++) {
			size_t k = i - first;
			draw_card(&p, json_array_get(list, i), hint,
				  x0 + (float)(k % CARD_COLS) * CARD_W, y0 + (float)(k / CARD_COLS) * CARD_H);
		}
		fz_end_page(ctx, wri);
		(*pages)++;
		if (n == 0)
			break;
	}
	return 0;
}

/* ---- the poster --------------------------------------------------------- */

static int poster(fz_context *ctx, fz_document_writer *wri, struct fonts *f, json_t *spec,
		  int *pages)
{
	struct pen p = { .ctx = ctx, .f = f };
	const char *wifi = field(spec, "wifi");
	float x = MM(15), width = PAGE_W - 2 * MM(15), y = MM(16);
	float qr = wifi[0] ? MM(105) : MM(130);

	p.dev = fz_begin_page(ctx, wri, fz_make_rect(0, 0, PAGE_W, PAGE_H));
	y = block(&p, f->sans, 14, x, y, width, 2, field(spec, "org"), CENTER, 0.35f);
	y = block(&p, f->bold, 26, x, y + MM(3), width, 3, field(spec, "title"), CENTER, 0);
	y = block(&p, f->sans, 15, x, y + MM(3), width, 2, field(spec, "when"), CENTER, 0);
	y = block(&p, f->sans, 15, x, y, width, 2, field(spec, "place"), CENTER, 0);
	y += MM(4);
	draw_qr(&p, field(spec, "join"), (PAGE_W - qr) / 2, y, qr);
	y += qr;
	y = block(&p, f->bold, 15, x, y, width, 2, field(spec, "join_hint"), CENTER, 0);
	y = block(&p, f->mono, 9, x, y + MM(1), width, 1, field(spec, "join"), CENTER, 0.3f);
	if (wifi[0]) {
		float wq = MM(45), wy = y + MM(6);
		char line[LINE_BYTES];
		rule(&p, x, wy - MM(2), x + width, wy - MM(2), 0.5f, 0.7f, 0);
		draw_qr(&p, wifi, x + MM(8), wy, wq);
		float tx = x + MM(8) + wq + MM(6), tw = x + width - tx;
		float ty = wy + MM(8);
		snprintf(line, sizeof line, "Wi-Fi: %s", field(spec, "wifi_ssid"));
		ty = block(&p, f->bold, 16, tx, ty, tw, 2, line, LEFT, 0);
		if (field(spec, "wifi_password")[0]) {
			snprintf(line, sizeof line, "Mật khẩu / Password: %s", field(spec, "wifi_password"));
			ty = block(&p, f->sans, 13, tx, ty + MM(1), tw, 2, line, LEFT, 0);
		}
		block(&p, f->italic, 12, tx, ty + MM(3), tw, 3, field(spec, "wifi_hint"), LEFT, 0.2f);
	}
	fz_end_page(ctx, wri);
	*pages = 1;
	return 0;
}

/* ---- the file ----------------------------------------------------------- */

static fz_font *load_font(fz_context *ctx, const char *file, const char *base14)
{
	char path[256];
	fz_font *font = NULL;

	snprintf(path, sizeof path, "%s/%s", FONT_DIR, file);
	if (access(path, R_OK) == 0) {
		fz_try(ctx)
			font = fz_new_font_from_file(ctx, NULL, path, 0, 0);
		fz_catch(ctx)
			font = NULL;
	}
	if (!font)
		font = fz_new_base14_font(ctx, base14);
	return font;
}

static json_t *load_spec(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	json_error_t jerr;
	json_t *spec;

	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > PRINTED_SPEC_MAX) {
		say(err, errlen, "The printed material's description cannot be read.");
		return NULL;
	}
	spec = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(spec) || json_array_size(json_object_get(spec, "cards")) > PRINTED_CARDS_MAX) {
		json_decref(spec);
		say(err, errlen, "The printed material's description is not valid.");
		return NULL;
	}
	return spec;
}

int printed_pdf_ctx(struct fz_context *ctx, const char *spec_path, const char *out_path,
		    int *pages, char *err, size_t errlen)
{
	struct fonts f = { 0 };
	fz_document_writer *wri = NULL;
	json_t *spec;
	char tmp[4200];
	int fd, n = 0, rc = 0;
	const char *kind;

	spec = load_spec(spec_path, err, errlen);
	if (!spec)
		return -EINVAL;
	kind = field(spec, "kind");
	if (strcmp(kind, "cards") != 0 && strcmp(kind, "poster") != 0) {
		json_decref(spec);
		say(err, errlen, "The printed material's kind \"%s\" is unknown.", kind);
		return -EINVAL;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", out_path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		json_decref(spec);
		say(err, errlen, "The PDF cannot be written.");
		return -EIO;
	}
	close(fd);

	fz_var(wri);
	fz_var(rc);
	fz_var(n);
	fz_var(f.sans);
	fz_var(f.bold);
	fz_var(f.italic);
	fz_var(f.mono);
	fz_try(ctx) {
		f.sans = load_font(ctx, "LiberationSans-Regular.ttf", "Helvetica");
		f.bold = load_font(ctx, "LiberationSans-Bold.ttf", "Helvetica-Bold");
		f.italic = load_font(ctx, "LiberationSans-Italic.ttf", "Helvetica-Oblique");
		f.mono = load_font(ctx, "LiberationMono-Regular.ttf", "Courier");
		wri = fz_new_pdf_writer(ctx, tmp, "compress");
		if (strcmp(kind, "cards") == 0)
			rc = cards(ctx, wri, &f, spec, &n);
		else
			rc = poster(ctx, wri, &f, spec, &n);
		fz_close_document_writer(ctx, wri);
	}
	fz_always(ctx) {
		fz_drop_document_writer(ctx, wri);
		fz_drop_font(ctx, f.sans);
		fz_drop_font(ctx, f.bold);
		fz_drop_font(ctx, f.italic);
		fz_drop_font(ctx, f.mono);
	}
	fz_catch(ctx) {
		rc = fz_caught(ctx) == FZ_ERROR_MEMORY ? -ENOMEM : -EINVAL;
		say(err, errlen, "The printed material could not be drawn: %s.", fz_caught_message(ctx));
	}
	json_decref(spec);
	if (rc == 0 && rename(tmp, out_path) < 0) {
		rc = -EIO;
		say(err, errlen, "The PDF cannot be written.");
	}
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	if (pages)
		*pages = n;
	return 0;
}

int printed_pdf(const char *spec_path, const char *out_path, int *pages, char *err, size_t errlen)
{
	fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	int rc;

	if (!ctx) {
		say(err, errlen, "MuPDF cannot start.");
		return -ENOMEM;
	}
	rc = printed_pdf_ctx(ctx, spec_path, out_path, pages, err, errlen);
	fz_drop_context(ctx);
	return rc;
}
