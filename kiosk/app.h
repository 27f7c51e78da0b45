/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * app — the room display: the SDL window (or an off-screen surface), the
 * UI thread's event loop, and what ties the other modules together.
 *
 * Design note. The UI thread owns the room (room.h), the layers' textures
 * and the page frames; the net thread (net.h) and the render thread
 * (pages.h) post to it through SDL user events. Each pass of the loop:
 *
 *   SDL_WaitEventTimeout ─▶ net events ──▶ room_receive() ─▶ change bits
 *                        ├▶ frames     ──▶ frame cache (LRU, FRAMES_MAX)
 *                        ├▶ keys, window size
 *                        └▶ the 1 s tick (speaker's timer, result's end)
 *   change bits ─▶ want_page(): the presented page's key (doc, page, size)
 *     in the frame cache? show it : download the document (or the page
 *     image of a confidential one) and/or ask for an urgent render,
 *     keep showing what is on screen meanwhile; then pre-render the next
 *     page and the previous one
 *   dirty layers ─▶ scene_*() ─▶ textures ─▶ compose ─▶ present
 *
 * Invariants:
 *  1. What is on screen changes only to something newer: the page shown
 *     stays until the page that replaced it is drawn (no blank between
 *     pages), and a page drawn after a newer one was asked for is cached,
 *     never shown.
 *  2. Losing the connection changes the status line and raises the
 *     "reconnecting" notice; the page stays.
 *  3. Every failure to show a page (download, render, worker crash,
 *     timeout) ends as a message on the screen saying why; the loop goes on.
 *
 * Snapshot mode (--snapshot) composes into an off-screen surface with
 * SDL's software renderer (no window, no display needed) and writes the
 * frame once `after` hello replies and events have been applied and the
 * page they ask for is drawn, or after idle_ms with nothing to do.
 */
#ifndef KIOSK_APP_H
#define KIOSK_APP_H

#include <stdbool.h>

#include "i18n.h"

struct app_options {
	const char *url;        /* the display link */
	bool fullscreen;
	int w, h;               /* the window (or snapshot) size; 0: default */
	const char *snapshot;   /* write one frame there and exit */
	long after;             /* ... after this many hello replies + events */
	int idle_ms;            /* ... or after this long with nothing to do */
	enum lang lang;
	const char *cache_dir;  /* NULL: $XDG_CACHE_HOME/plenum-kiosk or ~/.cache/… */
	unsigned long long cache_max;   /* bytes of documents kept */
	bool insecure;          /* https: any certificate */
	const char *trace;      /* a line per frame shown, for the benchmark */
	int render_timeout_s;   /* a page's limit */
	const char *exe;        /* this program, for the render worker */
};

/* Runs the display until Q, the window's close button, SIGINT/SIGTERM or
 * (snapshot mode) the frame is written. Returns the process exit status:
 * 0, 1 (it could not start: a sentence on stderr), 2 (snapshot: written,
 * but the kiosk never got in step with the server). */
int app_run(const struct app_options *o);

#endif
