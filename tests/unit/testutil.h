/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * testutil — what the unit tests in tests/unit share: cmocka and the headers
 * it needs, a fresh temporary directory per test and its removal, a store
 * opened at <dir>/plenum.db, auth_init() as group setup, one integer from a
 * query, and writing a file whole.
 *
 * Every helper is static inline, so that each test stays one .c file and a
 * test that uses only some of them compiles without unused-function
 * warnings. They fail the running test (cmocka) instead of returning errors;
 * call them from the test's own thread, in setup, teardown or the test.
 *
 * Define _XOPEN_SOURCE 700 before the first #include: nftw() needs it.
 */
#ifndef PLENUM_TESTUTIL_H
#define PLENUM_TESTUTIL_H

#if !defined(_XOPEN_SOURCE) || _XOPEN_SOURCE < 700
#error "define _XOPEN_SOURCE 700 before the first #include"
#endif

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "auth.h"
#include "store.h"

/* Makes a fresh directory /tmp/plenum-<name>-XXXXXX, its path into dir[len]. */
static inline void tmpdir_new(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/plenum-%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
}

/* nftw() callback for tmpdir_remove(): removes one entry, children first. */
static inline int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it, without following links. */
static inline void tmpdir_remove(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Opens the store at <dir>/plenum.db, its path into path[len] unless NULL; caller closes it. */
static inline struct store *db_open(const char *dir, char *path, size_t len)
{
	char db[128];
	struct store *st = NULL;

	snprintf(db, sizeof db, "%s/plenum.db", dir);
	assert_int_equal(store_open(db, &st), 0);
	if (path)
		snprintf(path, len, "%s", db);
	return st;
}

/* cmocka group setup for tests that make identifiers or tokens: auth_init(). */
static inline int group_setup_auth(void **state)
{
	(void)state;
	return auth_init();
}

/* The first column of the first row of `sql` as an integer; `arg`, unless NULL, binds ?1. */
static inline int64_t query_int(struct store *st, const char *sql, const char *arg)
{
	struct store_stmt *s = store_prepare(st, sql);
	int64_t v;

	assert_non_null(s);
	if (arg)
		store_bind_text(s, 1, arg);
	assert_int_equal(store_step(s), 1);
	v = store_col_int(s, 0);
	store_reset(s);
	return v;
}

/* Writes the `len` bytes of buf to path, replacing what was there. */
static inline void file_put(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

#endif
