/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * room — what the room display knows of its meeting, kept in step with the
 * server: the protocol state machine of a plenum.v1 client that only
 * listens (docs/protocol.md). Pure: no sockets, no clock of its own (the
 * caller passes the time), tested on its own (tests/unit/test_kiosk_room.c).
 *
 * Design note. The connection goes through three phases:
 *
 *            room_connected()            hello reply ok
 *   OFFLINE ──────────────────▶ SYNCING ────────────────▶ LIVE
 *      ▲      (sends hello,        │ events are held        │ events apply
 *      │       with since once     │ until the reply        │ in seq order
 *      │       a seq is known)     │                        │
 *      └──────── room_disconnected() from either ───────────┘
 *
 * The reply to hello carries either the whole state (which replaces ours)
 * or, with since, exactly the events after our seq (applied in order). An
 * event whose seq is not ours + 1 while LIVE means we missed something: the
 * state machine asks for `hello` with `since` again (resync) and holds
 * events until the answer. A `since` the server refuses (its log was reset:
 * a new data directory) is answered by a plain hello, which replaces
 * everything. So does an edit of the meeting's Wi-Fi (`meeting.edited`
 * naming `wifi`): its password is never in the log, only in the state.
 *
 * Invariants:
 *  1. seq only grows while the server's log does; every event with a seq is
 *     applied at most once, and in order.
 *  2. The view never points into a JSON tree: every string is our own copy,
 *     at most ROOM_TEXT_MAX bytes, cut on a UTF-8 character boundary.
 *  3. Lists are bounded (ROOM_*_MAX); what is past a bound is ignored.
 *  4. What was shown stays in the view while OFFLINE or SYNCING: losing the
 *     connection changes the phase, nothing else.
 *  5. An identifier in the view (documents, items, participants, polls) is
 *     1..ROOM_ID_MAX letters, digits, '-' or '_': safe in a path and a file
 *     name. Objects with any other id are ignored.
 *
 * One thread (the UI thread) owns a room; nothing here blocks.
 */
#ifndef KIOSK_ROOM_H
#define KIOSK_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROOM_ID_MAX 40
#define ROOM_TEXT_MAX 2048
#define ROOM_DOCS_MAX 5000
#define ROOM_AGENDA_MAX 1000
#define ROOM_PEOPLE_MAX 10000
#define ROOM_OPTIONS_MAX 10
#define ROOM_HELD_MAX 512       /* events held while syncing */
/* How long a closed vote's result stays up, unless a page is presented or
 * a new vote opens first (as in web/js/views/screen.js). */
#define ROOM_RESULT_MS 60000

enum room_phase { ROOM_OFFLINE, ROOM_SYNCING, ROOM_LIVE };

/* What room_receive() changed, as bits. */
enum {
	ROOM_CH_PHASE = 1 << 0,         /* the phase (connection state) */
	ROOM_CH_MEETING = 1 << 1,       /* title, org, join URL, Wi-Fi, agenda, current item */
	ROOM_CH_DOCS = 1 << 2,          /* the documents */
	ROOM_CH_PRESENTED = 1 << 3,     /* the presented page */
	ROOM_CH_POLL = 1 << 4,          /* the vote */
	ROOM_CH_SPEAKER = 1 << 5,       /* who has the floor */
	ROOM_CH_PEOPLE = 1 << 6,        /* names */
	ROOM_CH_COUNTED = 1 << 7,       /* a hello reply or an event with a seq arrived */
};

struct room_doc {
	char id[ROOM_ID_MAX + 1];
	char *title;
	int pages;
	char item[ROOM_ID_MAX + 1];     /* "" when it belongs to no agenda item */
	bool confidential;
};

struct room_item {
	char id[ROOM_ID_MAX + 1];
	char *title;
	int position;                   /* 1-based */
};

struct room_person {
	char id[ROOM_ID_MAX + 1];
	char *name;
};

struct room_poll {
	char id[ROOM_ID_MAX + 1];
	char *question;
	char *options[ROOM_OPTIONS_MAX];
	int noptions;
	bool secret;
	bool open;                      /* false: closed, with counts */
	char rule[16];
	int cast, eligible, members;
	int counts[ROOM_OPTIONS_MAX];
	bool passed;
	char *names[ROOM_OPTIONS_MAX];  /* a named poll's voters per option, "A, B" (or NULL) */
};

struct room_view {
	enum room_phase phase;
	bool ever_live;                 /* has been LIVE once: "reconnecting", not "connecting" */
	int64_t seq;                    /* the last event applied (0: none yet) */
	long received;                  /* hello replies and events applied so far */

	char *title, *org, *location, *join_url, *wifi_ssid, *wifi_password;
	char state[12];                 /* draft, live, closed */
	struct room_item *agenda;
	int nagenda;
	struct room_doc *docs;
	int ndocs;
	struct room_person *people;
	int npeople;

	char presented_doc[ROOM_ID_MAX + 1];    /* "" when nothing is presented */
	int presented_page;
	/* The agenda item of the presented document, or of the last one
	 * presented ("" when none is known): the server has no "current item"
	 * of its own. */
	char current_item[ROOM_ID_MAX + 1];

	bool has_poll;                  /* the latest vote */
	struct room_poll poll;
	int64_t result_until_ms;        /* a closed vote's result shows until (local ms) */

	char speaker[ROOM_ID_MAX + 1];  /* "" when nobody has the floor */
	int64_t speaker_since_ms;       /* server time, ms since the epoch */
	int64_t clock_offset_ms;        /* server clock − local clock, from hello's now */
	bool clock_known;
};

struct room;

/* A new room, OFFLINE and empty. Returns NULL when out of memory. */
struct room *room_new(void);
void room_free(struct room *r);

/* Borrowed; valid until the next call that changes the room. */
const struct room_view *room_view(const struct room *r);

/* The connection is open: the hello to send (with since when a seq is
 * known) as a NUL-terminated JSON text the caller frees, or NULL when out
 * of memory. Phase SYNCING. */
char *room_connected(struct room *r);

/* The connection is gone. Phase OFFLINE; nothing else changes. */
void room_disconnected(struct room *r);

/* One message (a JSON object) from the server, at local time now_ms (ms
 * since the epoch). Returns the ROOM_CH_* bits it changed; a message that
 * is not understood changes nothing (0). When the room needs to resync it
 * sets *send to a hello for the caller to send (and free); otherwise NULL. */
unsigned room_receive(struct room *r, const char *text, size_t len, int64_t now_ms, char **send);

/* Lookups in the view, NULL when absent. */
const struct room_doc *room_doc(const struct room_view *v, const char *id);
const struct room_item *room_item(const struct room_view *v, const char *id);
const char *room_name(const struct room_view *v, const char *participant);

/* Whether the vote panel shows now: an open vote, or a closed one whose
 * result time has not run out. */
bool room_vote_showing(const struct room_view *v, int64_t now_ms);

/* Seconds the current speaker has had the floor at local time now_ms, on
 * the server's clock (never negative). */
long room_speaker_seconds(const struct room_view *v, int64_t now_ms);

/* "2026-11-28T01:19:02.004Z" (or without the fraction, or with an offset
 * "+07:00") as ms since the epoch. Returns 0, or -EINVAL. */
int room_parse_time(const char *s, int64_t *ms);

#endif
