/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * minutes — see minutes.h.
 *
 * Tables (migration 7): `minutes (meeting, item, text, version, updated,
 * updated_by)`, one row per item that has a text; `minutes_conflict` keeps
 * every refused edit with the version it was made from.
 *
 * The model is a jansson object, the one source of both writers:
 *
 *   {"meeting": {id, title, org, location, state, starts, opened, closed,
 *                created, quorum: {present, members, needed, rule, reached}},
 *    "chair": {name, title} | null, "secretary": {name, title} | null,
 *    "attendance": {"present": [{name, title, checked_in}],
 *                   "absent": [{name, title, reason}],
 *                   "missing": [{name, title}],
 *                   "guests": [{name, title, checked_in, reason}]},
 *    "items": [{id, title, position, text, documents: [{title, pages}],
 *               speakers: [{participant, name, since, seconds | null}],
 *               polls: [vote_state()'s poll]}],
 *    "general": {text, documents (those of no item), speakers, polls}}
 *
 * `present`, `absent` and `missing` are the voting members, the chair and
 * the members, as the quorum counts them (the secretary is named in the
 * header); guests are listed apart. Times are
 * the stored UTC ISO strings; the writers turn them into local time.
 */
#include "minutes.h"
#include "meeting.h"
#include "store.h"
#include "vote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- text and permissions ---------------------------------------------- */

int minutes_lang_parse(const char *s, enum minutes_lang *lang)
{
	if (!s || strcmp(s, "vi") == 0)
		*lang = MINUTES_VI;
	else if (strcmp(s, "en") == 0)
		*lang = MINUTES_EN;
	else
		return -EINVAL;
	return 0;
}

bool minutes_may_read(enum auth_role role)
{
	return role == ROLE_CHAIR || role == ROLE_SECRETARY;
}

bool minutes_may_edit(enum auth_role role)
{
	return role == ROLE_SECRETARY;
}

bool minutes_text_ok(const char *text)
{
	if (!text || strlen(text) > MINUTES_TEXT_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return false;
		/* C1 controls, U+0080–U+009F: C2 80 … C2 9F. */
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
	}
	json_t *j = json_string(text); /* NULL for invalid UTF-8 */
	json_decref(j);
	return j != NULL;
}

/* Characters (code points) of valid UTF-8. */
static int64_t utf8_chars(const char *s)
{
	int64_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

/* ---- editing ------------------------------------------------------------ */

/* The item's current text inside the caller's transaction: *version 0 and
 * *row NULL when it was never written; else *row = {text, version, by,
 * by_name, updated} (caller owns). */
static int current_text(struct store *st, const char *meeting, const char *item,
			int64_t *version, json_t **row)
{
	struct store_stmt *s = store_prepare(st,
		"SELECT m.text, m.version, m.updated_by, p.name, m.updated FROM minutes m "
		"LEFT JOIN participant p ON p.id = m.updated_by WHERE m.meeting = ? AND m.item = ?");
	int rc;

	*version = 0;
	*row = NULL;
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, item);
	rc = store_step(s);
	if (rc == 1) {
		*version = store_col_int(s, 1);
		*row = json_pack("{s:s, s:I, s:s?, s:s?, s:s}", "text", store_col_text(s, 0),
				 "version", (json_int_t)*version, "by", store_col_text(s, 2),
				 "by_name", store_col_text(s, 3), "updated", store_col_text(s, 4));
		if (!*row)
			rc = -ENOMEM;
	}
	store_reset(s);
	return rc < 0 ? rc : 0;
}

/* Keeps a refused edit; *id gets its row id. */
static int conflict_keep(struct store *st, const char *meeting, const char *item,
			 const char *text, int64_t base, const char *actor, int64_t *id)
{
	char now[32];
	struct store_stmt *s = store_prepare(st,
		"INSERT INTO minutes_conflict (meeting, item, text, base_version, at, by) "
		"VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
	int rc;

	if (!s)
		return -EIO;
	auth_now_iso(now, 0);
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, item);
	store_bind_text(s, 3, text);
	store_bind_int(s, 4, base);
	store_bind_text(s, 5, now);
	store_bind_text(s, 6, actor);
	rc = store_step(s);
	if (rc == 1)
		*id = store_col_int(s, 0);
	store_reset(s);
	return rc < 0 ? rc : rc == 1 ? 0 : -EIO;
}

int minutes_edit(struct store *st, const char *meeting, const char *item, const char *text,
		 int64_t base, const char *actor, int64_t *version, json_t **event,
		 json_t **conflict)
{
	json_t *row = NULL;
	struct store_stmt *s;
	int64_t cur = 0, kept = 0;
	char now[32];
	int rc;

	*event = NULL;
	*conflict = NULL;
	*version = 0;
	if (!item || !minutes_text_ok(text) || base < 0)
		return -EINVAL;
	rc = store_begin(st);
	if (rc < 0)
		return rc;
	if (!meeting_exists(st, meeting) || (*item && !meeting_item_belongs(st, meeting, item))) {
		rc = -ENOENT;
		goto fail;
	}
	rc = current_text(st, meeting, item, &cur, &row);
	if (rc < 0)
		goto fail;
	/* Nothing to change (whatever the base): the text is there already. */
	if (strcmp(row ? json_string_value(json_object_get(row, "text")) : "", text) == 0) {
		store_rollback(st);
		json_decref(row);
		*version = cur;
		return 0;
	}
	if (base != cur) {
		rc = conflict_keep(st, meeting, item, text, base, actor, &kept);
		if (rc == 0)
			rc = store_commit(st);
		if (rc < 0)
			goto fail;
		*conflict = json_pack("{s:o, s:I}", "current",
				      row ? row : json_pack("{s:s, s:i, s:n, s:n, s:n}", "text", "",
							    "version", 0, "by", "by_name", "updated"),
				      "kept", (json_int_t)kept);
		*version = cur;
		return -ESTALE;
	}
	json_decref(row);
	row = NULL;
	s = store_prepare(st, "INSERT INTO minutes (meeting, item, text, version, updated, updated_by) "
			      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (meeting, item) DO UPDATE SET "
			      "text = excluded.text, version = excluded.version, "
			      "updated = excluded.updated, updated_by = excluded.updated_by");
	if (!s) {
		rc = -EIO;
		goto fail;
	}
	auth_now_iso(now, 0);
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, item);
	store_bind_text(s, 3, text);
	store_bind_int(s, 4, base + 1);
	store_bind_text(s, 5, now);
	store_bind_text(s, 6, actor);
	rc = store_step(s);
	store_reset(s);
	if (rc < 0)
		goto fail;
	json_t *fields = json_pack("{s:s, s:I, s:s?, s:I}", "item", item,
				   "version", (json_int_t)(base + 1), "by", actor,
				   "chars", (json_int_t)utf8_chars(text));
	rc = meeting_event_commit(st, meeting, "minutes.edited", actor, fields, event);
	if (rc == 0)
		*version = base + 1;
	return rc;
fail:
	json_decref(row);
	meeting_tx_abort(st, event);
	return rc;
}

json_t *minutes_get(struct store *st, const char *meeting)
{
	struct store_stmt *s;
	json_t *minutes = json_array(), *conflicts = json_array();
	int rc;

	s = store_prepare(st, "SELECT m.item, m.text, m.version, m.updated, m.updated_by, p.name "
			      "FROM minutes m LEFT JOIN item i ON i.id = m.item "
			      "LEFT JOIN participant p ON p.id = m.updated_by WHERE m.meeting = ? "
			      "ORDER BY m.item <> '', i.position");
	if (!s)
		goto fail;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1)
		json_array_append_new(minutes, json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s?}",
			"item", store_col_text(s, 0), "text", store_col_text(s, 1),
			"version", (json_int_t)store_col_int(s, 2), "updated", store_col_text(s, 3),
			"by", store_col_text(s, 4), "by_name", store_col_text(s, 5)));
	store_reset(s);
	if (rc < 0)
		goto fail;
	s = store_prepare(st, "SELECT c.id, c.item, c.text, c.base_version, c.at, c.by, p.name "
			      "FROM minutes_conflict c LEFT JOIN participant p ON p.id = c.by "
			      "WHERE c.meeting = ? ORDER BY c.id");
	if (!s)
		goto fail;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1)
		json_array_append_new(conflicts, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s?, s:s?}",
			"id", (json_int_t)store_col_int(s, 0), "item", store_col_text(s, 1),
			"text", store_col_text(s, 2), "base_version", (json_int_t)store_col_int(s, 3),
			"at", store_col_text(s, 4), "by", store_col_text(s, 5),
			"by_name", store_col_text(s, 6)));
	store_reset(s);
	if (rc < 0)
		goto fail;
	return json_pack("{s:o, s:o}", "minutes", minutes, "conflicts", conflicts);
fail:
	json_decref(minutes);
	json_decref(conflicts);
	return NULL;
}

json_t *minutes_summary(struct store *st, const char *meeting)
{
	struct store_stmt *s = store_prepare(st, "SELECT item, version, updated, updated_by "
						 "FROM minutes WHERE meeting = ?");
	json_t *out;
	int rc;

	if (!s)
		return NULL;
	out = json_object();
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1)
		json_object_set_new(out, store_col_text(s, 0), json_pack("{s:I, s:s, s:s?}",
			"version", (json_int_t)store_col_int(s, 1), "updated", store_col_text(s, 2),
			"by", store_col_text(s, 3)));
	store_reset(s);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* ---- the model ---------------------------------------------------------- */

static json_t *person(const char *name, const char *title)
{
	return json_pack("{s:s, s:s}", "name", name ? name : "", "title", title ? title : "");
}

/* The first participant with `role` as {name, title}, or JSON null. */
static json_t *officer(struct store *st, const char *meeting, const char *role)
{
	struct store_stmt *s = store_prepare(st, "SELECT name, title FROM participant "
						 "WHERE meeting = ? AND role = ? ORDER BY created, rowid "
						 "LIMIT 1");
	json_t *p = NULL;

	if (!s)
		return json_null();
	store_bind_text(s, 1, meeting);
	store_bind_text(s, 2, role);
	if (store_step(s) == 1)
		p = person(store_col_text(s, 0), store_col_text(s, 1));
	store_reset(s);
	return p ? p : json_null();
}

/* Members by attendance, guests apart; `names` gets id → name of everyone. */
static int attendance(struct store *st, const char *meeting, json_t *model, json_t *names)
{
	struct store_stmt *s = store_prepare(st, "SELECT id, name, title, role, checked_in, "
						 "absent_reason FROM participant WHERE meeting = ? "
						 "ORDER BY created, rowid");
	json_t *present = json_array(), *absent = json_array(), *missing = json_array();
	json_t *guests = json_array();
	int rc;

	if (!s)
		rc = -EIO;
	else {
		store_bind_text(s, 1, meeting);
		while ((rc = store_step(s)) == 1) {
			const char *role = store_col_text(s, 3);
			const char *in = store_col_text(s, 4), *why = store_col_text(s, 5);
			json_t *p = person(store_col_text(s, 1), store_col_text(s, 2));

			json_object_set_new(names, store_col_text(s, 0),
					    json_string(store_col_text(s, 1)));
			if (strcmp(role, "guest") == 0) {
				json_object_set_new(p, "checked_in", in ? json_string(in) : json_null());
				json_object_set_new(p, "reason", why ? json_string(why) : json_null());
				json_array_append_new(guests, p);
			} else if (strcmp(role, "member") != 0 && strcmp(role, "chair") != 0) {
				json_decref(p);
			} else if (in) {
				json_object_set_new(p, "checked_in", json_string(in));
				json_array_append_new(present, p);
			} else if (why) {
				json_object_set_new(p, "reason", json_string(why));
				json_array_append_new(absent, p);
			} else {
				json_array_append_new(missing, p);
			}
		}
		store_reset(s);
	}
	json_object_set_new(model, "attendance", json_pack("{s:o, s:o, s:o, s:o}",
		"present", present, "absent", absent, "missing", missing, "guests", guests));
	return rc < 0 ? rc : 0;
}

static json_t *section(const char *id, const char *title, int64_t position)
{
	json_t *o = json_pack("{s:s, s:[], s:[], s:[]}", "text", "", "documents", "speakers",
			      "polls");

	if (o && id) {
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "title", json_string(title));
		json_object_set_new(o, "position", json_integer(position));
	}
	return o;
}

/* The agenda into model.items and the meeting as a whole into
 * model.general; `sections` gets id → section ("" → general). */
static int agenda(struct store *st, const char *meeting, json_t *model, json_t *sections)
{
	struct store_stmt *s = store_prepare(st, "SELECT id, title, position FROM item "
						 "WHERE meeting = ? ORDER BY position");
	json_t *items = json_array(), *general = section(NULL, NULL, 0);
	int rc = -EIO;

	json_object_set_new(model, "items", items);
	json_object_set_new(model, "general", general);
	json_object_set(sections, "", general);
	if (!s)
		return rc;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1) {
		json_t *it = section(store_col_text(s, 0), store_col_text(s, 1), store_col_int(s, 2));
		json_object_set(sections, store_col_text(s, 0), it);
		json_array_append_new(items, it);
	}
	store_reset(s);
	return rc < 0 ? rc : 0;
}

/* The section of `item` (NULL, "" or unknown: the meeting as a whole). */
static json_t *section_of(json_t *sections, const char *item)
{
	json_t *sec = item ? json_object_get(sections, item) : NULL;

	return sec ? sec : json_object_get(sections, "");
}

static int documents(struct store *st, const char *meeting, json_t *sections)
{
	struct store_stmt *s = store_prepare(st, "SELECT title, pages, item FROM document "
						 "WHERE meeting = ? AND removed IS NULL "
						 "ORDER BY position, created");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1)
		json_array_append_new(json_object_get(section_of(sections, store_col_text(s, 2)),
						      "documents"),
				      json_pack("{s:s, s:I}", "title", store_col_text(s, 0),
						"pages", (json_int_t)store_col_int(s, 1)));
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static int texts(struct store *st, const char *meeting, json_t *sections)
{
	struct store_stmt *s = store_prepare(st, "SELECT item, text FROM minutes WHERE meeting = ?");
	int rc;

	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1) {
		json_t *sec = json_object_get(sections, store_col_text(s, 0));
		if (sec)
			json_object_set_new(sec, "text", json_string(store_col_text(s, 1)));
	}
	store_reset(s);
	return rc < 0 ? rc : 0;
}

/* What the event log tells: when the meeting opened and closed, and under
 * which item each poll was opened and each turn was spoken (see minutes.h).
 * `polls` gets poll id → item id; the turns go into their sections. */
static int history(struct store *st, const char *meeting, json_t *model, json_t *sections,
		   json_t *names, json_t *polls)
{
	struct store_stmt *s = store_prepare(st, "SELECT type, at, body FROM event "
						 "WHERE meeting = ? ORDER BY seq");
	json_t *doc_item = json_object(), *turn = NULL, *m = json_object_get(model, "meeting");
	json_t *first = json_array_get(json_object_get(model, "items"), 0);
	char current[AUTH_ID_LEN + 1] = "";
	int rc;

	if (first)
		snprintf(current, sizeof current, "%s", json_string_value(json_object_get(first, "id")));
	if (!s) {
		json_decref(doc_item);
		return -EIO;
	}
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1) {
		const char *type = store_col_text(s, 0), *at = store_col_text(s, 1);
		json_t *b = json_loads(store_col_text(s, 2), 0, NULL);

		if (!b)
			continue;
		if (strcmp(type, "meeting.opened") == 0 && json_is_null(json_object_get(m, "opened"))) {
			json_object_set_new(m, "opened", json_string(at));
		} else if (strcmp(type, "meeting.closed") == 0) {
			json_object_set_new(m, "closed", json_string(at));
		} else if (strcmp(type, "doc.added") == 0) {
			json_t *d = json_object_get(b, "doc");
			const char *id = json_string_value(json_object_get(d, "id"));
			if (id)
				json_object_set(doc_item, id, json_object_get(d, "item"));
		} else if (strcmp(type, "doc.moved") == 0) {
			const char *id = json_string_value(json_object_get(b, "doc"));
			if (id)
				json_object_set(doc_item, id, json_object_get(b, "item"));
		} else if (strcmp(type, "presented") == 0) {
			const char *doc = json_string_value(json_object_get(b, "doc"));
			const char *item = doc ? json_string_value(json_object_get(doc_item, doc)) : NULL;
			if (item && json_object_get(sections, item))
				snprintf(current, sizeof current, "%s", item);
		} else if (strcmp(type, "poll.opened") == 0) {
			const char *poll = json_string_value(json_object_get(b, "poll"));
			if (poll)
				json_object_set_new(polls, poll, json_string(current));
		} else if (strcmp(type, "speaker.floor") == 0 || strcmp(type, "speaker.ended") == 0) {
			/* A new turn ends the one before it (its `ended`). */
			bool floor = strcmp(type, "speaker.floor") == 0;
			json_t *ended = floor ? json_object_get(b, "ended") : b;
			if (turn && json_is_object(ended))
				json_object_set(turn, "seconds", json_object_get(ended, "seconds"));
			turn = NULL;
			const char *who = json_string_value(json_object_get(b, "participant"));
			if (floor && who) {
				const char *name = json_string_value(json_object_get(names, who));
				turn = json_pack("{s:s, s:s, s:O?, s:n}", "participant", who,
						 "name", name ? name : "",
						 "since", json_object_get(b, "since"), "seconds");
				json_array_append_new(json_object_get(section_of(sections, current),
								      "speakers"), turn);
			}
		}
		json_decref(b);
	}
	store_reset(s);
	json_decref(doc_item);
	return rc < 0 ? rc : 0;
}

int minutes_model(struct store *st, const char *meeting, json_t **model)
{
	struct store_stmt *s;
	struct meeting_quorum q = { 0 };
	json_t *m = NULL, *sections = json_object(), *names = json_object();
	json_t *poll_items = json_object(), *polls = NULL, *p;
	size_t i;
	int rc;

	*model = NULL;
	s = store_prepare(st, "SELECT id, title, org, location, starts, state, created "
			      "FROM meeting WHERE id = ?");
	if (!s) {
		rc = -EIO;
		goto out;
	}
	store_bind_text(s, 1, meeting);
	rc = store_step(s);
	if (rc == 1)
		m = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:n, s:n, s:s}",
			      "id", store_col_text(s, 0), "title", store_col_text(s, 1),
			      "org", store_col_text(s, 2), "location", store_col_text(s, 3),
			      "starts", store_col_text(s, 4), "state", store_col_text(s, 5),
			      "opened", "closed", "created", store_col_text(s, 6));
	store_reset(s);
	if (rc <= 0) {
		rc = rc == 0 ? -ENOENT : rc;
		goto out;
	}
	if (!m) {
		rc = -ENOMEM;
		goto out;
	}
	if (meeting_quorum_get(st, meeting, &q) == 0)
		json_object_set_new(m, "quorum", meeting_quorum_json(&q));
	*model = json_pack("{s:o, s:o, s:o}", "meeting", m,
			   "chair", officer(st, meeting, "chair"),
			   "secretary", officer(st, meeting, "secretary"));
	if (!*model) {
		rc = -ENOMEM;
		goto out;
	}
	rc = attendance(st, meeting, *model, names);
	if (rc == 0)
		rc = agenda(st, meeting, *model, sections);
	if (rc == 0)
		rc = documents(st, meeting, sections);
	if (rc == 0)
		rc = texts(st, meeting, sections);
	if (rc == 0)
		rc = history(st, meeting, *model, sections, names, poll_items);
	if (rc < 0)
		goto out;
	polls = vote_state(st, meeting, NULL);
	if (!polls) {
		rc = -EIO;
		goto out;
	}
	json_array_foreach(polls, i, p) {
		const char *item = json_string_value(json_object_get(poll_items,
			json_string_value(json_object_get(p, "poll"))));
		json_object_del(p, "voted");
		if (!item) {
			json_t *first = json_array_get(json_object_get(*model, "items"), 0);
			item = first ? json_string_value(json_object_get(first, "id")) : "";
		}
		json_array_append(json_object_get(section_of(sections, item), "polls"), p);
	}
out:
	if (rc < 0) {
		json_decref(*model);
		*model = NULL;
	}
	json_decref(polls);
	json_decref(poll_items);
	json_decref(names);
	json_decref(sections);
	return rc;
}

/* ---- labels ------------------------------------------------------------- */

enum label {
	L_TITLE, L_NATION, L_MOTTO, L_DRAFT, L_DATE_PREFIX,
	L_START, L_LOCATION, L_CHAIR, L_SECRETARY, L_NOT_STARTED,
	L_ATTENDANCE, L_PRESENT, L_ABSENT, L_MISSING, L_GUESTS, L_NOBODY,
	L_REASON, L_ABSENT_REASON, L_QUORUM, L_QUORUM_YES, L_QUORUM_NO,
	L_PROCEEDINGS, L_DOCUMENTS, L_PAGES, L_SPEAKERS, L_SPEAKING, L_MIN, L_SEC,
	L_POLL, L_FORM, L_SECRET, L_NAMED, L_ELIGIBLE, L_OF, L_QUORUM_AT_OPENING, L_NO_QUORUM_AT_OPENING,
	L_RULE, L_RULE_CAST, L_RULE_TWO_THIRDS, L_RULE_PRESENT, L_RULE_ALL,
	L_OPTION, L_VOTES, L_NAMES, L_BALLOTS, L_RESULT, L_PASSED, L_FAILED, L_STILL_OPEN,
	L_OPT_FOR, L_OPT_AGAINST, L_OPT_ABSTAIN,
	L_GENERAL, L_OTHER_DOCUMENTS, L_NOTHING_RECORDED,
	L_CLOSED_AT, L_NOT_CLOSED, L_SIGN_SECRETARY, L_SIGN_CHAIR, L_SIGN_HINT,
	L_FOOTER, L_HTML_TITLE,
	L_COUNT
};

/* Every word the minutes print, in Vietnamese and in English. The
 * Vietnamese follows the administrative minutes (biên bản) as agencies
 * file them. */
static const char *const labels[L_COUNT][2] = {
	[L_TITLE] = { "BIÊN BẢN CUỘC HỌP", "MINUTES OF THE MEETING" },
	[L_NATION] = { "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", NULL },
	[L_MOTTO] = { "Độc lập - Tự do - Hạnh phúc", NULL },
	[L_DRAFT] = { "DỰ THẢO — cuộc họp chưa kết thúc", "DRAFT — meeting in progress" },
	[L_DATE_PREFIX] = { "ngày", "" },
	[L_START] = { "Thời gian bắt đầu", "Started" },
	[L_LOCATION] = { "Địa điểm", "Place" },
	[L_CHAIR] = { "Chủ trì", "Chair" },
	[L_SECRETARY] = { "Thư ký", "Secretary" },
	[L_NOT_STARTED] = { "chưa bắt đầu", "not started" },
	[L_ATTENDANCE] = { "I. THÀNH PHẦN THAM DỰ", "1. Attendance" },
	[L_PRESENT] = { "Có mặt", "Present" },
	[L_ABSENT] = { "Vắng mặt", "Absent" },
	[L_MISSING] = { "Chưa điểm danh", "Not checked in" },
	[L_GUESTS] = { "Khách mời", "Guests" },
	[L_NOBODY] = { "không có", "none" },
	[L_REASON] = { "lý do", "reason" },
	[L_ABSENT_REASON] = { "vắng mặt, lý do", "absent, reason" },
	[L_QUORUM] = { "Số thành viên có mặt", "Voting members present" },
	[L_QUORUM_YES] = { "đủ túc số", "quorum reached" },
	[L_QUORUM_NO] = { "không đủ túc số", "no quorum" },
	[L_PROCEEDINGS] = { "II. NỘI DUNG CUỘC HỌP", "2. Proceedings" },
	[L_DOCUMENTS] = { "Tài liệu", "Documents" },
	[L_PAGES] = { "trang", "pages" },
	[L_SPEAKERS] = { "Phát biểu", "Speakers" },
	[L_SPEAKING] = { "đang phát biểu", "still speaking" },
	[L_MIN] = { "phút", "min" },
	[L_SEC] = { "giây", "s" },
	[L_POLL] = { "Biểu quyết", "Vote" },
	[L_FORM] = { "Hình thức", "Form" },
	[L_SECRET] = { "bỏ phiếu kín", "secret ballot" },
	[L_NAMED] = { "biểu quyết công khai", "named vote" },
	[L_ELIGIBLE] = { "Đại biểu được biểu quyết", "Eligible voters" },
	[L_OF] = { "trên tổng số", "of" },
	[L_QUORUM_AT_OPENING] = { "đủ túc số khi mở biểu quyết", "quorum when the vote opened" },
	[L_NO_QUORUM_AT_OPENING] = { "không đủ túc số khi mở biểu quyết",
				     "no quorum when the vote opened" },
	[L_RULE] = { "Nguyên tắc", "Rule" },
	[L_RULE_CAST] = { "quá nửa số phiếu biểu quyết", "more than half of the votes cast" },
	[L_RULE_TWO_THIRDS] = { "ít nhất hai phần ba số phiếu biểu quyết",
				"at least two thirds of the votes cast" },
	[L_RULE_PRESENT] = { "quá nửa số thành viên có mặt khi mở biểu quyết",
			     "more than half of the members present when it opened" },
	[L_RULE_ALL] = { "quá nửa tổng số thành viên", "more than half of all members" },
	[L_OPTION] = { "Phương án", "Option" },
	[L_VOTES] = { "Số phiếu", "Votes" },
	[L_NAMES] = { "Đại biểu", "Voters" },
	[L_BALLOTS] = { "phiếu", "ballots" },
	[L_RESULT] = { "Kết quả", "Result" },
	[L_PASSED] = { "THÔNG QUA", "PASSED" },
	[L_FAILED] = { "KHÔNG THÔNG QUA", "NOT PASSED" },
	[L_STILL_OPEN] = { "đang biểu quyết, chưa có kết quả", "still open, no result yet" },
	[L_OPT_FOR] = { "Tán thành", "For" },
	[L_OPT_AGAINST] = { "Không tán thành", "Against" },
	[L_OPT_ABSTAIN] = { "Không biểu quyết", "Abstain" },
	[L_GENERAL] = { "III. KẾT LUẬN VÀ Ý KIẾN CHUNG", "3. Conclusions and general notes" },
	[L_OTHER_DOCUMENTS] = { "Tài liệu khác", "Other documents" },
	[L_NOTHING_RECORDED] = { "Không có ghi chép.", "Nothing recorded." },
	[L_CLOSED_AT] = { "Cuộc họp kết thúc lúc", "The meeting closed at" },
	[L_NOT_CLOSED] = { "Cuộc họp chưa kết thúc.", "The meeting has not ended." },
	[L_SIGN_SECRETARY] = { "THƯ KÝ", "SECRETARY" },
	[L_SIGN_CHAIR] = { "CHỦ TỌA", "CHAIR" },
	[L_SIGN_HINT] = { "(Ký, ghi rõ họ tên)", "(signature and full name)" },
	[L_FOOTER] = { "Biên bản họp — Trang {page}/{pages}", "Minutes — page {page} of {pages}" },
	[L_HTML_TITLE] = { "Biên bản", "Minutes" },
};

static const char *T(enum minutes_lang lang, enum label l)
{
	const char *s = labels[l][lang];
	return s ? s : "";
}

const char *minutes_pdf_footer(enum minutes_lang lang)
{
	return T(lang, L_FOOTER);
}

/* ---- times -------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" into *t; false if it is not that. */
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

static bool local_tm(const char *iso, struct tm *tm)
{
	time_t t;

	return utc_parse(iso, &t) && localtime_r(&t, tm) != NULL;
}

static const char *const months_en[12] = {
	"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December",
};

/* "08:30, 28/11/2026" or "28 November 2026, 08:30"; "" when iso is not a time. */
static void fmt_full(const char *iso, enum minutes_lang lang, char out[64])
{
	struct tm tm;

	out[0] = 0;
	if (!local_tm(iso, &tm))
		return;
	if (lang == MINUTES_VI)
		snprintf(out, 64, "%02d:%02d, %02d/%02d/%04d", tm.tm_hour, tm.tm_min, tm.tm_mday,
			 tm.tm_mon + 1, tm.tm_year + 1900);
	else
		snprintf(out, 64, "%d %s %04d, %02d:%02d", tm.tm_mday, months_en[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

/* "08:30" when the time is on the day `day` (YYYY-MM-DD, local), else as fmt_full. */
static void fmt_time(const char *iso, const char *day, enum minutes_lang lang, char out[64])
{
	struct tm tm;
	char d[16];

	out[0] = 0;
	if (!local_tm(iso, &tm))
		return;
	strftime(d, sizeof d, "%Y-%m-%d", &tm);
	if (day && strcmp(d, day) == 0)
		snprintf(out, 64, "%02d:%02d", tm.tm_hour, tm.tm_min);
	else
		fmt_full(iso, lang, out);
}

/* The time the minutes are dated by: the opening, else the planned start,
 * else the meeting's creation. */
static const char *meeting_when(const json_t *model)
{
	const json_t *m = json_object_get(model, "meeting");
	const char *t = json_string_value(json_object_get(m, "opened"));

	if (!t)
		t = json_string_value(json_object_get(m, "starts"));
	return t ? t : json_string_value(json_object_get(m, "created"));
}

/* The meeting's local date, YYYY-MM-DD ("" if unknown). */
static void meeting_day(const json_t *model, char out[16])
{
	struct tm tm;

	out[0] = 0;
	if (local_tm(meeting_when(model), &tm))
		strftime(out, 16, "%Y-%m-%d", &tm);
}

/* "ngày 28 tháng 11 năm 2026" or "28 November 2026". */
static void fmt_date_line(const json_t *model, enum minutes_lang lang, char out[80])
{
	struct tm tm;

	out[0] = 0;
	if (!local_tm(meeting_when(model), &tm))
		return;
	if (lang == MINUTES_VI)
		snprintf(out, 80, "ngày %d tháng %d năm %04d", tm.tm_mday, tm.tm_mon + 1,
			 tm.tm_year + 1900);
	else
		snprintf(out, 80, "%d %s %04d", tm.tm_mday, months_en[tm.tm_mon], tm.tm_year + 1900);
}

/* "3 phút 20 giây" / "3 min 20 s". */
static void fmt_duration(int64_t seconds, enum minutes_lang lang, char out[64])
{
	if (seconds >= 60)
		snprintf(out, 64, "%lld %s %lld %s", (long long)(seconds / 60), T(lang, L_MIN),
			 (long long)(seconds % 60), T(lang, L_SEC));
	else
		snprintf(out, 64, "%lld %s", (long long)seconds, T(lang, L_SEC));
}

void minutes_filename(const json_t *model, const char *prefix, const char *ext,
		      char *out, size_t n)
{
	char day[16];

	meeting_day(model, day);
	snprintf(out, n, "%s-%s.%s", prefix, day[0] ? day : "undated", ext);
}

/* ---- what both writers share -------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int64_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The option's name as printed: the default for / against / abstain in
 * the minutes' language, anything else as the chair typed it. */
static const char *option_name(const json_t *options, size_t i, enum minutes_lang lang)
{
	static const char *const defaults[] = { "for", "against", "abstain" };
	static const enum label names[] = { L_OPT_FOR, L_OPT_AGAINST, L_OPT_ABSTAIN };
	const char *o = json_string_value(json_array_get(options, i));

	if (json_array_size(options) == 3) {
		bool all = true;
		for (size_t k = 0; k < 3 && all; k++)
			all = json_string_value(json_array_get(options, k)) &&
			      strcmp(json_string_value(json_array_get(options, k)), defaults[k]) == 0;
		if (all && i < 3)
			return T(lang, names[i]);
	}
	return o ? o : "";
}

static const char *rule_name(const char *rule, enum minutes_lang lang)
{
	if (strcmp(rule, "two_thirds") == 0)
		return T(lang, L_RULE_TWO_THIRDS);
	if (strcmp(rule, "present") == 0)
		return T(lang, L_RULE_PRESENT);
	if (strcmp(rule, "all") == 0)
		return T(lang, L_RULE_ALL);
	return T(lang, L_RULE_CAST);
}

/* "Name, title" into a stream through `put` (the writer's escaping). */
typedef void (*put_fn)(FILE *f, const char *s);

static void put_person(FILE *f, const json_t *p, put_fn put)
{
	put(f, str(p, "name"));
	if (*str(p, "title")) {
		fputs(", ", f);
		put(f, str(p, "title"));
	}
}

/* The poll's details line: how it was voted, who could vote, the rule. */
static void put_poll_details(FILE *f, const json_t *p, enum minutes_lang lang)
{
	fprintf(f, "%s: %s. %s: %lld %s %lld (%s). %s: %s.", T(lang, L_FORM),
		T(lang, json_is_true(json_object_get(p, "secret")) ? L_SECRET : L_NAMED),
		T(lang, L_ELIGIBLE), (long long)num(p, "eligible"), T(lang, L_OF),
		(long long)num(p, "members"),
		T(lang, json_is_true(json_object_get(p, "quorum")) ? L_QUORUM_AT_OPENING
								  : L_NO_QUORUM_AT_OPENING),
		T(lang, L_RULE), rule_name(str(p, "rule"), lang));
}

/* ---- HTML --------------------------------------------------------------- */

/* HTML-escapes user text (text and attribute values alike). */
static void put_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\r': break;
		default: fputc(*s, f);
		}
	}
}

static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* The secretary's text: paragraphs at blank lines, a line break at each
 * other new line. */
static void put_html_text(FILE *f, const char *text)
{
	bool open = false;

	while (*text) {
		size_t n = strcspn(text, "\n");
		if (blank_line(text, n)) {
			if (open)
				fputs("</p>\n", f);
			open = false;
		} else {
			char *line = strndup(text, n);
			fputs(open ? "<br>\n" : "<p class=\"text\">", f);
			if (line)
				put_html(f, line);
			free(line);
			open = true;
		}
		text += n;
		if (*text == '\n')
			text++;
	}
	if (open)
		fputs("</p>\n", f);
}

/* What MuPDF 1.21's Story lays out well (story.h): no widths (a table's
 * columns are equally wide), no padding or borders on cells (drawn apart
 * from the text), rules on rows; a cell holds inline content only (text,
 * <b>, <i>, <br>). A table's style hangs on a div around it, so that it
 * is the same in a browser and after the layout has split the table into
 * one table per row. The body's margins are for a browser: the PDF has
 * its own. A "keep" block is not split across pages. */
static const char html_style[] =
	"body { font-family: serif; font-size: 12pt; margin: 2em auto; max-width: 46em; }\n"
	"div.head { margin: 0 0 6pt 0; }\n"
	"div.head table { width: 100%; }\n"
	"td.org { font-size: 11pt; text-align: center; vertical-align: top; }\n"
	"td.nation { font-size: 11pt; text-align: center; vertical-align: top; }\n"
	"p.date { text-align: right; font-style: italic; margin: 6pt 0; }\n"
	"p.draft { text-align: center; font-weight: bold; border: 1pt solid black; "
	"padding: 3pt; margin: 8pt 0; }\n"
	"h1 { text-align: center; font-size: 15pt; font-weight: bold; margin: 14pt 0 2pt 0; }\n"
	"p.subtitle { text-align: center; font-weight: bold; margin: 0 0 12pt 0; }\n"
	"h2 { font-size: 12.5pt; font-weight: bold; margin: 14pt 0 4pt 0; }\n"
	"h3 { font-size: 12pt; font-weight: bold; margin: 10pt 0 3pt 0; }\n"
	"p { margin: 3pt 0; }\n"
	"p.text { text-align: justify; }\n"
	"ul { margin: 2pt 0 4pt 0; }\n"
	"li { margin: 1pt 0; }\n"
	"div.votes { margin: 4pt 0; }\n"
	"div.votes table { border-collapse: collapse; }\n"
	"tr.h { border-bottom: 0.5pt solid black; }\n"
	"th.v { text-align: left; font-weight: bold; padding: 0 1.2em 0 0; line-height: 1.8; }\n"
	"td.v { vertical-align: top; line-height: 1.4; padding: 0 1.2em 0 0; }\n"
	"div.sign { margin: 24pt 0 0 0; }\n"
	"div.sign table { width: 100%; }\n"
	"td.sign { text-align: center; vertical-align: top; }\n";

static void html_label(FILE *f, enum minutes_lang lang, enum label l)
{
	fprintf(f, "<b>%s:</b> ", T(lang, l));
}

static void html_header(FILE *f, const json_t *model, enum minutes_lang lang)
{
	const json_t *m = json_object_get(model, "meeting");
	char when[64], date[80];

	fmt_date_line(model, lang, date);
	if (lang == MINUTES_VI) {
		/* Nghị định 30/2020/NĐ-CP: the body top left, the national
		 * name and motto top right, the place and date under them. */
		fputs("<div class=\"head\"><table><tr><td class=\"org\"><b>", f);
		put_html(f, str(m, "org"));
		fprintf(f, "</b></td><td class=\"nation\"><b>%s</b><br><b>%s</b></td></tr></table>"
			   "</div>\n",
			T(lang, L_NATION), T(lang, L_MOTTO));
	} else if (*str(m, "org")) {
		fputs("<p class=\"subtitle\">", f);
		put_html(f, str(m, "org"));
		fputs("</p>\n", f);
	}
	if (date[0]) {
		fputs("<p class=\"date\">", f);
		if (*str(m, "location")) {
			put_html(f, str(m, "location"));
			fputs(", ", f);
		}
		fprintf(f, "%s</p>\n", date);
	}
	if (strcmp(str(m, "state"), "closed") != 0)
		fprintf(f, "<p class=\"draft\">%s</p>\n", T(lang, L_DRAFT));
	fprintf(f, "<h1>%s</h1>\n<p class=\"subtitle\">", T(lang, L_TITLE));
	put_html(f, str(m, "title"));
	fputs("</p>\n", f);

	const char *start = json_string_value(json_object_get(m, "opened"));
	fmt_full(start ? start : json_string_value(json_object_get(m, "starts")), lang, when);
	fputs("<p>", f);
	html_label(f, lang, L_START);
	fprintf(f, "%s</p>\n", when[0] ? when : T(lang, L_NOT_STARTED));
	if (*str(m, "location")) {
		fputs("<p>", f);
		html_label(f, lang, L_LOCATION);
		put_html(f, str(m, "location"));
		fputs("</p>\n", f);
	}
	static const struct { const char *key; enum label l; } officers[] = {
		{ "chair", L_CHAIR }, { "secretary", L_SECRETARY },
	};
	for (size_t i = 0; i < 2; i++) {
		const json_t *p = json_object_get(model, officers[i].key);
		if (!json_is_object(p))
			continue;
		fputs("<p>", f);
		html_label(f, lang, officers[i].l);
		put_person(f, p, put_html);
		fputs("</p>\n", f);
	}
}

/* One list of people; `what` says what follows each name. */
enum extra { X_CHECKED_IN, X_REASON, X_NONE, X_GUEST };

static void html_people(FILE *f, const json_t *list, enum label title, enum extra what,
			const char *day, enum minutes_lang lang)
{
	const json_t *p;
	size_t i;
	char t[64];

	fprintf(f, "<p><b>%s (%zu):</b>%s%s</p>\n", T(lang, title), json_array_size(list),
		json_array_size(list) ? "" : " ", json_array_size(list) ? "" : T(lang, L_NOBODY));
	if (!json_array_size(list))
		return;
	fputs("<ul>\n", f);
	json_array_foreach(list, i, p) {
		const char *why = json_string_value(json_object_get(p, "reason"));
		fputs("<li>", f);
		put_person(f, p, put_html);
		if ((what == X_CHECKED_IN || what == X_GUEST) &&
		    json_is_string(json_object_get(p, "checked_in"))) {
			fmt_time(str(p, "checked_in"), day, lang, t);
			fprintf(f, " — %s", t);
		}
		if ((what == X_REASON || what == X_GUEST) && why) {
			fprintf(f, " — %s: ", T(lang, what == X_GUEST ? L_ABSENT_REASON : L_REASON));
			put_html(f, why);
		}
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static void html_attendance(FILE *f, const json_t *model, const char *day, enum minutes_lang lang)
{
	const json_t *a = json_object_get(model, "attendance");
	const json_t *q = json_object_get(json_object_get(model, "meeting"), "quorum");

	fprintf(f, "<h2>%s</h2>\n", T(lang, L_ATTENDANCE));
	html_people(f, json_object_get(a, "present"), L_PRESENT, X_CHECKED_IN, day, lang);
	html_people(f, json_object_get(a, "absent"), L_ABSENT, X_REASON, day, lang);
	if (json_array_size(json_object_get(a, "missing")))
		html_people(f, json_object_get(a, "missing"), L_MISSING, X_NONE, day, lang);
	if (json_array_size(json_object_get(a, "guests")))
		html_people(f, json_object_get(a, "guests"), L_GUESTS, X_GUEST, day, lang);
	if (json_is_object(q))
		fprintf(f, "<p>%s: %lld/%lld — %s.</p>\n", T(lang, L_QUORUM),
			(long long)num(q, "present"), (long long)num(q, "members"),
			T(lang, json_is_true(json_object_get(q, "reached")) ? L_QUORUM_YES
									     : L_QUORUM_NO));
}

static void html_documents(FILE *f, const json_t *docs, enum label title, enum minutes_lang lang)
{
	const json_t *d;
	size_t i;

	if (!json_array_size(docs))
		return;
	fprintf(f, "<p><b>%s:</b></p>\n<ul>\n", T(lang, title));
	json_array_foreach(docs, i, d) {
		fputs("<li>", f);
		put_html(f, str(d, "title"));
		fprintf(f, " (%lld %s)</li>\n", (long long)num(d, "pages"), T(lang, L_PAGES));
	}
	fputs("</ul>\n", f);
}

static void html_speakers(FILE *f, const json_t *turns, const char *day, enum minutes_lang lang)
{
	const json_t *t;
	size_t i;
	char when[64], dur[64];

	if (!json_array_size(turns))
		return;
	fprintf(f, "<p><b>%s:</b></p>\n<ul>\n", T(lang, L_SPEAKERS));
	json_array_foreach(turns, i, t) {
		fmt_time(str(t, "since"), day, lang, when);
		if (json_is_integer(json_object_get(t, "seconds")))
			fmt_duration(num(t, "seconds"), lang, dur);
		else
			snprintf(dur, sizeof dur, "%s", T(lang, L_SPEAKING));
		fputs("<li>", f);
		put_html(f, str(t, "name"));
		fprintf(f, " — %s (%s)</li>\n", when, dur);
	}
	fputs("</ul>\n", f);
}

static void html_poll(FILE *f, const json_t *p, enum minutes_lang lang)
{
	const json_t *options = json_object_get(p, "options");
	const json_t *counts = json_object_get(p, "counts"), *names = json_object_get(p, "names");
	bool closed = strcmp(str(p, "state"), "closed") == 0;
	bool named = !json_is_true(json_object_get(p, "secret")) && json_is_array(names);

	fputs("<p><b>", f);
	fprintf(f, "%s:</b> ", T(lang, L_POLL));
	put_html(f, str(p, "question"));
	fputs("</p>\n<p>", f);
	put_poll_details(f, p, lang);
	fputs("</p>\n", f);
	if (!closed) {
		fprintf(f, "<p><b>%s:</b> %s.</p>\n", T(lang, L_RESULT), T(lang, L_STILL_OPEN));
		return;
	}
	fprintf(f, "<div class=\"votes\"><table><tr class=\"h\"><th class=\"v\">%s</th>"
		   "<th class=\"v\">%s</th>",
		T(lang, L_OPTION), T(lang, L_VOTES));
	if (named)
		fprintf(f, "<th class=\"v\">%s</th>", T(lang, L_NAMES));
	fputs("</tr>\n", f);
	for (size_t i = 0; i < json_array_size(options); i++) {
		fputs("<tr><td class=\"v\">", f);
		put_html(f, option_name(options, i, lang));
		fprintf(f, "</td><td class=\"v\">%lld</td>",
			(long long)json_integer_value(json_array_get(counts, i)));
		if (named) {
			const json_t *who = json_array_get(names, i), *n;
			size_t k;
			fputs("<td class=\"v\">", f);
			json_array_foreach(who, k, n) {
				if (k)
					fputs(", ", f);
				put_html(f, json_string_value(n) ? json_string_value(n) : "");
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);
	fprintf(f, "<p><b>%s: %s</b> (%lld %s).</p>\n", T(lang, L_RESULT),
		T(lang, strcmp(str(p, "outcome"), "passed") == 0 ? L_PASSED : L_FAILED),
		(long long)num(p, "cast"), T(lang, L_BALLOTS));
}

/* An item's (or the meeting's) documents, text, speakers and polls. */
static void html_section(FILE *f, const json_t *sec, enum label docs, const char *day,
			 enum minutes_lang lang)
{
	const json_t *p;
	size_t i;

	html_documents(f, json_object_get(sec, "documents"), docs, lang);
	put_html_text(f, str(sec, "text"));
	html_speakers(f, json_object_get(sec, "speakers"), day, lang);
	json_array_foreach(json_object_get(sec, "polls"), i, p)
		html_poll(f, p, lang);
}

static bool section_empty(const json_t *sec)
{
	return !*str(sec, "text") && !json_array_size(json_object_get(sec, "documents")) &&
	       !json_array_size(json_object_get(sec, "speakers")) &&
	       !json_array_size(json_object_get(sec, "polls"));
}

static void html_signatures(FILE *f, const json_t *model, enum minutes_lang lang)
{
	static const struct { const char *key; enum label l; } signers[] = {
		{ "secretary", L_SIGN_SECRETARY }, { "chair", L_SIGN_CHAIR },
	};

	fputs("<div class=\"sign\"><table><tr>", f);
	for (size_t i = 0; i < 2; i++) {
		fprintf(f, "<td class=\"sign\"><b>%s</b><br><i>%s</i><br><br><br><br><br><b>",
			T(lang, signers[i].l), T(lang, L_SIGN_HINT));
		put_html(f, str(json_object_get(model, signers[i].key), "name"));
		fputs("</b></td>", f);
	}
	fputs("</tr></table></div>\n", f);
}

char *minutes_html(const json_t *model, enum minutes_lang lang)
{
	const json_t *m = json_object_get(model, "meeting"), *it, *general;
	char *buf = NULL, day[16], when[64];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	meeting_day(model, day);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<title>%s — ", lang == MINUTES_VI ? "vi" : "en", T(lang, L_HTML_TITLE));
	put_html(f, str(m, "title"));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_style);
	html_header(f, model, lang);
	html_attendance(f, model, day, lang);

	fprintf(f, "<h2>%s</h2>\n", T(lang, L_PROCEEDINGS));
	json_array_foreach(json_object_get(model, "items"), i, it) {
		fprintf(f, "<h3>%lld. ", (long long)num(it, "position"));
		put_html(f, str(it, "title"));
		fputs("</h3>\n", f);
		if (section_empty(it))
			fprintf(f, "<p>%s</p>\n", T(lang, L_NOTHING_RECORDED));
		html_section(f, it, L_DOCUMENTS, day, lang);
	}
	general = json_object_get(model, "general");
	if (!section_empty(general)) {
		fprintf(f, "<h2>%s</h2>\n", T(lang, L_GENERAL));
		html_section(f, general, L_OTHER_DOCUMENTS, day, lang);
	}
	/* The closing line and the signatures on one page. */
	fputs("<div class=\"keep\">\n", f);
	if (json_is_string(json_object_get(m, "closed"))) {
		fmt_full(str(m, "closed"), lang, when);
		fprintf(f, "<p>%s %s.</p>\n", T(lang, L_CLOSED_AT), when);
	} else {
		fprintf(f, "<p>%s</p>\n", T(lang, L_NOT_CLOSED));
	}
	html_signatures(f, model, lang);
	fputs("</div>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- Markdown ----------------------------------------------------------- */

/*
 * CommonMark escaping of user text. Everywhere: the characters that make
 * emphasis, code, links, raw HTML, entities, tables and headings (\ ` * _
 * [ ] < > | ~ & #). At the start of a line (`start`), also what makes a
 * block there: + - = > and "1." / "1)" (lists, setext underlines, quotes),
 * and leading spaces, which would make an indented code block, become
 * no-break spaces. Carriage returns are dropped.
 */
static void md_escape(FILE *f, const char *s, bool start)
{
	if (start) {
		for (; *s == ' ' || *s == '\t'; s++)
			fputs(*s == ' ' ? "\xc2\xa0" : "\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0", f);
		if (*s == '+' || *s == '-' || *s == '=' || *s == '>')
			fputc('\\', f);
		size_t digits = strspn(s, "0123456789");
		if (digits && (s[digits] == '.' || s[digits] == ')')) {
			fwrite(s, 1, digits, f);
			fputc('\\', f);
			s += digits;
		}
	}
	for (; *s; s++) {
		if (*s == '\r')
			continue;
		if (strchr("\\`*_[]<>|~&#", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void md_inline(FILE *f, const char *s)
{
	md_escape(f, s, false);
}

static void md_start(FILE *f, const char *s)
{
	md_escape(f, s, true);
}

/* The secretary's text: paragraphs at blank lines, a hard line break
 * (CommonMark's backslash at the end of a line) at each other new line. */
static void md_text(FILE *f, const char *text)
{
	bool open = false;

	while (*text) {
		size_t n = strcspn(text, "\n");
		if (blank_line(text, n)) {
			if (open)
				fputs("\n\n", f);
			open = false;
		} else {
			char *line = strndup(text, n);
			if (open)
				fputs("\\\n", f);
			if (line)
				md_start(f, line);
			free(line);
			open = true;
		}
		text += n;
		if (*text == '\n')
			text++;
	}
	if (open)
		fputs("\n\n", f);
}

static void md_people(FILE *f, const json_t *list, enum label title, enum extra what,
		      const char *day, enum minutes_lang lang)
{
	const json_t *p;
	size_t i;
	char t[64];

	fprintf(f, "**%s (%zu):**%s%s\n\n", T(lang, title), json_array_size(list),
		json_array_size(list) ? "" : " ", json_array_size(list) ? "" : T(lang, L_NOBODY));
	if (!json_array_size(list))
		return;
	json_array_foreach(list, i, p) {
		const char *why = json_string_value(json_object_get(p, "reason"));
		fputs("- ", f);
		md_start(f, str(p, "name"));
		if (*str(p, "title")) {
			fputs(", ", f);
			md_inline(f, str(p, "title"));
		}
		if ((what == X_CHECKED_IN || what == X_GUEST) &&
		    json_is_string(json_object_get(p, "checked_in"))) {
			fmt_time(str(p, "checked_in"), day, lang, t);
			fprintf(f, " — %s", t);
		}
		if ((what == X_REASON || what == X_GUEST) && why) {
			fprintf(f, " — %s: ", T(lang, what == X_GUEST ? L_ABSENT_REASON : L_REASON));
			md_inline(f, why);
		}
		fputs("\n", f);
	}
	fputs("\n", f);
}

static void md_poll(FILE *f, const json_t *p, enum minutes_lang lang)
{
	const json_t *options = json_object_get(p, "options");
	const json_t *counts = json_object_get(p, "counts"), *names = json_object_get(p, "names");
	bool named = !json_is_true(json_object_get(p, "secret")) && json_is_array(names);

	fprintf(f, "**%s:** ", T(lang, L_POLL));
	md_inline(f, str(p, "question"));
	fputs("\n\n", f);
	put_poll_details(f, p, lang);
	fputs("\n\n", f);
	if (strcmp(str(p, "state"), "closed") != 0) {
		fprintf(f, "**%s:** %s.\n\n", T(lang, L_RESULT), T(lang, L_STILL_OPEN));
		return;
	}
	fprintf(f, "| %s | %s |", T(lang, L_OPTION), T(lang, L_VOTES));
	if (named)
		fprintf(f, " %s |", T(lang, L_NAMES));
	fprintf(f, "\n|---|--:|%s\n", named ? "---|" : "");
	for (size_t i = 0; i < json_array_size(options); i++) {
		fputs("| ", f);
		md_inline(f, option_name(options, i, lang));
		fprintf(f, " | %lld |", (long long)json_integer_value(json_array_get(counts, i)));
		if (named) {
			const json_t *n;
			size_t k;
			fputs(" ", f);
			json_array_foreach(json_array_get(names, i), k, n) {
				if (k)
					fputs(", ", f);
				md_inline(f, json_string_value(n) ? json_string_value(n) : "");
			}
			fputs(" |", f);
		}
		fputs("\n", f);
	}
	fprintf(f, "\n**%s: %s** (%lld %s).\n\n", T(lang, L_RESULT),
		T(lang, strcmp(str(p, "outcome"), "passed") == 0 ? L_PASSED : L_FAILED),
		(long long)num(p, "cast"), T(lang, L_BALLOTS));
}

static void md_section(FILE *f, const json_t *sec, enum label docs, const char *day,
		       enum minutes_lang lang)
{
	const json_t *x;
	size_t i;
	char when[64], dur[64];

	if (json_array_size(json_object_get(sec, "documents"))) {
		fprintf(f, "**%s:**\n\n", T(lang, docs));
		json_array_foreach(json_object_get(sec, "documents"), i, x) {
			fputs("- ", f);
			md_start(f, str(x, "title"));
			fprintf(f, " (%lld %s)\n", (long long)num(x, "pages"), T(lang, L_PAGES));
		}
		fputs("\n", f);
	}
	md_text(f, str(sec, "text"));
	if (json_array_size(json_object_get(sec, "speakers"))) {
		fprintf(f, "**%s:**\n\n", T(lang, L_SPEAKERS));
		json_array_foreach(json_object_get(sec, "speakers"), i, x) {
			fmt_time(str(x, "since"), day, lang, when);
			if (json_is_integer(json_object_get(x, "seconds")))
				fmt_duration(num(x, "seconds"), lang, dur);
			else
				snprintf(dur, sizeof dur, "%s", T(lang, L_SPEAKING));
			fputs("- ", f);
			md_start(f, str(x, "name"));
			fprintf(f, " — %s (%s)\n", when, dur);
		}
		fputs("\n", f);
	}
	json_array_foreach(json_object_get(sec, "polls"), i, x)
		md_poll(f, x, lang);
}

char *minutes_markdown(const json_t *model, enum minutes_lang lang)
{
	const json_t *m = json_object_get(model, "meeting"), *it, *general;
	const json_t *a = json_object_get(model, "attendance");
	const json_t *q = json_object_get(m, "quorum");
	char *buf = NULL, day[16], when[64], date[80];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	meeting_day(model, day);
	fmt_date_line(model, lang, date);
	if (*str(m, "org")) {
		fputs("**", f);
		md_inline(f, str(m, "org"));
		fputs("**\n\n", f);
	}
	if (lang == MINUTES_VI)
		fprintf(f, "**%s**  \n**Độc lập \\- Tự do \\- Hạnh phúc**\n\n", T(lang, L_NATION));
	if (date[0]) {
		fputs("*", f);
		if (*str(m, "location")) {
			md_inline(f, str(m, "location"));
			fputs(", ", f);
		}
		fprintf(f, "%s*\n\n", date);
	}
	if (strcmp(str(m, "state"), "closed") != 0)
		fprintf(f, "> **%s**\n\n", T(lang, L_DRAFT));
	fprintf(f, "# %s\n\n**", T(lang, L_TITLE));
	md_inline(f, str(m, "title"));
	fputs("**\n\n", f);

	const char *start = json_string_value(json_object_get(m, "opened"));
	fmt_full(start ? start : json_string_value(json_object_get(m, "starts")), lang, when);
	fprintf(f, "- **%s:** %s\n", T(lang, L_START), when[0] ? when : T(lang, L_NOT_STARTED));
	if (*str(m, "location")) {
		fprintf(f, "- **%s:** ", T(lang, L_LOCATION));
		md_inline(f, str(m, "location"));
		fputs("\n", f);
	}
	if (json_is_object(json_object_get(model, "chair"))) {
		fprintf(f, "- **%s:** ", T(lang, L_CHAIR));
		put_person(f, json_object_get(model, "chair"), md_inline);
		fputs("\n", f);
	}
	if (json_is_object(json_object_get(model, "secretary"))) {
		fprintf(f, "- **%s:** ", T(lang, L_SECRETARY));
		put_person(f, json_object_get(model, "secretary"), md_inline);
		fputs("\n", f);
	}

	fprintf(f, "\n## %s\n\n", T(lang, L_ATTENDANCE));
	md_people(f, json_object_get(a, "present"), L_PRESENT, X_CHECKED_IN, day, lang);
	md_people(f, json_object_get(a, "absent"), L_ABSENT, X_REASON, day, lang);
	if (json_array_size(json_object_get(a, "missing")))
		md_people(f, json_object_get(a, "missing"), L_MISSING, X_NONE, day, lang);
	if (json_array_size(json_object_get(a, "guests")))
		md_people(f, json_object_get(a, "guests"), L_GUESTS, X_GUEST, day, lang);
	if (json_is_object(q))
		fprintf(f, "%s: %lld/%lld — %s.\n\n", T(lang, L_QUORUM),
			(long long)num(q, "present"), (long long)num(q, "members"),
			T(lang, json_is_true(json_object_get(q, "reached")) ? L_QUORUM_YES
									     : L_QUORUM_NO));

	fprintf(f, "## %s\n\n", T(lang, L_PROCEEDINGS));
	json_array_foreach(json_object_get(model, "items"), i, it) {
		fprintf(f, "### %lld. ", (long long)num(it, "position"));
		md_inline(f, str(it, "title"));
		fputs("\n\n", f);
		if (section_empty(it))
			fprintf(f, "%s\n\n", T(lang, L_NOTHING_RECORDED));
		md_section(f, it, L_DOCUMENTS, day, lang);
	}
	general = json_object_get(model, "general");
	if (!section_empty(general)) {
		fprintf(f, "## %s\n\n", T(lang, L_GENERAL));
		md_section(f, general, L_OTHER_DOCUMENTS, day, lang);
	}
	if (json_is_string(json_object_get(m, "closed"))) {
		fmt_full(str(m, "closed"), lang, when);
		fprintf(f, "%s %s.\n\n", T(lang, L_CLOSED_AT), when);
	} else {
		fprintf(f, "%s\n\n", T(lang, L_NOT_CLOSED));
	}
	fprintf(f, "| %s | %s |\n|:-:|:-:|\n| %s | %s |\n| | |\n| ", T(lang, L_SIGN_SECRETARY),
		T(lang, L_SIGN_CHAIR), T(lang, L_SIGN_HINT), T(lang, L_SIGN_HINT));
	md_inline(f, str(json_object_get(model, "secretary"), "name"));
	fputs(" | ", f);
	md_inline(f, str(json_object_get(model, "chair"), "name"));
	fputs(" |\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the event log for audit -------------------------------------------- */

/* RFC 4180 §2: a field with a comma, a quote or a line break is quoted,
 * quotes doubled. A name that a spreadsheet would take for a formula
 * (= + - @ at the start) gets a leading apostrophe (OWASP's advice on CSV
 * injection). */
static void csv_field(FILE *f, const char *s, bool guard)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', f);
	if (guard && *s && strchr("=+-@\t\r", *s))
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

/* Writes every event through `row`; 0, -ENOENT or a store error. */
static int events_each(struct store *st, const char *meeting,
		       void (*row)(void *arg, int64_t seq, const char *at, const char *type,
				   const char *actor, const char *name, const char *body),
		       void *arg)
{
	struct store_stmt *s;
	int rc;

	if (!meeting_exists(st, meeting))
		return -ENOENT;
	/* A change made in the meeting console has the actor "staff:<id>"
	 * (staff.h): its name is the staff member's. */
	s = store_prepare(st, "SELECT e.seq, e.at, e.type, e.actor, COALESCE(p.name, u.name), "
			      "e.body FROM event e LEFT JOIN participant p ON p.id = e.actor "
			      "LEFT JOIN staff_user u ON e.actor = 'staff:' || u.id "
			      "WHERE e.meeting = ? ORDER BY e.seq");
	if (!s)
		return -EIO;
	store_bind_text(s, 1, meeting);
	while ((rc = store_step(s)) == 1)
		row(arg, store_col_int(s, 0), store_col_text(s, 1), store_col_text(s, 2),
		    store_col_text(s, 3), store_col_text(s, 4), store_col_text(s, 5));
	store_reset(s);
	return rc < 0 ? rc : 0;
}

static void csv_row(void *arg, int64_t seq, const char *at, const char *type,
		    const char *actor, const char *name, const char *body)
{
	FILE *f = arg;

	fprintf(f, "%lld,", (long long)seq);
	csv_field(f, at, false);
	fputc(',', f);
	csv_field(f, type, false);
	fputc(',', f);
	csv_field(f, actor ? actor : "", false);
	fputc(',', f);
	csv_field(f, name ? name : "", true);
	fputc(',', f);
	csv_field(f, body, false);
	fputs("\r\n", f);
}

int minutes_events_csv(struct store *st, const char *meeting, char **out, size_t *len)
{
	FILE *f;
	int rc;

	*out = NULL;
	*len = 0;
	f = open_memstream(out, len);
	if (!f)
		return -ENOMEM;
	/* The byte order mark: spreadsheet programs read UTF-8 only with it. */
	fputs("\xef\xbb\xbf" "seq,at,type,actor,actor_name,details\r\n", f);
	rc = events_each(st, meeting, csv_row, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc;
}

static void json_row(void *arg, int64_t seq, const char *at, const char *type,
		     const char *actor, const char *name, const char *body)
{
	json_t *e = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:o}", "seq", (json_int_t)seq,
			      "at", at, "type", type, "actor", actor, "actor_name", name,
			      "body", json_loads(body, 0, NULL));

	if (e)
		json_array_append_new(arg, e);
}

int minutes_events_json(struct store *st, const char *meeting, char **out, size_t *len)
{
	struct store_stmt *s;
	json_t *events = json_array(), *doc;
	char *title = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	rc = events_each(st, meeting, json_row, events);
	s = rc == 0 ? store_prepare(st, "SELECT title FROM meeting WHERE id = ?") : NULL;
	if (s) {
		store_bind_text(s, 1, meeting);
		if (store_step(s) == 1)
			title = strdup(store_col_text(s, 0));
		store_reset(s);
	}
	if (rc < 0 || !title) {
		json_decref(events);
		free(title);
		return rc < 0 ? rc : -EIO;
	}
	doc = json_pack("{s:{s:s, s:s}, s:o}", "meeting", "id", meeting, "title", title,
			"events", events);
	free(title);
	*out = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
	json_decref(doc);
	if (!*out)
		return -ENOMEM;
	*len = strlen(*out);
	return 0;
}
