/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fz_cap — a counting, capped allocator for MuPDF (see fz_cap.h). Each
 * block carries its size in a header in front of it.
 */
#include "fz_cap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The size header in front of each counted block; 16 keeps malloc's
 * alignment for every type MuPDF stores. */
#define FZ_CAP_HDR 16

static void *cap_malloc(void *user, size_t size)
{
	struct fz_cap *a = user;
	unsigned char *p;

	if (size > a->max - a->used || size > SIZE_MAX - FZ_CAP_HDR)
		return NULL;
	p = malloc(size + FZ_CAP_HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof size);
	a->used += size;
	return p + FZ_CAP_HDR;
}

static void cap_free(void *user, void *ptr)
{
	struct fz_cap *a = user;
	unsigned char *p;
	size_t size;

	if (!ptr)
		return;
	p = (unsigned char *)ptr - FZ_CAP_HDR;
	memcpy(&size, p, sizeof size);
	a->used -= size;
	free(p);
}

static void *cap_realloc(void *user, void *old, size_t size)
{
	struct fz_cap *a = user;
	unsigned char *p, *q;
	size_t was;

	if (!old)
		return cap_malloc(user, size);
	if (size == 0) {
		cap_free(user, old);
		return NULL;
	}
	p = (unsigned char *)old - FZ_CAP_HDR;
	memcpy(&was, p, sizeof was);
	if ((size > was && size - was > a->max - a->used) ||
	    size > SIZE_MAX - FZ_CAP_HDR)
		return NULL;
	q = realloc(p, size + FZ_CAP_HDR);
	if (!q)
		return NULL;
	memcpy(q, &size, sizeof size);
	a->used = a->used - was + size;
	return q + FZ_CAP_HDR;
}

fz_alloc_context fz_cap_allocator(struct fz_cap *cap, size_t max)
{
	fz_alloc_context alloc = {
		.user = cap, .malloc = cap_malloc, .realloc = cap_realloc, .free = cap_free,
	};

	cap->used = 0;
	cap->max = max;
	return alloc;
}
