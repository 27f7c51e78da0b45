/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * library — a meeting's documents: content-addressed storage on disk and
 * their metadata in the store.
 *
 * Files live once per content, at <data>/blobs/<sha256>.<ext>, however many
 * meetings or agenda items use them; the `document` row ties a file to a
 * meeting with a title. The extension is kept because MuPDF picks its
 * document handler by it.
 *
 * Threads: the thread that owns the store; library_hash_file() from any.
 */
#ifndef PLENUM_LIBRARY_H
#define PLENUM_LIBRARY_H

#include <jansson.h>
#include <stddef.h>

#include "auth.h"

struct store;

#define LIBRARY_SHA_LEN 64

/* A document as the transport needs it. */
struct library_doc {
	char id[AUTH_ID_LEN + 1];
	char meeting[AUTH_ID_LEN + 1];
	char sha256[LIBRARY_SHA_LEN + 1];
	char ext[16];
	int pages;
};

/* Incremental SHA-256 for uploads that arrive in pieces. */
struct library_hasher {
	unsigned char state[512]; /* holds a crypto_hash_sha256_state */
};
void library_hasher_init(struct library_hasher *h);
void library_hasher_update(struct library_hasher *h, const void *buf, size_t len);
void library_hasher_final(struct library_hasher *h, char sha[LIBRARY_SHA_LEN + 1]);

/* SHA-256 of a file, hex. Returns 0 or -errno. */
int library_hash_file(const char *path, char sha[LIBRARY_SHA_LEN + 1]);

/* The normalised extension of a file name ("pdf", "png", …; "bin" when it
 * has none or an odd one). Borrowed static string or a copy in out. */
void library_ext(const char *filename, char out[16]);

/* <data>/blobs/<sha>.<ext> */
void library_blob_path(const char *data_dir, const char *sha, const char *ext,
		       char *out, size_t n);

/* Adds a document: moves (move != 0) or copies `src` into the blob store
 * unless that content is there already, then records the document and
 * appends `doc.added`. title NULL: the file name without extension. item
 * may be NULL. *doc (may be NULL) gets {id,title,pages,item}; *event (may be
 * NULL) the event. Returns 0, -ENOENT (no such meeting or item), -EINVAL
 * (title too long), or an I/O or store error. */
int library_add(struct store *st, const char *data_dir, const char *meeting,
		const char *item, const char *title, const char *filename,
		const char *src, int move, const char *sha, int pages,
		const char *actor, json_t **doc, json_t **event);

/* Looks a document up by id. Returns 0 or -ENOENT. */
int library_doc_lookup(struct store *st, const char *doc, struct library_doc *out);

#endif
