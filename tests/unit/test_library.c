/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_library — documents (library.c): SHA-256 of files, normalised
 * extensions, content-addressed blobs stored once under <data>/blobs, the
 * document rows, default titles and the doc.added event; renaming, moving
 * and removing documents, with positions kept 1..n per agenda item.
 *
 * Each test has its own temporary data directory with a fresh database and
 * one meeting. library_add() does not open documents, so most tests add
 * small files they write; one copies tests/data/pdflatex-4-pages.pdf
 * (PLENUM_TEST_DATA).
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "auth.h"
#include "library.h"
#include "meeting.h"
#include "store.h"

/* FIPS 180-2 appendix B and the empty message. */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

struct fixture {
	char dir[64];
	struct store *st;
	struct auth_key key;
	struct meeting_created m;
	char item[AUTH_ID_LEN + 1];
};

static int setup(void **state)
{
	static const char *const agenda[] = { "Khai mạc", "Báo cáo" };
	struct meeting_new m = { .title = "Họp", .agenda = agenda, .nagenda = 2 };
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "library");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(auth_key_load(f->dir, &f->key), 0);
	assert_int_equal(meeting_create(f->st, &f->key, &m, &f->m), 0);
	assert_int_equal(meeting_item_at(f->st, f->m.id, 2, f->item), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* Writes `len` bytes to <dir>/<name>; the path goes to `path`. */
static void write_file(const struct fixture *f, const char *name, const void *buf, size_t len,
		       char path[256])
{
	snprintf(path, 256, "%s/%s", f->dir, name);
	file_put(path, buf, len);
}

static bool exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* The names in <dir>/blobs, sorted into one string ("a b "); "" if none. */
static void blobs(const struct fixture *f, char *out, size_t n)
{
	char path[128];
	struct dirent **list;
	int count;

	out[0] = 0;
	snprintf(path, sizeof path, "%s/blobs", f->dir);
	count = scandir(path, &list, NULL, alphasort);
	for (int i = 0; i < count; i++) {
		if (list[i]->d_name[0] != '.') {
			strncat(out, list[i]->d_name, n - strlen(out) - 1);
			strncat(out, " ", n - strlen(out) - 1);
		}
		free(list[i]);
	}
	if (count >= 0)
		free(list);
}

/* library_add of the file at `src` with its own hash; the new id to `id`. */
static int add(struct fixture *f, const char *item, const char *title, const char *filename,
	       const char *src, int move, int pages, json_t **doc, json_t **event)
{
	char sha[LIBRARY_SHA_LEN + 1];

	assert_int_equal(library_hash_file(src, sha), 0);
	return library_add(f->st, f->dir, f->m.id, item, title, filename, src, move, sha, pages,
			   "chairperson1", doc, event);
}

static const char *doc_id(json_t *doc)
{
	return json_string_value(json_object_get(doc, "id"));
}

/* ---- hashing --------------------------------------------------------------- */

static void hash_file_known_vectors(void **state)
{
	struct fixture *f = *state;
	char path[256], sha[LIBRARY_SHA_LEN + 1];
	size_t big = 1000000;
	char *million = malloc(big);

	write_file(f, "abc.txt", "abc", 3, path);
	assert_int_equal(library_hash_file(path, sha), 0);
	assert_string_equal(sha, SHA_ABC);

	write_file(f, "empty.txt", "", 0, path);
	assert_int_equal(library_hash_file(path, sha), 0);
	assert_string_equal(sha, SHA_EMPTY);

	/* Longer than the read buffer, so it is hashed in several reads. */
	assert_non_null(million);
	memset(million, 'a', big);
	write_file(f, "million.txt", million, big, path);
	free(million);
	assert_int_equal(library_hash_file(path, sha), 0);
	assert_string_equal(sha, SHA_MILLION_A);

	snprintf(path, sizeof path, "%s/missing", f->dir);
	assert_int_equal(library_hash_file(path, sha), -ENOENT);
}

static void hasher_in_pieces(void **state)
{
	struct library_hasher h;
	char sha[LIBRARY_SHA_LEN + 1];

	(void)state;
	library_hasher_init(&h);
	library_hasher_update(&h, "a", 1);
	library_hasher_update(&h, "", 0);
	library_hasher_update(&h, "bc", 2);
	library_hasher_final(&h, sha);
	assert_string_equal(sha, SHA_ABC);
}

/* ---- names ------------------------------------------------------------------ */

static void ext_is_normalised(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "Report.PDF", "pdf" }, { "report.pdf", "pdf" }, { "x.exe", "bin" },
		{ "noext", "bin" }, { "slides.PpTx", "pptx" }, { "scan.JPEG", "jpeg" },
		{ "archive.tar.gz", "bin" }, { "a.b.docx", "docx" }, { "trailing.", "bin" },
		{ "Báo cáo tài chính.pdf", "pdf" }, { "dir.pdf/file", "bin" },
		{ "x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bin" }, { "", "bin" }, { NULL, "bin" },
	};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(out, 'z', sizeof out);
		library_ext(cases[i].in, out);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("library_ext(\"%s\") = \"%s\", expected \"%s\"",
				 cases[i].in ? cases[i].in : "(null)", out, cases[i].out);
	}
}

static void blob_path_layout(void **state)
{
	char path[256];

	(void)state;
	library_blob_path("/srv/plenum", SHA_ABC, "pdf", path, sizeof path);
	assert_string_equal(path, "/srv/plenum/blobs/" SHA_ABC ".pdf");
}

/* ---- adding documents --------------------------------------------------------- */

static void same_content_is_stored_once(void **state)
{
	struct fixture *f = *state;
	static const char content[] = "%PDF-1.7 the same bytes twice\n";
	char a[256], b[256], c[256], listing[512], want[512], blob[256];
	struct library_doc da, db;
	json_t *doc1 = NULL, *doc2 = NULL, *doc3 = NULL;

	write_file(f, "a.pdf", content, sizeof content - 1, a);
	write_file(f, "b.pdf", content, sizeof content - 1, b);
	assert_int_equal(add(f, NULL, NULL, "Báo cáo.pdf", a, 0, 3, &doc1, NULL), 0);
	assert_int_equal(add(f, f->item, NULL, "Bản sao.pdf", b, 0, 3, &doc2, NULL), 0);
	assert_string_not_equal(doc_id(doc1), doc_id(doc2));

	/* Two documents, one file named by its content. */
	char sha[LIBRARY_SHA_LEN + 1];
	assert_int_equal(library_hash_file(a, sha), 0);
	blobs(f, listing, sizeof listing);
	snprintf(want, sizeof want, "%s.pdf ", sha);
	assert_string_equal(listing, want);
	library_blob_path(f->dir, sha, "pdf", blob, sizeof blob);
	char back[LIBRARY_SHA_LEN + 1];
	assert_int_equal(library_hash_file(blob, back), 0);
	assert_string_equal(back, sha);

	assert_int_equal(library_doc_lookup(f->st, doc_id(doc1), &da), 0);
	assert_int_equal(library_doc_lookup(f->st, doc_id(doc2), &db), 0);
	assert_string_equal(da.sha256, db.sha256);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM blob", NULL), 1);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM document", NULL), 2);

	/* Copied, not moved: the sources are still there. */
	assert_true(exists(a));
	assert_true(exists(b));

	/* Other content is another blob. */
	write_file(f, "c.pdf", "%PDF-1.7 other\n", 15, c);
	assert_int_equal(add(f, NULL, NULL, "c.pdf", c, 0, 1, &doc3, NULL), 0);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM blob", NULL), 2);
	blobs(f, listing, sizeof listing);
	assert_int_equal(strlen(listing), 2 * (LIBRARY_SHA_LEN + 5));

	json_decref(doc1);
	json_decref(doc2);
	json_decref(doc3);
}

static void move_takes_the_upload(void **state)
{
	struct fixture *f = *state;
	char a[256], b[256], listing[512];

	write_file(f, "upload-1", "same", 4, a);
	write_file(f, "upload-2", "same", 4, b);
	assert_int_equal(add(f, NULL, NULL, "x.png", a, 1, 1, NULL, NULL), 0);
	assert_false(exists(a));
	/* Known content: the second upload is dropped, not stored again. */
	assert_int_equal(add(f, NULL, NULL, "y.png", b, 1, 1, NULL, NULL), 0);
	assert_false(exists(b));
	blobs(f, listing, sizeof listing);
	assert_int_equal(strlen(listing), LIBRARY_SHA_LEN + 5);
	assert_non_null(strstr(listing, ".png "));
}

static void same_content_keeps_first_extension(void **state)
{
	struct fixture *f = *state;
	char a[256], b[256], path[256];
	struct library_doc d;
	json_t *doc = NULL;

	write_file(f, "a", "bytes", 5, a);
	write_file(f, "b", "bytes", 5, b);
	assert_int_equal(add(f, NULL, NULL, "scan.PNG", a, 0, 1, NULL, NULL), 0);
	assert_int_equal(add(f, NULL, NULL, "scan.tiff", b, 0, 1, &doc, NULL), 0);
	/* The document points at the one file there is. */
	assert_int_equal(library_doc_lookup(f->st, doc_id(doc), &d), 0);
	assert_string_equal(d.ext, "png");
	library_blob_path(f->dir, d.sha256, d.ext, path, sizeof path);
	assert_true(exists(path));
	json_decref(doc);
}

static void missing_blob_is_stored_again(void **state)
{
	struct fixture *f = *state;
	char a[256], path[256];
	struct library_doc d;
	json_t *doc = NULL;

	write_file(f, "a.pdf", "content", 7, a);
	assert_int_equal(add(f, NULL, NULL, "a.pdf", a, 0, 1, &doc, NULL), 0);
	assert_int_equal(library_doc_lookup(f->st, doc_id(doc), &d), 0);
	library_blob_path(f->dir, d.sha256, d.ext, path, sizeof path);
	assert_int_equal(unlink(path), 0);
	json_decref(doc);

	assert_int_equal(add(f, NULL, NULL, "a.pdf", a, 0, 1, NULL, NULL), 0);
	assert_true(exists(path));
}

static void real_pdf_is_copied_intact(void **state)
{
	struct fixture *f = *state;
	const char *data = getenv("PLENUM_TEST_DATA");
	char src[512], sha[LIBRARY_SHA_LEN + 1], blob[256], back[LIBRARY_SHA_LEN + 1];
	struct library_doc d;
	json_t *doc = NULL;

	if (!data)
		skip();
	snprintf(src, sizeof src, "%s/pdflatex-4-pages.pdf", data);
	assert_int_equal(library_hash_file(src, sha), 0);
	assert_int_equal(library_add(f->st, f->dir, f->m.id, NULL, NULL, "pdflatex-4-pages.pdf", src,
				     0, sha, 4, NULL, &doc, NULL), 0);
	assert_true(exists(src)); /* never move a file we were only shown */
	assert_string_equal(json_string_value(json_object_get(doc, "title")), "pdflatex-4-pages");
	assert_int_equal(library_doc_lookup(f->st, doc_id(doc), &d), 0);
	assert_string_equal(d.sha256, sha);
	assert_string_equal(d.ext, "pdf");
	assert_int_equal(d.pages, 4);
	library_blob_path(f->dir, sha, "pdf", blob, sizeof blob);
	assert_int_equal(library_hash_file(blob, back), 0);
	assert_string_equal(back, sha);
	json_decref(doc);
}

static void default_title_is_file_name(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *title, *filename, *want;
	} cases[] = {
		{ NULL, "Report Q3.PDF", "Report Q3" },
		{ "", "Báo cáo tài chính.docx", "Báo cáo tài chính" },
		{ NULL, "a.b.pdf", "a.b" },
		{ NULL, "noext", "noext" },
		{ NULL, ".hidden", ".hidden" },
		{ "Given title", "whatever.pdf", "Given title" },
	};
	char src[256];

	write_file(f, "src", "x", 1, src);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *doc = NULL;
		assert_int_equal(add(f, NULL, cases[i].title, cases[i].filename, src, 0, 1, &doc, NULL),
				 0);
		if (strcmp(json_string_value(json_object_get(doc, "title")), cases[i].want) != 0)
			fail_msg("title of \"%s\" is \"%s\", expected \"%s\"", cases[i].filename,
				 json_string_value(json_object_get(doc, "title")), cases[i].want);
		json_decref(doc);
	}
}

static void unknown_item_or_meeting_is_enoent(void **state)
{
	struct fixture *f = *state;
	static const char *const agenda[] = { "Khác" };
	struct meeting_new other = { .title = "Khác", .agenda = agenda, .nagenda = 1 };
	struct meeting_created o;
	char src[256], sha[LIBRARY_SHA_LEN + 1], listing[512], other_item[AUTH_ID_LEN + 1];
	json_t *doc = (json_t *)1, *ev = (json_t *)1;
	int64_t seq = meeting_seq(f->st, f->m.id);

	assert_int_equal(meeting_create(f->st, &f->key, &other, &o), 0);
	assert_int_equal(meeting_item_at(f->st, o.id, 1, other_item), 0);
	write_file(f, "a.pdf", "content", 7, src);
	assert_int_equal(library_hash_file(src, sha), 0);

	assert_int_equal(library_add(f->st, f->dir, f->m.id, "nosuchitem00", NULL, "a.pdf", src, 1,
				     sha, 1, NULL, &doc, &ev), -ENOENT);
	assert_null(doc);
	assert_null(ev);
	/* An item of another meeting is not an item of this one. */
	assert_int_equal(library_add(f->st, f->dir, f->m.id, other_item, NULL, "a.pdf", src, 1,
				     sha, 1, NULL, &doc, &ev), -ENOENT);
	assert_int_equal(library_add(f->st, f->dir, "nosuchmeetin", NULL, NULL, "a.pdf", src, 1,
				     sha, 1, NULL, &doc, &ev), -ENOENT);

	/* Nothing written, nothing logged, the upload left alone. */
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM document", NULL), 0);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM blob", NULL), 0);
	assert_int_equal(meeting_seq(f->st, f->m.id), seq);
	blobs(f, listing, sizeof listing);
	assert_string_equal(listing, "");
	assert_true(exists(src));
}

static void bad_title_is_einval(void **state)
{
	struct fixture *f = *state;
	char src[256], bytes[MEETING_TITLE_MAX + 2];
	json_t *doc = (json_t *)1;

	write_file(f, "a.pdf", "content", 7, src);
	memset(bytes, 'x', sizeof bytes - 1);
	bytes[sizeof bytes - 1] = 0;
	assert_int_equal(add(f, NULL, bytes, "a.pdf", src, 0, 1, &doc, NULL), -EINVAL);
	assert_null(doc);
	assert_int_equal(add(f, NULL, "B\xe1o c\xe1o", "a.pdf", src, 0, 1, &doc, NULL), -EINVAL);
	/* A file name that is not UTF-8 gives a title that is not either. */
	assert_int_equal(add(f, NULL, NULL, "B\xe1o.pdf", src, 0, 1, &doc, NULL), -EINVAL);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM document", NULL), 0);
}

/* meeting.h: MEETING_TITLE_MAX is 300 characters; a document title is a
 * title too. */
static void title_over_300_characters_is_einval(void **state)
{
	struct fixture *f = *state;
	char src[256], ascii[MEETING_TITLE_MAX / 4 + 2];
	json_t *doc = NULL;

	write_file(f, "a.pdf", "content", 7, src);
	memset(ascii, 'x', sizeof ascii - 1);
	ascii[sizeof ascii - 1] = 0; /* 301 characters */
	int rc = add(f, NULL, ascii, "a.pdf", src, 0, 1, &doc, NULL);
	json_decref(doc);
	assert_int_equal(rc, -EINVAL);
}

/* The title field of an upload goes to every screen: control characters
 * are refused as they are in meeting titles ("not text", says http.c). */
static void title_with_control_characters_is_einval(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = { "Line\nbreak", "\x1b[2Jcleared", "Tab\tbed", "Del\x7f" };
	char src[256];

	write_file(f, "a.pdf", "content", 7, src);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *doc = NULL;
		int rc = add(f, NULL, bad[i], "a.pdf", src, 0, 1, &doc, NULL);
		json_decref(doc);
		if (rc != -EINVAL)
			fail_msg("title %zu with a control character: got %d, expected -EINVAL", i, rc);
	}
}

/* ---- looking up and the event ------------------------------------------------ */

static void doc_lookup_round_trips(void **state)
{
	struct fixture *f = *state;
	char src[256], sha[LIBRARY_SHA_LEN + 1];
	struct library_doc d;
	json_t *doc = NULL;

	write_file(f, "slides.pptx", "PK slides", 9, src);
	assert_int_equal(library_hash_file(src, sha), 0);
	assert_int_equal(add(f, f->item, "Slides", "slides.PPTX", src, 0, 12, &doc, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "item")), f->item);
	assert_int_equal(json_integer_value(json_object_get(doc, "pages")), 12);

	memset(&d, 0, sizeof d);
	assert_int_equal(library_doc_lookup(f->st, doc_id(doc), &d), 0);
	assert_string_equal(d.id, doc_id(doc));
	assert_string_equal(d.meeting, f->m.id);
	assert_string_equal(d.sha256, sha);
	assert_string_equal(d.ext, "pptx");
	assert_int_equal(d.pages, 12);
	json_decref(doc);

	assert_int_equal(library_doc_lookup(f->st, "nosuchdocume", &d), -ENOENT);
	assert_int_equal(library_doc_lookup(f->st, "../../etc", &d), -ENOENT);
	assert_int_equal(library_doc_lookup(f->st, "", &d), -ENOENT);
}

static void doc_added_event(void **state)
{
	struct fixture *f = *state;
	char src[256];
	json_t *doc = NULL, *ev = NULL, *events = NULL;
	int64_t seq = meeting_seq(f->st, f->m.id);

	write_file(f, "a.pdf", "content", 7, src);
	assert_int_equal(add(f, NULL, "Tờ trình", "a.pdf", src, 0, 2, &doc, &ev), 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "doc.added");
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 1);
	assert_true(json_equal(json_object_get(ev, "doc"), doc));
	assert_true(json_is_null(json_object_get(json_object_get(ev, "doc"), "item")));
	assert_int_equal(meeting_seq(f->st, f->m.id), seq + 1);

	/* The same event is in the log, with its actor. */
	assert_int_equal(meeting_events_since(f->st, f->m.id, seq, 10, &events), 0);
	assert_int_equal(json_array_size(events), 1);
	assert_true(json_equal(json_array_get(events, 0), ev));
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM event WHERE type = 'doc.added' "
					  "AND actor = 'chairperson1'", NULL), 1);
	json_decref(events);
	json_decref(doc);
	json_decref(ev);
}

/* ---- renaming, moving and removing ------------------------------------------ */

/* Adds a small document with its own content into `item`; its id to id. */
static void add_doc(struct fixture *f, const char *item, const char *title,
		    char id[AUTH_ID_LEN + 1])
{
	char src[256], name[64];
	json_t *doc = NULL;

	snprintf(name, sizeof name, "%s.pdf", title);
	write_file(f, name, title, strlen(title), src);
	assert_int_equal(add(f, item, title, name, src, 0, 3, &doc, NULL), 0);
	snprintf(id, AUTH_ID_LEN + 1, "%s", doc_id(doc));
	json_decref(doc);
}

/* The titles of the snapshot's documents of `item` (NULL: none), in order,
 * as "a b c". */
static void titles(struct fixture *f, const char *item, char *out, size_t n)
{
	json_t *st = meeting_state(f->st, &f->key, "http://x", f->m.id), *d;
	size_t i;

	assert_non_null(st);
	out[0] = 0;
	json_array_foreach(json_object_get(st, "documents"), i, d) {
		const char *it = json_string_value(json_object_get(d, "item"));
		if ((item == NULL) != (it == NULL) || (item && strcmp(item, it) != 0))
			continue;
		if (out[0])
			strncat(out, " ", n - strlen(out) - 1);
		strncat(out, json_string_value(json_object_get(d, "title")), n - strlen(out) - 1);
	}
	json_decref(st);
}

/* The positions of the present documents of `item` are 1..n. */
static void positions_without_gaps(struct fixture *f, const char *item)
{
	int64_t n = query_int(f->st, "SELECT COUNT(*) FROM document WHERE item IS ?1 "
				     "AND removed IS NULL", item);
	int64_t sum = query_int(f->st, "SELECT COALESCE(SUM(position), 0) FROM document "
				       "WHERE item IS ?1 AND removed IS NULL", item);
	int64_t max = query_int(f->st, "SELECT COALESCE(MAX(position), 0) FROM document "
				       "WHERE item IS ?1 AND removed IS NULL", item);

	assert_int_equal(max, n);
	assert_int_equal(sum, n * (n + 1) / 2);
}

static void rename_changes_title_and_logs(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_ID_LEN + 1], out[256];
	json_t *ev = NULL;
	int64_t seq;

	add_doc(f, f->item, "draft", a);
	seq = meeting_seq(f->st, f->m.id);
	assert_int_equal(library_doc_rename(f->st, f->m.id, a, "Báo cáo chính thức", "sec", &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "doc.renamed");
	assert_string_equal(json_string_value(json_object_get(ev, "doc")), a);
	assert_string_equal(json_string_value(json_object_get(ev, "title")), "Báo cáo chính thức");
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 1);
	json_decref(ev);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "Báo cáo chính thức");

	/* Refusals change nothing and log nothing. */
	assert_int_equal(library_doc_rename(f->st, f->m.id, a, "", "sec", &ev), -EINVAL);
	assert_null(ev);
	assert_int_equal(library_doc_rename(f->st, f->m.id, a, "a\x01", "sec", &ev), -EINVAL);
	assert_int_equal(library_doc_rename(f->st, f->m.id, "nosuchdocume", "x", "sec", &ev), -ENOENT);
	assert_int_equal(library_doc_rename(f->st, "othermeeting", a, "x", "sec", &ev), -ENOENT);
	assert_int_equal(meeting_seq(f->st, f->m.id), seq + 1);
}

static void move_within_and_between_items(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_ID_LEN + 1], b[AUTH_ID_LEN + 1], c[AUTH_ID_LEN + 1], d[AUTH_ID_LEN + 1];
	char first[AUTH_ID_LEN + 1], out[256];
	json_t *ev = NULL;

	assert_int_equal(meeting_item_at(f->st, f->m.id, 1, first), 0);
	add_doc(f, f->item, "a", a);
	add_doc(f, f->item, "b", b);
	add_doc(f, f->item, "c", c);
	add_doc(f, NULL, "d", d);
	positions_without_gaps(f, f->item);
	positions_without_gaps(f, NULL);

	/* c to the top of its own item. */
	assert_int_equal(library_doc_move(f->st, f->m.id, c, f->item, 1, "chair", &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "doc.moved");
	assert_string_equal(json_string_value(json_object_get(ev, "item")), f->item);
	assert_int_equal(json_integer_value(json_object_get(ev, "position")), 1);
	json_decref(ev);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "c a b");

	/* a to the end of its own item (position n). */
	assert_int_equal(library_doc_move(f->st, f->m.id, a, f->item, 3, "chair", &ev), 0);
	json_decref(ev);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "c b a");

	/* b to item 1; d from "no item" to the middle of item 2. */
	assert_int_equal(library_doc_move(f->st, f->m.id, b, first, 1, "chair", &ev), 0);
	json_decref(ev);
	assert_int_equal(library_doc_move(f->st, f->m.id, d, f->item, 2, "chair", &ev), 0);
	json_decref(ev);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "c d a");
	titles(f, first, out, sizeof out);
	assert_string_equal(out, "b");
	titles(f, NULL, out, sizeof out);
	assert_string_equal(out, "");
	positions_without_gaps(f, f->item);
	positions_without_gaps(f, first);

	/* To "no item": the event says null. */
	assert_int_equal(library_doc_move(f->st, f->m.id, c, NULL, 1, "chair", &ev), 0);
	assert_true(json_is_null(json_object_get(ev, "item")));
	json_decref(ev);
	titles(f, NULL, out, sizeof out);
	assert_string_equal(out, "c");
	positions_without_gaps(f, f->item);

	/* Past the end, an unknown item, an unknown document. */
	int64_t seq = meeting_seq(f->st, f->m.id);
	assert_int_equal(library_doc_move(f->st, f->m.id, a, f->item, 3, "chair", &ev), -EINVAL);
	assert_null(ev);
	assert_int_equal(library_doc_move(f->st, f->m.id, a, first, 3, "chair", &ev), -EINVAL);
	assert_int_equal(library_doc_move(f->st, f->m.id, a, f->item, 0, "chair", &ev), -EINVAL);
	assert_int_equal(library_doc_move(f->st, f->m.id, a, "nosuchitem12", 1, "chair", &ev), -ENOENT);
	assert_int_equal(library_doc_move(f->st, f->m.id, "nosuchdocume", NULL, 1, "chair", &ev), -ENOENT);
	assert_int_equal(meeting_seq(f->st, f->m.id), seq);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "d a");
}

static void remove_keeps_row_and_renumbers(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_ID_LEN + 1], b[AUTH_ID_LEN + 1], c[AUTH_ID_LEN + 1], out[256];
	struct library_doc d;
	json_t *ev = NULL, *stopped = NULL;

	add_doc(f, f->item, "a", a);
	add_doc(f, f->item, "b", b);
	add_doc(f, f->item, "c", c);
	assert_int_equal(library_doc_remove(f->st, f->m.id, b, "sec", &ev, &stopped), 0);
	assert_null(stopped);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "doc.removed");
	assert_string_equal(json_string_value(json_object_get(ev, "doc")), b);
	json_decref(ev);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "a c");
	positions_without_gaps(f, f->item);

	/* The row stays, marked; lookups, presenting and changes refuse it. */
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM document WHERE id = ?1 "
					  "AND removed IS NOT NULL", b), 1);
	assert_int_equal(library_doc_lookup(f->st, b, &d), -ENOENT);
	assert_int_equal(meeting_present(f->st, f->m.id, "chair", b, 1, &ev), -ENOENT);
	assert_int_equal(library_doc_remove(f->st, f->m.id, b, "sec", &ev, &stopped), -ENOENT);
	assert_int_equal(library_doc_rename(f->st, f->m.id, b, "x", "sec", &ev), -ENOENT);
	assert_int_equal(library_doc_move(f->st, f->m.id, b, NULL, 1, "sec", &ev), -ENOENT);

	/* A new document goes after the present ones. */
	char e[AUTH_ID_LEN + 1];
	add_doc(f, f->item, "e", e);
	titles(f, f->item, out, sizeof out);
	assert_string_equal(out, "a c e");
	positions_without_gaps(f, f->item);
}

static void removing_presented_doc_stops_presenting(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_ID_LEN + 1], b[AUTH_ID_LEN + 1];
	json_t *ev = NULL, *stopped = NULL, *st;
	int64_t seq;

	add_doc(f, f->item, "a", a);
	add_doc(f, f->item, "b", b);
	assert_int_equal(meeting_present(f->st, f->m.id, "chair", a, 2, &ev), 0);
	json_decref(ev);

	/* Removing another document leaves the presentation alone. */
	assert_int_equal(library_doc_remove(f->st, f->m.id, b, "sec", &ev, &stopped), 0);
	assert_null(stopped);
	json_decref(ev);

	seq = meeting_seq(f->st, f->m.id);
	assert_int_equal(library_doc_remove(f->st, f->m.id, a, "sec", &ev, &stopped), 0);
	assert_non_null(stopped);
	assert_string_equal(json_string_value(json_object_get(stopped, "type")), "presented");
	assert_true(json_is_null(json_object_get(stopped, "doc")));
	assert_int_equal(json_integer_value(json_object_get(stopped, "seq")), seq + 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 2);
	json_decref(ev);
	json_decref(stopped);

	st = meeting_state(f->st, &f->key, "http://x", f->m.id);
	assert_true(json_is_null(json_object_get(st, "presented")));
	assert_int_equal(json_array_size(json_object_get(st, "documents")), 0);
	json_decref(st);
}

static void closed_meeting_is_eperm(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_ID_LEN + 1];
	json_t *ev = NULL, *stopped = NULL;

	add_doc(f, f->item, "a", a);
	assert_int_equal(store_exec(f->st, "UPDATE meeting SET state = 'closed'"), 0);
	assert_int_equal(library_doc_rename(f->st, f->m.id, a, "x", "sec", &ev), -EPERM);
	assert_int_equal(library_doc_move(f->st, f->m.id, a, NULL, 1, "sec", &ev), -EPERM);
	assert_int_equal(library_doc_remove(f->st, f->m.id, a, "sec", &ev, &stopped), -EPERM);
	assert_null(ev);
	assert_null(stopped);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(hash_file_known_vectors),
		cmocka_unit_test(hasher_in_pieces),
		cmocka_unit_test(ext_is_normalised),
		cmocka_unit_test(blob_path_layout),
		T(same_content_is_stored_once),
		T(move_takes_the_upload),
		T(same_content_keeps_first_extension),
		T(missing_blob_is_stored_again),
		T(real_pdf_is_copied_intact),
		T(default_title_is_file_name),
		T(unknown_item_or_meeting_is_enoent),
		T(bad_title_is_einval),
		T(title_over_300_characters_is_einval),
		T(title_with_control_characters_is_einval),
		T(doc_lookup_round_trips),
		T(doc_added_event),
		T(rename_changes_title_and_logs),
		T(move_within_and_between_items),
		T(remove_keeps_row_and_renumbers),
		T(removing_presented_doc_stops_presenting),
		T(closed_meeting_is_eperm),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
