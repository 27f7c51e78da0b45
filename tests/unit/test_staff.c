/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_staff — staff accounts, Argon2id passwords, sessions that expire,
 * the limit on failed sign-ins, and who may touch which meeting (staff.c).
 *
 * Each test opens its own database in a fresh temporary directory; the
 * meeting rows access is checked against are written directly.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "staff.h"
#include "store.h"

#define PW "correct horse battery"
#define T0 ((time_t)1795000000) /* 2026-11-18, a fixed "now" */

struct fixture {
	char dir[64];
	struct store *st;
	struct staff_user admin, sec, other;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "staff");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(staff_user_add(f->st, "Quản trị", "admin@example.vn", STAFF_ADMIN, PW,
					 &f->admin), 0);
	assert_int_equal(staff_user_add(f->st, "Trần Thị Bình", "binh@example.vn", STAFF_SECRETARY,
					 PW, &f->sec), 0);
	assert_int_equal(staff_user_add(f->st, "Lê Minh Châu", "chau@example.vn", STAFF_SECRETARY,
					 PW, &f->other), 0);
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

/* ---- accounts ----------------------------------------------------------- */

static void password_is_stored_as_argon2id(void **state)
{
	struct fixture *f = *state;
	struct store_stmt *s = store_prepare(f->st, "SELECT password FROM staff_user WHERE id = ?");

	assert_non_null(s);
	store_bind_text(s, 1, f->sec.id);
	assert_int_equal(store_step(s), 1);
	const char *h = store_col_text(s, 0);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_null(strstr(h, PW));
	store_reset(s);
}

static void sign_in_checks_the_password(void **state)
{
	struct fixture *f = *state;
	struct staff_user u;

	assert_int_equal(staff_password_check(f->st, "binh@example.vn", PW, &u), 0);
	assert_string_equal(u.id, f->sec.id);
	assert_int_equal(u.role, STAFF_SECRETARY);
	/* The email ignores case; the password does not. */
	assert_int_equal(staff_password_check(f->st, "BINH@Example.VN", PW, &u), 0);
	assert_int_equal(staff_password_check(f->st, "binh@example.vn", "Correct horse battery", &u),
			 -EACCES);
	assert_int_equal(staff_password_check(f->st, "nobody@example.vn", PW, &u), -EACCES);
}

static void emails_are_unique_ignoring_case(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(staff_user_add(f->st, "Someone", "Binh@EXAMPLE.vn", STAFF_SECRETARY, PW, NULL),
			 -EEXIST);
	assert_int_equal(staff_user_add(f->st, "Someone", "not-an-email", STAFF_SECRETARY, PW, NULL),
			 -EINVAL);
	assert_int_equal(staff_user_add(f->st, "Someone", "a@b.vn", STAFF_SECRETARY, "short", NULL),
			 -EINVAL);
	assert_int_equal(staff_user_add(f->st, "", "a@b.vn", STAFF_SECRETARY, PW, NULL), -EINVAL);
	assert_int_equal(staff_user_add(f->st, "Someone", "a@b.vn", STAFF_NONE, PW, NULL), -EINVAL);
}

static void email_shapes(void **state)
{
	(void)state;
	assert_true(staff_email_ok("an.nguyen@so-tttt.gov.vn"));
	assert_false(staff_email_ok("an@@example"));
	assert_false(staff_email_ok("an@example"));
	assert_false(staff_email_ok("@example.vn"));
	assert_false(staff_email_ok("an @example.vn"));
	assert_false(staff_email_ok("an@.vn"));
	assert_false(staff_email_ok("an@example.vn."));
	assert_false(staff_email_ok(NULL));
}

static void disabled_account_is_refused_after_the_right_password(void **state)
{
	struct fixture *f = *state;
	struct staff_change c = { .has_disabled = true, .disabled = true };
	struct staff_user u;

	assert_int_equal(staff_user_update(f->st, f->sec.id, &c, &u), 0);
	assert_true(u.disabled);
	assert_int_equal(staff_password_check(f->st, "binh@example.vn", PW, &u), -EPERM);
	assert_int_equal(staff_password_check(f->st, "binh@example.vn", "wrong password!", &u),
			 -EACCES);
}

static void the_last_admin_stays(void **state)
{
	struct fixture *f = *state;
	struct staff_change demote = { .role = "secretary" };
	struct staff_change disable = { .has_disabled = true, .disabled = true };

	assert_int_equal(staff_user_update(f->st, f->admin.id, &demote, NULL), -EBUSY);
	assert_int_equal(staff_user_update(f->st, f->admin.id, &disable, NULL), -EBUSY);
	/* With a second admin, the first may step down. */
	struct staff_change promote = { .role = "admin" };
	assert_int_equal(staff_user_update(f->st, f->sec.id, &promote, NULL), 0);
	assert_int_equal(staff_user_update(f->st, f->admin.id, &demote, NULL), 0);
}

static void users_list_in_name_order_without_hashes(void **state)
{
	struct fixture *f = *state;
	json_t *a = staff_user_list(f->st);
	char *text;

	assert_non_null(a);
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "name")),
			    "Lê Minh Châu");
	text = json_dumps(a, 0);
	assert_null(strstr(text, "argon2"));
	free(text);
	json_decref(a);
}

/* ---- sessions ----------------------------------------------------------- */

static void session_round_trip(void **state)
{
	struct fixture *f = *state;
	char token[AUTH_TOKEN_LEN + 1], expires[32], hash[AUTH_HASH_LEN + 1];
	struct staff_user u;

	assert_int_equal(staff_session_new(f->st, f->sec.id, T0, token, expires), 0);
	assert_true(auth_token_valid(token));
	assert_int_equal(staff_session_lookup(f->st, token, T0 + 10, &u, NULL), 0);
	assert_string_equal(u.id, f->sec.id);
	/* Only the hash is stored. */
	auth_token_hash(token, hash);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM staff_session WHERE hash = ?", hash), 1);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM staff_session WHERE hash = ?", token), 0);
	assert_int_equal(staff_session_end(f->st, token), 0);
	assert_int_equal(staff_session_lookup(f->st, token, T0 + 20, &u, NULL), -ENOENT);
	assert_int_equal(staff_session_lookup(f->st, "not a token", T0, &u, NULL), -ENOENT);
}

static void session_ends_when_idle(void **state)
{
	struct fixture *f = *state;
	char token[AUTH_TOKEN_LEN + 1];
	struct staff_user u;

	assert_int_equal(staff_session_new(f->st, f->sec.id, T0, token, NULL), 0);
	/* Used every 11 hours, it lives on; left 12 hours, it ends. */
	assert_int_equal(staff_session_lookup(f->st, token, T0 + 11 * 3600, &u, NULL), 0);
	assert_int_equal(staff_session_lookup(f->st, token, T0 + 22 * 3600, &u, NULL), 0);
	assert_int_equal(staff_session_lookup(f->st, token, T0 + 34 * 3600 + 1, &u, NULL), -ETIMEDOUT);
	assert_int_equal(staff_session_lookup(f->st, token, T0 + 34 * 3600 + 2, &u, NULL), -ENOENT);
}

static void session_ends_after_seven_days_in_use(void **state)
{
	struct fixture *f = *state;
	char token[AUTH_TOKEN_LEN + 1];
	struct staff_user u;
	time_t t = T0;

	assert_int_equal(staff_session_new(f->st, f->sec.id, T0, token, NULL), 0);
	for (t = T0 + 3600; t < T0 + STAFF_LIFETIME_SECONDS; t += 3600)
		assert_int_equal(staff_session_lookup(f->st, token, t, &u, NULL), 0);
	assert_int_equal(staff_session_lookup(f->st, token, T0 + STAFF_LIFETIME_SECONDS, &u, NULL),
			 -ETIMEDOUT);
}

static void password_or_disabling_ends_sessions(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
	struct staff_user u;
	time_t now = time(NULL);

	assert_int_equal(staff_session_new(f->st, f->sec.id, now, a, NULL), 0);
	assert_int_equal(staff_session_new(f->st, f->sec.id, now, b, NULL), 0);
	/* Changing one's own password keeps the session it was changed from. */
	assert_int_equal(staff_password_change(f->st, f->sec.id, "wrong password!", "a new password",
					       a), -EACCES);
	assert_int_equal(staff_password_change(f->st, f->sec.id, PW, "short", a), -EINVAL);
	assert_int_equal(staff_password_change(f->st, f->sec.id, PW, "a new password", a), 0);
	assert_int_equal(staff_session_lookup(f->st, a, now, &u, NULL), 0);
	assert_int_equal(staff_session_lookup(f->st, b, now, &u, NULL), -ENOENT);
	assert_int_equal(staff_password_check(f->st, "binh@example.vn", "a new password", &u), 0);

	struct staff_change c = { .has_disabled = true, .disabled = true };
	assert_int_equal(staff_user_update(f->st, f->sec.id, &c, NULL), 0);
	assert_int_equal(staff_session_lookup(f->st, a, now, &u, NULL), -ENOENT);
}

/* ---- the limiter -------------------------------------------------------- */

static void five_failures_a_minute_then_wait(void **state)
{
	struct staff_limiter *l = staff_limiter_new();
	int64_t t = 1000000;

	(void)state;
	assert_non_null(l);
	for (int i = 0; i < STAFF_FAILS_MAX; i++) {
		assert_int_equal(staff_limiter_wait(l, "binh@example.vn", t + i * 1000), 0);
		staff_limiter_fail(l, "binh@example.vn", t + i * 1000);
	}
	/* The sixth, four seconds after the first failure, waits 56 s. */
	assert_int_equal(staff_limiter_wait(l, "binh@example.vn", t + 4000), 56);
	/* Case and spaces do not make another account. */
	assert_int_equal(staff_limiter_wait(l, " BINH@example.VN ", t + 4000), 56);
	/* Another account is not affected. */
	assert_int_equal(staff_limiter_wait(l, "chau@example.vn", t + 4000), 0);
	/* A minute after the oldest failure, one more try is allowed. */
	assert_int_equal(staff_limiter_wait(l, "binh@example.vn", t + 59999), 1);
	assert_int_equal(staff_limiter_wait(l, "binh@example.vn", t + 60000), 0);
	staff_limiter_fail(l, "binh@example.vn", t + 60000);
	assert_int_equal(staff_limiter_wait(l, "binh@example.vn", t + 60001), 1);
	assert_int_equal(staff_limiter_wait(l, "binh@example.vn", t + 61000), 0);
	staff_limiter_free(l);
}

static void limiter_table_is_bounded(void **state)
{
	struct staff_limiter *l = staff_limiter_new();
	char email[64];

	(void)state;
	for (int i = 0; i < STAFF_FAILS_MAX; i++)
		staff_limiter_fail(l, "target@example.vn", 5000 + i);
	/* A flood of other emails, more than the table holds, reuses the
	 * slots whose last failure is oldest: the account that failed most
	 * recently stays locked. */
	for (int i = 0; i < STAFF_LIMITER_SLOTS + 10; i++) {
		snprintf(email, sizeof email, "x%d@example.vn", i);
		staff_limiter_fail(l, email, 1000 + i % 3000);
	}
	assert_true(staff_limiter_wait(l, "target@example.vn", 5010) > 0);
	staff_limiter_free(l);
}

/* ---- meetings ----------------------------------------------------------- */

static void who_may_touch_a_meeting(void **state)
{
	struct fixture *f = *state;
	char sql[512];

	snprintf(sql, sizeof sql,
		 "INSERT INTO meeting (id, title, created, created_by) VALUES "
		 "('mmmmmmmmmm01', 'Mine', 'now', '%s'), ('mmmmmmmmmm02', 'Theirs', 'now', '%s'),"
		 "('mmmmmmmmmm03', 'Command line', 'now', NULL)", f->sec.id, f->other.id);
	assert_int_equal(store_exec(f->st, sql), 0);

	assert_true(staff_may_touch(f->st, &f->sec, "mmmmmmmmmm01"));
	assert_false(staff_may_touch(f->st, &f->sec, "mmmmmmmmmm02"));
	assert_false(staff_may_touch(f->st, &f->sec, "mmmmmmmmmm03"));
	assert_false(staff_may_touch(f->st, &f->sec, "not-an-id"));
	assert_true(staff_may_touch(f->st, &f->admin, "mmmmmmmmmm02"));
	assert_true(staff_may_touch(f->st, &f->admin, "mmmmmmmmmm03"));
	assert_false(staff_may_touch(f->st, &f->admin, "mmmmmmmmmm99"));
	assert_true(staff_may_grant(f->st, &f->sec, "mmmmmmmmmm01"));
	assert_false(staff_may_grant(f->st, &f->sec, "mmmmmmmmmm02"));

	/* Given the other's meeting, she may touch it but not pass it on. */
	assert_int_equal(staff_grant(f->st, "mmmmmmmmmm02", f->sec.id, f->other.id), 0);
	assert_int_equal(staff_grant(f->st, "mmmmmmmmmm02", f->sec.id, f->other.id), 0);
	assert_true(staff_may_touch(f->st, &f->sec, "mmmmmmmmmm02"));
	assert_false(staff_may_grant(f->st, &f->sec, "mmmmmmmmmm02"));
	json_t *who = staff_meeting_staff(f->st, "mmmmmmmmmm02");
	assert_int_equal(json_array_size(who), 2);
	assert_true(json_is_true(json_object_get(json_array_get(who, 0), "creator")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(who, 1), "id")), f->sec.id);
	json_decref(who);

	/* The creator cannot be taken off; the grant can. */
	assert_int_equal(staff_revoke(f->st, "mmmmmmmmmm02", f->other.id), -EPERM);
	assert_int_equal(staff_revoke(f->st, "mmmmmmmmmm02", f->sec.id), 0);
	assert_int_equal(staff_revoke(f->st, "mmmmmmmmmm02", f->sec.id), -ENOENT);
	assert_false(staff_may_touch(f->st, &f->sec, "mmmmmmmmmm02"));
	assert_int_equal(staff_grant(f->st, "mmmmmmmmmm99", f->sec.id, NULL), -ENOENT);

	/* A disabled secretary touches nothing, not even her own. */
	struct staff_user off = f->sec;
	off.disabled = true;
	assert_false(staff_may_touch(f->st, &off, "mmmmmmmmmm01"));
}

static void actors(void **state)
{
	char a[STAFF_ACTOR_LEN + 1];

	(void)state;
	staff_actor("u7k2m9x4q0ab", a);
	assert_string_equal(a, "staff:u7k2m9x4q0ab");
	assert_string_equal(staff_actor_user(a), "u7k2m9x4q0ab");
	assert_null(staff_actor_user("u7k2m9x4q0ab"));
	assert_null(staff_actor_user("staff:nope"));
	assert_null(staff_actor_user(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(password_is_stored_as_argon2id, setup, teardown),
		cmocka_unit_test_setup_teardown(sign_in_checks_the_password, setup, teardown),
		cmocka_unit_test_setup_teardown(emails_are_unique_ignoring_case, setup, teardown),
		cmocka_unit_test(email_shapes),
		cmocka_unit_test_setup_teardown(disabled_account_is_refused_after_the_right_password,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_last_admin_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(users_list_in_name_order_without_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(session_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(session_ends_when_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(session_ends_after_seven_days_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(password_or_disabling_ends_sessions, setup, teardown),
		cmocka_unit_test(five_failures_a_minute_then_wait),
		cmocka_unit_test(limiter_table_is_bounded),
		cmocka_unit_test_setup_teardown(who_may_touch_a_meeting, setup, teardown),
		cmocka_unit_test(actors),
	};

	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
