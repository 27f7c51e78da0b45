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

static int copy_file(const char *from, const char *to)
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
	rc = copy_file(src, tmp);
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
	s = store_prepare(st, "INSERT INTO document (id, meeting, item, title, filename, sha256, "
			      "pages, position, created) VALUES (?, ?, ?, ?, ?, ?, ?, "
			      "(SELECT COUNT(*) + 1 FROM document WHERE meeting = ?), ?)");
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
	store_bind_text(s, 9, now);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	d = json_pack("{s:s, s:s, s:i, s:s?}", "id", id, "title", title, "pages", pages, "item", item);
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
	s = store_prepare(st, "SELECT d.id, d.meeting, d.sha256, b.ext, d.pages FROM document d "
			      "JOIN blob b ON b.sha256 = d.sha256 WHERE d.id = ?");
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
	}
	store_reset(s);
	return rc == 1 ? 0 : (rc == 0 ? -ENOENT : rc);
}
