/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_auth — identifiers, tokens, the server key, room tokens, the
 * permission table, stored join tokens and sessions (auth.c).
 *
 * Tests that need a database open their own in a fresh temporary directory
 * and write the meeting and participant rows a session refers to directly,
 * so that only auth.c is under test.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth.h"
#include "store.h"

#define MEETING "mmmmmmmmmmm1"
#define MEMBER "pppppppppp01"
#define CHAIR "pppppppppp02"

struct fixture {
	char dir[64];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "auth");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(store_exec(f->st,
		"INSERT INTO meeting (id, title, created) VALUES ('" MEETING "', 'Board', 'now');"
		"INSERT INTO participant (id, meeting, name, role, created) VALUES "
		"  ('" MEMBER "', '" MEETING "', 'Nguyễn Văn An', 'member', 'now'),"
		"  ('" CHAIR "', '" MEETING "', 'Chair', 'chair', 'now');"), 0);
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

static bool only(const char *s, const char *alphabet)
{
	return strspn(s, alphabet) == strlen(s);
}

/* ---- identifiers and tokens --------------------------------------------- */

static void ids_are_12_lowercase_alnum_and_differ(void **state)
{
	char ids[64][AUTH_ID_LEN + 1];

	(void)state;
	for (int i = 0; i < 64; i++) {
		auth_id_new(ids[i]);
		assert_int_equal(strlen(ids[i]), AUTH_ID_LEN);
		assert_true(only(ids[i], "abcdefghijklmnopqrstuvwxyz0123456789"));
		assert_true(auth_id_valid(ids[i]));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
	}
}

static void id_shape_is_checked(void **state)
{
	(void)state;
	assert_true(auth_id_valid("abcdefghij09"));
	assert_false(auth_id_valid(NULL));
	assert_false(auth_id_valid(""));
	assert_false(auth_id_valid("abcdefghij0"));    /* 11 */
	assert_false(auth_id_valid("abcdefghij012"));  /* 13 */
	assert_false(auth_id_valid("Abcdefghij09"));   /* upper case */
	assert_false(auth_id_valid("abcdefghij-9"));
	assert_false(auth_id_valid("abcdefghij/9"));
}

static void tokens_are_22_base64url_and_differ(void **state)
{
	char tokens[64][AUTH_TOKEN_LEN + 1];

	(void)state;
	for (int i = 0; i < 64; i++) {
		auth_token_new(tokens[i]);
		assert_int_equal(strlen(tokens[i]), AUTH_TOKEN_LEN);
		assert_true(only(tokens[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789-_"));
		assert_true(auth_token_valid(tokens[i]));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(tokens[i], tokens[j]);
	}
}

static void token_shape_is_checked(void **state)
{
	(void)state;
	assert_true(auth_token_valid("AZaz09-_AZaz09-_AZaz09"));
	assert_false(auth_token_valid(NULL));
	assert_false(auth_token_valid(""));
	assert_false(auth_token_valid("AZaz09-_AZaz09-_AZaz0"));   /* 21 */
	assert_false(auth_token_valid("AZaz09-_AZaz09-_AZaz09x")); /* 23 */
	assert_false(auth_token_valid("AZaz09+/AZaz09-_AZaz09"));  /* base64, not url */
	assert_false(auth_token_valid("AZaz09-_AZaz09-_AZaz0="));  /* padding */
	assert_false(auth_token_valid("AZaz09-_AZaz09-_AZa z0"));
	assert_false(auth_token_valid("AZaz09-_AZaz09-_AZ\xc3\xa1z0")); /* 22 bytes, "á" */
}

static void token_hash_is_sha256_hex(void **state)
{
	char hash[AUTH_HASH_LEN + 1];

	(void)state;
	/* FIPS 180-2, appendix B.1 */
	auth_token_hash("abc", hash);
	assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	auth_token_hash("", hash);
	assert_string_equal(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- the server key and room tokens -------------------------------------- */

static void key_is_created_0600_and_reloaded(void **state)
{
	struct fixture *f = *state;
	struct auth_key a, b;
	struct stat sb;
	char path[128];

	memset(&a, 0, sizeof a);
	memset(&b, 0xff, sizeof b);
	snprintf(path, sizeof path, "%s/secret.key", f->dir);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(auth_key_load(f->dir, &a), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, sizeof a.key);

	assert_int_equal(auth_key_load(f->dir, &b), 0);
	assert_memory_equal(a.key, b.key, sizeof a.key);
	/* Random, not all zero. */
	static const unsigned char zero[sizeof a.key];
	assert_memory_not_equal(a.key, zero, sizeof a.key);
}

static void damaged_key_is_refused(void **state)
{
	struct fixture *f = *state;
	struct auth_key k;
	char path[128];

	snprintf(path, sizeof path, "%s/secret.key", f->dir);
	file_put(path, "short", 5);
	assert_int_equal(auth_key_load(f->dir, &k), -EIO);
}

static void key_in_missing_directory_fails(void **state)
{
	struct fixture *f = *state;
	struct auth_key k;
	char dir[128];

	snprintf(dir, sizeof dir, "%s/no/such", f->dir);
	assert_true(auth_key_load(dir, &k) < 0);
}

static void room_token_is_deterministic(void **state)
{
	struct auth_key k1, k2;
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];

	(void)state;
	memset(k1.key, 1, sizeof k1.key);
	memset(k2.key, 2, sizeof k2.key);

	auth_room_token(&k1, MEETING, 1, a);
	auth_room_token(&k1, MEETING, 1, b);
	assert_true(auth_token_valid(a));
	assert_string_equal(a, b);

	auth_room_token(&k1, MEETING, 2, b); /* re-issued */
	assert_true(auth_token_valid(b));
	assert_string_not_equal(a, b);

	auth_room_token(&k2, MEETING, 1, b); /* another server */
	assert_string_not_equal(a, b);

	auth_room_token(&k1, "mmmmmmmmmmm2", 1, b); /* another meeting */
	assert_string_not_equal(a, b);
}

/* ---- roles and permissions ------------------------------------------------ */

static void permission_table(void **state)
{
	static const struct {
		enum auth_role role;
		bool read, present, upload, original, poll, vote, meeting, attendance, speak, floor, source;
	} table[] = {
		{ ROLE_CHAIR,     true, true,  true,  true,  true,  true,  true,  true,  true,  true, true },
		{ ROLE_SECRETARY, true, false, true,  true,  false, false, false, true,  false, false, true },
		{ ROLE_MEMBER,    true, false, false, false, false, true,  false, false, true,  false, false },
		{ ROLE_GUEST,     true, false, false, false, false, false, false, false, true,  false, false },
		{ ROLE_DISPLAY,   true, false, false, false, false, false, false, false, false, false, true },
		{ ROLE_NONE,      false, false, false, false, false, false, false, false, false, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		enum auth_role r = table[i].role;
		if (auth_may(r, ACT_READ) != table[i].read ||
		    auth_may(r, ACT_PRESENT) != table[i].present ||
		    auth_may(r, ACT_UPLOAD) != table[i].upload ||
		    auth_may(r, ACT_ORIGINAL) != table[i].original ||
		    auth_may(r, ACT_POLL) != table[i].poll ||
		    auth_may(r, ACT_VOTE) != table[i].vote ||
		    auth_may(r, ACT_MEETING) != table[i].meeting ||
		    auth_may(r, ACT_ATTENDANCE) != table[i].attendance ||
		    auth_may(r, ACT_SPEAK) != table[i].speak ||
		    auth_may(r, ACT_FLOOR) != table[i].floor ||
		    auth_may(r, ACT_SOURCE) != table[i].source)
			fail_msg("wrong permissions for %s", auth_role_name(r));
	}
	assert_false(auth_may(ROLE_CHAIR, (enum auth_action)(ACT_SOURCE + 1)));
}

static void role_names_round_trip(void **state)
{
	static const char *names[] = { "chair", "secretary", "member", "guest", "display" };

	(void)state;
	for (int r = 0; r < ROLE_NONE; r++) {
		assert_string_equal(auth_role_name((enum auth_role)r), names[r]);
		assert_int_equal(auth_role_parse(names[r]), r);
	}
	assert_string_equal(auth_role_name(ROLE_NONE), "none");
	assert_int_equal(auth_role_parse(NULL), ROLE_NONE);
	assert_int_equal(auth_role_parse("Chair"), ROLE_NONE);
	assert_int_equal(auth_role_parse("none"), ROLE_NONE);
	assert_int_equal(auth_role_parse(""), ROLE_NONE);
}

/* ---- stored join tokens ---------------------------------------------------- */

static void stored_token_is_only_its_hash(void **state)
{
	struct fixture *f = *state;
	char token[AUTH_TOKEN_LEN + 1], hash[AUTH_HASH_LEN + 1];
	struct store_stmt *s;

	auth_token_new(token);
	assert_int_equal(auth_token_store(f->st, token, MEETING, "personal", MEMBER), 0);
	auth_token_hash(token, hash);
	s = store_prepare(f->st, "SELECT hash FROM token");
	assert_int_equal(store_step(s), 1);
	assert_string_equal(store_col_text(s, 0), hash);
	assert_int_equal(store_step(s), 0);
	store_reset(s);
	/* The plaintext is nowhere in the table. */
	s = store_prepare(f->st, "SELECT COUNT(*) FROM token WHERE hash = ?1 OR meeting = ?1 "
				 "OR participant = ?1 OR created = ?1");
	store_bind_text(s, 1, token);
	assert_int_equal(store_step(s), 1);
	assert_int_equal(store_col_int(s, 0), 0);
	store_reset(s);
}

static void token_lookup(void **state)
{
	struct fixture *f = *state;
	char room[AUTH_TOKEN_LEN + 1], personal[AUTH_TOKEN_LEN + 1], other[AUTH_TOKEN_LEN + 1];
	char meeting[AUTH_ID_LEN + 1], participant[AUTH_ID_LEN + 1];
	bool is_personal = false;

	auth_token_new(room);
	auth_token_new(personal);
	auth_token_new(other);
	assert_int_equal(auth_token_store(f->st, room, MEETING, "room", NULL), 0);
	assert_int_equal(auth_token_store(f->st, personal, MEETING, "personal", MEMBER), 0);

	assert_int_equal(auth_token_lookup(f->st, room, meeting, participant, &is_personal), 0);
	assert_string_equal(meeting, MEETING);
	assert_string_equal(participant, "");
	assert_false(is_personal);

	assert_int_equal(auth_token_lookup(f->st, personal, meeting, participant, &is_personal), 0);
	assert_string_equal(meeting, MEETING);
	assert_string_equal(participant, MEMBER);
	assert_true(is_personal);

	assert_int_equal(auth_token_lookup(f->st, other, meeting, participant, &is_personal), -ENOENT);
	assert_int_equal(auth_token_lookup(f->st, "short", meeting, participant, &is_personal), -ENOENT);
	assert_int_equal(auth_token_lookup(f->st, "", meeting, participant, &is_personal), -ENOENT);

	/* A revoked token opens nothing. */
	assert_int_equal(store_exec(f->st, "UPDATE token SET revoked = 1 WHERE kind = 'personal'"), 0);
	assert_int_equal(auth_token_lookup(f->st, personal, meeting, participant, &is_personal),
			 -ENOENT);

	/* The same token twice is a conflict, not a second row. */
	assert_int_equal(auth_token_store(f->st, room, MEETING, "room", NULL), -EEXIST);
}

/* ---- sessions ---------------------------------------------------------------- */

static void session_lookup_gives_participant(void **state)
{
	struct fixture *f = *state;
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
	struct auth_who who;

	assert_int_equal(auth_session_new(f->st, MEETING, MEMBER, a), 0);
	assert_true(auth_token_valid(a));
	assert_int_equal(auth_session_new(f->st, MEETING, CHAIR, b), 0);
	assert_string_not_equal(a, b);

	memset(&who, 0, sizeof who);
	assert_int_equal(auth_session_lookup(f->st, a, &who), 0);
	assert_string_equal(who.meeting, MEETING);
	assert_string_equal(who.participant, MEMBER);
	assert_int_equal(who.role, ROLE_MEMBER);
	assert_string_equal(who.name, "Nguyễn Văn An");

	assert_int_equal(auth_session_lookup(f->st, b, &who), 0);
	assert_string_equal(who.participant, CHAIR);
	assert_int_equal(who.role, ROLE_CHAIR);
}

static void session_unknown_or_malformed(void **state)
{
	struct fixture *f = *state;
	char token[AUTH_TOKEN_LEN + 1], hash[AUTH_HASH_LEN + 1];
	struct auth_who who;

	auth_token_new(token);
	assert_int_equal(auth_session_lookup(f->st, token, &who), -ENOENT);
	assert_int_equal(auth_session_lookup(f->st, "", &who), -ENOENT);
	assert_int_equal(auth_session_lookup(f->st, "not a token", &who), -ENOENT);
	assert_int_equal(auth_session_lookup(f->st, "AZaz09+/AZaz09-_AZaz09", &who), -ENOENT);

	/* The stored hash is not a session token either. */
	assert_int_equal(auth_session_new(f->st, MEETING, MEMBER, token), 0);
	auth_token_hash(token, hash);
	assert_int_equal(auth_session_lookup(f->st, hash, &who), -ENOENT);
}

static void session_expired(void **state)
{
	struct fixture *f = *state;
	char token[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	struct store_stmt *s;
	char now[32], month[32];

	assert_int_equal(auth_session_new(f->st, MEETING, MEMBER, token), 0);

	/* Valid for about 30 days. */
	auth_now_iso(now, 29 * 24 * 3600);
	auth_now_iso(month, 31 * 24 * 3600);
	s = store_prepare(f->st, "SELECT expires FROM session");
	assert_int_equal(store_step(s), 1);
	assert_true(strcmp(store_col_text(s, 0), now) > 0);
	assert_true(strcmp(store_col_text(s, 0), month) < 0);
	store_reset(s);

	assert_int_equal(store_exec(f->st, "UPDATE session SET expires = '2000-01-01T00:00:00Z'"), 0);
	assert_int_equal(auth_session_lookup(f->st, token, &who), -ENOENT);
}

static void now_iso_shape(void **state)
{
	char a[32], b[32];

	(void)state;
	auth_now_iso(a, 0);
	assert_int_equal(strlen(a), 20);
	assert_int_equal(a[4], '-');
	assert_int_equal(a[10], 'T');
	assert_int_equal(a[19], 'Z');
	auth_now_iso(b, 3600);
	assert_true(strcmp(a, b) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_are_12_lowercase_alnum_and_differ),
		cmocka_unit_test(id_shape_is_checked),
		cmocka_unit_test(tokens_are_22_base64url_and_differ),
		cmocka_unit_test(token_shape_is_checked),
		cmocka_unit_test(token_hash_is_sha256_hex),
		cmocka_unit_test_setup_teardown(key_is_created_0600_and_reloaded, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_key_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(key_in_missing_directory_fails, setup, teardown),
		cmocka_unit_test(room_token_is_deterministic),
		cmocka_unit_test(permission_table),
		cmocka_unit_test(role_names_round_trip),
		cmocka_unit_test_setup_teardown(stored_token_is_only_its_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(token_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(session_lookup_gives_participant, setup, teardown),
		cmocka_unit_test_setup_teardown(session_unknown_or_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(session_expired, setup, teardown),
		cmocka_unit_test(now_iso_shape),
	};

	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
