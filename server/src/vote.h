/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vote — polls and ballots: opening with frozen attendance, one ballot per
 * eligible voter (enforced by the database), closing with the outcome by
 * the poll's majority rule, and secret ballots that cannot be linked to
 * their voters.
 *
 * Design note.
 *
 * State: a poll is `open` from vote_poll_open() until vote_poll_close(),
 * then `closed` for good. At most one poll of a meeting is open (a partial
 * UNIQUE index). Opening freezes, in the same transaction:
 *   - the eligible voters (poll_eligible): the chair and the members who are
 *     checked in (participant.checked_in); secretaries, guests and displays
 *     never vote;
 *   - `members`: how many chairs and members the meeting has;
 *   - the quorum: more than half of the members present (eligible * 2 >
 *     members).
 *
 * A ballot writes poll_voter (poll, participant) — the PRIMARY KEY is the
 * one-ballot rule — and then, for a named poll, ballot (poll, participant,
 * option); for a secret poll, it adds one to poll_tally (poll, option), a
 * row per option created at opening. poll_voter and poll_tally share no
 * column but the poll: no ballot id, no rowid (both are WITHOUT ROWID,
 * ordered by their keys, and participant ids are random), no time.
 * vote_ballots_cast() commits a whole batch in one transaction begun with
 * store_begin_durable() (fsynced), so the reply "ok" means the ballot
 * survives a power cut, and the ballots of one batch are not ordered even
 * in the write-ahead log; closing a secret poll checkpoints and truncates
 * the log, so its page images do not keep the order either.
 *
 * The majority rules (vote_outcome), with F the ballots for the first
 * option (the proposal) and A the ballots for the option called "abstain":
 *   cast        F * 2 > (ballots − A)        more than half of votes cast
 *   two_thirds  F * 3 >= (ballots − A) * 2   at least two thirds of votes
 *               cast, and F > 0
 *   present     F * 2 > eligible             more than half of the members
 *               present at opening
 *   all         F * 2 > members              more than half of all members
 * A tie never passes. The quorum at opening is reported beside the
 * outcome; it does not change it.
 *
 * Opening and closing append `poll.opened` and `poll.closed` to the
 * meeting's event log; a ballot appends nothing (a log row per ballot would
 * time-stamp each voter of a secret poll), so progress goes out as notices.
 *
 * No transport here. Threads: the thread that owns the store.
 */
#ifndef PLENUM_VOTE_H
#define PLENUM_VOTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"

struct store;

#define VOTE_QUESTION_MAX 2000 /* bytes of a question (500 characters) */
#define VOTE_OPTION_MAX 400    /* bytes of an option (100 characters) */
#define VOTE_OPTIONS_MIN 2
#define VOTE_OPTIONS_MAX 10

enum vote_rule { VOTE_CAST, VOTE_PRESENT, VOTE_ALL, VOTE_TWO_THIRDS, VOTE_RULE_NONE };

/* "cast", "present", "all", "two_thirds"; parse gives VOTE_RULE_NONE for
 * anything else. */
const char *vote_rule_name(enum vote_rule r);
enum vote_rule vote_rule_parse(const char *s);

struct vote_open {
	const char *question;
	const char *const *options; /* NULL: for, against, abstain */
	int noptions;
	bool secret;
	enum vote_rule rule;
};

/* true if `o`'s question and options are acceptable: question 1–500
 * characters, 2–10 options of 1–100 characters each, all different, no
 * control characters. */
bool vote_open_ok(const struct vote_open *o);

/* Opens a poll in `meeting`, freezing the eligible voters and the quorum.
 * Writes its id and *event (`poll.opened`, caller owns). Returns 0,
 * -EINVAL (vote_open_ok fails), -ENOENT (no such meeting), -EPERM (the
 * meeting is closed), -EALREADY (a poll of this meeting is open), or a
 * store error. */
int vote_poll_open(struct store *st, const char *meeting, const char *actor,
		   const struct vote_open *o, char id[AUTH_ID_LEN + 1], json_t **event);

/* One ballot of a batch. `result` is set by vote_ballots_cast(). */
struct vote_ballot {
	const char *meeting;     /* the voter's meeting */
	const char *poll;
	const char *participant;
	int64_t option;          /* 0-based index into the poll's options */
	int result;              /* 0 recorded; -ENOENT no such poll in the
	                          * meeting; -ERANGE no such option; -ESRCH the
	                          * poll is closed; -EPERM not an eligible voter;
	                          * -EEXIST already voted */
};

/* Records a batch of ballots in one durable transaction (store_begin_durable):
 * each valid one is on disk, fsynced, when this returns 0, and each gets its
 * own result. Returns 0, or a negative errno when the transaction failed:
 * then nothing was recorded and every result is that error. */
int vote_ballots_cast(struct store *st, struct vote_ballot *b, int n);

/* How many have voted and may vote in a poll of `meeting`; *open tells
 * whether it is still open. Returns 0 or -ENOENT. */
int vote_progress(struct store *st, const char *meeting, const char *poll,
		  int64_t *cast, int64_t *eligible, bool *open);

/* Closes an open poll: counts, outcome, and for a named poll the names per
 * option. *event gets `poll.closed` (caller owns). Returns 0, -ENOENT (no
 * such poll in the meeting), -EALREADY (closed already), or a store error. */
int vote_poll_close(struct store *st, const char *meeting, const char *actor,
		    const char *poll, json_t **event);

/* Who may vote in a named poll and has not yet, as a new array of
 * {participant, name} in *out. Returns 0, -ENOENT, -EPERM (a secret poll). */
int vote_missing(struct store *st, const char *meeting, const char *poll, json_t **out);

/* The meeting's polls for `hello` (caller owns), in opening order: each
 * {poll, question, options, secret, rule, state, members, eligible,
 * quorum, cast, voted (for `participant`)}, and for a closed poll the
 * fields of its `poll.closed` event too. NULL on error. */
json_t *vote_state(struct store *st, const char *meeting, const char *participant);

/* The outcome by `rule` (see the design note): true when passed. `counts`
 * has n entries; `abstain` is the index of the abstain option or -1. */
bool vote_outcome(enum vote_rule rule, const int64_t *counts, int n, int abstain,
		  int64_t eligible, int64_t members);

#endif
