/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * meeting — see meeting.h.
 *
 * State of a meeting (the `state` column), set by the chair:
 *
 *     draft ──meeting_open──▶ live ──meeting_close──▶ closed
 *       └──────────────meeting_close───────────────────▲
 *
 * A closed meeting is read-only: nothing here changes it any more, and
 * the other modules (library, vote) and the transport refuse writes too.
 *
 * Attendance: `checked_in` is the time of a participant's first join or of
 * the secretary's check-in; `absent_reason` is set when they are marked
 * absent, which clears `checked_in` (and checking in clears the reason).
 * The quorum counts the chair and the members, as the polls do.
 *
 * Roles that a room token may pick: member and guest. The chair, secretary
 * and display have power or a special screen, so they need their personal
 * link — the room QR code hangs on the wall for anyone to scan.
 */
#include "meeting.h"
#include "log.h"
#include "store.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ---------------------------------------------------- */

/* Decodes one UTF-8 code point; returns bytes used (0 at the end). Invalid
 * bytes decode as themselves, one at a time. */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
	if (!s[0])
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) |
		      ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
		return 4;
	}
	*cp = s[0];
	return 1;
}

/* Lower case for the scripts names are written in here: ASCII, Latin-1,
 * Latin Extended-A (pairs), Vietnamese (Ơ Ư Đ and the U+1EA0–U+1EF9 block
 * of letters with two marks, upper case at even code points). */
static unsigned fold(unsigned c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x138 && c != 0x149) {
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1) ? c + 1 : c;
		return (c & 1) ? c : c + 1;
	}
	if (c == 0x1a0 || c == 0x1af)
		return c + 1;
	if (c >= 0x1ea0 && c <= 0x1ef9 && !(c & 1))
		return c + 1;
	return c;
}

/* Compares two names ignoring case and surrounding white space. */
static bool same_name(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	unsigned x, y;
	int n, m;

	for (;;) {
		n = utf8_next(p, &x);
		m = utf8_next(q, &y);
		if (!n || !m)
			return n == m;
		if (fold(x) != fold(y))
			return false;
		p += n;
		q += m;
	}
}

/* Copies `s` without leading and trailing white space into a new string. */
static char *trimmed(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

/* meeting_text_ok — a text field a person typed: non-empty (if required), valid UTF-8, not
 * longer than max bytes nor max / 4 characters, no control characters. */
bool meeting_text_ok(const char *s, size_t max, bool required)
{
	size_t chars = 0;

	if (!s)
		return !required;
	size_t n = strlen(s);
	if ((required && n == 0) || n > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		/* C1 controls, U+0080–U+009F: C2 80 … C2 9F. */
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars > max / 4)
		return false;
	json_t *j = json_string(s); /* NULL for invalid UTF-8 */
	json_decref(j);
	return j != NULL;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int meeting_time_parse(const char *in, char out[32])
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, n = 0;
	char sign = 0;
	struct tm tm = { 0 };
	time_t t;

	if (!in || sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	in += n;
	if (*in == 'T' || *in == ' ') {
		if (sscanf(in + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -EINVAL;
		in += 1 + n;
		if (*in == ':') {
			if (sscanf(in + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return -EINVAL;
			in += 1 + n;
		}
	}
	if (*in == 'Z') {
		sign = 'Z';
		in++;
	} else if (*in == '+' || *in == '-') {
		sign = *in;
		if (sscanf(in + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
			return -EINVAL;
		in += 1 + n;
	}
	if (*in || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60 || oh > 14 || om > 59 || h < 0 || mi < 0 || sec < 0)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (sign) {
		t = timegm(&tm);
		int off = (oh * 60 + om) * 60;
		t += sign == '+' ? -off : sign == '-' ? off : 0;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	/* 31 February would silently become 3 March: refuse it. */
	struct tm back;
	time_t local = timegm(&tm);
	gmtime_r(&local, &back);
	if (back.tm_mday != d)
		return -EINVAL;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}

/* ---- the event log ------------------------------------------------------ */

int meeting_event_append(struct store *st, const char *meeting, const char *type,
			 const char *actor, json_t *fields, json_t **event)
{
	struct store_stmt *s;
	char at[32];
	int64_t seq;
	int rc;

	if (!fields)
		return -ENOMEM;
	s = store_prepare(st, "UPDATE meeting SET seq = seq + 1 WHERE id = ? RETURNING seq");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc != 1) {
		store_reset(s);
		rc = rc == 0 ? -ENOENT : rc;
		goto out;
	}
	seq = store_col_int(s, 0);
	store_reset(s);

	/* An event that carries its own time (with milliseconds, speaker.c)
	 * keeps it. */
	if (json_is_string(json_object_get(fields, "at")))
		snprintf(at, sizeof at, "%s", json_string_value(json_object_get(fields, "at")));
	else
		auth_now_iso(at, 0);
	json_object_set_new(fields, "seq", json_integer(seq));
	json_object_set_new(fields, "type", json_string(type));
	json_object_set_new(fields, "at", json_string(at));
	char *body = json_dumps(fields, JSON_COMPACT);
	if (!body) {
		rc = -ENOMEM;
		goto out;
	}
	s = store_prepare(st, "INSERT INTO event (meeting, seq, type, at, actor, body) "
			      "VALUES (?, ?, ?, ?, ?, ?)");
	if (!s) {
		free(body);
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, meeting);
	store_bind_int(s, 2, seq);
	store_bind_text(s, 3, type);
	store_bind_text(s, 4, at);
	store_bind_text(s, 5, actor);
	store_bind_text(s, 6, body);
	rc = store_step(s);
	store_reset(s);
	free(body);
	if (rc < 0)
		goto out;
	rc = 0;
	if (event)
		*event = json_incref(fields);
out:
	json_decref(fields);
	return rc;
}

int meeting_event_commit(struct store *st, const char *meeting, const char *type,
			 const char *actor, json_t *fields, json_t **event)
{
	int rc = meeting_event_append(st, meeting, type, actor, fields, event);

	if (rc == 0)
		rc = store_commit(st);
	if (rc < 0)
		meeting_tx_abort(st, event);
	return rc;
}

void meeting_tx_abort(struct store *st, json_t **event)
{
	store_rollback(st);
	if (event) {
		json_decref(*event);
		*event = NULL;
	}
}

int64_t meeting_seq(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st, "SELECT seq FROM meeting WHERE id = ?");
	int64_t seq;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	int rc = store_step(s);
	seq = rc == 1 ? store_col_int(s, 0) : (rc == 0 ? -ENOENT : rc);
	store_reset(s);
	return seq;
}

int meeting_events_since(struct store *st, const char *meeting, int64_t since,
			 int max, json_t **events)
{
	int64_t last = meeting_seq(st, meeting);
	struct store_stmt *s;
	int rc;

	if (last < 0)
		return (int)last;
	if (since < 0 || since > last)
		return -EINVAL;
	if (last - since > max)
		return -E2BIG;
	s = store_prepare(st, "SELECT body FROM event WHERE meeting = ? AND seq > ? ORDER BY seq");
	if (!s)
		return -EIO;
	*events = json_array();
	store_bind_text(s, 1, meeting);
	store_bind_int(s, 2, since);
	while ((rc = store_step(s)) == 1) {
		json_t *e = json_loads(store_col_text(s, 0), 0, NULL);
		if (e)
			json_array_append_new(*events, e);
	}
	store_reset(s);
	if (rc < 0) {
		json_decref(*events);
		*events = NULL;
		return rc;
	}
	return 0;
}

/* ---- meetings ----------------------------------------------------------- */

bool meeting_exists(struct store *st, const char *meeting)
{
	return meeting_seq(st, meeting) >= 0;
}

static int participant_insert(struct store *st, const char *meeting, const char *name,
			      const char *title, enum auth_role role, char id[AUTH_ID_LEN + 1])
{
	char now[32];
	struct store_stmt *s = store_prepare(st,
		"INSERT INTO participant (id, meeting, name, title, role, created) "
		"VALUES (?, ?, ?, ?, ?, ?)");

	if (!s)
		return -EIO;
	auth_id_new(id);
	auth_now_iso(now, 0);
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, name);
	store_bind_text(s, 4, str_or_empty(title));
	store_bind_text(s, 5, auth_role_name(role));
	store_bind_text(s, 6, now);
	int rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static json_t *participant_json(const char *id, const char *name, const char *title,
				enum auth_role role)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", name,
			 "title", str_or_empty(title), "role", auth_role_name(role));
}

int meeting_create_tx(struct store *st, const struct auth_key *key,
		      const struct meeting_new *m, struct meeting_created *out)
{
	static const struct { const char *name; enum auth_role role; size_t off; } officers[] = {
		{ "Chair", ROLE_CHAIR, offsetof(struct meeting_created, chair_token) },
		{ "Secretary", ROLE_SECRETARY, offsetof(struct meeting_created, secretary_token) },
		{ "Room display", ROLE_DISPLAY, offsetof(struct meeting_created, display_token) },
	};
	struct store_stmt *s;
	char now[32], starts[32], ends[32];
	int rc;

	if (m->starts && meeting_time_parse(m->starts, starts) < 0)
		return -EINVAL;
	if (m->ends && (meeting_time_parse(m->ends, ends) < 0 ||
			(m->starts && strcmp(ends, starts) < 0)))
		return -EINVAL;
	if (!meeting_text_ok(m->title, MEETING_TITLE_MAX, true) ||
	    !meeting_text_ok(m->org, MEETING_TITLE_MAX, false) ||
	    !meeting_text_ok(m->location, MEETING_TITLE_MAX, false) ||
	    !meeting_text_ok(m->chair, AUTH_NAME_MAX, false) ||
	    !meeting_text_ok(m->secretary, AUTH_NAME_MAX, false))
		return -EINVAL;
	for (int i = 0; i < m->nagenda; i++)
		if (!meeting_text_ok(m->agenda[i], MEETING_TITLE_MAX, true))
			return -EINVAL;
	/* IEEE 802.11: an SSID is at most 32 bytes, a WPA passphrase 8 to 63. */
	if ((m->quorum_rule && !meeting_quorum_rule_ok(m->quorum_rule)) ||
	    !meeting_text_ok(m->wifi_ssid, 128, false) || (m->wifi_ssid && strlen(m->wifi_ssid) > 32) ||
	    !meeting_text_ok(m->wifi_password, 252, false) ||
	    (m->wifi_password && strlen(m->wifi_password) > 63) ||
	    (m->wifi_password && *m->wifi_password && !(m->wifi_ssid && *m->wifi_ssid)))
		return -EINVAL;

	memset(out, 0, sizeof *out);
	auth_id_new(out->id);
	auth_now_iso(now, 0);
	s = store_prepare(st, "INSERT INTO meeting (id, title, org, location, starts, guests, created, "
			      "quorum_rule, wifi_ssid, wifi_password, ends, created_by) "
			      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, out->id);
	store_bind_text(s, 2, m->title);
	store_bind_text(s, 3, str_or_empty(m->org));
	store_bind_text(s, 4, str_or_empty(m->location));
	store_bind_text(s, 5, m->starts ? starts : NULL);
	store_bind_int(s, 6, m->guests);
	store_bind_text(s, 7, now);
	store_bind_text(s, 8, m->quorum_rule ? m->quorum_rule : "majority");
	store_bind_text(s, 9, m->wifi_ssid && *m->wifi_ssid ? m->wifi_ssid : NULL);
	store_bind_text(s, 10, m->wifi_ssid && *m->wifi_ssid && m->wifi_password &&
			       *m->wifi_password ? m->wifi_password : NULL);
	store_bind_text(s, 11, m->ends ? ends : NULL);
	store_bind_text(s, 12, m->created_by);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;

	for (int i = 0; i < m->nagenda; i++) {
		char item[AUTH_ID_LEN + 1];
		s = store_prepare(st, "INSERT INTO item (id, meeting, position, title) VALUES (?, ?, ?, ?)");
		if (!s) {
			rc = -EIO;
			goto fail;
		}
		auth_id_new(item);
		store_bind_text(s, 1, item);
		store_bind_text(s, 2, out->id);
		store_bind_int(s, 3, i + 1);
		store_bind_text(s, 4, m->agenda[i]);
		rc = store_step(s);
		store_reset(s);
		if (rc < 0)
			goto fail;
	}

	for (size_t i = 0; i < sizeof officers / sizeof officers[0]; i++) {
		char pid[AUTH_ID_LEN + 1];
		char *token = (char *)out + officers[i].off;
		const char *name = officers[i].name;
		if (officers[i].role == ROLE_CHAIR && m->chair && *m->chair)
			name = m->chair;
		if (officers[i].role == ROLE_SECRETARY && m->secretary && *m->secretary)
			name = m->secretary;
		rc = participant_insert(st, out->id, name, "", officers[i].role, pid);
		if (rc < 0)
			goto fail;
		if (m->derived_links) {
			auth_personal_token(key, pid, 1, token);
			s = store_prepare(st, "UPDATE participant SET link_gen = 1 WHERE id = ?");
			if (!s) {
				rc = -EIO;
				goto fail;
			}
			store_bind_text(s, 1, pid);
			rc = store_step(s);
			store_reset(s);
			if (rc < 0)
				goto fail;
		} else {
			auth_token_new(token);
		}
		rc = auth_token_store(st, token, out->id, "personal", pid);
		if (rc < 0)
			goto fail;
	}
	auth_room_token(key, out->id, 1, out->room_token);
	rc = auth_token_store(st, out->room_token, out->id, "room", NULL);
	if (rc < 0)
		goto fail;

	json_t *fields = json_pack("{s:s, s:s}", "meeting", out->id, "title", m->title);
	rc = meeting_event_append(st, out->id, "meeting.created", m->actor, fields, NULL);
fail:
	return rc;
}

int meeting_create(struct store *st, const struct auth_key *key,
		   const struct meeting_new *m, struct meeting_created *out)
{
	int rc = store_begin(st);

	if (rc < 0)
		return rc;
	rc = meeting_create_tx(st, key, m, out);
	if (rc == 0)
		rc = store_commit(st);
	if (rc < 0)
		store_rollback(st);
	return rc;
}

int meeting_room_token(struct store *st, const struct auth_key *key,
		       const char *meeting, char out[AUTH_TOKEN_LEN + 1])
{
	struct store_stmt *s = store_prepare(st, "SELECT room_gen FROM meeting WHERE id = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1)
		auth_room_token(key, meeting, store_col_int(s, 0), out);
	store_reset(s);
	return rc == 1 ? 0 : (rc == 0 ? -ENOENT : rc);
}

int meeting_participant_add(struct store *st, const char *meeting,
			    const char *name, const char *title,
			    enum auth_role role, const char *actor,
			    char id[AUTH_ID_LEN + 1],
			    char token[AUTH_TOKEN_LEN + 1], json_t **event)
{
	char *clean = NULL;
	int rc;

	if (event)
		*event = NULL;
	if (!name || role == ROLE_NONE || !meeting_text_ok(title, MEETING_TITLE_MAX, false))
		return -EINVAL;
	clean = trimmed(name);
	if (!clean)
		return -ENOMEM;
	if (!meeting_text_ok(clean, AUTH_NAME_MAX, true)) {
		rc = -EINVAL;
		goto out;
	}
	rc = store_begin(st);
	if (rc < 0)
		goto out;
	if (!meeting_exists(st, meeting)) {
		rc = -ENOENT;
		goto fail;
	}
	rc = participant_insert(st, meeting, clean, title, role, id);
	if (rc < 0)
		goto fail;
	if (token) {
		auth_token_new(token);
		rc = auth_token_store(st, token, meeting, "personal", id);
		if (rc < 0)
			goto fail;
	}
	json_t *fields = json_pack("{s:o}", "participant", participant_json(id, clean, title, role));
	rc = meeting_event_append(st, meeting, "participant.added", actor, fields, event);
	if (rc < 0)
		goto fail;
	rc = store_commit(st);
	if (rc < 0)
		goto fail;
	goto out;
fail:
	store_rollback(st);
	if (event) {
		json_decref(*event);
		*event = NULL;
	}
out:
	free(clean);
	return rc;
}

int meeting_item_at(struct store *st, const char *meeting, int position,
		    char id[AUTH_ID_LEN + 1])
{
	struct store_stmt *s = store_prepare(st, "SELECT id FROM item WHERE meeting = ? AND position = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_int(s, 2, position);
	rc = store_step(s);
	if (rc == 1)
		snprintf(id, AUTH_ID_LEN + 1, "%s", store_col_text(s, 0));
	store_reset(s);
	return rc == 1 ? 0 : (rc == 0 ? -ENOENT : rc);
}

bool meeting_item_belongs(struct store *st, const char *meeting, const char *item)
{
	struct store_stmt *s = store_prepare(st, "SELECT 1 FROM item WHERE meeting = ? AND id = ?");

	if (!s)
		return false;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, item);
	int rc = store_step(s);
	store_reset(s);
	return rc == 1;
}

/* The meeting's public fields, as in the hello snapshot. */
static json_t *meeting_row(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, title, org, location, starts, state, guests, quorum_rule, wifi_ssid, "
		"wifi_password, ends FROM meeting WHERE id = ?");
	json_t *m = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, meeting);
	if (store_step(s) == 1) {
		m = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:b}",
			      "id", store_col_text(s, 0), "title", store_col_text(s, 1),
			      "org", store_col_text(s, 2), "location", store_col_text(s, 3),
			      "starts", store_col_text(s, 4), "state", store_col_text(s, 5),
			      "guests", (int)store_col_int(s, 6));
		if (m)
			json_object_set_new(m, "quorum_rule", json_string(store_col_text(s, 7)));
		if (m)
			json_object_set_new(m, "ends", store_col_null(s, 10) ? json_null()
						      : json_string(store_col_text(s, 10)));
		if (m && !store_col_null(s, 8))
			json_object_set_new(m, "wifi", json_pack("{s:s, s:s?}",
				"ssid", store_col_text(s, 8), "password", store_col_text(s, 9)));
	}
	store_reset(s);
	return m;
}

/* Members and guests: whom a room token may pick. */
static json_t *roster(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, name, title, role FROM participant "
		"WHERE meeting = ? AND role IN ('member','guest') ORDER BY name COLLATE NOCASE, id");
	json_t *a = json_array();

	if (!s)
		return a;
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1)
		json_array_append_new(a, participant_json(store_col_text(s, 0), store_col_text(s, 1),
							  store_col_text(s, 2),
							  auth_role_parse(store_col_text(s, 3))));
	store_reset(s);
	return a;
}

json_t *meeting_join_info(struct store *st, const char *token, int *err)
{
	char meeting[AUTH_ID_LEN + 1], participant[AUTH_ID_LEN + 1];
	bool personal;
	json_t *info, *m;

	*err = auth_token_lookup(st, token, meeting, participant, &personal);
	if (*err < 0)
		return NULL;
	m = meeting_row(st, meeting);
	if (!m) {
		*err = -ENOENT;
		return NULL;
	}
	bool guests = json_is_true(json_object_get(m, "guests"));
	info = json_pack("{s:s, s:b, s:o}", "kind", personal ? "personal" : "room",
			 "guests", guests, "meeting", m);
	if (personal) {
		struct store_stmt *s = store_prepare(st,
			"SELECT id, name, title, role FROM participant WHERE id = ?");
		if (s) {
			store_bind_text(s, 1, participant);
			if (store_step(s) == 1)
				json_object_set_new(info, "participant",
					participant_json(store_col_text(s, 0), store_col_text(s, 1),
							 store_col_text(s, 2),
							 auth_role_parse(store_col_text(s, 3))));
			store_reset(s);
		}
	} else {
		json_object_set_new(info, "roster", roster(st, meeting));
	}
	return info;
}

/* Looks a participant up by id within a meeting. */
static int participant_get(struct store *st, const char *meeting, const char *id,
			   struct auth_who *who)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT role, name FROM participant WHERE id = ? AND meeting = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc == 1) {
		snprintf(who->meeting, sizeof who->meeting, "%s", meeting);
		snprintf(who->participant, sizeof who->participant, "%s", id);
		who->role = auth_role_parse(store_col_text(s, 0));
		snprintf(who->name, sizeof who->name, "%s", store_col_text(s, 1));
	}
	store_reset(s);
	return rc == 1 ? 0 : (rc == 0 ? -ENOENT : rc);
}

/* Finds a member or guest by name (ignoring case); -ENOENT if none. */
static int participant_by_name(struct store *st, const char *meeting, const char *name,
			       struct auth_who *who)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, role, name FROM participant WHERE meeting = ? ORDER BY created, id");
	int rc, found = -ENOENT;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1) {
		if (!same_name(store_col_text(s, 2), name))
			continue;
		snprintf(who->meeting, sizeof who->meeting, "%s", meeting);
		snprintf(who->participant, sizeof who->participant, "%s", store_col_text(s, 0));
		who->role = auth_role_parse(store_col_text(s, 1));
		snprintf(who->name, sizeof who->name, "%s", store_col_text(s, 2));
		found = 0;
		break;
	}
	store_reset(s);
	return rc < 0 ? rc : found;
}

/* Checks the joining participant in, unless they are already. The first
 * check-in of anyone but the room display is an attendance change like the
 * secretary's: it goes into the event log (*event, in the caller's
 * transaction), so that the record shows who arrived when. */
static int checkin(struct store *st, const char *meeting, const struct auth_who *who,
		   json_t **event)
{
	char now[32];
	struct store_stmt *s = store_prepare(st,
		"UPDATE participant SET checked_in = ?, absent_reason = NULL "
		"WHERE id = ? AND checked_in IS NULL");

	if (!s)
		return -EIO;
	auth_now_iso(now, 0);
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, who->participant);
	int rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	if (store_changes(st) == 0 || who->role == ROLE_DISPLAY)
		return 0;
	return meeting_event_append(st, meeting, "attendance.changed", who->participant,
		json_pack("{s:s, s:b, s:s, s:s}", "participant", who->participant,
			  "present", 1, "checked_in", now, "via", "join"), event);
}

int meeting_join(struct store *st, const char *token, const char *name,
		 const char *participant, struct auth_who *who,
		 char session[AUTH_TOKEN_LEN + 1], json_t **events)
{
	char meeting[AUTH_ID_LEN + 1], pid[AUTH_ID_LEN + 1];
	char *clean = NULL;
	json_t *added = NULL, *arrived = NULL;
	bool personal;
	int rc;

	*events = NULL;
	rc = auth_token_lookup(st, token, meeting, pid, &personal);
	if (rc < 0)
		return rc;
	if (personal) {
		rc = participant_get(st, meeting, pid, who);
		if (rc < 0)
			return rc;
		goto open;
	}
	if (participant && *participant) {
		if (!auth_id_valid(participant))
			return -ENOENT;
		rc = participant_get(st, meeting, participant, who);
		if (rc < 0)
			return rc;
	} else {
		if (!name)
			return -EINVAL;
		clean = trimmed(name);
		if (!clean)
			return -ENOMEM;
		if (!meeting_text_ok(clean, AUTH_NAME_MAX, true)) {
			rc = -EINVAL;
			goto out;
		}
		rc = participant_by_name(st, meeting, clean, who);
		if (rc == -ENOENT) {
			json_t *m = meeting_row(st, meeting);
			bool guests = m && json_is_true(json_object_get(m, "guests"));
			json_decref(m);
			if (!guests) {
				rc = -EPERM;
				goto out;
			}
			rc = meeting_participant_add(st, meeting, clean, NULL, ROLE_GUEST,
						     NULL, pid, NULL, &added);
			if (rc < 0)
				goto out;
			rc = participant_get(st, meeting, pid, who);
		}
		if (rc < 0)
			goto out;
	}
	if (who->role != ROLE_MEMBER && who->role != ROLE_GUEST) {
		rc = -EPERM;
		goto out;
	}
open:
	rc = store_begin(st);
	if (rc < 0)
		goto out;
	rc = auth_session_new(st, meeting, who->participant, session);
	if (rc == 0)
		rc = checkin(st, meeting, who, &arrived);
	if (rc == 0)
		rc = store_commit(st);
	if (rc < 0) {
		store_rollback(st);
		json_decref(arrived);
		arrived = NULL;
	}
out:
	/* A guest added is logged (its own transaction) even if the session
	 * then failed: its event still goes out. */
	if (added || arrived) {
		*events = json_array();
		if (added)
			json_array_append_new(*events, added);
		if (arrived)
			json_array_append_new(*events, arrived);
	}
	free(clean);
	return rc;
}

/* ---- presentation ------------------------------------------------------- */

int meeting_present(struct store *st, const char *meeting, const char *actor,
		    const char *doc, int page, json_t **event)
{
	struct store_stmt *s;
	int rc;

	*event = NULL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	if (meeting_is_closed(st, meeting)) {
		rc = -EPERM;
		goto fail;
	}
	if (doc) {
		s = store_prepare(st, "SELECT pages FROM document WHERE id = ? AND meeting = ? "
				      "AND removed IS NULL");
		if (!s) {
			rc = -EIO;
			goto fail;
		}
		store_bind_text(s, 1, doc);
		store_bind_text(s, 2, meeting);
		rc = store_step(s);
		int64_t pages = rc == 1 ? store_col_int(s, 0) : 0;
		store_reset(s);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			rc = -ENOENT;
			goto fail;
		}
		if (page < 1 || page > pages) {
			rc = -ERANGE;
			goto fail;
		}
	} else {
		page = 0;
	}
	s = store_prepare(st, "UPDATE meeting SET presented_doc = ?, presented_page = ?, "
			      "presented_by = ? WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, doc);
	store_bind_int(s, 2, page);
	store_bind_text(s, 3, doc ? actor : NULL);
	store_bind_text(s, 4, meeting);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	json_t *fields = json_pack("{s:s?, s:i, s:s?}", "doc", doc, "page", page, "by", actor);
	return meeting_event_commit(st, meeting, "presented", actor, fields, event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int meeting_unpresent_doc(struct store *st, const char *meeting, const char *doc,
			  const char *actor, json_t **event)
{
	struct store_stmt *s;
	int rc;

	*event = NULL;
	s = store_prepare(st, "UPDATE meeting SET presented_doc = NULL, presented_page = 0, "
			      "presented_by = NULL WHERE id = ? AND presented_doc = ?");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, doc);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	if (store_changes(st) == 0)
		return 0;
	return meeting_event_append(st, meeting, "presented", actor,
				    json_pack("{s:n, s:i, s:s?}", "doc", "page", 0, "by", actor),
				    event);
}

bool meeting_is_closed(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st, "SELECT state = 'closed' FROM meeting WHERE id = ?");
	bool closed = false;

	if (!s)
		return false;
	store_bind_text(s, 1, meeting);
	if (store_step(s) == 1)
		closed = store_col_int(s, 0) != 0;
	store_reset(s);
	return closed;
}

/* ---- lifecycle and attendance ------------------------------------------ */

int meeting_state_get(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st, "SELECT state FROM meeting WHERE id = ?");
	int rc, v = -ENOENT;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1) {
		const char *t = store_col_text(s, 0);
		v = strcmp(t, "draft") == 0 ? 0 : strcmp(t, "live") == 0 ? 1 : 2;
	}
	store_reset(s);
	return rc < 0 ? rc : v;
}

/* Moves the meeting to `to` ("live" or "closed") and logs `type`. */
static int state_set(struct store *st, const char *meeting, const char *to,
		     const char *type, const char *actor, json_t **event)
{
	struct store_stmt *s;
	int rc, cur;

	*event = NULL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	cur = meeting_state_get(st, meeting);
	if (cur < 0) {
		rc = cur;
		goto fail;
	}
	bool opening = strcmp(to, "live") == 0;
	if (cur == 2) {
		rc = opening ? -EPERM : -EALREADY;
		goto fail;
	}
	if (opening && cur == 1) {
		rc = -EALREADY;
		goto fail;
	}
	s = store_prepare(st, "UPDATE meeting SET state = ? WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, to);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	return meeting_event_commit(st, meeting, type, actor, json_object(), event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int meeting_open(struct store *st, const char *meeting, const char *actor, json_t **event)
{
	return state_set(st, meeting, "live", "meeting.opened", actor, event);
}

/* What still runs in a meeting and would be stranded by closing it: 1 an
 * open vote (its ballots would be refused forever), 2 a speaker holding
 * the floor, 0 nothing. */
static int close_blocker(struct store *st, const char *meeting)
{
	static const char *const checks[] = {
		"SELECT 1 FROM poll WHERE meeting = ? AND state = 'open' LIMIT 1",
		"SELECT 1 FROM speaker_turn WHERE meeting = ? AND granted_at IS NOT NULL "
		"AND ended_at IS NULL LIMIT 1",
	};

	for (int i = 0; i < 2; i++) {
		struct store_stmt *s = store_prepare(st, checks[i]);
		if (!s)
			continue;
		store_bind_text(s, 1, meeting);
		int rc = store_step(s);
		store_reset(s);
		if (rc == 1)
			return i + 1;
	}
	return 0;
}

int meeting_close(struct store *st, const char *meeting, const char *actor, json_t **event)
{
	switch (close_blocker(st, meeting)) {
	case 1:
		*event = NULL;
		return -EBUSY;
	case 2:
		*event = NULL;
		return -EINPROGRESS;
	default:
		return state_set(st, meeting, "closed", "meeting.closed", actor, event);
	}
}

int meeting_attendance_set(struct store *st, const char *meeting, const char *participant,
			   bool present, const char *reason, const char *actor,
			   json_t **event)
{
	struct store_stmt *s;
	char now[32];
	int rc;

	*event = NULL;
	if (!present && !meeting_text_ok(reason, MEETING_TITLE_MAX, true))
		return -EINVAL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = meeting_state_get(st, meeting);
	if (rc < 0)
		goto fail;
	if (rc == 2) {
		rc = -EPERM;
		goto fail;
	}
	if (present)
		s = store_prepare(st, "UPDATE participant SET checked_in = COALESCE(checked_in, ?), "
				      "absent_reason = NULL WHERE id = ? AND meeting = ? "
				      "RETURNING checked_in");
	else
		s = store_prepare(st, "UPDATE participant SET checked_in = NULL, absent_reason = ? "
				      "WHERE id = ? AND meeting = ? RETURNING checked_in");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	auth_now_iso(now, 0);
	store_bind_text(s, 1, present ? now : reason);
	store_bind_text(s, 2, participant);
	store_bind_text(s, 3, meeting);
	rc = store_step(s);
	if (rc == 1 && present)
		snprintf(now, sizeof now, "%s", store_col_text(s, 0));
	store_reset(s);
	if (rc <= 0) {
		rc = rc == 0 ? -ENOENT : rc;
		goto fail;
	}
	json_t *fields = json_pack("{s:s, s:b}", "participant", participant, "present", present);
	if (fields && present)
		json_object_set_new(fields, "checked_in", json_string(now));
	if (fields && !present)
		json_object_set_new(fields, "reason", json_string(reason));
	return meeting_event_commit(st, meeting, "attendance.changed", actor, fields, event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

bool meeting_quorum_rule_ok(const char *rule)
{
	return rule && (strcmp(rule, "majority") == 0 || strcmp(rule, "two_thirds") == 0 ||
			strcmp(rule, "all") == 0);
}

int64_t meeting_quorum_needed(const char *rule, int64_t members)
{
	if (rule && strcmp(rule, "all") == 0)
		return members;
	if (rule && strcmp(rule, "two_thirds") == 0)
		return (2 * members + 2) / 3; /* ⌈2m/3⌉ */
	return members / 2 + 1;               /* more than half */
}

int meeting_quorum_get(struct store *st, const char *meeting, struct meeting_quorum *q)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT COUNT(p.id), COUNT(p.checked_in), m.quorum_rule FROM meeting m "
		"LEFT JOIN participant p ON p.meeting = m.id AND p.role IN ('chair','member') "
		"WHERE m.id = ? GROUP BY m.id");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1) {
		q->members = store_col_int(s, 0);
		q->present = store_col_int(s, 1);
		snprintf(q->rule, sizeof q->rule, "%s", store_col_text(s, 2));
		q->needed = meeting_quorum_needed(q->rule, q->members);
		q->reached = q->members > 0 && q->present >= q->needed;
	}
	store_reset(s);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : -ENOENT;
}

json_t *meeting_quorum_json(const struct meeting_quorum *q)
{
	return json_pack("{s:I, s:I, s:I, s:s, s:b}", "present", (json_int_t)q->present,
			 "members", (json_int_t)q->members, "needed", (json_int_t)q->needed,
			 "rule", q->rule, "reached", q->reached);
}

/* ---- the snapshot ------------------------------------------------------- */

json_t *meeting_state(struct store *st, const struct auth_key *key,
		      const char *public_url, const char *meeting)
{
	struct store_stmt *s;
	char room[AUTH_TOKEN_LEN + 1];
	json_t *state, *m, *agenda, *docs, *people, *presented = json_null();

	m = meeting_row(st, meeting);
	if (!m)
		return NULL;
	if (meeting_room_token(st, key, meeting, room) == 0) {
		char url[1024];
		snprintf(url, sizeof url, "%s/j/%s", public_url, room);
		json_object_set_new(m, "join_url", json_string(url));
	}

	agenda = json_array();
	s = store_prepare(st, "SELECT id, title, position, presenter, planned_minutes FROM item "
			      "WHERE meeting = ? ORDER BY position");
	if (s) {
		store_bind_text(s, 1, meeting);
		while (store_step(s) == 1)
			json_array_append_new(agenda, json_pack("{s:s, s:s, s:I, s:s, s:o}",
				"id", store_col_text(s, 0), "title", store_col_text(s, 1),
				"position", (json_int_t)store_col_int(s, 2),
				"presenter", store_col_text(s, 3),
				"planned_minutes", store_col_null(s, 4) ? json_null()
					: json_integer(store_col_int(s, 4))));
		store_reset(s);
	}

	docs = json_array();
	/* The outline, when the document's text has been indexed (search.c
	 * writes blob_outline). */
	s = store_prepare(st, "SELECT d.id, d.title, d.pages, d.item, d.confidential, o.outline, "
			      "d.sha256 FROM document d LEFT JOIN item i ON i.id = d.item "
			      "LEFT JOIN blob_outline o ON o.sha256 = d.sha256 WHERE d.meeting = ? "
			      "AND d.removed IS NULL ORDER BY i.position IS NULL, i.position, d.position, d.created");
	json_t *shas = json_object(); /* doc id → sha256, for the errors below */
	if (s) {
		store_bind_text(s, 1, meeting);
		while (store_step(s) == 1) {
			json_t *d = json_pack("{s:s, s:s, s:I, s:s?, s:b}",
				"id", store_col_text(s, 0), "title", store_col_text(s, 1),
				"pages", (json_int_t)store_col_int(s, 2), "item", store_col_text(s, 3),
				"confidential", store_col_int(s, 4) != 0);
			if (d && !store_col_null(s, 5))
				json_object_set_new(d, "outline", json_loads(store_col_text(s, 5), 0, NULL));
			json_object_set_new(shas, store_col_text(s, 0), json_string(store_col_text(s, 6)));
			json_array_append_new(docs, d);
		}
		store_reset(s);
	}
	/* Pages that could not be rendered, as the renderer explained it. */
	size_t di;
	json_t *d;
	json_array_foreach(docs, di, d) {
		const char *sha = json_string_value(json_object_get(shas,
			json_string_value(json_object_get(d, "id"))));
		s = sha ? store_prepare(st, "SELECT page, error FROM render_error WHERE sha256 = ? "
					    "ORDER BY page") : NULL;
		if (!s)
			continue;
		json_t *errors = json_array();
		store_bind_text(s, 1, sha);
		while (store_step(s) == 1)
			json_array_append_new(errors, json_pack("{s:I, s:s}",
				"page", (json_int_t)store_col_int(s, 0), "error", store_col_text(s, 1)));
		store_reset(s);
		json_object_set_new(d, "errors", errors);
	}
	json_decref(shas);

	people = json_array();
	s = store_prepare(st, "SELECT id, name, title, role, checked_in, absent_reason "
			      "FROM participant WHERE meeting = ? "
			      "ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'secretary' THEN 1 "
			      "WHEN 'member' THEN 2 WHEN 'guest' THEN 3 ELSE 4 END, name, id");
	if (s) {
		store_bind_text(s, 1, meeting);
		while (store_step(s) == 1) {
			json_t *p = participant_json(store_col_text(s, 0), store_col_text(s, 1),
						     store_col_text(s, 2),
						     auth_role_parse(store_col_text(s, 3)));
			json_object_set_new(p, "checked_in", store_col_null(s, 4) ? json_null() :
					    json_string(store_col_text(s, 4)));
			json_object_set_new(p, "absent", store_col_null(s, 5) ? json_null() :
					    json_string(store_col_text(s, 5)));
			json_array_append_new(people, p);
		}
		store_reset(s);
	}

	s = store_prepare(st, "SELECT presented_doc, presented_page, presented_by FROM meeting WHERE id = ?");
	if (s) {
		store_bind_text(s, 1, meeting);
		if (store_step(s) == 1 && !store_col_null(s, 0)) {
			json_decref(presented);
			presented = json_pack("{s:s, s:I, s:s?}", "doc", store_col_text(s, 0),
					      "page", (json_int_t)store_col_int(s, 1),
					      "by", store_col_text(s, 2));
		}
		store_reset(s);
	}

	struct meeting_quorum q = { 0 };
	meeting_quorum_get(st, meeting, &q);
	state = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "meeting", m, "agenda", agenda,
			  "documents", docs, "presented", presented, "participants", people,
			  "quorum", meeting_quorum_json(&q));
	return state;
}

json_t *meeting_list(struct store *st)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, title, starts, state FROM meeting ORDER BY created");
	json_t *a = json_array();

	if (!s)
		return a;
	while (store_step(s) == 1)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s?, s:s}",
			"id", store_col_text(s, 0), "title", store_col_text(s, 1),
			"starts", store_col_text(s, 2), "state", store_col_text(s, 3)));
	store_reset(s);
	return a;
}
