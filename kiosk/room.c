/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* room — see room.h. */
#include "room.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

struct room {
	struct room_view v;
	int next_id;
	int hello_id;           /* the unanswered hello's id, 0 when none */
	bool hello_since;       /* it carried since */
	json_t *held;           /* events that came while SYNCING (an array) */
	bool want_state;        /* an event said: read the whole state again */
};

/* ---- small helpers ------------------------------------------------------- */

/* A copy of s cut at ROOM_TEXT_MAX bytes on a character boundary. */
static char *dup_text(const char *s)
{
	size_t n = strlen(s);
	char *d;

	if (n > ROOM_TEXT_MAX) {
		n = ROOM_TEXT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* *dst = a copy of the string v, or NULL when v is not a string. */
static void set_text(char **dst, json_t *v)
{
	free(*dst);
	*dst = json_is_string(v) ? dup_text(json_string_value(v)) : NULL;
}

static bool valid_id(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (!(isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_') || n >= ROOM_ID_MAX)
			return false;
	return n > 0;
}

/* Copies the id in o[key] into dst (ROOM_ID_MAX + 1); false when it is
 * missing or not a valid id (invariant 5). */
static bool get_id(json_t *o, const char *key, char *dst)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!valid_id(s))
		return false;
	strcpy(dst, s);
	return true;
}

static int get_int(json_t *o, const char *key, int dflt)
{
	json_t *v = json_object_get(o, key);
	json_int_t i;

	if (!json_is_integer(v))
		return dflt;
	i = json_integer_value(v);
	return i < -1000000000 ? -1000000000 : i > 1000000000 ? 1000000000 : (int)i;
}

static const char *get_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *hello(struct room *r, bool since)
{
	char buf[96];

	r->hello_id = ++r->next_id;
	r->hello_since = since && r->v.seq > 0;
	if (r->hello_since)
		snprintf(buf, sizeof buf, "{\"id\":%d,\"type\":\"hello\",\"since\":%lld}", r->hello_id,
			 (long long)r->v.seq);
	else
		snprintf(buf, sizeof buf, "{\"id\":%d,\"type\":\"hello\"}", r->hello_id);
	r->v.phase = ROOM_SYNCING;
	return strdup(buf);
}

/* ---- the lists ----------------------------------------------------------- */

static void poll_clear(struct room_poll *p)
{
	free(p->question);
	for (int i = 0; i < ROOM_OPTIONS_MAX; i++) {
		free(p->options[i]);
		free(p->names[i]);
	}
	memset(p, 0, sizeof *p);
}

static void docs_clear(struct room_view *v)
{
	for (int i = 0; i < v->ndocs; i++)
		free(v->docs[i].title);
	free(v->docs);
	v->docs = NULL;
	v->ndocs = 0;
}

static void agenda_clear(struct room_view *v)
{
	for (int i = 0; i < v->nagenda; i++)
		free(v->agenda[i].title);
	free(v->agenda);
	v->agenda = NULL;
	v->nagenda = 0;
}

static void people_clear(struct room_view *v)
{
	for (int i = 0; i < v->npeople; i++)
		free(v->people[i].name);
	free(v->people);
	v->people = NULL;
	v->npeople = 0;
}

static struct room_doc *doc_find(struct room_view *v, const char *id)
{
	for (int i = 0; i < v->ndocs; i++)
		if (!strcmp(v->docs[i].id, id))
			return &v->docs[i];
	return NULL;
}

const struct room_doc *room_doc(const struct room_view *v, const char *id)
{
	return doc_find((struct room_view *)v, id);
}

const struct room_item *room_item(const struct room_view *v, const char *id)
{
	for (int i = 0; i < v->nagenda; i++)
		if (!strcmp(v->agenda[i].id, id))
			return &v->agenda[i];
	return NULL;
}

const char *room_name(const struct room_view *v, const char *participant)
{
	for (int i = 0; i < v->npeople; i++)
		if (!strcmp(v->people[i].id, participant))
			return v->people[i].name;
	return NULL;
}

/* Sets a document's fields from {id, title, pages, item, confidential}. */
static void doc_load(struct room_doc *d, json_t *o)
{
	json_t *item = json_object_get(o, "item");

	set_text(&d->title, json_object_get(o, "title"));
	d->pages = get_int(o, "pages", 0);
	if (d->pages < 0)
		d->pages = 0;
	d->item[0] = '\0';
	if (json_is_string(item))
		get_id(o, "item", d->item);
	d->confidential = json_is_true(json_object_get(o, "confidential"));
}

/* Adds (or updates) a document from its JSON object; false when ignored. */
static bool doc_put(struct room_view *v, json_t *o)
{
	char id[ROOM_ID_MAX + 1];
	struct room_doc *d, *grown;

	if (!json_is_object(o) || !get_id(o, "id", id))
		return false;
	d = doc_find(v, id);
	if (!d) {
		if (v->ndocs >= ROOM_DOCS_MAX)
			return false;
		grown = realloc(v->docs, sizeof *v->docs * (size_t)(v->ndocs + 1));
		if (!grown)
			return false;
		v->docs = grown;
		d = &v->docs[v->ndocs++];
		memset(d, 0, sizeof *d);
		strcpy(d->id, id);
	}
	doc_load(d, o);
	return true;
}

static bool person_put(struct room_view *v, json_t *o)
{
	char id[ROOM_ID_MAX + 1];
	struct room_person *p = NULL, *grown;

	if (!json_is_object(o) || !get_id(o, "id", id))
		return false;
	for (int i = 0; i < v->npeople; i++)
		if (!strcmp(v->people[i].id, id))
			p = &v->people[i];
	if (!p) {
		if (v->npeople >= ROOM_PEOPLE_MAX)
			return false;
		grown = realloc(v->people, sizeof *v->people * (size_t)(v->npeople + 1));
		if (!grown)
			return false;
		v->people = grown;
		p = &v->people[v->npeople++];
		memset(p, 0, sizeof *p);
		strcpy(p->id, id);
	}
	set_text(&p->name, json_object_get(o, "name"));
	return true;
}

/* "A, B, C" from an array of names, cut at ROOM_TEXT_MAX. */
static char *join_names(json_t *a)
{
	size_t n = 0, i;
	json_t *x;
	char *s = malloc(ROOM_TEXT_MAX + 1), *out;

	if (!s)
		return NULL;
	s[0] = '\0';
	json_array_foreach(a, i, x) {
		const char *name = json_string_value(x);
		size_t k;

		if (!name)
			continue;
		k = strlen(name);
		if (n + k + 2 > ROOM_TEXT_MAX)
			break;
		if (n) {
			memcpy(s + n, ", ", 2);
			n += 2;
		}
		memcpy(s + n, name, k);
		n += k;
		s[n] = '\0';
	}
	out = dup_text(s);
	free(s);
	return out;
}

/* A poll from hello's polls[] or a poll.opened / poll.closed event. */
static bool poll_load(struct room_poll *p, json_t *o)
{
	char id[ROOM_ID_MAX + 1];
	json_t *opts = json_object_get(o, "options"), *counts, *names, *x;
	const char *state = get_str(o, "state"), *rule = get_str(o, "rule"), *outcome;
	size_t i;

	if (!get_id(o, "poll", id))
		return false;
	poll_clear(p);
	strcpy(p->id, id);
	set_text(&p->question, json_object_get(o, "question"));
	json_array_foreach(opts, i, x) {
		if (p->noptions >= ROOM_OPTIONS_MAX)
			break;
		p->options[p->noptions] = json_is_string(x) ? dup_text(json_string_value(x)) : NULL;
		if (p->options[p->noptions])
			p->noptions++;
	}
	if (!json_is_array(opts)) {	/* absent: the default options */
		static const char *const dflt[] = { "for", "against", "abstain" };

		for (int k = 0; k < 3; k++)
			p->options[p->noptions++] = strdup(dflt[k]);
	}
	p->secret = json_is_true(json_object_get(o, "secret"));
	snprintf(p->rule, sizeof p->rule, "%s", rule && strlen(rule) < sizeof p->rule ? rule : "cast");
	p->cast = get_int(o, "cast", 0);
	p->eligible = get_int(o, "eligible", 0);
	p->members = get_int(o, "members", 0);
	counts = json_object_get(o, "counts");
	p->open = state ? !strcmp(state, "open") : !json_is_array(counts);
	json_array_foreach(counts, i, x)
		if (i < ROOM_OPTIONS_MAX && json_is_integer(x))
			p->counts[i] = (int)json_integer_value(x);
	outcome = get_str(o, "outcome");
	p->passed = outcome && !strcmp(outcome, "passed");
	names = json_object_get(o, "names");
	json_array_foreach(names, i, x)
		if (i < ROOM_OPTIONS_MAX && json_is_array(x))
			p->names[i] = join_names(x);
	return true;
}

/* The agenda item of the presented document becomes the current one. */
static void follow_item(struct room_view *v)
{
	const struct room_doc *d = v->presented_doc[0] ? room_doc(v, v->presented_doc) : NULL;

	if (d && d->item[0])
		strcpy(v->current_item, d->item);
	if (v->current_item[0] && !room_item(v, v->current_item))
		v->current_item[0] = '\0';
}

static void set_presented(struct room_view *v, json_t *doc, int page)
{
	v->presented_doc[0] = '\0';
	v->presented_page = 0;
	if (json_is_string(doc) && valid_id(json_string_value(doc)) && page >= 1) {
		strcpy(v->presented_doc, json_string_value(doc));
		v->presented_page = page;
	}
	follow_item(v);
}

static void set_speaker(struct room_view *v, json_t *participant, json_t *since)
{
	int64_t t = 0;

	v->speaker[0] = '\0';
	v->speaker_since_ms = 0;
	if (!json_is_string(participant) || !valid_id(json_string_value(participant)))
		return;
	strcpy(v->speaker, json_string_value(participant));
	if (json_is_string(since) && room_parse_time(json_string_value(since), &t) == 0)
		v->speaker_since_ms = t;
}

/* ---- the state and the events -------------------------------------------- */

/* The agenda from an array of {id, title, position} (hello's state, or
 * agenda.changed). */
static void load_agenda(struct room_view *v, json_t *x)
{
	size_t n, i;

	agenda_clear(v);
	if (!json_is_array(x) || !json_array_size(x))
		return;
	n = json_array_size(x) < ROOM_AGENDA_MAX ? json_array_size(x) : ROOM_AGENDA_MAX;
	v->agenda = calloc(n, sizeof *v->agenda);
	for (i = 0; v->agenda && i < n; i++) {
		struct room_item *a = &v->agenda[v->nagenda];
		json_t *it = json_array_get(x, i);

		if (!get_id(it, "id", a->id))
			continue;
		set_text(&a->title, json_object_get(it, "title"));
		a->position = get_int(it, "position", (int)i + 1);
		v->nagenda++;
	}
}

/* Replaces everything from hello's `state`. */
static unsigned load_state(struct room *r, json_t *st)
{
	struct room_view *v = &r->v;
	json_t *m = json_object_get(st, "meeting"), *wifi, *x, *pres, *polls, *cur;
	size_t i;

	if (!json_is_object(m))
		return 0;
	set_text(&v->title, json_object_get(m, "title"));
	set_text(&v->org, json_object_get(m, "org"));
	set_text(&v->location, json_object_get(m, "location"));
	set_text(&v->join_url, json_object_get(m, "join_url"));
	snprintf(v->state, sizeof v->state, "%s",
		 get_str(m, "state") && strlen(get_str(m, "state")) < sizeof v->state
			 ? get_str(m, "state") : "");
	wifi = json_object_get(m, "wifi");
	set_text(&v->wifi_ssid, json_object_get(wifi, "ssid"));
	set_text(&v->wifi_password, json_object_get(wifi, "password"));

	load_agenda(v, json_object_get(st, "agenda"));

	docs_clear(v);
	json_array_foreach(json_object_get(st, "documents"), i, x)
		doc_put(v, x);
	people_clear(v);
	json_array_foreach(json_object_get(st, "participants"), i, x)
		person_put(v, x);

	pres = json_object_get(st, "presented");
	set_presented(v, json_object_get(pres, "doc"), get_int(pres, "page", 0));

	polls = json_object_get(st, "polls");
	v->has_poll = false;
	poll_clear(&v->poll);
	if (json_is_array(polls) && json_array_size(polls))
		v->has_poll = poll_load(&v->poll, json_array_get(polls, json_array_size(polls) - 1));
	/* A result closed before we came is history, not news. */
	v->result_until_ms = 0;

	cur = json_object_get(json_object_get(st, "speakers"), "current");
	set_speaker(v, json_object_get(cur, "participant"), json_object_get(cur, "since"));
	return ROOM_CH_MEETING | ROOM_CH_DOCS | ROOM_CH_PRESENTED | ROOM_CH_POLL | ROOM_CH_SPEAKER |
	       ROOM_CH_PEOPLE;
}

/* One event or notice; returns what it changed. */
static unsigned apply(struct room *r, json_t *e, int64_t now_ms)
{
	struct room_view *v = &r->v;
	const char *type = get_str(e, "type");
	struct room_doc *d;
	char id[ROOM_ID_MAX + 1];

	if (!type)
		return 0;
	if (!strcmp(type, "presented")) {
		char item[ROOM_ID_MAX + 1];
		unsigned ch = ROOM_CH_PRESENTED;

		strcpy(item, v->current_item);
		set_presented(v, json_object_get(e, "doc"), get_int(e, "page", 0));
		if (strcmp(item, v->current_item))
			ch |= ROOM_CH_MEETING;
		if (v->presented_doc[0] && v->has_poll && !v->poll.open && v->result_until_ms) {
			v->result_until_ms = 0;
			ch |= ROOM_CH_POLL;
		}
		return ch;
	}
	if (!strcmp(type, "doc.added"))
		return doc_put(v, json_object_get(e, "doc")) ? ROOM_CH_DOCS : 0;
	if (!strcmp(type, "doc.renamed") || !strcmp(type, "doc.moved")) {
		if (!get_id(e, "doc", id) || !(d = doc_find(v, id)))
			return 0;
		if (!strcmp(type, "doc.renamed")) {
			set_text(&d->title, json_object_get(e, "title"));
		} else {
			d->item[0] = '\0';
			if (json_is_string(json_object_get(e, "item")))
				get_id(e, "item", d->item);
			if (!strcmp(v->presented_doc, id))
				follow_item(v);
		}
		return ROOM_CH_DOCS | ROOM_CH_MEETING;
	}
	if (!strcmp(type, "doc.removed")) {
		if (!get_id(e, "doc", id) || !(d = doc_find(v, id)))
			return 0;
		free(d->title);
		memmove(d, d + 1, sizeof *d * (size_t)(v->ndocs - (d - v->docs) - 1));
		v->ndocs--;
		if (!strcmp(v->presented_doc, id)) {
			v->presented_doc[0] = '\0';
			v->presented_page = 0;
			return ROOM_CH_DOCS | ROOM_CH_PRESENTED;
		}
		return ROOM_CH_DOCS;
	}
	if (!strcmp(type, "participant.added"))
		return person_put(v, json_object_get(e, "participant")) ? ROOM_CH_PEOPLE : 0;
	if (!strcmp(type, "poll.opened") || !strcmp(type, "poll.closed")) {
		bool closed = type[5] == 'c';

		if (!poll_load(&v->poll, e)) {
			v->has_poll = false;
			return ROOM_CH_POLL;
		}
		v->has_poll = true;
		v->poll.open = !closed;
		v->result_until_ms = closed ? now_ms + ROOM_RESULT_MS : 0;
		return ROOM_CH_POLL;
	}
	if (!strcmp(type, "poll.progress")) {
		if (!v->has_poll || !get_id(e, "poll", id) || strcmp(id, v->poll.id))
			return 0;
		v->poll.cast = get_int(e, "cast", v->poll.cast);
		v->poll.eligible = get_int(e, "eligible", v->poll.eligible);
		return ROOM_CH_POLL;
	}
	if (!strcmp(type, "meeting.edited")) {
		json_t *m = json_object_get(e, "meeting"), *fields = json_object_get(e, "fields"), *f;
		size_t i;

		if (json_is_object(m)) {
			set_text(&v->title, json_object_get(m, "title"));
			set_text(&v->org, json_object_get(m, "org"));
			set_text(&v->location, json_object_get(m, "location"));
		}
		/* The Wi-Fi's password is never in the log: read the state. */
		json_array_foreach(fields, i, f)
			if (json_is_string(f) && !strcmp(json_string_value(f), "wifi"))
				r->want_state = true;
		return ROOM_CH_MEETING;
	}
	if (!strcmp(type, "agenda.changed")) {
		load_agenda(v, json_object_get(e, "agenda"));
		follow_item(v);
		return ROOM_CH_MEETING;
	}
	if (!strcmp(type, "meeting.opened") || !strcmp(type, "meeting.closed")) {
		snprintf(v->state, sizeof v->state, "%s", type[8] == 'o' ? "live" : "closed");
		return ROOM_CH_MEETING;
	}
	if (!strcmp(type, "speaker.floor")) {
		set_speaker(v, json_object_get(e, "participant"), json_object_get(e, "since"));
		return ROOM_CH_SPEAKER;
	}
	if (!strcmp(type, "speaker.ended")) {
		set_speaker(v, NULL, NULL);
		return ROOM_CH_SPEAKER;
	}
	return 0;
}

/* An event with a seq: applied when it is the next one, ignored when seen,
 * and a resync (hello since) when one is missing. */
static unsigned take_event(struct room *r, json_t *e, int64_t seq, int64_t now_ms, char **send)
{
	unsigned ch;

	if (seq <= r->v.seq)
		return 0;
	if (seq != r->v.seq + 1) {
		*send = hello(r, true);
		return ROOM_CH_PHASE;
	}
	r->v.seq = seq;
	r->v.received++;
	ch = apply(r, e, now_ms) | ROOM_CH_COUNTED;
	if (r->want_state) {
		r->want_state = false;
		*send = hello(r, false);
		ch |= ROOM_CH_PHASE;
	}
	return ch;
}

static void held_clear(struct room *r)
{
	json_array_clear(r->held);
}

static unsigned on_hello_reply(struct room *r, json_t *msg, int64_t now_ms, char **send)
{
	struct room_view *v = &r->v;
	json_t *events = json_object_get(msg, "events"), *st = json_object_get(msg, "state"), *e;
	json_t *held;
	unsigned ch = ROOM_CH_PHASE | ROOM_CH_COUNTED;
	const char *now = get_str(msg, "now");
	int64_t t;
	size_t i;

	r->hello_id = 0;
	if (!json_is_true(json_object_get(msg, "ok"))) {
		held_clear(r);
		if (r->hello_since) {
			/* The server's log does not go back to our seq (a new
			 * data directory): start again from the whole state. */
			v->seq = 0;
			*send = hello(r, false);
		}
		return ROOM_CH_PHASE;
	}
	if (now && room_parse_time(now, &t) == 0) {
		v->clock_offset_ms = t - now_ms;
		v->clock_known = true;
	}
	if (json_is_array(events)) {
		json_array_foreach(events, i, e) {
			json_t *s = json_object_get(e, "seq");

			if (!json_is_integer(s))
				continue;
			ch |= take_event(r, e, json_integer_value(s), now_ms, send);
			if (*send)
				return ch;
		}
	} else if (json_is_object(st)) {
		ch |= load_state(r, st);
	} else {
		return 0;
	}
	if (json_is_integer(json_object_get(msg, "seq")))
		v->seq = json_integer_value(json_object_get(msg, "seq"));
	v->phase = ROOM_LIVE;
	v->ever_live = true;
	v->received++;

	/* What came meanwhile, in order. */
	held = r->held;
	r->held = json_array();
	json_array_foreach(held, i, e) {
		ch |= take_event(r, e, json_integer_value(json_object_get(e, "seq")), now_ms, send);
		if (*send)
			break;
	}
	json_decref(held);
	return ch;
}

unsigned room_receive(struct room *r, const char *text, size_t len, int64_t now_ms, char **send)
{
	json_t *msg, *re, *seq;
	unsigned ch = 0;

	*send = NULL;
	msg = json_loadb(text, len, 0, NULL);
	if (!json_is_object(msg))
		goto out;
	re = json_object_get(msg, "re");
	seq = json_object_get(msg, "seq");
	if (json_is_integer(re)) {
		if (r->hello_id && json_integer_value(re) == r->hello_id)
			ch = on_hello_reply(r, msg, now_ms, send);
		goto out;
	}
	if (!json_is_string(json_object_get(msg, "type")))
		goto out;
	if (json_is_integer(seq)) {
		if (r->v.phase == ROOM_LIVE) {
			ch = take_event(r, msg, json_integer_value(seq), now_ms, send);
		} else if (r->v.phase == ROOM_SYNCING) {
			if (json_array_size(r->held) < ROOM_HELD_MAX)
				json_array_append(r->held, msg);
		}
		goto out;
	}
	/* A notice: no seq, not in the log. */
	if (r->v.phase == ROOM_LIVE)
		ch = apply(r, msg, now_ms);
out:
	json_decref(msg);
	return ch;
}

/* ---- life cycle ---------------------------------------------------------- */

struct room *room_new(void)
{
	struct room *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->held = json_array();
	if (!r->held) {
		free(r);
		return NULL;
	}
	return r;
}

void room_free(struct room *r)
{
	struct room_view *v;

	if (!r)
		return;
	v = &r->v;
	free(v->title);
	free(v->org);
	free(v->location);
	free(v->join_url);
	free(v->wifi_ssid);
	free(v->wifi_password);
	agenda_clear(v);
	docs_clear(v);
	people_clear(v);
	poll_clear(&v->poll);
	json_decref(r->held);
	free(r);
}

const struct room_view *room_view(const struct room *r)
{
	return &r->v;
}

char *room_connected(struct room *r)
{
	held_clear(r);
	return hello(r, true);
}

void room_disconnected(struct room *r)
{
	r->v.phase = ROOM_OFFLINE;
	r->hello_id = 0;
	held_clear(r);
}

bool room_vote_showing(const struct room_view *v, int64_t now_ms)
{
	if (!v->has_poll || v->poll.noptions < 1)
		return false;
	return v->poll.open || now_ms < v->result_until_ms;
}

long room_speaker_seconds(const struct room_view *v, int64_t now_ms)
{
	int64_t ms;

	if (!v->speaker[0] || !v->speaker_since_ms)
		return 0;
	ms = now_ms + v->clock_offset_ms - v->speaker_since_ms;
	return ms > 0 ? (long)(ms / 1000) : 0;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int room_parse_time(const char *s, int64_t *ms)
{
	int Y, M, D, h, m, sec, frac = 0, fdigits = 0, oh = 0, om = 0, sign = 0;
	struct tm tm;
	const char *p;
	time_t t;

	if (!s || strlen(s) < 19 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) ||
	    s[7] != '-' || digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (fdigits < 3) {
				frac = frac * 10 + (*p - '0');
				fdigits++;
			}
			p++;
		}
		while (fdigits < 3) {
			frac *= 10;
			fdigits++;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
			return -EINVAL;
		p += 6;
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = (int64_t)t * 1000 + frac - (int64_t)sign * (oh * 3600 + om * 60) * 1000;
	return 0;
}
