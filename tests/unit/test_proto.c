/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_proto — proto_parse(): what a client developer relies on. Each
 * malformed request gets the error code and a message that names what is
 * wrong, with the request's id when it had one; good requests come out with
 * their fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "proto.h"

static int parse(const char *text, struct proto_request *req, struct proto_error *err)
{
	return proto_parse(text, strlen(text), req, err);
}

/* Asserts a refusal with `code`, a message containing `words`, and the id. */
static void refused(const char *text, const char *code, const char *words, json_int_t id)
{
	struct proto_request req;
	struct proto_error err;

	assert_int_equal(parse(text, &req, &err), -EINVAL);
	assert_string_equal(err.code, code);
	if (!strstr(err.message, words))
		fail_msg("message for %s is \"%s\", expected it to mention \"%s\"", text,
			 err.message, words);
	if (id < 0)
		assert_null(err.id);
	else
		assert_int_equal(json_integer_value(err.id), id);
	proto_error_clear(&err);
}

static void hello_and_since(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(parse("{\"id\":1,\"type\":\"hello\"}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_HELLO);
	assert_false(req.has_since);
	assert_int_equal(json_integer_value(req.id), 1);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":2,\"type\":\"hello\",\"since\":42}", &req, &err), 0);
	assert_true(req.has_since);
	assert_int_equal(req.since, 42);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":3,\"type\":\"hello\",\"since\":null}", &req, &err), 0);
	assert_false(req.has_since);
	proto_request_clear(&req);
}

static void present_and_stop(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(parse("{\"id\":7,\"type\":\"present\",\"doc\":\"k3v9q2m8x1ab\",\"page\":3}",
			       &req, &err), 0);
	assert_int_equal(req.type, PROTO_PRESENT);
	assert_true(req.has_doc);
	assert_string_equal(req.doc, "k3v9q2m8x1ab");
	assert_int_equal(req.page, 3);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":8,\"type\":\"present\",\"doc\":null}", &req, &err), 0);
	assert_false(req.has_doc);
	proto_request_clear(&req);
}

static void malformed_requests(void **state)
{
	(void)state;
	refused("not json", "bad_request", "JSON object", -1);
	refused("[1,2]", "bad_request", "another JSON value", -1);
	refused("{\"type\":\"ping\"}", "bad_request", "integer 'id'", -1);
	refused("{\"id\":\"7\",\"type\":\"ping\"}", "bad_request", "integer 'id'", -1);
	refused("{\"id\":1e999,\"type\":\"ping\"}", "bad_request", "JSON object", -1);
	refused("{\"id\":1,\"id\":2,\"type\":\"ping\"}", "bad_request", "JSON object", -1);
	refused("{\"id\":4}", "bad_request", "string 'type'", 4);
	refused("{\"id\":5,\"type\":\"vote\"}", "bad_request", "unknown request type 'vote'", 5);
	refused("{\"id\":6,\"type\":\"hello\",\"since\":-1}", "bad_request", "since", 6);
	refused("{\"id\":6,\"type\":\"hello\",\"since\":\"3\"}", "bad_request", "since", 6);
	refused("{\"id\":9,\"type\":\"present\"}", "bad_request", "'doc'", 9);
	refused("{\"id\":9,\"type\":\"present\",\"doc\":\"k3v9q2m8x1ab\"}", "bad_request", "'page'", 9);
	refused("{\"id\":9,\"type\":\"present\",\"doc\":\"k3v9q2m8x1ab\",\"page\":\"2\"}",
		"bad_request", "'page'", 9);
	refused("{\"id\":9,\"type\":\"present\",\"doc\":7,\"page\":2}", "bad_request", "'doc'", 9);
}

static void unknown_document_or_page(void **state)
{
	(void)state;
	refused("{\"id\":10,\"type\":\"present\",\"doc\":\"../etc\",\"page\":1}",
		"not_found", "no such document", 10);
	refused("{\"id\":11,\"type\":\"present\",\"doc\":\"k3v9q2m8x1ab\",\"page\":0}",
		"not_found", "page 0", 11);
	refused("{\"id\":12,\"type\":\"present\",\"doc\":\"k3v9q2m8x1ab\",\"page\":99999999}",
		"not_found", "page 99999999", 12);
}

static void doc_tools(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(parse("{\"id\":20,\"type\":\"doc.rename\",\"doc\":\"k3v9q2m8x1ab\","
			       "\"title\":\"Báo cáo tài chính\"}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_DOC_RENAME);
	assert_string_equal(req.doc, "k3v9q2m8x1ab");
	assert_string_equal(req.title, "Báo cáo tài chính");
	proto_request_clear(&req);
	assert_null(req.title);

	assert_int_equal(parse("{\"id\":21,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\","
			       "\"item\":\"a1b2c3d4e5f6\",\"position\":2}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_DOC_MOVE);
	assert_true(req.has_item);
	assert_string_equal(req.item, "a1b2c3d4e5f6");
	assert_int_equal(req.position, 2);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":22,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\","
			       "\"item\":null,\"position\":1}", &req, &err), 0);
	assert_false(req.has_item);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":23,\"type\":\"doc.remove\",\"doc\":\"k3v9q2m8x1ab\"}",
			       &req, &err), 0);
	assert_int_equal(req.type, PROTO_DOC_REMOVE);
	assert_true(req.has_doc);
	proto_request_clear(&req);
}

static void doc_tools_refused(void **state)
{
	char big[2000];

	(void)state;
	refused("{\"id\":30,\"type\":\"doc.rename\",\"title\":\"x\"}", "bad_request", "'doc'", 30);
	refused("{\"id\":31,\"type\":\"doc.rename\",\"doc\":\"k3v9q2m8x1ab\"}",
		"bad_request", "'title'", 31);
	refused("{\"id\":32,\"type\":\"doc.rename\",\"doc\":\"k3v9q2m8x1ab\",\"title\":\"\"}",
		"bad_request", "'title'", 32);
	refused("{\"id\":33,\"type\":\"doc.rename\",\"doc\":\"k3v9q2m8x1ab\",\"title\":\"a\\u0007b\"}",
		"bad_request", "'title'", 33);
	refused("{\"id\":34,\"type\":\"doc.rename\",\"doc\":\"k3v9q2m8x1ab\",\"title\":5}",
		"bad_request", "'title'", 34);
	/* 301 characters */
	snprintf(big, sizeof big, "{\"id\":35,\"type\":\"doc.rename\",\"doc\":\"k3v9q2m8x1ab\",\"title\":\"");
	for (int i = 0; i < 301; i++)
		strcat(big, "a");
	strcat(big, "\"}");
	refused(big, "bad_request", "'title'", 35);
	refused("{\"id\":36,\"type\":\"doc.rename\",\"doc\":\"../x\",\"title\":\"a\"}",
		"not_found", "no such document", 36);

	refused("{\"id\":40,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\",\"position\":1}",
		"bad_request", "'item'", 40);
	refused("{\"id\":41,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\",\"item\":3,\"position\":1}",
		"bad_request", "'item'", 41);
	refused("{\"id\":42,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\",\"item\":null}",
		"bad_request", "'position'", 42);
	refused("{\"id\":43,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\",\"item\":null,\"position\":0}",
		"bad_request", "'position'", 43);
	refused("{\"id\":44,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\",\"item\":null,\"position\":\"1\"}",
		"bad_request", "'position'", 44);
	refused("{\"id\":45,\"type\":\"doc.move\",\"doc\":\"k3v9q2m8x1ab\",\"item\":\"no/such\",\"position\":1}",
		"not_found", "agenda item", 45);

	refused("{\"id\":50,\"type\":\"doc.remove\"}", "bad_request", "'doc'", 50);
	refused("{\"id\":51,\"type\":\"doc.remove\",\"doc\":null}", "bad_request", "'doc'", 51);
}

static void polls(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(parse("{\"id\":1,\"type\":\"poll.open\",\"question\":\"Thông qua?\","
			       "\"secret\":false}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_POLL_OPEN);
	assert_string_equal(req.question, "Thông qua?");
	assert_int_equal(req.noptions, 0);
	assert_false(req.secret);
	assert_int_equal(req.rule, VOTE_CAST);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":2,\"type\":\"poll.open\",\"question\":\"Nơi họp\","
			       "\"options\":[\"Hà Nội\",\"Huế\"],\"secret\":true,\"rule\":\"two_thirds\"}",
			       &req, &err), 0);
	assert_int_equal(req.noptions, 2);
	assert_string_equal(req.options[1], "Huế");
	assert_true(req.secret);
	assert_int_equal(req.rule, VOTE_TWO_THIRDS);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":3,\"type\":\"ballot.cast\",\"poll\":\"k3v9q2m8x1ab\","
			       "\"option\":2}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_BALLOT_CAST);
	assert_string_equal(req.poll, "k3v9q2m8x1ab");
	assert_int_equal(req.option, 2);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":4,\"type\":\"poll.close\",\"poll\":\"k3v9q2m8x1ab\"}",
			       &req, &err), 0);
	assert_int_equal(req.type, PROTO_POLL_CLOSE);
	proto_request_clear(&req);
	assert_int_equal(parse("{\"id\":5,\"type\":\"poll.missing\",\"poll\":\"k3v9q2m8x1ab\"}",
			       &req, &err), 0);
	assert_int_equal(req.type, PROTO_POLL_MISSING);
	proto_request_clear(&req);
}

static void polls_refused(void **state)
{
	(void)state;
	refused("{\"id\":1,\"type\":\"poll.open\",\"secret\":false}", "bad_request", "'question'", 1);
	refused("{\"id\":2,\"type\":\"poll.open\",\"question\":\"\",\"secret\":false}",
		"bad_request", "'question'", 2);
	refused("{\"id\":3,\"type\":\"poll.open\",\"question\":\"Q\"}", "bad_request", "'secret'", 3);
	refused("{\"id\":4,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":1}",
		"bad_request", "'secret'", 4);
	refused("{\"id\":5,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":true,\"rule\":\"most\"}",
		"bad_request", "'rule'", 5);
	refused("{\"id\":6,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":true,"
		"\"options\":[\"a\"]}", "bad_request", "'options'", 6);
	refused("{\"id\":7,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":true,"
		"\"options\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}",
		"bad_request", "'options'", 7);
	refused("{\"id\":8,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":true,"
		"\"options\":[\"a\",3]}", "bad_request", "option 2", 8);
	refused("{\"id\":9,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":true,"
		"\"options\":[\"a\",\"a\"]}", "bad_request", "the same", 9);
	refused("{\"id\":10,\"type\":\"poll.open\",\"question\":\"Q\",\"secret\":true,"
		"\"options\":\"a,b\"}", "bad_request", "'options'", 10);
	refused("{\"id\":11,\"type\":\"ballot.cast\",\"option\":0}", "bad_request", "'poll'", 11);
	refused("{\"id\":12,\"type\":\"ballot.cast\",\"poll\":\"x\",\"option\":0}",
		"not_found", "no such poll", 12);
	refused("{\"id\":13,\"type\":\"ballot.cast\",\"poll\":\"k3v9q2m8x1ab\"}",
		"bad_request", "'option'", 13);
	refused("{\"id\":14,\"type\":\"ballot.cast\",\"poll\":\"k3v9q2m8x1ab\",\"option\":-1}",
		"bad_request", "'option'", 14);
	refused("{\"id\":15,\"type\":\"ballot.cast\",\"poll\":\"k3v9q2m8x1ab\",\"option\":\"0\"}",
		"bad_request", "'option'", 15);
	refused("{\"id\":16,\"type\":\"ballot.cast\",\"poll\":\"k3v9q2m8x1ab\",\"option\":10}",
		"bad_request", "'option'", 16);
	refused("{\"id\":17,\"type\":\"poll.close\"}", "bad_request", "'poll'", 17);
	refused("{\"id\":18,\"type\":\"poll.missing\",\"poll\":7}", "bad_request", "'poll'", 18);
}

static void lifecycle_and_attendance(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(parse("{\"id\":1,\"type\":\"meeting.open\"}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_MEETING_OPEN);
	proto_request_clear(&req);
	assert_int_equal(parse("{\"id\":2,\"type\":\"meeting.close\",\"extra\":1}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_MEETING_CLOSE);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":3,\"type\":\"attendance.checkin\","
			       "\"participant\":\"k3v9q2m8x1ab\"}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_ATTENDANCE_CHECKIN);
	assert_string_equal(req.participant, "k3v9q2m8x1ab");
	assert_null(req.reason);
	proto_request_clear(&req);

	assert_int_equal(parse("{\"id\":4,\"type\":\"attendance.absent\","
			       "\"participant\":\"k3v9q2m8x1ab\",\"reason\":\"Đi công tác\"}",
			       &req, &err), 0);
	assert_int_equal(req.type, PROTO_ATTENDANCE_ABSENT);
	assert_string_equal(req.participant, "k3v9q2m8x1ab");
	assert_string_equal(req.reason, "Đi công tác");
	proto_request_clear(&req);
	assert_null(req.reason);
}

static void attendance_refused(void **state)
{
	(void)state;
	refused("{\"id\":5,\"type\":\"attendance.checkin\"}", "bad_request", "'participant'", 5);
	refused("{\"id\":6,\"type\":\"attendance.checkin\",\"participant\":7}", "bad_request",
		"'participant'", 6);
	refused("{\"id\":7,\"type\":\"attendance.checkin\",\"participant\":\"../etc\"}", "not_found",
		"no such participant", 7);
	refused("{\"id\":8,\"type\":\"attendance.absent\",\"participant\":\"k3v9q2m8x1ab\"}",
		"bad_request", "'reason'", 8);
	refused("{\"id\":9,\"type\":\"attendance.absent\",\"participant\":\"k3v9q2m8x1ab\","
		"\"reason\":\"\"}", "bad_request", "'reason'", 9);
	refused("{\"id\":10,\"type\":\"attendance.absent\",\"participant\":\"k3v9q2m8x1ab\","
		"\"reason\":\"a\\u0007b\"}", "bad_request", "'reason'", 10);
	refused("{\"id\":11,\"type\":\"attendance.absent\",\"participant\":\"k3v9q2m8x1ab\","
		"\"reason\":null}", "bad_request", "'reason'", 11);
	refused("{\"id\":12,\"type\":\"meeting.reopen\"}", "bad_request", "unknown request type", 12);
}

static void speakers(void **state)
{
	static const struct {
		const char *type;
		enum proto_type want;
	} plain[] = {
		{ "speaker.request", PROTO_SPEAKER_REQUEST },
		{ "speaker.withdraw", PROTO_SPEAKER_WITHDRAW },
		{ "speaker.next", PROTO_SPEAKER_NEXT },
		{ "speaker.end", PROTO_SPEAKER_END },
	};
	struct proto_request req;
	struct proto_error err;
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		snprintf(buf, sizeof buf, "{\"id\":%zu,\"type\":\"%s\"}", i + 1, plain[i].type);
		assert_int_equal(parse(buf, &req, &err), 0);
		assert_int_equal(req.type, plain[i].want);
		assert_false(req.has_participant);
		proto_request_clear(&req);
	}
	assert_int_equal(parse("{\"id\":5,\"type\":\"speaker.next\",\"participant\":null}",
			       &req, &err), 0);
	assert_false(req.has_participant);
	proto_request_clear(&req);
	assert_int_equal(parse("{\"id\":6,\"type\":\"speaker.next\","
			       "\"participant\":\"k3v9q2m8x1ab\"}", &req, &err), 0);
	assert_int_equal(req.type, PROTO_SPEAKER_NEXT);
	assert_true(req.has_participant);
	assert_string_equal(req.participant, "k3v9q2m8x1ab");
	proto_request_clear(&req);

	refused("{\"id\":7,\"type\":\"speaker.next\",\"participant\":7}", "bad_request",
		"'participant'", 7);
	refused("{\"id\":8,\"type\":\"speaker.next\",\"participant\":\"../etc\"}", "not_found",
		"no such participant", 8);
	refused("{\"id\":9,\"type\":\"speaker.skip\"}", "bad_request", "unknown request type", 9);
}

static void deep_nesting_is_refused(void **state)
{
	char deep[6001];

	(void)state;
	memset(deep, '[', 3000);
	memset(deep + 3000, ']', 3000);
	deep[6000] = 0;
	refused(deep, "bad_request", "JSON object", -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_and_since),
		cmocka_unit_test(present_and_stop),
		cmocka_unit_test(malformed_requests),
		cmocka_unit_test(unknown_document_or_page),
		cmocka_unit_test(doc_tools),
		cmocka_unit_test(doc_tools_refused),
		cmocka_unit_test(polls),
		cmocka_unit_test(polls_refused),
		cmocka_unit_test(deep_nesting_is_refused),
		cmocka_unit_test(lifecycle_and_attendance),
		cmocka_unit_test(attendance_refused),
		cmocka_unit_test(speakers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
