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
 * A meeting's documents are ordered by agenda item, then by `position`,
 * which counts 1..n without gaps among the present (not removed) documents
 * of one item (or of "no item"). Every change below keeps that true in the
 * same transaction as its event.
 *
 * Removing a document keeps its row, with `removed` set to the time, so that
 * the event log still names it; a removed document is gone from the
 * snapshot, cannot be presented or moved, and library_doc_lookup() no longer
 * finds it, so its page images and file answer 404 for every role.
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
	int confidential;       /* 1: page images only with the viewer's name on them */
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

/* Copies a file and fsyncs the copy. Returns 0 or -errno. */
int library_copy_file(const char *from, const char *to);

/* <data>/blobs/<sha>.<ext> */
void library_blob_path(const char *data_dir, const char *sha, const char *ext,
		       char *out, size_t n);

/* Adds a document: moves (move != 0) or copies `src` into the blob store
 * unless that content is there already, then records the document and
 * appends `doc.added`. title NULL: the file name without extension. item
 * may be NULL. *doc (may be NULL) gets {id,title,pages,item,confidential}; *event (may be
 * NULL) the event. Returns 0, -ENOENT (no such meeting or item), -EINVAL
 * (title too long), or an I/O or store error. */
int library_add(struct store *st, const char *data_dir, const char *meeting,
		const char *item, const char *title, const char *filename,
		const char *src, int move, const char *sha, int pages,
		const char *actor, json_t **doc, json_t **event);

/* library_add() with flags: LIBRARY_CONFIDENTIAL marks the document
 * confidential (its `confidential` column, and "confidential": true in
 * *doc and the event; library_add() gives false). Returns as library_add(). */
#define LIBRARY_CONFIDENTIAL 1u
int library_add_flags(struct store *st, const char *data_dir, const char *meeting,
		      const char *item, const char *title, const char *filename,
		      const char *src, int move, const char *sha, int pages,
		      unsigned flags, const char *actor, json_t **doc, json_t **event);

/* Remembers that page `page` of the content `sha` could not be rendered, and
 * why (the sentence a person reads), so the chair and secretary see it in
 * the document's `errors` until a later render of that page succeeds.
 * Returns 0 or a store error. */
int library_render_error_record(struct store *st, const char *sha, int page, const char *error);
/* Forgets the error of a page that rendered after all. */
int library_render_error_clear(struct store *st, const char *sha, int page);

/* Looks a document up by id. Returns 0, or -ENOENT (unknown or removed). */
int library_doc_lookup(struct store *st, const char *doc, struct library_doc *out);

/* Renames a document of `meeting`: one transaction with the event
 * `doc.renamed` {doc, title} in *event (caller owns). title: a title by
 * meeting_text_ok(), at most 300 characters. Returns 0, -ENOENT (no such
 * document in this meeting, or removed), -EINVAL (bad title), -EPERM (the
 * meeting is closed), or a store error. */
int library_doc_rename(struct store *st, const char *meeting, const char *doc,
		       const char *title, const char *actor, json_t **event);

/* Moves a document to agenda item `item` (NULL: no item) at the 1-based
 * `position` among that item's documents; the documents of the item it
 * leaves and of the item it joins are renumbered 1..n. One transaction with
 * the event `doc.moved` {doc, item, position} in *event. Returns 0,
 * -ENOENT (no such document or item in this meeting), -EINVAL (position
 * below 1 or past the end of the item's list), -EPERM (meeting closed), or
 * a store error. */
int library_doc_move(struct store *st, const char *meeting, const char *doc,
		     const char *item, int position, const char *actor, json_t **event);

/* Removes a document from `meeting` (the row stays, marked removed; the
 * other documents of its item are renumbered). If it is being presented,
 * presenting stops in the same transaction: *stopped gets that `presented`
 * event (doc null), which comes before `doc.removed` {doc} in the log;
 * otherwise *stopped is NULL. Returns 0, -ENOENT (no such document, or
 * removed already), -EPERM (meeting closed), or a store error. */
int library_doc_remove(struct store *st, const char *meeting, const char *doc,
		       const char *actor, json_t **event, json_t **stopped);

#endif
