/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* auth — see auth.h. libsodium supplies randomness, SHA-256 and HMAC. */
#include "auth.h"
#include "log.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SESSION_SECONDS (30 * 24 * 3600)

static const char *role_names[] = { "chair", "secretary", "member", "guest", "display" };

/* Rows: roles in enum order; columns: actions in enum order. */
/* SPEAK: the secretary keeps the minutes and is not a voter, so does not
 * queue to speak (the chair may still give them the floor); the display is
 * the wall screen. */
static const bool may[5][11] = {
	/*              READ   PRESENT UPLOAD ORIGINAL POLL   VOTE   MEETING ATTENDANCE SPEAK  FLOOR  SOURCE */
	/* chair */     { true, true,  true,  true,    true,  true,  true,   true,      true,  true,  true },
	/* secretary */ { true, false, true,  true,    false, false, false,  true,      false, false, true },
	/* member */    { true, false, false, false,   false, true,  false,  false,     true,  false, false },
	/* guest */     { true, false, false, false,   false, false, false,  false,     true,  false, false },
	/* display */   { true, false, false, false,   false, false, false,  false,     false, false, true },
};

int auth_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void auth_id_new(char out[AUTH_ID_LEN + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (int i = 0; i < AUTH_ID_LEN; i++)
		out[i] = alphabet[randombytes_uniform(36)];
	out[AUTH_ID_LEN] = 0;
}

bool auth_id_valid(const char *s)
{
	if (!s || strlen(s) != AUTH_ID_LEN)
		return false;
	for (int i = 0; i < AUTH_ID_LEN; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static void b64url(const unsigned char raw[16], char out[AUTH_TOKEN_LEN + 1])
{
	char buf[sodium_base64_ENCODED_LEN(16, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	sodium_bin2base64(buf, sizeof buf, raw, 16, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(out, buf, AUTH_TOKEN_LEN);
	out[AUTH_TOKEN_LEN] = 0;
}

void auth_token_new(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof raw);
	b64url(raw, out);
}

bool auth_token_valid(const char *s)
{
	if (!s || strlen(s) != AUTH_TOKEN_LEN)
		return false;
	for (int i = 0; i < AUTH_TOKEN_LEN; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

void auth_token_hash(const char *token, char out[AUTH_HASH_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, AUTH_HASH_LEN + 1, h, sizeof h);
}

int auth_key_load(const char *data_dir, struct auth_key *k)
{
	char path[4096];
	int fd, rc = 0;

	snprintf(path, sizeof path, "%s/secret.key", data_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, k->key, sizeof k->key);
		close(fd);
		if (n != (ssize_t)sizeof k->key) {
			log_error("auth: %s is damaged (expected %zu bytes)", path, sizeof k->key);
			return -EIO;
		}
		return 0;
	}
	if (errno != ENOENT) {
		log_error("auth: cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	randombytes_buf(k->key, sizeof k->key);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* Another process created it first: use theirs. */
		if (errno == EEXIST)
			return auth_key_load(data_dir, k);
		log_error("auth: cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	if (write(fd, k->key, sizeof k->key) != (ssize_t)sizeof k->key || fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	return rc;
}

void auth_room_token(const struct auth_key *k, const char *meeting, int64_t gen,
		     char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[64];
	int n = snprintf(msg, sizeof msg, "room:%s:%lld", meeting, (long long)gen);

	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, k->key);
	b64url(mac, out);
}

void auth_personal_token(const struct auth_key *k, const char *participant, int64_t gen,
			 char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[64];
	int n = snprintf(msg, sizeof msg, "personal:%s:%lld", participant, (long long)gen);

	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, k->key);
	b64url(mac, out);
}

const char *auth_role_name(enum auth_role r)
{
	return r < ROLE_NONE ? role_names[r] : "none";
}

enum auth_role auth_role_parse(const char *s)
{
	for (int i = 0; s && i < ROLE_NONE; i++)
		if (strcmp(s, role_names[i]) == 0)
			return (enum auth_role)i;
	return ROLE_NONE;
}

bool auth_may(enum auth_role r, enum auth_action a)
{
	if (r >= ROLE_NONE || a > ACT_SOURCE)
		return false;
	return may[r][a];
}

void auth_now_iso(char out[32], int64_t plus)
{
	time_t t = time(NULL) + (time_t)plus;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int auth_token_store(struct store *st, const char *token, const char *meeting,
		     const char *kind, const char *participant)
{
	char hash[AUTH_HASH_LEN + 1], now[32];
	struct store_stmt *s = store_prepare(st,
		"INSERT INTO token (hash, meeting, kind, participant, created) "
		"VALUES (?, ?, ?, ?, ?)");

	if (!s)
		return -EIO;
	auth_token_hash(token, hash);
	auth_now_iso(now, 0);
	store_bind_text(s, 1, hash);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, kind);
	store_bind_text(s, 4, participant);
	store_bind_text(s, 5, now);
	int rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int auth_token_lookup(struct store *st, const char *token,
		      char meeting[AUTH_ID_LEN + 1],
		      char participant[AUTH_ID_LEN + 1], bool *personal)
{
	char hash[AUTH_HASH_LEN + 1];
	struct store_stmt *s;
	int rc;

	if (!auth_token_valid(token))
		return -ENOENT;
	s = store_prepare(st, "SELECT meeting, kind, participant FROM token "
			      "WHERE hash = ? AND revoked = 0");
	if (!s)
		return -EIO;
	auth_token_hash(token, hash);
	store_bind_text(s, 1, hash);
	rc = store_step(s);
	if (rc == 1) {
		const char *p = store_col_text(s, 2);
		snprintf(meeting, AUTH_ID_LEN + 1, "%s", store_col_text(s, 0));
		*personal = strcmp(store_col_text(s, 1), "personal") == 0;
		snprintf(participant, AUTH_ID_LEN + 1, "%s", p ? p : "");
		rc = 0;
	} else if (rc == 0) {
		rc = -ENOENT;
	}
	store_reset(s);
	return rc;
}

int auth_session_new(struct store *st, const char *meeting, const char *participant,
		     char out[AUTH_TOKEN_LEN + 1])
{
	char hash[AUTH_HASH_LEN + 1], now[32], expires[32];
	struct store_stmt *s = store_prepare(st,
		"INSERT INTO session (hash, meeting, participant, created, expires) "
		"VALUES (?, ?, ?, ?, ?)");

	if (!s)
		return -EIO;
	auth_token_new(out);
	auth_token_hash(out, hash);
	auth_now_iso(now, 0);
	auth_now_iso(expires, SESSION_SECONDS);
	store_bind_text(s, 1, hash);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, participant);
	store_bind_text(s, 4, now);
	store_bind_text(s, 5, expires);
	int rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int auth_session_lookup(struct store *st, const char *session, struct auth_who *who)
{
	char hash[AUTH_HASH_LEN + 1], now[32];
	struct store_stmt *s;
	int rc;

	if (!auth_token_valid(session))
		return -ENOENT;
	s = store_prepare(st,
		"SELECT s.meeting, s.participant, p.role, p.name FROM session s "
		"JOIN participant p ON p.id = s.participant "
		"WHERE s.hash = ? AND s.expires > ?");
	if (!s)
		return -EIO;
	auth_token_hash(session, hash);
	auth_now_iso(now, 0);
	store_bind_text(s, 1, hash);
	store_bind_text(s, 2, now);
	rc = store_step(s);
	if (rc == 1) {
		snprintf(who->meeting, sizeof who->meeting, "%s", store_col_text(s, 0));
		snprintf(who->participant, sizeof who->participant, "%s", store_col_text(s, 1));
		who->role = auth_role_parse(store_col_text(s, 2));
		snprintf(who->name, sizeof who->name, "%s", store_col_text(s, 3));
		rc = 0;
	} else if (rc == 0) {
		rc = -ENOENT;
	}
	store_reset(s);
	return rc;
}
