/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * story — HTML to an A4 PDF with MuPDF's Story API; see story.h for the
 * page, the fonts and the HTML that lays out well.
 *
 * Design note.
 *
 *   html ──unescape_once()──fz_new_story──▶ DOM ──prepare()──▶ DOM′
 *   (DOM′: tables split by row, keep ids, long words broken)
 *   for each page:
 *     place into a probe rectangle one page taller than the page's, read
 *     the element positions, and pull the page's bottom up to the top of
 *     a row or "keep" element that would cross it, or of a heading left at
 *     the foot (at most STORY_CUTS times); place into that rectangle and
 *     draw into a display list
 *   then, the page count known: each display list and its footer (a small
 *   Story of its own, in the same fonts) onto a PDF page, into a buffer,
 *   into "<out>.tmp.XXXXXX", fsync, rename.
 *
 * One layout, and the pages kept as display lists until the count is known,
 * rather than a second layout to count: a display list of a page of text
 * is small, and one layout is half the time.
 *
 * Invariants:
 *  1. Every MuPDF call is inside fz_try in this file; no MuPDF exception
 *     leaves it, and every MuPDF object is dropped on every path.
 *  2. The story's archive holds only the font files: nothing in the HTML
 *     (an <img>, an @font-face, an @import) can read another file.
 *  3. The layout ends: each page either advances the story or counts
 *     towards the blank-page limit, and pages are bounded by
 *     STORY_PAGES_MAX; each cut moves the page's bottom up, never down.
 *  4. out_path is replaced whole or not at all.
 */
#define _GNU_SOURCE
#include "story.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mupdf/fitz.h>
#include <mupdf/ucdn.h>

/* PostScript points per millimetre. */
#define MM (72.0f / 25.4f)
#define PAGE_W (210 * MM)
#define PAGE_H (297 * MM)
#define MARGIN_LEFT (25 * MM)
#define MARGIN_RIGHT (20 * MM)
#define MARGIN_TOP (18 * MM)
#define MARGIN_BOTTOM (20 * MM)
/* The footer's box, in the bottom margin: from 15 mm to 6 mm above the
 * page's foot (a 9 pt line sits at its top). */
#define FOOTER_TOP (PAGE_H - 15 * MM)
#define FOOTER_BOTTOM (PAGE_H - 6 * MM)
/* The body's font size: 1em. */
#define STORY_EM 12.0f
/* A heading ending closer than this to the page's foot goes to the next
 * page (about two lines of body text). */
#define KEEP_NEXT_PT 30.0f
/* An element starting this close to the top of a page is never moved to
 * the next one: nothing but margins can be above it, and moving it would
 * only leave a blank page. */
#define CUT_MIN_PT 48.0f
/* Times a page's bottom may be pulled up. */
#define STORY_CUTS 4
/* A cut puts the page's bottom this far below the top of the element that
 * moves: room for the border below the element before it, none for a line
 * of the one that moves. Exactly at its top, MuPDF 1.21 lays the rest of
 * the story out with no bottom at all, past the page's foot, where it is
 * lost. */
#define CUT_SLACK_PT 2.0f
/* Blank pages in a row that mean the layout no longer advances. */
#define BLANK_MAX 3

#define KEEP_ID "plenum-keep-"
#define NEXT_ID "plenum-next-"

struct font_file {
	const char *file;
	const char *weight;     /* CSS font-weight */
	const char *style;      /* CSS font-style */
};

/* The Liberation 2 faces, and the family names each is declared under. */
static const struct {
	const char *names[4];
	struct font_file faces[4];
} families[] = {
	{ { "serif", "\"Times New Roman\"", "Times", "\"Liberation Serif\"" }, {
		{ "LiberationSerif-Regular.ttf", "normal", "normal" },
		{ "LiberationSerif-Bold.ttf", "bold", "normal" },
		{ "LiberationSerif-Italic.ttf", "normal", "italic" },
		{ "LiberationSerif-BoldItalic.ttf", "bold", "italic" } } },
	{ { "sans-serif", "Arial", "Helvetica", "\"Liberation Sans\"" }, {
		{ "LiberationSans-Regular.ttf", "normal", "normal" },
		{ "LiberationSans-Bold.ttf", "bold", "normal" },
		{ "LiberationSans-Italic.ttf", "normal", "italic" },
		{ "LiberationSans-BoldItalic.ttf", "bold", "italic" } } },
	{ { "monospace", "\"Courier New\"", "Courier", "\"Liberation Mono\"" }, {
		{ "LiberationMono-Regular.ttf", "normal", "normal" },
		{ "LiberationMono-Bold.ttf", "bold", "normal" },
		{ "LiberationMono-Italic.ttf", "normal", "italic" },
		{ "LiberationMono-BoldItalic.ttf", "bold", "italic" } } },
};

/* What prepare() found to change, gathered before anything changes. */
struct nodes {
	fz_xml **v;
	size_t n, cap;
};

/* A page's layout: the rectangle, and the cut the positions ask for. */
struct cut {
	fz_rect where;
	float content_h;
	float y;                /* FLT_MAX: none */
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- fonts (invariant 2) --------------------------------------------------- */

/* The archive of font files and the @font-face rules for them, plus what
 * the layout forces over the HTML's own style: the page's margins are the
 * layout's. Without the fonts, only that. Throws. */
static fz_archive *load_fonts(fz_context *ctx, fz_buffer *css)
{
	static int warned;
	fz_archive *arch = NULL;
	fz_buffer *buf = NULL;
	char path[512];
	size_t f, k, i;
	int found = 0;

	fz_var(arch);
	fz_var(buf);
	fz_var(found);
	fz_try(ctx) {
		arch = fz_new_tree_archive(ctx, NULL);
		for (f = 0; f < sizeof families / sizeof families[0]; f++) {
			for (k = 0; k < 4; k++) {
				const struct font_file *face = &families[f].faces[k];

				snprintf(path, sizeof path, "%s/%s", STORY_FONT_DIR, face->file);
				if (access(path, R_OK) < 0)
					continue;
				buf = fz_read_file(ctx, path);
				fz_tree_archive_add_buffer(ctx, arch, face->file, buf);
				fz_drop_buffer(ctx, buf);
				buf = NULL;
				found++;
				for (i = 0; i < 4; i++)
					fz_append_printf(ctx, css,
						"@font-face{font-family:%s;font-weight:%s;"
						"font-style:%s;src:url(%s)}\n",
						families[f].names[i], face->weight,
						face->style, face->file);
			}
		}
		fz_append_string(ctx, css, "body{margin:0;padding:0}\n");
		fz_terminate_buffer(ctx, css);
	}
	fz_catch(ctx) {
		fz_drop_buffer(ctx, buf);
		fz_drop_archive(ctx, arch);
		fz_rethrow(ctx);
	}
	if (!found && !warned) {
		warned = 1;
		fprintf(stderr, "story: no fonts in %s (Debian: fonts-liberation2); "
			"bold and italic Vietnamese letters fall back to a regular font\n",
			STORY_FONT_DIR);
	}
	return arch;
}

/* ---- the DOM, before layout ---------------------------------------------- */

/* Appends to `ns` (plain malloc: the list dies with this call). Throws. */
static void nodes_add(fz_context *ctx, struct nodes *ns, fz_xml *x)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		fz_xml **v = realloc(ns->v, cap * sizeof *v);

		if (!v)
			fz_throw(ctx, FZ_ERROR_MEMORY, "out of memory");
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = x;
}

/* The next node after x in document order, within `top` (no recursion:
 * the nesting depth is the HTML's to choose). */
static fz_xml *walk_next(fz_xml *x, fz_xml *top, int descend)
{
	if (descend && fz_xml_down(x))
		return fz_xml_down(x);
	while (x && x != top) {
		if (fz_xml_next(x))
			return fz_xml_next(x);
		x = fz_xml_up(x);
	}
	return NULL;
}

static int has_class(fz_xml *x, const char *name)
{
	const char *c = fz_xml_att(x, "class");
	size_t n = strlen(name);

	while (c && *c) {
		c += strspn(c, " \t\r\n\f");
		if (strncmp(c, name, n) == 0 && (c[n] == '\0' || strchr(" \t\r\n\f", c[n])))
			return 1;
		c += strcspn(c, " \t\r\n\f");
	}
	return 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_mark(int c)
{
	int cat = ucdn_get_general_category((uint32_t)c);

	return cat == UCDN_GENERAL_CATEGORY_MN || cat == UCDN_GENERAL_CATEGORY_MC ||
	       cat == UCDN_GENERAL_CATEGORY_ME;
}

/* Where MuPDF 1.21 may break a line without help: at a space, and after
 * a hyphen or a slash. */
static int is_break(int c)
{
	return is_space(c) || c == '-' || c == '/';
}

/* 1 if `text` has a run of more than STORY_WORD_MAX characters without a
 * place to break. */
static int has_long_word(const char *text)
{
	int run = 0, c;

	while (*text) {
		text += fz_chartorune(&c, text);
		run = is_break(c) ? 0 : run + 1;
		if (run > STORY_WORD_MAX)
			return 1;
	}
	return 0;
}

/* `text` with U+200B after every STORY_WORD_MAX characters of a run
 * without a place to break (never between a letter and its combining
 * mark), in a buffer the caller drops. Throws. */
static fz_buffer *break_words(fz_context *ctx, const char *text)
{
	fz_buffer *out = fz_new_buffer(ctx, strlen(text) + 64);
	int run = 0, c;

	fz_var(text);
	fz_var(run);
	fz_try(ctx) {
		while (*text) {
			int n = fz_chartorune(&c, text);

			if (run >= STORY_WORD_MAX && !is_break(c) && !is_mark(c)) {
				fz_append_string(ctx, out, "\xe2\x80\x8b");
				run = 0;
			}
			run = is_break(c) ? 0 : run + 1;
			fz_append_data(ctx, out, text, (size_t)n);
			text += n;
		}
		fz_terminate_buffer(ctx, out);
	}
	fz_catch(ctx) {
		fz_drop_buffer(ctx, out);
		fz_rethrow(ctx);
	}
	return out;
}

/* style="…" of x with `more` declarations after its own. Throws.
 * (fz_xml_att, not fz_dom_attribute: in MuPDF 1.21 the latter loops
 * forever past an element's first attribute.) */
static void style_append(fz_context *ctx, fz_xml *x, const char *more)
{
	const char *old = fz_xml_att(x, "style");
	char *s;
	size_t n;

	if (!old || !*old) {
		fz_dom_add_attribute(ctx, x, "style", more);
		return;
	}
	n = strlen(old) + strlen(more) + 2;
	s = fz_malloc(ctx, n);
	snprintf(s, n, "%s;%s", old, more);
	fz_try(ctx) {
		fz_dom_remove_attribute(ctx, x, "style");
		fz_dom_add_attribute(ctx, x, "style", s);
	}
	fz_always(ctx)
		fz_free(ctx, s);
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* The rows of a table: its tr children and those of its row groups. */
static void table_rows(fz_context *ctx, fz_xml *table, struct nodes *rows)
{
	fz_xml *x, *y;

	for (x = fz_xml_down(table); x; x = fz_xml_next(x)) {
		if (fz_xml_is_tag(x, "tr"))
			nodes_add(ctx, rows, x);
		else if (fz_xml_is_tag(x, "thead") || fz_xml_is_tag(x, "tbody") ||
			 fz_xml_is_tag(x, "tfoot"))
			for (y = fz_xml_down(x); y; y = fz_xml_next(y))
				if (fz_xml_is_tag(y, "tr"))
					nodes_add(ctx, rows, y);
	}
}

/* 1 if every cell of the row is a th (a header row). */
static int is_header_row(fz_xml *tr)
{
	fz_xml *x;
	int th = 0;

	for (x = fz_xml_down(tr); x; x = fz_xml_next(x)) {
		if (fz_xml_is_tag(x, "td"))
			return 0;
		th += fz_xml_is_tag(x, "th");
	}
	return th > 0;
}

/* Gives x the id `prefix`<n> if it has no id of its own. Throws. */
static void mark(fz_context *ctx, fz_xml *x, const char *prefix, int *counter)
{
	char id[48];

	if (fz_xml_att(x, "id"))
		return;
	snprintf(id, sizeof id, "%s%d", prefix, ++*counter);
	fz_dom_add_attribute(ctx, x, "id", id);
}

/* Each row of `table` as a table of its own, in its place: MuPDF 1.21
 * loses the rows between a page break inside a table and its last row.
 * The parts share the table's attributes but its id; what would show
 * between them (margins, paddings, borders) is taken off, so that the
 * parts look like the table. Throws. */
static void split_table(fz_context *ctx, fz_xml *dom, fz_xml *table, struct nodes *rows)
{
	static const char *const first = "margin-bottom:0;padding-bottom:0;border-bottom-width:0";
	static const char *const middle = "margin-top:0;margin-bottom:0;padding-top:0;"
		"padding-bottom:0;border-top-width:0;border-bottom-width:0";
	static const char *const last = "margin-top:0;padding-top:0;border-top-width:0";
	fz_xml *prev = table;
	size_t i;

	rows->n = 0;
	table_rows(ctx, table, rows);
	if (rows->n < 2)
		return;
	for (i = 1; i < rows->n; i++) {
		fz_xml *part = fz_dom_create_element(ctx, dom, "table");
		const char *att = NULL, *val;
		int k;

		for (k = 0; ; k++) {
			val = fz_dom_get_attribute(ctx, table, k, &att);
			if (!val || !att)
				break;
			if (strcmp(att, "id") != 0)
				fz_dom_add_attribute(ctx, part, att, val);
		}
		fz_dom_append_child(ctx, part, rows->v[i]);
		fz_dom_insert_after(ctx, prev, part);
		style_append(ctx, part, i + 1 < rows->n ? middle : last);
		prev = part;
	}
	style_append(ctx, table, first);
}

/* Reshapes the DOM for the layout (see story.h, "What the layout adds").
 * Throws. */
static void prepare(fz_context *ctx, fz_xml *dom)
{
	struct nodes tables = { 0 }, texts = { 0 }, rows = { 0 };
	fz_xml *body, *x;
	int keeps = 0;
	size_t i;

	body = fz_dom_body(ctx, dom);
	if (!body)
		return;
	fz_var(keeps);
	fz_var(i);
	fz_try(ctx) {
		for (x = fz_xml_down(body); x; ) {
			const char *tag = fz_xml_tag(x);

			if (!tag) {
				const char *t = fz_xml_text(x);

				if (t && has_long_word(t))
					nodes_add(ctx, &texts, x);
			} else if (strcmp(tag, "table") == 0) {
				nodes_add(ctx, &tables, x);
			} else if (strcmp(tag, "tr") == 0) {
				mark(ctx, x, is_header_row(x) ? NEXT_ID : KEEP_ID, &keeps);
			} else if (has_class(x, "keep")) {
				mark(ctx, x, KEEP_ID, &keeps);
			}
			/* CSS and scripts are not text to break. */
			x = walk_next(x, body, tag && strcmp(tag, "style") != 0 &&
				      strcmp(tag, "script") != 0);
		}
		for (i = 0; i < texts.n; i++) {
			fz_buffer *b = break_words(ctx, fz_xml_text(texts.v[i]));
			fz_xml *t = NULL;

			fz_var(t);
			fz_try(ctx)
				t = fz_dom_create_text_node(ctx, dom, fz_string_from_buffer(ctx, b));
			fz_always(ctx)
				fz_drop_buffer(ctx, b);
			fz_catch(ctx)
				fz_rethrow(ctx);
			fz_dom_insert_before(ctx, texts.v[i], t);
			fz_dom_remove(ctx, texts.v[i]);
		}
		for (i = 0; i < tables.n; i++)
			split_table(ctx, dom, tables.v[i], &rows);
	}
	fz_always(ctx) {
		free(tables.v);
		free(texts.v);
		free(rows.v);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* ---- layout ---------------------------------------------------------------- */

static void on_position(fz_context *ctx, void *arg, const fz_story_element_position *p)
{
	struct cut *c = arg;
	float y0 = p->rect.y0, y1 = p->rect.y1;
	int next, keep;

	(void)ctx;
	if (!(p->open_close & 1))
		return;
	next = p->heading > 0 || (p->id && strncmp(p->id, NEXT_ID, strlen(NEXT_ID)) == 0);
	keep = p->id && strncmp(p->id, KEEP_ID, strlen(KEEP_ID)) == 0;
	if (!next && !keep)
		return;
	if (y0 < c->where.y0 + CUT_MIN_PT || y0 + CUT_SLACK_PT >= c->where.y1)
		return;
	/* Crossing the page's foot, and short enough to fit on a page. */
	if (y1 > c->where.y1 + 0.5f && y1 - y0 <= c->content_h && y0 < c->y)
		c->y = y0;
	/* A heading (or header row) with hardly anything after it. */
	if (next && y1 + KEEP_NEXT_PT > c->where.y1 && y0 < c->y)
		c->y = y0;
}

/* Places the next page's worth of the story into `where`, first pulling
 * its bottom up (invariant 3) where a probe one page taller shows a row or
 * keep element crossing it or a heading left at its foot. Returns what
 * fz_place_story returns for the final rectangle. Throws. */
static int place_page(fz_context *ctx, fz_story *story, fz_rect where)
{
	struct cut c;
	fz_rect filled;
	int k;

	c.content_h = where.y1 - where.y0;
	for (k = 0; k < STORY_CUTS; k++) {
		fz_rect probe = where;

		probe.y1 += c.content_h;
		if (!fz_place_story(ctx, story, probe, &filled) && filled.y1 <= where.y1)
			break;
		c.where = where;
		c.y = FLT_MAX;
		fz_story_positions(ctx, story, on_position, &c);
		if (c.y == FLT_MAX)
			break;
		where.y1 = c.y + CUT_SLACK_PT;
	}
	return fz_place_story(ctx, story, where, &filled);
}

/* The bounds of what a page's list draws (fz_bound_display_list gives the
 * mediabox): empty for a blank page. Throws. */
static fz_rect ink(fz_context *ctx, fz_display_list *list)
{
	fz_rect box = fz_empty_rect;
	fz_device *dev = fz_new_bbox_device(ctx, &box);

	fz_try(ctx) {
		fz_run_display_list(ctx, list, dev, fz_identity, fz_infinite_rect, NULL);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx)
		fz_drop_device(ctx, dev);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return box;
}

/* The pages of the story as display lists, into *lists (fz_malloc'd;
 * *n of them). Returns 0 or -EINVAL with a sentence when the layout does
 * not end (invariant 3). Throws. */
static int lay_out(fz_context *ctx, fz_story *story, fz_display_list ***lists,
		   int *n, char *err, size_t errlen)
{
	const fz_rect page = { 0, 0, PAGE_W, PAGE_H };
	const fz_rect where = { MARGIN_LEFT, MARGIN_TOP, PAGE_W - MARGIN_RIGHT,
				PAGE_H - MARGIN_BOTTOM };
	fz_device *dev = NULL;
	int more = 1, blank = 0, cap = 0;

	*lists = NULL;
	*n = 0;
	fz_var(dev);
	fz_var(more);
	fz_var(blank);
	fz_var(cap);
	fz_try(ctx) {
		do {
			fz_display_list *list;

			if (*n == STORY_PAGES_MAX) {
				say(err, errlen, "The document is longer than %d pages: it is not laid out.",
				    STORY_PAGES_MAX);
				break;
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				*lists = fz_realloc(ctx, *lists, (size_t)cap * sizeof **lists);
			}
			more = place_page(ctx, story, where);
			list = fz_new_display_list(ctx, page);
			(*lists)[(*n)++] = list;
			dev = fz_new_list_device(ctx, list);
			fz_draw_story(ctx, story, dev, fz_identity);
			fz_close_device(ctx, dev);
			fz_drop_device(ctx, dev);
			dev = NULL;
			if (!fz_is_empty_rect(ink(ctx, list))) {
				blank = 0;
			} else if (more && ++blank == BLANK_MAX) {
				say(err, errlen, "Part of the document is taller than a page "
				    "(a very large margin, line or letter): it cannot be laid out.");
				break;
			} else if (!more && *n > 1) {
				/* MuPDF's trailing margins alone. */
				fz_drop_display_list(ctx, list);
				(*n)--;
			}
		} while (more);
	}
	fz_always(ctx)
		fz_drop_device(ctx, dev);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return more ? -EINVAL : 0;
}

/* ---- the footer and the PDF ------------------------------------------------ */

/* The footer of page `no` of `count` as HTML: "{page}" and "{pages}"
 * replaced, the rest escaped. Throws. */
static fz_buffer *footer_html(fz_context *ctx, const char *footer, int no, int count)
{
	fz_buffer *b = fz_new_buffer(ctx, strlen(footer) + 128);
	const char *p = footer;

	fz_var(p);
	fz_try(ctx) {
		fz_append_string(ctx, b, "<html><body><p style=\"margin:0;"
				 "text-align:center;font-size:9pt\">");
		while (*p) {
			if (strncmp(p, "{page}", 6) == 0) {
				fz_append_printf(ctx, b, "%d", no);
				p += 6;
			} else if (strncmp(p, "{pages}", 7) == 0) {
				fz_append_printf(ctx, b, "%d", count);
				p += 7;
			} else {
				if (*p == '&')
					fz_append_string(ctx, b, "&amp;");
				else if (*p == '<')
					fz_append_string(ctx, b, "&lt;");
				else if (*p == '>')
					fz_append_string(ctx, b, "&gt;");
				else
					fz_append_byte(ctx, b, *p);
				p++;
			}
		}
		fz_append_string(ctx, b, "</p></body></html>");
		fz_terminate_buffer(ctx, b);
	}
	fz_catch(ctx) {
		fz_drop_buffer(ctx, b);
		fz_rethrow(ctx);
	}
	return b;
}

/* Draws the footer of page `no` of `count` onto dev. Throws. */
static void draw_footer(fz_context *ctx, fz_device *dev, const char *footer,
			const char *css, fz_archive *arch, int no, int count)
{
	const fz_rect box = { MARGIN_LEFT, FOOTER_TOP, PAGE_W - MARGIN_RIGHT, FOOTER_BOTTOM };
	fz_buffer *html = footer_html(ctx, footer, no, count);
	fz_story *story = NULL;
	fz_rect filled;

	fz_var(story);
	fz_try(ctx) {
		story = fz_new_story(ctx, html, css, STORY_EM, arch);
		fz_place_story(ctx, story, box, &filled);
		fz_draw_story(ctx, story, dev, fz_identity);
	}
	fz_always(ctx) {
		fz_drop_story(ctx, story);
		fz_drop_buffer(ctx, html);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* The pages and their footers as a PDF, into a new buffer. Throws. */
static fz_buffer *write_pdf(fz_context *ctx, fz_display_list **lists, int n,
			    const char *footer, const char *css, fz_archive *arch)
{
	const fz_rect page = { 0, 0, PAGE_W, PAGE_H };
	fz_buffer *buf = fz_new_buffer(ctx, 64 * 1024);
	fz_document_writer *wri = NULL;
	int i;

	fz_var(wri);
	fz_try(ctx) {
		/* The writer owns the output, and drops it even if it throws. */
		wri = fz_new_pdf_writer_with_output(ctx, fz_new_output_with_buffer(ctx, buf),
						    "compress");
		for (i = 0; i < n; i++) {
			fz_device *dev = fz_begin_page(ctx, wri, page);

			fz_run_display_list(ctx, lists[i], dev, fz_identity, fz_infinite_rect, NULL);
			if (footer && *footer)
				draw_footer(ctx, dev, footer, css, arch, i + 1, n);
			fz_end_page(ctx, wri);
		}
		fz_close_document_writer(ctx, wri);
	}
	fz_always(ctx)
		fz_drop_document_writer(ctx, wri);
	fz_catch(ctx) {
		fz_drop_buffer(ctx, buf);
		fz_rethrow(ctx);
	}
	return buf;
}

/* Writes data to "<path>.tmp.XXXXXX", flushes it and renames it over path
 * (invariant 4). Returns 0 or -EIO with a sentence. */
static int write_file(const char *path, const unsigned char *data, size_t len,
		      char *err, size_t errlen)
{
	char *tmp;
	size_t n = strlen(path) + sizeof ".tmp.XXXXXX";
	int fd, e = 0;

	tmp = malloc(n);
	if (!tmp) {
		say(err, errlen, "The PDF cannot be written: out of memory.");
		return -EIO;
	}
	snprintf(tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		goto out;
	}
	if (fchmod(fd, 0644) < 0)
		e = errno;
	while (!e && len > 0) {
		ssize_t k = write(fd, data, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			break;
		}
		data += k;
		len -= (size_t)k;
	}
	if (!e && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (e)
		unlink(tmp);
out:
	free(tmp);
	if (e) {
		say(err, errlen, "The PDF cannot be written: %s.", strerror(e));
		return -EIO;
	}
	return 0;
}

/* MuPDF's message as the end of a sentence, without its own trailing
 * punctuation. */
static void say_mupdf(char *err, size_t errlen, const char *what, const char *why)
{
	size_t n = strlen(why);

	while (n > 0 && strchr(".!: \n", why[n - 1]))
		n--;
	if (n == 0)
		say(err, errlen, "%s.", what);
	else
		say(err, errlen, "%s: %.*s.", what, (int)n, why);
}

/* The HTML as MuPDF 1.21 must be given it: it decodes character
 * references twice (the HTML5 parser, then again as it builds its DOM), so
 * "&amp;lt;", an escaped "&lt;" that someone typed, would print as "<".
 * Every "&amp;" becomes "&amp;amp;": the second decoding then gives back
 * what the first would have. Other references decode to text without "&"
 * and pass both decodings unchanged. Throws. */
static fz_buffer *unescape_once(fz_context *ctx, const char *html, size_t len)
{
	static const char amp[] = "&amp;";
	fz_buffer *b = fz_new_buffer(ctx, len + len / 8 + 1);
	const char *p = html, *end = html + len;

	fz_var(p);
	fz_try(ctx) {
		while (p < end) {
			const char *q = memchr(p, '&', (size_t)(end - p));

			if (!q) {
				fz_append_data(ctx, b, p, (size_t)(end - p));
				break;
			}
			fz_append_data(ctx, b, p, (size_t)(q - p));
			if ((size_t)(end - q) >= sizeof amp - 1 &&
			    memcmp(q, amp, sizeof amp - 1) == 0) {
				fz_append_string(ctx, b, "&amp;amp;");
				p = q + sizeof amp - 1;
			} else {
				fz_append_byte(ctx, b, '&');
				p = q + 1;
			}
		}
		fz_terminate_buffer(ctx, b);
	}
	fz_catch(ctx) {
		fz_drop_buffer(ctx, b);
		fz_rethrow(ctx);
	}
	return b;
}

int story_pdf_ctx(struct fz_context *ctx, const char *html, size_t len,
		  const char *footer, const char *out_path, int *pages,
		  char *err, size_t errlen)
{
	fz_buffer *in = NULL, *css = NULL, *pdf = NULL;
	fz_archive *arch = NULL;
	fz_story *story = NULL;
	fz_display_list **lists = NULL;
	unsigned char *data;
	size_t size = 0;
	int n = 0, rc = 0, i;

	say(err, errlen, "%s", "");
	if (!ctx || !html || !out_path) {
		say(err, errlen, "Nothing to lay out.");
		return -EINVAL;
	}
	if (len == 0) {
		say(err, errlen, "There is nothing to lay out: the HTML is empty.");
		return -EINVAL;
	}
	if (len > STORY_HTML_MAX) {
		say(err, errlen, "The HTML is larger than %zu MiB: it is not laid out.",
		    STORY_HTML_MAX >> 20);
		return -EINVAL;
	}
	if (memchr(html, '\0', len)) {
		say(err, errlen, "The HTML contains a NUL byte: it is not laid out.");
		return -EINVAL;
	}
	if (footer && strlen(footer) > STORY_FOOTER_MAX) {
		say(err, errlen, "The footer is longer than %d bytes.", STORY_FOOTER_MAX);
		return -EINVAL;
	}

	fz_var(in);
	fz_var(css);
	fz_var(pdf);
	fz_var(arch);
	fz_var(story);
	fz_var(lists);
	fz_var(n);
	fz_var(rc);
	fz_try(ctx) {
		in = unescape_once(ctx, html, len);
		css = fz_new_buffer(ctx, 4096);
		arch = load_fonts(ctx, css);
		story = fz_new_story(ctx, in, fz_string_from_buffer(ctx, css), STORY_EM, arch);
		prepare(ctx, fz_story_document(ctx, story));
		rc = lay_out(ctx, story, &lists, &n, err, errlen);
		if (rc == 0)
			pdf = write_pdf(ctx, lists, n, footer, fz_string_from_buffer(ctx, css), arch);
	}
	fz_always(ctx) {
		for (i = 0; i < n; i++)
			fz_drop_display_list(ctx, lists[i]);
		fz_free(ctx, lists);
		fz_drop_story(ctx, story);
		fz_drop_archive(ctx, arch);
		fz_drop_buffer(ctx, css);
		fz_drop_buffer(ctx, in);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_MEMORY) {
			say(err, errlen, "The document needs more memory than the renderer may use.");
			return -ENOMEM;
		}
		say_mupdf(err, errlen, "The HTML cannot be laid out", fz_caught_message(ctx));
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	size = fz_buffer_storage(ctx, pdf, &data);
	rc = write_file(out_path, data, size, err, errlen);
	fz_drop_buffer(ctx, pdf);
	if (rc == 0 && pages)
		*pages = n;
	return rc;
}

int story_pdf(const char *html, size_t len, const char *footer,
	      const char *out_path, int *pages, char *err, size_t errlen)
{
	fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	int rc;

	if (!ctx) {
		say(err, errlen, "The renderer cannot start.");
		return -ENOMEM;
	}
	rc = story_pdf_ctx(ctx, html, len, footer, out_path, pages, err, errlen);
	fz_drop_context(ctx);
	return rc;
}

int story_load(const char *path, char **html, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc = 0;

	*html = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		say(err, errlen, "The HTML file cannot be read: %s.", strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -EIO;
		say(err, errlen, "The HTML file cannot be read: %s.", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		say(err, errlen, "The HTML file is not a regular file.");
		goto out;
	}
	if (st.st_size == 0) {
		rc = -EINVAL;
		say(err, errlen, "There is nothing to lay out: the HTML is empty.");
		goto out;
	}
	if ((uintmax_t)st.st_size > STORY_HTML_MAX) {
		rc = -EINVAL;
		say(err, errlen, "The HTML is larger than %zu MiB: it is not laid out.",
		    STORY_HTML_MAX >> 20);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		say(err, errlen, "The renderer ran out of memory.");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -EIO;
			say(err, errlen, "The HTML file cannot be read: %s.", strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	*html = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}
