/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_kiosk_room — the room display's protocol state machine
 * (kiosk/room.c), fed the messages a plenum.v1 server sends
 * (docs/protocol.md): the first hello and its state; events in seq order;
 * a duplicate ignored, a gap answered with hello + since and the events
 * held meanwhile applied after the answer; a lost connection that keeps
 * the page; the resync after a reconnect, by events or by the whole state;
 * a since the server refuses (a new data directory); the vote's result on
 * screen for a while; the speaker's timer on the server's clock; the
 * current agenda item; and input it must ignore.
 *
 * Pure: no sockets, the clock passed in.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "room.h"

/* 2026-11-28T01:20:05.120Z */
#define NOW_SERVER 1795828805120LL
/* the kiosk's own clock, 3 s behind the server's */
#define NOW_LOCAL (NOW_SERVER - 3000)

static const char STATE[] =
	"{\"re\":1,\"ok\":true,\"seq\":17,\"now\":\"2026-11-28T01:20:05.120Z\","
	"\"you\":{\"participant\":\"dddddddddddd\",\"role\":\"display\"},"
	"\"state\":{"
	"\"meeting\":{\"id\":\"mmmmmmmmmmmm\",\"title\":\"Họp giao ban tháng 11\","
	"\"org\":\"Sở Thông tin\",\"location\":\"Phòng 301\",\"state\":\"live\","
	"\"join_url\":\"http://127.0.0.1:8080/j/AAAAAAAAAAAAAAAAAAAAAA\","
	"\"wifi\":{\"ssid\":\"Phòng họp A\",\"password\":\"matkhau123\"}},"
	"\"agenda\":[{\"id\":\"item00000001\",\"title\":\"Khai mạc\",\"position\":1},"
	"{\"id\":\"item00000002\",\"title\":\"Báo cáo tháng 11\",\"position\":2}],"
	"\"documents\":[{\"id\":\"doc000000001\",\"title\":\"Báo cáo\",\"pages\":4,"
	"\"item\":\"item00000002\",\"confidential\":false},"
	"{\"id\":\"doc000000002\",\"title\":\"Mật\",\"pages\":2,\"item\":null,"
	"\"confidential\":true}],"
	"\"presented\":{\"doc\":\"doc000000001\",\"page\":3,\"by\":\"cccccccccccc\"},"
	"\"participants\":[{\"id\":\"cccccccccccc\",\"name\":\"Nguyễn Văn An\",\"role\":\"chair\"}],"
	"\"polls\":[],"
	"\"speakers\":{\"queue\":[],\"current\":{\"participant\":\"cccccccccccc\","
	"\"since\":\"2026-11-28T01:19:05.120Z\"}}}}";

/* Feeds one message; returns the change bits, *send gets what to send. */
static unsigned feed(struct room *r, const char *msg, int64_t now, char **send)
{
	char *s = NULL;
	unsigned ch = room_receive(r, msg, strlen(msg), now, &s);

	if (send)
		*send = s;
	else
		free(s);
	return ch;
}

static char *event(int64_t seq, const char *type, const char *fields)
{
	size_t len = strlen(fields) + 200;
	char *buf = malloc(len);

	snprintf(buf, len, "{\"seq\":%lld,\"type\":\"%s\",\"at\":\"2026-11-28T01:21:00Z\"%s%s}",
		 (long long)seq, type, fields[0] ? "," : "", fields);
	return buf;
}

static unsigned feed_event(struct room *r, int64_t seq, const char *type, const char *fields,
			   char **send)
{
	char *e = event(seq, type, fields);
	unsigned ch = feed(r, e, NOW_LOCAL, send);

	free(e);
	return ch;
}

/* A room that said hello and got STATE. */
static struct room *live_room(void)
{
	struct room *r = room_new();
	char *hello;

	assert_non_null(r);
	hello = room_connected(r);
	assert_string_equal(hello, "{\"id\":1,\"type\":\"hello\"}");
	free(hello);
	feed(r, STATE, NOW_LOCAL, NULL);
	assert_int_equal(room_view(r)->phase, ROOM_LIVE);
	return r;
}

static void first_hello_loads_the_state(void **state)
{
	struct room *r = room_new();
	const struct room_view *v = room_view(r);
	char *hello, *send = NULL;
	unsigned ch;

	(void)state;
	assert_int_equal(v->phase, ROOM_OFFLINE);
	assert_false(v->ever_live);
	hello = room_connected(r);
	/* no seq yet: a plain hello */
	assert_string_equal(hello, "{\"id\":1,\"type\":\"hello\"}");
	free(hello);
	assert_int_equal(v->phase, ROOM_SYNCING);

	ch = feed(r, STATE, NOW_LOCAL, &send);
	assert_null(send);
	assert_true(ch & ROOM_CH_PHASE);
	assert_true(ch & ROOM_CH_MEETING);
	assert_true(ch & ROOM_CH_PRESENTED);
	assert_true(ch & ROOM_CH_COUNTED);
	assert_int_equal(v->phase, ROOM_LIVE);
	assert_true(v->ever_live);
	assert_int_equal(v->seq, 17);
	assert_int_equal(v->received, 1);
	assert_string_equal(v->title, "Họp giao ban tháng 11");
	assert_string_equal(v->org, "Sở Thông tin");
	assert_string_equal(v->join_url, "http://127.0.0.1:8080/j/AAAAAAAAAAAAAAAAAAAAAA");
	assert_string_equal(v->wifi_ssid, "Phòng họp A");
	assert_string_equal(v->wifi_password, "matkhau123");
	assert_string_equal(v->state, "live");
	assert_int_equal(v->nagenda, 2);
	assert_int_equal(v->ndocs, 2);
	assert_true(room_doc(v, "doc000000002")->confidential);
	assert_string_equal(v->presented_doc, "doc000000001");
	assert_int_equal(v->presented_page, 3);
	/* the presented document's agenda item is the current one */
	assert_string_equal(v->current_item, "item00000002");
	assert_string_equal(room_item(v, v->current_item)->title, "Báo cáo tháng 11");
	assert_string_equal(room_name(v, "cccccccccccc"), "Nguyễn Văn An");
	/* the speaker started 60 s ago on the server's clock, which is 3 s
	 * ahead of ours: the timer says 60, not 57 or 63 */
	assert_true(v->clock_known);
	assert_int_equal(v->clock_offset_ms, 3000);
	assert_int_equal(room_speaker_seconds(v, NOW_LOCAL), 60);
	assert_int_equal(room_speaker_seconds(v, NOW_LOCAL + 1500), 61);
	assert_false(room_vote_showing(v, NOW_LOCAL));
	room_free(r);
}

static void events_apply_in_order(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	char *send = NULL;
	unsigned ch;

	(void)state;
	ch = feed_event(r, 18, "presented", "\"doc\":\"doc000000001\",\"page\":4,\"by\":\"c\"", &send);
	assert_null(send);
	assert_true(ch & ROOM_CH_PRESENTED);
	assert_true(ch & ROOM_CH_COUNTED);
	assert_int_equal(v->presented_page, 4);
	assert_int_equal(v->seq, 18);
	assert_int_equal(v->received, 2);

	ch = feed_event(r, 19, "doc.added",
			"\"doc\":{\"id\":\"doc000000003\",\"title\":\"Kế hoạch\",\"pages\":7,"
			"\"item\":\"item00000001\",\"confidential\":false}",
			NULL);
	assert_true(ch & ROOM_CH_DOCS);
	assert_int_equal(v->ndocs, 3);
	assert_int_equal(room_doc(v, "doc000000003")->pages, 7);

	ch = feed_event(r, 20, "participant.added",
			"\"participant\":{\"id\":\"pppppppppppp\",\"name\":\"Trần Thị Bình\"}", NULL);
	assert_true(ch & ROOM_CH_PEOPLE);
	ch = feed_event(r, 21, "speaker.floor",
			"\"participant\":\"pppppppppppp\",\"since\":\"2026-11-28T01:20:00.120Z\"", NULL);
	assert_true(ch & ROOM_CH_SPEAKER);
	assert_string_equal(room_name(v, v->speaker), "Trần Thị Bình");
	assert_int_equal(room_speaker_seconds(v, NOW_LOCAL), 5);
	feed_event(r, 22, "speaker.ended", "\"participant\":\"pppppppppppp\",\"seconds\":5", NULL);
	assert_string_equal(v->speaker, "");

	/* the chair stops presenting: idle, the agenda item stays known */
	ch = feed_event(r, 23, "presented", "\"doc\":null,\"page\":0", NULL);
	assert_true(ch & ROOM_CH_PRESENTED);
	assert_string_equal(v->presented_doc, "");
	assert_string_equal(v->current_item, "item00000002");
	/* presenting a document of another item moves the current item */
	feed_event(r, 24, "presented", "\"doc\":\"doc000000003\",\"page\":1", NULL);
	assert_string_equal(v->current_item, "item00000001");
	feed_event(r, 25, "doc.moved", "\"doc\":\"doc000000003\",\"item\":\"item00000002\","
		   "\"position\":1", NULL);
	assert_string_equal(v->current_item, "item00000002");
	feed_event(r, 26, "doc.renamed", "\"doc\":\"doc000000003\",\"title\":\"Kế hoạch 2027\"",
		   NULL);
	assert_string_equal(room_doc(v, "doc000000003")->title, "Kế hoạch 2027");
	/* removing the presented document stops presenting it */
	ch = feed_event(r, 27, "doc.removed", "\"doc\":\"doc000000003\"", NULL);
	assert_true(ch & ROOM_CH_PRESENTED);
	assert_null(room_doc(v, "doc000000003"));
	assert_string_equal(v->presented_doc, "");
	feed_event(r, 28, "meeting.closed", "", NULL);
	assert_string_equal(v->state, "closed");
	assert_int_equal(v->seq, 28);
	room_free(r);
}

static void duplicate_ignored_gap_resyncs(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	char *send = NULL, *reply;
	unsigned ch;

	(void)state;
	/* an event already applied (seq 17 came with the state) */
	ch = feed_event(r, 17, "presented", "\"doc\":\"doc000000001\",\"page\":1", &send);
	assert_int_equal(ch, 0);
	assert_null(send);
	assert_int_equal(v->presented_page, 3);

	/* seq 19 without 18: ask for what is missing */
	ch = feed_event(r, 19, "presented", "\"doc\":\"doc000000001\",\"page\":2", &send);
	assert_non_null(send);
	assert_string_equal(send, "{\"id\":2,\"type\":\"hello\",\"since\":17}");
	free(send);
	assert_int_equal(v->phase, ROOM_SYNCING);
	assert_int_equal(v->presented_page, 3);	/* nothing applied out of order */

	/* seq 20 arrives before the answer: held */
	feed_event(r, 20, "presented", "\"doc\":\"doc000000001\",\"page\":4", &send);
	assert_null(send);
	assert_int_equal(v->presented_page, 3);

	/* the answer: 18 and 19; then the held 20 applies */
	reply = "{\"re\":2,\"ok\":true,\"seq\":19,\"events\":["
		"{\"seq\":18,\"type\":\"presented\",\"doc\":\"doc000000001\",\"page\":1},"
		"{\"seq\":19,\"type\":\"presented\",\"doc\":\"doc000000001\",\"page\":2}]}";
	ch = feed(r, reply, NOW_LOCAL, &send);
	assert_null(send);
	assert_true(ch & ROOM_CH_PRESENTED);
	assert_int_equal(v->phase, ROOM_LIVE);
	assert_int_equal(v->seq, 20);
	assert_int_equal(v->presented_page, 4);
	room_free(r);
}

static void reconnect_keeps_the_page_and_catches_up(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	char *hello, *send = NULL;
	unsigned ch;

	(void)state;
	room_disconnected(r);
	/* offline: the phase changes, the page does not */
	assert_int_equal(v->phase, ROOM_OFFLINE);
	assert_true(v->ever_live);
	assert_string_equal(v->presented_doc, "doc000000001");
	assert_int_equal(v->presented_page, 3);
	assert_string_equal(v->title, "Họp giao ban tháng 11");
	/* events from a dead connection are not applied */
	assert_int_equal(feed_event(r, 18, "presented", "\"doc\":null,\"page\":0", NULL), 0);
	assert_int_equal(v->presented_page, 3);

	hello = room_connected(r);
	assert_string_equal(hello, "{\"id\":2,\"type\":\"hello\",\"since\":17}");
	free(hello);
	/* a reply to an older hello is not the answer */
	assert_int_equal(feed(r, "{\"re\":1,\"ok\":true,\"seq\":99,\"events\":[]}", NOW_LOCAL, NULL), 0);
	assert_int_equal(v->phase, ROOM_SYNCING);
	ch = feed(r,
		  "{\"re\":2,\"ok\":true,\"seq\":18,\"now\":\"2026-11-28T01:20:05.120Z\","
		  "\"events\":[{\"seq\":18,\"type\":\"presented\",\"doc\":\"doc000000001\","
		  "\"page\":2}]}",
		  NOW_LOCAL, &send);
	assert_null(send);
	assert_true(ch & ROOM_CH_PHASE);
	assert_int_equal(v->phase, ROOM_LIVE);
	assert_int_equal(v->presented_page, 2);
	assert_int_equal(v->seq, 18);

	/* too much was missed: the whole state comes instead of events */
	room_disconnected(r);
	hello = room_connected(r);
	assert_string_equal(hello, "{\"id\":3,\"type\":\"hello\",\"since\":18}");
	free(hello);
	{
		char *st = strdup(STATE), *p = strstr(st, "\"re\":1");

		p[5] = '3';
		p = strstr(st, "\"seq\":17");
		memcpy(p, "\"seq\":90", 8);
		feed(r, st, NOW_LOCAL, &send);
		free(st);
	}
	assert_null(send);
	assert_int_equal(v->seq, 90);
	assert_int_equal(v->presented_page, 3);
	assert_int_equal(v->phase, ROOM_LIVE);
	room_free(r);
}

static void refused_since_starts_again(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	char *hello, *send = NULL;

	(void)state;
	room_disconnected(r);
	hello = room_connected(r);
	free(hello);
	/* the server has a new data directory: our seq is in its future */
	feed(r, "{\"re\":2,\"ok\":false,\"error\":{\"code\":\"bad_request\",\"message\":\"since is "
		"past the meeting's last event\"}}",
	     NOW_LOCAL, &send);
	assert_non_null(send);
	assert_string_equal(send, "{\"id\":3,\"type\":\"hello\"}");
	free(send);
	assert_int_equal(v->phase, ROOM_SYNCING);
	/* what was shown stays until the new state comes */
	assert_int_equal(v->presented_page, 3);
	room_free(r);
}

static void vote_shows_then_its_result_for_a_while(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	unsigned ch;

	(void)state;
	ch = feed_event(r, 18, "poll.opened",
			"\"poll\":\"poll00000001\",\"question\":\"Thông qua?\","
			"\"options\":[\"for\",\"against\",\"abstain\"],\"secret\":false,"
			"\"rule\":\"cast\",\"eligible\":14,\"members\":20,\"quorum\":true",
			NULL);
	assert_true(ch & ROOM_CH_POLL);
	assert_true(v->has_poll);
	assert_true(v->poll.open);
	assert_int_equal(v->poll.noptions, 3);
	assert_int_equal(v->poll.eligible, 14);
	assert_true(room_vote_showing(v, NOW_LOCAL));
	/* progress is a notice: no seq */
	ch = feed(r, "{\"type\":\"poll.progress\",\"poll\":\"poll00000001\",\"cast\":9,\"eligible\":14}",
		  NOW_LOCAL, NULL);
	assert_true(ch & ROOM_CH_POLL);
	assert_false(ch & ROOM_CH_COUNTED);
	assert_int_equal(v->poll.cast, 9);
	/* another poll's progress changes nothing */
	assert_int_equal(feed(r, "{\"type\":\"poll.progress\",\"poll\":\"poll00000009\",\"cast\":1,"
				 "\"eligible\":2}",
			      NOW_LOCAL, NULL),
			 0);

	feed_event(r, 19, "poll.closed",
		   "\"poll\":\"poll00000001\",\"question\":\"Thông qua?\","
		   "\"options\":[\"for\",\"against\",\"abstain\"],\"counts\":[9,3,2],"
		   "\"outcome\":\"passed\",\"rule\":\"cast\",\"secret\":false,\"cast\":14,"
		   "\"eligible\":14,\"members\":20,\"quorum\":true,"
		   "\"names\":[[\"An\",\"Bình\"],[\"Châu\"],[]]",
		   NULL);
	assert_false(v->poll.open);
	assert_true(v->poll.passed);
	assert_int_equal(v->poll.counts[0], 9);
	assert_int_equal(v->poll.counts[2], 2);
	assert_string_equal(v->poll.names[0], "An, Bình");
	/* the result stays up for a minute, then goes */
	assert_true(room_vote_showing(v, NOW_LOCAL + ROOM_RESULT_MS - 1));
	assert_false(room_vote_showing(v, NOW_LOCAL + ROOM_RESULT_MS));
	/* ... unless the chair presents a page first */
	feed_event(r, 20, "presented", "\"doc\":\"doc000000001\",\"page\":1", NULL);
	assert_false(room_vote_showing(v, NOW_LOCAL + 1));
	room_free(r);
}

static void closed_result_in_hello_is_not_news(void **state)
{
	struct room *r = room_new();
	const struct room_view *v = room_view(r);
	const char *st =
		"{\"re\":1,\"ok\":true,\"seq\":3,\"state\":{\"meeting\":{\"title\":\"T\"},"
		"\"polls\":[{\"poll\":\"poll00000001\",\"question\":\"Q\",\"options\":[\"A\",\"B\"],"
		"\"state\":\"closed\",\"counts\":[1,0],\"outcome\":\"passed\"}]}}";

	(void)state;
	free(room_connected(r));
	feed(r, st, NOW_LOCAL, NULL);
	assert_true(v->has_poll);
	assert_false(v->poll.open);
	assert_false(room_vote_showing(v, NOW_LOCAL));
	assert_string_equal(v->poll.options[0], "A");
	/* and an open poll in hello carries its progress */
	room_free(r);
}

static void ignores_what_it_does_not_understand(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	char big[ROOM_TEXT_MAX + 200], msg[ROOM_TEXT_MAX + 600];

	(void)state;
	assert_int_equal(feed(r, "not json", NOW_LOCAL, NULL), 0);
	assert_int_equal(feed(r, "[1,2,3]", NOW_LOCAL, NULL), 0);
	assert_int_equal(feed(r, "{\"seq\":18}", NOW_LOCAL, NULL), 0);
	assert_int_equal(feed(r, "{\"type\":\"presence\",\"participant\":\"x\",\"online\":true}",
			      NOW_LOCAL, NULL),
			 0);
	/* an id that could climb out of a path is ignored */
	feed_event(r, 18, "presented", "\"doc\":\"../../etc\",\"page\":2", NULL);
	assert_string_equal(v->presented_doc, "");
	feed_event(r, 19, "doc.added", "\"doc\":{\"id\":\"a/b\",\"title\":\"x\",\"pages\":1}", NULL);
	assert_int_equal(v->ndocs, 2);
	/* a page number that is not one */
	feed_event(r, 20, "presented", "\"doc\":\"doc000000001\",\"page\":0", NULL);
	assert_string_equal(v->presented_doc, "");
	/* an unknown event still counts (its seq is taken) */
	feed_event(r, 21, "something.new", "\"x\":1", NULL);
	assert_int_equal(v->seq, 21);
	/* a very long title is cut on a character boundary */
	memset(big, 0, sizeof big);
	for (size_t i = 0; i + 2 < sizeof big - 1; i += 2)
		memcpy(big + i, "\xc3\xa1", 2);	/* á */
	snprintf(msg, sizeof msg, "\"doc\":\"doc000000001\",\"title\":\"%s\"", big);
	feed_event(r, 22, "doc.renamed", msg, NULL);
	{
		const char *t = room_doc(v, "doc000000001")->title;
		size_t n = strlen(t);

		assert_int_equal(v->seq, 22);
		assert_true(n > ROOM_TEXT_MAX - 2 && n <= ROOM_TEXT_MAX);
		assert_true(n % 2 == 0);
	}
	room_free(r);
}

static void console_edits_reach_the_screen(void **state)
{
	struct room *r = live_room();
	const struct room_view *v = room_view(r);
	char *send = NULL;
	unsigned ch;

	(void)state;
	/* the title edited in the console */
	ch = feed_event(r, 18, "meeting.edited",
			"\"fields\":[\"title\"],\"meeting\":{\"title\":\"Họp giao ban tháng 12\","
			"\"org\":\"Sở Thông tin\",\"location\":\"Phòng 302\"}",
			&send);
	assert_null(send);
	assert_true(ch & ROOM_CH_MEETING);
	assert_string_equal(v->title, "Họp giao ban tháng 12");
	assert_string_equal(v->location, "Phòng 302");
	/* the agenda: the current item renamed, then removed */
	ch = feed_event(r, 19, "agenda.changed",
			"\"change\":\"edited\",\"item\":\"item00000002\",\"agenda\":["
			"{\"id\":\"item00000001\",\"title\":\"Khai mạc\",\"position\":1},"
			"{\"id\":\"item00000002\",\"title\":\"Báo cáo quý IV\",\"position\":2}]",
			NULL);
	assert_true(ch & ROOM_CH_MEETING);
	assert_string_equal(room_item(v, v->current_item)->title, "Báo cáo quý IV");
	feed_event(r, 20, "agenda.changed",
		   "\"change\":\"removed\",\"item\":\"item00000002\",\"agenda\":["
		   "{\"id\":\"item00000001\",\"title\":\"Khai mạc\",\"position\":1}]",
		   NULL);
	assert_int_equal(v->nagenda, 1);
	assert_string_equal(v->current_item, "");
	/* the Wi-Fi edited: its password is not in the event, so the whole
	 * state is asked for again */
	ch = feed_event(r, 21, "meeting.edited",
			"\"fields\":[\"wifi\"],\"meeting\":{\"title\":\"Họp giao ban tháng 12\"}",
			&send);
	assert_non_null(send);
	assert_string_equal(send, "{\"id\":2,\"type\":\"hello\"}");
	free(send);
	assert_int_equal(v->phase, ROOM_SYNCING);
	room_free(r);
}

static void times_parse(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(room_parse_time("2026-11-28T01:20:05.120Z", &ms), 0);
	assert_int_equal(ms, NOW_SERVER);
	assert_int_equal(room_parse_time("2026-11-28T01:20:05Z", &ms), 0);
	assert_int_equal(ms, NOW_SERVER - 120);
	assert_int_equal(room_parse_time("2026-11-28T08:20:05.12+07:00", &ms), 0);
	assert_int_equal(ms, NOW_SERVER);
	assert_int_equal(room_parse_time("2026-11-28", &ms), -EINVAL);
	assert_int_equal(room_parse_time("2026-13-28T01:20:05Z", &ms), -EINVAL);
	assert_int_equal(room_parse_time("2026-11-28T01:20:05Zjunk", &ms), -EINVAL);
	assert_int_equal(room_parse_time(NULL, &ms), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_hello_loads_the_state),
		cmocka_unit_test(events_apply_in_order),
		cmocka_unit_test(duplicate_ignored_gap_resyncs),
		cmocka_unit_test(reconnect_keeps_the_page_and_catches_up),
		cmocka_unit_test(refused_since_starts_again),
		cmocka_unit_test(vote_shows_then_its_result_for_a_while),
		cmocka_unit_test(closed_result_in_hello_is_not_news),
		cmocka_unit_test(ignores_what_it_does_not_understand),
		cmocka_unit_test(console_edits_reach_the_screen),
		cmocka_unit_test(times_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
