/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_cache — the page-image cache (cache.c): least recently used files go
 * first, the cap holds after every add, the index and its order survive a
 * restart (cache_free + cache_open on the same directory), pinned files
 * stay, and files deleted by hand are forgotten without an error.
 *
 * Each test works in its own temporary directory; files are 1000 bytes
 * each under a 3500-byte cap, so three fit and a fourth evicts one.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "cache.h"

#define FILE_SIZE 1000
#define CAP 3500

struct fixture {
	char dir[64];
	char cache_dir[128];
	struct cache *c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "cache");
	snprintf(f->cache_dir, sizeof f->cache_dir, "%s/cache", f->dir);
	assert_int_equal(cache_open(f->cache_dir, CAP, &f->c), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cache_free(f->c);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* <cache>/ab/ab<name>/<page>-1024.png, as http.c lays them out. */
static void path_of(struct fixture *f, const char *name, int page, char *out, size_t n)
{
	snprintf(out, n, "%s/ab/ab%s/%d-1024.png", f->cache_dir, name, page);
}

/* Writes a page file of `size` bytes (directories too) and adds it. */
static void put(struct fixture *f, const char *name, int page, size_t size)
{
	char path[256], dir[256];
	static char buf[64 * 1024];

	snprintf(dir, sizeof dir, "%s/ab", f->cache_dir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/ab/ab%s", f->cache_dir, name);
	mkdir(dir, 0755);
	path_of(f, name, page, path, sizeof path);
	assert_true(size <= sizeof buf);
	file_put(path, buf, size);
	assert_int_equal(cache_add(f->c, path), 0);
}

static bool exists(struct fixture *f, const char *name, int page)
{
	char path[256];

	path_of(f, name, page, path, sizeof path);
	return access(path, F_OK) == 0;
}

static void lookup(struct fixture *f, const char *name, int page, int want)
{
	char path[256];

	path_of(f, name, page, path, sizeof path);
	assert_int_equal(cache_lookup(f->c, path), want);
}

static void test_evicts_least_recently_used(void **state)
{
	struct fixture *f = *state;
	struct cache_stats st;

	put(f, "a", 1, FILE_SIZE);
	put(f, "b", 1, FILE_SIZE);
	put(f, "c", 1, FILE_SIZE);
	lookup(f, "a", 1, 0);           /* b is now the least recently used */
	put(f, "d", 1, FILE_SIZE);
	assert_false(exists(f, "b", 1));
	assert_true(exists(f, "a", 1));
	assert_true(exists(f, "c", 1));
	assert_true(exists(f, "d", 1));
	put(f, "e", 1, FILE_SIZE);      /* then c */
	assert_false(exists(f, "c", 1));
	assert_true(exists(f, "a", 1));
	cache_stats_get(f->c, &st);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.hits, 1);
}

static void test_cap_respected(void **state)
{
	struct fixture *f = *state;
	struct cache_stats st;
	char name[16];

	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof name, "x%d", i % 7);
		put(f, name, i, 300 + (size_t)(i * 37) % 900);
		cache_stats_get(f->c, &st);
		assert_true(st.bytes <= CAP);
		assert_int_equal(st.max_bytes, CAP);
	}
	/* A file larger than the cap alone evicts everything else and stays. */
	put(f, "big", 1, 5000);
	cache_stats_get(f->c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.bytes, 5000);
	assert_true(exists(f, "big", 1));
}

static void test_restart_keeps_order(void **state)
{
	struct fixture *f = *state;
	struct cache_stats st;

	put(f, "a", 1, FILE_SIZE);
	put(f, "b", 1, FILE_SIZE);
	put(f, "c", 1, FILE_SIZE);
	lookup(f, "a", 1, 0);
	lookup(f, "b", 1, 0);           /* order now: c, a, b */
	cache_free(f->c);
	f->c = NULL;
	assert_int_equal(cache_open(f->cache_dir, CAP, &f->c), 0);
	cache_stats_get(f->c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.bytes, 3 * FILE_SIZE);
	assert_int_equal(st.hits, 0);
	put(f, "d", 1, FILE_SIZE);
	assert_false(exists(f, "c", 1));
	put(f, "e", 1, FILE_SIZE);
	assert_false(exists(f, "a", 1));
	assert_true(exists(f, "b", 1));
	assert_true(exists(f, "d", 1));
	assert_true(exists(f, "e", 1));
}

static void test_restart_trims_to_smaller_cap(void **state)
{
	struct fixture *f = *state;
	struct cache_stats st;

	put(f, "a", 1, FILE_SIZE);
	put(f, "b", 1, FILE_SIZE);
	put(f, "c", 1, FILE_SIZE);
	cache_free(f->c);
	f->c = NULL;
	assert_int_equal(cache_open(f->cache_dir, 2 * FILE_SIZE, &f->c), 0);
	cache_stats_get(f->c, &st);
	assert_int_equal(st.entries, 2);
	assert_false(exists(f, "a", 1));
	assert_true(exists(f, "c", 1));
}

static void test_deleted_by_hand_is_forgotten(void **state)
{
	struct fixture *f = *state;
	struct cache_stats st;
	char path[256];

	put(f, "a", 1, FILE_SIZE);
	put(f, "b", 1, FILE_SIZE);
	put(f, "c", 1, FILE_SIZE);
	path_of(f, "b", 1, path, sizeof path);
	assert_int_equal(unlink(path), 0);
	lookup(f, "b", 1, -ENOENT);     /* a lookup forgets it */
	cache_stats_get(f->c, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.bytes, 2 * FILE_SIZE);
	assert_int_equal(st.misses, 1);

	/* Eviction that meets a vanished file forgets it too. */
	path_of(f, "a", 1, path, sizeof path);
	assert_int_equal(unlink(path), 0);
	put(f, "d", 1, FILE_SIZE);
	put(f, "e", 1, 2 * FILE_SIZE);
	cache_stats_get(f->c, &st);
	assert_true(st.bytes <= CAP);
	assert_true(exists(f, "e", 1));

	/* Adding a file that is not there is refused and not indexed. */
	path_of(f, "zz", 1, path, sizeof path);
	assert_int_equal(cache_add(f->c, path), -ENOENT);
}

static void test_pinned_not_evicted(void **state)
{
	struct fixture *f = *state;
	char path[256];

	put(f, "a", 1, FILE_SIZE);
	put(f, "b", 1, FILE_SIZE);
	put(f, "c", 1, FILE_SIZE);
	path_of(f, "a", 1, path, sizeof path);
	cache_pin(f->c, path);
	put(f, "d", 1, FILE_SIZE);      /* a is pinned: b goes */
	assert_true(exists(f, "a", 1));
	assert_false(exists(f, "b", 1));
	cache_unpin(f->c, path);
	put(f, "e", 1, FILE_SIZE);      /* now a goes */
	assert_false(exists(f, "a", 1));
	assert_true(exists(f, "c", 1) || exists(f, "d", 1));
}

static void test_lookup_indexes_unknown_files(void **state)
{
	struct fixture *f = *state;
	struct cache_stats st;
	char path[256];
	static char buf[FILE_SIZE];

	put(f, "a", 1, FILE_SIZE);
	/* Written into the directory without cache_add (e.g. a render result
	 * nobody waited for): the first lookup indexes it. */
	path_of(f, "a", 2, path, sizeof path);
	file_put(path, buf, sizeof buf);
	assert_int_equal(cache_has(f->c, path), 1);
	lookup(f, "a", 2, 0);
	cache_stats_get(f->c, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.bytes, 2 * FILE_SIZE);
	assert_int_equal(cache_lookup(f->c, "/elsewhere/x.png"), -EINVAL);
	assert_int_equal(cache_add(f->c, "/elsewhere/x.png"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_evicts_least_recently_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_respected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_trims_to_smaller_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_by_hand_is_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_not_evicted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_indexes_unknown_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
