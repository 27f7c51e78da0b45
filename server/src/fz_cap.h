/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fz_cap — a MuPDF allocator that counts what it hands out and refuses past
 * a cap, so that a hostile or huge document makes MuPDF fail an allocation
 * (and empty its store, then give up with an error) instead of taking the
 * machine's memory. The render worker (server) and the kiosk's page worker
 * both use it.
 *
 * Invariant: `used` is the sum of the sizes of the blocks alive; no block
 * is handed out that would take it past `max`.
 *
 * Threads: one fz_cap per fz_context, used by that context's thread only.
 */
#ifndef PLENUM_FZ_CAP_H
#define PLENUM_FZ_CAP_H

#include <stddef.h>

#include <mupdf/fitz.h>

/* Bytes MuPDF holds now, and the most it may hold. */
struct fz_cap {
	size_t used;
	size_t max;
};

/* An allocator counting against `cap`, which starts empty with room for
 * `max` bytes; give it to fz_new_context(), which copies it. */
fz_alloc_context fz_cap_allocator(struct fz_cap *cap, size_t max);

#endif
