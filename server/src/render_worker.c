/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_worker — the `plenum render-worker` process: the only place MuPDF
 * runs. render.c starts a few of these and talks to each over its stdin and
 * stdout; the job protocol is described at the top of render.c.
 *
 * Invariants:
 *  1. Nothing but reply lines ever reaches the reply pipe: at start the real
 *     stdout is moved to a private descriptor and fd 1 is pointed at stderr,
 *     so a stray printf (ours, MuPDF's or a library's) lands in the log.
 *  2. One reply line per job line, in order, flushed before the next read.
 *  3. The last opened document stays open (keyed by path, device, inode,
 *     size and mtime), so consecutive pages of one file parse it once.
 *  4. A page image is written to `<out>.tmp` and renamed over `<out>`.
 *  5. Every byte MuPDF allocates is counted against WORKER_ALLOC_MAX (a
 *     custom fz_alloc_context): past it an allocation fails, MuPDF empties
 *     its store and tries again, then throws FZ_ERROR_MEMORY and the job
 *     fails with -ENOMEM. This holds in sanitizer builds too, where the
 *     parent cannot set RLIMIT_AS; a decompression bomb stops here.
 *  6. A pixmap is at most WORKER_PIXELS_MAX on a side and its height at most
 *     4 × its width, whatever the page's MediaBox says.
 *  7. A page job with a "mark" never writes the page without it: the mark
 *     is drawn into the pixmap before the PNG is encoded, and a failure to
 *     draw it fails the job.
 *  8. A story job (HTML to PDF, story.h) reads at most STORY_HTML_MAX bytes
 *     of HTML and lays it out in this context, under invariant 5; its PDF
 *     replaces `out` whole or not at all.
 *
 * Threads: one. The memory limit (RLIMIT_AS) is set by the parent before
 * exec; time limits are enforced from outside by killing the process, with
 * a per-job RLIMIT_CPU (arm_cpu_limit) as a backstop.
 * render_worker_probe() runs the same code in the calling process (fuzzing).
 */
#include "fz_cap.h"
#include "printed.h"
#include "render.h"
#include "search.h"
#include "story.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <mupdf/ucdn.h>

/* Longest job line accepted: a JSON object with two paths. */
#define WORKER_LINE_MAX (64 * 1024)
/* The largest pixmap side, whatever the page asks for. */
#define WORKER_PIXELS_MAX 16384
/* Resource store kept by MuPDF between pages (fonts, images). */
#define WORKER_STORE (128u << 20)
/* All MuPDF allocations together (invariant 5): a 2048 × 8192 page pixmap
 * (48 MiB) and the decoded images of a heavy page fit; the store (above)
 * gives way when they do not. Low enough that a bomb stops in well under a
 * second, even in a sanitized build. */
#define WORKER_ALLOC_MAX ((size_t)256 << 20)
struct worker_doc {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	fz_document *doc;
	int pages;
};

struct worker {
	fz_context *ctx;
	struct fz_cap cap;
	int deep;               /* MuPDF hit its nesting limit in this job */
	struct worker_doc cache;
	FILE *out;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* MuPDF's try stack overflows when a parser recurses too deep: nested
 * arrays, dictionaries or forms. Repair then swallows the error, so it is
 * noted here and named in the job's reply. */
static int is_too_deep(const char *message)
{
	return strstr(message, "stack overflow") != NULL;
}

static bool verbose(void)
{
	return getenv("PLENUM_RENDER_VERBOSE") != NULL;
}

/* MuPDF's own chatter on a broken file repeats what the reply line says
 * in one sentence; it is printed only when asked for. */
static void on_warning(void *user, const char *message)
{
	(void)user;
	if (verbose())
		fprintf(stderr, "plenum render-worker: warning: %s\n", message);
}

static void on_error(void *user, const char *message)
{
	struct worker *w = user;

	if (is_too_deep(message))
		w->deep = 1;
	if (verbose())
		fprintf(stderr, "plenum render-worker: error: %s\n", message);
}

static void cache_drop(struct worker *w)
{
	if (w->cache.doc)
		fz_drop_document(w->ctx, w->cache.doc);
	free(w->cache.path);
	memset(&w->cache, 0, sizeof w->cache);
}

/* "<what>: <reason>." for a person: MuPDF's message without its own
 * trailing punctuation, or what its nesting limit means. */
static void say_reason(struct worker *w, char *err, size_t errlen,
		       const char *what, const char *why)
{
	size_t n;

	if (w->deep || is_too_deep(why)) {
		say(err, errlen, "%s: it is nested too deeply.", what);
		return;
	}
	n = strlen(why);
	while (n > 0 && strchr(".!: \n", why[n - 1]))
		n--;
	if (n == 0)
		say(err, errlen, "%s.", what);
	else
		say(err, errlen, "%s: %.*s.", what, (int)n, why);
}

/* Turns the error MuPDF just threw into a status and a sentence. */
static int caught(struct worker *w, const char *what, char *err, size_t errlen)
{
	int code = fz_caught(w->ctx);

	if (code == FZ_ERROR_MEMORY) {
		/* Free what we can: the next job starts from a clean slate. */
		cache_drop(w);
		say(err, errlen, "The document needs more memory than the renderer may use.");
		return -ENOMEM;
	}
	if (code == FZ_ERROR_ABORT) {
		say(err, errlen, "Rendering was stopped.");
		return -ECANCELED;
	}
	say_reason(w, err, errlen, what, fz_caught_message(w->ctx));
	return -EINVAL;
}

/* Picks the handler by content for PDF, so that a stored file needs no
 * extension; anything else is recognised by its name, as MuPDF does. */
static const char *sniff(const char *path)
{
	char head[1024];
	ssize_t n, i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return path;
	n = read(fd, head, sizeof head);
	close(fd);
	/* PDF 1.7 §7.5.2: the header may follow some junk, as readers allow. */
	for (i = 0; i + 5 <= n; i++)
		if (memcmp(head + i, "%PDF-", 5) == 0)
			return "application/pdf";
	return path;
}

/* Why a document that opened has no pages: a PDF that MuPDF had to repair
 * (truncated, broken cross-reference table) lost them. */
static void say_no_pages(struct worker *w, fz_document *doc, char *err, size_t errlen)
{
	pdf_document *pdf = pdf_document_from_fz_document(w->ctx, doc);

	if (w->deep)
		say(err, errlen, "This PDF is damaged or incomplete: it is nested too deeply.");
	else if (pdf && pdf_was_repaired(w->ctx, pdf))
		say(err, errlen, "This PDF is damaged or incomplete: no pages were found in it.");
	else
		say(err, errlen, "The document has no pages.");
}

static int doc_open(struct worker *w, const char *path, char *err, size_t errlen)
{
	fz_context *ctx = w->ctx;
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	const char *magic;
	struct stat st;
	int rc = 0;
	int pages = 0;

	if (stat(path, &st) < 0) {
		rc = -errno;
		say(err, errlen, "The document file cannot be read: %s.", strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		say(err, errlen, "The document is not a regular file.");
		return -EINVAL;
	}
	if (st.st_size == 0) {
		say(err, errlen, "The document is empty (0 bytes).");
		return -EINVAL;
	}
	if (w->cache.doc && strcmp(w->cache.path, path) == 0 &&
	    w->cache.dev == st.st_dev && w->cache.ino == st.st_ino &&
	    w->cache.size == st.st_size &&
	    w->cache.mtime.tv_sec == st.st_mtim.tv_sec &&
	    w->cache.mtime.tv_nsec == st.st_mtim.tv_nsec)
		return 0;
	cache_drop(w);

	magic = sniff(path);
	fz_var(stm);
	fz_var(doc);
	fz_var(rc);
	fz_var(pages);
	fz_try(ctx) {
		stm = fz_open_file(ctx, path);
		doc = fz_open_document_with_stream(ctx, magic, stm);
		if (fz_needs_password(ctx, doc) &&
		    !fz_authenticate_password(ctx, doc, "")) {
			rc = -EACCES;
		} else {
			pages = fz_count_pages(ctx, doc);
		}
	}
	fz_always(ctx) {
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		fz_drop_document(ctx, doc);
		return caught(w, magic == path ?
			      "This file is not a PDF or another kind of document the renderer can read" :
			      "This PDF is damaged or incomplete", err, errlen);
	}
	if (rc == -EACCES) {
		fz_drop_document(ctx, doc);
		say(err, errlen, "This document needs a password.");
		return rc;
	}
	if (pages <= 0) {
		say_no_pages(w, doc, err, errlen);
		fz_drop_document(ctx, doc);
		return -EINVAL;
	}
	w->cache.path = strdup(path);
	if (!w->cache.path) {
		fz_drop_document(ctx, doc);
		say(err, errlen, "The renderer ran out of memory.");
		return -ENOMEM;
	}
	w->cache.doc = doc;
	w->cache.pages = pages;
	w->cache.dev = st.st_dev;
	w->cache.ino = st.st_ino;
	w->cache.size = st.st_size;
	w->cache.mtime = st.st_mtim;
	return 0;
}

/* mkdir -p of the directory part of `file`. */
static int mkdir_parents(const char *file)
{
	char *p, *s;
	int rc = 0;

	s = strdup(file);
	if (!s)
		return -ENOMEM;
	for (p = s + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			goto out;
		}
		*p = '/';
	}
out:
	free(s);
	return rc;
}

static int write_file(const char *path, const unsigned char *data, size_t len,
		      char *err, size_t errlen)
{
	char *tmp = NULL;
	size_t n;
	int fd = -1;
	int rc;

	rc = mkdir_parents(path);
	if (rc < 0)
		goto out;
	n = strlen(path) + sizeof ".tmp";
	tmp = malloc(n);
	if (!tmp) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(tmp, n, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (len > 0) {
		ssize_t k = write(fd, data, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			goto out;
		}
		data += k;
		len -= (size_t)k;
	}
	rc = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		if (tmp)
			unlink(tmp);
		say(err, errlen, "The page image cannot be written: %s.", strerror(-rc));
	}
	free(tmp);
	return rc;
}

/* Pixel height of a page of `pw` × `ph` points drawn `width` pixels wide,
 * clamped so that a hostile MediaBox cannot ask for a huge pixmap (the rest
 * of such a page is cut off). */
static int page_height(float pw, float ph, int width)
{
	double h = ceil((double)ph * width / pw);
	double max = 4.0 * width;

	if (max > WORKER_PIXELS_MAX)
		max = WORKER_PIXELS_MAX;
	if (!(h >= 1))
		h = 1;
	if (h > max)
		h = max;
	return (int)h;
}

/* The watermark of a confidential page (invariant 7): `mark` in a row,
 * repeated along lines at MARK_ANGLE degrees that cover the whole pixmap,
 * MARK_ROWS_EM font sizes apart, every other row shifted by half a
 * repetition, in a translucent dark red. The font size follows the image
 * width, so a thumbnail and a full page carry the same pattern. The font is
 * MuPDF's built-in Noto (Latin, with every Vietnamese letter); a character
 * it lacks comes from MuPDF's fallback fonts. */
#define MARK_ANGLE -30.0f
#define MARK_SIZE_DIV 30.0f     /* font size: image width / this */
#define MARK_ROWS_EM 4.0f
#define MARK_GAP_EM 3.0f
#define MARK_ALPHA 0.22f

static void draw_mark(fz_context *ctx, fz_pixmap *pix, const char *mark)
{
	static const float color[3] = { 0.65f, 0.05f, 0.10f };
	fz_font *font = NULL;
	fz_text *text = NULL;
	fz_device *dev = NULL;

	fz_var(font);
	fz_var(text);
	fz_var(dev);
	fz_try(ctx) {
		const unsigned char *data;
		int len = 0, sub = 0;
		int pw = fz_pixmap_width(ctx, pix), ph = fz_pixmap_height(ctx, pix);
		float size = (float)pw / MARK_SIZE_DIV;
		float reach = sqrtf((float)pw * pw + (float)ph * ph) / 2 + size;
		float row_len = 0, x, y;
		int row = 0;
		fz_matrix ctm;

		if (size < 6)
			size = 6;
		data = fz_lookup_noto_font(ctx, UCDN_SCRIPT_LATIN, FZ_LANG_UNSET, &len, &sub);
		font = data ? fz_new_font_from_memory(ctx, NULL, data, len, sub, 0)
			    : fz_new_base14_font(ctx, "Helvetica");
		/* One repetition's length, to know where the rows start. */
		for (const char *p = mark; *p;) {
			fz_font *used;
			int c, gid;

			p += fz_chartorune(&c, p);
			gid = fz_encode_character_with_fallback(ctx, font, c, UCDN_SCRIPT_LATIN,
								FZ_LANG_UNSET, &used);
			row_len += fz_advance_glyph(ctx, used, gid, 0) * size;
		}
		row_len += MARK_GAP_EM * size;
		text = fz_new_text(ctx);
		/* Rows in a frame centred on the image and turned by MARK_ANGLE:
		 * a disc of radius `reach` holds the whole image. */
		for (y = -reach; y <= reach; y += MARK_ROWS_EM * size, row++) {
			x = -reach - (row % 2 ? row_len / 2 : 0);
			while (x < reach) {
				for (const char *p = mark; *p;) {
					fz_font *used;
					int c, gid;

					p += fz_chartorune(&c, p);
					gid = fz_encode_character_with_fallback(ctx, font, c,
							UCDN_SCRIPT_LATIN, FZ_LANG_UNSET, &used);
					/* Glyph space is y-up; pixels are y-down. */
					fz_show_glyph(ctx, text, used,
						      fz_make_matrix(size, 0, 0, -size, x, y),
						      gid, c, 0, 0, FZ_BIDI_LTR, FZ_LANG_UNSET);
					x += fz_advance_glyph(ctx, used, gid, 0) * size;
				}
				x += MARK_GAP_EM * size;
			}
		}
		ctm = fz_concat(fz_rotate(MARK_ANGLE),
				fz_translate((float)pw / 2, (float)ph / 2));
		dev = fz_new_draw_device(ctx, fz_identity, pix);
		fz_fill_text(ctx, dev, text, ctm, fz_device_rgb(ctx), color, MARK_ALPHA,
			     fz_default_color_params);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		fz_drop_text(ctx, text);
		fz_drop_font(ctx, font);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

static int do_page(struct worker *w, const char *src, int pageno, int width,
		   const char *mark, const char *out, int *height, char *err,
		   size_t errlen)
{
	fz_context *ctx = w->ctx;
	fz_page *page = NULL;
	fz_pixmap *pix = NULL;
	fz_device *dev = NULL;
	fz_buffer *buf = NULL;
	fz_cookie cookie;
	unsigned char *data;
	size_t len;
	int rc;

	if (width < 1 || width > WORKER_PIXELS_MAX) {
		say(err, errlen, "The width %d is out of range.", width);
		return -EINVAL;
	}
	rc = doc_open(w, src, err, errlen);
	if (rc < 0)
		return rc;
	if (pageno < 1 || pageno > w->cache.pages) {
		say(err, errlen, "Page %d does not exist: the document has %d page%s.",
		    pageno, w->cache.pages, w->cache.pages == 1 ? "" : "s");
		return -ERANGE;
	}

	memset(&cookie, 0, sizeof cookie);
	fz_var(page);
	fz_var(pix);
	fz_var(dev);
	fz_var(buf);
	fz_var(rc);
	fz_try(ctx) {
		fz_rect r;
		fz_matrix ctm;
		float pw, ph, s;
		int h;

		page = fz_load_page(ctx, w->cache.doc, pageno - 1);
		r = fz_bound_page(ctx, page);
		pw = r.x1 - r.x0;
		ph = r.y1 - r.y0;
		if (!(pw > 0 && ph > 0 && isfinite(pw) && isfinite(ph)))
			fz_throw(ctx, FZ_ERROR_GENERIC, "page %d has no size", pageno);
		h = page_height(pw, ph, width);
		s = (float)width / pw;
		ctm = fz_concat(fz_translate(-r.x0, -r.y0), fz_scale(s, s));
		pix = fz_new_pixmap(ctx, fz_device_rgb(ctx), width, h, NULL, 0);
		fz_clear_pixmap_with_value(ctx, pix, 0xff);
		dev = fz_new_draw_device(ctx, ctm, pix);
		fz_run_page(ctx, page, dev, fz_identity, &cookie);
		fz_close_device(ctx, dev);
		if (mark && *mark)
			draw_mark(ctx, pix, mark);
		buf = fz_new_buffer_from_pixmap_as_png(ctx, pix, fz_default_color_params);
		*height = h;
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		fz_drop_pixmap(ctx, pix);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx) {
		fz_drop_buffer(ctx, buf);
		return caught(w, "The page cannot be rendered", err, errlen);
	}
	len = fz_buffer_storage(ctx, buf, &data);
	rc = write_file(out, data, len, err, errlen);
	fz_drop_buffer(ctx, buf);
	return rc;
}

static int do_info(struct worker *w, const char *src, int *pages,
		   char *err, size_t errlen)
{
	int rc = doc_open(w, src, err, errlen);

	if (rc == 0)
		*pages = w->cache.pages;
	return rc;
}

static void reply(struct worker *w, json_t *msg)
{
	char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;

	/* Without memory for the reply the pool sees a malformed line and
	 * restarts this process, which is the best we can offer then. */
	fprintf(w->out, "%s\n", s ? s : "{}");
	fflush(w->out);
	free(s);
	json_decref(msg);
}

/* ---- text, outline and find (op "text", op "find") ----------------------- */

/* Copies at most `max` bytes of `src` (n bytes) into dst (max + 1 bytes),
 * whole code points only: control characters but the newline become
 * spaces and invalid UTF-8 becomes '?', so jansson takes the result. */
static void clean_text(char *dst, size_t max, const char *src, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		uint32_t c;
		size_t k = search_utf8_next(src + i, n - i, &c);

		if (c == 0xfffd && k == 1 && (unsigned char)src[i] >= 0x80) {
			if (o + 1 > max)
				break;
			dst[o++] = '?';
		} else if (c < 0x20 || c == 0x7f) {
			if (o + 1 > max)
				break;
			dst[o++] = c == '\n' ? '\n' : ' ';
		} else {
			if (o + k > max)
				break;
			memcpy(dst + o, src + i, k);
			o += k;
		}
		i += k;
	}
	dst[o] = '\0';
}

/* The plain text of page `pageno` (1-based) into *out (malloc'd, at most
 * RENDER_TEXT_PAGE_MAX bytes). A page MuPDF cannot read has no text (""),
 * so one broken page does not hide the others; only -ENOMEM fails. */
static int page_text(struct worker *w, int pageno, char **out, char *err, size_t errlen)
{
	fz_context *ctx = w->ctx;
	fz_page *page = NULL;
	fz_stext_page *text = NULL;
	fz_buffer *buf = NULL;
	fz_stext_options opts;
	unsigned char *data;
	size_t len = 0;
	int rc = 0;

	*out = malloc(RENDER_TEXT_PAGE_MAX + 1);
	if (!*out) {
		say(err, errlen, "The renderer ran out of memory.");
		return -ENOMEM;
	}
	(*out)[0] = '\0';
	memset(&opts, 0, sizeof opts);
	fz_var(page);
	fz_var(text);
	fz_var(buf);
	fz_try(ctx) {
		page = fz_load_page(ctx, w->cache.doc, pageno - 1);
		text = fz_new_stext_page_from_page(ctx, page, &opts);
		buf = fz_new_buffer_from_stext_page(ctx, text);
		len = fz_buffer_storage(ctx, buf, &data);
		clean_text(*out, RENDER_TEXT_PAGE_MAX, (const char *)data, len);
	}
	fz_always(ctx) {
		fz_drop_buffer(ctx, buf);
		fz_drop_stext_page(ctx, text);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_MEMORY) {
			rc = caught(w, "The text cannot be extracted", err, errlen);
			free(*out);
			*out = NULL;
		}
	}
	return rc;
}

#define OUTLINE_DEPTH_MAX 8
#define OUTLINE_TITLE_MAX 300

/* [{title, page, children}] of an outline level; page 0 when the entry
 * points nowhere in the document. May throw (MuPDF). */
static json_t *outline_json(struct worker *w, fz_outline *o, int depth, int *count)
{
	json_t *a = json_array();
	char title[OUTLINE_TITLE_MAX + 1];

	for (; a && o && *count < RENDER_OUTLINE_MAX; o = o->next) {
		int page = -1;

		(*count)++;
		if (o->page.page >= 0)
			page = fz_page_number_from_location(w->ctx, w->cache.doc, o->page);
		clean_text(title, OUTLINE_TITLE_MAX, o->title ? o->title : "",
			   o->title ? strlen(o->title) : 0);
		json_array_append_new(a, json_pack("{s:s, s:i, s:o}", "title", title,
						   "page", page >= 0 && page < w->cache.pages ? page + 1 : 0,
						   "children", depth < OUTLINE_DEPTH_MAX && o->down ?
						   outline_json(w, o->down, depth + 1, count) : json_array()));
	}
	return a;
}

/* The document's outline; an empty array if it has none or it is broken. */
static json_t *load_outline(struct worker *w)
{
	fz_context *ctx = w->ctx;
	fz_outline *outline = NULL;
	json_t *a = NULL;
	int count = 0;

	fz_var(outline);
	fz_var(a);
	fz_try(ctx) {
		outline = fz_load_outline(ctx, w->cache.doc);
		a = outline_json(w, outline, 1, &count);
	}
	fz_always(ctx)
		fz_drop_outline(ctx, outline);
	fz_catch(ctx) {
		json_decref(a);
		a = NULL;
	}
	return a ? a : json_array();
}

static int do_text(struct worker *w, const char *src, int first, json_t *job,
		   json_t **ok, char *err, size_t errlen)
{
	json_t *texts;
	int last = 0, rc, p;

	json_unpack(job, "{s?i}", "last", &last);
	if (first < 1 || last < first || last - first >= RENDER_TEXT_PAGES) {
		say(err, errlen, "The page range %d to %d is not one text job.", first, last);
		return -EINVAL;
	}
	rc = doc_open(w, src, err, errlen);
	if (rc < 0)
		return rc;
	if (first > w->cache.pages) {
		say(err, errlen, "Page %d does not exist: the document has %d pages.",
		    first, w->cache.pages);
		return -ERANGE;
	}
	if (last > w->cache.pages)
		last = w->cache.pages;
	texts = json_array();
	for (p = first; texts && p <= last; p++) {
		char *t;

		rc = page_text(w, p, &t, err, errlen);
		if (rc < 0) {
			json_decref(texts);
			return rc;
		}
		json_array_append_new(texts, json_string(t));
		free(t);
	}
	*ok = json_pack("{s:i, s:i, s:o*, s:o*}", "status", 0, "pages", w->cache.pages,
			"texts", texts, "outline", first == 1 ? load_outline(w) : NULL);
	return 0;
}

/* One character of a page, folded, for find. */
struct fchar {
	uint32_t c;     /* folded; ' ' between lines */
	int line;
	fz_rect box;
};

/* Appends `box` to `rects` in units of 1/10000 of the page `bound`, while
 * there are fewer than RENDER_FIND_MAX. */
static void add_rect(json_t *rects, fz_rect box, fz_rect bound)
{
	float pw = bound.x1 - bound.x0, ph = bound.y1 - bound.y0;

	if (!(pw > 0 && ph > 0) || json_array_size(rects) >= RENDER_FIND_MAX)
		return;
	json_array_append_new(rects, json_pack("[i,i,i,i]",
		(int)lrintf((box.x0 - bound.x0) / pw * 10000),
		(int)lrintf((box.y0 - bound.y0) / ph * 10000),
		(int)lrintf((box.x1 - bound.x0) / pw * 10000),
		(int)lrintf((box.y1 - bound.y0) / ph * 10000)));
}

static int do_find(struct worker *w, const char *src, int pageno, json_t *job,
		   json_t **ok, char *err, size_t errlen)
{
	fz_context *ctx = w->ctx;
	fz_page *page = NULL;
	fz_stext_page *text = NULL;
	struct fchar *fc = NULL;
	size_t n = 0, cap = 0;
	const char *q = NULL;
	uint32_t *fv;
	struct search_span *spans;
	size_t nspans;
	json_t *rects = NULL;
	fz_rect bound = fz_empty_rect;
	int rc, line = 0;

	json_unpack(job, "{s?s}", "q", &q);
	if (!q) {
		say(err, errlen, "The find job has no query.");
		return -EINVAL;
	}
	rc = doc_open(w, src, err, errlen);
	if (rc < 0)
		return rc;
	if (pageno < 1 || pageno > w->cache.pages) {
		say(err, errlen, "Page %d does not exist.", pageno);
		return -ERANGE;
	}
	fz_var(page);
	fz_var(text);
	fz_var(fc);
	fz_var(n);
	fz_var(cap);
	fz_var(line);
	fz_var(bound);
	fz_try(ctx) {
		fz_stext_options opts;
		fz_stext_block *b;

		memset(&opts, 0, sizeof opts);
		page = fz_load_page(ctx, w->cache.doc, pageno - 1);
		bound = fz_bound_page(ctx, page);
		text = fz_new_stext_page_from_page(ctx, page, &opts);
		for (b = text->first_block; b; b = b->next) {
			fz_stext_line *l;

			if (b->type != FZ_STEXT_BLOCK_TEXT)
				continue;
			for (l = b->u.t.first_line; l; l = l->next, line++) {
				fz_stext_char *ch;

				for (ch = l->first_char; ; ch = ch->next) {
					uint32_t c = ch ? search_fold_cp((uint32_t)ch->c) : ' ';

					if (c == 0)
						continue;
					if (n == cap) {
						size_t nc = cap ? cap * 2 : 1024;
						struct fchar *g = realloc(fc, nc * sizeof *fc);

						if (!g)
							fz_throw(ctx, FZ_ERROR_MEMORY, "find: out of memory");
						fc = g;
						cap = nc;
					}
					fc[n].c = c;
					fc[n].line = ch ? line : -1;
					fc[n].box = ch ? fz_rect_from_quad(ch->quad) : fz_empty_rect;
					n++;
					if (!ch)
						break;
				}
			}
		}
	}
	fz_always(ctx) {
		fz_drop_stext_page(ctx, text);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx) {
		free(fc);
		return caught(w, "The page's text cannot be read", err, errlen);
	}

	/* The phrase where the page has it, else its words: search_spans(),
	 * the rule of the snippets. */
	fv = malloc((n + 1) * sizeof *fv);
	spans = malloc(RENDER_FIND_MAX * sizeof *spans);
	rects = json_array();
	if (!fv || !spans || !rects) {
		free(fc);
		free(fv);
		free(spans);
		json_decref(rects);
		say(err, errlen, "The renderer ran out of memory.");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		fv[i] = fc[i].c;
	nspans = search_spans(fv, n, q, spans, RENDER_FIND_MAX);
	for (size_t k = 0; k < nspans && json_array_size(rects) < RENDER_FIND_MAX; k++) {
		fz_rect box = fz_empty_rect;
		int l0 = -1;

		/* A rectangle per line the match is on; the break between
		 * lines (line -1) belongs to none. */
		for (size_t i = spans[k].s; i < spans[k].e; i++) {
			if (fc[i].line < 0)
				continue;
			if (fc[i].line != l0 && !fz_is_empty_rect(box)) {
				add_rect(rects, box, bound);
				box = fz_empty_rect;
			}
			l0 = fc[i].line;
			box = fz_union_rect(box, fc[i].box);
		}
		if (!fz_is_empty_rect(box))
			add_rect(rects, box, bound);
	}
	free(fv);
	free(spans);
	free(fc);
	/* Rectangles in units of 1/10000 of the page, to keep the line short. */
	*ok = json_pack("{s:i, s:i, s:o*}", "status", 0, "pages", w->cache.pages,
			"rects", rects);
	return 0;
}

/* ---- HTML laid out as a PDF (op "story") --------------------------------- */

/* The HTML file `src` as an A4 PDF at `out` (story.h), in this worker's
 * context, so its allocations count against the cap (invariant 5). */
static int do_story(struct worker *w, const char *src, const char *out, json_t *job,
		    int *pages, char *err, size_t errlen)
{
	const char *footer = NULL;
	char *html;
	size_t len;
	int rc;

	json_unpack(job, "{s?s}", "footer", &footer);
	rc = story_load(src, &html, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = story_pdf_ctx(w->ctx, html, len, footer, out, pages, err, errlen);
	free(html);
	/* As caught() does: the next job starts from a clean slate. */
	if (rc == -ENOMEM)
		cache_drop(w);
	return rc;
}

static void handle(struct worker *w, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *job;
	const char *op = NULL, *src = NULL, *out = NULL, *mark = NULL;
	char err[256] = "";
	int page = 0, width = 0, pages = 0, height = 0;
	int rc;

	w->deep = 0;
	job = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!job || json_unpack_ex(job, &jerr, 0, "{s:s, s:s, s?i, s?i, s?s, s?s}",
				   "op", &op, "src", &src, "page", &page,
				   "width", &width, "out", &out, "mark", &mark) < 0) {
		rc = -EPROTO;
		say(err, sizeof err, "The renderer got a malformed job: %s.", jerr.text);
	} else if (strcmp(op, "info") == 0) {
		rc = do_info(w, src, &pages, err, sizeof err);
	} else if (strcmp(op, "page") == 0 && out) {
		rc = do_page(w, src, page, width, mark, out, &height, err, sizeof err);
		pages = w->cache.pages;
	} else if (strcmp(op, "print") == 0 && out) {
		rc = printed_pdf_ctx(w->ctx, src, out, &pages, err, sizeof err);
	} else if (strcmp(op, "story") == 0 && out) {
		rc = do_story(w, src, out, job, &pages, err, sizeof err);
	} else if (strcmp(op, "text") == 0 || strcmp(op, "find") == 0) {
		json_t *ok = NULL;

		rc = op[0] == 't' ? do_text(w, src, page, job, &ok, err, sizeof err)
				  : do_find(w, src, page, job, &ok, err, sizeof err);
		if (rc == 0) {
			reply(w, ok);
			json_decref(job);
			return;
		}
	} else {
		rc = -EPROTO;
		say(err, sizeof err, "The renderer got an unknown job \"%s\".", op);
	}
	if (rc == 0)
		reply(w, json_pack("{s:i, s:i, s:i, s:i}", "status", 0,
				   "pages", pages, "width", width, "height", height));
	else
		reply(w, json_pack("{s:i, s:s}", "status", rc, "error", err));
	json_decref(job);
}

/* A context whose allocations count against w->cap (invariant 5). */
static int start_mupdf(struct worker *w, size_t alloc_max)
{
	fz_alloc_context alloc = fz_cap_allocator(&w->cap, alloc_max);

	/* MuPDF copies the allocator into the context. */
	w->ctx = fz_new_context(&alloc, NULL, WORKER_STORE);
	if (!w->ctx)
		return -ENOMEM;
	fz_set_warning_callback(w->ctx, on_warning, w);
	fz_set_error_callback(w->ctx, on_error, w);
	fz_try(w->ctx)
		fz_register_document_handlers(w->ctx);
	fz_catch(w->ctx)
		return -ENOMEM;
	return 0;
}

/* Width page 1 is drawn at by render_worker_probe(): small, so that a fuzzer
 * spends its time in the parsers and not in the rasteriser. */
#define PROBE_WIDTH 64

int render_worker_probe(const unsigned char *data, size_t len, char *err,
			size_t errlen)
{
	char why[256] = "";
	struct worker w;
	fz_stream *stm = NULL;
	fz_document *doc = NULL;
	fz_page *page = NULL;
	fz_pixmap *pix = NULL;
	fz_device *dev = NULL;
	fz_buffer *buf = NULL;
	int rc = 0, pages = 0;

	memset(&w, 0, sizeof w);
	if (!data || len == 0) {
		say(why, sizeof why, "The document is empty (0 bytes).");
		rc = -EINVAL;
		goto out;
	}
	if (start_mupdf(&w, WORKER_ALLOC_MAX) < 0) {
		say(why, sizeof why, "The renderer cannot start.");
		rc = -ENOMEM;
		goto out;
	}
	fz_var(stm);
	fz_var(doc);
	fz_var(page);
	fz_var(pix);
	fz_var(dev);
	fz_var(buf);
	fz_var(rc);
	fz_var(pages);
	fz_try(w.ctx) {
		fz_rect r;
		float pw, ph, s;
		int h;

		stm = fz_open_memory(w.ctx, data, len);
		doc = fz_open_document_with_stream(w.ctx, "application/pdf", stm);
		if (fz_needs_password(w.ctx, doc) &&
		    !fz_authenticate_password(w.ctx, doc, "")) {
			rc = -EACCES;
			break;
		}
		pages = fz_count_pages(w.ctx, doc);
		if (pages <= 0) {
			say_no_pages(&w, doc, why, sizeof why);
			rc = -EINVAL;
			break;
		}
		page = fz_load_page(w.ctx, doc, 0);
		r = fz_bound_page(w.ctx, page);
		pw = r.x1 - r.x0;
		ph = r.y1 - r.y0;
		if (!(pw > 0 && ph > 0 && isfinite(pw) && isfinite(ph)))
			fz_throw(w.ctx, FZ_ERROR_GENERIC, "page 1 has no size");
		h = page_height(pw, ph, PROBE_WIDTH);
		s = (float)PROBE_WIDTH / pw;
		pix = fz_new_pixmap(w.ctx, fz_device_rgb(w.ctx), PROBE_WIDTH, h, NULL, 0);
		fz_clear_pixmap_with_value(w.ctx, pix, 0xff);
		dev = fz_new_draw_device(w.ctx, fz_concat(fz_translate(-r.x0, -r.y0),
							  fz_scale(s, s)), pix);
		fz_run_page(w.ctx, page, dev, fz_identity, NULL);
		fz_close_device(w.ctx, dev);
		buf = fz_new_buffer_from_pixmap_as_png(w.ctx, pix, fz_default_color_params);
	}
	fz_always(w.ctx) {
		fz_drop_buffer(w.ctx, buf);
		fz_drop_device(w.ctx, dev);
		fz_drop_pixmap(w.ctx, pix);
		fz_drop_page(w.ctx, page);
		fz_drop_document(w.ctx, doc);
		fz_drop_stream(w.ctx, stm);
	}
	fz_catch(w.ctx) {
		rc = caught(&w, pages > 0 ? "The page cannot be rendered" :
			    "This PDF is damaged or incomplete", why, sizeof why);
	}
	if (rc == -EACCES)
		say(why, sizeof why, "This document needs a password.");
out:
	if (w.ctx)
		fz_drop_context(w.ctx);
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return rc;
}

/* CPU seconds one job may use: a backstop under the pool's wall-clock
 * timeout (default 20 s), for the case where that timer cannot act. */
#define WORKER_CPU_SECONDS 60

/* Sets the soft RLIMIT_CPU to what this process has used so far plus one
 * job's budget; past it the kernel sends SIGXCPU, which ends the worker,
 * and the pool reports the job as a crash and starts a new worker. Only the
 * soft limit moves, so an unprivileged worker can raise it again. */
static void arm_cpu_limit(void)
{
	struct rusage ru;
	struct rlimit rl;

	if (getrusage(RUSAGE_SELF, &ru) < 0 || getrlimit(RLIMIT_CPU, &rl) < 0)
		return;
	rlim_t want = (rlim_t)ru.ru_utime.tv_sec + (rlim_t)ru.ru_stime.tv_sec + 1 +
		      WORKER_CPU_SECONDS;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	rl.rlim_cur = want;
	setrlimit(RLIMIT_CPU, &rl);
}

int render_worker_main(int argc, char **argv)
{
	struct worker w;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd, rc = 1;

	(void)argc;
	(void)argv;
	memset(&w, 0, sizeof w);

	/* Invariant 1: keep the reply pipe to ourselves. */
	fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		perror("plenum render-worker: stdout");
		goto out;
	}
	w.out = fdopen(fd, "w");
	if (!w.out) {
		perror("plenum render-worker: fdopen");
		close(fd);
		goto out;
	}

	if (start_mupdf(&w, WORKER_ALLOC_MAX) < 0) {
		fprintf(stderr, "plenum render-worker: cannot start MuPDF\n");
		goto out;
	}

	reply(&w, json_pack("{s:b, s:s}", "ready", 1, "mupdf", FZ_VERSION));
	for (;;) {
		n = getline(&line, &cap, stdin);
		if (n <= 0)
			break;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > WORKER_LINE_MAX) {
			reply(&w, json_pack("{s:i, s:s}", "status", -EPROTO,
					    "error", "The renderer got a job that is too long."));
			continue;
		}
		arm_cpu_limit();
		handle(&w, line, (size_t)n);
	}
	rc = 0;
out:
	free(line);
	if (w.ctx) {
		cache_drop(&w);
		fz_drop_context(w.ctx);
	}
	if (w.out)
		fclose(w.out);
	return rc;
}
