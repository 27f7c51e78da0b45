/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* console — see console.h. */
#include "console.h"
#include "log.h"
#include "meeting.h"
#include "roster_csv.h"
#include "search.h"
#include "staff.h"
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXT_MAX MEETING_TITLE_MAX /* bytes of a title, place, organisation */

/* ---- small helpers ------------------------------------------------------ */

static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A field of a body: absent (0, *present false), null (0, *v NULL), a
 * string (0, *v), anything else -EINVAL. */
static int opt_str(json_t *body, const char *key, bool *present, const char **v)
{
	json_t *j = json_object_get(body, key);

	*present = j != NULL;
	*v = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_string(j))
		return -EINVAL;
	*v = json_string_value(j);
	return 0;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Begins a change of an open meeting: 0, or -ENOENT / -EROFS / a store
 * error with the transaction rolled back. */
static int begin_change(struct store *st, const char *meeting)
{
	int rc = store_begin(st);

	if (rc < 0)
		return rc;
	rc = meeting_state_get(st, meeting);
	if (rc == 2)
		rc = -EROFS;
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	return 0;
}

/* Runs one statement with text parameters (NULL binds NULL; "#n" would be
 * confusing, so integers go through exec_int). Returns 0 or -errno. */
static int exec_text(struct store *st, const char *sql, int n, ...)
{
	struct store_stmt *s = store_prepare(st, sql);
	va_list ap;
	int rc;

	if (!s)
		return -EIO;
	va_start(ap, n);
	for (int i = 1; i <= n; i++)
		store_bind_text(s, i, va_arg(ap, const char *));
	va_end(ap);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

/* UPDATE … SET x = ?1 WHERE … = ?2 with an integer ?1. */
static int exec_int(struct store *st, const char *sql, int64_t v, const char *id)
{
	struct store_stmt *s = store_prepare(st, sql);
	int rc;

	if (!s)
		return -EIO;
	store_bind_int(s, 1, v);
	store_bind_text(s, 2, id);
	rc = store_step(s);
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static bool exists(struct store *st, const char *sql, const char *a, const char *b)
{
	struct store_stmt *s = store_prepare(st, sql);
	int rc;

	if (!s)
		return false;
	store_bind_text(s, 1, a);
	if (b)
		store_bind_text(s, 2, b);
	rc = store_step(s);
	store_reset(s);
	return rc == 1;
}

/* ASCII lower case of an email, into out. */
static void email_key(const char *email, char out[STAFF_EMAIL_MAX + 1])
{
	size_t n = 0;

	for (; email && *email && n < STAFF_EMAIL_MAX; email++)
		out[n++] = (*email >= 'A' && *email <= 'Z') ? (char)(*email + 32) : *email;
	out[n] = 0;
}

/* ---- times -------------------------------------------------------------- */

static bool utc_parse(const char *iso, time_t *t)
{
	struct tm tm = { 0 };

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return true;
}

void console_when(const char *starts, const char *ends, char *out, size_t len)
{
	struct tm a, b;
	time_t t, u;
	char x[64], y[64];

	out[0] = 0;
	if (!utc_parse(starts, &t))
		return;
	localtime_r(&t, &a);
	if (!utc_parse(ends, &u) || u < t) {
		strftime(out, len, "%H:%M, %d/%m/%Y", &a);
		return;
	}
	localtime_r(&u, &b);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday) {
		strftime(x, sizeof x, "%H:%M", &a);
		strftime(y, sizeof y, "%H:%M, %d/%m/%Y", &b);
	} else {
		strftime(x, sizeof x, "%H:%M, %d/%m/%Y", &a);
		strftime(y, sizeof y, "%H:%M, %d/%m/%Y", &b);
	}
	snprintf(out, len, "%s – %s", x, y);
}

/* The local date (YYYY-MM-DD) of a stored UTC time, "" when none. */
static void local_date(const char *iso, char out[16])
{
	struct tm tm;
	time_t t;

	out[0] = 0;
	if (!utc_parse(iso, &t))
		return;
	localtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static bool date_ok(const char *d)
{
	int y, m, day, n = 0;

	return d && sscanf(d, "%4d-%2d-%2d%n", &y, &m, &day, &n) == 3 && n == 10 && !d[10] &&
	       m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

/* ---- the meeting's fields ------------------------------------------------ */

/* The fields of a meeting a body may set, each with whether it was given. */
struct mfields {
	bool has_title, has_org, has_location, has_starts, has_ends, has_rule, has_guests, has_wifi;
	const char *title, *org, *location, *starts, *ends, *rule;
	const char *ssid, *password; /* has_wifi: NULL ssid removes it */
	bool guests;
	char starts_utc[32], ends_utc[32];
};

/* Reads and checks the meeting fields of `body`. Returns 0 or -EINVAL with
 * a sentence. */
static int mfields_read(json_t *body, struct mfields *f, char *err, size_t errlen)
{
	json_t *j;

	memset(f, 0, sizeof *f);
	if (opt_str(body, "title", &f->has_title, &f->title) < 0 ||
	    (f->has_title && !meeting_text_ok(f->title, TEXT_MAX, true)))
		return refuse(err, errlen, "the title must have 1 to 300 characters of text");
	if (opt_str(body, "org", &f->has_org, &f->org) < 0 ||
	    !meeting_text_ok(f->org, TEXT_MAX, false))
		return refuse(err, errlen, "the organisation may have at most 300 characters of text");
	if (opt_str(body, "location", &f->has_location, &f->location) < 0 ||
	    !meeting_text_ok(f->location, TEXT_MAX, false))
		return refuse(err, errlen, "the place may have at most 300 characters of text");
	if (opt_str(body, "starts", &f->has_starts, &f->starts) < 0 ||
	    (f->starts && *f->starts && meeting_time_parse(f->starts, f->starts_utc) < 0))
		return refuse(err, errlen, "the start must be a date and time such as "
					   "2026-12-01T08:30+07:00 (without a zone: the server's local time)");
	if (opt_str(body, "ends", &f->has_ends, &f->ends) < 0 ||
	    (f->ends && *f->ends && meeting_time_parse(f->ends, f->ends_utc) < 0))
		return refuse(err, errlen, "the end must be a date and time such as "
					   "2026-12-01T10:30+07:00 (without a zone: the server's local time)");
	if (f->starts && !*f->starts)
		f->starts = NULL;
	if (f->ends && !*f->ends)
		f->ends = NULL;
	if (opt_str(body, "quorum_rule", &f->has_rule, &f->rule) < 0 ||
	    (f->rule && !meeting_quorum_rule_ok(f->rule)) || (f->has_rule && !f->rule))
		return refuse(err, errlen, "the quorum rule must be majority, two_thirds or all");
	j = json_object_get(body, "guests");
	if (j) {
		if (!json_is_boolean(j))
			return refuse(err, errlen, "'guests' must be true or false");
		f->has_guests = true;
		f->guests = json_is_true(j);
	}
	j = json_object_get(body, "wifi");
	if (j) {
		f->has_wifi = true;
		if (json_is_object(j)) {
			json_t *ssid = json_object_get(j, "ssid"), *pw = json_object_get(j, "password");
			if (!json_is_string(ssid) || (pw && !json_is_null(pw) && !json_is_string(pw)))
				return refuse(err, errlen, "'wifi' must be {\"ssid\": \"…\", \"password\": \"…\"} or null");
			f->ssid = json_string_value(ssid);
			f->password = json_string_value(pw);
			if (f->password && !*f->password)
				f->password = NULL;
			/* IEEE 802.11: an SSID is 1 to 32 bytes; a WPA passphrase
			 * 8 to 63 printable characters. */
			if (!meeting_text_ok(f->ssid, 128, true) || strlen(f->ssid) > 32)
				return refuse(err, errlen, "the Wi-Fi name must have 1 to 32 bytes of text");
			if (f->password && (!meeting_text_ok(f->password, 252, true) ||
					    strlen(f->password) < 8 || strlen(f->password) > 63))
				return refuse(err, errlen, "the Wi-Fi password must have 8 to 63 characters "
							   "(leave it out for an open network)");
		} else if (!json_is_null(j)) {
			return refuse(err, errlen, "'wifi' must be {\"ssid\": \"…\", \"password\": \"…\"} or null");
		}
	}
	return 0;
}

/* ---- the console's view -------------------------------------------------- */

static json_t *doc_json(struct store_stmt *s, int col)
{
	return json_pack("{s:s, s:s, s:I, s:b}", "id", store_col_text(s, col),
			 "title", store_col_text(s, col + 1),
			 "pages", (json_int_t)store_col_int(s, col + 2),
			 "confidential", store_col_int(s, col + 3) != 0);
}

json_t *console_agenda_json(struct store *st, const char *meeting, bool with_docs)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, position, title, presenter, planned_minutes FROM item "
		"WHERE meeting = ? ORDER BY position");
	json_t *a = json_array(), *byid = json_object();

	if (!s)
		goto out;
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1) {
		json_t *it = json_pack("{s:s, s:I, s:s, s:s, s:o}", "id", store_col_text(s, 0),
			"position", (json_int_t)store_col_int(s, 1), "title", store_col_text(s, 2),
			"presenter", store_col_text(s, 3), "planned_minutes",
			store_col_null(s, 4) ? json_null() : json_integer(store_col_int(s, 4)));
		if (with_docs) {
			json_object_set_new(it, "documents", json_array());
			json_object_set(byid, store_col_text(s, 0), it);
		}
		json_array_append_new(a, it);
	}
	store_reset(s);
	if (!with_docs)
		goto out;
	s = store_prepare(st, "SELECT id, title, pages, confidential, item FROM document "
			      "WHERE meeting = ? AND removed IS NULL AND item IS NOT NULL "
			      "ORDER BY position, created");
	if (!s)
		goto out;
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1) {
		json_t *it = json_object_get(byid, store_col_text(s, 4));
		if (it)
			json_array_append_new(json_object_get(it, "documents"), doc_json(s, 0));
	}
	store_reset(s);
out:
	json_decref(byid);
	return a;
}

static json_t *unfiled_json(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st, "SELECT id, title, pages, confidential FROM document "
					     "WHERE meeting = ? AND removed IS NULL AND item IS NULL "
					     "ORDER BY position, created");
	json_t *a = json_array();

	if (!s)
		return a;
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1)
		json_array_append_new(a, doc_json(s, 0));
	store_reset(s);
	return a;
}

#define ROSTER_ORDER "ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'secretary' THEN 1 " \
	"WHEN 'member' THEN 2 WHEN 'guest' THEN 3 ELSE 4 END, name COLLATE NOCASE, id"

json_t *console_participants_json(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT id, name, title, org, role, email, checked_in, absent_reason, link_gen "
		"FROM participant WHERE meeting = ? " ROSTER_ORDER);
	json_t *a = json_array();

	if (!s)
		return a;
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1) {
		json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b}",
			"id", store_col_text(s, 0), "name", store_col_text(s, 1),
			"title", store_col_text(s, 2), "org", store_col_text(s, 3),
			"role", store_col_text(s, 4), "email", store_col_text(s, 5),
			"checked_in", store_col_text(s, 6), "absent", store_col_text(s, 7),
			"link", store_col_int(s, 8) > 0);
		json_array_append_new(a, p);
	}
	store_reset(s);
	return a;
}

static int64_t count_of(struct store *st, const char *sql, const char *meeting)
{
	struct store_stmt *s = store_prepare(st, sql);
	int64_t n = 0;

	if (!s)
		return 0;
	store_bind_text(s, 1, meeting);
	if (store_step(s) == 1)
		n = store_col_int(s, 0);
	store_reset(s);
	return n;
}

json_t *console_meeting_json(struct store *st, const struct auth_key *key,
			     const char *public_url, const char *meeting, bool detail)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT m.id, m.title, m.org, m.location, m.starts, m.ends, m.state, m.guests, "
		"m.quorum_rule, m.wifi_ssid, m.wifi_password, m.created, m.created_by, u.name "
		"FROM meeting m LEFT JOIN staff_user u ON u.id = m.created_by WHERE m.id = ?");
	char room[AUTH_TOKEN_LEN + 1], url[1200];
	json_t *m = NULL;

	if (!s)
		return NULL;
	store_bind_text(s, 1, meeting);
	if (store_step(s) == 1) {
		m = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:b, s:s, s:s}",
			"id", store_col_text(s, 0), "title", store_col_text(s, 1),
			"org", store_col_text(s, 2), "location", store_col_text(s, 3),
			"starts", store_col_text(s, 4), "ends", store_col_text(s, 5),
			"state", store_col_text(s, 6), "guests", (int)store_col_int(s, 7),
			"quorum_rule", store_col_text(s, 8), "created", store_col_text(s, 11));
		if (m) {
			json_object_set_new(m, "wifi", store_col_null(s, 9) ? json_null() :
				json_pack("{s:s, s:s?}", "ssid", store_col_text(s, 9),
					  "password", store_col_text(s, 10)));
			json_object_set_new(m, "created_by", store_col_null(s, 12) ? json_null() :
				json_pack("{s:s, s:s}", "id", store_col_text(s, 12),
					  "name", or_empty(store_col_text(s, 13))));
		}
	}
	store_reset(s);
	if (!m)
		return NULL;
	if (meeting_room_token(st, key, meeting, room) == 0) {
		snprintf(url, sizeof url, "%s/j/%s", public_url, room);
		json_object_set_new(m, "join_url", json_string(url));
	}
	json_object_set_new(m, "counts", json_pack("{s:I, s:I, s:I}",
		"participants", (json_int_t)count_of(st, "SELECT COUNT(*) FROM participant "
						     "WHERE meeting = ? AND role != 'display'", meeting),
		"items", (json_int_t)count_of(st, "SELECT COUNT(*) FROM item WHERE meeting = ?", meeting),
		"documents", (json_int_t)count_of(st, "SELECT COUNT(*) FROM document "
						  "WHERE meeting = ? AND removed IS NULL", meeting)));
	if (detail) {
		json_object_set_new(m, "agenda", console_agenda_json(st, meeting, true));
		json_object_set_new(m, "unfiled", unfiled_json(st, meeting));
		json_object_set_new(m, "participants", console_participants_json(st, meeting));
		json_object_set_new(m, "staff", staff_meeting_staff(st, meeting));
	}
	return m;
}

/* ---- the list ------------------------------------------------------------ */

/* true when every word of the folded query is in the folded title. */
static bool title_matches(const char *title, char *const *words, int nwords)
{
	char *folded;
	bool ok = true;

	if (nwords == 0)
		return true;
	folded = search_fold_new(title);
	if (!folded)
		return false;
	for (int i = 0; i < nwords && ok; i++)
		ok = strstr(folded, words[i]) != NULL;
	free(folded);
	return ok;
}

#define QUERY_WORDS_MAX 16

int console_meeting_list(struct store *st, const struct auth_key *key, const char *public_url,
			 const struct staff_user *u, const struct console_filter *f,
			 json_t **out, char *err, size_t errlen)
{
	static const char *const sql[] = {
		/* all */
		"SELECT m.id, m.title, m.starts FROM meeting m WHERE (?1 OR m.created_by = ?2 OR "
		"EXISTS (SELECT 1 FROM meeting_staff g WHERE g.meeting = m.id AND g.user = ?2)) "
		"ORDER BY COALESCE(m.starts, m.created) DESC, m.created DESC",
		/* upcoming */
		"SELECT m.id, m.title, m.starts FROM meeting m WHERE m.state = 'draft' AND (?1 OR "
		"m.created_by = ?2 OR EXISTS (SELECT 1 FROM meeting_staff g WHERE g.meeting = m.id "
		"AND g.user = ?2)) ORDER BY m.starts IS NULL, m.starts, m.created",
		/* live */
		"SELECT m.id, m.title, m.starts FROM meeting m WHERE m.state = 'live' AND (?1 OR "
		"m.created_by = ?2 OR EXISTS (SELECT 1 FROM meeting_staff g WHERE g.meeting = m.id "
		"AND g.user = ?2)) ORDER BY m.starts, m.created",
		/* past */
		"SELECT m.id, m.title, m.starts FROM meeting m WHERE m.state = 'closed' AND (?1 OR "
		"m.created_by = ?2 OR EXISTS (SELECT 1 FROM meeting_staff g WHERE g.meeting = m.id "
		"AND g.user = ?2)) ORDER BY COALESCE(m.starts, m.created) DESC, m.created DESC",
	};
	char *words[QUERY_WORDS_MAX];
	int nwords = 0, which = 0, rc;
	json_t *ids = NULL;
	struct store_stmt *s;

	*out = NULL;
	if (f->when && *f->when) {
		which = strcmp(f->when, "upcoming") == 0 ? 1 : strcmp(f->when, "live") == 0 ? 2 :
			strcmp(f->when, "past") == 0 ? 3 : -1;
		if (which < 0)
			return refuse(err, errlen, "'when' must be upcoming, live or past");
	}
	if ((f->from && *f->from && !date_ok(f->from)) || (f->to && *f->to && !date_ok(f->to)))
		return refuse(err, errlen, "'from' and 'to' are dates such as 2026-12-01");
	if (f->q && *f->q) {
		if (!meeting_text_ok(f->q, 800, true))
			return refuse(err, errlen, "the search must have 1 to 200 characters of text");
		/* Words apart by spaces, or by '+' (a form's encoding of a space). */
		char *folded = search_fold_new(f->q), *save = NULL;
		if (!folded)
			return -ENOMEM;
		for (char *w = strtok_r(folded, " \t+", &save); w && nwords < QUERY_WORDS_MAX;
		     w = strtok_r(NULL, " \t+", &save)) {
			words[nwords] = strdup(w);
			if (words[nwords])
				nwords++;
		}
		free(folded);
	}
	s = store_prepare(st, sql[which]);
	if (!s) {
		rc = -EIO;
		goto out;
	}
	ids = json_array();
	store_bind_int(s, 1, u->role == STAFF_ADMIN);
	store_bind_text(s, 2, u->id);
	while ((rc = store_step(s)) == 1 && json_array_size(ids) < CONSOLE_LIST_MAX) {
		char day[16];
		if (!title_matches(store_col_text(s, 1), words, nwords))
			continue;
		local_date(store_col_text(s, 2), day);
		if (f->from && *f->from && (!day[0] || strcmp(day, f->from) < 0))
			continue;
		if (f->to && *f->to && (!day[0] || strcmp(day, f->to) > 0))
			continue;
		json_array_append_new(ids, json_string(store_col_text(s, 0)));
	}
	store_reset(s);
	if (rc < 0)
		goto out;
	*out = json_array();
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id) {
		json_t *m = console_meeting_json(st, key, public_url, json_string_value(id), false);
		if (m)
			json_array_append_new(*out, m);
	}
	rc = 0;
out:
	json_decref(ids);
	for (int k = 0; k < nwords; k++)
		free(words[k]);
	return rc;
}

/* ---- creating, editing, cloning ------------------------------------------ */

int console_meeting_create(struct store *st, const struct auth_key *key,
			   const struct staff_user *u, json_t *body,
			   char id[AUTH_ID_LEN + 1], char *err, size_t errlen)
{
	struct mfields f;
	struct meeting_created made;
	const char *chair = NULL, *secretary = NULL, **agenda = NULL;
	char actor[STAFF_ACTOR_LEN + 1];
	json_t *items = json_object_get(body, "agenda");
	bool present;
	int rc, n = 0;

	rc = mfields_read(body, &f, err, errlen);
	if (rc < 0)
		return rc;
	if (!f.title)
		return refuse(err, errlen, "the title must have 1 to 300 characters of text");
	if (f.starts && f.ends && strcmp(f.ends_utc, f.starts_utc) < 0)
		return refuse(err, errlen, "the end cannot be before the start");
	if (opt_str(body, "chair", &present, &chair) < 0 ||
	    !meeting_text_ok(chair, AUTH_NAME_MAX, false) ||
	    opt_str(body, "secretary", &present, &secretary) < 0 ||
	    !meeting_text_ok(secretary, AUTH_NAME_MAX, false))
		return refuse(err, errlen, "the chair's and the secretary's names may have at most "
					   "100 characters of text");
	if (items && !json_is_null(items)) {
		if (!json_is_array(items) || json_array_size(items) > 200)
			return refuse(err, errlen, "'agenda' must be a list of at most 200 item titles");
		agenda = calloc(json_array_size(items) + 1, sizeof *agenda);
		if (!agenda)
			return -ENOMEM;
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *t = json_string_value(json_array_get(items, i));
			if (!meeting_text_ok(t, TEXT_MAX, true)) {
				free(agenda);
				return refuse(err, errlen, "agenda item %zu must have 1 to 300 characters "
							   "of text", i + 1);
			}
			agenda[n++] = t;
		}
	}
	staff_actor(u->id, actor);
	struct meeting_new m = {
		.title = f.title, .org = f.org, .location = f.location, .starts = f.starts,
		.ends = f.ends, .guests = f.guests, .chair = chair, .secretary = secretary,
		.agenda = agenda, .nagenda = n, .quorum_rule = f.rule,
		.wifi_ssid = f.ssid, .wifi_password = f.password,
		.created_by = u->id, .actor = actor, .derived_links = true,
	};
	rc = meeting_create(st, key, &m, &made);
	free(agenda);
	if (rc == -EINVAL)
		return refuse(err, errlen, "the meeting's details are not valid");
	if (rc < 0)
		return rc;
	snprintf(id, AUTH_ID_LEN + 1, "%s", made.id);
	return 0;
}

int console_meeting_edit(struct store *st, const char *meeting, const char *actor,
			 json_t *body, char *err, size_t errlen, json_t **event)
{
	struct mfields f;
	struct store_stmt *s;
	char starts[32] = "", ends[32] = "";
	json_t *changed = NULL;
	int rc;

	*event = NULL;
	rc = mfields_read(body, &f, err, errlen);
	if (rc < 0)
		return rc;
	if (f.has_title && !f.title)
		return refuse(err, errlen, "the title must have 1 to 300 characters of text");
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	s = store_prepare(st, "SELECT title, org, location, starts, ends, quorum_rule, guests, "
			      "wifi_ssid, wifi_password FROM meeting WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	changed = json_array();
	store_bind_text(s, 1, meeting);
	if (store_step(s) != 1) {
		store_reset(s);
		rc = -ENOENT;
		goto fail;
	}
	/* What changes, by comparing with what is stored. */
	struct { bool on; const char *name, *now, *want; } text[] = {
		{ f.has_title, "title", store_col_text(s, 0), f.title },
		{ f.has_org, "org", store_col_text(s, 1), or_empty(f.org) },
		{ f.has_location, "location", store_col_text(s, 2), or_empty(f.location) },
		{ f.has_starts, "starts", store_col_text(s, 3), f.starts ? f.starts_utc : NULL },
		{ f.has_ends, "ends", store_col_text(s, 4), f.ends ? f.ends_utc : NULL },
		{ f.has_rule, "quorum_rule", store_col_text(s, 5), f.rule },
	};
	char *now[6];
	for (int i = 0; i < 6; i++)
		now[i] = text[i].now ? strdup(text[i].now) : NULL;
	int64_t guests = store_col_int(s, 6);
	char *ssid = store_col_null(s, 7) ? NULL : strdup(store_col_text(s, 7));
	char *pw = store_col_null(s, 8) ? NULL : strdup(store_col_text(s, 8));
	store_reset(s);
	snprintf(starts, sizeof starts, "%s", f.has_starts ? or_empty(f.starts ? f.starts_utc : NULL)
							    : or_empty(now[3]));
	snprintf(ends, sizeof ends, "%s", f.has_ends ? or_empty(f.ends ? f.ends_utc : NULL)
						     : or_empty(now[4]));
	for (int i = 0; i < 6 && rc == 0; i++) {
		static const char *const upd[] = {
			"UPDATE meeting SET title = ? WHERE id = ?",
			"UPDATE meeting SET org = ? WHERE id = ?",
			"UPDATE meeting SET location = ? WHERE id = ?",
			"UPDATE meeting SET starts = ? WHERE id = ?",
			"UPDATE meeting SET ends = ? WHERE id = ?",
			"UPDATE meeting SET quorum_rule = ? WHERE id = ?",
		};
		if (!text[i].on)
			continue;
		bool same = (!now[i] && !text[i].want) ||
			    (now[i] && text[i].want && strcmp(now[i], text[i].want) == 0);
		if (same)
			continue;
		rc = exec_text(st, upd[i], 2, text[i].want, meeting);
		json_array_append_new(changed, json_string(text[i].name));
	}
	if (rc == 0 && f.has_guests && (guests != 0) != f.guests) {
		rc = exec_int(st, "UPDATE meeting SET guests = ? WHERE id = ?", f.guests, meeting);
		json_array_append_new(changed, json_string("guests"));
	}
	if (rc == 0 && f.has_wifi) {
		bool same = (!ssid && !f.ssid) ||
			    (ssid && f.ssid && strcmp(ssid, f.ssid) == 0 &&
			     ((!pw && !f.password) || (pw && f.password && strcmp(pw, f.password) == 0)));
		if (!same) {
			rc = exec_text(st, "UPDATE meeting SET wifi_ssid = ?, wifi_password = ? WHERE id = ?",
				       3, f.ssid, f.ssid ? f.password : NULL, meeting);
			json_array_append_new(changed, json_string("wifi"));
		}
	}
	for (int i = 0; i < 6; i++)
		free(now[i]);
	free(ssid);
	free(pw);
	if (rc < 0)
		goto fail;
	if (starts[0] && ends[0] && strcmp(ends, starts) < 0) {
		rc = refuse(err, errlen, "the end cannot be before the start");
		goto fail;
	}
	if (json_array_size(changed) == 0) {
		json_decref(changed);
		store_rollback(st);
		return 0;
	}
	json_t *row = NULL;
	s = store_prepare(st, "SELECT title, org, location, starts, ends, quorum_rule, guests "
			      "FROM meeting WHERE id = ?");
	if (s) {
		store_bind_text(s, 1, meeting);
		if (store_step(s) == 1)
			row = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:b}",
				"title", store_col_text(s, 0), "org", store_col_text(s, 1),
				"location", store_col_text(s, 2), "starts", store_col_text(s, 3),
				"ends", store_col_text(s, 4), "quorum_rule", store_col_text(s, 5),
				"guests", (int)store_col_int(s, 6));
		store_reset(s);
	}
	/* The names of what changed and the new public details; the Wi-Fi
	 * only by name (its password stays out of the log). */
	return meeting_event_commit(st, meeting, "meeting.edited", actor,
				    json_pack("{s:o, s:o}", "fields", changed,
					      "meeting", row ? row : json_object()), event);
fail:
	json_decref(changed);
	meeting_tx_abort(st, event);
	return rc;
}

/* Inserts a participant with a derived link (generation 1) and its token,
 * inside the caller's transaction. */
static int person_insert(struct store *st, const struct auth_key *key, const char *meeting,
			 const char *name, const char *title, const char *org, enum auth_role role,
			 const char *email, char id[AUTH_ID_LEN + 1], char token[AUTH_TOKEN_LEN + 1])
{
	char now[32];
	struct store_stmt *s = store_prepare(st,
		"INSERT INTO participant (id, meeting, name, title, org, role, email, link_gen, created) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)");
	int rc;

	if (!s)
		return -EIO;
	auth_id_new(id);
	auth_now_iso(now, 0);
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, name);
	store_bind_text(s, 4, or_empty(title));
	store_bind_text(s, 5, or_empty(org));
	store_bind_text(s, 6, auth_role_name(role));
	store_bind_text(s, 7, email && *email ? email : NULL);
	store_bind_text(s, 8, now);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	auth_personal_token(key, id, 1, token);
	return auth_token_store(st, token, meeting, "personal", id);
}

int console_meeting_clone(struct store *st, const struct auth_key *key,
			  const struct staff_user *u, const char *src, json_t *body,
			  char id[AUTH_ID_LEN + 1], char *err, size_t errlen)
{
	struct mfields f;
	struct meeting_created made;
	struct store_stmt *s;
	char actor[STAFF_ACTOR_LEN + 1];
	json_t *m = NULL, *items = NULL, *people = NULL;
	int rc;

	rc = mfields_read(body, &f, err, errlen);
	if (rc < 0)
		return rc;
	if (f.starts && f.ends && strcmp(f.ends_utc, f.starts_utc) < 0)
		return refuse(err, errlen, "the end cannot be before the start");
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	s = store_prepare(st, "SELECT title, org, location, guests, quorum_rule, wifi_ssid, "
			      "wifi_password FROM meeting WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, src);
	if (store_step(s) == 1)
		m = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s?, s:s?}", "title", store_col_text(s, 0),
			      "org", store_col_text(s, 1), "location", store_col_text(s, 2),
			      "guests", (int)store_col_int(s, 3), "rule", store_col_text(s, 4),
			      "ssid", store_col_text(s, 5), "password", store_col_text(s, 6));
	store_reset(s);
	if (!m) {
		rc = -ENOENT;
		goto fail;
	}
	staff_actor(u->id, actor);
	struct meeting_new n = {
		.title = f.title ? f.title : json_string_value(json_object_get(m, "title")),
		.org = json_string_value(json_object_get(m, "org")),
		.location = json_string_value(json_object_get(m, "location")),
		.starts = f.starts, .ends = f.ends,
		.guests = json_is_true(json_object_get(m, "guests")),
		.quorum_rule = json_string_value(json_object_get(m, "rule")),
		.wifi_ssid = json_string_value(json_object_get(m, "ssid")),
		.wifi_password = json_string_value(json_object_get(m, "password")),
		/* The officers come from the roster below, with their details. */
		.chair = NULL, .secretary = NULL, .agenda = NULL, .nagenda = 0,
		.created_by = u->id, .actor = actor, .derived_links = true,
	};
	rc = meeting_create_tx(st, key, &n, &made);
	if (rc < 0)
		goto fail;
	/* meeting_create_tx made a chair and a secretary named by default:
	 * the clone's roster replaces them. */
	rc = exec_text(st, "DELETE FROM token WHERE meeting = ? AND participant IN (SELECT id FROM "
			   "participant WHERE meeting = ? AND role IN ('chair','secretary'))",
		       2, made.id, made.id);
	if (rc == 0)
		rc = exec_text(st, "DELETE FROM participant WHERE meeting = ? AND "
				   "role IN ('chair','secretary')", 1, made.id);
	if (rc < 0)
		goto fail;

	items = json_array();
	s = store_prepare(st, "SELECT title, presenter, planned_minutes FROM item WHERE meeting = ? "
			      "ORDER BY position");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, src);
	while (store_step(s) == 1)
		json_array_append_new(items, json_pack("{s:s, s:s, s:I}", "title", store_col_text(s, 0),
			"presenter", store_col_text(s, 1),
			"minutes", store_col_null(s, 2) ? (json_int_t)-1 : (json_int_t)store_col_int(s, 2)));
	store_reset(s);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char item[AUTH_ID_LEN + 1];
		s = store_prepare(st, "INSERT INTO item (id, meeting, position, title, presenter, "
				      "planned_minutes) VALUES (?, ?, ?, ?, ?, ?)");
		if (!s) {
			rc = -EIO;
			goto fail;
		}
		auth_id_new(item);
		store_bind_text(s, 1, item);
		store_bind_text(s, 2, made.id);
		store_bind_int(s, 3, (int64_t)i + 1);
		store_bind_text(s, 4, json_string_value(json_object_get(it, "title")));
		store_bind_text(s, 5, json_string_value(json_object_get(it, "presenter")));
		json_int_t mins = json_integer_value(json_object_get(it, "minutes"));
		if (mins >= 0)
			store_bind_int(s, 6, mins);
		rc = store_step(s);
		store_reset(s);
		if (rc < 0)
			goto fail;
	}

	/* Everyone but the display and the guests who joined by name (their
	 * link was never made: link_gen 0 and no personal token). */
	people = json_array();
	s = store_prepare(st, "SELECT p.name, p.title, p.org, p.role, p.email FROM participant p "
			      "WHERE p.meeting = ? AND p.role != 'display' AND NOT (p.role = 'guest' AND "
			      "p.link_gen = 0 AND NOT EXISTS (SELECT 1 FROM token t WHERE "
			      "t.participant = p.id AND t.kind = 'personal')) " ROSTER_ORDER);
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, src);
	while (store_step(s) == 1)
		json_array_append_new(people, json_pack("{s:s, s:s, s:s, s:s, s:s?}",
			"name", store_col_text(s, 0), "title", store_col_text(s, 1),
			"org", store_col_text(s, 2), "role", store_col_text(s, 3),
			"email", store_col_text(s, 4)));
	store_reset(s);
	json_array_foreach(people, i, it) {
		char pid[AUTH_ID_LEN + 1], token[AUTH_TOKEN_LEN + 1];
		rc = person_insert(st, key, made.id, json_string_value(json_object_get(it, "name")),
				   json_string_value(json_object_get(it, "title")),
				   json_string_value(json_object_get(it, "org")),
				   auth_role_parse(json_string_value(json_object_get(it, "role"))),
				   json_string_value(json_object_get(it, "email")), pid, token);
		if (rc < 0)
			goto fail;
	}
	rc = meeting_event_commit(st, made.id, "meeting.cloned", actor,
				  json_pack("{s:s, s:I, s:I}", "from", src,
					    "items", (json_int_t)json_array_size(items),
					    "participants", (json_int_t)json_array_size(people)), NULL);
	if (rc == 0)
		snprintf(id, AUTH_ID_LEN + 1, "%s", made.id);
	json_decref(m);
	json_decref(items);
	json_decref(people);
	return rc;
fail:
	store_rollback(st);
	json_decref(m);
	json_decref(items);
	json_decref(people);
	if (rc == -EINVAL)
		refuse(err, errlen, "the meeting's details are not valid");
	return rc;
}

/* ---- staff on a meeting -------------------------------------------------- */

int console_grant(struct store *st, const char *meeting, const char *email,
		  const struct staff_user *by, json_t **event)
{
	struct staff_user u;
	char actor[STAFF_ACTOR_LEN + 1];
	int rc;

	*event = NULL;
	if (staff_user_by_email(st, email, &u) < 0)
		return -ENOENT;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = staff_grant(st, meeting, u.id, by->id);
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	staff_actor(by->id, actor);
	return meeting_event_commit(st, meeting, "meeting.staff", actor,
				    json_pack("{s:s, s:s, s:b}", "user", u.id, "name", u.name,
					      "given", 1), event);
}

int console_revoke(struct store *st, const char *meeting, const char *user,
		   const struct staff_user *by, json_t **event)
{
	char actor[STAFF_ACTOR_LEN + 1], name[AUTH_NAME_MAX + 1];
	int rc;

	*event = NULL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	rc = staff_revoke(st, meeting, user);
	if (rc < 0) {
		store_rollback(st);
		return rc;
	}
	staff_name_of(st, user, name, sizeof name);
	staff_actor(by->id, actor);
	return meeting_event_commit(st, meeting, "meeting.staff", actor,
				    json_pack("{s:s, s:s, s:b}", "user", user, "name", name,
					      "given", 0), event);
}

/* ---- agenda ------------------------------------------------------------- */

static int64_t item_count(struct store *st, const char *meeting)
{
	return count_of(st, "SELECT COUNT(*) FROM item WHERE meeting = ?", meeting);
}

/* Ends an agenda change: the whole agenda in `agenda.changed`. */
static int agenda_commit(struct store *st, const char *meeting, const char *actor,
			 const char *change, const char *item, json_t **event)
{
	return meeting_event_commit(st, meeting, "agenda.changed", actor,
				    json_pack("{s:s, s:s, s:o}", "change", change, "item", item,
					      "agenda", console_agenda_json(st, meeting, false)),
				    event);
}

/* Reads an item's fields from body; `need_title` for a new item. */
static int item_fields(json_t *body, bool need_title, const char **title, bool *has_title,
		       const char **presenter, bool *has_presenter, int64_t *minutes,
		       bool *has_minutes, char *err, size_t errlen)
{
	json_t *j;

	if (opt_str(body, "title", has_title, title) < 0 ||
	    ((*has_title || need_title) && !meeting_text_ok(*title, TEXT_MAX, true)))
		return refuse(err, errlen, "an agenda item's title must have 1 to 300 characters of text");
	if (opt_str(body, "presenter", has_presenter, presenter) < 0 ||
	    !meeting_text_ok(*presenter, AUTH_NAME_MAX, false))
		return refuse(err, errlen, "the presenter's name may have at most 100 characters of text");
	j = json_object_get(body, "planned_minutes");
	*has_minutes = j != NULL;
	*minutes = -1;
	if (j && !json_is_null(j)) {
		if (!json_is_integer(j) || json_integer_value(j) < 1 ||
		    json_integer_value(j) > CONSOLE_PLANNED_MAX)
			return refuse(err, errlen, "the planned minutes must be a whole number from 1 to %d",
				      CONSOLE_PLANNED_MAX);
		*minutes = json_integer_value(j);
	}
	return 0;
}

/* Moves the items at positions >= from by `by` (+1 or -1) without breaking
 * UNIQUE (meeting, position): through negative positions first. */
static int shift_items(struct store *st, const char *meeting, int64_t from, int by)
{
	struct store_stmt *s = store_prepare(st, "UPDATE item SET position = -(position + ?) "
					     "WHERE meeting = ? AND position >= ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_int(s, 1, by);
	store_bind_text(s, 2, meeting);
	store_bind_int(s, 3, from);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		return rc;
	return exec_text(st, "UPDATE item SET position = -position WHERE meeting = ? AND position < 0",
			 1, meeting);
}

int console_agenda_add(struct store *st, const char *meeting, const char *actor, json_t *body,
		       char item[AUTH_ID_LEN + 1], char *err, size_t errlen, json_t **event)
{
	const char *title = NULL, *presenter = NULL;
	bool has_title = false, has_presenter = false, has_minutes = false;
	int64_t minutes = 0, n, pos;
	json_t *j = json_object_get(body, "position");
	struct store_stmt *s;
	int rc;

	*event = NULL;
	rc = item_fields(body, true, &title, &has_title, &presenter, &has_presenter, &minutes,
			 &has_minutes, err, errlen);
	if (rc < 0)
		return rc;
	if (j && !json_is_null(j) && !json_is_integer(j))
		return refuse(err, errlen, "'position' must be a whole number");
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	n = item_count(st, meeting);
	pos = j && json_is_integer(j) ? json_integer_value(j) : n + 1;
	if (pos < 1 || pos > n + 1) {
		rc = refuse(err, errlen, "'position' must be from 1 to %lld", (long long)n + 1);
		goto fail;
	}
	if (n >= 200) {
		rc = refuse(err, errlen, "an agenda has at most 200 items");
		goto fail;
	}
	rc = shift_items(st, meeting, pos, 1);
	if (rc < 0)
		goto fail;
	s = store_prepare(st, "INSERT INTO item (id, meeting, position, title, presenter, planned_minutes) "
			      "VALUES (?, ?, ?, ?, ?, ?)");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	auth_id_new(item);
	store_bind_text(s, 1, item);
	store_bind_text(s, 2, meeting);
	store_bind_int(s, 3, pos);
	store_bind_text(s, 4, title);
	store_bind_text(s, 5, or_empty(presenter));
	if (minutes > 0)
		store_bind_int(s, 6, minutes);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	return agenda_commit(st, meeting, actor, "added", item, event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int console_agenda_edit(struct store *st, const char *meeting, const char *item,
			const char *actor, json_t *body, char *err, size_t errlen, json_t **event)
{
	const char *title = NULL, *presenter = NULL;
	bool has_title = false, has_presenter = false, has_minutes = false;
	int64_t minutes = 0;
	int rc;

	*event = NULL;
	rc = item_fields(body, false, &title, &has_title, &presenter, &has_presenter, &minutes,
			 &has_minutes, err, errlen);
	if (rc < 0)
		return rc;
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	if (!meeting_item_belongs(st, meeting, item)) {
		rc = -ENOENT;
		goto fail;
	}
	if (has_title)
		rc = exec_text(st, "UPDATE item SET title = ? WHERE id = ?", 2, title, item);
	if (rc == 0 && has_presenter)
		rc = exec_text(st, "UPDATE item SET presenter = ? WHERE id = ?", 2, or_empty(presenter),
			       item);
	if (rc == 0 && has_minutes && minutes > 0)
		rc = exec_int(st, "UPDATE item SET planned_minutes = ? WHERE id = ?", minutes, item);
	if (rc == 0 && has_minutes && minutes <= 0)
		rc = exec_text(st, "UPDATE item SET planned_minutes = NULL WHERE id = ?", 1, item);
	if (rc < 0)
		goto fail;
	return agenda_commit(st, meeting, actor, "edited", item, event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int console_agenda_remove(struct store *st, const char *meeting, const char *item,
			  const char *actor, json_t **event)
{
	struct store_stmt *s;
	int64_t pos = 0;
	int rc;

	*event = NULL;
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	s = store_prepare(st, "SELECT position FROM item WHERE id = ? AND meeting = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_text(s, 1, item);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc == 1)
		pos = store_col_int(s, 0);
	store_reset(s);
	if (rc <= 0) {
		rc = rc == 0 ? -ENOENT : rc;
		goto fail;
	}
	if (exists(st, "SELECT 1 FROM minutes WHERE meeting = ? AND item = ? AND text != ''",
		   meeting, item)) {
		rc = -EBUSY;
		goto fail;
	}
	/* Its documents stay in the meeting, after those without an item. */
	int64_t last = count_of(st, "SELECT COALESCE(MAX(position), 0) FROM document "
				    "WHERE meeting = ? AND item IS NULL", meeting);
	s = store_prepare(st, "UPDATE document SET item = NULL, position = position + ? "
			      "WHERE meeting = ? AND item = ?");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	store_bind_int(s, 1, last);
	store_bind_text(s, 2, meeting);
	store_bind_text(s, 3, item);
	rc = store_step(s);
	store_reset(s);
	if (rc == 0)
		rc = exec_text(st, "DELETE FROM minutes WHERE meeting = ? AND item = ?", 2, meeting, item);
	if (rc == 0)
		rc = exec_text(st, "DELETE FROM item WHERE id = ?", 1, item);
	if (rc == 0)
		rc = shift_items(st, meeting, pos + 1, -1);
	if (rc < 0)
		goto fail;
	return agenda_commit(st, meeting, actor, "removed", item, event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

int console_agenda_order(struct store *st, const char *meeting, const char *actor,
			 json_t *items, char *err, size_t errlen, json_t **event)
{
	size_t i, n = json_array_size(items);
	json_t *it, *seen = NULL;
	int rc;

	*event = NULL;
	if (!json_is_array(items))
		return refuse(err, errlen, "'items' must list the agenda's items in their new order");
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	seen = json_object();
	if ((int64_t)n != item_count(st, meeting)) {
		rc = refuse(err, errlen, "'items' must list every item of the agenda exactly once");
		goto fail;
	}
	json_array_foreach(items, i, it) {
		const char *id = json_string_value(it);
		if (!id || !auth_id_valid(id) || json_object_get(seen, id) ||
		    !meeting_item_belongs(st, meeting, id)) {
			rc = refuse(err, errlen, "'items' must list every item of the agenda exactly once");
			goto fail;
		}
		json_object_set_new(seen, id, json_true());
	}
	rc = exec_text(st, "UPDATE item SET position = -position WHERE meeting = ?", 1, meeting);
	json_array_foreach(items, i, it) {
		if (rc == 0)
			rc = exec_int(st, "UPDATE item SET position = ? WHERE id = ?", (int64_t)i + 1,
				      json_string_value(it));
	}
	if (rc < 0)
		goto fail;
	json_decref(seen);
	return agenda_commit(st, meeting, actor, "moved", n ? json_string_value(json_array_get(items, 0))
							    : "", event);
fail:
	json_decref(seen);
	meeting_tx_abort(st, event);
	return rc;
}

/* ---- roster ------------------------------------------------------------- */

/* The public face of a participant, as `participant.added` carries it. */
static json_t *person_json(const char *id, const char *name, const char *title, const char *role)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", name, "title", or_empty(title),
			 "role", role);
}

/* Reads a participant's fields; `need_name` for a new one. */
struct pfields {
	bool has_name, has_title, has_org, has_role, has_email;
	const char *name, *title, *org, *role, *email;
	char *clean; /* the trimmed name (owned) */
};

static char *trim_dup(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

static int pfields_read(json_t *body, bool need_name, struct pfields *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	if (opt_str(body, "name", &f->has_name, &f->name) < 0)
		return refuse(err, errlen, "the name must be text");
	if (f->name) {
		f->clean = trim_dup(f->name);
		if (!f->clean)
			return -ENOMEM;
	}
	if ((f->has_name || need_name) && !meeting_text_ok(f->clean, AUTH_NAME_MAX, true))
		return refuse(err, errlen, "the name must have 1 to 100 characters of text");
	if (opt_str(body, "title", &f->has_title, &f->title) < 0 ||
	    !meeting_text_ok(f->title, TEXT_MAX, false))
		return refuse(err, errlen, "the title may have at most 300 characters of text");
	if (opt_str(body, "org", &f->has_org, &f->org) < 0 || !meeting_text_ok(f->org, TEXT_MAX, false))
		return refuse(err, errlen, "the organisation may have at most 300 characters of text");
	if (opt_str(body, "role", &f->has_role, &f->role) < 0 ||
	    (f->role && (auth_role_parse(f->role) == ROLE_NONE ||
			 auth_role_parse(f->role) == ROLE_DISPLAY)) ||
	    (f->has_role && !f->role))
		return refuse(err, errlen, "the role must be chair, secretary, member or guest");
	if (opt_str(body, "email", &f->has_email, &f->email) < 0 ||
	    (f->email && *f->email && !staff_email_ok(f->email)))
		return refuse(err, errlen, "the email is not an email address");
	if (f->email && !*f->email)
		f->email = NULL;
	return 0;
}

/* The participant's role in the meeting, or ROLE_NONE when not in it. */
static enum auth_role role_in(struct store *st, const char *meeting, const char *participant)
{
	struct store_stmt *s = store_prepare(st, "SELECT role FROM participant WHERE id = ? AND meeting = ?");
	enum auth_role role = ROLE_NONE;

	if (!s || !auth_id_valid(participant))
		return ROLE_NONE;
	store_bind_text(s, 1, participant);
	store_bind_text(s, 2, meeting);
	if (store_step(s) == 1)
		role = auth_role_parse(store_col_text(s, 0));
	store_reset(s);
	return role;
}

int console_participant_add(struct store *st, const struct auth_key *key, const char *meeting,
			    const char *actor, json_t *body, char id[AUTH_ID_LEN + 1],
			    char token[AUTH_TOKEN_LEN + 1], char *err, size_t errlen,
			    json_t **event)
{
	struct pfields f;
	const char *role;
	int rc;

	*event = NULL;
	rc = pfields_read(body, true, &f, err, errlen);
	if (rc < 0)
		goto out;
	role = f.role ? f.role : "member";
	rc = begin_change(st, meeting);
	if (rc < 0)
		goto out;
	rc = person_insert(st, key, meeting, f.clean, f.title, f.org, auth_role_parse(role), f.email,
			   id, token);
	if (rc < 0) {
		meeting_tx_abort(st, event);
		goto out;
	}
	rc = meeting_event_commit(st, meeting, "participant.added", actor,
				  json_pack("{s:o}", "participant",
					    person_json(id, f.clean, f.title, role)), event);
out:
	free(f.clean);
	return rc;
}

int console_participant_edit(struct store *st, const char *meeting, const char *participant,
			     const char *actor, json_t *body, char *err, size_t errlen,
			     json_t **event)
{
	struct pfields f;
	struct store_stmt *s;
	enum auth_role role;
	int rc;

	*event = NULL;
	rc = pfields_read(body, false, &f, err, errlen);
	if (rc < 0)
		goto out;
	rc = begin_change(st, meeting);
	if (rc < 0)
		goto out;
	role = role_in(st, meeting, participant);
	if (role == ROLE_NONE || role == ROLE_DISPLAY) {
		rc = role == ROLE_NONE ? -ENOENT : -EPERM;
		goto fail;
	}
	if (f.has_name)
		rc = exec_text(st, "UPDATE participant SET name = ? WHERE id = ?", 2, f.clean, participant);
	if (rc == 0 && f.has_title)
		rc = exec_text(st, "UPDATE participant SET title = ? WHERE id = ?", 2, or_empty(f.title),
			       participant);
	if (rc == 0 && f.has_org)
		rc = exec_text(st, "UPDATE participant SET org = ? WHERE id = ?", 2, or_empty(f.org),
			       participant);
	if (rc == 0 && f.has_role)
		rc = exec_text(st, "UPDATE participant SET role = ? WHERE id = ?", 2, f.role, participant);
	if (rc == 0 && f.has_email)
		rc = exec_text(st, "UPDATE participant SET email = ? WHERE id = ?", 2, f.email, participant);
	if (rc < 0)
		goto fail;
	json_t *p = NULL;
	s = store_prepare(st, "SELECT name, title, role FROM participant WHERE id = ?");
	if (s) {
		store_bind_text(s, 1, participant);
		if (store_step(s) == 1)
			p = person_json(participant, store_col_text(s, 0), store_col_text(s, 1),
					store_col_text(s, 2));
		store_reset(s);
	}
	rc = meeting_event_commit(st, meeting, "participant.changed", actor,
				  json_pack("{s:o}", "participant", p ? p : json_object()), event);
	goto out;
fail:
	meeting_tx_abort(st, event);
out:
	free(f.clean);
	return rc;
}

int console_participant_remove(struct store *st, const char *meeting, const char *participant,
			       const char *actor, json_t **event)
{
	static const char *const traces[] = {
		"SELECT 1 FROM participant WHERE id = ? AND (checked_in IS NOT NULL OR "
		"absent_reason IS NOT NULL)",
		"SELECT 1 FROM session WHERE participant = ?",
		"SELECT 1 FROM poll_eligible WHERE participant = ?",
		"SELECT 1 FROM poll_voter WHERE participant = ?",
		"SELECT 1 FROM speaker_turn WHERE participant = ?",
		"SELECT 1 FROM minutes WHERE updated_by = ?",
		"SELECT 1 FROM minutes_conflict WHERE by = ?",
		"SELECT 1 FROM event WHERE meeting = (SELECT meeting FROM participant WHERE id = ?1) "
		"AND actor = ?1",
	};
	enum auth_role role;
	int rc;

	*event = NULL;
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	role = role_in(st, meeting, participant);
	if (role == ROLE_NONE || role == ROLE_DISPLAY) {
		rc = role == ROLE_NONE ? -ENOENT : -EPERM;
		goto fail;
	}
	for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
		if (exists(st, traces[i], participant, NULL)) {
			rc = -EBUSY;
			goto fail;
		}
	}
	rc = exec_text(st, "DELETE FROM token WHERE participant = ?", 1, participant);
	if (rc == 0)
		rc = exec_text(st, "DELETE FROM participant WHERE id = ?", 1, participant);
	if (rc < 0)
		goto fail;
	return meeting_event_commit(st, meeting, "participant.removed", actor,
				    json_pack("{s:s}", "participant", participant), event);
fail:
	meeting_tx_abort(st, event);
	return rc;
}

/* Inside a transaction: revokes the participant's personal tokens, ends
 * their sessions and stores the token of the next link generation. */
static int reissue(struct store *st, const struct auth_key *key, const char *meeting,
		   const char *participant, char token[AUTH_TOKEN_LEN + 1])
{
	struct store_stmt *s = store_prepare(st, "UPDATE participant SET link_gen = link_gen + 1 "
					     "WHERE id = ? AND meeting = ? RETURNING link_gen");
	int64_t gen = 0;
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, participant);
	store_bind_text(s, 2, meeting);
	rc = store_step(s);
	if (rc == 1)
		gen = store_col_int(s, 0);
	store_reset(s);
	if (rc <= 0)
		return rc == 0 ? -ENOENT : rc;
	rc = exec_text(st, "UPDATE token SET revoked = 1 WHERE participant = ? AND kind = 'personal'",
		       1, participant);
	if (rc == 0)
		rc = exec_text(st, "DELETE FROM session WHERE participant = ?", 1, participant);
	if (rc < 0)
		return rc;
	auth_personal_token(key, participant, gen, token);
	return auth_token_store(st, token, meeting, "personal", participant);
}

int console_link_reissue(struct store *st, const struct auth_key *key, const char *meeting,
			 const char *participant, const char *actor,
			 char token[AUTH_TOKEN_LEN + 1], json_t **event)
{
	int rc;

	*event = NULL;
	if (!auth_id_valid(participant))
		return -ENOENT;
	rc = begin_change(st, meeting);
	if (rc < 0)
		return rc;
	rc = reissue(st, key, meeting, participant, token);
	if (rc < 0) {
		meeting_tx_abort(st, event);
		return rc;
	}
	return meeting_event_commit(st, meeting, "participant.link_reissued", actor,
				    json_pack("{s:s}", "participant", participant), event);
}

int console_link_get(struct store *st, const struct auth_key *key, const char *meeting,
		     const char *participant, char token[AUTH_TOKEN_LEN + 1])
{
	struct store_stmt *s = store_prepare(st, "SELECT link_gen FROM participant "
					     "WHERE id = ? AND meeting = ?");
	int64_t gen = -1;

	if (!s || !auth_id_valid(participant))
		return -ENOENT;
	store_bind_text(s, 1, participant);
	store_bind_text(s, 2, meeting);
	if (store_step(s) == 1)
		gen = store_col_int(s, 0);
	store_reset(s);
	if (gen < 0)
		return -ENOENT;
	if (gen == 0)
		return -ESRCH;
	auth_personal_token(key, participant, gen, token);
	return 0;
}

/* The folded name + "\n" + folded organisation, for "the same person". */
static char *person_key(const char *name, const char *org)
{
	char *a = search_fold_new(or_empty(name)), *b = search_fold_new(or_empty(org)), *k = NULL;

	if (a && b) {
		size_t n = strlen(a) + strlen(b) + 2;
		k = malloc(n);
		if (k)
			snprintf(k, n, "%s\n%s", a, b);
	}
	free(a);
	free(b);
	return k;
}

int console_roster_check(struct store *st, const char *meeting, struct roster *r)
{
	struct store_stmt *s = store_prepare(st, "SELECT name, org, email FROM participant "
					     "WHERE meeting = ?");
	json_t *emails = json_object(), *names = json_object();
	int rc;

	if (!s) {
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1) {
		char key[STAFF_EMAIL_MAX + 1];
		if (!store_col_null(s, 2)) {
			email_key(store_col_text(s, 2), key);
			json_object_set_new(emails, key, json_true());
		}
		char *k = person_key(store_col_text(s, 0), store_col_text(s, 1));
		if (k)
			json_object_set_new(names, k, store_col_null(s, 2) ? json_false() : json_true());
		free(k);
	}
	store_reset(s);
	if (rc < 0)
		goto out;
	for (int i = 0; i < r->nrows; i++) {
		struct roster_row *row = &r->rows[i];
		char key[STAFF_EMAIL_MAX + 1];
		if (row->reason[0])
			continue;
		if (row->email) {
			email_key(row->email, key);
			if (json_object_get(emails, key)) {
				roster_refuse(row, "already on the roster (the same email)");
				continue;
			}
		}
		char *k = person_key(row->name, row->org);
		json_t *had = k ? json_object_get(names, k) : NULL;
		/* Two people with one name and organisation but different
		 * emails are two people. */
		if (had && !(row->email && json_is_true(had)))
			roster_refuse(row, "already on the roster (the same name and organisation)");
		free(k);
	}
	rc = 0;
out:
	json_decref(emails);
	json_decref(names);
	return rc;
}

int console_roster_import(struct store *st, const struct auth_key *key, const char *meeting,
			  const char *actor, struct roster *r, json_t **added, json_t **event)
{
	json_t *people = NULL;
	bool *before = NULL;
	int rc, n = 0;

	*event = NULL;
	*added = NULL;
	before = calloc((size_t)r->nrows + 1, sizeof *before);
	if (!before)
		return -ENOMEM;
	for (int i = 0; i < r->nrows; i++) {
		before[i] = r->rows[i].reason[0] == 0;
		n += before[i];
	}
	if (n == 0) {
		free(before);
		return -ENODATA;
	}
	rc = begin_change(st, meeting);
	if (rc < 0)
		goto out;
	rc = console_roster_check(st, meeting, r);
	for (int i = 0; i < r->nrows && rc == 0; i++)
		if (before[i] && r->rows[i].reason[0])
			rc = -ESTALE;
	if (rc < 0)
		goto fail;
	*added = json_array();
	people = json_array();
	for (int i = 0; i < r->nrows; i++) {
		struct roster_row *row = &r->rows[i];
		char id[AUTH_ID_LEN + 1], token[AUTH_TOKEN_LEN + 1];
		if (row->reason[0])
			continue;
		rc = person_insert(st, key, meeting, row->name, row->title, row->org, row->role,
				   row->email, id, token);
		if (rc < 0)
			goto fail;
		json_array_append_new(*added, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s}",
			"id", id, "name", row->name, "title", row->title, "org", row->org,
			"role", auth_role_name(row->role), "email", row->email, "token", token));
		json_array_append_new(people, person_json(id, row->name, row->title,
							  auth_role_name(row->role)));
	}
	rc = meeting_event_commit(st, meeting, "roster.imported", actor,
				  json_pack("{s:i, s:o}", "count", n, "participants", people), event);
	people = NULL;
	if (rc < 0)
		goto drop;
	goto out;
fail:
	meeting_tx_abort(st, event);
drop:
	json_decref(people);
	json_decref(*added);
	*added = NULL;
out:
	free(before);
	return rc;
}

/* ---- printed material ---------------------------------------------------- */

char *console_wifi_string(const char *ssid, const char *password)
{
	/* The WIFI: scheme (ZXing's, which phones read): \ ; , : " are
	 * escaped with a backslash. */
	size_t n = 32 + 2 * (strlen(or_empty(ssid)) + strlen(or_empty(password)));
	char *out = malloc(n), *p;

	if (!out)
		return NULL;
	p = out + sprintf(out, "WIFI:T:%s;S:", password && *password ? "WPA" : "nopass");
	for (int pass = 0; pass < 2; pass++) {
		const char *s = pass == 0 ? or_empty(ssid) : or_empty(password);
		if (pass == 1) {
			if (!password || !*password)
				break;
			p += sprintf(p, ";P:");
		}
		for (; *s; s++) {
			if (strchr("\\;,:\"", *s))
				*p++ = '\\';
			*p++ = *s;
		}
	}
	strcpy(p, ";;");
	return out;
}

struct mrow {
	char title[TEXT_MAX + 1], org[TEXT_MAX + 1], location[TEXT_MAX + 1];
	char starts[32], ends[32], ssid[64], password[256];
	bool has_starts, has_ends, has_wifi;
};

static int mrow_get(struct store *st, const char *meeting, struct mrow *m)
{
	struct store_stmt *s = store_prepare(st, "SELECT title, org, location, starts, ends, "
					     "wifi_ssid, wifi_password FROM meeting WHERE id = ?");
	int rc;

	memset(m, 0, sizeof *m);
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1) {
		snprintf(m->title, sizeof m->title, "%s", store_col_text(s, 0));
		snprintf(m->org, sizeof m->org, "%s", store_col_text(s, 1));
		snprintf(m->location, sizeof m->location, "%s", store_col_text(s, 2));
		m->has_starts = !store_col_null(s, 3);
		m->has_ends = !store_col_null(s, 4);
		snprintf(m->starts, sizeof m->starts, "%s", or_empty(store_col_text(s, 3)));
		snprintf(m->ends, sizeof m->ends, "%s", or_empty(store_col_text(s, 4)));
		m->has_wifi = !store_col_null(s, 5);
		snprintf(m->ssid, sizeof m->ssid, "%s", or_empty(store_col_text(s, 5)));
		snprintf(m->password, sizeof m->password, "%s", or_empty(store_col_text(s, 6)));
	}
	store_reset(s);
	return rc == 1 ? 0 : rc == 0 ? -ENOENT : rc;
}

int console_invitations_spec(struct store *st, const struct auth_key *key,
			     const char *public_url, const char *meeting, const char *actor,
			     json_t *only, json_t **spec, json_t **events)
{
	struct mrow m;
	struct store_stmt *s;
	json_t *people = NULL, *cards = NULL, *p, *want = NULL;
	char when[128];
	size_t i;
	int rc;

	*spec = NULL;
	*events = json_array();
	rc = mrow_get(st, meeting, &m);
	if (rc < 0)
		return rc;
	if (only) {
		json_t *id;
		want = json_object();
		json_array_foreach(only, i, id) {
			const char *pid = json_string_value(id);
			enum auth_role role = pid ? role_in(st, meeting, pid) : ROLE_NONE;
			if (role == ROLE_NONE || role == ROLE_DISPLAY) {
				json_decref(want);
				return -ENOENT;
			}
			json_object_set_new(want, pid, json_true());
		}
	}
	people = json_array();
	s = store_prepare(st, "SELECT id, name, title, org, link_gen FROM participant "
			      "WHERE meeting = ? AND role != 'display' " ROSTER_ORDER);
	if (!s) {
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, meeting);
	while (store_step(s) == 1) {
		if (want && !json_object_get(want, store_col_text(s, 0)))
			continue;
		json_array_append_new(people, json_pack("{s:s, s:s, s:s, s:s, s:I}",
			"id", store_col_text(s, 0), "name", store_col_text(s, 1),
			"title", store_col_text(s, 2), "org", store_col_text(s, 3),
			"gen", (json_int_t)store_col_int(s, 4)));
	}
	store_reset(s);
	if (json_array_size(people) == 0) {
		rc = -ENODATA;
		goto out;
	}
	/* Random links cannot be printed: derived ones replace them, each
	 * change in its own transaction with its event. */
	json_array_foreach(people, i, p) {
		const char *pid = json_string_value(json_object_get(p, "id"));
		char token[AUTH_TOKEN_LEN + 1];
		json_t *ev = NULL;
		if (json_integer_value(json_object_get(p, "gen")) > 0)
			continue;
		rc = console_link_reissue(st, key, meeting, pid, actor, token, &ev);
		if (rc == -EROFS)
			continue; /* a closed meeting: its cards keep no link */
		if (rc < 0)
			goto out;
		json_array_append_new(*events, ev);
		json_object_set_new(p, "gen", json_integer(1));
	}
	console_when(m.has_starts ? m.starts : NULL, m.has_ends ? m.ends : NULL, when, sizeof when);
	cards = json_array();
	json_array_foreach(people, i, p) {
		const char *pid = json_string_value(json_object_get(p, "id"));
		const char *title = json_string_value(json_object_get(p, "title"));
		const char *org = json_string_value(json_object_get(p, "org"));
		char token[AUTH_TOKEN_LEN + 1] = "", link[1200] = "";
		size_t wn = strlen(title) + strlen(org) + 8;
		char *who = malloc(wn);
		if (console_link_get(st, key, meeting, pid, token) == 0)
			snprintf(link, sizeof link, "%s/j/%s", public_url, token);
		if (who)
			snprintf(who, wn, "%s%s%s", title, *title && *org ? " · " : "", org);
		json_array_append_new(cards, json_pack("{s:s, s:s, s:O, s:s, s:s, s:s, s:s}",
			"org", m.org, "meeting", m.title, "name", json_object_get(p, "name"),
			"title", or_empty(who), "when", when, "place", m.location, "link", link));
		free(who);
	}
	*spec = json_pack("{s:s, s:s, s:o}", "kind", "cards",
			  "hint", "Quét mã để vào cuộc họp · Scan to join the meeting", "cards", cards);
	rc = *spec ? 0 : -ENOMEM;
out:
	json_decref(want);
	json_decref(people);
	return rc;
}

int console_poster_spec(struct store *st, const struct auth_key *key, const char *public_url,
			const char *meeting, json_t **spec)
{
	struct mrow m;
	char room[AUTH_TOKEN_LEN + 1], url[1200], when[128];
	int rc;

	*spec = NULL;
	rc = mrow_get(st, meeting, &m);
	if (rc == 0)
		rc = meeting_room_token(st, key, meeting, room);
	if (rc < 0)
		return rc;
	snprintf(url, sizeof url, "%s/j/%s", public_url, room);
	console_when(m.has_starts ? m.starts : NULL, m.has_ends ? m.ends : NULL, when, sizeof when);
	*spec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "poster", "org", m.org,
			  "title", m.title, "when", when, "place", m.location, "join", url,
			  "join_hint", "Quét mã để vào cuộc họp · Scan the code to join the meeting");
	if (!*spec)
		return -ENOMEM;
	if (m.has_wifi) {
		char *wifi = console_wifi_string(m.ssid, m.password);
		json_object_set_new(*spec, "wifi", json_string(or_empty(wifi)));
		json_object_set_new(*spec, "wifi_ssid", json_string(m.ssid));
		json_object_set_new(*spec, "wifi_password", json_string(m.password));
		json_object_set_new(*spec, "wifi_hint",
				    json_string("Quét mã để kết nối Wi-Fi · Scan to join the Wi-Fi"));
		free(wifi);
	}
	return 0;
}
