/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * speaker — see speaker.h.
 *
 * One row of `speaker_turn` per request or turn (migration 6):
 *
 *     requested ──speaker_next──▶ speaking ──speaker_next/end──▶ ended
 *         └──speaker_withdraw──▶ withdrawn
 *
 * waiting:  granted_at IS NULL AND ended_at IS NULL (the queue, by id)
 * speaking: granted_at IS NOT NULL AND ended_at IS NULL
 * A turn given without a request has requested_at NULL. Partial unique
 * indexes keep at most one speaker per meeting and one waiting request per
 * participant, so the invariants hold even against a bug here.
 */
#include "speaker.h"
#include "meeting.h"
#include "store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void iso_ms(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	gmtime_r(&t, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

/* The inverse of iso_ms (seconds-only times are accepted too); -1 if bad. */
static int64_t parse_ms(const char *s)
{
	struct tm tm = { 0 };
	int msec = 0, n = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	if (s[n] == '.' && sscanf(s + n + 1, "%3d", &msec) != 1)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + msec;
}

void speaker_now(char out[32])
{
	iso_ms(now_ms(), out);
}

/* Whole seconds from `since` to `until` (ISO times), never negative: a
 * clock stepped back must not show a negative turn. */
static int64_t seconds_between(const char *since, const char *until)
{
	int64_t a = parse_ms(since), b = parse_ms(until);

	return a < 0 || b < a ? 0 : (b - a) / 1000;
}

/* Opens the transaction and refuses a closed meeting. */
static int begin(struct store *st, const char *meeting)
{
	int rc = store_begin(st);

	if (rc < 0)
		return rc;
	if (!meeting_exists(st, meeting)) {
		store_rollback(st);
		return -ENOENT;
	}
	if (meeting_is_closed(st, meeting)) {
		store_rollback(st);
		return -EPERM;
	}
	return 0;
}

static int finish(struct store *st, int rc, json_t **event)
{
	if (rc >= 0)
		rc = store_commit(st);
	if (rc >= 0)
		return 0;
	meeting_tx_abort(st, event);
	return rc;
}

/* The participant's role name inside the transaction, copied to role;
 * -ENOENT when not in the meeting. */
static int role_of(struct store *st, const char *meeting, const char *participant,
		   char role[16])
{
	struct store_stmt *s = store_prepare(st, "SELECT role FROM participant "
						 "WHERE id = ? AND meeting = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, participant);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc == 1)
		snprintf(role, 16, "%s", store_col_text(s, 0));
	store_reset(s);
	return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

/* The current turn: fills who and since; 0, -ENODATA (nobody), or -errno. */
static int current(struct store *st, const char *meeting, char who[AUTH_ID_LEN + 1],
		   char since[32])
{
	struct store_stmt *s = store_prepare(st, "SELECT participant, granted_at FROM speaker_turn "
						 "WHERE meeting = ? AND granted_at IS NOT NULL "
						 "AND ended_at IS NULL");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1) {
		snprintf(who, AUTH_ID_LEN + 1, "%s", store_col_text(s, 0));
		snprintf(since, 32, "%s", store_col_text(s, 1));
	}
	store_reset(s);
	return rc < 0 ? rc : rc == 0 ? -ENODATA : 0;
}

/* true if `participant` waits in the queue (a store error counts as no). */
static bool waiting(struct store *st, const char *meeting, const char *participant)
{
	struct store_stmt *s = store_prepare(st, "SELECT 1 FROM speaker_turn WHERE meeting = ? "
						 "AND participant = ? AND granted_at IS NULL "
						 "AND ended_at IS NULL");
	bool found;

	if (!s)
		return false;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, participant);
	found = store_step(s) == 1;
	store_reset(s);
	return found;
}

/* Ends the current turn at `now`; *ended gets {participant, seconds}, or
 * stays NULL when nobody held the floor. */
static int end_current(struct store *st, const char *meeting, const char *now, json_t **ended)
{
	char who[AUTH_ID_LEN + 1], since[32];
	struct store_stmt *s;
	int rc;

	*ended = NULL;
	rc = current(st, meeting, who, since);
	if (rc == -ENODATA)
		return 0;
	if (rc < 0)
		return rc;
	s = store_prepare(st, "UPDATE speaker_turn SET ended_at = ? WHERE meeting = ? "
			      "AND granted_at IS NOT NULL AND ended_at IS NULL");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	*ended = json_pack("{s:s, s:I}", "participant", who,
			   "seconds", (json_int_t)seconds_between(since, now));
	return *ended ? 0 : -ENOMEM;
}

int speaker_request(struct store *st, const char *meeting, const char *participant,
		    json_t **event)
{
	char role[16], who[AUTH_ID_LEN + 1], since[32], now[32];
	struct store_stmt *s;
	int rc;

	*event = NULL;
	rc = begin(st, meeting);
	if (rc < 0)
		return rc;
	rc = role_of(st, meeting, participant, role);
	if (rc < 0)
		goto out;
	rc = current(st, meeting, who, since);
	if (rc == 0 && strcmp(who, participant) == 0)
		rc = -EALREADY;
	else if (rc == -ENODATA || rc == 0)
		rc = waiting(st, meeting, participant) ? -EALREADY : 0;
	if (rc < 0)
		goto out;
	s = store_prepare(st, "INSERT INTO speaker_turn (meeting, participant, requested_at) "
			      "VALUES (?, ?, ?)");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	speaker_now(now);
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, participant);
	store_bind_text(s, 3, now);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto out;
	rc = meeting_event_append(st, meeting, "speaker.requested", participant,
				  json_pack("{s:s, s:s}", "participant", participant, "at", now),
				  event);
out:
	return finish(st, rc, event);
}

int speaker_withdraw(struct store *st, const char *meeting, const char *participant,
		     json_t **event)
{
	struct store_stmt *s;
	char now[32];
	int rc;

	*event = NULL;
	rc = begin(st, meeting);
	if (rc < 0)
		return rc;
	s = store_prepare(st, "UPDATE speaker_turn SET ended_at = ?, withdrawn = 1 "
			      "WHERE meeting = ? AND participant = ? AND granted_at IS NULL "
			      "AND ended_at IS NULL");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	speaker_now(now);
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, participant);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto out;
	if (store_changes(st) == 0) {
		rc = -ENODATA;
		goto out;
	}
	rc = meeting_event_append(st, meeting, "speaker.withdrawn", participant,
				  json_pack("{s:s}", "participant", participant), event);
out:
	return finish(st, rc, event);
}

/* The first participant in the queue; -ENODATA when it is empty. */
static int first_waiting(struct store *st, const char *meeting, char who[AUTH_ID_LEN + 1])
{
	struct store_stmt *s = store_prepare(st, "SELECT participant FROM speaker_turn "
						 "WHERE meeting = ? AND granted_at IS NULL "
						 "AND ended_at IS NULL ORDER BY id LIMIT 1");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1)
		snprintf(who, AUTH_ID_LEN + 1, "%s", store_col_text(s, 0));
	store_reset(s);
	return rc < 0 ? rc : rc == 0 ? -ENODATA : 0;
}

int speaker_next(struct store *st, const char *meeting, const char *participant,
		 const char *actor, json_t **event)
{
	char who[AUTH_ID_LEN + 1], cur[AUTH_ID_LEN + 1], since[32], role[16], now[32];
	json_t *ended = NULL;
	struct store_stmt *s;
	int rc;

	*event = NULL;
	rc = begin(st, meeting);
	if (rc < 0)
		return rc;
	if (participant) {
		snprintf(who, sizeof who, "%s", participant);
		rc = role_of(st, meeting, who, role);
		if (rc == 0 && strcmp(role, "display") == 0)
			rc = -EINVAL;
	} else {
		rc = first_waiting(st, meeting, who);
	}
	if (rc < 0)
		goto out;
	rc = current(st, meeting, cur, since);
	if (rc == 0 && strcmp(cur, who) == 0)
		rc = -EALREADY;
	else if (rc == -ENODATA)
		rc = 0;
	if (rc < 0)
		goto out;
	speaker_now(now);
	rc = end_current(st, meeting, now, &ended);
	if (rc < 0)
		goto out;
	/* The new speaker's waiting request becomes the turn; else a new row. */
	s = store_prepare(st, "UPDATE speaker_turn SET granted_at = ?, granted_by = ? "
			      "WHERE meeting = ? AND participant = ? AND granted_at IS NULL "
			      "AND ended_at IS NULL");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, actor);
	store_bind_text(s, 3, meeting);
	store_bind_text(s, 4, who);
	rc = store_step(s);
	store_reset(s);
	if (rc >= 0 && store_changes(st) == 0) {
		s = store_prepare(st, "INSERT INTO speaker_turn (meeting, participant, granted_at, "
				      "granted_by) VALUES (?, ?, ?, ?)");
		if (!s) {
			rc = -EIO;
			goto out;
		}
		store_bind_text(s, 1, meeting);
		store_bind_text(s, 2, who);
		store_bind_text(s, 3, now);
		store_bind_text(s, 4, actor);
		rc = store_step(s);
		store_reset(s);
	}
	if (rc < 0)
		goto out;
	json_t *fields = json_pack("{s:s, s:s}", "participant", who, "since", now);
	if (fields && ended)
		json_object_set(fields, "ended", ended);
	rc = meeting_event_append(st, meeting, "speaker.floor", actor, fields, event);
out:
	json_decref(ended);
	return finish(st, rc, event);
}

int speaker_end(struct store *st, const char *meeting, const char *actor, bool chair,
		json_t **event)
{
	char who[AUTH_ID_LEN + 1], since[32], now[32];
	json_t *ended = NULL;
	int rc;

	*event = NULL;
	rc = begin(st, meeting);
	if (rc < 0)
		return rc;
	rc = current(st, meeting, who, since);
	if (rc == 0 && !chair && strcmp(who, actor) != 0)
		rc = -EACCES;
	if (rc < 0)
		goto out;
	speaker_now(now);
	rc = end_current(st, meeting, now, &ended);
	if (rc < 0)
		goto out;
	rc = meeting_event_append(st, meeting, "speaker.ended", actor, ended, event);
	ended = NULL; /* stolen */
out:
	return finish(st, rc, event);
}

json_t *speaker_state(struct store *st, const char *meeting)
{
	struct store_stmt *s;
	json_t *queue = json_array(), *cur = json_null();
	int rc;

	s = store_prepare(st, "SELECT participant, requested_at FROM speaker_turn "
			      "WHERE meeting = ? AND granted_at IS NULL AND ended_at IS NULL "
			      "ORDER BY id");
	if (!s)
		goto fail;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1)
		json_array_append_new(queue, json_pack("{s:s, s:s}", "participant",
						       store_col_text(s, 0), "at",
						       store_col_text(s, 1)));
	store_reset(s);
	if (rc < 0)
		goto fail;
	s = store_prepare(st, "SELECT participant, granted_at FROM speaker_turn "
			      "WHERE meeting = ? AND granted_at IS NOT NULL AND ended_at IS NULL");
	if (!s)
		goto fail;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1) {
		json_decref(cur);
		cur = json_pack("{s:s, s:s}", "participant", store_col_text(s, 0),
				"since", store_col_text(s, 1));
	}
	store_reset(s);
	if (rc < 0)
		goto fail;
	return json_pack("{s:o, s:o}", "queue", queue, "current", cur);
fail:
	json_decref(queue);
	json_decref(cur);
	return NULL;
}
