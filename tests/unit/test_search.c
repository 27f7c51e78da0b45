/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_search — search.c: folding (Vietnamese diacritics, đ → d, case, NFD
 * combining marks), the FTS5 MATCH expression built from a user's words
 * (quotes, *, -, NEAR never become syntax), snippets (HTML escaping, <mark>
 * placement, the original diacritics kept), and the index against a real
 * database: pages stored, queried with and without diacritics, removed and
 * other meetings' documents left out, the outline and the blob's state.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "auth.h"
#include "library.h"
#include "meeting.h"
#include "search.h"
#include "store.h"

static void fold_is(const char *in, const char *want)
{
	char *got = search_fold_new(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_fold(void **state)
{
	(void)state;
	fold_is("Biên Bản", "bien ban");
	fold_is("Đồng", "dong");
	fold_is("đồng", "dong");
	fold_is("Hồ Chí Minh", "ho chi minh");
	fold_is("BIỂU QUYẾT", "bieu quyet");
	fold_is("Phòng họp không giấy", "phong hop khong giay");
	fold_is("ĂÂÊÔƠƯ ăâêôơư", "aaeoou aaeoou");
	fold_is("Ỹ ỹ Ỳ ỵ", "y y y y");
	fold_is("1.450.000.000 đồng", "1.450.000.000 dong");
	/* NFD: "ê" as e + U+0302, "̀" U+0300. */
	fold_is("bie\xcc\x82n ba\xcc\x89n", "bien ban");
	fold_is("Crème Brûlée — Ñandú", "creme brulee — nandu");
	fold_is("", "");
	/* Invalid UTF-8 becomes U+FFFD, never a crash. */
	fold_is("a\xff" "b", "a\xef\xbf\xbd" "b");
	assert_int_equal(search_fold_cp(0x0110), 'd');
	assert_int_equal(search_fold_cp(0x0111), 'd');
	assert_int_equal(search_fold_cp(0x0301), 0);
}

static void test_query_ok(void **state)
{
	char q[1000];

	(void)state;
	assert_false(search_query_ok(""));
	assert_false(search_query_ok("   \t"));
	assert_false(search_query_ok(NULL));
	assert_true(search_query_ok("biên bản"));
	memset(q, 'a', 200);
	q[200] = 0;
	assert_true(search_query_ok(q));
	q[200] = 'a';
	q[201] = 0;
	assert_false(search_query_ok(q));
	/* 200 characters of two bytes each are 200, not 400. */
	for (int i = 0; i < 200; i++)
		memcpy(q + 2 * i, "\xc4\x91", 2);
	q[400] = 0;
	assert_true(search_query_ok(q));
	assert_false(search_query_ok("a\xff"));
}

static void match_is(const char *q, const char *want)
{
	char *got = search_match_new(q);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_match(void **state)
{
	(void)state;
	match_is("Biên Bản", "\"bien\" \"ban\"");
	match_is("  đồng  ", "\"dong\"");
	match_is("1.450.000.000 đồng", "\"1.450.000.000\" \"dong\"");
	match_is("bi\"ên", "\"bi\"\"en\"");
	match_is("NEAR(a b)", "\"near(a\" \"b)\"");
	match_is("-x *", "\"-x\"");
	match_is("* - \"", NULL);
	match_is("", NULL);
}

static void snippet_is(const char *text, const char *q, const char *want)
{
	char *got = search_snippet_new(text, q);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_snippet(void **state)
{
	(void)state;
	snippet_is("Lập Biên Bản cuộc họp.", "bien ban",
		   "Lập <mark>Biên Bản</mark> cuộc họp.");
	snippet_is("Kinh phí: 1.450.000.000 đồng.", "dong",
		   "Kinh phí: 1.450.000.000 <mark>đồng</mark>.");
	snippet_is("Kinh phí: 1.450.000.000 đồng.", "đồng",
		   "Kinh phí: 1.450.000.000 <mark>đồng</mark>.");
	/* Whole words only: "ban" is not inside "bank" or "biên". */
	snippet_is("bank ban", "ban", "bank <mark>ban</mark>");
	/* Escaping, white space collapsed; the mark stays outside the entities. */
	snippet_is("<b>a & \"b\"</b>\n\n  biên  bản 'x'", "bien ban",
		   "&lt;b&gt;a &amp; &quot;b&quot;&lt;/b&gt; <mark>biên bản</mark> &#39;x&#39;");
	snippet_is("<script>alert(1)</script>", "script",
		   "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;");
	/* Special characters in the query match nothing and break nothing. */
	snippet_is("a \"quoted\" text", "\"quoted*", "a &quot;<mark>quoted</mark>&quot; text");
	snippet_is("no match here", "NEAR", "no match here");
	/* NFD text: the combining marks stay inside the mark. */
	snippet_is("bie\xcc\x82n ba\xcc\x89n", "bien ban",
		   "<mark>bie\xcc\x82n ba\xcc\x89n</mark>");

	/* The phrase first: its words elsewhere stay unmarked. */
	snippet_is("Ủy ban nhận văn bản; lập biên bản.", "bien ban",
		   "Ủy ban nhận văn bản; lập <mark>biên bản</mark>.");
	snippet_is("Các đại biểu biểu quyết.", "bieu quyet",
		   "Các đại biểu <mark>biểu quyết</mark>.");
	snippet_is("biên\n bản, biên bản", "bien ban",
		   "<mark>biên bản</mark>, <mark>biên bản</mark>");
	snippet_is("Kinh phí: 1.450.000.000 đồng; 000 đồng.", "1.450.000.000 đồng",
		   "Kinh phí: <mark>1.450.000.000 đồng</mark>; 000 đồng.");
	/* No phrase: each word on its own, one mark each. */
	snippet_is("lập biên bản", "ban bien", "lập <mark>biên</mark> <mark>bản</mark>");
	snippet_is("văn bản; biên nhận", "bien ban", "văn <mark>bản</mark>; <mark>biên</mark> nhận");
	snippet_is("ban 1.450 ban 450", "1.450", "ban <mark>1.450</mark> ban 450");

	/* A long text: cut around the match, with ellipses. */
	char text[4000];
	size_t n = 0;
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "chữ%d ", i);
	n += (size_t)snprintf(text + n, sizeof text - n, "biểu quyết ");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "chữ%d ", i);
	char *s = search_snippet_new(text, "bieu quyet");
	assert_non_null(s);
	assert_true(strncmp(s, "…", strlen("…")) == 0);
	assert_non_null(strstr(s, "<mark>biểu quyết</mark>"));
	assert_true(strcmp(s + strlen(s) - strlen("…"), "…") == 0);
	assert_true(strlen(s) < 400);
	free(s);
}

static size_t spans(const char *text, const char *q, struct search_span *out, size_t max)
{
	uint32_t f[256];
	size_t n = 0, len = strlen(text);

	for (size_t i = 0; i < len && n < 256;) {
		uint32_t c;

		i += search_utf8_next(text + i, len - i, &c);
		c = search_fold_cp(c);
		if (c)
			f[n++] = c;
	}
	return search_spans(f, n, q, out, max);
}

static void test_spans(void **state)
{
	struct search_span s[8];

	(void)state;
	/* "ủy ban, văn bản, biên bản": the phrase only. */
	assert_int_equal(spans("ủy ban, văn bản, biên bản", "bien ban", s, 8), 1);
	assert_int_equal(s[0].s, 17);
	assert_int_equal(s[0].e, 25);
	assert_int_equal(s[0].word, -1);
	/* Without it: every word, which one it is, in text order. */
	assert_int_equal(spans("ủy ban, văn bản, biên nhận", "bien ban", s, 8), 3);
	assert_int_equal(s[0].s, 3);
	assert_int_equal(s[0].word, 1);
	assert_int_equal(s[1].s, 12);
	assert_int_equal(s[2].s, 17);
	assert_int_equal(s[2].word, 0);
	/* At most max; whole words; nothing for punctuation. */
	assert_int_equal(spans("ban ban ban ban", "ban", s, 2), 2);
	assert_int_equal(spans("bank banh", "ban", s, 8), 0);
	assert_int_equal(spans("a - b", "-", s, 8), 0);
	assert_int_equal(spans("", "ban", s, 8), 0);
	/* A line break inside the phrase. */
	assert_int_equal(spans("lập biên\nbản", "biên bản", s, 8), 1);
	assert_int_equal(s[0].s, 4);
	assert_int_equal(s[0].e, 12);
}

/* ---- the index, on a real database ---------------------------------------- */

struct fixture {
	char dir[64];
	struct store *st;
	struct auth_key key;
	struct meeting_created m, other;
};

static int setup(void **state)
{
	struct meeting_new m = { .title = "Họp" };
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "search");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(auth_key_load(f->dir, &f->key), 0);
	assert_int_equal(meeting_create(f->st, &f->key, &m, &f->m), 0);
	assert_int_equal(meeting_create(f->st, &f->key, &m, &f->other), 0);
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

/* Adds a small file as a document of `meeting`; its id to id, sha to sha. */
static void add_doc(struct fixture *f, const char *meeting, const char *content,
		    char id[AUTH_ID_LEN + 1], char sha[LIBRARY_SHA_LEN + 1])
{
	char src[128];
	json_t *doc = NULL;

	snprintf(src, sizeof src, "%s/in.pdf", f->dir);
	file_put(src, content, strlen(content));
	assert_int_equal(library_hash_file(src, sha), 0);
	assert_int_equal(library_add(f->st, f->dir, meeting, NULL, "Tài liệu", "in.pdf", src, 1,
				     sha, 2, "chairperson1", &doc, NULL), 0);
	snprintf(id, AUTH_ID_LEN + 1, "%s", json_string_value(json_object_get(doc, "id")));
	json_decref(doc);
}

static size_t nhits(struct fixture *f, const char *meeting, const char *q)
{
	json_t *hits = NULL;
	size_t n;

	assert_int_equal(search_query(f->st, meeting, q, &hits), 0);
	n = json_array_size(hits);
	json_decref(hits);
	return n;
}

static void test_index_and_query(void **state)
{
	struct fixture *f = *state;
	char id[AUTH_ID_LEN + 1], sha[LIBRARY_SHA_LEN + 1];
	char id2[AUTH_ID_LEN + 1], sha2[LIBRARY_SHA_LEN + 1];
	json_t *unindexed = NULL, *hits = NULL, *texts, *outline, *o;
	json_t *event = NULL, *stopped = NULL;

	add_doc(f, f->m.id, "one", id, sha);
	add_doc(f, f->other.id, "two", id2, sha2);
	assert_int_equal(search_unindexed(f->st, &unindexed), 0);
	assert_int_equal(json_array_size(unindexed), 2);
	json_decref(unindexed);
	assert_int_equal(search_index_known(f->st, sha), 0);

	assert_int_equal(search_index_begin(f->st, sha), 0);
	assert_int_equal(search_index_known(f->st, sha), 1);
	texts = json_pack("[s, s]", "Biên bản cuộc họp <giao ban>",
			  "Tổng kinh phí: 1.450.000.000 đồng. Biểu quyết.");
	outline = json_pack("[{s:s, s:i, s:[]}]", "title", "Mở đầu", "page", 1, "children");
	assert_int_equal(search_index_pages(f->st, sha, 1, texts, outline), 0);
	assert_int_equal(search_index_end(f->st, sha, NULL), 0);
	assert_int_equal(search_index_begin(f->st, sha2), 0);
	assert_int_equal(search_index_pages(f->st, sha2, 1, texts, NULL), 0);
	assert_int_equal(search_index_end(f->st, sha2, "broken"), 0);
	assert_int_equal(query_int(f->st, "SELECT count(*) FROM blob_text WHERE state = 'failed' "
				   "AND sha256 = ?", sha2), 1);
	assert_int_equal(search_unindexed(f->st, &unindexed), 0);
	assert_int_equal(json_array_size(unindexed), 0);
	json_decref(unindexed);

	o = search_outline_load(f->st, sha);
	assert_true(json_equal(o, outline));
	json_decref(o);
	assert_null(search_outline_load(f->st, sha2));
	json_decref(texts);
	json_decref(outline);

	assert_int_equal(search_query(f->st, f->m.id, "bien ban", &hits), 0);
	assert_int_equal(json_array_size(hits), 1);
	o = json_array_get(hits, 0);
	assert_string_equal(json_string_value(json_object_get(o, "doc")), id);
	assert_int_equal(json_integer_value(json_object_get(o, "page")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "snippet")),
			    "<mark>Biên bản</mark> cuộc họp &lt;giao ban&gt;");
	json_decref(hits);

	assert_int_equal(nhits(f, f->m.id, "đồng"), 1);
	assert_int_equal(nhits(f, f->m.id, "dong"), 1);
	assert_int_equal(nhits(f, f->m.id, "ĐỒNG"), 1);
	assert_int_equal(nhits(f, f->m.id, "1.450.000.000"), 1);
	assert_int_equal(nhits(f, f->m.id, "450.000.000.1"), 0);
	assert_int_equal(nhits(f, f->m.id, "bieu quyet"), 1);
	/* FTS5 syntax is text: nothing errors. */
	static const char *const odd[] = {
		"\"", "\"bien", "bien*", "-bien", "NEAR(bien ban)", "bien OR", "AND", "NOT",
		"*", "(", ")", ":", "folded:bien", "^bien", "bi\"en b\"an", "'", "{a b}",
		"a + b", "\\", "NEAR/2",
	};
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		assert_int_equal(search_query(f->st, f->m.id, odd[i], &hits), 0);
		json_decref(hits);
	}
	assert_int_equal(search_query(f->st, f->m.id, "", &hits), -EINVAL);
	assert_null(hits);

	/* The other meeting sees its own document only; a removed one is gone. */
	assert_int_equal(search_query(f->st, f->other.id, "bien ban", &hits), 0);
	assert_int_equal(json_array_size(hits), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "doc")), id2);
	json_decref(hits);
	assert_int_equal(library_doc_remove(f->st, f->m.id, id, "chairperson1", &event, &stopped), 0);
	json_decref(event);
	json_decref(stopped);
	assert_int_equal(nhits(f, f->m.id, "bien ban"), 0);

	/* Indexing again replaces the text. */
	assert_int_equal(search_index_begin(f->st, sha2), 0);
	assert_int_equal(nhits(f, f->other.id, "bien ban"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_query_ok),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_spans),
		cmocka_unit_test_setup_teardown(test_index_and_query, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
