/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* staff — see staff.h. libsodium supplies Argon2id (crypto_pwhash_str). */
#include "staff.h"
#include "log.h"
#include "meeting.h"
#include "store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = { "admin", "secretary" };

const char *staff_role_name(enum staff_role r)
{
	return r == STAFF_ADMIN || r == STAFF_SECRETARY ? role_names[r] : "none";
}

enum staff_role staff_role_parse(const char *s)
{
	if (s && strcmp(s, "admin") == 0)
		return STAFF_ADMIN;
	if (s && strcmp(s, "secretary") == 0)
		return STAFF_SECRETARY;
	return STAFF_NONE;
}

bool staff_email_ok(const char *email)
{
	const char *at, *dot;
	size_t n;

	if (!email)
		return false;
	n = strlen(email);
	if (n < 3 || n > STAFF_EMAIL_MAX)
		return false;
	for (const char *c = email; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == '<' || *c == '>' || *c == '"' ||
		    *c == ',' || *c == ';')
			return false;
	at = strchr(email, '@');
	if (!at || at == email || strchr(at + 1, '@'))
		return false;
	dot = strchr(at + 1, '.');
	return dot && dot != at + 1 && email[n - 1] != '.';
}

bool staff_password_ok(const char *password)
{
	size_t n = password ? strlen(password) : 0;

	return n >= STAFF_PASSWORD_MIN && n <= STAFF_PASSWORD_MAX;
}

void staff_actor(const char *user, char out[STAFF_ACTOR_LEN + 1])
{
	snprintf(out, STAFF_ACTOR_LEN + 1, "staff:%s", user);
}

const char *staff_actor_user(const char *actor)
{
	if (!actor || strncmp(actor, "staff:", 6) != 0 || !auth_id_valid(actor + 6))
		return NULL;
	return actor + 6;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of t: such strings compare in time order. */
static void iso(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- accounts ----------------------------------------------------------- */

#define USER_COLUMNS "id, name, email, role, created, disabled"

static void user_from_row(struct store_stmt *s, int col, struct staff_user *u)
{
	snprintf(u->id, sizeof u->id, "%s", store_col_text(s, col));
	snprintf(u->name, sizeof u->name, "%s", store_col_text(s, col + 1));
	snprintf(u->email, sizeof u->email, "%s", store_col_text(s, col + 2));
	u->role = staff_role_parse(store_col_text(s, col + 3));
	snprintf(u->created, sizeof u->created, "%s", store_col_text(s, col + 4));
	u->disabled = store_col_int(s, col + 5) != 0;
}

/* The user whose `by` column ("id" or "email") is `key`. */
static int user_where(struct store *st, const char *sql, const char *key, struct staff_user *out,
		      char *hash, size_t hashlen)
{
	struct store_stmt *s = store_prepare(st, sql);
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (rc == 1) {
		if (out)
			user_from_row(s, 0, out);
		if (hash)
			snprintf(hash, hashlen, "%s", store_col_text(s, 6));
	}
	store_reset(s);
	return rc == 1 ? 0 : rc == 0 ? -ENOENT : rc;
}

int staff_user_get(struct store *st, const char *id, struct staff_user *out)
{
	if (!auth_id_valid(id))
		return -ENOENT;
	return user_where(st, "SELECT " USER_COLUMNS ", password FROM staff_user WHERE id = ?",
			  id, out, NULL, 0);
}

int staff_user_by_email(struct store *st, const char *email, struct staff_user *out)
{
	if (!email)
		return -ENOENT;
	return user_where(st, "SELECT " USER_COLUMNS ", password FROM staff_user WHERE email = ?",
			  email, out, NULL, 0);
}

/* The Argon2id string of `password` into out. Returns 0 or -ENOMEM. */
static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		log_error("staff: hashing a password ran out of memory");
		return -ENOMEM;
	}
	return 0;
}

static bool name_ok(const char *name)
{
	return meeting_text_ok(name, AUTH_NAME_MAX, true) && name[0] != ' ';
}

int staff_user_add(struct store *st, const char *name, const char *email,
		   enum staff_role role, const char *password, struct staff_user *out)
{
	char hash[crypto_pwhash_STRBYTES], now[32];
	struct staff_user u = { .role = role };
	struct store_stmt *s;
	int rc;

	if (!name_ok(name) || !staff_email_ok(email) || role == STAFF_NONE ||
	    !staff_password_ok(password))
		return -EINVAL;
	rc = hash_password(password, hash);
	if (rc < 0)
		return rc;
	auth_id_new(u.id);
	auth_now_iso(now, 0);
	s = store_prepare(st, "INSERT INTO staff_user (id, name, email, role, password, created) "
			      "VALUES (?, ?, ?, ?, ?, ?)");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, u.id);
	store_bind_text(s, 2, name);
	store_bind_text(s, 3, email);
	store_bind_text(s, 4, staff_role_name(role));
	store_bind_text(s, 5, hash);
	store_bind_text(s, 6, now);
	rc = store_step(s);
	store_reset(s);
	sodium_memzero(hash, sizeof hash);
	if (rc < 0)
		return rc;
	if (out) {
		snprintf(u.name, sizeof u.name, "%s", name);
		snprintf(u.email, sizeof u.email, "%s", email);
		snprintf(u.created, sizeof u.created, "%s", now);
		*out = u;
	}
	return 0;
}

json_t *staff_user_json(const struct staff_user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", u->id, "name", u->name,
			 "email", u->email, "role", staff_role_name(u->role),
			 "created", u->created, "disabled", u->disabled);
}

json_t *staff_user_list(struct store *st)
{
	struct store_stmt *s = store_prepare(st, "SELECT " USER_COLUMNS " FROM staff_user "
					     "ORDER BY name COLLATE NOCASE, id");
	json_t *a;
	int rc;

	if (!s)
		return NULL;
	a = json_array();
	while ((rc = store_step(s)) == 1) {
		struct staff_user u;
		user_from_row(s, 0, &u);
		json_array_append_new(a, staff_user_json(&u));
	}
	store_reset(s);
	if (rc < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Ends every session of `user` but `keep` (a token, may be NULL). */
static int sessions_end(struct store *st, const char *user, const char *keep)
{
	char hash[AUTH_HASH_LEN + 1] = "";
	struct store_stmt *s = store_prepare(st, "DELETE FROM staff_session WHERE user = ? AND hash != ?");
	int rc;

	if (!s)
		return -EIO;
	if (keep)
		auth_token_hash(keep, hash);
	store_bind_text(s, 1, user);
	store_bind_text(s, 2, hash);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static int set_column(struct store *st, const char *sql, const char *id, const char *value)
{
	struct store_stmt *s = store_prepare(st, sql);
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, value);
	store_bind_text(s, 2, id);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static int64_t active_admins(struct store *st)
{
	struct store_stmt *s = store_prepare(st, "SELECT COUNT(*) FROM staff_user "
					     "WHERE role = 'admin' AND disabled = 0");
	int64_t n = -EIO;

	if (!s)
		return -EIO;
	if (store_step(s) == 1)
		n = store_col_int(s, 0);
	store_reset(s);
	return n;
}

int staff_user_update(struct store *st, const char *id, const struct staff_change *c,
		      struct staff_user *out)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if ((c->name && !name_ok(c->name)) || (c->email && !staff_email_ok(c->email)) ||
	    (c->role && staff_role_parse(c->role) == STAFF_NONE) ||
	    (c->password && !staff_password_ok(c->password)))
		return -EINVAL;
	if (c->password) {
		rc = hash_password(c->password, hash);
		if (rc < 0)
			return rc;
	}
	rc = store_begin(st);
	if (rc < 0)
		goto out;
	rc = staff_user_get(st, id, NULL);
	if (rc == 0 && c->name)
		rc = set_column(st, "UPDATE staff_user SET name = ? WHERE id = ?", id, c->name);
	if (rc == 0 && c->email)
		rc = set_column(st, "UPDATE staff_user SET email = ? WHERE id = ?", id, c->email);
	if (rc == 0 && c->role)
		rc = set_column(st, "UPDATE staff_user SET role = ? WHERE id = ?", id, c->role);
	if (rc == 0 && c->password)
		rc = set_column(st, "UPDATE staff_user SET password = ? WHERE id = ?", id, hash);
	if (rc == 0 && c->has_disabled)
		rc = set_column(st, "UPDATE staff_user SET disabled = ? WHERE id = ?", id,
				c->disabled ? "1" : "0");
	if (rc == 0 && (c->password || (c->has_disabled && c->disabled)))
		rc = sessions_end(st, id, NULL);
	if (rc == 0 && active_admins(st) < 1)
		rc = -EBUSY;
	if (rc == 0)
		rc = store_commit(st);
	if (rc < 0)
		store_rollback(st);
	if (rc == 0 && out)
		rc = staff_user_get(st, id, out);
out:
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int staff_password_check(struct store *st, const char *email, const char *password,
			 struct staff_user *out)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if (!email || !password || strlen(password) > STAFF_PASSWORD_MAX)
		return -EACCES;
	rc = user_where(st, "SELECT " USER_COLUMNS ", password FROM staff_user WHERE email = ?",
			email, out, hash, sizeof hash);
	if (rc == -ENOENT)
		return -EACCES;
	if (rc < 0)
		return rc;
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return -EACCES;
	return out->disabled ? -EPERM : 0;
}

int staff_password_change(struct store *st, const char *id, const char *current,
			  const char *password, const char *keep_token)
{
	char hash[crypto_pwhash_STRBYTES];
	struct staff_user u;
	int rc;

	rc = user_where(st, "SELECT " USER_COLUMNS ", password FROM staff_user WHERE id = ?",
			id, &u, hash, sizeof hash);
	if (rc < 0)
		return rc;
	if (!current || strlen(current) > STAFF_PASSWORD_MAX ||
	    crypto_pwhash_str_verify(hash, current, strlen(current)) != 0)
		return -EACCES;
	if (!staff_password_ok(password))
		return -EINVAL;
	rc = hash_password(password, hash);
	if (rc < 0)
		return rc;
	rc = store_begin(st);
	if (rc == 0)
		rc = set_column(st, "UPDATE staff_user SET password = ? WHERE id = ?", id, hash);
	if (rc == 0)
		rc = sessions_end(st, id, keep_token);
	if (rc == 0)
		rc = store_commit(st);
	if (rc < 0)
		store_rollback(st);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

/* ---- sessions ----------------------------------------------------------- */

int staff_session_new(struct store *st, const char *user, time_t now,
		      char token[AUTH_TOKEN_LEN + 1], char expires[32])
{
	char hash[AUTH_HASH_LEN + 1], at[32], until[32];
	struct store_stmt *s;
	int rc;

	auth_token_new(token);
	auth_token_hash(token, hash);
	iso(now, at);
	iso(now + STAFF_LIFETIME_SECONDS, until);
	s = store_prepare(st, "INSERT INTO staff_session (hash, user, created, expires, last_seen) "
			      "VALUES (?, ?, ?, ?, ?)");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, hash);
	store_bind_text(s, 2, user);
	store_bind_text(s, 3, at);
	store_bind_text(s, 4, until);
	store_bind_text(s, 5, at);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	if (expires)
		snprintf(expires, 32, "%s", until);
	return 0;
}

static int session_delete(struct store *st, const char *hash)
{
	struct store_stmt *s = store_prepare(st, "DELETE FROM staff_session WHERE hash = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, hash);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int staff_session_lookup(struct store *st, const char *token, time_t now,
			 struct staff_user *u, char expires[32])
{
	char hash[AUTH_HASH_LEN + 1], at[32], idle[32], touch[32], until[32], seen[32];
	struct store_stmt *s;
	int rc;

	if (!auth_token_valid(token))
		return -ENOENT;
	auth_token_hash(token, hash);
	s = store_prepare(st, "SELECT u.id, u.name, u.email, u.role, u.created, u.disabled, "
			      "s.expires, s.last_seen FROM staff_session s "
			      "JOIN staff_user u ON u.id = s.user WHERE s.hash = ?");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, hash);
	rc = store_step(s);
	if (rc == 1) {
		user_from_row(s, 0, u);
		snprintf(until, sizeof until, "%s", store_col_text(s, 6));
		snprintf(seen, sizeof seen, "%s", store_col_text(s, 7));
	}
	store_reset(s);
	if (rc <= 0)
		return rc == 0 ? -ENOENT : rc;
	if (u->disabled) {
		session_delete(st, hash);
		return -ENOENT;
	}
	iso(now, at);
	iso(now - STAFF_IDLE_SECONDS, idle);
	iso(now - STAFF_TOUCH_SECONDS, touch);
	if (strcmp(until, at) <= 0 || strcmp(seen, idle) <= 0) {
		session_delete(st, hash);
		return -ETIMEDOUT;
	}
	if (strcmp(seen, touch) <= 0) {
		s = store_prepare(st, "UPDATE staff_session SET last_seen = ? WHERE hash = ?");
		if (s) {
			store_bind_text(s, 1, at);
			store_bind_text(s, 2, hash);
			store_step(s);
			store_reset(s);
		}
	}
	if (expires)
		snprintf(expires, 32, "%s", until);
	return 0;
}

int staff_session_end(struct store *st, const char *token)
{
	char hash[AUTH_HASH_LEN + 1];

	if (!auth_token_valid(token))
		return 0;
	auth_token_hash(token, hash);
	return session_delete(st, hash);
}

/* ---- the limiter -------------------------------------------------------- */

struct slot {
	unsigned char key[16];          /* BLAKE2b of the folded email */
	int64_t fails[STAFF_FAILS_MAX]; /* a ring of the last failures' times */
	int next;
	bool used;
};

struct staff_limiter {
	struct slot slots[STAFF_LIMITER_SLOTS];
};

struct staff_limiter *staff_limiter_new(void)
{
	return calloc(1, sizeof(struct staff_limiter));
}

void staff_limiter_free(struct staff_limiter *l)
{
	free(l);
}

/* The account's key: its email in ASCII lower case, trimmed, hashed to a
 * fixed size (the table holds no addresses). */
static void limiter_key(const char *email, unsigned char key[16])
{
	char folded[STAFF_EMAIL_MAX + 1];
	size_t n = 0;

	while (*email == ' ' || *email == '\t')
		email++;
	for (; *email && n < STAFF_EMAIL_MAX; email++)
		folded[n++] = (*email >= 'A' && *email <= 'Z') ? (char)(*email + 32) : *email;
	while (n && (folded[n - 1] == ' ' || folded[n - 1] == '\t'))
		n--;
	crypto_generichash(key, 16, (const unsigned char *)folded, n, NULL, 0);
}

static int64_t newest(const struct slot *sl)
{
	int64_t t = 0;

	for (int i = 0; i < STAFF_FAILS_MAX; i++)
		if (sl->fails[i] > t)
			t = sl->fails[i];
	return t;
}

static struct slot *limiter_find(struct staff_limiter *l, const unsigned char key[16])
{
	for (int i = 0; i < STAFF_LIMITER_SLOTS; i++)
		if (l->slots[i].used && memcmp(l->slots[i].key, key, 16) == 0)
			return &l->slots[i];
	return NULL;
}

int staff_limiter_wait(struct staff_limiter *l, const char *email, int64_t now_ms)
{
	unsigned char key[16];
	struct slot *sl;
	int64_t oldest = INT64_MAX;
	int recent = 0;

	if (!l || !email)
		return 0;
	limiter_key(email, key);
	sl = limiter_find(l, key);
	if (!sl)
		return 0;
	for (int i = 0; i < STAFF_FAILS_MAX; i++) {
		int64_t t = sl->fails[i];
		if (t && now_ms - t < STAFF_FAIL_WINDOW * 1000) {
			recent++;
			if (t < oldest)
				oldest = t;
		}
	}
	if (recent < STAFF_FAILS_MAX)
		return 0;
	int64_t ms = oldest + STAFF_FAIL_WINDOW * 1000 - now_ms;
	return (int)((ms + 999) / 1000);
}

void staff_limiter_fail(struct staff_limiter *l, const char *email, int64_t now_ms)
{
	unsigned char key[16];
	struct slot *sl, *victim = NULL;

	if (!l || !email)
		return;
	limiter_key(email, key);
	sl = limiter_find(l, key);
	if (!sl) {
		/* A free slot, else the one whose last failure is oldest. */
		for (int i = 0; i < STAFF_LIMITER_SLOTS && !victim; i++)
			if (!l->slots[i].used)
				victim = &l->slots[i];
		if (!victim) {
			victim = &l->slots[0];
			for (int i = 1; i < STAFF_LIMITER_SLOTS; i++)
				if (newest(&l->slots[i]) < newest(victim))
					victim = &l->slots[i];
		}
		sl = victim;
		memset(sl, 0, sizeof *sl);
		memcpy(sl->key, key, 16);
		sl->used = true;
	}
	sl->fails[sl->next] = now_ms > 0 ? now_ms : 1;
	sl->next = (sl->next + 1) % STAFF_FAILS_MAX;
}

/* ---- meetings ----------------------------------------------------------- */

bool staff_may_touch(struct store *st, const struct staff_user *u, const char *meeting)
{
	struct store_stmt *s;
	int rc;

	if (!u || u->disabled || !auth_id_valid(meeting))
		return false;
	if (u->role == STAFF_ADMIN)
		return meeting_exists(st, meeting);
	s = store_prepare(st, "SELECT 1 FROM meeting m WHERE m.id = ? AND (m.created_by = ? OR "
			      "EXISTS (SELECT 1 FROM meeting_staff g WHERE g.meeting = m.id "
			      "AND g.user = ?))");
	if (!s)
		return false;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, u->id);
	store_bind_text(s, 3, u->id);
	rc = store_step(s);
	store_reset(s);
	return rc == 1;
}

bool staff_may_grant(struct store *st, const struct staff_user *u, const char *meeting)
{
	struct store_stmt *s;
	int rc;

	if (!u || u->disabled || !auth_id_valid(meeting))
		return false;
	if (u->role == STAFF_ADMIN)
		return meeting_exists(st, meeting);
	s = store_prepare(st, "SELECT 1 FROM meeting WHERE id = ? AND created_by = ?");
	if (!s)
		return false;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, u->id);
	rc = store_step(s);
	store_reset(s);
	return rc == 1;
}

int staff_grant(struct store *st, const char *meeting, const char *user, const char *by)
{
	char now[32];
	struct store_stmt *s;
	int rc;

	if (!meeting_exists(st, meeting) || staff_user_get(st, user, NULL) < 0)
		return -ENOENT;
	auth_now_iso(now, 0);
	s = store_prepare(st, "INSERT INTO meeting_staff (meeting, user, granted, granted_by) "
			      "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, user);
	store_bind_text(s, 3, now);
	store_bind_text(s, 4, by);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

int staff_revoke(struct store *st, const char *meeting, const char *user)
{
	struct store_stmt *s = store_prepare(st, "SELECT 1 FROM meeting WHERE id = ? AND created_by = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, user);
	rc = store_step(s);
	store_reset(s);
	if (rc == 1)
		return -EPERM;
	s = store_prepare(st, "DELETE FROM meeting_staff WHERE meeting = ? AND user = ?");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, user);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	return store_changes(st) ? 0 : -ENOENT;
}

json_t *staff_meeting_staff(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT u.id, u.name, u.email, u.id = m.created_by FROM meeting m "
		"JOIN staff_user u ON u.id = m.created_by OR u.id IN "
		"(SELECT user FROM meeting_staff WHERE meeting = m.id) "
		"WHERE m.id = ? ORDER BY u.id = m.created_by DESC, u.name COLLATE NOCASE, u.id");
	json_t *a = json_array();

	if (!s)
		return a;
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}",
			"id", store_col_text(s, 0), "name", store_col_text(s, 1),
			"email", store_col_text(s, 2), "creator", (int)store_col_int(s, 3)));
	store_reset(s);
	return a;
}

void staff_name_of(struct store *st, const char *user, char *out, size_t len)
{
	struct staff_user u;

	out[0] = 0;
	if (user && staff_user_get(st, user, &u) == 0)
		snprintf(out, len, "%s", u.name);
}
