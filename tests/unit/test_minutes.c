/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_minutes — the minutes (minutes.c): saving with a version check and
 * keeping the refused edits, the closed meeting that still takes minutes,
 * the model's attribution of speakers and polls to the agenda item on
 * screen at the time, the HTML and Markdown writers escaping hostile text,
 * both languages and the draft mark, and the event log for audit. Also
 * proto_parse() of minutes.get and minutes.edit.
 *
 * Each test opens a fresh database in its own temporary directory with a
 * meeting of three agenda items, two members, the chair and the secretary
 * (checked in), and runs in the time zone ICT-7 (UTC+7, no tzdata needed),
 * so that a planned start of 01:30 UTC prints as 08:30.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "library.h"
#include "meeting.h"
#include "minutes.h"
#include "proto.h"
#include "speaker.h"
#include "vote.h"

struct fixture {
	char dir[64];
	struct store *st;
	struct auth_key key;
	struct meeting_created m;
	char chair[AUTH_ID_LEN + 1], secretary[AUTH_ID_LEN + 1];
	char a[AUTH_ID_LEN + 1], b[AUTH_ID_LEN + 1];
	char item[3][AUTH_ID_LEN + 1];
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

static void add_member(struct fixture *f, const char *name, const char *title,
		       char id[AUTH_ID_LEN + 1], bool join)
{
	char token[AUTH_TOKEN_LEN + 1], joined[AUTH_ID_LEN + 1];
	json_t *ev = NULL;

	assert_int_equal(meeting_participant_add(f->st, f->m.id, name, title, ROLE_MEMBER, NULL,
						 id, token, &ev), 0);
	json_decref(ev);
	if (join)
		join_token(f, token, joined);
}

static int setup(void **state)
{
	static const char *const agenda[] = { "Khai mạc", "Báo cáo tháng 11", "Kế hoạch tháng 12" };
	struct meeting_new m = {
		.title = "Họp giao ban tháng 11", .org = "Sở Thông tin", .location = "Phòng 301",
		.starts = "2026-11-28T01:30:00Z", .agenda = agenda, .nagenda = 3,
		.chair = "Võ Thanh Hải", .secretary = "Đặng Ngọc Lan",
	};
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	setenv("TZ", "ICT-7", 1);
	tzset();
	tmpdir_new(f->dir, sizeof f->dir, "minutes");
	f->st = db_open(f->dir, NULL, 0);
	assert_int_equal(auth_key_load(f->dir, &f->key), 0);
	assert_int_equal(meeting_create(f->st, &f->key, &m, &f->m), 0);
	join_token(f, f->m.chair_token, f->chair);
	join_token(f, f->m.secretary_token, f->secretary);
	add_member(f, "Nguyễn Văn An", "Giám đốc", f->a, true);
	add_member(f, "Trần Thị Bình", NULL, f->b, true);
	for (int i = 0; i < 3; i++)
		assert_int_equal(meeting_item_at(f->st, f->m.id, i + 1, f->item[i]), 0);
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

/* minutes_edit that must save: returns the new version. */
static int64_t edit_ok(struct fixture *f, const char *item, const char *text, int64_t base)
{
	json_t *ev = NULL, *conflict = NULL;
	int64_t version = -1;

	assert_int_equal(minutes_edit(f->st, f->m.id, item, text, base, f->secretary, &version,
				      &ev, &conflict), 0);
	assert_null(conflict);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "minutes.edited");
	assert_int_equal(json_integer_value(json_object_get(ev, "version")), version);
	json_decref(ev);
	return version;
}

/* A document of `item` (NULL: none) with `pages` pages; its id into id. */
static void add_doc(struct fixture *f, const char *item, const char *title, int pages,
		    char id[AUTH_ID_LEN + 1])
{
	char src[128], sha[LIBRARY_SHA_LEN + 1];
	json_t *doc = NULL, *ev = NULL;

	snprintf(src, sizeof src, "%s/%s.pdf", f->dir, title);
	file_put(src, title, strlen(title));
	assert_int_equal(library_hash_file(src, sha), 0);
	assert_int_equal(library_add(f->st, f->dir, f->m.id, item, title, "x.pdf", src, 0, sha,
				     pages, f->chair, &doc, &ev), 0);
	snprintf(id, AUTH_ID_LEN + 1, "%s", json_string_value(json_object_get(doc, "id")));
	json_decref(doc);
	json_decref(ev);
}

static void present(struct fixture *f, const char *doc)
{
	json_t *ev = NULL;

	assert_int_equal(meeting_present(f->st, f->m.id, f->chair, doc, 1, &ev), 0);
	json_decref(ev);
}

static void floor_to(struct fixture *f, const char *who)
{
	json_t *ev = NULL;

	assert_int_equal(speaker_next(f->st, f->m.id, who, f->chair, &ev), 0);
	json_decref(ev);
}

/* Opens a poll, has the chair, a and b vote options ca, cb, cc, closes it. */
static void poll_run(struct fixture *f, const char *question, bool secret, int ca, int cb, int cc)
{
	struct vote_open o = { .question = question, .secret = secret, .rule = VOTE_CAST };
	char poll[AUTH_ID_LEN + 1];
	json_t *ev = NULL;

	assert_int_equal(vote_poll_open(f->st, f->m.id, f->chair, &o, poll, &ev), 0);
	json_decref(ev);
	struct vote_ballot b[3] = {
		{ .meeting = f->m.id, .poll = poll, .participant = f->chair, .option = ca },
		{ .meeting = f->m.id, .poll = poll, .participant = f->a, .option = cb },
		{ .meeting = f->m.id, .poll = poll, .participant = f->b, .option = cc },
	};
	assert_int_equal(vote_ballots_cast(f->st, b, 3), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(b[i].result, 0);
	ev = NULL;
	assert_int_equal(vote_poll_close(f->st, f->m.id, f->chair, poll, &ev), 0);
	json_decref(ev);
}

static void close_meeting(struct fixture *f)
{
	json_t *ev = NULL;

	assert_int_equal(meeting_close(f->st, f->m.id, f->chair, &ev), 0);
	json_decref(ev);
}

/* How many times `needle` occurs in `hay`. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- text --------------------------------------------------------------- */

static void text_rules(void **state)
{
	char *big = malloc(MINUTES_TEXT_MAX + 2);

	(void)state;
	assert_true(minutes_text_ok(""));
	assert_true(minutes_text_ok("Dòng một\n\tDòng hai\r\nDòng ba"));
	assert_false(minutes_text_ok(NULL));
	assert_false(minutes_text_ok("chuông\a"));
	assert_false(minutes_text_ok("xoá\x7f"));
	assert_false(minutes_text_ok("C1 \xc2\x85 control"));
	assert_false(minutes_text_ok("bad \xff utf-8"));
	assert_false(minutes_text_ok("\xe1\xba"));
	assert_non_null(big);
	memset(big, 'a', MINUTES_TEXT_MAX);
	big[MINUTES_TEXT_MAX] = 0;
	assert_true(minutes_text_ok(big));
	big[MINUTES_TEXT_MAX] = 'a';
	big[MINUTES_TEXT_MAX + 1] = 0;
	assert_false(minutes_text_ok(big));
	free(big);
	assert_true(minutes_may_edit(ROLE_SECRETARY));
	assert_false(minutes_may_edit(ROLE_CHAIR));
	assert_true(minutes_may_read(ROLE_CHAIR));
	assert_true(minutes_may_read(ROLE_SECRETARY));
	assert_false(minutes_may_read(ROLE_MEMBER));
	assert_false(minutes_may_read(ROLE_GUEST));
	assert_false(minutes_may_read(ROLE_DISPLAY));
}

/* ---- editing ------------------------------------------------------------ */

static void edit_versions_and_conflict(void **state)
{
	struct fixture *f = *state;
	json_t *ev = NULL, *conflict = NULL, *got, *row;
	int64_t version, seq = meeting_seq(f->st, f->m.id);

	/* First text of an item: version 1; the event carries no text. */
	ev = NULL;
	assert_int_equal(minutes_edit(f->st, f->m.id, f->item[0], "Khai mạc lúc 8 giờ.", 0,
				      f->secretary, &version, &ev, &conflict), 0);
	assert_int_equal(version, 1);
	assert_string_equal(json_string_value(json_object_get(ev, "item")), f->item[0]);
	assert_string_equal(json_string_value(json_object_get(ev, "by")), f->secretary);
	assert_int_equal(json_integer_value(json_object_get(ev, "chars")), 19);
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq + 1);
	assert_null(json_object_get(ev, "text"));
	json_decref(ev);
	assert_int_equal(edit_ok(f, f->item[0], "Khai mạc lúc 8 giờ 05.", 1), 2);

	/* An edit from version 1 is stale now: refused, its text kept. */
	assert_int_equal(minutes_edit(f->st, f->m.id, f->item[0], "Bản của tôi", 1, f->secretary,
				      &version, &ev, &conflict), -ESTALE);
	assert_null(ev);
	assert_int_equal(version, 2);
	row = json_object_get(conflict, "current");
	assert_string_equal(json_string_value(json_object_get(row, "text")), "Khai mạc lúc 8 giờ 05.");
	assert_int_equal(json_integer_value(json_object_get(row, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(row, "by_name")), "Đặng Ngọc Lan");
	json_int_t kept = json_integer_value(json_object_get(conflict, "kept"));
	assert_true(kept > 0);
	json_decref(conflict);
	conflict = NULL;
	/* Nothing else changed: no event, no new version. */
	assert_int_equal(meeting_seq(f->st, f->m.id), seq + 2);

	got = minutes_get(f->st, f->m.id);
	assert_int_equal(json_array_size(json_object_get(got, "minutes")), 1);
	row = json_array_get(json_object_get(got, "minutes"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "text")), "Khai mạc lúc 8 giờ 05.");
	assert_int_equal(json_integer_value(json_object_get(row, "version")), 2);
	row = json_array_get(json_object_get(got, "conflicts"), 0);
	assert_int_equal(json_integer_value(json_object_get(row, "id")), kept);
	assert_string_equal(json_string_value(json_object_get(row, "text")), "Bản của tôi");
	assert_int_equal(json_integer_value(json_object_get(row, "base_version")), 1);
	assert_string_equal(json_string_value(json_object_get(row, "item")), f->item[0]);
	json_decref(got);

	/* The same text again: success, same version, no event. */
	assert_int_equal(minutes_edit(f->st, f->m.id, f->item[0], "Khai mạc lúc 8 giờ 05.", 2,
				      f->secretary, &version, &ev, &conflict), 0);
	assert_int_equal(version, 2);
	assert_null(ev);
	assert_null(conflict);
	assert_int_equal(meeting_seq(f->st, f->m.id), seq + 2);

	/* A new item edited from a version it never had is stale too. */
	assert_int_equal(minutes_edit(f->st, f->m.id, f->item[1], "x", 3, f->secretary,
				      &version, &ev, &conflict), -ESTALE);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(conflict, "current"),
							       "version")), 0);
	json_decref(conflict);

	/* The meeting as a whole is item "". */
	assert_int_equal(edit_ok(f, "", "Kết luận chung.", 0), 1);
	got = minutes_summary(f->st, f->m.id);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(got, ""), "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(got, f->item[0]),
							    "version")), 2);
	assert_null(json_object_get(json_object_get(got, f->item[0]), "text"));
	json_decref(got);
}

static void edit_refusals(void **state)
{
	struct fixture *f = *state;
	json_t *ev = NULL, *conflict = NULL;
	int64_t version;

	assert_int_equal(minutes_edit(f->st, f->m.id, "nosuchitem00", "x", 0, f->secretary,
				      &version, &ev, &conflict), -ENOENT);
	assert_int_equal(minutes_edit(f->st, "nosuchmeetin", "", "x", 0, f->secretary,
				      &version, &ev, &conflict), -ENOENT);
	assert_int_equal(minutes_edit(f->st, f->m.id, "", "bell\a", 0, f->secretary,
				      &version, &ev, &conflict), -EINVAL);
	assert_int_equal(minutes_edit(f->st, f->m.id, "", "x", -1, f->secretary,
				      &version, &ev, &conflict), -EINVAL);
	assert_null(ev);
	assert_null(conflict);
}

/* Minutes are finished after the meeting ends: a closed meeting takes them. */
static void closed_meeting_takes_minutes(void **state)
{
	struct fixture *f = *state;

	close_meeting(f);
	assert_int_equal(edit_ok(f, f->item[2], "Ghi sau khi họp.", 0), 1);
}

/* ---- the model ---------------------------------------------------------- */

static json_t *section_of(json_t *model, int i)
{
	return json_array_get(json_object_get(model, "items"), (size_t)i);
}

static void model_attributes_events_to_items(void **state)
{
	struct fixture *f = *state;
	char d1[AUTH_ID_LEN + 1], d2[AUTH_ID_LEN + 1], loose[AUTH_ID_LEN + 1];
	json_t *model = NULL, *ev = NULL, *sp;

	add_doc(f, f->item[0], "Chương trình", 2, d1);
	add_doc(f, f->item[1], "Báo cáo", 12, d2);
	add_doc(f, NULL, "Phụ lục", 3, loose);

	/* Before anything is presented: the first item. */
	floor_to(f, f->a);
	/* Presenting the report puts us in item 2 (this ends a's turn). */
	present(f, d2);
	floor_to(f, f->b);
	poll_run(f, "Thông qua báo cáo?", false, 0, 0, 1);
	/* A document of no item, or stopping, keeps item 2. */
	present(f, loose);
	present(f, NULL);
	assert_int_equal(speaker_end(f->st, f->m.id, f->chair, true, &ev), 0);
	json_decref(ev);
	/* The report moves to item 3 later: what happened stays in item 2,
	 * and presenting it now means item 3. */
	ev = NULL;
	assert_int_equal(library_doc_move(f->st, f->m.id, d2, f->item[2], 1, f->chair, &ev), 0);
	json_decref(ev);
	present(f, d2);
	poll_run(f, "Bầu tổ thư ký", true, 1, 1, 0);

	assert_int_equal(minutes_model(f->st, f->m.id, &model), 0);
	/* Item 1: a's turn, ended by b's, with its length; the agenda document. */
	sp = json_object_get(section_of(model, 0), "speakers");
	assert_int_equal(json_array_size(sp), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sp, 0), "name")),
			    "Nguyễn Văn An");
	assert_true(json_is_integer(json_object_get(json_array_get(sp, 0), "seconds")));
	assert_int_equal(json_array_size(json_object_get(section_of(model, 0), "documents")), 1);
	assert_int_equal(json_array_size(json_object_get(section_of(model, 0), "polls")), 0);
	/* Item 2: b's turn and the named poll. */
	sp = json_object_get(section_of(model, 1), "speakers");
	assert_int_equal(json_array_size(sp), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sp, 0), "name")),
			    "Trần Thị Bình");
	json_t *polls = json_object_get(section_of(model, 1), "polls");
	assert_int_equal(json_array_size(polls), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(polls, 0), "question")),
			    "Thông qua báo cáo?");
	/* Item 3: the secret poll, and the report now listed there. */
	polls = json_object_get(section_of(model, 2), "polls");
	assert_int_equal(json_array_size(polls), 1);
	assert_true(json_is_true(json_object_get(json_array_get(polls, 0), "secret")));
	assert_null(json_object_get(json_array_get(polls, 0), "names"));
	assert_int_equal(json_array_size(json_object_get(section_of(model, 2), "documents")), 1);
	/* The document of no item belongs to the meeting as a whole. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(model, "general"), "documents"), 0), "title")), "Phụ lục");
	json_decref(model);
}

static void model_attendance(void **state)
{
	struct fixture *f = *state;
	char c[AUTH_ID_LEN + 1], d[AUTH_ID_LEN + 1];
	json_t *model = NULL, *a, *ev = NULL;

	add_member(f, "Lê Minh Châu", NULL, c, false);
	add_member(f, "Phạm Dũng", NULL, d, false);
	assert_int_equal(meeting_attendance_set(f->st, f->m.id, c, false, "Đi công tác", f->secretary,
						&ev), 0);
	json_decref(ev);
	assert_int_equal(minutes_model(f->st, f->m.id, &model), 0);
	a = json_object_get(model, "attendance");
	/* The chair is a voting member: present with the two, as the quorum
	 * counts them. */
	assert_int_equal(json_array_size(json_object_get(a, "present")), 3);
	assert_int_equal(json_array_size(json_object_get(a, "absent")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(a, "absent"), 0), "reason")), "Đi công tác");
	assert_int_equal(json_array_size(json_object_get(a, "missing")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(model, "chair"), "name")),
			    "Võ Thanh Hải");
	assert_string_equal(json_string_value(json_object_get(json_object_get(model, "secretary"),
							      "name")), "Đặng Ngọc Lan");
	json_decref(model);
	assert_int_equal(minutes_model(f->st, "nosuchmeetin", &model), -ENOENT);
	assert_null(model);
}

/* ---- the writers -------------------------------------------------------- */

static char *render(struct fixture *f, bool html, enum minutes_lang lang)
{
	json_t *model = NULL;
	char *out;

	assert_int_equal(minutes_model(f->st, f->m.id, &model), 0);
	out = html ? minutes_html(model, lang) : minutes_markdown(model, lang);
	assert_non_null(out);
	json_decref(model);
	return out;
}

static void html_escapes_hostile_text(void **state)
{
	struct fixture *f = *state;
	char evil[AUTH_ID_LEN + 1];
	char *html;

	add_member(f, "<script>alert(1)</script>", "</table><b>", evil, true);
	edit_ok(f, f->item[0], "Trước </table></td></tr></table><script>x()</script>\n"
			       "\"quoted\" & 'single' <img src=x onerror=y>", 0);
	poll_run(f, "</p><script>poll()</script>?", false, 0, 1, 2);
	html = render(f, true, MINUTES_VI);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "</table><b>"));
	assert_non_null(strstr(html, "&lt;/table&gt;&lt;b&gt;"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;/table&gt;&lt;/td&gt;&lt;/tr&gt;"));
	assert_non_null(strstr(html, "&quot;quoted&quot; &amp; &#39;single&#39;"));
	assert_non_null(strstr(html, "&lt;/p&gt;&lt;script&gt;poll()"));
	/* Every table closed is one the writer opened. */
	assert_int_equal(count(html, "</table>"), count(html, "<table"));
	/* A new line in the text is a line break. */
	assert_non_null(strstr(html, "&lt;/script&gt;<br>\n&quot;quoted"));
	free(html);
}

static void markdown_escapes(void **state)
{
	struct fixture *f = *state;
	char *md;

	edit_ok(f, f->item[0], "# not a heading\n* not a list\n1. not ordered\n"
			       "[link](http://x) `code` <b>bold</b> a|b ~~s~~ &amp; _e_ 5 + 3\n"
			       "    not code\n> not a quote\n\nNew paragraph", 0);
	md = render(f, false, MINUTES_VI);
	assert_non_null(strstr(md, "\\# not a heading\\\n"));
	assert_non_null(strstr(md, "\\* not a list\\\n"));
	assert_non_null(strstr(md, "1\\. not ordered\\\n"));
	assert_non_null(strstr(md, "\\[link\\](http://x) \\`code\\` \\<b\\>bold\\</b\\> a\\|b "
				   "\\~\\~s\\~\\~ \\&amp; \\_e\\_ 5 + 3\\\n"));
	/* Leading spaces become no-break spaces: no indented code block. */
	assert_non_null(strstr(md, "\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0not code\\\n"));
	assert_non_null(strstr(md, "\\> not a quote\n\nNew paragraph"));
	/* The agenda title is escaped too, and headings come from the writer. */
	assert_non_null(strstr(md, "### 1. Khai mạc\n"));
	free(md);
}

static void both_languages_and_the_draft(void **state)
{
	struct fixture *f = *state;
	char *vi, *en, *md;

	poll_run(f, "Thông qua kế hoạch?", false, 0, 0, 2);
	vi = render(f, true, MINUTES_VI);
	en = render(f, true, MINUTES_EN);
	md = render(f, false, MINUTES_EN);
	assert_non_null(strstr(vi, "BIÊN BẢN CUỘC HỌP"));
	assert_non_null(strstr(vi, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
	assert_non_null(strstr(vi, "Độc lập - Tự do - Hạnh phúc"));
	assert_non_null(strstr(vi, "DỰ THẢO — cuộc họp chưa kết thúc"));
	assert_non_null(strstr(vi, "<html lang=\"vi\">"));
	/* The planned start, in local time (UTC+7). */
	assert_non_null(strstr(vi, "08:30, 28/11/2026"));
	assert_non_null(strstr(vi, "ngày 28 tháng 11 năm 2026"));
	assert_non_null(strstr(vi, "Chủ trì:</b> Võ Thanh Hải"));
	assert_non_null(strstr(vi, "Thư ký:</b> Đặng Ngọc Lan"));
	assert_non_null(strstr(vi, "THƯ KÝ"));
	assert_non_null(strstr(vi, "CHỦ TỌA"));
	/* The default options in the minutes' language; the outcome. */
	assert_non_null(strstr(vi, "Tán thành"));
	assert_non_null(strstr(vi, "THÔNG QUA"));
	assert_non_null(strstr(vi, "Sở Thông tin"));

	assert_non_null(strstr(en, "MINUTES OF THE MEETING"));
	assert_null(strstr(en, "CỘNG HÒA"));
	assert_null(strstr(en, "Độc lập"));
	assert_non_null(strstr(en, "DRAFT — meeting in progress"));
	assert_non_null(strstr(en, "28 November 2026, 08:30"));
	assert_non_null(strstr(en, "Chair:</b> Võ Thanh Hải"));
	assert_non_null(strstr(en, "SECRETARY"));
	assert_non_null(strstr(md, "# MINUTES OF THE MEETING"));
	assert_non_null(strstr(md, "> **DRAFT — meeting in progress**"));
	assert_non_null(strstr(md, "| For | 2 |"));
	assert_non_null(strstr(md, "**Result: PASSED** (3 ballots)"));
	free(vi);
	free(en);
	free(md);

	close_meeting(f);
	vi = render(f, true, MINUTES_VI);
	en = render(f, false, MINUTES_EN);
	assert_null(strstr(vi, "DỰ THẢO"));
	assert_null(strstr(en, "DRAFT"));
	assert_non_null(strstr(vi, "Cuộc họp kết thúc lúc"));
	assert_non_null(strstr(en, "The meeting closed at"));
	free(vi);
	free(en);
}

static void secret_poll_has_no_names(void **state)
{
	struct fixture *f = *state;
	char *html, *md;

	poll_run(f, "Bỏ phiếu kín", true, 0, 1, 1);
	poll_run(f, "Biểu quyết công khai", false, 0, 1, 1);
	html = render(f, true, MINUTES_VI);
	md = render(f, false, MINUTES_VI);
	/* Each voter's name appears once per named list, never for the
	 * secret poll: the member list, the named poll's list. */
	const char *secret = strstr(html, "Bỏ phiếu kín");
	const char *named = strstr(html, "Biểu quyết công khai");
	assert_non_null(secret);
	assert_non_null(named);
	assert_true(secret < named);
	char *between = strndup(secret, (size_t)(named - secret));
	assert_null(strstr(between, "Nguyễn Văn An"));
	assert_null(strstr(between, "Trần Thị Bình"));
	assert_null(strstr(between, "Võ Thanh Hải"));
	assert_non_null(strstr(between, "bỏ phiếu kín"));
	free(between);
	assert_non_null(strstr(named, "Trần Thị Bình"));
	assert_non_null(strstr(named, "Võ Thanh Hải"));
	assert_non_null(strstr(md, "| Tán thành | 1 | Võ Thanh Hải |"));
	assert_non_null(strstr(md, "| Tán thành | 1 |\n"));
	free(html);
	free(md);
}

static void filename_and_footer(void **state)
{
	struct fixture *f = *state;
	json_t *model = NULL;
	char name[64];

	assert_int_equal(minutes_model(f->st, f->m.id, &model), 0);
	minutes_filename(model, "minutes", "pdf", name, sizeof name);
	assert_string_equal(name, "minutes-2026-11-28.pdf");
	json_decref(model);
	assert_non_null(strstr(minutes_pdf_footer(MINUTES_VI), "{page}"));
	assert_non_null(strstr(minutes_pdf_footer(MINUTES_EN), "{pages}"));
	enum minutes_lang lang;
	assert_int_equal(minutes_lang_parse(NULL, &lang), 0);
	assert_int_equal(lang, MINUTES_VI);
	assert_int_equal(minutes_lang_parse("en", &lang), 0);
	assert_int_equal(lang, MINUTES_EN);
	assert_int_equal(minutes_lang_parse("fr", &lang), -EINVAL);
}

/* ---- the event log for audit -------------------------------------------- */

static void events_csv_and_json(void **state)
{
	struct fixture *f = *state;
	char tricky[AUTH_ID_LEN + 1], *out = NULL;
	size_t len = 0;
	json_t *ev = NULL;

	add_member(f, "=HYPERLINK(\"x\"), \"Bình\"", NULL, tricky, true);
	assert_int_equal(speaker_request(f->st, f->m.id, tricky, &ev), 0);
	json_decref(ev);
	int64_t seq = meeting_seq(f->st, f->m.id);

	assert_int_equal(minutes_events_csv(f->st, f->m.id, &out, &len), 0);
	assert_int_equal(len, strlen(out));
	assert_memory_equal(out, "\xef\xbb\xbf" "seq,at,type,actor,actor_name,details\r\n", 41);
	assert_int_equal(count(out, "\r\n"), seq + 1);
	assert_non_null(strstr(out, "1,"));
	/* Quoted, quotes doubled, and not a formula for a spreadsheet. */
	assert_non_null(strstr(out, ",\"'=HYPERLINK(\"\"x\"\"), \"\"Bình\"\"\",\"{"));
	free(out);

	assert_int_equal(minutes_events_json(f->st, f->m.id, &out, &len), 0);
	json_t *doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	json_t *events = json_object_get(doc, "events"), *e;
	size_t i;
	assert_int_equal(json_array_size(events), seq);
	json_array_foreach(events, i, e) {
		assert_int_equal(json_integer_value(json_object_get(e, "seq")), (json_int_t)i + 1);
		assert_true(json_is_object(json_object_get(e, "body")));
	}
	e = json_array_get(events, json_array_size(events) - 1);
	assert_string_equal(json_string_value(json_object_get(e, "type")), "speaker.requested");
	assert_string_equal(json_string_value(json_object_get(e, "actor_name")),
			    "=HYPERLINK(\"x\"), \"Bình\"");
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "meeting"),
							      "title")), "Họp giao ban tháng 11");
	json_decref(doc);
	free(out);
	assert_int_equal(minutes_events_csv(f->st, "nosuchmeetin", &out, &len), -ENOENT);
	assert_null(out);
}

/* ---- the requests ------------------------------------------------------- */

static void parse(const char *text, int rc, struct proto_request *req, struct proto_error *err)
{
	assert_int_equal(proto_parse(text, strlen(text), req, err), rc);
}

static void proto_minutes(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	parse("{\"id\":1,\"type\":\"minutes.get\"}", 0, &req, &err);
	assert_int_equal(req.type, PROTO_MINUTES_GET);
	proto_request_clear(&req);

	parse("{\"id\":2,\"type\":\"minutes.edit\",\"item\":\"k3v9q2m8x1ab\",\"text\":\"Dòng 1\\nDòng 2\","
	      "\"base\":3}", 0, &req, &err);
	assert_int_equal(req.type, PROTO_MINUTES_EDIT);
	assert_string_equal(req.item, "k3v9q2m8x1ab");
	assert_string_equal(req.text, "Dòng 1\nDòng 2");
	assert_int_equal(req.base, 3);
	proto_request_clear(&req);

	parse("{\"id\":3,\"type\":\"minutes.edit\",\"item\":\"\",\"text\":\"\",\"base\":0}", 0, &req, &err);
	assert_string_equal(req.item, "");
	assert_string_equal(req.text, "");
	proto_request_clear(&req);

	static const struct { const char *text, *code; } bad[] = {
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"text\":\"x\",\"base\":0}", "bad_request" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":null,\"text\":\"x\",\"base\":0}", "bad_request" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":\"Nope!\",\"text\":\"x\",\"base\":0}", "not_found" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":\"\",\"base\":0}", "bad_request" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":\"\",\"text\":\"\\u0007\",\"base\":0}",
		  "bad_request" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":\"\",\"text\":\"x\"}", "bad_request" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":\"\",\"text\":\"x\",\"base\":-1}", "bad_request" },
		{ "{\"id\":4,\"type\":\"minutes.edit\",\"item\":\"\",\"text\":\"x\",\"base\":\"1\"}", "bad_request" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		parse(bad[i].text, -EINVAL, &req, &err);
		assert_string_equal(err.code, bad[i].code);
		assert_true(err.message[0] != 0);
		assert_int_equal(json_integer_value(err.id), 4);
		proto_error_clear(&err);
	}

	/* Past 60,000 bytes. */
	size_t n = MINUTES_TEXT_MAX + 1;
	char *big = malloc(n + 100);
	assert_non_null(big);
	int k = snprintf(big, 100, "{\"id\":5,\"type\":\"minutes.edit\",\"item\":\"\",\"base\":0,\"text\":\"");
	memset(big + k, 'a', n);
	strcpy(big + k + n, "\"}");
	parse(big, -EINVAL, &req, &err);
	assert_string_equal(err.code, "bad_request");
	assert_non_null(strstr(err.message, "60,000"));
	proto_error_clear(&err);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_rules),
		cmocka_unit_test_setup_teardown(edit_versions_and_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(edit_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(closed_meeting_takes_minutes, setup, teardown),
		cmocka_unit_test_setup_teardown(model_attributes_events_to_items, setup, teardown),
		cmocka_unit_test_setup_teardown(model_attendance, setup, teardown),
		cmocka_unit_test_setup_teardown(html_escapes_hostile_text, setup, teardown),
		cmocka_unit_test_setup_teardown(markdown_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(both_languages_and_the_draft, setup, teardown),
		cmocka_unit_test_setup_teardown(secret_poll_has_no_names, setup, teardown),
		cmocka_unit_test_setup_teardown(filename_and_footer, setup, teardown),
		cmocka_unit_test_setup_teardown(events_csv_and_json, setup, teardown),
		cmocka_unit_test(proto_minutes),
	};

	return cmocka_run_group_tests(tests, group_setup_auth, NULL);
}
