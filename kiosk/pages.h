/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pages — document pages drawn at the screen's exact size, by MuPDF, in a
 * worker process (`plenum-kiosk --render-worker`, pages_worker.c).
 *
 * Why a process and not a thread: MuPDF cannot be stopped in the middle of
 * parsing, and a hostile or broken document can crash it or run it out of
 * memory. In a process of its own that takes down the worker alone: the
 * render thread sees it die (or kills it after timeout_ms), reports the
 * page as failed with a reason, and starts a new worker for the next page.
 * The room screen keeps running and says why the page is missing.
 *
 * Data flow:
 *
 *   UI thread ──pages_request()──▶ queue (mutex): urgent jobs first; a new
 *                                   urgent job drops the older urgent ones
 *                                   (the room has moved on); pre-renders
 *                                   queue behind, identical ones coalesce
 *   render thread ◀─────────────────┘
 *     │ writes one request to the worker's stdin, reads one reply header
 *     │ and w × h × 4 bytes of pixels from its stdout (poll, deadline)
 *     ▼
 *   results (mutex) ──cfg.wake()──▶ UI thread ──pages_take()──▶ frames
 *
 * Invariants:
 *  1. pages_new/free/request/take are called from one thread (the UI's);
 *     cfg.wake is called from the render thread and must be thread-safe
 *     (SDL_PushEvent is).
 *  2. Every job accepted yields exactly one frame (with status 0 or a
 *     negative errno), unless it is dropped for a newer urgent job or
 *     pages_free() comes first.
 *  3. A frame is the page fitted into the job's w × h (layout_fit()),
 *     opaque RGBA, never larger than PAGES_MAX_SIDE a side.
 *  4. The worker never lives longer than the kiosk (PR_SET_PDEATHSIG) and
 *     never runs past timeout_ms on one page.
 */
#ifndef KIOSK_PAGES_H
#define KIOSK_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGES_MAX_SIDE 8192
#define PAGES_KEY_MAX 160
#define PAGES_PATH_MAX 1024

struct pages;

struct pages_config {
	const char *exe;                /* the kiosk, run as `exe --render-worker` */
	int timeout_ms;                 /* a page's wall-clock limit; <= 0: 20 s */
	size_t mem_limit;               /* the worker's address space; 0: 1 GiB */
	void (*wake)(void *arg);        /* a frame is ready (render thread) */
	void *wake_arg;
};

struct pages_job {
	char key[PAGES_KEY_MAX];        /* the caller's name for it, given back */
	char path[PAGES_PATH_MAX];      /* a document (PDF, XPS, …) or an image */
	int page;                       /* 1-based */
	int w, h;                       /* the area the page is fitted into */
	bool urgent;                    /* the page the room waits for */
	bool remove_after;              /* path is a temporary file: delete it when done */
};

struct pages_frame {
	char key[PAGES_KEY_MAX];
	bool urgent;
	int status;                     /* 0, or -EINVAL (MuPDF cannot read it), -EACCES
	                                 * (a password), -ERANGE (no such page), -ENOMEM,
	                                 * -ETIMEDOUT (killed), -EIO (the worker died) */
	char error[256];                /* the worker's sentence, for the log */
	int w, h;                       /* the fitted page in pixels */
	unsigned char *rgba;            /* w × h × 4 bytes, opaque; NULL on error */
	int pages;                      /* the document's page count, when known */
};

/* Starts the render thread (the worker starts with the first job).
 * Returns 0 or a negative errno with a sentence in err. */
int pages_new(struct pages **out, const struct pages_config *cfg, char *err, size_t errlen);

/* Stops the render thread and the worker; frames not taken are freed. */
void pages_free(struct pages *p);

/* Queues a job (copied). Returns 0, -EINVAL (a size or page out of range)
 * or -ENOMEM. */
int pages_request(struct pages *p, const struct pages_job *job);

/* Whether a job with this key is queued or being drawn. */
bool pages_busy(struct pages *p, const char *key);

/* The next finished frame (caller frees with pages_frame_free), or NULL. */
struct pages_frame *pages_take(struct pages *p);
void pages_frame_free(struct pages_frame *f);

/* The worker process: reads requests on stdin, answers on stdout, until
 * EOF. Returns the process's exit status. (main.c, `--render-worker`) */
int pages_worker_main(void);

/* ---- the wire between the render thread and its worker ---- */

#define PAGES_MAGIC 0x504b5731u         /* "PKW1" */

struct pages_wire_req {
	uint32_t magic;
	int32_t page, w, h;
	uint32_t path_len;              /* followed by the path, without NUL */
};

struct pages_wire_rep {
	uint32_t magic;
	int32_t status, w, h, pages;
	char error[256];                /* followed by w × h × 4 bytes when status is 0 */
};

#endif
