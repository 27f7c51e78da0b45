/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vote — see vote.h for the design note (states, frozen attendance, the
 * secret-ballot tables and the majority rules).
 */
#include "vote.h"
#include "log.h"
#include "meeting.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_options[] = { "for", "against", "abstain" };

static const char *const rule_names[] = {
	[VOTE_CAST] = "cast",
	[VOTE_PRESENT] = "present",
	[VOTE_ALL] = "all",
	[VOTE_TWO_THIRDS] = "two_thirds",
};

const char *vote_rule_name(enum vote_rule r)
{
	return r < VOTE_RULE_NONE ? rule_names[r] : "none";
}

enum vote_rule vote_rule_parse(const char *s)
{
	for (int r = 0; s && r < VOTE_RULE_NONE; r++)
		if (strcmp(s, rule_names[r]) == 0)
			return (enum vote_rule)r;
	return VOTE_RULE_NONE;
}

bool vote_open_ok(const struct vote_open *o)
{
	if (!o || !meeting_text_ok(o->question, VOTE_QUESTION_MAX, true))
		return false;
	if (o->rule >= VOTE_RULE_NONE)
		return false;
	if (!o->options)
		return true;
	if (o->noptions < VOTE_OPTIONS_MIN || o->noptions > VOTE_OPTIONS_MAX)
		return false;
	for (int i = 0; i < o->noptions; i++) {
		if (!meeting_text_ok(o->options[i], VOTE_OPTION_MAX, true))
			return false;
		for (int j = 0; j < i; j++)
			if (strcmp(o->options[i], o->options[j]) == 0)
				return false;
	}
	return true;
}

bool vote_outcome(enum vote_rule rule, const int64_t *counts, int n, int abstain,
		  int64_t eligible, int64_t members)
{
	int64_t ballots = 0, f = n > 0 ? counts[0] : 0;

	for (int i = 0; i < n; i++)
		ballots += counts[i];
	int64_t votes = ballots - (abstain >= 0 && abstain < n ? counts[abstain] : 0);
	if (abstain == 0)
		return false; /* abstaining cannot carry a proposal */
	switch (rule) {
	case VOTE_CAST:
		return f * 2 > votes;
	case VOTE_TWO_THIRDS:
		return f > 0 && f * 3 >= votes * 2;
	case VOTE_PRESENT:
		return f * 2 > eligible;
	case VOTE_ALL:
		return f * 2 > members;
	default:
		return false;
	}
}

/* The first column of a one-row query with up to two text parameters, or
 * a negative errno (-ENOENT when there is no row). */
static int64_t one_int(struct store *st, const char *sql, const char *a, const char *b)
{
	struct store_stmt *s = store_prepare(st, sql);
	int64_t v;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, a);
	if (b)
		store_bind_text(s, 2, b);
	int rc = store_step(s);
	v = rc == 1 ? store_col_int(s, 0) : (rc == 0 ? -ENOENT : rc);
	store_reset(s);
	return v;
}

static int step_once(struct store_stmt *s)
{
	int rc = store_step(s);

	store_reset(s);
	return rc < 0 ? rc : 0;
}

/* ---- opening ------------------------------------------------------------ */

int vote_poll_open(struct store *st, const char *meeting, const char *actor,
		   const struct vote_open *o, char id[AUTH_ID_LEN + 1], json_t **event)
{
	const char *const *opts = o && o->options ? o->options : default_options;
	int nopts = o && o->options ? o->noptions : 3, abstain = -1;
	struct store_stmt *s;
	json_t *options = NULL;
	char *options_text = NULL, now[32];
	int64_t v, members, eligible, position;
	bool quorum;
	int rc;

	*event = NULL;
	if (!vote_open_ok(o))
		return -EINVAL;
	options = json_array();
	for (int i = 0; i < nopts; i++) {
		json_array_append_new(options, json_string(opts[i]));
		if (abstain < 0 && strcasecmp(opts[i], "abstain") == 0)
			abstain = i;
	}
	options_text = json_dumps(options, JSON_COMPACT);
	if (!options_text) {
		json_decref(options);
		return -ENOMEM;
	}
	rc = store_begin(st);
	if (rc < 0)
		goto out;

	rc = meeting_state_get(st, meeting);
	if (rc < 0)
		goto fail;
	if (rc == 2) { /* closed */
		rc = -EPERM;
		goto fail;
	}
	v = one_int(st, "SELECT COUNT(*) FROM poll WHERE meeting = ? AND state = 'open'",
		    meeting, NULL);
	if (v != 0) {
		rc = v > 0 ? -EALREADY : (int)v;
		goto fail;
	}
	members = one_int(st, "SELECT COUNT(*) FROM participant WHERE meeting = ? "
			      "AND role IN ('chair','member')", meeting, NULL);
	eligible = one_int(st, "SELECT COUNT(*) FROM participant WHERE meeting = ? "
			       "AND role IN ('chair','member') AND checked_in IS NOT NULL",
			   meeting, NULL);
	position = one_int(st, "SELECT COUNT(*) FROM poll WHERE meeting = ?", meeting, NULL);
	if (members < 0 || eligible < 0 || position < 0) {
		rc = -EIO;
		goto fail;
	}
	/* Quorum, by the meeting's rule, over those present now. */
	char rule[16] = "majority";
	s = store_prepare(st, "SELECT quorum_rule FROM meeting WHERE id = ?");
	if (s) {
		store_bind_text(s, 1, meeting);
		if (store_step(s) == 1)
			snprintf(rule, sizeof rule, "%s", store_col_text(s, 0));
		store_reset(s);
	}
	quorum = members > 0 && eligible >= meeting_quorum_needed(rule, members);

	auth_id_new(id);
	auth_now_iso(now, 0);
	s = store_prepare(st, "INSERT INTO poll (id, meeting, position, question, options, "
			      "noptions, abstain, secret, rule, state, members, eligible, quorum, "
			      "opened, opened_by) "
			      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, meeting);
	store_bind_int(s, 3, position + 1);
	store_bind_text(s, 4, o->question);
	store_bind_text(s, 5, options_text);
	store_bind_int(s, 6, nopts);
	store_bind_int(s, 7, abstain);
	store_bind_int(s, 8, o->secret);
	store_bind_text(s, 9, vote_rule_name(o->rule));
	store_bind_int(s, 10, members);
	store_bind_int(s, 11, eligible);
	store_bind_int(s, 12, quorum);
	store_bind_text(s, 13, now);
	store_bind_text(s, 14, actor);
	rc = step_once(s);
	if (rc < 0)
		goto fail;

	s = store_prepare(st, "INSERT INTO poll_eligible (poll, participant) "
			      "SELECT ?, id FROM participant WHERE meeting = ? "
			      "AND role IN ('chair','member') AND checked_in IS NOT NULL");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, meeting);
	rc = step_once(s);
	if (rc < 0)
		goto fail;

	/* The secret tally: one row per option, from the start, so that a
	 * row's existence says nothing either. */
	for (int i = 0; o->secret && i < nopts; i++) {
		s = store_prepare(st, "INSERT INTO poll_tally (poll, option, count) VALUES (?, ?, 0)");
		if (!s) {
			rc = -EIO;
			goto fail;
		}
		store_bind_text(s, 1, id);
		store_bind_int(s, 2, i);
		rc = step_once(s);
		if (rc < 0)
			goto fail;
	}

	json_t *fields = json_pack("{s:s, s:s, s:O, s:b, s:s, s:I, s:I, s:b}",
				   "poll", id, "question", o->question, "options", options,
				   "secret", o->secret, "rule", vote_rule_name(o->rule),
				   "eligible", (json_int_t)eligible, "members", (json_int_t)members,
				   "quorum", quorum);
	rc = meeting_event_append(st, meeting, "poll.opened", actor, fields, event);
	if (rc < 0)
		goto fail;
	rc = store_commit(st);
	if (rc < 0)
		goto fail;
	goto out;
fail:
	meeting_tx_abort(st, event);
out:
	json_decref(options);
	free(options_text);
	return rc;
}

/* ---- ballots ------------------------------------------------------------ */

/* One ballot inside the batch's transaction. Returns the ballot's result
 * (0 or a refusal), or a negative errno from the store in *fatal. */
static int cast_one(struct store *st, const struct vote_ballot *b, int *fatal)
{
	struct store_stmt *s;
	int rc;

	s = store_prepare(st, "SELECT state = 'open', secret, noptions FROM poll "
			      "WHERE id = ? AND meeting = ?");
	if (!s)
		return *fatal = -EIO;
	store_bind_text(s, 1, b->poll);
	store_bind_text(s, 2, b->meeting);
	rc = store_step(s);
	bool open = rc == 1 && store_col_int(s, 0);
	bool secret = rc == 1 && store_col_int(s, 1);
	int64_t nopts = rc == 1 ? store_col_int(s, 2) : 0;
	store_reset(s);
	if (rc < 0)
		return *fatal = rc;
	if (rc == 0)
		return -ENOENT;
	if (!open)
		return -ESRCH;
	int64_t el = one_int(st, "SELECT 1 FROM poll_eligible WHERE poll = ? AND participant = ?",
			     b->poll, b->participant);
	if (el == -ENOENT)
		return -EPERM;
	if (el < 0)
		return *fatal = (int)el;
	if (b->option < 0 || b->option >= nopts)
		return -ERANGE;

	/* The one-ballot rule is this PRIMARY KEY. */
	s = store_prepare(st, "INSERT INTO poll_voter (poll, participant) VALUES (?, ?)");
	if (!s)
		return *fatal = -EIO;
	store_bind_text(s, 1, b->poll);
	store_bind_text(s, 2, b->participant);
	rc = step_once(s);
	if (rc == -EEXIST)
		return -EEXIST;
	if (rc < 0)
		return *fatal = rc;

	if (secret) {
		s = store_prepare(st, "UPDATE poll_tally SET count = count + 1 "
				      "WHERE poll = ? AND option = ?");
		if (!s)
			return *fatal = -EIO;
		store_bind_text(s, 1, b->poll);
		store_bind_int(s, 2, b->option);
		rc = step_once(s);
		if (rc == 0 && store_changes(st) != 1)
			rc = -EIO;
	} else {
		s = store_prepare(st, "INSERT INTO ballot (poll, participant, option) "
				      "VALUES (?, ?, ?)");
		if (!s)
			return *fatal = -EIO;
		store_bind_text(s, 1, b->poll);
		store_bind_text(s, 2, b->participant);
		store_bind_int(s, 3, b->option);
		rc = step_once(s);
	}
	if (rc < 0)
		return *fatal = rc;
	return 0;
}

int vote_ballots_cast(struct store *st, struct vote_ballot *b, int n)
{
	int rc, fatal = 0;

	if (n <= 0)
		return 0;
	rc = store_begin_durable(st);
	if (rc < 0)
		goto fail;
	for (int i = 0; i < n && !fatal; i++)
		b[i].result = cast_one(st, &b[i], &fatal);
	if (fatal) {
		rc = fatal;
		store_rollback(st);
		goto fail;
	}
	rc = store_commit(st);
	if (rc < 0) {
		store_rollback(st);
		goto fail;
	}
	return 0;
fail:
	log_warn("vote: %d ballots could not be recorded: %s", n, strerror(-rc));
	for (int i = 0; i < n; i++)
		b[i].result = rc;
	return rc;
}

int vote_progress(struct store *st, const char *meeting, const char *poll,
		  int64_t *cast, int64_t *eligible, bool *open)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT state = 'open', eligible, "
		"(SELECT COUNT(*) FROM poll_voter v WHERE v.poll = poll.id) "
		"FROM poll WHERE id = ? AND meeting = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, poll);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc == 1) {
		*open = store_col_int(s, 0) != 0;
		*eligible = store_col_int(s, 1);
		*cast = store_col_int(s, 2);
	}
	store_reset(s);
	return rc == 1 ? 0 : rc == 0 ? -ENOENT : rc;
}

/* ---- closing ------------------------------------------------------------ */

/* Counts per option (and names per option for a named poll) into the new
 * arrays *counts and *names (NULL for a secret poll). */
static int tally(struct store *st, const char *poll, bool secret, int nopts,
		 int64_t *n, json_t **names)
{
	struct store_stmt *s;
	int rc;

	for (int i = 0; i < nopts; i++)
		n[i] = 0;
	*names = NULL;
	if (secret) {
		s = store_prepare(st, "SELECT option, count FROM poll_tally WHERE poll = ?");
		if (!s)
			return -EIO;
		store_bind_text(s, 1, poll);
		while ((rc = store_step(s)) == 1) {
			int64_t o = store_col_int(s, 0);
			if (o >= 0 && o < nopts)
				n[o] = store_col_int(s, 1);
		}
		store_reset(s);
		return rc;
	}
	*names = json_array();
	for (int i = 0; i < nopts; i++)
		json_array_append_new(*names, json_array());
	s = store_prepare(st, "SELECT b.option, p.name FROM ballot b "
			      "JOIN participant p ON p.id = b.participant "
			      "WHERE b.poll = ? ORDER BY p.name, p.id");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, poll);
	while ((rc = store_step(s)) == 1) {
		int64_t o = store_col_int(s, 0);
		if (o < 0 || o >= nopts)
			continue;
		n[o]++;
		json_array_append_new(json_array_get(*names, (size_t)o),
				      json_string(store_col_text(s, 1)));
	}
	store_reset(s);
	return rc;
}

int vote_poll_close(struct store *st, const char *meeting, const char *actor,
		    const char *poll, json_t **event)
{
	struct store_stmt *s;
	json_t *fields = NULL, *names = NULL, *counts;
	int64_t n[VOTE_OPTIONS_MAX], cast = 0, members, eligible;
	char now[32], *result = NULL;
	bool secret = false, quorum, passed;
	enum vote_rule rule;
	int rc, nopts, abstain;

	*event = NULL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	s = store_prepare(st, "SELECT state = 'open', secret, noptions, abstain, rule, members, "
			      "eligible, quorum, question, options FROM poll "
			      "WHERE id = ? AND meeting = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, poll);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc != 1) {
		store_reset(s);
		rc = rc == 0 ? -ENOENT : rc;
		goto fail;
	}
	bool open = store_col_int(s, 0) != 0;
	secret = store_col_int(s, 1) != 0;
	nopts = (int)store_col_int(s, 2);
	abstain = (int)store_col_int(s, 3);
	rule = vote_rule_parse(store_col_text(s, 4));
	members = store_col_int(s, 5);
	eligible = store_col_int(s, 6);
	quorum = store_col_int(s, 7) != 0;
	fields = json_pack("{s:s, s:s, s:o?}", "poll", poll, "question", store_col_text(s, 8),
			   "options", json_loads(store_col_text(s, 9), 0, NULL));
	store_reset(s);
	if (!open) {
		rc = -EALREADY;
		goto fail;
	}
	if (!fields || nopts < VOTE_OPTIONS_MIN || nopts > VOTE_OPTIONS_MAX) {
		rc = -EIO;
		goto fail;
	}
	rc = tally(st, poll, secret, nopts, n, &names);
	if (rc < 0)
		goto fail;
	counts = json_array();
	for (int i = 0; i < nopts; i++) {
		json_array_append_new(counts, json_integer(n[i]));
		cast += n[i];
	}
	passed = vote_outcome(rule, n, nopts, abstain, eligible, members);
	json_object_set_new(fields, "counts", counts);
	json_object_set_new(fields, "outcome", json_string(passed ? "passed" : "failed"));
	json_object_set_new(fields, "rule", json_string(vote_rule_name(rule)));
	json_object_set_new(fields, "secret", json_boolean(secret));
	json_object_set_new(fields, "cast", json_integer(cast));
	json_object_set_new(fields, "eligible", json_integer(eligible));
	json_object_set_new(fields, "members", json_integer(members));
	json_object_set_new(fields, "quorum", json_boolean(quorum));
	if (names)
		json_object_set_new(fields, "names", names);
	names = NULL;

	result = json_dumps(fields, JSON_COMPACT);
	auth_now_iso(now, 0);
	s = store_prepare(st, "UPDATE poll SET state = 'closed', closed = ?, closed_by = ?, "
			      "result = ? WHERE id = ?");
	if (!s || !result) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, actor);
	store_bind_text(s, 3, result);
	store_bind_text(s, 4, poll);
	rc = step_once(s);
	if (rc < 0)
		goto fail;
	rc = meeting_event_append(st, meeting, "poll.closed", actor, fields, event);
	fields = NULL;
	if (rc < 0)
		goto fail;
	rc = store_commit(st);
	if (rc < 0)
		goto fail;
	free(result);
	/* The write-ahead log still holds the page images of each ballot's
	 * commit; copy it into the database and truncate it. Best effort:
	 * a reader may hold it, and then the next checkpoint does it. */
	if (secret)
		store_checkpoint(st);
	return 0;
fail:
	store_rollback(st);
	json_decref(fields);
	json_decref(names);
	json_decref(*event);
	*event = NULL;
	free(result);
	return rc;
}

int vote_missing(struct store *st, const char *meeting, const char *poll, json_t **out)
{
	int64_t secret = one_int(st, "SELECT secret FROM poll WHERE id = ? AND meeting = ?",
				 poll, meeting);
	struct store_stmt *s;
	int rc;

	*out = NULL;
	if (secret < 0)
		return (int)secret;
	if (secret)
		return -EPERM;
	s = store_prepare(st, "SELECT p.id, p.name FROM poll_eligible e "
			      "JOIN participant p ON p.id = e.participant "
			      "WHERE e.poll = ? AND NOT EXISTS (SELECT 1 FROM poll_voter v "
			      "WHERE v.poll = e.poll AND v.participant = e.participant) "
			      "ORDER BY p.name, p.id");
	if (!s)
		return -EIO;
	*out = json_array();
	store_bind_text(s, 1, poll);
	while ((rc = store_step(s)) == 1)
		json_array_append_new(*out, json_pack("{s:s, s:s}", "participant",
						      store_col_text(s, 0), "name",
						      store_col_text(s, 1)));
	store_reset(s);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

json_t *vote_state(struct store *st, const char *meeting, const char *participant)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, question, options, secret, rule, state, members, eligible, quorum, "
		"result, (SELECT COUNT(*) FROM poll_voter v WHERE v.poll = poll.id), "
		"EXISTS (SELECT 1 FROM poll_voter v WHERE v.poll = poll.id AND v.participant = ?) "
		"FROM poll WHERE meeting = ? ORDER BY position");
	json_t *polls;
	int rc;

	if (!s)
		return NULL;
	polls = json_array();
	store_bind_text(s, 1, participant ? participant : "");
	store_bind_text(s, 2, meeting);
	while ((rc = store_step(s)) == 1) {
		json_t *p = json_pack("{s:s, s:s, s:o?, s:b, s:s, s:s, s:I, s:I, s:b, s:I, s:b}",
				      "poll", store_col_text(s, 0),
				      "question", store_col_text(s, 1),
				      "options", json_loads(store_col_text(s, 2), 0, NULL),
				      "secret", (int)store_col_int(s, 3),
				      "rule", store_col_text(s, 4),
				      "state", store_col_text(s, 5),
				      "members", (json_int_t)store_col_int(s, 6),
				      "eligible", (json_int_t)store_col_int(s, 7),
				      "quorum", (int)store_col_int(s, 8),
				      "cast", (json_int_t)store_col_int(s, 10),
				      "voted", (int)store_col_int(s, 11));
		if (!p)
			continue;
		if (!store_col_null(s, 9)) {
			json_t *r = json_loads(store_col_text(s, 9), 0, NULL);
			json_object_update(p, r);
			json_decref(r);
		}
		json_array_append_new(polls, p);
	}
	store_reset(s);
	if (rc < 0) {
		json_decref(polls);
		return NULL;
	}
	return polls;
}
