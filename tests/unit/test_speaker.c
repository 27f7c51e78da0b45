/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_speaker — the speakers queue (speaker.c): the order of the queue,
 * the floor passing to the first in it, the conflicts, who may end a turn,
 * the events logged with seq, the state surviving a reopened store, and a
 * closed meeting refusing every change.
 *
 * Each test opens a fresh database in its own temporary directory with a
 * meeting (chair, secretary, display), two members and a guest.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "testutil.h"

#include "meeting.h"
#include "speaker.h"

struct fixture {
	char dir[64];
	struct store *st;
	struct auth_key key;
	struct meeting_created m;
	char chair[AUTH_ID_LEN + 1];
	char display[AUTH_ID_LEN + 1];
	char a[AUTH_ID_LEN + 1], b[AUTH_ID_LEN + 1], guest[AUTH_ID_LEN + 1];
};

static void join_token(struct fixture *f, const char *token, char id[AUTH_ID_LEN + 1])
{
	char session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;

	assert_int_equal(meeting_join(f->st, token, NULL, NULL, &who, session, &ev), 0);
	json_decref(ev);
	snprintf(id, AUTH_ID_LEN + 1, "%s", who.participant);
}

static void add(struct fixture *f, const char *name, enum auth_role role, char id[AUTH_ID_LEN + 1])
{
	char token[AUTH_TOKEN_LEN + 1];
	json_t *ev = NULL;

	assert_int_equal(meeting_participant_add(f->st, f->m.id, name, NULL, role, NULL, id,
						 token, &ev), 0);
	json_decref(ev);
}

static int setup(void **state)
{
	static const char *const agenda[] = { "Thảo luận" };
	struct meeting_new m = { .title = "Họp thảo luận", .agenda = agenda, .nagenda = 1 };
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "speaker");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(auth_key_load(f->dir, &f->key), 0);
	assert_int_equal(meeting_create(f->st, &f->key, &m, &f->m), 0);
	join_token(f, f->m.chair_token, f->chair);
	join_token(f, f->m.display_token, f->display);
	add(f, "Nguyễn Văn An", ROLE_MEMBER, f->a);
	add(f, "Trần Thị Bình", ROLE_MEMBER, f->b);
	add(f, "Khách mời", ROLE_GUEST, f->guest);
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

static void request_ok(struct fixture *f, const char *who)
{
	json_t *ev = NULL;

	assert_int_equal(speaker_request(f->st, f->m.id, who, &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "speaker.requested");
	assert_string_equal(json_string_value(json_object_get(ev, "participant")), who);
	assert_int_equal(strlen(json_string_value(json_object_get(ev, "at"))), 24);
	json_decref(ev);
}

static const char *queued(json_t *state, size_t i)
{
	return json_string_value(json_object_get(
		json_array_get(json_object_get(state, "queue"), i), "participant"));
}

static void queue_order_and_floor(void **state)
{
	struct fixture *f = *state;
	json_t *ev = NULL, *st;

	assert_int_equal(speaker_next(f->st, f->m.id, NULL, f->chair, &ev), -ENODATA);
	assert_null(ev);
	request_ok(f, f->b);
	request_ok(f, f->guest);
	request_ok(f, f->a);
	assert_int_equal(speaker_request(f->st, f->m.id, f->b, &ev), -EALREADY);
	st = speaker_state(f->st, f->m.id);
	assert_int_equal(json_array_size(json_object_get(st, "queue")), 3);
	assert_string_equal(queued(st, 0), f->b);
	assert_string_equal(queued(st, 1), f->guest);
	assert_string_equal(queued(st, 2), f->a);
	assert_true(json_is_null(json_object_get(st, "current")));
	json_decref(st);

	assert_int_equal(speaker_withdraw(f->st, f->m.id, f->guest, &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "speaker.withdrawn");
	json_decref(ev);
	assert_int_equal(speaker_withdraw(f->st, f->m.id, f->guest, &ev), -ENODATA);

	int64_t seq = meeting_seq(f->st, f->m.id);
	assert_int_equal(speaker_next(f->st, f->m.id, NULL, f->chair, &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "participant")), f->b);
	assert_null(json_object_get(ev, "ended"));
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 1);
	json_decref(ev);
	/* The speaker cannot queue, nor be given the floor again. */
	assert_int_equal(speaker_request(f->st, f->m.id, f->b, &ev), -EALREADY);
	assert_int_equal(speaker_next(f->st, f->m.id, f->b, f->chair, &ev), -EALREADY);

	assert_int_equal(speaker_next(f->st, f->m.id, NULL, f->chair, &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "participant")), f->a);
	json_t *ended = json_object_get(ev, "ended");
	assert_string_equal(json_string_value(json_object_get(ended, "participant")), f->b);
	assert_true(json_integer_value(json_object_get(ended, "seconds")) >= 0);
	json_decref(ev);

	st = speaker_state(f->st, f->m.id);
	assert_int_equal(json_array_size(json_object_get(st, "queue")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(st, "current"),
							       "participant")), f->a);
	json_decref(st);
}

static void who_may_end_and_give(void **state)
{
	struct fixture *f = *state;
	json_t *ev = NULL;

	assert_int_equal(speaker_end(f->st, f->m.id, f->chair, true, &ev), -ENODATA);
	assert_int_equal(speaker_next(f->st, f->m.id, f->display, f->chair, &ev), -EINVAL);
	assert_int_equal(speaker_next(f->st, f->m.id, "zzzzzzzzzzzz", f->chair, &ev), -ENOENT);
	request_ok(f, f->a);
	/* Given directly, the guest speaks; a's request stays queued. */
	assert_int_equal(speaker_next(f->st, f->m.id, f->guest, f->chair, &ev), 0);
	json_decref(ev);
	assert_int_equal(speaker_end(f->st, f->m.id, f->a, false, &ev), -EACCES);
	assert_int_equal(speaker_end(f->st, f->m.id, f->guest, false, &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "speaker.ended");
	assert_string_equal(json_string_value(json_object_get(ev, "participant")), f->guest);
	assert_true(json_integer_value(json_object_get(ev, "seconds")) >= 0);
	json_decref(ev);
	/* Given directly while queued: the request is consumed. */
	assert_int_equal(speaker_next(f->st, f->m.id, f->a, f->chair, &ev), 0);
	json_decref(ev);
	json_t *st = speaker_state(f->st, f->m.id);
	assert_int_equal(json_array_size(json_object_get(st, "queue")), 0);
	json_decref(st);
	assert_int_equal(speaker_end(f->st, f->m.id, f->chair, true, &ev), 0);
	json_decref(ev);
}

static void survives_reopen_and_closed_refuses(void **state)
{
	struct fixture *f = *state;
	json_t *ev = NULL, *before, *after;

	request_ok(f, f->a);
	request_ok(f, f->b);
	assert_int_equal(speaker_next(f->st, f->m.id, NULL, f->chair, &ev), 0);
	json_decref(ev);
	request_ok(f, f->guest);
	before = speaker_state(f->st, f->m.id);
	store_close(f->st);
	f->st = db_open(f->dir, NULL, 0);
	after = speaker_state(f->st, f->m.id);
	assert_true(json_equal(before, after));
	json_decref(after);

	/* Not while someone has the floor: the turn ends first. */
	assert_int_equal(meeting_close(f->st, f->m.id, f->chair, &ev), -EINPROGRESS);
	assert_null(ev);
	assert_int_equal(speaker_end(f->st, f->m.id, f->chair, true, &ev), 0);
	json_decref(ev);
	json_decref(before);
	before = speaker_state(f->st, f->m.id);
	assert_int_equal(meeting_close(f->st, f->m.id, f->chair, &ev), 0);
	json_decref(ev);
	int64_t seq = meeting_seq(f->st, f->m.id);
	assert_int_equal(speaker_request(f->st, f->m.id, f->chair, &ev), -EPERM);
	assert_int_equal(speaker_withdraw(f->st, f->m.id, f->b, &ev), -EPERM);
	assert_int_equal(speaker_next(f->st, f->m.id, NULL, f->chair, &ev), -EPERM);
	assert_int_equal(speaker_end(f->st, f->m.id, f->chair, true, &ev), -EPERM);
	assert_null(ev);
	assert_int_equal(meeting_seq(f->st, f->m.id), seq);
	after = speaker_state(f->st, f->m.id);
	assert_true(json_equal(before, after));
	json_decref(after);
	json_decref(before);
}

static void now_has_milliseconds(void **state)
{
	char now[32];

	(void)state;
	speaker_now(now);
	assert_int_equal(strlen(now), 24);
	assert_int_equal(now[19], '.');
	assert_int_equal(now[23], 'Z');
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(queue_order_and_floor),
		T(who_may_end_and_give),
		T(survives_reopen_and_closed_refuses),
		cmocka_unit_test(now_has_milliseconds),
	};
#undef T
	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
