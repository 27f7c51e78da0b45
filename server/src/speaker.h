/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * speaker — the speakers queue and the floor (issue 4).
 *
 * A participant asks to speak and waits in the queue, in the order of the
 * requests; the chair gives the floor to the first in the queue or to anyone
 * (display excepted), which ends the current turn first; the chair or the
 * speaker ends a turn. At most one person holds the floor. Every change is
 * one transaction that appends one event to the meeting's log (meeting.h),
 * and a closed meeting refuses all of them.
 *
 * Times carry milliseconds ("2026-11-28T08:30:05.123Z") so that a client can
 * run a speaking timer against the `now` of its hello reply.
 *
 * No transport here. Threads: the thread that owns the store.
 */
#ifndef PLENUM_SPEAKER_H
#define PLENUM_SPEAKER_H

#include <jansson.h>
#include <stdbool.h>

struct store;

/* Puts `participant` at the end of the queue: *event gets
 * `speaker.requested {participant, at}` (caller owns). Returns 0, -EALREADY
 * (queued already, or holding the floor), -EPERM (the meeting is closed),
 * -ENOENT (no such participant in the meeting), or a store error. */
int speaker_request(struct store *st, const char *meeting, const char *participant,
		    json_t **event);

/* Takes `participant` out of the queue: *event gets `speaker.withdrawn
 * {participant}`. Returns 0, -ENODATA (not in the queue), -EPERM (closed),
 * or a store error. */
int speaker_withdraw(struct store *st, const char *meeting, const char *participant,
		     json_t **event);

/* Gives the floor to `participant`, or to the first in the queue when it is
 * NULL, ending the current turn first: *event gets `speaker.floor
 * {participant, since, ended?: {participant, seconds}}`. A queued request
 * of the new speaker is consumed. Returns 0, -ENODATA (no participant given
 * and the queue is empty), -ENOENT (no such participant), -EINVAL (the room
 * display cannot speak), -EALREADY (that participant holds the floor
 * already), -EPERM (closed), or a store error. */
int speaker_next(struct store *st, const char *meeting, const char *participant,
		 const char *actor, json_t **event);

/* Ends the current turn: *event gets `speaker.ended {participant, seconds}`.
 * Unless `chair`, only the current speaker may end it. Returns 0, -ENODATA
 * (nobody holds the floor), -EACCES (not the chair and not the speaker),
 * -EPERM (closed), or a store error. */
int speaker_end(struct store *st, const char *meeting, const char *actor, bool chair,
		json_t **event);

/* The queue and the floor as hello's `speakers` (caller owns):
 * {"queue": [{participant, at}…], "current": {participant, since} | null},
 * or NULL on a read error. */
json_t *speaker_state(struct store *st, const char *meeting);

/* The time now, UTC with milliseconds: "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void speaker_now(char out[32]);

#endif
