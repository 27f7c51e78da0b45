/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * staff — the accounts of the people who prepare meetings (office staff and
 * secretaries), their passwords and sessions, the limit on failed sign-ins,
 * and which meetings each may touch.
 *
 * Design note.
 *
 * Roles. `admin` may do everything, accounts included; `secretary` may
 * touch the meetings they created (meeting.created_by) and those given to
 * them (meeting_staff). A meeting made on the command line has no creator:
 * only admins see it until one of them gives it to someone.
 *
 * Passwords are stored as Argon2id strings (libsodium crypto_pwhash_str at
 * the interactive limits: 2 passes over 64 MiB, about a tenth of a second),
 * so that a copied database costs an attacker that much per guess and per
 * account. Verifying runs on the caller's thread; the limiter below bounds
 * how often that can be asked for one account, and an unknown email is
 * answered without hashing.
 *
 * Sessions are 128-bit tokens kept as their SHA-256, like participants'.
 * A session ends STAFF_IDLE_SECONDS after its last use or
 * STAFF_LIFETIME_SECONDS after sign-in, whichever comes first, at sign-out,
 * and when the account is disabled or its password is set. `last_seen` is
 * written at most once a minute per session, so a busy console does not
 * write to the database on every request.
 *
 * The limiter counts failed sign-ins per account (the email, folded to
 * ASCII lower case, known to the store or not), in memory: at most
 * STAFF_FAILS_MAX in any STAFF_FAIL_WINDOW seconds; then every attempt is
 * refused until the oldest of them is that old. Its table has a fixed
 * size; when full, the entry whose last failure is oldest is reused.
 *
 * No transport here. Threads: the thread that owns the store; a limiter
 * belongs to one thread.
 */
#ifndef PLENUM_STAFF_H
#define PLENUM_STAFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"

struct store;

#define STAFF_EMAIL_MAX 254          /* RFC 5321 §4.5.3.1.3: a path is 256 with <> */
#define STAFF_PASSWORD_MIN 10        /* bytes */
#define STAFF_PASSWORD_MAX 256
#define STAFF_IDLE_SECONDS (12 * 3600)
#define STAFF_LIFETIME_SECONDS (7 * 24 * 3600)
#define STAFF_TOUCH_SECONDS 60       /* last_seen is written at most this often */
#define STAFF_FAILS_MAX 5
#define STAFF_FAIL_WINDOW 60         /* seconds */
#define STAFF_LIMITER_SLOTS 4096
#define STAFF_ACTOR_LEN (6 + AUTH_ID_LEN) /* "staff:<id>" */

enum staff_role { STAFF_ADMIN, STAFF_SECRETARY, STAFF_NONE };

struct staff_user {
	char id[AUTH_ID_LEN + 1];
	char name[AUTH_NAME_MAX + 1];
	char email[STAFF_EMAIL_MAX + 1];
	enum staff_role role;
	bool disabled;
	char created[32];
};

/* "admin", "secretary"; parse gives STAFF_NONE for anything else. */
const char *staff_role_name(enum staff_role r);
enum staff_role staff_role_parse(const char *s);

/* true when `email` looks like an address: at most STAFF_EMAIL_MAX bytes,
 * printable ASCII without spaces, exactly one '@' with something before it
 * and a dot inside what follows (not at its ends). */
bool staff_email_ok(const char *email);
/* true when `password` has STAFF_PASSWORD_MIN to STAFF_PASSWORD_MAX bytes. */
bool staff_password_ok(const char *password);

/* How a staff member appears as the actor of an event: "staff:<id>". */
void staff_actor(const char *user, char out[STAFF_ACTOR_LEN + 1]);
/* The user id in an actor "staff:<id>", or NULL when it is not one. */
const char *staff_actor_user(const char *actor);

/* ---- accounts ----------------------------------------------------------- */

/* Adds an account. Returns 0 and *out (may be NULL), -EINVAL (name empty or
 * over 100 characters, bad email, role or password), -EEXIST (the email is
 * taken, ignoring case), -ENOMEM (hashing ran out of memory) or a store
 * error. */
int staff_user_add(struct store *st, const char *name, const char *email,
		   enum staff_role role, const char *password, struct staff_user *out);

/* Looks an account up. Returns 0 or -ENOENT. */
int staff_user_get(struct store *st, const char *id, struct staff_user *out);
int staff_user_by_email(struct store *st, const char *email, struct staff_user *out);

/* The account as the API shows it: {id, name, email, role, created,
 * disabled} (caller owns). */
json_t *staff_user_json(const struct staff_user *u);
/* Every account, by name (caller owns), or NULL on a store error. */
json_t *staff_user_list(struct store *st);

/* What staff_user_update changes: each field NULL (or has_disabled false)
 * to leave it. */
struct staff_change {
	const char *name;
	const char *email;
	const char *role;
	const char *password;
	bool has_disabled;
	bool disabled;
};

/* Changes an account in one transaction. Disabling it or setting its
 * password ends its sessions. Returns 0 and *out (may be NULL), -ENOENT,
 * -EINVAL (a bad field), -EEXIST (the email is taken), -EBUSY (no admin
 * who is not disabled would be left), or a store error. */
int staff_user_update(struct store *st, const char *id, const struct staff_change *c,
		      struct staff_user *out);

/* Checks an email and password. Returns 0 and *out, -EACCES (unknown email
 * or wrong password: the caller tells them apart for nobody), -EPERM (the
 * password is right but the account is disabled), -ENOMEM. */
int staff_password_check(struct store *st, const char *email, const char *password,
			 struct staff_user *out);

/* Sets a user's own password after checking the current one; ends every
 * other session of the account (keep_token: the caller's, may be NULL).
 * Returns 0, -EACCES (wrong current password), -EINVAL (new one too short
 * or long), or a store error. */
int staff_password_change(struct store *st, const char *id, const char *current,
			  const char *password, const char *keep_token);

/* ---- sessions ----------------------------------------------------------- */

/* Opens a session for `user` at time `now`: writes the token (the cookie's
 * value) and, unless NULL, when it ends at the latest ("…Z"). */
int staff_session_new(struct store *st, const char *user, time_t now,
		      char token[AUTH_TOKEN_LEN + 1], char expires[32]);

/* Resolves a session token at time `now` into *u (and *expires, may be
 * NULL); notes its use. Returns 0, -ENOENT (unknown or ended: signed out,
 * disabled, password set), -ETIMEDOUT (expired: idle or too old; the row
 * is removed). */
int staff_session_lookup(struct store *st, const char *token, time_t now,
			 struct staff_user *u, char expires[32]);

/* Ends one session (unknown tokens are fine). */
int staff_session_end(struct store *st, const char *token);

/* ---- the limiter on failed sign-ins ------------------------------------- */

struct staff_limiter;

struct staff_limiter *staff_limiter_new(void);
void staff_limiter_free(struct staff_limiter *l);
/* 0 when a sign-in to `email` may be tried at `now_ms` (milliseconds, any
 * monotonic clock), else the whole seconds (>= 1) until it may. */
int staff_limiter_wait(struct staff_limiter *l, const char *email, int64_t now_ms);
/* Counts a failed sign-in to `email` at `now_ms`. */
void staff_limiter_fail(struct staff_limiter *l, const char *email, int64_t now_ms);

/* ---- meetings ----------------------------------------------------------- */

/* true when `u` may see and change `meeting`: an admin any meeting that
 * exists; a secretary the meetings they created or were given. A disabled
 * user none. */
bool staff_may_touch(struct store *st, const struct staff_user *u, const char *meeting);

/* true when `u` may give `meeting` to others: an admin, or its creator. */
bool staff_may_grant(struct store *st, const struct staff_user *u, const char *meeting);

/* Gives `meeting` to `user` (granted by `by`, a user id or NULL); giving
 * it again is fine. Plain statements: inside the caller's transaction when
 * there is one. Returns 0, -ENOENT (no such meeting or user), or a store
 * error. */
int staff_grant(struct store *st, const char *meeting, const char *user, const char *by);
/* Takes it back. Returns 0, -ENOENT (not given), -EPERM (the creator). */
int staff_revoke(struct store *st, const char *meeting, const char *user);

/* Who may touch `meeting` besides the admins: the creator and those given
 * it, as [{id, name, email, creator}] (caller owns). */
json_t *staff_meeting_staff(struct store *st, const char *meeting);

/* A staff member's name by id, into out (empty when unknown). */
void staff_name_of(struct store *st, const char *user, char *out, size_t len);

#endif
