/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto — reading one plenum.v1 request: a text frame's bytes in, a checked
 * request (or the exact error to reply with) out. No sockets and no state,
 * so the parser of the most exposed input can be fuzzed on its own
 * (tests/fuzz/fuzz_request.c). The shapes are those of docs/protocol.md.
 *
 * Any thread.
 */
#ifndef PLENUM_PROTO_H
#define PLENUM_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vote.h"

enum proto_type {
	PROTO_HELLO,
	PROTO_PRESENT,
	PROTO_PING,
	PROTO_DOC_RENAME,       /* doc, title */
	PROTO_DOC_MOVE,         /* doc, item (has_item false: no item), position */
	PROTO_DOC_REMOVE,       /* doc */
	PROTO_POLL_OPEN,        /* question, options (noptions 0: the default), secret, rule */
	PROTO_BALLOT_CAST,      /* poll, option */
	PROTO_POLL_CLOSE,       /* poll */
	PROTO_POLL_MISSING,     /* poll */
	PROTO_MEETING_OPEN,
	PROTO_MEETING_CLOSE,
	PROTO_ATTENDANCE_CHECKIN, /* participant */
	PROTO_ATTENDANCE_ABSENT,  /* participant, reason */
	PROTO_SPEAKER_REQUEST,
	PROTO_SPEAKER_WITHDRAW,
	PROTO_SPEAKER_NEXT,       /* participant when has_participant */
	PROTO_SPEAKER_END,
	PROTO_MINUTES_GET,
	PROTO_MINUTES_EDIT,       /* item ("" for the meeting as a whole), text, base */
};

struct proto_request {
	json_t *id;             /* the client's integer id (owned) */
	enum proto_type type;
	/* hello */
	bool has_since;
	int64_t since;
	/* present: doc NULL means "stop presenting" */
	char doc[32];
	bool has_doc;
	int64_t page;
	/* doc.rename: the new title, checked by meeting_text_ok() (owned) */
	char *title;
	/* doc.move: the agenda item, or none when !has_item; 1-based position;
	 * minutes.edit: the agenda item, "" for the meeting as a whole */
	char item[32];
	bool has_item;
	int64_t position;
	/* poll.open: checked by vote_open_ok() (question and options owned) */
	char *question;
	char *options[VOTE_OPTIONS_MAX];
	int noptions;
	bool secret;
	enum vote_rule rule;
	/* ballot.cast, poll.close, poll.missing: the poll; ballot.cast: the
	 * 0-based option (below VOTE_OPTIONS_MAX; the poll may have fewer) */
	char poll[32];
	int64_t option;
	/* attendance.checkin, attendance.absent: the participant; absent: the
	 * reason, checked by meeting_text_ok() (owned) */
	char participant[32];
	char *reason;
	/* speaker.next: the participant to give the floor to, if given */
	bool has_participant;
	/* minutes.edit: the text, checked by minutes_text_ok() (owned), and
	 * the version it was edited from (0 for a new text) */
	char *text;
	int64_t base;
};

struct proto_error {
	json_t *id;             /* the request's id when it had one, else NULL (owned) */
	const char *code;       /* "bad_request" or "not_found" */
	char message[300];
};

/* Parses one request. Returns 0 and fills *req (free with
 * proto_request_clear), or -EINVAL and fills *err (free with
 * proto_error_clear): the reply to send, with the connection kept open. */
int proto_parse(const char *buf, size_t len, struct proto_request *req,
		struct proto_error *err);
void proto_request_clear(struct proto_request *req);
void proto_error_clear(struct proto_error *err);

#endif
