/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render — MuPDF, kept out of the server process.
 *
 * Every MuPDF call happens in a worker process (`plenum render-worker`),
 * never in the server: a document that crashes or hangs MuPDF takes down one
 * worker, which is killed and replaced, and the job fails with a message.
 *
 * Data flow:
 *
 *   loop thread ──render_page()/render_info()──▶ job queue (mutex)
 *                                                  │  (identical page jobs
 *                                                  │   coalesce into one)
 *   pool thread k ◀────────────────────────────────┘
 *     │ writes one job line to worker k's stdin, waits (poll, timeout)
 *     │ for one reply line; on timeout or EOF kills and respawns worker k
 *     ▼
 *   result queue (mutex) ──cfg.wake(cfg.wake_arg)──▶ loop thread wakes
 *   loop thread ──render_take()──▶ one result per request (its `user`)
 *
 * Invariants:
 *  1. render_new/render_free/render_page/render_info/render_take are called
 *     from one thread only (the event loop); cfg.wake is called from pool
 *     threads and must be thread-safe (lws_cancel_service is).
 *  2. Each accepted request yields exactly one result with its `user`
 *     pointer, unless render_free() comes first (then none).
 *  3. A page PNG is written to a temporary name and renamed into place, so a
 *     reader never sees half a file.
 */
#ifndef PLENUM_RENDER_H
#define PLENUM_RENDER_H

#include <stddef.h>

struct render;

struct render_config {
	const char *exe;        /* path of the plenum binary ("/proc/self/exe") */
	int workers;            /* worker processes; <= 0: one per core */
	int timeout_ms;         /* wall clock per job before the worker is killed */
	size_t mem_limit;       /* address-space limit of a worker, bytes; 0: 1 GiB */
	void (*wake)(void *arg);/* called from a pool thread when a result is ready */
	void *wake_arg;
	/* Office conversion (RENDER_CONVERT, office.h). */
	const char *soffice;    /* LibreOffice's soffice; NULL: looked up on PATH */
	const char *tmp_dir;    /* for profiles and output; NULL: no conversions */
	int convert_timeout_ms; /* wall clock per conversion; <= 0: 60 s */
};

enum render_kind {
	RENDER_INFO, RENDER_PAGE, RENDER_TEXT, RENDER_FIND, RENDER_CONVERT, RENDER_STORY,
	RENDER_PRINT
};

/* Bounds of a text job (render_text): the reply line carries the text of
 * at most RENDER_TEXT_PAGES pages, each cut at RENDER_TEXT_PAGE_MAX bytes,
 * and of page 1's job the outline, at most RENDER_OUTLINE_MAX entries with
 * titles of at most 300 bytes, nested at most 8 deep. JSON escaping at most
 * doubles that (control characters are replaced by spaces first), so a
 * reply stays under RENDER_TEXT_REPLY_MAX; a longer line is a protocol
 * error. */
#define RENDER_TEXT_PAGES 16
#define RENDER_TEXT_PAGE_MAX (64 * 1024)
#define RENDER_OUTLINE_MAX 500
#define RENDER_TEXT_REPLY_MAX ((size_t)4 << 20)
/* Rectangles in one find reply. */
#define RENDER_FIND_MAX 64

struct render_result {
	void *user;             /* as given to render_page/render_info */
	enum render_kind kind;
	int status;             /* 0, or negative errno: -EINVAL MuPDF cannot open or
	                         * draw it, -EACCES it needs a password, -ERANGE no
	                         * such page, -ENOENT no such file, -ENOMEM over the
	                         * worker's memory limit, -ETIMEDOUT killed after
	                         * timeout_ms, -EIO the worker crashed (or the PNG
	                         * could not be written) */
	int pages;              /* RENDER_INFO: page count */
	char error[256];        /* a sentence for a person when status != 0 */
	char *data;             /* RENDER_TEXT, RENDER_FIND with status 0: the
	                         * worker's reply line (JSON, see render.c);
	                         * the caller frees it. NULL otherwise */
};

/* Starts the pool. Returns NULL (and logs why) when the workers can't start. */
struct render *render_new(const struct render_config *cfg);
/* Kills the workers and joins the threads; pending results are dropped. NULL ok. */
void render_free(struct render *r);

/* Queues a render of page `page` (1-based) of `src` at `width` pixels wide, as
 * PNG written to `out_png`. `urgent` puts it before every non-urgent job.
 * Returns 0 or -ENOMEM (-EINVAL for a NULL r, src or out_png); the outcome of
 * the render comes later as a result. A job for an `out_png` already queued
 * or running is joined to that one (one render, one result per request; an
 * urgent request moves a queued job ahead). The directory of out_png is
 * created if missing; the image is `width` pixels wide, its height follows
 * the page, at most 4 × width and 16384 pixels (the rest is cut off). */
int render_page(struct render *r, const char *src, int page, int width,
		const char *out_png, int urgent, void *user);
/* render_page() with `mark` (UTF-8, at most RENDER_MARK_MAX bytes; NULL or
 * "" for none) drawn over the page: diagonal, translucent, repeated across
 * the whole image so that no crop of a readable part is free of it. Used for
 * confidential documents, whose images carry the viewer's name. The caller
 * gives each distinct mark its own out_png (jobs coalesce by out_png).
 * Returns as render_page(), and -EINVAL for a mark that is too long. */
#define RENDER_MARK_MAX 512
int render_page_marked(struct render *r, const char *src, int page, int width,
		       const char *mark, const char *out_png, int urgent, void *user);
/* Queues a page count of `src` (also proves MuPDF can open it). Returns 0 or
 * -ENOMEM (-EINVAL for a NULL r or src). */
int render_info(struct render *r, const char *src, void *user);
/* Queues a text job: the plain text of pages first … last (1-based, at most
 * RENDER_TEXT_PAGES of them; pages past the end are left out) and, when
 * first is 1, the outline. Non-urgent. The result's `data` is
 * {"status":0,"pages":N,"texts":["…",…],"outline":[{"title","page",
 * "children"}]} (caller frees). Returns 0, -ENOMEM or -EINVAL (NULL r or
 * src, or a bad range). Never coalesced with another job. */
int render_text(struct render *r, const char *src, int first, int last, void *user);
/* Queues a find of `query` on page `page`: the result's `data` is
 * {"status":0,"rects":[[x0,y0,x1,y1],…]} with the matches' rectangles as
 * fractions of the page's width and height (at most RENDER_FIND_MAX), the
 * words matched as search.h folds them (case and diacritics ignored).
 * Returns 0, -ENOMEM or -EINVAL. */
int render_find(struct render *r, const char *src, int page, const char *query,
		int urgent, void *user);
/* Queues the conversion of the Office file `src` to the PDF `out_pdf` by
 * LibreOffice (office_convert(), in a pool thread, with the profile
 * <tmp_dir>/lo-profile-<k> of pool thread k and cfg.convert_timeout_ms).
 * Returns 0, -ENOTSUP (no soffice, or no tmp_dir), -ENOMEM or -EINVAL
 * (NULL arguments). The result's status is 0 or as office_convert() gives
 * it (-ETIMEDOUT, -EINVAL, -EIO), with its sentence in error. */
int render_convert(struct render *r, const char *src, const char *out_pdf, void *user);
/* Queues the layout of the UTF-8 HTML file `html_path` as an A4 PDF written
 * to `out_pdf` (under a temporary name, then renamed), by MuPDF's Story API
 * in a worker process. `footer` (UTF-8, may be NULL) is drawn at the foot of
 * every page with "{page}" and "{pages}" replaced by the page number and
 * the page count, e.g. "Biên bản họp — Trang {page}/{pages}". Returns 0,
 * -ENOMEM or -EINVAL (NULL arguments, or a footer over RENDER_FOOTER_MAX
 * bytes or not UTF-8); the result (kind RENDER_STORY) has status 0 and the
 * page count in `pages`, or -EINVAL (MuPDF refused the HTML: empty, over
 * 8 MiB, or not fitting on pages), -ETIMEDOUT, -EIO (the worker crashed,
 * or the PDF could not be written: the directory of out_pdf must exist),
 * and rarely -ENOENT (no such HTML file) or -ENOMEM, with a sentence.
 * story.h says which HTML lays out well. Never coalesced; non-urgent. */
#define RENDER_FOOTER_MAX 512
int render_story(struct render *r, const char *html_path, const char *out_pdf,
		 const char *footer, void *user);
/* Queues the drawing of a meeting's printed material (invitation cards or
 * the door poster, printed.h) described by the JSON file `spec_path`, as a
 * PDF written to `out_pdf` (under a temporary name, then renamed), in a
 * worker process. Urgent: someone waits for it. Returns 0, -ENOMEM or
 * -EINVAL; the result (kind RENDER_PRINT) has status 0 and `pages`, or
 * -EINVAL, -ENOMEM, -ETIMEDOUT, -EIO with a sentence. */
int render_print(struct render *r, const char *spec_path, const char *out_pdf, void *user);
/* The soffice conversions run with, or NULL when there is none. Borrowed. */
const char *render_soffice(struct render *r);
/* Loop thread: moves one finished result into *res. Returns 1 if it did, 0 if
 * none is ready. */
int render_take(struct render *r, struct render_result *res);

/* Counters since render_new(), for /metrics and tests. */
struct render_stats {
	unsigned long jobs;      /* jobs a worker answered or failed on */
	unsigned long pages;     /* page images written */
	unsigned long coalesced; /* requests joined to a queued or running job */
	unsigned long timeouts;  /* jobs killed after timeout_ms */
	unsigned long crashes;   /* workers that died or broke the protocol */
	unsigned long spawns;    /* worker processes started */
	unsigned long queued;    /* jobs waiting now */
};
/* Copies the counters into *st (zeroes for a NULL r). Any thread. */
void render_stats_get(struct render *r, struct render_stats *st);

/* Blocking page count in a fresh worker process (for the command line).
 * Returns 0 and sets *pages, or a negative errno with a sentence in err. */
int render_info_sync(const char *exe, const char *src, int *pages,
		     char *err, size_t errlen);

/* The same as render_story(), blocking, in a fresh worker process (for the
 * command line and tests). Returns 0 or the result's negative errno, with a
 * sentence in err. */
int render_story_sync(const char *exe, const char *html_path, const char *out_pdf,
		      const char *footer, char *err, size_t errlen);

/* The worker process: `plenum render-worker`. Reads job lines on stdin and
 * answers one line each on stdout until EOF. Returns the exit status. */
int render_worker_main(int argc, char **argv);

/* The worker's open-and-render in this process, for fuzzing and tests: opens
 * `data` as a PDF from memory, counts its pages and draws page 1 at a small
 * width into a PNG in memory, under the worker's page-size clamp and
 * allocation cap. Returns 0, or a negative errno as in struct render_result
 * (-EINVAL, -EACCES, -ENOMEM) with a sentence in err. Keeps nothing between
 * calls; any thread, one call at a time per thread. */
int render_worker_probe(const unsigned char *data, size_t len, char *err,
			size_t errlen);

/* The fixed widths page images are rendered at; render_width_round() rounds a
 * requested width up to the nearest (and clamps to the largest). */
int render_width_round(int w);

#endif
