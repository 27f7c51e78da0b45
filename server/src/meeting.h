/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * meeting — meetings, agenda items, participants, joining, the presented
 * page, and the meeting's event log.
 *
 * Every state change here is one transaction that also appends one row to
 * the meeting's event log; its `seq` is meeting.seq + 1, taken in the same
 * transaction, so the log has no gaps and a client that has seen seq N can
 * be sent exactly what came after. The event object handed back is what
 * the transport sends to clients, and only after the commit.
 *
 * No transport here: callers (ws, http, the command line) translate.
 * Threads: the thread that owns the store.
 */
#ifndef PLENUM_MEETING_H
#define PLENUM_MEETING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"

struct store;

#define MEETING_TITLE_MAX 1200  /* bytes of a title, a place, an organisation (300 characters) */
#define MEETING_EVENTS_MAX 500  /* events a resume may carry */

struct meeting_new {
	const char *title;
	const char *org;       /* may be NULL */
	const char *location;  /* may be NULL */
	const char *starts;    /* ISO-8601, may be NULL */
	bool guests;           /* may people not on the roster join by name? */
	const char *chair;     /* the chair's name; NULL: "Chair" */
	const char *secretary; /* the secretary's name; NULL: "Secretary" */
	const char *const *agenda;
	int nagenda;
	const char *quorum_rule;   /* "majority" (NULL), "two_thirds" or "all" */
	const char *wifi_ssid;     /* the room's Wi-Fi, shown as a QR code; may be NULL */
	const char *wifi_password; /* may be NULL (an open network) */
	const char *ends;          /* ISO-8601, may be NULL; not before starts */
	const char *created_by;    /* the staff user who made it (staff.h), or NULL */
	const char *actor;         /* the actor of `meeting.created`, or NULL */
	bool derived_links;        /* personal links derived from the key (generation
	                            * 1, auth_personal_token), so they can be
	                            * printed again; else random */
};

/* What meeting_create hands back: the plaintext tokens exist only here. */
struct meeting_created {
	char id[AUTH_ID_LEN + 1];
	char room_token[AUTH_TOKEN_LEN + 1];
	char chair_token[AUTH_TOKEN_LEN + 1];
	char secretary_token[AUTH_TOKEN_LEN + 1];
	char display_token[AUTH_TOKEN_LEN + 1];
};

/* Creates a meeting with its agenda, a chair, a secretary and the room
 * display (each with a personal token) and the room token. Returns 0, or
 * -EINVAL (title missing or too long, an item empty, an unknown quorum
 * rule, a Wi-Fi name over 32 bytes or password over 63), or a store error. */
int meeting_create(struct store *st, const struct auth_key *key,
		   const struct meeting_new *m, struct meeting_created *out);
/* The same inside the caller's transaction (store_begin() before, commit or
 * roll back after), for a meeting made together with more rows (a clone). */
int meeting_create_tx(struct store *st, const struct auth_key *key,
		      const struct meeting_new *m, struct meeting_created *out);

/* Parses an ISO-8601 date and time ("2026-11-28", "2026-11-28T08:30",
 * "2026-11-28T08:30:00+07:00", "…Z"; without a zone, local time) into UTC
 * "YYYY-MM-DDTHH:MM:SSZ". Returns 0 or -EINVAL. */
int meeting_time_parse(const char *in, char out[32]);

/* true when `s` is text a person may give as a title or a name: valid
 * UTF-8, no control characters (C0, DEL, C1), at most `max` bytes and
 * max / 4 characters, and not empty when `required`. NULL passes unless
 * required. */
bool meeting_text_ok(const char *s, size_t max, bool required);

/* true if the meeting exists. */
bool meeting_exists(struct store *st, const char *meeting);

/* The room token of a meeting (recomputed from the key). Returns 0/-ENOENT. */
int meeting_room_token(struct store *st, const struct auth_key *key,
		       const char *meeting, char out[AUTH_TOKEN_LEN + 1]);

/* Adds a participant with a personal token (written to token, which may be
 * NULL to skip the token). *event (may be NULL) receives the
 * `participant.added` event (caller owns). Returns 0, -ENOENT (no such
 * meeting), -EINVAL (name empty/too long, bad role). */
int meeting_participant_add(struct store *st, const char *meeting,
			    const char *name, const char *title,
			    enum auth_role role, const char *actor,
			    char id[AUTH_ID_LEN + 1],
			    char token[AUTH_TOKEN_LEN + 1], json_t **event);

/* The agenda item id at a 1-based position. Returns 0 or -ENOENT. */
int meeting_item_at(struct store *st, const char *meeting, int position,
		    char id[AUTH_ID_LEN + 1]);
/* true if `item` is an agenda item of `meeting`. */
bool meeting_item_belongs(struct store *st, const char *meeting, const char *item);

/* What a join page shows before a name is picked (caller owns), or NULL
 * with *err = -ENOENT for an unknown token. */
json_t *meeting_join_info(struct store *st, const char *token, int *err);

/* Joins with a token: a personal token joins as its participant; a room
 * token picks a member or guest by `participant` id or by `name` (ignoring
 * case), or adds a guest when the meeting allows guests. Fills *who and a
 * new session token and checks the participant in. *events gets (caller
 * owns) an array of what to send, in order — `participant.added` when a
 * guest was added, `attendance.changed` (with "via": "join") at anyone's
 * first check-in but the room display's — or NULL when nothing happened.
 * Returns 0, -ENOENT (unknown token or participant), -EPERM (name not on
 * the roster, or a role that needs a personal link), -EINVAL (name empty
 * or too long). */
int meeting_join(struct store *st, const char *token, const char *name,
		 const char *participant, struct auth_who *who,
		 char session[AUTH_TOKEN_LEN + 1], json_t **events);

/* Presents page `page` of `doc` (doc NULL: stop presenting). *event gets the
 * `presented` event. Returns 0, -ENOENT (no such document in this meeting,
 * or a removed one), -ERANGE (page out of range). */
int meeting_present(struct store *st, const char *meeting, const char *actor,
		    const char *doc, int page, json_t **event);

/* Inside the caller's transaction: if `doc` is the presented document,
 * stops presenting and appends the `presented` event (doc null, page 0) to
 * *event (caller owns); otherwise *event is NULL. Returns 0 or -errno. */
int meeting_unpresent_doc(struct store *st, const char *meeting, const char *doc,
			  const char *actor, json_t **event);

/* The meeting's state, also inside the caller's transaction: 0 draft,
 * 1 live, 2 closed, or -ENOENT / a store error. */
int meeting_state_get(struct store *st, const char *meeting);

/* true if the meeting is closed (read-only). */
bool meeting_is_closed(struct store *st, const char *meeting);

/* ---- lifecycle and attendance ------------------------------------------ */

/* Opens the meeting (draft → live): *event gets `meeting.opened`. Returns 0,
 * -ENOENT (no such meeting), -EALREADY (live already), -EPERM (closed: a
 * closed meeting stays closed), or a store error. */
int meeting_open(struct store *st, const char *meeting, const char *actor, json_t **event);

/* Closes the meeting (draft or live → closed, read-only from then on):
 * *event gets `meeting.closed`. Returns 0, -ENOENT, -EALREADY (closed
 * already), -EBUSY (a vote is open: close it first), -EINPROGRESS (someone
 * has the floor: end the turn first), or a store error. */
int meeting_close(struct store *st, const char *meeting, const char *actor, json_t **event);

/* Marks `participant` present (reason NULL: checked in now, unless already)
 * or absent with `reason` (required, checked by meeting_text_ok). *event
 * gets `attendance.changed {participant, present, at[, reason]}`. Returns
 * 0, -ENOENT (no such participant in the meeting), -EINVAL (bad reason),
 * -EPERM (the meeting is closed), or a store error. */
int meeting_attendance_set(struct store *st, const char *meeting, const char *participant,
			   bool present, const char *reason, const char *actor,
			   json_t **event);

/* The quorum rule, counted over the voting members (chair and members)
 * checked in: "majority" (more than half, the default), "two_thirds" (at
 * least two thirds) or "all". */
struct meeting_quorum {
	int64_t present;  /* chair and members checked in */
	int64_t members;  /* chair and members */
	int64_t needed;   /* the fewest present for a quorum */
	bool reached;     /* present >= needed */
	char rule[16];    /* "majority", "two_thirds", "all" */
};

/* true if `rule` names a quorum rule. */
bool meeting_quorum_rule_ok(const char *rule);
/* The fewest of `members` present that make a quorum under `rule`. */
int64_t meeting_quorum_needed(const char *rule, int64_t members);

/* Fills *q from the database. Returns 0, -ENOENT, or a store error. */
int meeting_quorum_get(struct store *st, const char *meeting, struct meeting_quorum *q);

/* The quorum as the JSON object hello and the notices carry (caller owns). */
json_t *meeting_quorum_json(const struct meeting_quorum *q);

/* The meeting as a `hello` snapshot (caller owns): meeting, agenda,
 * documents (not the removed ones; by agenda item, then position),
 * presented, participants (with checked_in and absent, without
 * `online`: the transport knows who is connected), quorum. join_url is <public_url>/j/<room token>. NULL if
 * unknown. */
json_t *meeting_state(struct store *st, const struct auth_key *key,
		      const char *public_url, const char *meeting);

/* The meeting's last seq (0 when nothing happened), or negative errno. */
int64_t meeting_seq(struct store *st, const char *meeting);

/* The events after `since`, in order, as a new array in *events. Returns 0,
 * -EINVAL (since beyond the last seq or negative), -E2BIG (more than `max`). */
int meeting_events_since(struct store *st, const char *meeting, int64_t since,
			 int max, json_t **events);

/* Appends an event of `type` to the log, inside the caller's transaction.
 * `fields` (stolen) becomes the event object with seq, type and at added
 * (an `at` string already in `fields` is kept: a time with milliseconds);
 * *event (may be NULL) gets a new reference to it. Returns 0 or -errno. */
int meeting_event_append(struct store *st, const char *meeting, const char *type,
			 const char *actor, json_t *fields, json_t **event);

/* Ends a state change begun with store_begin(): appends the event as
 * meeting_event_append() does (fields stolen) and commits. On any failure
 * it rolls back and leaves *event NULL. Returns 0 or a negative errno. */
int meeting_event_commit(struct store *st, const char *meeting, const char *type,
			 const char *actor, json_t *fields, json_t **event);
/* Rolls back the caller's transaction and drops the event it may hold. */
void meeting_tx_abort(struct store *st, json_t **event);

/* The names of the meetings that exist, as a new array (for the server's
 * start-up summary and the command line). */
json_t *meeting_list(struct store *st);

#endif
