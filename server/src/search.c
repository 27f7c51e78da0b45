/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * search — folding, the FTS5 query, snippets, and the rows of page_text,
 * blob_text and blob_outline. See search.h for the design note.
 *
 * Threads: as search.h says.
 */
#include "search.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "store.h"

/* Characters of context in a snippet: before the match, and in all. */
#define SNIPPET_BEFORE 60
#define SNIPPET_CHARS 200
/* Query words kept (more are ignored). */
#define QUERY_WORDS_MAX 16

/* ---- folding ------------------------------------------------------------ */

/* U+0100 … U+017F (Latin Extended-A), one base letter each. */
static const char latin_ext_a[] =
	"aaaaaacccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii"
	"jjjj" "kkk" "llllllllll" "nnnnnnnnn" "oooooooo" "rrrrrr" "ssssssss"
	"tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";

uint32_t search_fold_cp(uint32_t c)
{
	/* Latin-1 Supplement, U+00C0 … U+00FF; '*' keeps the character. */
	static const char latin1[] =
		"aaaaaa*ceeeeiiii" "dnooooo*ouuuuy**"
		"aaaaaa*ceeeeiiii" "dnooooo*ouuuuy*y";

	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0x300 && c <= 0x36f) /* combining diacritical marks (NFD text) */
		return 0;
	if (c >= 0xc0 && c <= 0xff)
		return latin1[c - 0xc0] == '*' ? (c >= 0xc0 && c <= 0xde && c != 0xd7 ? c + 32 : c)
					       : (uint32_t)latin1[c - 0xc0];
	if (c >= 0x100 && c <= 0x17f)
		return (uint32_t)latin_ext_a[c - 0x100];
	switch (c) {
	case 0x1a0: case 0x1a1: return 'o';    /* Ơ ơ */
	case 0x1af: case 0x1b0: return 'u';    /* Ư ư */
	case 0x189: return 'd';                /* Đ (African D), seen for Đ */
	}
	/* Latin Extended Additional: the Vietnamese letters with tone marks. */
	if (c >= 0x1ea0 && c <= 0x1eb7)
		return 'a';
	if (c >= 0x1eb8 && c <= 0x1ec7)
		return 'e';
	if (c >= 0x1ec8 && c <= 0x1ecb)
		return 'i';
	if (c >= 0x1ecc && c <= 0x1ee3)
		return 'o';
	if (c >= 0x1ee4 && c <= 0x1ef1)
		return 'u';
	if (c >= 0x1ef2 && c <= 0x1ef9)
		return 'y';
	return c;
}

size_t search_utf8_next(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		goto bad;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* RFC 3629 §3: no overlong forms, no surrogates, nothing past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

static size_t utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

char *search_fold_new(const char *text)
{
	size_t n = strlen(text), i = 0, o = 0;
	/* Folding never makes a code point longer, and U+FFFD (3 bytes)
	 * replaces one invalid byte: 3n bounds it. */
	char *out = malloc(3 * n + 1);
	uint32_t c;

	if (!out)
		return NULL;
	while (i < n) {
		i += search_utf8_next(text + i, n - i, &c);
		c = search_fold_cp(c);
		if (c)
			o += utf8_put(out + o, c);
	}
	out[o] = '\0';
	return out;
}

static bool is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v' || c == 0xa0 || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x2000 && c <= 0x200b) || c == 0x3000;
}

/* A character of a word, as FTS5's unicode61 tokenizer sees it (roughly:
 * letters and digits; the rest separates words). Takes a folded code point. */
static bool is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		       (c >= 'A' && c <= 'Z');
	if (is_space(c) || c == 0xfffd)
		return false;
	/* Latin-1 punctuation and symbols, general punctuation, currency. */
	if ((c >= 0xa1 && c <= 0xbf) || c == 0xd7 || c == 0xf7 ||
	    (c >= 0x2010 && c <= 0x206f) || (c >= 0x20a0 && c <= 0x20cf) ||
	    (c >= 0x2190 && c <= 0x23ff) || (c >= 0x25a0 && c <= 0x27bf) ||
	    (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f))
		return false;
	return true;
}

int search_is_word(uint32_t c)
{
	return is_word(c);
}

int search_query_ok(const char *q)
{
	size_t n, i = 0, chars = 0;
	bool any = false;
	uint32_t c;

	if (!q)
		return 0;
	n = strlen(q);
	while (i < n) {
		size_t k = search_utf8_next(q + i, n - i, &c);

		if (c == 0xfffd && k == 1 && (unsigned char)q[i] >= 0x80)
			return 0;
		if (!is_space(c))
			any = true;
		i += k;
		if (++chars > SEARCH_QUERY_MAX)
			return 0;
	}
	return any;
}

char *search_match_new(const char *q)
{
	size_t n = strlen(q), i = 0, o = 0;
	/* Each byte may be doubled (a quote) or become 3 (U+FFFD), plus two
	 * quotes and a space per word. */
	char *out = malloc(6 * n + 8);
	bool in_word = false, has_token = false;
	size_t word_start = 0;
	uint32_t c;
	int words = 0;

	if (!out)
		return NULL;
	while (i <= n) {
		if (i < n) {
			i += search_utf8_next(q + i, n - i, &c);
			c = search_fold_cp(c);
			if (c == 0)
				continue;
		} else {
			i++;
			c = ' ';
		}
		if (!is_space(c)) {
			if (!in_word) {
				word_start = o;
				if (words)
					out[o++] = ' ';
				out[o++] = '"';
				in_word = true;
				has_token = false;
			}
			if (c == '"')
				out[o++] = '"';
			o += utf8_put(out + o, c);
			has_token |= is_word(c);
			continue;
		}
		if (!in_word)
			continue;
		in_word = false;
		if (!has_token || words >= QUERY_WORDS_MAX) {
			/* Only punctuation: FTS5 would see an empty phrase. */
			o = word_start;
			continue;
		}
		out[o++] = '"';
		words++;
	}
	out[o] = '\0';
	if (!words) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- snippets ----------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* One code point of the original text, HTML-escaped. */
static void put_escaped(struct buf *b, const char *s, size_t n)
{
	if (n == 1) {
		switch (*s) {
		case '&': puts_(b, "&amp;"); return;
		case '<': puts_(b, "&lt;"); return;
		case '>': puts_(b, "&gt;"); return;
		case '"': puts_(b, "&quot;"); return;
		case '\'': puts_(b, "&#39;"); return;
		}
	}
	put(b, s, n);
}

/* The query's words, folded, for search_spans(): each whitespace-separated
 * word (as search_match_new() takes them, QUERY_WORDS_MAX at most) is one
 * or more tokens, the runs of word characters in it. */
struct query {
	uint32_t cp[SEARCH_QUERY_MAX + 1];
	uint16_t start[SEARCH_QUERY_MAX], len[SEARCH_QUERY_MAX];
	uint16_t first[QUERY_WORDS_MAX + 1]; /* word w: tokens first[w] … first[w + 1] */
	int ntok, nword;
};

static void query_parse(const char *q, struct query *qu)
{
	size_t n = strlen(q), i = 0, ncp = 0;
	bool in_tok = false;
	uint32_t c;

	qu->ntok = qu->nword = 0;
	qu->first[0] = 0;
	while (i <= n) {
		if (i < n) {
			i += search_utf8_next(q + i, n - i, &c);
			c = search_fold_cp(c);
			if (c == 0)
				continue;
		} else {
			i++;
			c = ' ';
		}
		if (is_word(c)) {
			if (ncp == SEARCH_QUERY_MAX || qu->nword == QUERY_WORDS_MAX)
				break;
			if (!in_tok) {
				qu->start[qu->ntok] = (uint16_t)ncp;
				qu->len[qu->ntok] = 0;
				qu->ntok++;
				in_tok = true;
			}
			qu->cp[ncp++] = c;
			qu->len[qu->ntok - 1]++;
			continue;
		}
		in_tok = false;
		/* A space ends the word, if it has a token. */
		if (is_space(c) && qu->ntok > qu->first[qu->nword]) {
			qu->nword++;
			qu->first[qu->nword] = (uint16_t)qu->ntok;
		}
	}
	if (qu->ntok > qu->first[qu->nword]) {
		qu->nword++;
		qu->first[qu->nword] = (uint16_t)qu->ntok;
	}
}

/* The end of tokens t0 … t1 - 1 of the query matched at f[p] (a word's
 * start), with only non-word characters between them; 0 if they are not
 * there. */
static size_t match_at(const uint32_t *f, size_t n, size_t p, const struct query *qu,
		       int t0, int t1)
{
	for (int t = t0; t < t1; t++) {
		while (t > t0 && p < n && !is_word(f[p]))
			p++;
		for (size_t k = 0; k < qu->len[t]; k++, p++)
			if (p >= n || f[p] != qu->cp[qu->start[t] + k])
				return 0;
		if (p < n && is_word(f[p]))
			return 0;
	}
	return p;
}

static size_t scan(const uint32_t *f, size_t n, const struct query *qu, bool phrase,
		   struct search_span *out, size_t max)
{
	size_t got = 0;

	for (size_t p = 0; p < n && got < max; p++) {
		size_t best = 0;
		int which = -1;

		if (!is_word(f[p]) || (p > 0 && is_word(f[p - 1])))
			continue;
		if (phrase) {
			best = match_at(f, n, p, qu, 0, qu->ntok);
		} else {
			/* The longest word that starts here. */
			for (int w = 0; w < qu->nword; w++) {
				size_t e = match_at(f, n, p, qu, qu->first[w], qu->first[w + 1]);

				if (e > best) {
					best = e;
					which = w;
				}
			}
		}
		if (!best)
			continue;
		out[got].s = p;
		out[got].e = best;
		out[got].word = which;
		got++;
		p = best - 1;
	}
	return got;
}

size_t search_spans(const uint32_t *f, size_t n, const char *q,
		    struct search_span *out, size_t max)
{
	struct query qu;
	size_t got = 0;

	query_parse(q, &qu);
	if (!qu.ntok || !max)
		return 0;
	if (qu.nword > 1)
		got = scan(f, n, &qu, true, out, max);
	if (!got)
		got = scan(f, n, &qu, false, out, max);
	return got;
}

char *search_snippet_new(const char *text, const char *q)
{
	size_t len = strlen(text), n = 0, i, nv = 0, nm = 0, best = 0;
	size_t *off = NULL, *vis = NULL, start, end, m;
	uint32_t *f = NULL, *fv = NULL;
	struct search_span *marks = NULL;
	struct buf b = { 0 };
	bool space;

	off = malloc((len + 1) * sizeof *off);
	vis = malloc((len + 1) * sizeof *vis);
	f = malloc((len + 1) * sizeof *f);
	fv = malloc((len + 1) * sizeof *fv);
	marks = malloc((len + 1) * sizeof *marks);
	if (!off || !vis || !f || !fv || !marks)
		goto out;
	for (i = 0; i < len; n++) {
		uint32_t c;

		off[n] = i;
		i += search_utf8_next(text + i, len - i, &c);
		f[n] = search_fold_cp(c);
		if (f[n]) {
			fv[nv] = f[n];
			vis[nv++] = n;
		}
	}
	off[n] = len;

	/* The spans are in visible (not dropped) code points; vis[p] is the
	 * p-th of them. A mark takes the combining marks after its last
	 * letter with it. */
	nm = search_spans(fv, nv, q, marks, len + 1);
	for (m = 0; m < nm; m++) {
		size_t e = marks[m].e;

		marks[m].s = vis[marks[m].s];
		marks[m].e = e < nv ? vis[e] : n;
	}
	/* Single words: the window with the most different ones in it. */
	if (nm && marks[0].word >= 0) {
		int count[QUERY_WORDS_MAX] = { 0 }, distinct = 0, most = 0;
		size_t j = 0;

		for (m = 0; m < nm; m++) {
			while (j < nm && marks[j].s < marks[m].s + SNIPPET_CHARS - SNIPPET_BEFORE) {
				if (count[marks[j].word]++ == 0)
					distinct++;
				j++;
			}
			if (distinct > most) {
				most = distinct;
				best = m;
			}
			if (--count[marks[m].word] == 0)
				distinct--;
		}
	}

	/* The window: some context before the best mark, cut at a space. */
	start = nm && marks[best].s > SNIPPET_BEFORE ? marks[best].s - SNIPPET_BEFORE : 0;
	for (i = start; start > 0 && i < start + 15 && i < n; i++) {
		if (is_space(f[i])) {
			start = i + 1;
			break;
		}
	}
	end = start + SNIPPET_CHARS < n ? start + SNIPPET_CHARS : n;
	if (nm && end < marks[best].e)
		end = marks[best].e;
	for (i = end; end < n && i > end - 15 && i > start; i--) {
		if (is_space(f[i])) {
			end = i;
			break;
		}
	}
	while (start < end && is_space(f[start]))
		start++;

	if (start > 0)
		puts_(&b, "…");
	space = false;
	m = 0;
	for (i = start; i < end; i++) {
		while (m < nm && marks[m].e <= i)
			m++;
		if (m < nm && (marks[m].s == i || (i == start && marks[m].s < i)))
			puts_(&b, "<mark>");
		if (is_space(f[i])) {
			if (!space)
				put(&b, " ", 1);
			space = true;
		} else {
			put_escaped(&b, text + off[i], off[i + 1] - off[i]);
			space = false;
		}
		if (m < nm && marks[m].s <= i && (marks[m].e == i + 1 || i + 1 == end))
			puts_(&b, "</mark>");
	}
	if (end < n)
		puts_(&b, "…");
	put(&b, "", 0);
out:
	free(off);
	free(vis);
	free(f);
	free(fv);
	free(marks);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- the index ---------------------------------------------------------- */

static int exec1(struct store *st, const char *sql, const char *a, const char *b,
		 const char *c)
{
	struct store_stmt *s = store_prepare(st, sql);
	int rc;

	if (!s)
		return -EIO;
	if (a)
		store_bind_text(s, 1, a);
	if (b)
		store_bind_text(s, 2, b);
	if (c)
		store_bind_text(s, 3, c);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int search_index_begin(struct store *st, const char *sha)
{
	char now[32];
	int rc;

	auth_now_iso(now, 0);
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = exec1(st, "INSERT OR REPLACE INTO blob_text (sha256, state, error, updated) "
		       "VALUES (?, 'pending', NULL, ?)", sha, now, NULL);
	if (rc == 0)
		rc = exec1(st, "DELETE FROM page_text WHERE sha256 = ?", sha, NULL, NULL);
	if (rc == 0)
		rc = exec1(st, "DELETE FROM blob_outline WHERE sha256 = ?", sha, NULL, NULL);
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int search_index_pages(struct store *st, const char *sha, int first,
		       json_t *texts, json_t *outline)
{
	struct store_stmt *s;
	size_t k;
	json_t *t;
	int rc;

	if (!json_is_array(texts) || first < 1)
		return -EINVAL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	json_array_foreach(texts, k, t) {
		const char *text = json_string_value(t);
		char *folded;

		if (!text || !*text)
			continue;
		folded = search_fold_new(text);
		s = store_prepare(st, "INSERT INTO page_text (folded, text, sha256, page) "
				      "VALUES (?, ?, ?, ?)");
		if (!folded || !s) {
			free(folded);
			rc = folded ? -EIO : -ENOMEM;
			goto fail;
		}
		store_bind_text(s, 1, folded);
		store_bind_text(s, 2, text);
		store_bind_text(s, 3, sha);
		store_bind_int(s, 4, first + (int)k);
		rc = store_step(s);
		store_reset(s);
		free(folded);
		if (rc < 0)
			goto fail;
	}
	if (json_is_array(outline)) {
		char *o = json_dumps(outline, JSON_COMPACT);

		if (!o) {
			rc = -ENOMEM;
			goto fail;
		}
		rc = exec1(st, "INSERT OR REPLACE INTO blob_outline (sha256, outline) VALUES (?, ?)",
			   sha, o, NULL);
		free(o);
		if (rc < 0)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}

int search_index_end(struct store *st, const char *sha, const char *error)
{
	char now[32];
	struct store_stmt *s;
	int rc;

	auth_now_iso(now, 0);
	s = store_prepare(st, "UPDATE blob_text SET state = ?, error = ?, updated = ? "
			      "WHERE sha256 = ?");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, error ? "failed" : "done");
	store_bind_text(s, 2, error);
	store_bind_text(s, 3, now);
	store_bind_text(s, 4, sha);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int search_index_known(struct store *st, const char *sha)
{
	struct store_stmt *s = store_prepare(st, "SELECT 1 FROM blob_text WHERE sha256 = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, sha);
	rc = store_step(s);
	store_reset(s);
	return rc;
}

int search_unindexed(struct store *st, json_t **out)
{
	struct store_stmt *s;
	int rc;

	*out = json_array();
	if (!*out)
		return -ENOMEM;
	s = store_prepare(st, "SELECT b.sha256, b.ext, b.pages FROM blob b "
			      "LEFT JOIN blob_text t ON t.sha256 = b.sha256 "
			      "WHERE (t.sha256 IS NULL OR t.state = 'pending') AND EXISTS "
			      "(SELECT 1 FROM document d WHERE d.sha256 = b.sha256 "
			      "AND d.removed IS NULL) ORDER BY b.created");
	if (!s)
		return -EIO;
	while ((rc = store_step(s)) == 1)
		json_array_append_new(*out, json_pack("{s:s, s:s, s:I}",
						      "sha256", store_col_text(s, 0),
						      "ext", store_col_text(s, 1),
						      "pages", (json_int_t)store_col_int(s, 2)));
	store_reset(s);
	return rc < 0 ? rc : 0;
}

json_t *search_outline_load(struct store *st, const char *sha)
{
	struct store_stmt *s = store_prepare(st, "SELECT outline FROM blob_outline WHERE sha256 = ?");
	json_t *o = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, sha);
	if (store_step(s) == 1)
		o = json_loads(store_col_text(s, 0), 0, NULL);
	store_reset(s);
	return o;
}

json_t *search_docs_of_blob(struct store *st, const char *sha)
{
	struct store_stmt *s = store_prepare(st, "SELECT meeting, id FROM document "
					     "WHERE sha256 = ? AND removed IS NULL");
	json_t *a = json_array();

	if (!s || !a) {
		json_decref(a);
		return NULL;
	}
	store_bind_text(s, 1, sha);
	while (store_step(s) == 1)
		json_array_append_new(a, json_pack("{s:s, s:s}", "meeting", store_col_text(s, 0),
						   "doc", store_col_text(s, 1)));
	store_reset(s);
	return a;
}

int search_query(struct store *st, const char *meeting, const char *q, json_t **hits)
{
	struct store_stmt *s;
	char *match;
	int rc;

	*hits = NULL;
	if (!search_query_ok(q))
		return -EINVAL;
	*hits = json_array();
	if (!*hits)
		return -ENOMEM;
	match = search_match_new(q);
	if (!match)
		return 0; /* only punctuation: nothing matches */
	s = store_prepare(st, "SELECT d.id, d.title, page_text.page, page_text.text "
			      "FROM page_text JOIN document d ON d.sha256 = page_text.sha256 "
			      "WHERE page_text MATCH ? AND d.meeting = ? AND d.removed IS NULL "
			      "ORDER BY bm25(page_text), d.id, page_text.page LIMIT ?");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, match);
	store_bind_text(s, 2, meeting);
	store_bind_int(s, 3, SEARCH_HITS_MAX);
	while ((rc = store_step(s)) == 1) {
		char *snip = search_snippet_new(store_col_text(s, 3), q);

		json_array_append_new(*hits, json_pack("{s:s, s:s, s:I, s:s}",
						       "doc", store_col_text(s, 0),
						       "title", store_col_text(s, 1),
						       "page", (json_int_t)store_col_int(s, 2),
						       "snippet", snip ? snip : ""));
		free(snip);
	}
	store_reset(s);
	if (rc < 0)
		log_warn("search \"%s\": %s", match, store_errmsg(st));
out:
	free(match);
	if (rc < 0) {
		json_decref(*hits);
		*hits = NULL;
	}
	return rc < 0 ? rc : 0;
}
