/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * auth — identifiers, tokens, sessions, roles and the permission table.
 *
 * Tokens (join links and sessions) are 128 random bits written as 22
 * base64url characters; the database keeps only their SHA-256 (hex), so a
 * copy of the database opens no meeting. The room token is the exception
 * that proves the rule: the room display must be able to draw it as a QR
 * code at any time, so it is derived as HMAC-SHA256(server key, meeting id,
 * generation) instead of stored; the key lives in <data>/secret.key (0600).
 *
 * Threads: auth_init() once at start; the rest from the thread owning the
 * store it is given (pure functions from any thread).
 */
#ifndef PLENUM_AUTH_H
#define PLENUM_AUTH_H

#include <stdbool.h>
#include <stdint.h>

struct store;

#define AUTH_ID_LEN 12      /* characters of an identifier */
#define AUTH_TOKEN_LEN 22   /* characters of a token */
#define AUTH_HASH_LEN 64    /* hex characters of a token's SHA-256 */
#define AUTH_NAME_MAX 400   /* bytes of a participant's name (100 characters) */

enum auth_role { ROLE_CHAIR, ROLE_SECRETARY, ROLE_MEMBER, ROLE_GUEST, ROLE_DISPLAY, ROLE_NONE };

enum auth_action {
	ACT_READ,       /* hello, page images, the room QR code */
	ACT_PRESENT,    /* change the presented page */
	ACT_UPLOAD,     /* add a document */
	ACT_ORIGINAL,   /* download a document's original file */
	ACT_POLL,       /* open and close polls, see who has not voted */
	ACT_VOTE,       /* cast a ballot (when eligible in that poll) */
	ACT_MEETING,    /* open and close the meeting */
	ACT_ATTENDANCE, /* check people in, mark them absent */
	ACT_SPEAK,      /* ask to speak, withdraw the request */
	ACT_FLOOR,      /* give the floor, end anyone's turn */
	ACT_SOURCE,     /* fetch the PDF a document's pages are drawn from (the
	                 * room display renders pages itself at its own size) */
};

struct auth_key {
	unsigned char key[32];
};

/* Who is asking: resolved from a session. */
struct auth_who {
	char meeting[AUTH_ID_LEN + 1];
	char participant[AUTH_ID_LEN + 1];
	enum auth_role role;
	char name[AUTH_NAME_MAX + 1];
};

/* Initialises libsodium. Returns 0 or -EIO. */
int auth_init(void);

/* A new random identifier: 12 characters of [a-z0-9], NUL-terminated. */
void auth_id_new(char out[AUTH_ID_LEN + 1]);
/* true when `s` has the shape of an identifier. */
bool auth_id_valid(const char *s);
/* A new random token, NUL-terminated. */
void auth_token_new(char out[AUTH_TOKEN_LEN + 1]);
/* true when `s` has the shape of a token (22 base64url characters). */
bool auth_token_valid(const char *s);
/* The hex SHA-256 of a token, as stored. */
void auth_token_hash(const char *token, char out[AUTH_HASH_LEN + 1]);

/* Loads <data_dir>/secret.key, creating it (mode 0600) on first use.
 * Returns 0 or a negative errno. */
int auth_key_load(const char *data_dir, struct auth_key *k);
/* The room token of a meeting at a generation (re-issuing bumps it). */
void auth_room_token(const struct auth_key *k, const char *meeting, int64_t gen,
		     char out[AUTH_TOKEN_LEN + 1]);
/* The personal token of a participant at a generation (>= 1), derived
 * like the room token so that the server can print it again (invitation
 * cards); re-issuing bumps the generation and revokes the old one. */
void auth_personal_token(const struct auth_key *k, const char *participant, int64_t gen,
			 char out[AUTH_TOKEN_LEN + 1]);

/* Role names: "chair", … ; parse returns ROLE_NONE for anything else. */
const char *auth_role_name(enum auth_role r);
enum auth_role auth_role_parse(const char *s);
/* The permission table. */
bool auth_may(enum auth_role r, enum auth_action a);

/* Stores a join token (hashed). kind "room" or "personal"; participant may
 * be NULL for a room token. Call inside a transaction. Returns 0 or -errno. */
int auth_token_store(struct store *st, const char *token, const char *meeting,
		     const char *kind, const char *participant);
/* Resolves a join token: fills meeting, and participant ("" for a room
 * token); *personal tells which. Returns 0, -ENOENT when unknown or revoked. */
int auth_token_lookup(struct store *st, const char *token,
		      char meeting[AUTH_ID_LEN + 1],
		      char participant[AUTH_ID_LEN + 1], bool *personal);

/* Opens a session for a participant (30 days). Writes the new session token
 * to out. Returns 0 or -errno. */
int auth_session_new(struct store *st, const char *meeting, const char *participant,
		     char out[AUTH_TOKEN_LEN + 1]);
/* Resolves a session token. Returns 0 and *who, or -ENOENT (unknown or
 * expired). */
int auth_session_lookup(struct store *st, const char *session, struct auth_who *who);

/* The current UTC time as ISO-8601 ("2026-11-27T23:59:59Z"), offset by
 * `plus` seconds. */
void auth_now_iso(char out[32], int64_t plus);

#endif
