/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_store — the database layer (store.c): opening creates the schema in
 * WAL mode, data survives a reopen, a database from a newer program is
 * refused, statements are cached by SQL, SQLite errors arrive as negative
 * errno values and a rollback leaves nothing behind.
 *
 * Each test opens its own database in a fresh temporary directory.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "store.h"

struct fixture {
	char dir[64];
	char db[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "store");
	f->st = db_open(f->dir, f->db, sizeof f->db);
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

static void insert_meeting(struct store *st, const char *id)
{
	struct store_stmt *s = store_prepare(st,
		"INSERT INTO meeting (id, title, created) VALUES (?, 'Board', '2026-01-01T00:00:00Z')");

	assert_non_null(s);
	assert_int_equal(store_bind_text(s, 1, id), 0);
	assert_int_equal(store_step(s), 0);
	store_reset(s);
}

static void open_creates_newest_schema(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	int v = store_schema_version(f->st);

	assert_int_equal(stat(f->db, &sb), 0);
	assert_true(v >= 1);
	/* Every table the domain modules use is there. */
	static const char *tables[] = {
		"meeting", "item", "participant", "token", "session", "blob", "document", "event",
	};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		struct store_stmt *s = store_prepare(f->st,
			"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
		assert_non_null(s);
		store_bind_text(s, 1, tables[i]);
		assert_int_equal(store_step(s), 1);
		if (store_col_int(s, 0) != 1)
			fail_msg("table %s missing", tables[i]);
		store_reset(s);
	}
	/* `v` is the newest schema this program knows: a reopen leaves it there
	 * (no migration to run) and one more is refused (see below). */
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->db, &f->st), 0);
	assert_int_equal(store_schema_version(f->st), v);
}

static void reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *s;

	insert_meeting(f->st, "aaaaaaaaaaaa");
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->db, &f->st), 0);
	s = store_prepare(f->st, "SELECT id, title FROM meeting");
	assert_non_null(s);
	assert_int_equal(store_step(s), 1);
	assert_string_equal(store_col_text(s, 0), "aaaaaaaaaaaa");
	assert_string_equal(store_col_text(s, 1), "Board");
	assert_int_equal(store_step(s), 0);
	store_reset(s);
}

static void newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char sql[64];
	int v = store_schema_version(f->st);

	/* One past the newest schema this program knows. */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
	assert_int_equal(store_exec(f->st, sql), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->db, &st), -EPROTO);
	assert_null(st);
}

static void far_newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;

	assert_int_equal(store_exec(f->st, "PRAGMA user_version=999"), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->db, &st), -EPROTO);
	assert_null(st);
	/* The refusal did not downgrade or touch the file: still refused. */
	assert_int_equal(store_open(f->db, &st), -EPROTO);
	assert_null(st);
}

static void statement_cache_returns_same_statement(void **state)
{
	struct fixture *f = *state;
	/* Same text at two addresses: the cache compares the SQL, not the pointer. */
	static const char sql_a[] = "SELECT id FROM meeting WHERE id = ?";
	static char sql_b[sizeof sql_a];
	struct store_stmt *a, *b, *c;

	memcpy(sql_b, sql_a, sizeof sql_a);
	a = store_prepare(f->st, sql_a);
	b = store_prepare(f->st, sql_a);
	c = store_prepare(f->st, sql_b);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, c);
	assert_ptr_not_equal(a, store_prepare(f->st, "SELECT title FROM meeting WHERE id = ?"));
}

static void cached_statement_comes_back_reset_and_unbound(void **state)
{
	struct fixture *f = *state;
	const char *sql = "SELECT id FROM meeting WHERE ?1 IS NULL OR id = ?1 ORDER BY id";
	struct store_stmt *s;

	insert_meeting(f->st, "aaaaaaaaaaaa");
	insert_meeting(f->st, "bbbbbbbbbbbb");

	/* Left mid-way with a binding. */
	s = store_prepare(f->st, sql);
	store_bind_text(s, 1, "bbbbbbbbbbbb");
	assert_int_equal(store_step(s), 1);
	assert_string_equal(store_col_text(s, 0), "bbbbbbbbbbbb");

	/* Prepared again: from the first row, the binding cleared (NULL). */
	s = store_prepare(f->st, sql);
	assert_int_equal(store_step(s), 1);
	assert_string_equal(store_col_text(s, 0), "aaaaaaaaaaaa");
	assert_int_equal(store_step(s), 1);
	assert_string_equal(store_col_text(s, 0), "bbbbbbbbbbbb");
	assert_int_equal(store_step(s), 0);
	store_reset(s);
}

static void bad_sql_gives_null_or_error(void **state)
{
	struct fixture *f = *state;

	assert_null(store_prepare(f->st, "SELECT nonsense FROM nowhere"));
	assert_true(store_exec(f->st, "THIS IS NOT SQL") < 0);
}

static void constraint_violation_is_eexist(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *s;

	insert_meeting(f->st, "aaaaaaaaaaaa");

	/* A duplicate primary key, through a prepared statement… */
	s = store_prepare(f->st,
		"INSERT INTO meeting (id, title, created) VALUES (?, 'Again', '2026-01-01T00:00:00Z')");
	assert_non_null(s);
	store_bind_text(s, 1, "aaaaaaaaaaaa");
	assert_int_equal(store_step(s), -EEXIST);
	store_reset(s);

	/* …and through store_exec. */
	assert_int_equal(store_exec(f->st,
		"INSERT INTO meeting (id, title, created) VALUES ('aaaaaaaaaaaa', 'x', 'y')"), -EEXIST);

	/* A CHECK constraint and NOT NULL are constraints too. */
	assert_int_equal(store_exec(f->st,
		"INSERT INTO meeting (id, title, state, created) VALUES ('cccccccccccc', 'x', 'bogus', 'y')"),
		-EEXIST);
	assert_int_equal(store_exec(f->st,
		"INSERT INTO meeting (id, created) VALUES ('dddddddddddd', 'y')"), -EEXIST);

	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM meeting", NULL), 1);
}

static void foreign_keys_are_enforced(void **state)
{
	struct fixture *f = *state;

	/* An agenda item of a meeting that does not exist. */
	assert_int_equal(store_exec(f->st,
		"INSERT INTO item (id, meeting, position, title) "
		"VALUES ('iiiiiiiiiiii', 'nosuchmeetin', 1, 'x')"), -EEXIST);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM item", NULL), 0);
}

static void rollback_discards(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->st), 0);
	insert_meeting(f->st, "aaaaaaaaaaaa");
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM meeting", NULL), 1);
	store_rollback(f->st);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM meeting", NULL), 0);

	/* Rolling back outside a transaction is harmless. */
	store_rollback(f->st);

	/* A committed transaction stays, also after a reopen. */
	assert_int_equal(store_begin(f->st), 0);
	insert_meeting(f->st, "bbbbbbbbbbbb");
	assert_int_equal(store_commit(f->st), 0);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->db, &f->st), 0);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM meeting", NULL), 1);
}

static void transactions_do_not_nest(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->st), 0);
	assert_true(store_begin(f->st) < 0);
	store_rollback(f->st);
	/* And after the rollback a new one starts. */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_commit(f->st), 0);
}

static void wal_mode_is_on(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *s = store_prepare(f->st, "PRAGMA journal_mode");

	assert_non_null(s);
	assert_int_equal(store_step(s), 1);
	assert_string_equal(store_col_text(s, 0), "wal");
	store_reset(s);
	assert_int_equal(query_int(f->st, "PRAGMA foreign_keys", NULL), 1);
	assert_int_equal(query_int(f->st, "PRAGMA synchronous", NULL), 1); /* NORMAL */
}

/* A durable transaction commits with synchronous=FULL, and the default
 * comes back after it, committed or rolled back. */
static void durable_transaction_is_full_then_normal(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin_durable(f->st), 0);
	assert_int_equal(query_int(f->st, "PRAGMA synchronous", NULL), 2); /* FULL */
	assert_int_equal(store_exec(f->st, "CREATE TABLE d (x INTEGER)"), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(query_int(f->st, "PRAGMA synchronous", NULL), 1);
	assert_int_equal(store_begin_durable(f->st), 0);
	store_rollback(f->st);
	assert_int_equal(query_int(f->st, "PRAGMA synchronous", NULL), 1);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM d", NULL), 0);
}

static void changes_and_null_columns(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *s;

	insert_meeting(f->st, "aaaaaaaaaaaa");
	insert_meeting(f->st, "bbbbbbbbbbbb");
	assert_int_equal(store_exec(f->st, "UPDATE meeting SET org = 'Org'"), 0);
	assert_int_equal(store_changes(f->st), 2);

	s = store_prepare(f->st, "SELECT starts, ? FROM meeting LIMIT 1");
	store_bind_text(s, 1, NULL);
	assert_int_equal(store_step(s), 1);
	assert_true(store_col_null(s, 0));
	assert_true(store_col_null(s, 1));
	store_reset(s);
}

static void open_in_missing_directory_fails(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char path[192];

	snprintf(path, sizeof path, "%s/no/such/dir/plenum.db", f->dir);
	assert_true(store_open(path, &st) < 0);
	assert_null(st);
	store_close(NULL); /* a no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open_creates_newest_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(far_newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(statement_cache_returns_same_statement, setup, teardown),
		cmocka_unit_test_setup_teardown(cached_statement_comes_back_reset_and_unbound, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_sql_gives_null_or_error, setup, teardown),
		cmocka_unit_test_setup_teardown(constraint_violation_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_keys_are_enforced, setup, teardown),
		cmocka_unit_test_setup_teardown(rollback_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(transactions_do_not_nest, setup, teardown),
		cmocka_unit_test_setup_teardown(wal_mode_is_on, setup, teardown),
		cmocka_unit_test_setup_teardown(durable_transaction_is_full_then_normal, setup, teardown),
		cmocka_unit_test_setup_teardown(changes_and_null_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(open_in_missing_directory_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
