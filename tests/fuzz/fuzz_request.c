/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_request — libFuzzer harness for proto_parse(), the parser of every
 * WebSocket message a client sends. Properties checked on every input:
 * it never crashes or leaks; a refusal carries a known code and a message;
 * an accepted request has an integer id and a field set that fits its type.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "auth.h"
#include "meeting.h"
#include "minutes.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct proto_error err;

	if (proto_parse((const char *)data, size, &req, &err) < 0) {
		assert(err.code && (strcmp(err.code, "bad_request") == 0 ||
				    strcmp(err.code, "not_found") == 0));
		assert(err.message[0]);
		assert(!err.id || json_is_integer(err.id));
		proto_error_clear(&err);
		return 0;
	}
	assert(json_is_integer(req.id));
	switch (req.type) {
	case PROTO_HELLO:
		assert(!req.has_since || req.since >= 0);
		break;
	case PROTO_PRESENT:
		assert(!req.has_doc || (auth_id_valid(req.doc) && req.page >= 1));
		break;
	case PROTO_PING:
		break;
	case PROTO_DOC_RENAME:
		assert(req.has_doc && auth_id_valid(req.doc) && req.title && req.title[0]);
		break;
	case PROTO_DOC_MOVE:
		assert(req.has_doc && auth_id_valid(req.doc) && req.position >= 1);
		assert(!req.has_item || auth_id_valid(req.item));
		break;
	case PROTO_DOC_REMOVE:
		assert(req.has_doc && auth_id_valid(req.doc));
		break;
	case PROTO_POLL_OPEN: {
		struct vote_open o = { req.question,
				       req.noptions ? (const char *const *)req.options : NULL,
				       req.noptions, req.secret, req.rule };
		assert(vote_open_ok(&o));
		assert(req.noptions == 0 || (req.noptions >= VOTE_OPTIONS_MIN &&
					     req.noptions <= VOTE_OPTIONS_MAX));
		break;
	}
	case PROTO_BALLOT_CAST:
		assert(auth_id_valid(req.poll) && req.option >= 0 && req.option < VOTE_OPTIONS_MAX);
		break;
	case PROTO_POLL_CLOSE:
	case PROTO_POLL_MISSING:
		assert(auth_id_valid(req.poll));
		break;
	case PROTO_MEETING_OPEN:
	case PROTO_MEETING_CLOSE:
		break;
	case PROTO_SPEAKER_REQUEST:
	case PROTO_SPEAKER_WITHDRAW:
	case PROTO_SPEAKER_END:
		assert(!req.has_participant);
		break;
	case PROTO_SPEAKER_NEXT:
		assert(!req.has_participant || auth_id_valid(req.participant));
		break;
	case PROTO_ATTENDANCE_CHECKIN:
		assert(auth_id_valid(req.participant) && !req.reason);
		break;
	case PROTO_ATTENDANCE_ABSENT:
		assert(auth_id_valid(req.participant));
		assert(meeting_text_ok(req.reason, MEETING_TITLE_MAX, true));
		break;
	case PROTO_MINUTES_GET:
		assert(!req.text);
		break;
	case PROTO_MINUTES_EDIT:
		assert(req.has_item && (!req.item[0] || auth_id_valid(req.item)));
		assert(req.text && minutes_text_ok(req.text) && req.base >= 0);
		break;
	}
	proto_request_clear(&req);
	return 0;
}
