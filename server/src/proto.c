/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* proto — see proto.h. */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "meeting.h"
#include "minutes.h"

static int fail(struct proto_error *err, json_t *id, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct proto_error *err, json_t *id, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->id = id ? json_incref(id) : NULL;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_hello(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *since = json_object_get(msg, "since");

	if (!since || json_is_null(since))
		return 0;
	if (!json_is_integer(since) || json_integer_value(since) < 0)
		return fail(err, req->id, "bad_request",
			    "'since' must be a seq the client has seen (an integer ≥ 0)");
	req->has_since = true;
	req->since = json_integer_value(since);
	return 0;
}

static int parse_present(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *doc = json_object_get(msg, "doc"), *page = json_object_get(msg, "page");

	if (!doc || !(json_is_null(doc) || json_is_string(doc)))
		return fail(err, req->id, "bad_request",
			    "'doc' must be a document id, or null to stop presenting");
	if (json_is_null(doc))
		return 0;
	if (!page || !json_is_integer(page))
		return fail(err, req->id, "bad_request",
			    "'page' must be a page number (1 for the first page)");
	if (!auth_id_valid(json_string_value(doc)))
		return fail(err, req->id, "not_found", "no such document in this meeting");
	req->page = json_integer_value(page);
	if (req->page < 1 || req->page > 1000000)
		return fail(err, req->id, "not_found", "page %lld does not exist",
			    (long long)req->page);
	snprintf(req->doc, sizeof req->doc, "%s", json_string_value(doc));
	req->has_doc = true;
	return 0;
}

/* The `doc` of doc.rename, doc.move and doc.remove: a document id. */
static int parse_doc_id(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *doc = json_object_get(msg, "doc");

	if (!doc || !json_is_string(doc))
		return fail(err, req->id, "bad_request", "'doc' must be a document id");
	if (!auth_id_valid(json_string_value(doc)))
		return fail(err, req->id, "not_found", "no such document in this meeting");
	snprintf(req->doc, sizeof req->doc, "%s", json_string_value(doc));
	req->has_doc = true;
	return 0;
}

static int parse_doc_rename(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *title = json_object_get(msg, "title");

	if (parse_doc_id(msg, req, err) < 0)
		return -EINVAL;
	if (!title || !json_is_string(title) ||
	    !meeting_text_ok(json_string_value(title), MEETING_TITLE_MAX, true))
		return fail(err, req->id, "bad_request",
			    "'title' must be text of 1 to 300 characters, without control characters");
	req->title = strdup(json_string_value(title));
	if (!req->title)
		return fail(err, req->id, "bad_request", "out of memory");
	return 0;
}

static int parse_doc_move(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *item = json_object_get(msg, "item"), *pos = json_object_get(msg, "position");

	if (parse_doc_id(msg, req, err) < 0)
		return -EINVAL;
	if (!item || !(json_is_null(item) || json_is_string(item)))
		return fail(err, req->id, "bad_request",
			    "'item' must be an agenda item id, or null for no item");
	if (!pos || !json_is_integer(pos) || json_integer_value(pos) < 1 ||
	    json_integer_value(pos) > 1000000)
		return fail(err, req->id, "bad_request",
			    "'position' must be a place in the item's list (1 for the first)");
	req->position = json_integer_value(pos);
	if (json_is_string(item)) {
		if (!auth_id_valid(json_string_value(item)))
			return fail(err, req->id, "not_found", "no such agenda item in this meeting");
		snprintf(req->item, sizeof req->item, "%s", json_string_value(item));
		req->has_item = true;
	}
	return 0;
}

static int parse_poll_open(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *q = json_object_get(msg, "question"), *opts = json_object_get(msg, "options");
	json_t *secret = json_object_get(msg, "secret"), *rule = json_object_get(msg, "rule");
	struct vote_open o = { 0 };
	json_t *v;
	size_t i;

	if (!q || !json_is_string(q) ||
	    !meeting_text_ok(json_string_value(q), VOTE_QUESTION_MAX, true))
		return fail(err, req->id, "bad_request",
			    "'question' must be text of 1 to 500 characters, without control characters");
	if (!secret || !json_is_boolean(secret))
		return fail(err, req->id, "bad_request",
			    "'secret' must be true (a secret poll) or false (a named poll)");
	req->secret = json_is_true(secret);
	req->rule = VOTE_CAST;
	if (rule && !json_is_null(rule)) {
		req->rule = vote_rule_parse(json_is_string(rule) ? json_string_value(rule) : NULL);
		if (req->rule == VOTE_RULE_NONE)
			return fail(err, req->id, "bad_request",
				    "'rule' must be \"cast\", \"present\", \"all\" or \"two_thirds\"");
	}
	if (opts && !json_is_null(opts)) {
		if (!json_is_array(opts) || json_array_size(opts) < VOTE_OPTIONS_MIN ||
		    json_array_size(opts) > VOTE_OPTIONS_MAX)
			return fail(err, req->id, "bad_request",
				    "'options' must be a list of 2 to 10 texts, or left out for "
				    "for / against / abstain");
		json_array_foreach(opts, i, v) {
			if (!json_is_string(v) ||
			    !meeting_text_ok(json_string_value(v), VOTE_OPTION_MAX, true))
				return fail(err, req->id, "bad_request",
					    "option %zu must be text of 1 to 100 characters", i + 1);
			req->options[i] = strdup(json_string_value(v));
			if (!req->options[i])
				return fail(err, req->id, "bad_request", "out of memory");
			req->noptions = (int)i + 1;
		}
	}
	req->question = strdup(json_string_value(q));
	if (!req->question)
		return fail(err, req->id, "bad_request", "out of memory");
	o.question = req->question;
	o.options = req->noptions ? (const char *const *)req->options : NULL;
	o.noptions = req->noptions;
	o.secret = req->secret;
	o.rule = req->rule;
	if (!vote_open_ok(&o))
		return fail(err, req->id, "bad_request", "two options are the same");
	return 0;
}

/* The `poll` of ballot.cast, poll.close and poll.missing: a poll id. */
static int parse_poll_id(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *poll = json_object_get(msg, "poll");

	if (!poll || !json_is_string(poll))
		return fail(err, req->id, "bad_request", "'poll' must be a poll id");
	if (!auth_id_valid(json_string_value(poll)))
		return fail(err, req->id, "not_found", "no such poll in this meeting");
	snprintf(req->poll, sizeof req->poll, "%s", json_string_value(poll));
	return 0;
}

static int parse_ballot(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *opt = json_object_get(msg, "option");

	if (parse_poll_id(msg, req, err) < 0)
		return -EINVAL;
	if (!opt || !json_is_integer(opt) || json_integer_value(opt) < 0 ||
	    json_integer_value(opt) >= VOTE_OPTIONS_MAX)
		return fail(err, req->id, "bad_request",
			    "'option' must be the index of an option (0 for the first)");
	req->option = json_integer_value(opt);
	return 0;
}

/* attendance.checkin and attendance.absent: a participant id; absent also
 * a reason. */
static int parse_attendance(json_t *msg, struct proto_request *req, struct proto_error *err,
			    bool absent)
{
	json_t *who = json_object_get(msg, "participant"), *why = json_object_get(msg, "reason");

	if (!who || !json_is_string(who))
		return fail(err, req->id, "bad_request", "'participant' must be a participant id");
	if (!auth_id_valid(json_string_value(who)))
		return fail(err, req->id, "not_found", "no such participant in this meeting");
	snprintf(req->participant, sizeof req->participant, "%s", json_string_value(who));
	if (!absent)
		return 0;
	if (!why || !json_is_string(why) ||
	    !meeting_text_ok(json_string_value(why), MEETING_TITLE_MAX, true))
		return fail(err, req->id, "bad_request",
			    "'reason' must be text of 1 to 300 characters, without control characters");
	req->reason = strdup(json_string_value(why));
	if (!req->reason)
		return fail(err, req->id, "bad_request", "out of memory");
	return 0;
}

/* speaker.next: an optional participant id (absent or null: the first in
 * the queue). */
static int parse_speaker_next(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *who = json_object_get(msg, "participant");

	if (!who || json_is_null(who))
		return 0;
	if (!json_is_string(who))
		return fail(err, req->id, "bad_request",
			    "'participant' must be a participant id, or left out for the first in the queue");
	if (!auth_id_valid(json_string_value(who)))
		return fail(err, req->id, "not_found", "no such participant in this meeting");
	snprintf(req->participant, sizeof req->participant, "%s", json_string_value(who));
	req->has_participant = true;
	return 0;
}

/* minutes.edit: an agenda item id or "" (the meeting as a whole), the
 * text, and the version it was edited from. */
static int parse_minutes_edit(json_t *msg, struct proto_request *req, struct proto_error *err)
{
	json_t *item = json_object_get(msg, "item"), *text = json_object_get(msg, "text");
	json_t *base = json_object_get(msg, "base");
	const char *t;

	if (!item || !json_is_string(item))
		return fail(err, req->id, "bad_request",
			    "'item' must be an agenda item id, or \"\" for the meeting as a whole");
	if (*json_string_value(item) && !auth_id_valid(json_string_value(item)))
		return fail(err, req->id, "not_found", "no such agenda item in this meeting");
	if (!text || !json_is_string(text))
		return fail(err, req->id, "bad_request", "'text' must be the text of the minutes");
	t = json_string_value(text);
	if (strlen(t) > MINUTES_TEXT_MAX)
		return fail(err, req->id, "bad_request",
			    "the minutes of one item may have at most 60,000 bytes; "
			    "split them over the agenda items");
	if (!minutes_text_ok(t))
		return fail(err, req->id, "bad_request",
			    "the minutes may hold text, new lines and tabs, but no other "
			    "control characters");
	if (!base || !json_is_integer(base) || json_integer_value(base) < 0)
		return fail(err, req->id, "bad_request",
			    "'base' must be the version the text was edited from (0 for a new text)");
	snprintf(req->item, sizeof req->item, "%s", json_string_value(item));
	req->has_item = true;
	req->base = json_integer_value(base);
	req->text = strdup(t);
	if (!req->text)
		return fail(err, req->id, "bad_request", "out of memory");
	return 0;
}

int proto_parse(const char *buf, size_t len, struct proto_request *req,
		struct proto_error *err)
{
	json_error_t jerr;
	json_t *msg, *type;
	const char *t;
	int rc;

	memset(req, 0, sizeof *req);
	memset(err, 0, sizeof *err);
	/* RFC 8259 §8.1 text, one object; jansson also refuses depth > 2048,
	 * integers that overflow and invalid UTF-8. */
	msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!msg || !json_is_object(msg)) {
		rc = fail(err, NULL, "bad_request", "a request must be one JSON object: %s",
			  msg ? "got another JSON value" : jerr.text);
		goto out;
	}
	req->id = json_object_get(msg, "id");
	if (!req->id || !json_is_integer(req->id)) {
		req->id = NULL;
		rc = fail(err, NULL, "bad_request", "a request needs an integer 'id'");
		goto out;
	}
	json_incref(req->id);
	type = json_object_get(msg, "type");
	if (!type || !json_is_string(type)) {
		rc = fail(err, req->id, "bad_request", "a request needs a string 'type'");
		goto out;
	}
	t = json_string_value(type);
	if (strcmp(t, "hello") == 0) {
		req->type = PROTO_HELLO;
		rc = parse_hello(msg, req, err);
	} else if (strcmp(t, "present") == 0) {
		req->type = PROTO_PRESENT;
		rc = parse_present(msg, req, err);
	} else if (strcmp(t, "ping") == 0) {
		req->type = PROTO_PING;
		rc = 0;
	} else if (strcmp(t, "doc.rename") == 0) {
		req->type = PROTO_DOC_RENAME;
		rc = parse_doc_rename(msg, req, err);
	} else if (strcmp(t, "doc.move") == 0) {
		req->type = PROTO_DOC_MOVE;
		rc = parse_doc_move(msg, req, err);
	} else if (strcmp(t, "doc.remove") == 0) {
		req->type = PROTO_DOC_REMOVE;
		rc = parse_doc_id(msg, req, err);
	} else if (strcmp(t, "poll.open") == 0) {
		req->type = PROTO_POLL_OPEN;
		rc = parse_poll_open(msg, req, err);
	} else if (strcmp(t, "ballot.cast") == 0) {
		req->type = PROTO_BALLOT_CAST;
		rc = parse_ballot(msg, req, err);
	} else if (strcmp(t, "poll.close") == 0) {
		req->type = PROTO_POLL_CLOSE;
		rc = parse_poll_id(msg, req, err);
	} else if (strcmp(t, "poll.missing") == 0) {
		req->type = PROTO_POLL_MISSING;
		rc = parse_poll_id(msg, req, err);
	} else if (strcmp(t, "meeting.open") == 0) {
		req->type = PROTO_MEETING_OPEN;
		rc = 0;
	} else if (strcmp(t, "meeting.close") == 0) {
		req->type = PROTO_MEETING_CLOSE;
		rc = 0;
	} else if (strcmp(t, "attendance.checkin") == 0) {
		req->type = PROTO_ATTENDANCE_CHECKIN;
		rc = parse_attendance(msg, req, err, false);
	} else if (strcmp(t, "attendance.absent") == 0) {
		req->type = PROTO_ATTENDANCE_ABSENT;
		rc = parse_attendance(msg, req, err, true);
	} else if (strcmp(t, "speaker.request") == 0) {
		req->type = PROTO_SPEAKER_REQUEST;
		rc = 0;
	} else if (strcmp(t, "speaker.withdraw") == 0) {
		req->type = PROTO_SPEAKER_WITHDRAW;
		rc = 0;
	} else if (strcmp(t, "speaker.next") == 0) {
		req->type = PROTO_SPEAKER_NEXT;
		rc = parse_speaker_next(msg, req, err);
	} else if (strcmp(t, "speaker.end") == 0) {
		req->type = PROTO_SPEAKER_END;
		rc = 0;
	} else if (strcmp(t, "minutes.get") == 0) {
		req->type = PROTO_MINUTES_GET;
		rc = 0;
	} else if (strcmp(t, "minutes.edit") == 0) {
		req->type = PROTO_MINUTES_EDIT;
		rc = parse_minutes_edit(msg, req, err);
	} else {
		rc = fail(err, req->id, "bad_request", "unknown request type '%.100s'", t);
	}
out:
	json_decref(msg);
	if (rc < 0)
		proto_request_clear(req);
	return rc;
}

void proto_request_clear(struct proto_request *req)
{
	json_decref(req->id);
	req->id = NULL;
	free(req->title);
	req->title = NULL;
	free(req->reason);
	req->reason = NULL;
	free(req->text);
	req->text = NULL;
	free(req->question);
	req->question = NULL;
	for (int i = 0; i < req->noptions; i++)
		free(req->options[i]);
	req->noptions = 0;
}

void proto_error_clear(struct proto_error *err)
{
	json_decref(err->id);
	err->id = NULL;
}
