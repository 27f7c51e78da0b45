/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* library — see library.h. */
#include "library.h"
#include "log.h"
#include "meeting.h"
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((struct library_hasher *)0)->state),
	       "library_hasher too small");

void library_hasher_init(struct library_hasher *h)
{
	crypto_hash_sha256_init((crypto_hash_sha256_state *)(void *)h->state);
}

void library_hasher_update(struct library_hasher *h, const void *buf, size_t len)
{
	crypto_hash_sha256_update((crypto_hash_sha256_state *)(void *)h->state, buf, len);
}

void library_hasher_final(struct library_hasher *h, char sha[LIBRARY_SHA_LEN + 1])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final((crypto_hash_sha256_state *)(void *)h->state, d);
	sodium_bin2hex(sha, LIBRARY_SHA_LEN + 1, d, sizeof d);
}

int library_hash_file(const char *path, char sha[LIBRARY_SHA_LEN + 1])
{
	struct library_hasher h;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	library_hasher_init(&h);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		library_hasher_update(&h, buf, (size_t)n);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	library_hasher_final(&h, sha);
	return 0;
}

void library_ext(const char *filename, char out[16])
{
	static const char *known[] = {
		"pdf", "xps", "oxps", "epub", "cbz", "fb2", "png", "jpg", "jpeg",
		"tif", "tiff", "bmp", "gif", "docx", "doc", "odt", "xlsx", "xls",
		"ods", "pptx", "ppt", "odp", "rtf", "txt", NULL
	};
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	char e[16];
	size_t n = 0;

	snprintf(out, 16, "bin");
	if (!dot || strlen(dot + 1) >= sizeof e)
		return;
	for (const char *p = dot + 1; *p; p++)
		e[n++] = (char)tolower((unsigned char)*p);
	e[n] = 0;
	for (int i = 0; known[i]; i++)
		if (strcmp(e, known[i]) == 0)
			snprintf(out, 16, "%s", e);
}

void library_blob_path(const char *data_dir, const char *sha, const char *ext,
		       char *out, size_t n)
{
	snprintf(out, n, "%s/blobs/%s.%s", data_dir, sha, ext);
}

int library_copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	}
	if (n < 0)
		err = -errno;
	if (!err && fsync(out) < 0)
		err = -errno;
	close(in);
	close(out);
	return err;
}

/* Puts the content into the blob store (once) and records the blob row. */
static int blob_put(struct store *st, const char *data_dir, const char *src, int move,
		    const char *sha, const char *ext, int pages, char used_ext[16])
{
	char dir[4096], path[4200], tmp[4300], now[32];
	struct store_stmt *s;
	struct stat sb;
	int rc;

	s = store_prepare(st, "SELECT ext FROM blob WHERE sha256 = ?");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, sha);
	rc = store_step(s);
	if (rc == 1)
		snprintf(used_ext, 16, "%s", store_col_text(s, 0));
	store_reset(s);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		library_blob_path(data_dir, sha, used_ext, path, sizeof path);
		if (stat(path, &sb) == 0) {
			if (move)
				unlink(src);
			return 0;
		}
		/* The row is there but the file went missing: store it again. */
	} else {
		snprintf(used_ext, 16, "%s", ext);
	}

	snprintf(dir, sizeof dir, "%s/blobs", data_dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	library_blob_path(data_dir, sha, used_ext, path, sizeof path);
	if (move && rename(src, path) == 0)
		goto record;
	snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
	rc = library_copy_file(src, tmp);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	if (move)
		unlink(src);
record:
	if (stat(path, &sb) < 0)
		return -errno;
	auth_now_iso(now, 0);
	s = store_prepare(st, "INSERT OR IGNORE INTO blob (sha256, size, ext, pages, created) "
			      "VALUES (?, ?, ?, ?, ?)");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, sha);
	store_bind_int(s, 2, (int64_t)sb.st_size);
	store_bind_text(s, 3, used_ext);
	store_bind_int(s, 4, pages);
	store_bind_text(s, 5, now);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static char *default_title(const char *filename)
{
	const char *base = strrchr(filename, '/');
	base = base ? base + 1 : filename;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	char *t = strndup(base, n);
	for (char *p = t; p && *p; p++)
		if (*p == '_')
			*p = ' ';
	return t;
}

int library_add(struct store *st, const char *data_dir, const char *meeting,
		const char *item, const char *title, const char *filename,
		const char *src, int move, const char *sha, int pages,
		const char *actor, json_t **doc, json_t **event)
{
	return library_add_flags(st, data_dir, meeting, item, title, filename, src, move,
				 sha, pages, 0, actor, doc, event);
}

int library_add_flags(struct store *st, const char *data_dir, const char *meeting,
		      const char *item, const char *title, const char *filename,
		      const char *src, int move, const char *sha, int pages,
		      unsigned flags, const char *actor, json_t **doc, json_t **event)
{
	char id[AUTH_ID_LEN + 1], ext[16], used_ext[16], now[32];
	char *own_title = NULL;
	struct store_stmt *s;
	json_t *d = NULL;
	int rc;

	if (doc)
		*doc = NULL;
	if (event)
		*event = NULL;
	if (!title || !*title)
		title = own_title = default_title(filename);
	if (!meeting_text_ok(title, MEETING_TITLE_MAX, true)) {
		rc = -EINVAL;
		goto out;
	}
	library_ext(filename, ext);

	rc = store_begin(st);
	if (rc < 0)
		goto out;
	if (!meeting_exists(st, meeting) || (item && !meeting_item_belongs(st, meeting, item))) {
		rc = -ENOENT;
		goto fail;
	}
	rc = blob_put(st, data_dir, src, move, sha, ext, pages, used_ext);
	if (rc < 0)
		goto fail;

	auth_id_new(id);
	auth_now_iso(now, 0);
	/* Last of its item (the order of library.h). */
	s = store_prepare(st, "INSERT INTO document (id, meeting, item, title, filename, sha256, "
			      "pages, position, created, confidential) VALUES (?, ?, ?, ?, ?, ?, ?, "
			      "(SELECT COUNT(*) + 1 FROM document WHERE meeting = ? AND item IS ? "
			      "AND removed IS NULL), ?, ?)");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, item);
	store_bind_text(s, 4, title);
	store_bind_text(s, 5, filename);
	store_bind_text(s, 6, sha);
	store_bind_int(s, 7, pages);
	store_bind_text(s, 8, meeting);
	store_bind_text(s, 9, item);
	store_bind_text(s, 10, now);
	store_bind_int(s, 11, (flags & LIBRARY_CONFIDENTIAL) != 0);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	d = json_pack("{s:s, s:s, s:i, s:s?, s:b}", "id", id, "title", title, "pages", pages,
		      "item", item, "confidential", (flags & LIBRARY_CONFIDENTIAL) != 0);
	rc = meeting_event_append(st, meeting, "doc.added", actor,
				  json_pack("{s:O}", "doc", d), event);
	if (rc < 0)
		goto fail;
	rc = store_commit(st);
	if (rc < 0)
		goto fail;
	if (doc)
		*doc = json_incref(d);
	goto out;
fail:
	store_rollback(st);
	if (event) {
		json_decref(*event);
		*event = NULL;
	}
out:
	json_decref(d);
	free(own_title);
	return rc;
}

int library_doc_lookup(struct store *st, const char *doc, struct library_doc *out)
{
	struct store_stmt *s;
	int rc;

	if (!auth_id_valid(doc))
		return -ENOENT;
	s = store_prepare(st, "SELECT d.id, d.meeting, d.sha256, b.ext, d.pages, d.confidential "
			      "FROM document d JOIN blob b ON b.sha256 = d.sha256 "
			      "WHERE d.id = ? AND d.removed IS NULL");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, doc);
	rc = store_step(s);
	if (rc == 1) {
		snprintf(out->id, sizeof out->id, "%s", store_col_text(s, 0));
		snprintf(out->meeting, sizeof out->meeting, "%s", store_col_text(s, 1));
		snprintf(out->sha256, sizeof out->sha256, "%s", store_col_text(s, 2));
		snprintf(out->ext, sizeof out->ext, "%s", store_col_text(s, 3));
		out->pages = (int)store_col_int(s, 4);
		out->confidential = store_col_int(s, 5) != 0;
	}
	store_reset(s);
	return rc == 1 ? 0 : (rc == 0 ? -ENOENT : rc);
}

/* ---- managing a meeting's documents ------------------------------------- */

/* The item of a present document of `meeting` into item ("" for none).
 * Returns 0, -ENOENT, or a store error. */
static int doc_item(struct store *st, const char *meeting, const char *doc,
		    char item[AUTH_ID_LEN + 1])
{
	struct store_stmt *s;
	int rc;

	if (!auth_id_valid(doc))
		return -ENOENT;
	s = store_prepare(st, "SELECT item FROM document WHERE id = ? AND meeting = ? "
			      "AND removed IS NULL");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, doc);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc == 1)
		snprintf(item, AUTH_ID_LEN + 1, "%s",
			 store_col_null(s, 0) ? "" : store_col_text(s, 0));
	store_reset(s);
	return rc == 1 ? 0 : (rc == 0 ? -ENOENT : rc);
}

/* Numbers the present documents of (meeting, item) 1..n in their current
 * order, leaving out `skip`, and puts `insert` (may be NULL) at `at` (1..n+1)
 * with its item set. Inside the caller's transaction. Returns 0 or -errno. */
static int renumber(struct store *st, const char *meeting, const char *item,
		    const char *skip, const char *insert, int at)
{
	char (*ids)[AUTH_ID_LEN + 1] = NULL;
	size_t n = 0, cap = 0;
	struct store_stmt *s;
	int rc, pos = 0;

	s = store_prepare(st, "SELECT id FROM document WHERE meeting = ? AND item IS ? "
			      "AND removed IS NULL AND id <> ? ORDER BY position, created, id");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, item);
	store_bind_text(s, 3, skip);
	while ((rc = store_step(s)) == 1) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			void *p = realloc(ids, ncap * sizeof *ids);
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			ids = p;
			cap = ncap;
		}
		snprintf(ids[n++], AUTH_ID_LEN + 1, "%s", store_col_text(s, 0));
	}
	store_reset(s);
	if (rc < 0)
		goto out;

	s = store_prepare(st, "UPDATE document SET position = ?, item = ? WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; i <= n; i++) {
		const char *id[2] = { NULL, NULL };
		int k = 0;

		if (insert && (int)i + 1 == at)
			id[k++] = insert;
		if (i < n)
			id[k++] = ids[i];
		for (int j = 0; j < k; j++) {
			store_bind_int(s, 1, ++pos);
			store_bind_text(s, 2, item);
			store_bind_text(s, 3, id[j]);
			rc = store_step(s);
			store_reset(s);
			if (rc < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

/* Counts the present documents of (meeting, item) other than `skip`. */
static int count_docs(struct store *st, const char *meeting, const char *item, const char *skip)
{
	struct store_stmt *s = store_prepare(st, "SELECT COUNT(*) FROM document WHERE meeting = ? "
					     "AND item IS ? AND removed IS NULL AND id <> ?");
	int rc, n;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, item);
	store_bind_text(s, 3, skip);
	rc = store_step(s);
	n = rc == 1 ? (int)store_col_int(s, 0) : (rc == 0 ? -EIO : rc);
	store_reset(s);
	return n;
}

/* The checks every change below starts with, inside its transaction: the
 * meeting is open for changes and has the document; its item to `item`. */
static int doc_check(struct store *st, const char *meeting, const char *doc,
		     char item[AUTH_ID_LEN + 1])
{
	int rc = doc_item(st, meeting, doc, item);

	if (rc < 0)
		return rc;
	return meeting_is_closed(st, meeting) ? -EPERM : 0;
}

int library_doc_rename(struct store *st, const char *meeting, const char *doc,
		       const char *title, const char *actor, json_t **event)
{
	char item[AUTH_ID_LEN + 1];
	struct store_stmt *s;
	int rc;

	*event = NULL;
	if (!meeting_text_ok(title, MEETING_TITLE_MAX, true))
		return -EINVAL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = doc_check(st, meeting, doc, item);
	if (rc < 0)
		goto fail;
	s = store_prepare(st, "UPDATE document SET title = ? WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, title);
	store_bind_text(s, 2, doc);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	return meeting_event_commit(st, meeting, "doc.renamed", actor,
				    json_pack("{s:s, s:s}", "doc", doc, "title", title), event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int library_doc_move(struct store *st, const char *meeting, const char *doc,
		     const char *item, int position, const char *actor, json_t **event)
{
	char from[AUTH_ID_LEN + 1];
	int rc, n;

	*event = NULL;
	if (position < 1)
		return -EINVAL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = doc_check(st, meeting, doc, from);
	if (rc < 0)
		goto fail;
	if (item && !meeting_item_belongs(st, meeting, item)) {
		rc = -ENOENT;
		goto fail;
	}
	n = count_docs(st, meeting, item, doc);
	if (n < 0) {
		rc = n;
		goto fail;
	}
	if (position > n + 1) {
		rc = -EINVAL;
		goto fail;
	}
	if (strcmp(from, item ? item : "") != 0) {
		rc = renumber(st, meeting, from[0] ? from : NULL, doc, NULL, 0);
		if (rc < 0)
			goto fail;
	}
	rc = renumber(st, meeting, item, doc, doc, position);
	if (rc < 0)
		goto fail;
	return meeting_event_commit(st, meeting, "doc.moved", actor,
				    json_pack("{s:s, s:s?, s:i}", "doc", doc, "item", item,
					      "position", position), event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int library_doc_remove(struct store *st, const char *meeting, const char *doc,
		       const char *actor, json_t **event, json_t **stopped)
{
	char item[AUTH_ID_LEN + 1], now[32];
	struct store_stmt *s;
	int rc;

	*event = NULL;
	*stopped = NULL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = doc_check(st, meeting, doc, item);
	if (rc < 0)
		goto fail;
	/* First stop presenting it, so that no state a client passes through
	 * points at a document it no longer has. */
	rc = meeting_unpresent_doc(st, meeting, doc, actor, stopped);
	if (rc < 0)
		goto fail;
	auth_now_iso(now, 0);
	s = store_prepare(st, "UPDATE document SET removed = ? WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, doc);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	rc = renumber(st, meeting, item[0] ? item : NULL, doc, NULL, 0);
	if (rc < 0)
		goto fail;
	rc = meeting_event_append(st, meeting, "doc.removed", actor,
				  json_pack("{s:s}", "doc", doc), event);
	if (rc < 0)
		goto fail;
	rc = store_commit(st);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	meeting_tx_abort(st, event);
	json_decref(*stopped);
	*stopped = NULL;
	return rc;
}

int library_render_error_record(struct store *st, const char *sha, int page, const char *error)
{
	char now[32];
	struct store_stmt *s = store_prepare(st,
		"INSERT OR REPLACE INTO render_error (sha256, page, error, at) VALUES (?, ?, ?, ?)");

	if (!s)
		return -EIO;
	auth_now_iso(now, 0);
	store_bind_text(s, 1, sha);
	store_bind_int(s, 2, page);
	store_bind_text(s, 3, error);
	store_bind_text(s, 4, now);
	int rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int library_render_error_clear(struct store *st, const char *sha, int page)
{
	struct store_stmt *s = store_prepare(st,
		"DELETE FROM render_error WHERE sha256 = ? AND page = ?");

	if (!s)
		return -EIO;
	store_bind_text(s, 1, sha);
	store_bind_int(s, 2, page);
	int rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}
