/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_vote — polls and ballots (vote.c): the majority rules at their edges,
 * attendance and quorum frozen at opening, one ballot per voter enforced by
 * the database, and a secret poll's tables holding nothing that links a
 * voter to a choice.
 *
 * Each test opens a fresh database in its own temporary directory, creates
 * a meeting (chair, secretary, display) and adds members; "checked in"
 * means joined with the personal token, as a person does.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "auth.h"
#include "meeting.h"
#include "store.h"
#include "vote.h"

#define MAXP 12

struct fixture {
	char dir[64];
	struct store *st;
	struct auth_key key;
	struct meeting_created m;
	char chair[AUTH_ID_LEN + 1];
	char secretary[AUTH_ID_LEN + 1];
	char guest[AUTH_ID_LEN + 1];
	int nmembers;
	char member[MAXP][AUTH_ID_LEN + 1];
	char token[MAXP][AUTH_TOKEN_LEN + 1];
};

static void join_token(struct fixture *f, const char *token, struct auth_who *who)
{
	char session[AUTH_TOKEN_LEN + 1];
	json_t *ev = NULL;

	assert_int_equal(meeting_join(f->st, token, NULL, NULL, who, session, &ev), 0);
	json_decref(ev);
}

/* A meeting with `members` members besides the chair, and a guest; the
 * chair and the secretary are checked in. */
static void meeting_with(struct fixture *f, int members)
{
	static const char *const agenda[] = { "Biểu quyết" };
	struct meeting_new m = { .title = "Họp biểu quyết", .agenda = agenda, .nagenda = 1 };
	struct auth_who who;
	char name[32];
	json_t *ev;

	assert_int_equal(meeting_create(f->st, &f->key, &m, &f->m), 0);
	join_token(f, f->m.chair_token, &who);
	snprintf(f->chair, sizeof f->chair, "%s", who.participant);
	join_token(f, f->m.secretary_token, &who);
	snprintf(f->secretary, sizeof f->secretary, "%s", who.participant);
	for (int i = 0; i < members; i++) {
		snprintf(name, sizeof name, "Thành viên %02d", i + 1);
		ev = NULL;
		assert_int_equal(meeting_participant_add(f->st, f->m.id, name, NULL, ROLE_MEMBER,
							 NULL, f->member[i], f->token[i], &ev), 0);
		json_decref(ev);
	}
	f->nmembers = members;
	char gt[AUTH_TOKEN_LEN + 1];
	ev = NULL;
	assert_int_equal(meeting_participant_add(f->st, f->m.id, "Khách mời", NULL, ROLE_GUEST,
						 NULL, f->guest, gt, &ev), 0);
	json_decref(ev);
	join_token(f, gt, &who);
}

static void checkin(struct fixture *f, int i)
{
	struct auth_who who;

	join_token(f, f->token[i], &who);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "vote");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(auth_key_load(f->dir, &f->key), 0);
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

static void open_poll(struct fixture *f, bool secret, enum vote_rule rule,
		      char id[AUTH_ID_LEN + 1], json_t **event)
{
	struct vote_open o = { .question = "Thông qua báo cáo tài chính năm 2026?",
			       .secret = secret, .rule = rule };
	json_t *ev = NULL;

	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, id, &ev), 0);
	if (event)
		*event = ev;
	else
		json_decref(ev);
}

static int cast(struct fixture *f, const char *poll, const char *who, int option)
{
	struct vote_ballot b = { .meeting = f->m.id, .poll = poll, .participant = who,
				 .option = option };

	assert_int_equal(vote_ballots_cast(f->st, &b, 1), 0);
	return b.result;
}

static json_t *close_poll(struct fixture *f, const char *poll)
{
	json_t *ev = NULL;

	assert_int_equal(vote_poll_close(f->st, f->m.id, f->chair, poll, &ev), 0);
	assert_non_null(ev);
	return ev;
}

static int64_t count_at(json_t *ev, size_t i)
{
	return json_integer_value(json_array_get(json_object_get(ev, "counts"), i));
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- the rules ---------------------------------------------------------- */

static void test_rule_cast(void **state)
{
	(void)state;
	/* for, against, abstain; abstentions are not votes cast */
	assert_false(vote_outcome(VOTE_CAST, (int64_t[]){ 2, 2, 0 }, 3, 2, 10, 10)); /* tie */
	assert_true(vote_outcome(VOTE_CAST, (int64_t[]){ 3, 2, 0 }, 3, 2, 10, 10));
	assert_true(vote_outcome(VOTE_CAST, (int64_t[]){ 3, 2, 9 }, 3, 2, 20, 20));
	assert_false(vote_outcome(VOTE_CAST, (int64_t[]){ 2, 2, 9 }, 3, 2, 20, 20));
	assert_false(vote_outcome(VOTE_CAST, (int64_t[]){ 0, 0, 5 }, 3, 2, 5, 5)); /* all abstain */
	assert_false(vote_outcome(VOTE_CAST, (int64_t[]){ 0, 0, 0 }, 3, 2, 5, 5)); /* nobody */
	assert_true(vote_outcome(VOTE_CAST, (int64_t[]){ 1, 0, 0 }, 3, 2, 5, 5));
	/* custom options, no abstain: the first needs more than half of all */
	assert_false(vote_outcome(VOTE_CAST, (int64_t[]){ 3, 2, 1 }, 3, -1, 9, 9));
	assert_true(vote_outcome(VOTE_CAST, (int64_t[]){ 4, 2, 1 }, 3, -1, 9, 9));
}

static void test_rule_two_thirds(void **state)
{
	(void)state;
	assert_true(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 2, 1, 0 }, 3, 2, 9, 9)); /* exactly */
	assert_true(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 10, 5, 7 }, 3, 2, 30, 30));
	assert_false(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 9, 5, 0 }, 3, 2, 30, 30));
	assert_false(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 5, 3, 0 }, 3, 2, 30, 30));
	assert_false(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 1, 1, 0 }, 3, 2, 9, 9));
	assert_false(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 0, 0, 4 }, 3, 2, 9, 9));
	assert_false(vote_outcome(VOTE_TWO_THIRDS, (int64_t[]){ 0, 0, 0 }, 3, 2, 9, 9));
}

static void test_rule_present_and_all(void **state)
{
	(void)state;
	/* present: more than half of the eligible (present at opening) */
	assert_false(vote_outcome(VOTE_PRESENT, (int64_t[]){ 5, 0, 0 }, 3, 2, 10, 20));
	assert_true(vote_outcome(VOTE_PRESENT, (int64_t[]){ 6, 0, 4 }, 3, 2, 10, 20));
	assert_true(vote_outcome(VOTE_PRESENT, (int64_t[]){ 5, 0, 0 }, 3, 2, 9, 9));
	assert_false(vote_outcome(VOTE_PRESENT, (int64_t[]){ 2, 0, 0 }, 3, 2, 4, 9)); /* half */
	/* all: more than half of every member, present or not */
	assert_false(vote_outcome(VOTE_ALL, (int64_t[]){ 10, 0, 0 }, 3, 2, 10, 20));
	assert_true(vote_outcome(VOTE_ALL, (int64_t[]){ 11, 0, 0 }, 3, 2, 12, 20));
	assert_false(vote_outcome(VOTE_ALL, (int64_t[]){ 8, 1, 0 }, 3, 2, 9, 20));
}

/* ---- opening ------------------------------------------------------------ */

static void test_open_freezes_attendance(void **state)
{
	struct fixture *f = *state;
	char poll[AUTH_ID_LEN + 1];
	json_t *ev;

	meeting_with(f, 4);
	checkin(f, 0);
	checkin(f, 1);
	open_poll(f, false, VOTE_CAST, poll, &ev);
	assert_string_equal(str(ev, "type"), "poll.opened");
	assert_string_equal(str(ev, "poll"), poll);
	assert_int_equal(json_integer_value(json_object_get(ev, "eligible")), 3);
	assert_int_equal(json_integer_value(json_object_get(ev, "members")), 5);
	assert_true(json_is_true(json_object_get(ev, "quorum")));
	assert_string_equal(str(ev, "rule"), "cast");
	assert_int_equal(json_array_size(json_object_get(ev, "options")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "options"), 2)),
			    "abstain");
	json_decref(ev);

	/* A member who checks in after opening does not vote in this poll. */
	checkin(f, 2);
	assert_int_equal(cast(f, poll, f->member[2], 0), -EPERM);
	assert_int_equal(cast(f, poll, f->member[3], 0), -EPERM); /* never came */
	assert_int_equal(cast(f, poll, f->secretary, 0), -EPERM);
	assert_int_equal(cast(f, poll, f->guest, 0), -EPERM);
	assert_int_equal(cast(f, poll, f->chair, 0), 0);
	assert_int_equal(cast(f, poll, f->member[0], 1), 0);

	int64_t c, e;
	bool open;
	assert_int_equal(vote_progress(f->st, f->m.id, poll, &c, &e, &open), 0);
	assert_int_equal(c, 2);
	assert_int_equal(e, 3);
	assert_true(open);
}

static void test_quorum_frozen_at_opening(void **state)
{
	struct fixture *f = *state;
	char poll[AUTH_ID_LEN + 1];
	json_t *ev;

	meeting_with(f, 5); /* six members with the chair */
	checkin(f, 0);
	checkin(f, 1);      /* three of six present: not more than half */
	open_poll(f, true, VOTE_PRESENT, poll, &ev);
	assert_true(json_is_false(json_object_get(ev, "quorum")));
	json_decref(ev);
	checkin(f, 2);
	checkin(f, 3);      /* five of six now, but the poll keeps its quorum */
	json_t *polls = vote_state(f->st, f->m.id, f->chair);
	assert_int_equal(json_array_size(polls), 1);
	assert_true(json_is_false(json_object_get(json_array_get(polls, 0), "quorum")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(polls, 0), "eligible")), 3);
	json_decref(polls);
	assert_int_equal(cast(f, poll, f->chair, 0), 0);
	assert_int_equal(cast(f, poll, f->member[0], 0), 0);
	ev = close_poll(f, poll);
	assert_true(json_is_false(json_object_get(ev, "quorum")));
	assert_string_equal(str(ev, "outcome"), "passed"); /* 2 of 3 present */
	json_decref(ev);

	/* The next poll sees the new attendance. */
	open_poll(f, false, VOTE_CAST, poll, &ev);
	assert_true(json_is_true(json_object_get(ev, "quorum")));
	assert_int_equal(json_integer_value(json_object_get(ev, "eligible")), 5);
	json_decref(ev);
}

static void test_open_refusals(void **state)
{
	struct fixture *f = *state;
	char poll[AUTH_ID_LEN + 1], other[AUTH_ID_LEN + 1];
	json_t *ev = NULL;
	static const char *const one[] = { "Có" };
	static const char *const dup[] = { "Có", "Có" };
	static const char *const eleven[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11" };
	char long_q[2100];

	meeting_with(f, 2);
	struct vote_open o = { .question = "", .rule = VOTE_CAST };
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EINVAL);
	memset(long_q, 'a', 501);
	long_q[501] = 0;
	o.question = long_q;
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EINVAL);
	long_q[500] = 0;
	o.options = one;
	o.noptions = 1;
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EINVAL);
	o.options = dup;
	o.noptions = 2;
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EINVAL);
	o.options = eleven;
	o.noptions = 11;
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EINVAL);
	o.noptions = 10;
	o.rule = VOTE_RULE_NONE;
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EINVAL);
	o.rule = VOTE_TWO_THIRDS;
	assert_int_equal(vote_poll_open(f->st, "nosuchmeetin", f->chair, &o, poll, &ev), -ENOENT);
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), 0); /* 500 chars, 10 options */
	json_decref(ev);

	/* One open poll per meeting. */
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, other, &ev), -EALREADY);
	assert_null(ev);
	ev = close_poll(f, poll);
	json_decref(ev);
	assert_int_equal(vote_poll_close(f->st, f->m.id, f->chair, poll, &ev), -EALREADY);
	assert_int_equal(vote_poll_close(f->st, f->m.id, f->chair, "nosuchpollxx", &ev), -ENOENT);
	open_poll(f, false, VOTE_CAST, other, NULL);
	/* The database refuses a second open poll even past the module. */
	assert_int_equal(store_exec(f->st, "UPDATE poll SET state = 'open'"), -EEXIST);
	/* A closed meeting takes no poll. */
	ev = close_poll(f, other);
	json_decref(ev);
	assert_int_equal(store_exec(f->st, "UPDATE meeting SET state = 'closed'"), 0);
	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), -EPERM);
}

/* ---- ballots ------------------------------------------------------------ */

static void test_one_ballot_per_voter(void **state)
{
	struct fixture *f = *state;
	char poll[AUTH_ID_LEN + 1];

	meeting_with(f, 3);
	for (int i = 0; i < 3; i++)
		checkin(f, i);
	open_poll(f, false, VOTE_CAST, poll, NULL);
	assert_int_equal(cast(f, poll, f->member[0], 0), 0);
	assert_int_equal(cast(f, poll, f->member[0], 1), -EEXIST);
	assert_int_equal(cast(f, poll, f->member[1], 3), -ERANGE);
	assert_int_equal(cast(f, poll, f->member[1], -1), -ERANGE);
	assert_int_equal(cast(f, "nosuchpollxx", f->member[1], 0), -ENOENT);

	/* One batch: the second ballot of the same voter is refused alone. */
	struct vote_ballot b[3] = {
		{ .meeting = f->m.id, .poll = poll, .participant = f->member[1], .option = 1 },
		{ .meeting = f->m.id, .poll = poll, .participant = f->member[1], .option = 0 },
		{ .meeting = f->m.id, .poll = poll, .participant = f->member[2], .option = 2 },
	};
	assert_int_equal(vote_ballots_cast(f->st, b, 3), 0);
	assert_int_equal(b[0].result, 0);
	assert_int_equal(b[1].result, -EEXIST);
	assert_int_equal(b[2].result, 0);

	/* The database itself refuses a second row, past the module. */
	char sql[160];
	snprintf(sql, sizeof sql, "INSERT INTO poll_voter (poll, participant) VALUES ('%s', '%s')",
		 poll, f->member[0]);
	assert_int_equal(store_exec(f->st, sql), -EEXIST);
	snprintf(sql, sizeof sql, "INSERT INTO ballot (poll, participant, option) "
				  "VALUES ('%s', '%s', 0)", poll, f->member[0]);
	assert_int_equal(store_exec(f->st, sql), -EEXIST);

	json_t *ev = close_poll(f, poll);
	assert_int_equal(count_at(ev, 0), 1);
	assert_int_equal(count_at(ev, 1), 1);
	assert_int_equal(count_at(ev, 2), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "cast")), 3);
	assert_string_equal(str(ev, "outcome"), "failed"); /* 1 of 2 cast: a tie */
	json_decref(ev);

	/* After the close: refused, and nothing changes. */
	assert_int_equal(cast(f, poll, f->chair, 0), -ESRCH);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM poll_voter WHERE poll = ?", poll), 3);
}

static void test_named_poll_names_and_missing(void **state)
{
	struct fixture *f = *state;
	char poll[AUTH_ID_LEN + 1];
	json_t *missing = NULL;

	meeting_with(f, 4);
	for (int i = 0; i < 4; i++)
		checkin(f, i);
	open_poll(f, false, VOTE_ALL, poll, NULL);
	assert_int_equal(vote_missing(f->st, f->m.id, poll, &missing), 0);
	assert_int_equal(json_array_size(missing), 5);
	json_decref(missing);
	assert_int_equal(cast(f, poll, f->member[2], 0), 0);
	assert_int_equal(cast(f, poll, f->member[0], 0), 0);
	assert_int_equal(cast(f, poll, f->member[1], 1), 0);
	assert_int_equal(cast(f, poll, f->chair, 2), 0);
	assert_int_equal(vote_missing(f->st, f->m.id, poll, &missing), 0);
	assert_int_equal(json_array_size(missing), 1);
	assert_string_equal(str(json_array_get(missing, 0), "participant"), f->member[3]);
	assert_string_equal(str(json_array_get(missing, 0), "name"), "Thành viên 04");
	json_decref(missing);

	json_t *polls = vote_state(f->st, f->m.id, f->member[0]);
	json_t *p = json_array_get(polls, 0);
	assert_string_equal(str(p, "state"), "open");
	assert_int_equal(json_integer_value(json_object_get(p, "cast")), 4);
	assert_true(json_is_true(json_object_get(p, "voted")));
	assert_null(json_object_get(p, "counts")); /* no partial results */
	json_decref(polls);
	polls = vote_state(f->st, f->m.id, f->member[3]);
	assert_true(json_is_false(json_object_get(json_array_get(polls, 0), "voted")));
	json_decref(polls);

	json_t *ev = close_poll(f, poll);
	json_t *names = json_object_get(ev, "names");
	assert_int_equal(json_array_size(names), 3);
	assert_int_equal(json_array_size(json_array_get(names, 0)), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(names, 0), 0)),
			    "Thành viên 01");
	assert_string_equal(json_string_value(json_array_get(json_array_get(names, 0), 1)),
			    "Thành viên 03");
	assert_string_equal(json_string_value(json_array_get(json_array_get(names, 1), 0)),
			    "Thành viên 02");
	assert_string_equal(json_string_value(json_array_get(json_array_get(names, 2), 0)), "Chair");
	/* all: 2 for of 5 members */
	assert_string_equal(str(ev, "outcome"), "failed");
	assert_string_equal(str(ev, "rule"), "all");
	json_decref(ev);

	polls = vote_state(f->st, f->m.id, f->member[0]);
	p = json_array_get(polls, 0);
	assert_string_equal(str(p, "state"), "closed");
	assert_string_equal(str(p, "outcome"), "failed");
	assert_int_equal(json_array_size(json_object_get(p, "counts")), 3);
	json_decref(polls);
}

/* ---- secret polls ------------------------------------------------------- */

/* The names of a table's columns, comma-separated, into out. */
static void columns(struct store *st, const char *sql, char *out, size_t len)
{
	struct store_stmt *s = store_prepare(st, sql);

	assert_non_null(s);
	out[0] = 0;
	while (store_step(s) == 1) {
		size_t n = strlen(out);
		snprintf(out + n, len - n, "%s%s", n ? "," : "", store_col_text(s, 1));
	}
	store_reset(s);
}

static void test_secret_unlinkable(void **state)
{
	struct fixture *f = *state;
	char poll[AUTH_ID_LEN + 1], cols[200];
	json_t *missing = NULL;

	meeting_with(f, 6);
	for (int i = 0; i < 6; i++)
		checkin(f, i);
	open_poll(f, true, VOTE_TWO_THIRDS, poll, NULL);
	assert_int_equal(vote_missing(f->st, f->m.id, poll, &missing), -EPERM);
	assert_null(missing);
	int choice[6] = { 0, 0, 1, 0, 2, 0 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(cast(f, poll, f->member[i], choice[i]), 0);
	assert_int_equal(cast(f, poll, f->member[0], 1), -EEXIST);

	/* The schema: who voted and the counts share only the poll column. */
	columns(f->st, "PRAGMA table_info(poll_voter)", cols, sizeof cols);
	assert_string_equal(cols, "poll,participant");
	columns(f->st, "PRAGMA table_info(poll_tally)", cols, sizeof cols);
	assert_string_equal(cols, "poll,option,count");
	/* No rowid to order either by (WITHOUT ROWID tables have none). */
	assert_null(store_prepare(f->st, "SELECT rowid FROM poll_voter"));
	assert_null(store_prepare(f->st, "SELECT rowid FROM poll_tally"));
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM sqlite_master WHERE name IN "
					  "('poll_voter','poll_tally') AND sql LIKE '%WITHOUT ROWID%'",
				   NULL), 2);
	/* No other table names the poll with a participant beside a choice. */
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM ballot WHERE poll = ?", poll), 0);

	/* The rows: one per voter without a choice, one per option without a voter. */
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM poll_voter WHERE poll = ?", poll), 6);
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM poll_tally WHERE poll = ?", poll), 3);
	assert_int_equal(query_int(f->st, "SELECT count FROM poll_tally WHERE poll = ? AND option = 0",
				   poll), 4);
	/* A ballot adds nothing to the event log. */
	assert_int_equal(query_int(f->st, "SELECT COUNT(*) FROM event WHERE meeting = ? AND "
					  "type LIKE 'poll.%'", f->m.id), 1);

	json_t *ev = close_poll(f, poll);
	assert_null(json_object_get(ev, "names"));
	assert_int_equal(count_at(ev, 0), 4);
	assert_int_equal(count_at(ev, 1), 1);
	assert_int_equal(count_at(ev, 2), 1);
	assert_string_equal(str(ev, "outcome"), "passed"); /* 4 of 5 cast ≥ ⅔ */
	assert_true(json_is_true(json_object_get(ev, "secret")));
	char *text = json_dumps(ev, 0);
	for (int i = 0; i < 6; i++)
		assert_null(strstr(text, f->member[i]));
	assert_null(strstr(text, "Thành viên"));
	free(text);
	json_decref(ev);
}

static void test_schema_version(void **state)
{
	struct fixture *f = *state;

	assert_true(store_schema_version(f->st) >= 4); /* polls came with migration 4 */
	assert_int_equal(vote_rule_parse("two_thirds"), VOTE_TWO_THIRDS);
	assert_int_equal(vote_rule_parse("most"), VOTE_RULE_NONE);
	assert_string_equal(vote_rule_name(VOTE_PRESENT), "present");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_cast),
		cmocka_unit_test(test_rule_two_thirds),
		cmocka_unit_test(test_rule_present_and_all),
		T(test_open_freezes_attendance),
		T(test_quorum_frozen_at_opening),
		T(test_open_refusals),
		T(test_one_ballot_per_voter),
		T(test_named_poll_names_and_missing),
		T(test_secret_unlinkable),
		T(test_schema_version),
	};
#undef T
	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
