/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * console — what the meeting console does to meetings: the console's view
 * of a meeting, the list with search, creating, editing and cloning a
 * meeting, the agenda, the roster (add, edit, remove, re-issue a personal
 * link, import from CSV), giving a meeting to other staff, and the
 * descriptions of the printed material (printed.h).
 *
 * Design note.
 *
 * Every change is one transaction that ends with meeting_event_commit():
 * the meeting's event log records it with the staff member as the actor
 * ("staff:<id>", staff_actor()), and the caller sends the event to the
 * meeting's clients after the commit. A closed meeting refuses every change
 * (-EROFS); reading, cloning and printing go on.
 *
 * Personal links made here are derived from the server key and the
 * participant's link generation (auth_personal_token(); participant.link_gen
 * >= 1), so the server can print them again on invitation cards.
 * Re-issuing bumps the generation: the old token is revoked and the
 * participant's sessions end. A participant made on the command line has
 * generation 0 (a random link the server cannot show again); printing their
 * card re-issues it first.
 *
 * Agenda positions stay 1..n without gaps. The UNIQUE (meeting, position)
 * index would refuse a shift done in place, so moves go through negative
 * positions first.
 *
 * Bodies come in as JSON objects (what the HTTP API takes); each refusal of
 * a field is -EINVAL with a sentence for the person in err.
 *
 * No transport here. Threads: the thread that owns the store.
 */
#ifndef PLENUM_CONSOLE_H
#define PLENUM_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

struct store;
struct roster;
struct staff_user;

#define CONSOLE_LIST_MAX 500
#define CONSOLE_PLANNED_MAX 1440 /* planned minutes of an item: a day */

/* ---- meetings ----------------------------------------------------------- */

/* The meeting as the console shows it (caller owns), or NULL when unknown:
 * {id, title, org, location, starts, ends, state, guests, quorum_rule,
 * wifi, created, created_by, join_url, counts}; with `detail` also agenda
 * (with each item's documents), unfiled, participants and staff. */
json_t *console_meeting_json(struct store *st, const struct auth_key *key,
			     const char *public_url, const char *meeting, bool detail);

struct console_filter {
	const char *when;       /* "upcoming", "live", "past", or NULL: all */
	const char *q;          /* words the title must contain, or NULL */
	const char *from, *to;  /* YYYY-MM-DD (local), inclusive, or NULL */
};

/* The meetings `u` may see that pass `f`, at most CONSOLE_LIST_MAX, as a
 * new array in *out. Returns 0, -EINVAL (a bad filter, sentence in err). */
int console_meeting_list(struct store *st, const struct auth_key *key, const char *public_url,
			 const struct staff_user *u, const struct console_filter *f,
			 json_t **out, char *err, size_t errlen);

/* Creates a draft meeting from `body` ({title, org, location, starts, ends,
 * quorum_rule, guests, wifi, chair, secretary, agenda}) made by `u`.
 * Returns 0 and its id, -EINVAL with a sentence, or a store error. */
int console_meeting_create(struct store *st, const struct auth_key *key,
			   const struct staff_user *u, json_t *body,
			   char id[AUTH_ID_LEN + 1], char *err, size_t errlen);

/* Applies the fields of `body` to the meeting. *event gets `meeting.edited`
 * when something changed, else NULL. Returns 0, -ENOENT, -EROFS (closed),
 * -EINVAL with a sentence, or a store error. */
int console_meeting_edit(struct store *st, const char *meeting, const char *actor,
			 json_t *body, char *err, size_t errlen, json_t **event);

/* A new draft meeting made by `u` from `src`: its details, agenda and
 * roster (not the display, nor guests who joined by name), with new
 * links; `body` may set {title, starts, ends}. Returns 0 and the id,
 * -ENOENT, -EINVAL with a sentence, or a store error. */
int console_meeting_clone(struct store *st, const struct auth_key *key,
			  const struct staff_user *u, const char *src, json_t *body,
			  char id[AUTH_ID_LEN + 1], char *err, size_t errlen);

/* Gives the meeting to the staff member with `email` (grant) or takes it
 * back from `user` (revoke); *event gets `meeting.staff` {user, name,
 * given}. Returns 0, -ENOENT (no such account, or not given), -EPERM (the
 * creator cannot be taken off), or a store error. */
int console_grant(struct store *st, const char *meeting, const char *email,
		  const struct staff_user *by, json_t **event);
int console_revoke(struct store *st, const char *meeting, const char *user,
		   const struct staff_user *by, json_t **event);

/* ---- agenda ------------------------------------------------------------- */

/* The agenda: [{id, position, title, presenter, planned_minutes}], with
 * `documents` [{id, title, pages, confidential}] in each item when
 * with_docs (caller owns). */
json_t *console_agenda_json(struct store *st, const char *meeting, bool with_docs);

/* Each returns 0 and *event (`agenda.changed` {change, item, agenda}),
 * -ENOENT (no such meeting or item), -EROFS (closed), -EINVAL with a
 * sentence, or a store error. console_agenda_remove also -EBUSY (the item
 * has minutes). */
int console_agenda_add(struct store *st, const char *meeting, const char *actor, json_t *body,
		       char item[AUTH_ID_LEN + 1], char *err, size_t errlen, json_t **event);
int console_agenda_edit(struct store *st, const char *meeting, const char *item,
			const char *actor, json_t *body, char *err, size_t errlen, json_t **event);
int console_agenda_remove(struct store *st, const char *meeting, const char *item,
			  const char *actor, json_t **event);
int console_agenda_order(struct store *st, const char *meeting, const char *actor,
			 json_t *items, char *err, size_t errlen, json_t **event);

/* ---- roster ------------------------------------------------------------- */

/* The roster as the console shows it: [{id, name, title, org, role, email,
 * checked_in, absent, link}] by role, then name (`link`: whether the
 * server can show the personal link). Caller owns. */
json_t *console_participants_json(struct store *st, const char *meeting);

/* Adds a participant from `body` ({name, title, org, role, email}) with a
 * derived personal link (token). *event: `participant.added`. Returns 0,
 * -ENOENT, -EROFS, -EINVAL with a sentence, or a store error. */
int console_participant_add(struct store *st, const struct auth_key *key, const char *meeting,
			    const char *actor, json_t *body, char id[AUTH_ID_LEN + 1],
			    char token[AUTH_TOKEN_LEN + 1], char *err, size_t errlen,
			    json_t **event);
/* Edits the fields of `body`. *event: `participant.changed`, or NULL when
 * nothing changed. Also -EPERM for the room display. */
int console_participant_edit(struct store *st, const char *meeting, const char *participant,
			     const char *actor, json_t *body, char *err, size_t errlen,
			     json_t **event);
/* Removes someone who left no trace. *event: `participant.removed`.
 * Returns also -EBUSY (they joined, voted, spoke, were marked absent…) and
 * -EPERM (the room display). */
int console_participant_remove(struct store *st, const char *meeting, const char *participant,
			       const char *actor, json_t **event);

/* Re-issues the personal link: the old one is revoked, the participant's
 * sessions end. *event: `participant.link_reissued`. Returns 0, -ENOENT,
 * -EROFS, or a store error. */
int console_link_reissue(struct store *st, const struct auth_key *key, const char *meeting,
			 const char *participant, const char *actor,
			 char token[AUTH_TOKEN_LEN + 1], json_t **event);
/* The current personal link's token. Returns 0, -ENOENT, or -ESRCH (a
 * random link made on the command line: it cannot be shown). */
int console_link_get(struct store *st, const struct auth_key *key, const char *meeting,
		     const char *participant, char token[AUTH_TOKEN_LEN + 1]);

/* Refuses the accepted rows of `r` that are on the meeting's roster
 * already (the same email; or the same name and organisation when either
 * has no email). Returns 0 or a store error. */
int console_roster_check(struct store *st, const char *meeting, struct roster *r);

/* Adds every accepted row of `r` in one transaction, each with a derived
 * link. *added gets [{id, name, title, org, role, email, token}] (caller
 * owns), *event `roster.imported` {count, participants}. Returns 0,
 * -ENOENT, -EROFS, -ESTALE (a row would be refused now: the roster
 * changed since the preview), -ENODATA (no row to add), or a store error. */
int console_roster_import(struct store *st, const struct auth_key *key, const char *meeting,
			  const char *actor, struct roster *r, json_t **added, json_t **event);

/* ---- printed material ---------------------------------------------------- */

/* The description of the invitation cards (printed.h) for the roster (the
 * display left out) or for the ids in `only` (a JSON array, may be NULL).
 * Participants whose link is random get a derived one first (in one
 * transaction): *events gets their `participant.link_reissued` events
 * (caller owns; an empty array when none). Returns 0, -ENOENT (no such
 * meeting or an id of another meeting), -ENODATA (nobody to print), or a
 * store error. */
int console_invitations_spec(struct store *st, const struct auth_key *key,
			     const char *public_url, const char *meeting, const char *actor,
			     json_t *only, json_t **spec, json_t **events);

/* The description of the door poster. Returns 0 or -ENOENT. */
int console_poster_spec(struct store *st, const struct auth_key *key, const char *public_url,
			const char *meeting, json_t **spec);

/* The Wi-Fi QR code's text: "WIFI:T:WPA;S:<ssid>;P:<password>;;" or, without
 * a password, "WIFI:T:nopass;S:<ssid>;;", with \ ; , : " escaped by a
 * backslash. Returns a new string (caller frees), NULL without memory. */
char *console_wifi_string(const char *ssid, const char *password);

/* A stored UTC time ("…Z") in the server's local time as printed material
 * shows it: "08:30, 01/12/2026"; with an end the same day, "08:30 – 10:30,
 * 01/12/2026". Empty when `starts` is NULL. */
void console_when(const char *starts, const char *ends, char *out, size_t len);

#endif
