/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_meeting — meetings, joining, presenting and the event log
 * (meeting.c): what the transport and the command line rely on.
 *
 * Each test opens a fresh database and server key in its own temporary
 * directory. Documents to present are added with library_add() from small
 * files the test writes (nothing here opens a document).
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
#include "library.h"
#include "meeting.h"
#include "store.h"

#define PUBLIC_URL "http://192.0.2.1:8080"

struct fixture {
	char dir[64];
	struct store *st;
	struct auth_key key;
	int files;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tmpdir_new(f->dir, sizeof f->dir, "meeting");
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

/* ---- helpers ----------------------------------------------------------- */

static const char *const agenda3[] = { "Khai mạc", "Báo cáo tài chính", "Bế mạc" };

static void create(struct fixture *f, bool guests, struct meeting_created *out)
{
	struct meeting_new m = {
		.title = "Họp Hội đồng quản trị",
		.org = "Công ty Cổ phần Ánh Dương",
		.location = "Phòng họp tầng 5",
		.starts = "2026-12-01T09:00:00+07:00",
		.guests = guests,
		.agenda = agenda3,
		.nagenda = 3,
	};

	assert_int_equal(meeting_create(f->st, &f->key, &m, out), 0);
}

static int64_t rows(struct store *st, const char *table)
{
	char sql[64];
	/* The statement cache keeps the SQL pointer: give it a literal. */
	static const char *const sqls[] = {
		"SELECT COUNT(*) FROM meeting", "SELECT COUNT(*) FROM item",
		"SELECT COUNT(*) FROM participant", "SELECT COUNT(*) FROM token",
		"SELECT COUNT(*) FROM session", "SELECT COUNT(*) FROM event",
		"SELECT COUNT(*) FROM document",
	};

	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
	for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++)
		if (strcmp(sqls[i], sql) == 0)
			return query_int(st, sqls[i], NULL);
	fail_msg("no such table %s", table);
	return -1;
}

static void add_member(struct fixture *f, const char *meeting, const char *name,
		       char id[AUTH_ID_LEN + 1], char token[AUTH_TOKEN_LEN + 1])
{
	json_t *ev = NULL;

	assert_int_equal(meeting_participant_add(f->st, meeting, name, "Thành viên",
						 ROLE_MEMBER, NULL, id, token, &ev), 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "participant.added");
	json_decref(ev);
}

/* Adds a document of `pages` pages with content of its own; returns its id. */
static void add_doc(struct fixture *f, const char *meeting, const char *item, int pages,
		    char id[AUTH_ID_LEN + 1])
{
	char path[128], body[64], sha[LIBRARY_SHA_LEN + 1];
	json_t *doc = NULL;
	int n;

	snprintf(path, sizeof path, "%s/upload-%d.pdf", f->dir, ++f->files);
	n = snprintf(body, sizeof body, "%%PDF-1.7 document %d of %s\n", f->files, meeting);
	assert_true(n > 0 && (size_t)n < sizeof body);
	file_put(path, body, (size_t)n);
	assert_int_equal(library_hash_file(path, sha), 0);
	assert_int_equal(library_add(f->st, f->dir, meeting, item, NULL, "bao-cao.pdf", path, 1,
				     sha, pages, NULL, &doc, NULL), 0);
	snprintf(id, AUTH_ID_LEN + 1, "%s", json_string_value(json_object_get(doc, "id")));
	json_decref(doc);
}

static void join_ok(struct fixture *f, const char *token, const char *name,
		    const char *participant, struct auth_who *who, char session[AUTH_TOKEN_LEN + 1])
{
	json_t *ev = (json_t *)1, *e;
	size_t i;

	memset(who, 0, sizeof *who);
	assert_int_equal(meeting_join(f->st, token, name, participant, who, session, &ev), 0);
	/* Nothing, or the first check-in of someone already on the roster. */
	if (ev) {
		assert_true(json_is_array(ev));
		json_array_foreach(ev, i, e) {
			assert_string_equal(json_string_value(json_object_get(e, "type")),
					    "attendance.changed");
			assert_string_equal(json_string_value(json_object_get(e, "participant")),
					    who->participant);
			assert_string_equal(json_string_value(json_object_get(e, "via")), "join");
		}
		json_decref(ev);
	}
	assert_true(auth_token_valid(session));
}

/* ---- creating a meeting -------------------------------------------------- */

static void create_makes_officers_and_tokens(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char room[AUTH_TOKEN_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct auth_who who, back;
	struct {
		const char *token;
		enum auth_role role;
	} officers[3];

	create(f, false, &c);
	assert_true(auth_id_valid(c.id));
	assert_true(meeting_exists(f->st, c.id));
	assert_false(meeting_exists(f->st, "nosuchmeetin"));
	assert_int_equal(rows(f->st, "item"), 3);
	assert_int_equal(rows(f->st, "participant"), 3);

	/* The room token is the one derived from the key, and it is stored. */
	assert_true(auth_token_valid(c.room_token));
	assert_int_equal(meeting_room_token(f->st, &f->key, c.id, room), 0);
	assert_string_equal(room, c.room_token);
	assert_int_equal(meeting_room_token(f->st, &f->key, "nosuchmeetin", room), -ENOENT);

	/* Each officer's personal link joins as that officer. */
	officers[0].token = c.chair_token;
	officers[0].role = ROLE_CHAIR;
	officers[1].token = c.secretary_token;
	officers[1].role = ROLE_SECRETARY;
	officers[2].token = c.display_token;
	officers[2].role = ROLE_DISPLAY;
	for (int i = 0; i < 3; i++) {
		assert_true(auth_token_valid(officers[i].token));
		assert_string_not_equal(officers[i].token, c.room_token);
		join_ok(f, officers[i].token, NULL, NULL, &who, session);
		assert_string_equal(who.meeting, c.id);
		assert_int_equal(who.role, officers[i].role);
		assert_true(auth_id_valid(who.participant));
		assert_int_equal(auth_session_lookup(f->st, session, &back), 0);
		assert_string_equal(back.participant, who.participant);
		assert_int_equal(back.role, officers[i].role);
	}
	assert_string_not_equal(c.chair_token, c.secretary_token);
	assert_string_not_equal(c.chair_token, c.display_token);

	/* The agenda, by position. */
	char item[AUTH_ID_LEN + 1];
	assert_int_equal(meeting_item_at(f->st, c.id, 2, item), 0);
	assert_true(meeting_item_belongs(f->st, c.id, item));
	assert_int_equal(meeting_item_at(f->st, c.id, 4, item), -ENOENT);
	assert_int_equal(meeting_item_at(f->st, c.id, 0, item), -ENOENT);

	/* Creating is logged as event 1; the chair's and the secretary's first
	 * joins as 2 and 3 (the room display's arrival is not an attendance). */
	assert_int_equal(meeting_seq(f->st, c.id), 3);
}

static void create_without_agenda(void **state)
{
	struct fixture *f = *state;
	struct meeting_new m = { .title = "Short" };
	struct meeting_created c;

	assert_int_equal(meeting_create(f->st, &f->key, &m, &c), 0);
	assert_int_equal(rows(f->st, "item"), 0);
	assert_int_equal(meeting_seq(f->st, c.id), 1);
}

static void create_names_officers(void **state)
{
	struct fixture *f = *state;
	struct meeting_new m = { .title = "Họp", .chair = "Trần Thị Mai", .secretary = "Lê Văn Bảo" };
	struct meeting_created c;
	char session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;

	assert_int_equal(meeting_create(f->st, &f->key, &m, &c), 0);
	join_ok(f, c.chair_token, NULL, NULL, &who, session);
	assert_string_equal(who.name, "Trần Thị Mai");
	assert_int_equal(who.role, ROLE_CHAIR);
	join_ok(f, c.secretary_token, NULL, NULL, &who, session);
	assert_string_equal(who.name, "Lê Văn Bảo");
	/* A named chair is still not to be picked with the room token. */
	assert_int_equal(meeting_join(f->st, c.room_token, "TRẦN THỊ MAI", NULL, &who, session, &ev),
			 -EPERM);
	assert_null(ev);
}

static void expect_refused(struct fixture *f, const struct meeting_new *m, const char *why)
{
	struct meeting_created c;
	int rc = meeting_create(f->st, &f->key, m, &c);

	if (rc != -EINVAL)
		fail_msg("%s: meeting_create gave %d, expected -EINVAL", why, rc);
	/* Nothing at all was written. */
	if (rows(f->st, "meeting") || rows(f->st, "item") || rows(f->st, "participant") ||
	    rows(f->st, "token") || rows(f->st, "event"))
		fail_msg("%s: rows written by a refused meeting_create", why);
}

static void create_refuses_invalid_input(void **state)
{
	struct fixture *f = *state;
	char ascii[MEETING_TITLE_MAX / 4 + 2], viet[MEETING_TITLE_MAX + 8] = "";
	char bytes[MEETING_TITLE_MAX + 2];
	const char *bad_item[] = { "Khai mạc", "" };
	struct meeting_new m = { .title = "" };

	expect_refused(f, &m, "empty title");
	m.title = NULL;
	expect_refused(f, &m, "no title");

	/* A title is at most 300 characters (MEETING_TITLE_MAX bytes). */
	assert_int_equal(MEETING_TITLE_MAX / 4, 300);
	memset(ascii, 'x', sizeof ascii - 1);
	ascii[sizeof ascii - 1] = 0; /* 301 characters */
	m.title = ascii;
	expect_refused(f, &m, "title of 301 ASCII characters");
	for (int i = 0; i < MEETING_TITLE_MAX / 4 + 1; i++)
		strcat(viet, "\xe1\xbb\x87"); /* ệ, 3 bytes */
	m.title = viet;
	expect_refused(f, &m, "title of 301 Vietnamese characters");
	memset(bytes, 'x', sizeof bytes - 1);
	bytes[sizeof bytes - 1] = 0;
	m.title = bytes;
	expect_refused(f, &m, "title over MEETING_TITLE_MAX bytes");

	m.title = "B\xe1o c\xe1o"; /* Latin-1, not UTF-8 */
	expect_refused(f, &m, "invalid UTF-8");
	m.title = "\xc3";
	expect_refused(f, &m, "truncated UTF-8");
	m.title = "\xed\xa0\x80"; /* a UTF-16 surrogate */
	expect_refused(f, &m, "surrogate");
	m.title = "\xc0\xaf"; /* an overlong "/" */
	expect_refused(f, &m, "overlong UTF-8");

	m.title = "Line\nbreak";
	expect_refused(f, &m, "newline");
	m.title = "Tab\there";
	expect_refused(f, &m, "tab");
	m.title = "Bell\a";
	expect_refused(f, &m, "bell");
	m.title = "\x1b[31mred";
	expect_refused(f, &m, "escape");

	m.title = "Fine";
	m.org = "Org\r\n";
	expect_refused(f, &m, "control character in org");
	m.org = NULL;
	m.location = ascii;
	expect_refused(f, &m, "location too long");
	m.location = NULL;
	m.starts = "tomorrow";
	expect_refused(f, &m, "starts not a date");
	m.starts = NULL;

	m.agenda = bad_item;
	m.nagenda = 2;
	expect_refused(f, &m, "empty agenda item");
	bad_item[1] = "\xff";
	expect_refused(f, &m, "invalid UTF-8 agenda item");
	bad_item[1] = ascii;
	expect_refused(f, &m, "agenda item too long");
}

static void create_accepts_300_characters(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char ascii[MEETING_TITLE_MAX / 4 + 1], viet[MEETING_TITLE_MAX + 1] = "";
	struct meeting_new m = { .title = viet };
	json_t *s;

	for (int i = 0; i < MEETING_TITLE_MAX / 4; i++)
		strcat(viet, "\xe1\xbb\x87"); /* 300 characters, 900 bytes */
	assert_int_equal(meeting_create(f->st, &f->key, &m, &c), 0);
	s = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "meeting"), "title")),
			    viet);
	json_decref(s);

	memset(ascii, 'x', sizeof ascii - 1);
	ascii[sizeof ascii - 1] = 0;
	m.title = ascii;
	assert_int_equal(meeting_create(f->st, &f->key, &m, &c), 0);
}

/* Unicode gives DEL (U+007F) and U+0080–U+009F the general category Cc, the
 * same as the C0 controls; a title is shown on every screen of the room. */
static void create_refuses_del_and_c1_controls(void **state)
{
	struct fixture *f = *state;
	struct meeting_new m = { .title = "Del\x7f" };

	expect_refused(f, &m, "DEL");
	m.title = "Next\xc2\x85line"; /* U+0085 NEXT LINE */
	expect_refused(f, &m, "U+0085");
	m.title = "CSI\xc2\x9b" "31m";  /* U+009B, a one-character ESC [ */
	expect_refused(f, &m, "U+009B");
}

/* ---- joining --------------------------------------------------------------- */

static void join_room_token_by_name_ignoring_case(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char an[AUTH_ID_LEN + 1], do_[AUTH_ID_LEN + 1], huong[AUTH_ID_LEN + 1];
	char session[AUTH_TOKEN_LEN + 1];
	struct auth_who who, back;

	create(f, false, &c);
	add_member(f, c.id, "Nguyễn Văn An", an, NULL);
	add_member(f, c.id, "Đỗ", do_, NULL);
	add_member(f, c.id, "Trương Thị Hương", huong, NULL);

	join_ok(f, c.room_token, "Nguyễn Văn An", NULL, &who, session);
	assert_string_equal(who.participant, an);
	join_ok(f, c.room_token, "NGUYỄN VĂN AN", NULL, &who, session);
	assert_string_equal(who.participant, an);
	assert_string_equal(who.name, "Nguyễn Văn An");
	assert_int_equal(who.role, ROLE_MEMBER);
	assert_string_equal(who.meeting, c.id);
	join_ok(f, c.room_token, "  nguyễn văn an\t", NULL, &who, session);
	assert_string_equal(who.participant, an);

	join_ok(f, c.room_token, "đỗ", NULL, &who, session);
	assert_string_equal(who.participant, do_);
	join_ok(f, c.room_token, "ĐỖ", NULL, &who, session);
	assert_string_equal(who.participant, do_);

	/* Ư and Ơ, outside both Latin blocks. */
	join_ok(f, c.room_token, "TRƯƠNG THỊ HƯƠNG", NULL, &who, session);
	assert_string_equal(who.participant, huong);

	/* The session is the participant's. */
	assert_int_equal(auth_session_lookup(f->st, session, &back), 0);
	assert_string_equal(back.participant, huong);
	assert_string_equal(back.meeting, c.id);

	/* Marks matter: "Nguyen Van An" is somebody else. */
	json_t *ev = NULL;
	assert_int_equal(meeting_join(f->st, c.room_token, "Nguyen Van An", NULL, &who, session, &ev),
			 -EPERM);
	assert_null(ev);
}

static void join_room_token_by_participant_id(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char an[AUTH_ID_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;

	create(f, false, &c);
	add_member(f, c.id, "Nguyễn Văn An", an, NULL);
	/* The id wins over a name. */
	join_ok(f, c.room_token, "Somebody Else", an, &who, session);
	assert_string_equal(who.participant, an);
	assert_int_equal(who.role, ROLE_MEMBER);

	assert_int_equal(meeting_join(f->st, c.room_token, NULL, "nosuchpartic", &who, session, &ev),
			 -ENOENT);
	assert_int_equal(meeting_join(f->st, c.room_token, NULL, "bad id", &who, session, &ev),
			 -ENOENT);
	assert_null(ev);
}

static void join_unknown_name_without_guests(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;

	create(f, false, &c);
	int64_t seq = meeting_seq(f->st, c.id);
	assert_int_equal(meeting_join(f->st, c.room_token, "Lê Văn Khách", NULL, &who, session, &ev),
			 -EPERM);
	assert_null(ev);
	assert_int_equal(rows(f->st, "participant"), 3);
	assert_int_equal(rows(f->st, "session"), 0);
	assert_int_equal(meeting_seq(f->st, c.id), seq);

	/* Empty, blank, too long: refused before anything is looked up. */
	char longest[AUTH_NAME_MAX + 2];
	memset(longest, 'x', sizeof longest - 1);
	longest[sizeof longest - 1] = 0;
	assert_int_equal(meeting_join(f->st, c.room_token, "", NULL, &who, session, &ev), -EINVAL);
	assert_int_equal(meeting_join(f->st, c.room_token, "   ", NULL, &who, session, &ev), -EINVAL);
	assert_int_equal(meeting_join(f->st, c.room_token, longest, NULL, &who, session, &ev),
			 -EINVAL);
	assert_int_equal(meeting_join(f->st, c.room_token, NULL, NULL, &who, session, &ev), -EINVAL);
	assert_null(ev);
}

static void join_unknown_name_with_guests_adds_guest(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char session[AUTH_TOKEN_LEN + 1], guest[AUTH_ID_LEN + 1];
	struct auth_who who, back;
	json_t *ev = NULL, *p;

	create(f, true, &c);
	int64_t seq = meeting_seq(f->st, c.id);
	memset(&who, 0, sizeof who);
	assert_int_equal(meeting_join(f->st, c.room_token, " Lê Văn Khách ", NULL, &who, session, &ev),
			 0);
	assert_int_equal(who.role, ROLE_GUEST);
	assert_string_equal(who.name, "Lê Văn Khách");
	assert_string_equal(who.meeting, c.id);
	assert_true(auth_id_valid(who.participant));
	snprintf(guest, sizeof guest, "%s", who.participant);

	/* The guest is added, then checked in: two events, in that order. */
	assert_non_null(ev);
	assert_int_equal(json_array_size(ev), 2);
	json_t *added = json_array_get(ev, 0), *arrived = json_array_get(ev, 1);
	assert_string_equal(json_string_value(json_object_get(added, "type")), "participant.added");
	assert_int_equal(json_integer_value(json_object_get(added, "seq")), seq + 1);
	p = json_object_get(added, "participant");
	assert_string_equal(json_string_value(json_object_get(p, "id")), guest);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "Lê Văn Khách");
	assert_string_equal(json_string_value(json_object_get(p, "role")), "guest");
	assert_string_equal(json_string_value(json_object_get(arrived, "type")), "attendance.changed");
	assert_int_equal(json_integer_value(json_object_get(arrived, "seq")), seq + 2);
	assert_string_equal(json_string_value(json_object_get(arrived, "participant")), guest);
	assert_true(json_is_true(json_object_get(arrived, "present")));
	json_decref(ev);
	assert_int_equal(meeting_seq(f->st, c.id), seq + 2);

	assert_int_equal(auth_session_lookup(f->st, session, &back), 0);
	assert_string_equal(back.participant, guest);
	assert_int_equal(back.role, ROLE_GUEST);

	/* The same name again is the same guest, not a second one, and no
	 * second arrival. */
	join_ok(f, c.room_token, "LÊ VĂN KHÁCH", NULL, &who, session);
	assert_string_equal(who.participant, guest);
	assert_int_equal(rows(f->st, "participant"), 4);
	assert_int_equal(meeting_seq(f->st, c.id), seq + 2);
}

static void room_token_cannot_pick_officers(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;

	create(f, true, &c);
	/* Find the officers' ids through their own links. */
	struct auth_who chair, secretary, display;
	join_ok(f, c.chair_token, NULL, NULL, &chair, session);
	join_ok(f, c.secretary_token, NULL, NULL, &secretary, session);
	join_ok(f, c.display_token, NULL, NULL, &display, session);
	int64_t sessions = rows(f->st, "session");

	assert_int_equal(meeting_join(f->st, c.room_token, NULL, chair.participant, &who, session, &ev),
			 -EPERM);
	assert_int_equal(meeting_join(f->st, c.room_token, NULL, secretary.participant, &who, session,
				      &ev), -EPERM);
	assert_int_equal(meeting_join(f->st, c.room_token, NULL, display.participant, &who, session,
				      &ev), -EPERM);
	/* By name too, even where guests may join by name. */
	assert_int_equal(meeting_join(f->st, c.room_token, chair.name, NULL, &who, session, &ev),
			 -EPERM);
	assert_int_equal(meeting_join(f->st, c.room_token, "CHAIR", NULL, &who, session, &ev), -EPERM);
	assert_null(ev);
	assert_int_equal(rows(f->st, "session"), sessions);
	assert_int_equal(rows(f->st, "participant"), 3);
}

static void personal_token_joins_as_its_participant(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char an[AUTH_ID_LEN + 1], token[AUTH_TOKEN_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;

	create(f, false, &c);
	add_member(f, c.id, "Nguyễn Văn An", an, token);
	assert_true(auth_token_valid(token));
	/* A name or id given along is ignored: the link says who. */
	join_ok(f, token, "Somebody Else", "nosuchpartic", &who, session);
	assert_string_equal(who.participant, an);
	assert_string_equal(who.name, "Nguyễn Văn An");
	assert_int_equal(who.role, ROLE_MEMBER);
	assert_string_equal(who.meeting, c.id);

	/* Joining checks the participant in. */
	assert_int_equal(query_int(f->st,
		"SELECT checked_in IS NOT NULL FROM participant WHERE id = ?", an), 1);
}

static void unknown_token_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char token[AUTH_TOKEN_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;
	int err = 0;

	create(f, true, &c);
	auth_token_new(token);
	assert_int_equal(meeting_join(f->st, token, "Khách", NULL, &who, session, &ev), -ENOENT);
	assert_int_equal(meeting_join(f->st, "garbage", "Khách", NULL, &who, session, &ev), -ENOENT);
	assert_null(ev);
	assert_int_equal(rows(f->st, "participant"), 3);
	assert_null(meeting_join_info(f->st, token, &err));
	assert_int_equal(err, -ENOENT);
}

static void token_of_meeting_a_is_for_meeting_a_only(void **state)
{
	struct fixture *f = *state;
	struct meeting_created a, b;
	char an_a[AUTH_ID_LEN + 1], an_b[AUTH_ID_LEN + 1], tok_b[AUTH_TOKEN_LEN + 1];
	char session[AUTH_TOKEN_LEN + 1];
	struct auth_who who, back;
	json_t *ev = NULL;

	create(f, false, &a);
	create(f, false, &b);
	assert_string_not_equal(a.id, b.id);
	assert_string_not_equal(a.room_token, b.room_token);
	add_member(f, a.id, "Nguyễn Văn An", an_a, NULL);
	add_member(f, b.id, "Nguyễn Văn An", an_b, tok_b);

	join_ok(f, a.room_token, "Nguyễn Văn An", NULL, &who, session);
	assert_string_equal(who.participant, an_a);
	assert_int_equal(auth_session_lookup(f->st, session, &back), 0);
	assert_string_equal(back.meeting, a.id);
	assert_string_equal(back.participant, an_a);

	/* A's room token does not reach B's participant… */
	assert_int_equal(meeting_join(f->st, a.room_token, NULL, an_b, &who, session, &ev), -ENOENT);
	/* …and B's personal link gives a session of B. */
	join_ok(f, tok_b, NULL, NULL, &who, session);
	assert_int_equal(auth_session_lookup(f->st, session, &back), 0);
	assert_string_equal(back.meeting, b.id);
	assert_string_equal(back.participant, an_b);

	join_ok(f, a.chair_token, NULL, NULL, &who, session);
	assert_int_equal(auth_session_lookup(f->st, session, &back), 0);
	assert_string_equal(back.meeting, a.id);
}

static void join_info_shows_roster(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char an[AUTH_ID_LEN + 1], token[AUTH_TOKEN_LEN + 1];
	json_t *info, *roster;
	int err = 1;

	create(f, true, &c);
	add_member(f, c.id, "Nguyễn Văn An", an, token);
	info = meeting_join_info(f->st, c.room_token, &err);
	assert_non_null(info);
	assert_int_equal(err, 0);
	assert_string_equal(json_string_value(json_object_get(info, "kind")), "room");
	assert_true(json_is_true(json_object_get(info, "guests")));
	roster = json_object_get(info, "roster");
	/* Only whom a room token may pick. */
	assert_int_equal(json_array_size(roster), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(roster, 0), "id")), an);
	json_decref(info);

	info = meeting_join_info(f->st, token, &err);
	assert_non_null(info);
	assert_string_equal(json_string_value(json_object_get(info, "kind")), "personal");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(info, "participant"), "id")), an);
	assert_null(json_object_get(info, "roster"));
	json_decref(info);
}

static void participant_add_refuses_invalid(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char id[AUTH_ID_LEN + 1];
	json_t *ev = NULL;

	create(f, false, &c);
	int64_t seq = meeting_seq(f->st, c.id);
	assert_int_equal(meeting_participant_add(f->st, c.id, "", NULL, ROLE_MEMBER, NULL, id, NULL,
						 &ev), -EINVAL);
	assert_int_equal(meeting_participant_add(f->st, c.id, NULL, NULL, ROLE_MEMBER, NULL, id, NULL,
						 &ev), -EINVAL);
	assert_int_equal(meeting_participant_add(f->st, c.id, "An", NULL, ROLE_NONE, NULL, id, NULL,
						 &ev), -EINVAL);
	assert_int_equal(meeting_participant_add(f->st, c.id, "A\nn", NULL, ROLE_MEMBER, NULL, id,
						 NULL, &ev), -EINVAL);
	assert_int_equal(meeting_participant_add(f->st, "nosuchmeetin", "An", NULL, ROLE_MEMBER, NULL,
						 id, NULL, &ev), -ENOENT);
	assert_null(ev);
	assert_int_equal(rows(f->st, "participant"), 3);
	assert_int_equal(meeting_seq(f->st, c.id), seq);
}

/* ---- presenting -------------------------------------------------------------- */

static void present_gives_event(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char doc[AUTH_ID_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct auth_who chair;
	json_t *ev = NULL, *s, *pres;

	create(f, false, &c);
	join_ok(f, c.chair_token, NULL, NULL, &chair, session);
	add_doc(f, c.id, NULL, 4, doc);
	int64_t seq = meeting_seq(f->st, c.id);

	assert_int_equal(meeting_present(f->st, c.id, chair.participant, doc, 3, &ev), 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "presented");
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 1);
	assert_string_equal(json_string_value(json_object_get(ev, "doc")), doc);
	assert_int_equal(json_integer_value(json_object_get(ev, "page")), 3);
	assert_string_equal(json_string_value(json_object_get(ev, "by")), chair.participant);
	assert_true(json_is_string(json_object_get(ev, "at")));
	json_decref(ev);
	assert_int_equal(meeting_seq(f->st, c.id), seq + 1);

	s = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	pres = json_object_get(s, "presented");
	assert_string_equal(json_string_value(json_object_get(pres, "doc")), doc);
	assert_int_equal(json_integer_value(json_object_get(pres, "page")), 3);
	assert_string_equal(json_string_value(json_object_get(pres, "by")), chair.participant);
	json_decref(s);

	/* The first and the last page are in range. */
	assert_int_equal(meeting_present(f->st, c.id, chair.participant, doc, 1, &ev), 0);
	json_decref(ev);
	assert_int_equal(meeting_present(f->st, c.id, chair.participant, doc, 4, &ev), 0);
	json_decref(ev);
}

static void present_refuses_other_meeting_and_bad_page(void **state)
{
	struct fixture *f = *state;
	struct meeting_created a, b;
	char doc_a[AUTH_ID_LEN + 1], doc_b[AUTH_ID_LEN + 1];
	json_t *ev = (json_t *)1, *s;

	create(f, false, &a);
	create(f, false, &b);
	add_doc(f, a.id, NULL, 4, doc_a);
	add_doc(f, b.id, NULL, 2, doc_b);
	int64_t seq = meeting_seq(f->st, a.id);

	assert_int_equal(meeting_present(f->st, a.id, NULL, doc_b, 1, &ev), -ENOENT);
	assert_null(ev);
	assert_int_equal(meeting_present(f->st, a.id, NULL, "nosuchdocume", 1, &ev), -ENOENT);
	assert_int_equal(meeting_present(f->st, a.id, NULL, doc_a, 0, &ev), -ERANGE);
	assert_null(ev);
	assert_int_equal(meeting_present(f->st, a.id, NULL, doc_a, 5, &ev), -ERANGE);
	assert_int_equal(meeting_present(f->st, a.id, NULL, doc_a, -1, &ev), -ERANGE);
	assert_null(ev);

	/* Nothing changed and nothing was logged. */
	assert_int_equal(meeting_seq(f->st, a.id), seq);
	s = meeting_state(f->st, &f->key, PUBLIC_URL, a.id);
	assert_true(json_is_null(json_object_get(s, "presented")));
	json_decref(s);
}

static void stop_presenting(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char doc[AUTH_ID_LEN + 1];
	json_t *ev = NULL, *s;

	create(f, false, &c);
	add_doc(f, c.id, NULL, 4, doc);
	assert_int_equal(meeting_present(f->st, c.id, NULL, doc, 2, &ev), 0);
	json_decref(ev);

	assert_int_equal(meeting_present(f->st, c.id, NULL, NULL, 7, &ev), 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "presented");
	assert_true(json_is_null(json_object_get(ev, "doc")));
	assert_int_equal(json_integer_value(json_object_get(ev, "page")), 0);
	json_decref(ev);

	s = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_true(json_is_null(json_object_get(s, "presented")));
	json_decref(s);
}

/* ---- the event log ------------------------------------------------------------ */

/* The event table holds 1..seq for the meeting, each once, in order. */
static void assert_log_gap_free(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT seq, type, body FROM event WHERE meeting = ? ORDER BY seq");
	int64_t want = 1, last = meeting_seq(st, meeting);

	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1) {
		if (store_col_int(s, 0) != want)
			fail_msg("event %lld where %lld was due", (long long)store_col_int(s, 0),
				 (long long)want);
		json_t *body = json_loads(store_col_text(s, 2), 0, NULL);
		assert_non_null(body);
		assert_int_equal(json_integer_value(json_object_get(body, "seq")), want);
		assert_string_equal(json_string_value(json_object_get(body, "type")),
				    store_col_text(s, 1));
		json_decref(body);
		want++;
	}
	store_reset(s);
	assert_int_equal(want - 1, last);
}

static void event_log_is_gap_free(void **state)
{
	struct fixture *f = *state;
	struct meeting_created a, b;
	char id[AUTH_ID_LEN + 1], doc[AUTH_ID_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *ev = NULL;

	create(f, true, &a);
	create(f, false, &b);
	/* Each meeting counts from 1. */
	assert_int_equal(meeting_seq(f->st, a.id), 1);
	assert_int_equal(meeting_seq(f->st, b.id), 1);
	assert_int_equal(meeting_seq(f->st, "nosuchmeetin"), -ENOENT);

	add_doc(f, a.id, NULL, 3, doc);
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "Thành viên %d", i);
		add_member(f, a.id, name, id, NULL);
		/* Failures in between take no number. */
		assert_int_equal(meeting_present(f->st, a.id, NULL, doc, 9, &ev), -ERANGE);
		assert_int_equal(meeting_present(f->st, a.id, NULL, doc, 1 + i % 3, &ev), 0);
		json_decref(ev);
		snprintf(name, sizeof name, "Khách %d", i);
		assert_int_equal(meeting_join(f->st, a.room_token, name, NULL, &who, session, &ev), 0);
		json_decref(ev);
		assert_int_equal(meeting_join(f->st, b.room_token, name, NULL, &who, session, &ev),
				 -EPERM);
		add_member(f, b.id, name, id, NULL);
	}
	/* created, doc.added, then 20 × (member, presented, guest, its arrival) */
	assert_int_equal(meeting_seq(f->st, a.id), 2 + 20 * 4);
	assert_int_equal(meeting_seq(f->st, b.id), 1 + 20);
	assert_log_gap_free(f->st, a.id);
	assert_log_gap_free(f->st, b.id);
}

static void events_since(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char doc[AUTH_ID_LEN + 1];
	json_t *ev = NULL, *events = NULL;

	create(f, false, &c);
	add_doc(f, c.id, NULL, 10, doc);
	for (int p = 1; p <= 10; p++) {
		assert_int_equal(meeting_present(f->st, c.id, NULL, doc, p, &ev), 0);
		json_decref(ev);
	}
	int64_t last = meeting_seq(f->st, c.id);
	assert_int_equal(last, 12);

	/* Exactly the later events, in order. */
	for (int64_t since = 0; since <= last; since++) {
		assert_int_equal(meeting_events_since(f->st, c.id, since, MEETING_EVENTS_MAX, &events),
				 0);
		assert_int_equal(json_array_size(events), last - since);
		for (size_t i = 0; i < json_array_size(events); i++)
			assert_int_equal(json_integer_value(json_object_get(json_array_get(events, i),
									    "seq")),
					 since + 1 + (int64_t)i);
		json_decref(events);
	}
	assert_int_equal(meeting_events_since(f->st, c.id, 0, MEETING_EVENTS_MAX, &events), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 0), "type")),
			    "meeting.created");
	assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "type")),
			    "doc.added");
	ev = json_array_get(events, 11);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "presented");
	assert_int_equal(json_integer_value(json_object_get(ev, "page")), 10);
	json_decref(events);

	/* A client from the future, or a negative one. */
	events = NULL;
	assert_int_equal(meeting_events_since(f->st, c.id, last + 1, MEETING_EVENTS_MAX, &events),
			 -EINVAL);
	assert_int_equal(meeting_events_since(f->st, c.id, -1, MEETING_EVENTS_MAX, &events), -EINVAL);
	/* Too far behind to catch up: max is the limit, inclusive. */
	assert_int_equal(meeting_events_since(f->st, c.id, 0, 11, &events), -E2BIG);
	assert_int_equal(meeting_events_since(f->st, c.id, 1, 11, &events), 0);
	assert_int_equal(json_array_size(events), 11);
	json_decref(events);
	events = NULL;
	assert_int_equal(meeting_events_since(f->st, "nosuchmeetin", 0, 10, &events), -ENOENT);
	assert_null(events);
}

static void event_append_in_callers_transaction(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	json_t *ev = NULL;

	create(f, false, &c);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(meeting_event_append(f->st, c.id, "note", "someone",
					      json_pack("{s:s}", "text", "x"), &ev), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), 2);
	assert_string_equal(json_string_value(json_object_get(ev, "text")), "x");
	json_decref(ev);
	store_rollback(f->st);
	/* Rolled back with the caller: the number is free again. */
	assert_int_equal(meeting_seq(f->st, c.id), 1);
	assert_log_gap_free(f->st, c.id);

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(meeting_event_append(f->st, "nosuchmeetin", "note", NULL,
					      json_object(), &ev), -ENOENT);
	store_rollback(f->st);
}

/* ---- the snapshot --------------------------------------------------------------- */

static void state_snapshot(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char item2[AUTH_ID_LEN + 1], d1[AUTH_ID_LEN + 1], d2[AUTH_ID_LEN + 1], an[AUTH_ID_LEN + 1];
	char url[128], session[AUTH_TOKEN_LEN + 1];
	struct auth_who who;
	json_t *s, *m, *agenda, *docs, *people, *ev = NULL;

	create(f, true, &c);
	assert_int_equal(meeting_item_at(f->st, c.id, 2, item2), 0);
	add_doc(f, c.id, NULL, 2, d1);
	add_doc(f, c.id, item2, 5, d2);
	add_member(f, c.id, "Nguyễn Văn An", an, NULL);
	assert_int_equal(meeting_join(f->st, c.room_token, "Khách", NULL, &who, session, &ev), 0);
	json_decref(ev);
	assert_int_equal(meeting_present(f->st, c.id, NULL, d2, 5, &ev), 0);
	json_decref(ev);

	assert_null(meeting_state(f->st, &f->key, PUBLIC_URL, "nosuchmeetin"));
	s = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_non_null(s);

	m = json_object_get(s, "meeting");
	assert_string_equal(json_string_value(json_object_get(m, "id")), c.id);
	assert_string_equal(json_string_value(json_object_get(m, "title")), "Họp Hội đồng quản trị");
	assert_string_equal(json_string_value(json_object_get(m, "org")), "Công ty Cổ phần Ánh Dương");
	assert_string_equal(json_string_value(json_object_get(m, "location")), "Phòng họp tầng 5");
	assert_true(json_is_true(json_object_get(m, "guests")));
	/* Stored in UTC. */
	assert_string_equal(json_string_value(json_object_get(m, "starts")), "2026-12-01T02:00:00Z");
	snprintf(url, sizeof url, "%s/j/%s", PUBLIC_URL, c.room_token);
	assert_string_equal(json_string_value(json_object_get(m, "join_url")), url);

	agenda = json_object_get(s, "agenda");
	assert_int_equal(json_array_size(agenda), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *it = json_array_get(agenda, i);
		assert_string_equal(json_string_value(json_object_get(it, "title")), agenda3[i]);
		assert_int_equal(json_integer_value(json_object_get(it, "position")), i + 1);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(agenda, 1), "id")), item2);

	/* Documents of an item first, in agenda order; loose ones after. */
	docs = json_object_get(s, "documents");
	assert_int_equal(json_array_size(docs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "id")), d2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "item")), item2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(docs, 0), "pages")), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "id")), d1);
	assert_true(json_is_null(json_object_get(json_array_get(docs, 1), "item")));

	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "presented"), "doc")),
			    d2);

	/* Chair, secretary, members, guests, display. */
	people = json_object_get(s, "participants");
	assert_int_equal(json_array_size(people), 5);
	static const char *roles[] = { "chair", "secretary", "member", "guest", "display" };
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(people, i), "role")),
				    roles[i]);
	assert_string_equal(json_string_value(json_object_get(json_array_get(people, 2), "id")), an);
	assert_string_equal(json_string_value(json_object_get(json_array_get(people, 3), "name")),
			    "Khách");
	json_decref(s);

	json_t *list = meeting_list(f->st);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), c.id);
	json_decref(list);
}

/* ---- lifecycle and attendance ------------------------------------------ */

static const char *meeting_state_of(struct fixture *f, const char *meeting, json_t **keep)
{
	*keep = meeting_state(f->st, &f->key, PUBLIC_URL, meeting);
	return json_string_value(json_object_get(json_object_get(*keep, "meeting"), "state"));
}

static void lifecycle_draft_live_closed(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	json_t *ev = NULL, *st;
	int64_t seq;

	create(f, false, &c);
	assert_string_equal(meeting_state_of(f, c.id, &st), "draft");
	json_decref(st);
	seq = meeting_seq(f->st, c.id);

	assert_int_equal(meeting_open(f->st, c.id, "chair", &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "meeting.opened");
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 1);
	assert_true(json_is_string(json_object_get(ev, "at")));
	json_decref(ev);
	assert_string_equal(meeting_state_of(f, c.id, &st), "live");
	json_decref(st);
	assert_false(meeting_is_closed(f->st, c.id));

	/* Opening twice changes nothing and logs nothing. */
	assert_int_equal(meeting_open(f->st, c.id, "chair", &ev), -EALREADY);
	assert_null(ev);
	assert_int_equal(meeting_seq(f->st, c.id), seq + 1);

	assert_int_equal(meeting_close(f->st, c.id, "chair", &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "meeting.closed");
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 2);
	json_decref(ev);
	assert_true(meeting_is_closed(f->st, c.id));

	/* Closed stays closed. */
	assert_int_equal(meeting_open(f->st, c.id, "chair", &ev), -EPERM);
	assert_null(ev);
	assert_int_equal(meeting_close(f->st, c.id, "chair", &ev), -EALREADY);
	assert_null(ev);
	assert_int_equal(meeting_seq(f->st, c.id), seq + 2);
	assert_string_equal(meeting_state_of(f, c.id, &st), "closed");
	json_decref(st);

	assert_int_equal(meeting_open(f->st, "nnnnnnnnnnnn", NULL, &ev), -ENOENT);
	assert_int_equal(meeting_close(f->st, "nnnnnnnnnnnn", NULL, &ev), -ENOENT);
}

static void close_from_draft_and_closed_refuses_present(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char doc[AUTH_ID_LEN + 1];
	json_t *ev = NULL;

	create(f, false, &c);
	add_doc(f, c.id, NULL, 2, doc);
	assert_int_equal(meeting_close(f->st, c.id, NULL, &ev), 0);
	json_decref(ev);
	int64_t seq = meeting_seq(f->st, c.id);
	assert_int_equal(meeting_present(f->st, c.id, "chair", doc, 1, &ev), -EPERM);
	assert_null(ev);
	assert_int_equal(meeting_seq(f->st, c.id), seq);
}

static json_t *person(json_t *state, const char *id)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(state, "participants"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
			return p;
	fail_msg("no participant %s", id);
	return NULL;
}

static void attendance_checkin_and_absence(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char a[AUTH_ID_LEN + 1], b[AUTH_ID_LEN + 1], tok[AUTH_TOKEN_LEN + 1];
	json_t *ev = NULL, *st;

	create(f, false, &c);
	add_member(f, c.id, "An", a, tok);
	add_member(f, c.id, "Bình", b, tok);

	st = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_true(json_is_null(json_object_get(person(st, a), "checked_in")));
	assert_true(json_is_null(json_object_get(person(st, a), "absent")));
	json_decref(st);

	assert_int_equal(meeting_attendance_set(f->st, c.id, a, true, NULL, "sec", &ev), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "attendance.changed");
	assert_string_equal(json_string_value(json_object_get(ev, "participant")), a);
	assert_true(json_is_true(json_object_get(ev, "present")));
	assert_true(json_is_string(json_object_get(ev, "at")));
	json_decref(ev);

	assert_int_equal(meeting_attendance_set(f->st, c.id, b, false, "Đi công tác", "sec", &ev), 0);
	assert_true(json_is_false(json_object_get(ev, "present")));
	assert_string_equal(json_string_value(json_object_get(ev, "reason")), "Đi công tác");
	json_decref(ev);

	st = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_true(json_is_string(json_object_get(person(st, a), "checked_in")));
	assert_true(json_is_null(json_object_get(person(st, a), "absent")));
	assert_true(json_is_null(json_object_get(person(st, b), "checked_in")));
	assert_string_equal(json_string_value(json_object_get(person(st, b), "absent")), "Đi công tác");
	json_decref(st);

	/* Marking a checked-in person absent clears the check-in, and back. */
	assert_int_equal(meeting_attendance_set(f->st, c.id, a, false, "Ốm", NULL, &ev), 0);
	json_decref(ev);
	assert_int_equal(meeting_attendance_set(f->st, c.id, b, true, NULL, NULL, &ev), 0);
	json_decref(ev);
	st = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_true(json_is_null(json_object_get(person(st, a), "checked_in")));
	assert_true(json_is_string(json_object_get(person(st, b), "checked_in")));
	assert_true(json_is_null(json_object_get(person(st, b), "absent")));
	json_decref(st);

	/* Refusals log nothing. */
	int64_t seq = meeting_seq(f->st, c.id);
	assert_int_equal(meeting_attendance_set(f->st, c.id, "nnnnnnnnnnnn", true, NULL, NULL, &ev),
			 -ENOENT);
	assert_int_equal(meeting_attendance_set(f->st, c.id, a, false, "", NULL, &ev), -EINVAL);
	assert_int_equal(meeting_attendance_set(f->st, c.id, a, false, NULL, NULL, &ev), -EINVAL);
	assert_int_equal(meeting_attendance_set(f->st, c.id, a, false, "a\nb", NULL, &ev), -EINVAL);
	assert_int_equal(meeting_close(f->st, c.id, NULL, &ev), 0);
	json_decref(ev);
	seq++;
	assert_int_equal(meeting_attendance_set(f->st, c.id, a, true, NULL, NULL, &ev), -EPERM);
	assert_null(ev);
	assert_int_equal(meeting_seq(f->st, c.id), seq);
}

static void attendance_of_other_meeting_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c1, c2;
	char a[AUTH_ID_LEN + 1], tok[AUTH_TOKEN_LEN + 1];
	json_t *ev = NULL;

	create(f, false, &c1);
	create(f, false, &c2);
	add_member(f, c1.id, "An", a, tok);
	assert_int_equal(meeting_attendance_set(f->st, c2.id, a, true, NULL, NULL, &ev), -ENOENT);
	assert_null(ev);
}

static void quorum_counts_chair_and_members(void **state)
{
	struct fixture *f = *state;
	struct meeting_created c;
	char m[4][AUTH_ID_LEN + 1], tok[AUTH_TOKEN_LEN + 1], session[AUTH_TOKEN_LEN + 1];
	struct meeting_quorum q;
	struct auth_who who;
	json_t *ev = NULL, *st;

	create(f, true, &c);
	add_member(f, c.id, "An", m[0], tok);
	add_member(f, c.id, "Bình", m[1], tok);
	add_member(f, c.id, "Cúc", m[2], tok);
	add_member(f, c.id, "Dũng", m[3], tok);
	/* Chair + 4 members = 5; the secretary, display and guests do not count. */
	assert_int_equal(meeting_quorum_get(f->st, c.id, &q), 0);
	assert_int_equal(q.members, 5);
	assert_int_equal(q.present, 0);
	assert_false(q.reached);

	join_ok(f, c.secretary_token, NULL, NULL, &who, session);
	assert_int_equal(meeting_join(f->st, c.room_token, "Khách", NULL, &who, session, &ev), 0);
	json_decref(ev); /* the guest was added */
	assert_int_equal(meeting_quorum_get(f->st, c.id, &q), 0);
	assert_int_equal(q.present, 0);
	assert_int_equal(q.members, 5);

	/* Joining checks in. */
	join_ok(f, c.chair_token, NULL, NULL, &who, session);
	assert_int_equal(meeting_attendance_set(f->st, c.id, m[0], true, NULL, NULL, &ev), 0);
	json_decref(ev);
	assert_int_equal(meeting_quorum_get(f->st, c.id, &q), 0);
	assert_int_equal(q.present, 2);
	assert_false(q.reached); /* 2 of 5 */
	join_ok(f, c.room_token, "Bình", NULL, &who, session);
	assert_int_equal(meeting_quorum_get(f->st, c.id, &q), 0);
	assert_int_equal(q.present, 3);
	assert_true(q.reached); /* 3 of 5 */

	st = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	json_t *jq = json_object_get(st, "quorum");
	assert_int_equal(json_integer_value(json_object_get(jq, "present")), 3);
	assert_int_equal(json_integer_value(json_object_get(jq, "members")), 5);
	assert_true(json_is_true(json_object_get(jq, "reached")));
	json_decref(st);

	/* Exactly half is not a quorum. */
	add_member(f, c.id, "Em", m[0], tok);
	assert_int_equal(meeting_quorum_get(f->st, c.id, &q), 0);
	assert_int_equal(q.members, 6);
	assert_false(q.reached);

	/* A join after an absence checks in again and clears the reason. */
	assert_int_equal(meeting_attendance_set(f->st, c.id, m[1], false, "Về sớm", NULL, &ev), 0);
	json_decref(ev);
	join_ok(f, c.room_token, "Bình", NULL, &who, session);
	st = meeting_state(f->st, &f->key, PUBLIC_URL, c.id);
	assert_true(json_is_string(json_object_get(person(st, m[1]), "checked_in")));
	assert_true(json_is_null(json_object_get(person(st, m[1]), "absent")));
	json_decref(st);

	assert_int_equal(meeting_quorum_get(f->st, "nnnnnnnnnnnn", &q), -ENOENT);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(create_makes_officers_and_tokens),
		T(create_without_agenda),
		T(create_names_officers),
		T(create_refuses_invalid_input),
		T(create_accepts_300_characters),
		T(create_refuses_del_and_c1_controls),
		T(join_room_token_by_name_ignoring_case),
		T(join_room_token_by_participant_id),
		T(join_unknown_name_without_guests),
		T(join_unknown_name_with_guests_adds_guest),
		T(room_token_cannot_pick_officers),
		T(personal_token_joins_as_its_participant),
		T(unknown_token_is_enoent),
		T(token_of_meeting_a_is_for_meeting_a_only),
		T(join_info_shows_roster),
		T(participant_add_refuses_invalid),
		T(present_gives_event),
		T(present_refuses_other_meeting_and_bad_page),
		T(stop_presenting),
		T(event_log_is_gap_free),
		T(events_since),
		T(event_append_in_callers_transaction),
		T(state_snapshot),
		T(lifecycle_draft_live_closed),
		T(close_from_draft_and_closed_refuses_present),
		T(attendance_checkin_and_absence),
		T(attendance_of_other_meeting_is_enoent),
		T(quorum_counts_chair_and_members),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
