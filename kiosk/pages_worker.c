/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pages_worker — the `plenum-kiosk --render-worker` process: the only place
 * where the kiosk lets MuPDF open a document. pages.c starts it and sends
 * it one request at a time on stdin (struct pages_wire_req and the path);
 * it answers on stdout with struct pages_wire_rep and, when the page was
 * drawn, its w × h × 4 bytes of opaque RGBA.
 *
 * Invariants:
 *  1. Nothing but replies reaches the reply pipe: at start the real stdout
 *     is moved to a private descriptor and fd 1 is pointed at stderr.
 *  2. One reply per request, in order.
 *  3. The last opened document stays open (keyed by path, device, inode,
 *     size and mtime): the next page of a document does not parse it again.
 *  4. Every byte MuPDF allocates counts against WORKER_ALLOC_MAX (a custom
 *     fz_alloc_context): past it an allocation fails and the page fails
 *     with -ENOMEM, in sanitizer builds too (where RLIMIT_AS is not set).
 *  5. The page is fitted into the asked area with layout_fit(), the same
 *     function the UI uses to place it: the two always agree.
 *
 * One thread. Time limits are enforced from outside (the render thread
 * kills this process).
 */
#include "layout.h"
#include "pages.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mupdf/fitz.h>

#include "fz_cap.h"

#define WORKER_ALLOC_MAX ((size_t)768 << 20)

struct worker {
	fz_context *ctx;
	struct fz_cap cap;
	int out;
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	fz_document *doc;
	int pages;
};

static void quiet(void *user, const char *message)
{
	(void)user;
	if (getenv("PLENUM_KIOSK_VERBOSE"))
		fprintf(stderr, "plenum-kiosk render-worker: %s\n", message);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *s = buf;

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *d = buf;

	while (len) {
		ssize_t n = read(fd, d, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		d += n;
		len -= (size_t)n;
	}
	return 0;
}

static void doc_drop(struct worker *w)
{
	fz_drop_document(w->ctx, w->doc);
	w->doc = NULL;
	free(w->path);
	w->path = NULL;
}

/* The MuPDF error as a status and a sentence. */
static int caught(struct worker *w, const char *what, char *err, size_t errlen)
{
	int code = fz_caught(w->ctx);

	snprintf(err, errlen, "%s: %s.", what, fz_caught_message(w->ctx));
	return code == FZ_ERROR_MEMORY ? -ENOMEM : -EINVAL;
}

static int doc_open(struct worker *w, const char *path, char *err, size_t errlen)
{
	fz_context *ctx = w->ctx;
	struct stat st;
	fz_document *doc = NULL;
	int pages = 0, rc = 0;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "The file %s cannot be read: %s.", path, strerror(errno));
		return -ENOENT;
	}
	if (w->doc && !strcmp(w->path, path) && w->dev == st.st_dev && w->ino == st.st_ino &&
	    w->size == st.st_size && w->mtime.tv_sec == st.st_mtim.tv_sec &&
	    w->mtime.tv_nsec == st.st_mtim.tv_nsec)
		return 0;
	doc_drop(w);
	fz_var(doc);
	fz_var(pages);
	fz_var(rc);
	fz_try(ctx) {
		doc = fz_open_document(ctx, path);
		if (fz_needs_password(ctx, doc)) {
			rc = -EACCES;
			snprintf(err, errlen, "The document is protected by a password.");
		} else {
			pages = fz_count_pages(ctx, doc);
		}
	}
	fz_catch(ctx) {
		fz_drop_document(ctx, doc);
		return caught(w, "The document cannot be opened", err, errlen);
	}
	if (rc < 0) {
		fz_drop_document(ctx, doc);
		return rc;
	}
	w->doc = doc;
	w->pages = pages;
	w->path = strdup(path);
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->size = st.st_size;
	w->mtime = st.st_mtim;
	if (!w->path) {
		doc_drop(w);
		snprintf(err, errlen, "Out of memory.");
		return -ENOMEM;
	}
	return 0;
}

/* Draws page `pageno` of `path` fitted into aw × ah; *pix is the result. */
static int draw_page(struct worker *w, const char *path, int pageno, int aw, int ah,
		     fz_pixmap **pix, char *err, size_t errlen)
{
	fz_context *ctx = w->ctx;
	fz_page *page = NULL;
	fz_device *dev = NULL;
	fz_pixmap *out = NULL;
	const struct rect area = { 0, 0, aw, ah };
	int rc = doc_open(w, path, err, errlen);

	*pix = NULL;
	if (rc < 0)
		return rc;
	if (pageno < 1 || pageno > w->pages) {
		snprintf(err, errlen, "Page %d does not exist: the document has %d page%s.", pageno,
			 w->pages, w->pages == 1 ? "" : "s");
		return -ERANGE;
	}
	fz_var(page);
	fz_var(dev);
	fz_var(out);
	fz_try(ctx) {
		fz_rect b;
		struct rect fit;
		double pw, ph;
		fz_matrix ctm;

		page = fz_load_page(ctx, w->doc, pageno - 1);
		b = fz_bound_page(ctx, page);
		pw = b.x1 - b.x0;
		ph = b.y1 - b.y0;
		if (!(pw > 0 && ph > 0 && isfinite(pw) && isfinite(ph)))
			fz_throw(ctx, FZ_ERROR_GENERIC, "page %d has no size", pageno);
		/* invariant 5 */
		fit = layout_fit(pw, ph, area);
		ctm = fz_concat(fz_translate(-b.x0, -b.y0),
				fz_scale((float)(fit.w / pw), (float)(fit.h / ph)));
		out = fz_new_pixmap(ctx, fz_device_rgb(ctx), fit.w, fit.h, NULL, 1);
		fz_clear_pixmap_with_value(ctx, out, 0xff);
		dev = fz_new_draw_device(ctx, ctm, out);
		fz_run_page(ctx, page, dev, fz_identity, NULL);
		fz_close_device(ctx, dev);
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		fz_drop_page(ctx, page);
	}
	fz_catch(ctx) {
		fz_drop_pixmap(ctx, out);
		return caught(w, "The page cannot be drawn", err, errlen);
	}
	*pix = out;
	return 0;
}

int pages_worker_main(void)
{
	struct worker w = { 0 };
	fz_alloc_context alloc = fz_cap_allocator(&w.cap, WORKER_ALLOC_MAX);
	struct pages_wire_req req;
	char *path = NULL;
	int rc = 0;

	/* invariant 1 */
	w.out = dup(STDOUT_FILENO);
	if (w.out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return 2;
	w.ctx = fz_new_context(&alloc, NULL, 32u << 20);
	if (!w.ctx)
		return 2;
	fz_set_warning_callback(w.ctx, quiet, NULL);
	fz_set_error_callback(w.ctx, quiet, NULL);
	fz_register_document_handlers(w.ctx);

	while (read_all(STDIN_FILENO, &req, sizeof req) == 0) {
		struct pages_wire_rep rep;
		fz_pixmap *pix = NULL;

		if (req.magic != PAGES_MAGIC || req.path_len == 0 || req.path_len >= PAGES_PATH_MAX) {
			rc = 3;
			break;
		}
		path = malloc(req.path_len + 1);
		if (!path || read_all(STDIN_FILENO, path, req.path_len) < 0) {
			rc = 3;
			break;
		}
		path[req.path_len] = '\0';
		memset(&rep, 0, sizeof rep);
		rep.magic = PAGES_MAGIC;
		if (req.w < 1 || req.h < 1 || req.w > PAGES_MAX_SIDE || req.h > PAGES_MAX_SIDE) {
			rep.status = -EINVAL;
			snprintf(rep.error, sizeof rep.error, "The size %d × %d is out of range.",
				 req.w, req.h);
		} else {
			rep.status = draw_page(&w, path, req.page, req.w, req.h, &pix, rep.error,
					       sizeof rep.error);
		}
		rep.pages = w.doc ? w.pages : 0;
		if (pix) {
			rep.w = pix->w;
			rep.h = pix->h;
		}
		free(path);
		path = NULL;
		if (write_all(w.out, &rep, sizeof rep) < 0 ||
		    (pix && write_all(w.out, pix->samples, (size_t)pix->stride * (size_t)pix->h) < 0)) {
			fz_drop_pixmap(w.ctx, pix);
			rc = 4;
			break;
		}
		fz_drop_pixmap(w.ctx, pix);
	}
	free(path);
	doc_drop(&w);
	fz_drop_context(w.ctx);
	close(w.out);
	return rc;
}
