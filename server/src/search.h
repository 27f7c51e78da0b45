/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * search — the text of every page and the outline of every document, and
 * the search over them. Owns the SQL against page_text, blob_text and
 * blob_outline (migrations 2 and 3 in store.c).
 *
 * Design note.
 *
 * Folding. Text is indexed and queried in one folded form: lower case, the
 * Vietnamese (and other Latin) diacritics removed, đ/Đ → d. FTS5's own
 * `remove_diacritics 2` does not fold đ, so folding happens here, in one
 * function used for both the stored `folded` column and the query, and the
 * unicode61 tokenizer sees only the folded text. Folding works on code
 * points: each one becomes at most one code point (combining marks become
 * none), which lets a snippet map a match in the folded text back to the
 * original text with its diacritics.
 *
 * Queries. The user's words are never FTS5 syntax: each whitespace-separated
 * word is folded and quoted (a quoted string is a phrase to FTS5, so
 * "1.450.000.000" matches the tokens 1 450 000 000 in a row), and the words
 * are ANDed. Quotes, *, -, NEAR, AND/OR/NOT and parentheses mean nothing.
 *
 * Marks. What a snippet marks and what the find job outlines on a page come
 * from one function, search_spans(): the whole query as a phrase (its words
 * in order, only spaces and punctuation between them) wherever it occurs;
 * only where it does not, each word of it on its own. So "bien ban" marks
 * "biên bản" and leaves "ủy ban" and "văn bản" alone on a page that has
 * the phrase, and a page found because it has both words somewhere still
 * shows where they are.
 *
 * Indexing. Text is per content (sha256): a file shared by many meetings is
 * indexed once. blob_text says where a blob is: no row (never indexed;
 * queued at server start), 'pending' (jobs queued or running; an
 * interrupted index is redone at the next start), 'done' or 'failed'.
 *
 * Threads: the thread that owns the store; the folding and snippet
 * functions from any thread.
 */
#ifndef PLENUM_SEARCH_H
#define PLENUM_SEARCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define SEARCH_QUERY_MAX 200   /* characters (code points) in a query */
#define SEARCH_HITS_MAX 50     /* hits in one answer */

/* The folded form of one code point: 0 for a combining mark (dropped),
 * else the lower-case letter without its diacritics (đ → d). */
uint32_t search_fold_cp(uint32_t c);

/* Decodes one UTF-8 code point at s (n bytes left, n >= 1) into *cp and
 * returns its length in bytes (1 for an invalid byte, decoded as U+FFFD). */
size_t search_utf8_next(const char *s, size_t n, uint32_t *cp);

/* 1 if the folded code point `c` belongs to a word (letters and digits, as
 * FTS5's unicode61 tokenizer splits text), 0 for spaces and punctuation. */
int search_is_word(uint32_t c);

/* The folded form of UTF-8 `text` (caller frees), NULL without memory. */
char *search_fold_new(const char *text);

/* 1 if `q` is a query this module accepts: at least one character that is
 * not white space, at most SEARCH_QUERY_MAX characters, valid UTF-8. */
int search_query_ok(const char *q);

/* The FTS5 MATCH expression for the user's query (caller frees): the
 * folded words, each quoted, ANDed. NULL if no word has a letter or digit
 * (such a query matches nothing), or without memory. */
char *search_match_new(const char *q);

/* One match of a query in folded text: code points [s, e) of it. */
struct search_span {
	size_t s, e;
	int word;       /* the query word it is (0 …), or -1: the whole query */
};

/* Where `q` is in `f`, n folded code points (search_fold_cp() of each,
 * the dropped ones, 0, left out): whole words, with the folding of the
 * index. If q has two or more words and they occur in order with only
 * non-word characters between them (line breaks too), the occurrences of
 * that phrase, each one span; only if there is none, every occurrence of
 * each word. A word with punctuation inside ("1.450.000") matches its
 * parts in a row, as FTS5 matches it. Writes at most `max` spans to `out`,
 * in text order and not overlapping, and returns how many. No allocation;
 * any thread. */
size_t search_spans(const uint32_t *f, size_t n, const char *q,
		    struct search_span *out, size_t max);

/* A snippet of `text` (the original, with diacritics) around the first
 * best match of `q`: about SNIPPET_CHARS characters, "…" where it was cut,
 * white space collapsed, HTML-escaped, each span of search_spans() inside
 * <mark>…</mark> (the phrase as one mark where the text has it, else each
 * word; with only words, the window that holds the most different ones).
 * Caller frees; NULL without memory. With no match, the start of the
 * text. */
char *search_snippet_new(const char *text, const char *q);

/* Marks the blob as being indexed (state 'pending') and removes any text it
 * had. Returns 0 or a store error. */
int search_index_begin(struct store *st, const char *sha);
/* Stores the pages of one text job: `texts` is an array of strings, the
 * text of pages first, first + 1, …; `outline` (may be NULL) the outline.
 * One transaction. Returns 0, -EINVAL (not an array), or a store error. */
int search_index_pages(struct store *st, const char *sha, int first,
		       json_t *texts, json_t *outline);
/* Sets the blob's final state: error NULL → 'done', else 'failed' with it. */
int search_index_end(struct store *st, const char *sha, const char *error);

/* 1 if the blob has a blob_text row (indexed, failed or being indexed),
 * 0 if not, or a store error. */
int search_index_known(struct store *st, const char *sha);

/* Blobs of present documents whose text is not indexed (no blob_text row,
 * or 'pending' from an interrupted run): *out gets an array of
 * {sha256, ext, pages} (caller owns). Returns 0 or a store error. */
int search_unindexed(struct store *st, json_t **out);

/* The outline of a blob (new reference, caller owns), or NULL if unknown. */
json_t *search_outline_load(struct store *st, const char *sha);

/* Meetings with a present document of this blob, with that document's id:
 * an array of {meeting, doc} (caller owns). NULL on a store error. */
json_t *search_docs_of_blob(struct store *st, const char *sha);

/* Searches the present documents of `meeting` for `q`: *hits gets an
 * array (caller owns) of {doc, title, page, snippet}, best first (bm25), at
 * most SEARCH_HITS_MAX. Returns 0, -EINVAL (search_query_ok() says no),
 * or a store error. */
int search_query(struct store *st, const char *meeting, const char *q, json_t **hits);

#endif
