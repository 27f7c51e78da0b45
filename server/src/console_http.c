/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * console_http — the HTTP routes of staff accounts and the meeting console:
 * /api/staff/… (sign-in, sign-out, the session, accounts) and
 * /api/console/… (meetings, agenda, roster, CSV import, printed material).
 * docs/protocol.md "Staff and the console" is the contract.
 *
 * Design note.
 *
 * http.c dispatches every path under those two prefixes here; a GET is
 * answered at once, a POST once its body is read (http_read_body, 16 KiB of
 * JSON, or 1 MiB of CSV for the roster routes). Each route checks, in this
 * order: the Origin (POSTs), the staff session (the plenum_staff cookie),
 * the role (accounts: admin) or the meeting (staff_may_touch), then the
 * body, then does one console.c operation and sends its event to the
 * meeting's clients after the commit.
 *
 * Cross-site requests. The staff cookie is SameSite=Strict, so a browser
 * sends it on no request another site starts; and every POST must carry an
 * Origin that names this server (the public URL's origin, or the scheme of
 * the public URL with the request's Host), which browsers always send on
 * POST. Either alone stops a forged request; both together also stop one
 * from a sibling host that shares the site.
 *
 * State kept between requests, in this file's statics (loop thread only):
 * the limiter of failed sign-ins (staff.h) and the CSV previews, at most
 * PREVIEWS_MAX, each for PREVIEW_TTL_MS, used once by its own staff member.
 * Both are lost at restart, which is harmless: the limiter starts over, and
 * an import can send the file again.
 *
 * Threads: the lws service thread only.
 */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "console.h"
#include "library.h"
#include "log.h"
#include "meeting.h"
#include "roster_csv.h"
#include "staff.h"
#include "store.h"

#define STAFF_COOKIE "plenum_staff"
#define JSON_MAX (16 * 1024)
#define PREVIEWS_MAX 32
#define PREVIEW_TTL_MS (30 * 60 * 1000)

struct preview {
	char id[AUTH_ID_LEN + 1];
	char user[AUTH_ID_LEN + 1];
	char meeting[AUTH_ID_LEN + 1];
	int64_t made_ms;
	struct roster *roster;  /* NULL: a free slot */
};

static struct staff_limiter *limiter;
static struct preview previews[PREVIEWS_MAX];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void console_http_shutdown(void)
{
	staff_limiter_free(limiter);
	limiter = NULL;
	for (int i = 0; i < PREVIEWS_MAX; i++) {
		roster_free(previews[i].roster);
		previews[i].roster = NULL;
	}
}

/* ---- answers ------------------------------------------------------------ */

static void ok_json(struct req *r, int status, json_t *j)
{
	http_add_header(r, "cache-control", "no-store");
	if (!j) {
		http_respond_error(r, 500, "internal", "out of memory");
		return;
	}
	http_respond_json(r, status, j);
}

/* The answer to a negative errno from console.c or meeting.c. */
static void fail(struct req *r, int rc, const char *err)
{
	switch (rc) {
	case -EINVAL:
		http_respond_error(r, 400, "bad_request", err && *err ? err : "the request is not valid");
		return;
	case -ENOENT:
		http_respond_error(r, 404, "not_found", err && *err ? err : "no such thing in this meeting");
		return;
	case -EROFS:
		http_respond_error(r, 409, "conflict", "this meeting is closed");
		return;
	case -EEXIST:
		http_respond_error(r, 409, "conflict", err && *err ? err : "it exists already");
		return;
	default:
		log_warn("console: %s", strerror(-rc));
		http_respond_error(r, 500, "internal", "the change could not be saved; please try again");
		return;
	}
}

/* Sends a committed event to the meeting's clients and drops it. */
static void broadcast(struct srv *s, const char *meeting, json_t *event)
{
	if (!event)
		return;
	ws_broadcast(s, meeting, event);
	s->events_total++;
	json_decref(event);
}

static json_t *seq_reply(json_t *event)
{
	return json_pack("{s:O}", "seq", event ? json_object_get(event, "seq") : json_null());
}

/* ---- who is asking ------------------------------------------------------ */

/* The origin of a URL ("https://host:port"), into out. */
static void origin_of(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(strcspn(p + 3, "/") + (size_t)(p + 3 - url)) : strlen(url);

	snprintf(out, len, "%.*s", (int)n, url);
}

/* true when the request's Origin names this server. */
static bool origin_ok(struct srv *s, struct req *r)
{
	char origin[300], mine[300], host[256], alt[300];
	const char *url = s->cfg->public_url;
	bool tls = strncmp(url, "https://", 8) == 0;

	if (lws_hdr_copy(http_wsi(r), origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0)
		return false;
	origin_of(url, mine, sizeof mine);
	if (strcasecmp(origin, mine) == 0)
		return true;
	if (lws_hdr_copy(http_wsi(r), host, sizeof host, WSI_TOKEN_HOST) <= 0)
		return false;
	snprintf(alt, sizeof alt, "%s://%s", tls ? "https" : "http", host);
	return strcasecmp(origin, alt) == 0;
}

static int require_origin(struct srv *s, struct req *r)
{
	if (origin_ok(s, r))
		return 0;
	http_respond_error(r, 403, "forbidden",
			   "this request did not come from Plenum's own pages (its Origin header "
			   "does not name this server)");
	return -1;
}

static void staff_token(struct req *r, char out[AUTH_TOKEN_LEN + 1])
{
	char buf[64];
	size_t max = sizeof buf;

	out[0] = 0;
	if (lws_http_cookie_get(http_wsi(r), STAFF_COOKIE, buf, &max) == 0 && max == AUTH_TOKEN_LEN) {
		memcpy(out, buf, AUTH_TOKEN_LEN);
		out[AUTH_TOKEN_LEN] = 0;
	}
}

/* Resolves the staff session into *u (and *expires). Returns 0, or answers
 * 401 and returns -1. */
static int require_staff(struct srv *s, struct req *r, struct staff_user *u, char expires[32])
{
	char token[AUTH_TOKEN_LEN + 1];
	int rc;

	staff_token(r, token);
	rc = token[0] ? staff_session_lookup(s->st, token, time(NULL), u, expires) : -ENOENT;
	if (rc == -ETIMEDOUT) {
		http_respond_error(r, 401, "unauthorized", "your session has expired: sign in again");
		return -1;
	}
	if (rc < 0) {
		http_respond_error(r, 401, "unauthorized", "sign in to the console first");
		return -1;
	}
	return 0;
}

static int require_admin(struct req *r, const struct staff_user *u)
{
	if (u->role == STAFF_ADMIN)
		return 0;
	http_respond_error(r, 403, "forbidden", "only an administrator manages staff accounts");
	return -1;
}

static int require_touch(struct srv *s, struct req *r, const struct staff_user *u,
			 const char *meeting)
{
	if (!meeting_exists(s->st, meeting)) {
		http_respond_error(r, 404, "not_found", "no such meeting");
		return -1;
	}
	if (staff_may_touch(s->st, u, meeting))
		return 0;
	http_respond_error(r, 403, "forbidden",
			   "this meeting is not one of yours: ask an administrator to give it to you");
	return -1;
}

int console_http_upload_staff(struct srv *s, struct req *r, const char *meeting,
			      char *actor, size_t actor_len, char *name, size_t name_len)
{
	char token[AUTH_TOKEN_LEN + 1];
	struct staff_user u;

	staff_token(r, token);
	if (!token[0])
		return 0;
	if (require_origin(s, r) < 0 || require_staff(s, r, &u, NULL) < 0 ||
	    require_touch(s, r, &u, meeting) < 0)
		return -1;
	snprintf(actor, actor_len, "staff:%s", u.id);
	snprintf(name, name_len, "%s", u.name);
	return 1;
}

/* ---- bodies ------------------------------------------------------------- */

/* The body as a JSON object, or answers 400 and returns NULL. An empty body
 * is an empty object. */
static json_t *body_json(struct req *r)
{
	size_t len;
	const char *in = http_body(r, &len);
	json_error_t jerr;
	json_t *j;

	if (len == 0)
		return json_object();
	j = json_loadb(in, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		http_respond_error(r, 400, "bad_request", "send a JSON object");
		return NULL;
	}
	return j;
}

/* ---- accounts and sessions ---------------------------------------------- */

static void set_cookie(struct srv *s, struct req *r, const char *token, int max_age)
{
	char cookie[256];

	snprintf(cookie, sizeof cookie, STAFF_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; "
		 "SameSite=Strict%s", token, max_age,
		 strncmp(s->cfg->public_url, "https://", 8) == 0 ? "; Secure" : "");
	http_add_header(r, "set-cookie", cookie);
}

static void route_signin(struct srv *s, struct req *r)
{
	json_t *body;
	const char *email, *password;
	struct staff_user u;
	char token[AUTH_TOKEN_LEN + 1], expires[32], why[200], secs[16];
	int wait, rc;

	if (require_origin(s, r) < 0)
		return;
	body = body_json(r);
	if (!body)
		return;
	email = json_string_value(json_object_get(body, "email"));
	password = json_string_value(json_object_get(body, "password"));
	if (!email || !password) {
		json_decref(body);
		http_respond_error(r, 400, "bad_request",
				   "send {\"email\": \"…\", \"password\": \"…\"}");
		return;
	}
	if (!limiter)
		limiter = staff_limiter_new();
	wait = staff_limiter_wait(limiter, email, now_ms());
	if (wait > 0) {
		json_decref(body);
		snprintf(why, sizeof why, "too many failed sign-ins for this account: try again in "
			 "%d second%s", wait, wait == 1 ? "" : "s");
		snprintf(secs, sizeof secs, "%d", wait);
		http_add_header(r, "retry-after", secs);
		http_respond_json(r, 429, json_pack("{s:{s:s, s:s, s:i}}", "error", "code",
						    "rate_limited", "message", why, "retry_after", wait));
		return;
	}
	rc = staff_password_check(s->st, email, password, &u);
	if (rc == -EACCES)
		staff_limiter_fail(limiter, email, now_ms());
	json_decref(body);
	if (rc == -EACCES) {
		http_respond_error(r, 401, "unauthorized", "the email or the password is wrong");
		return;
	}
	if (rc == -EPERM) {
		http_respond_error(r, 403, "forbidden", "this account is disabled: ask an administrator");
		return;
	}
	if (rc == 0)
		rc = staff_session_new(s->st, u.id, time(NULL), token, expires);
	if (rc < 0) {
		http_respond_error(r, 500, "internal", "signing in failed; please try again");
		return;
	}
	log_info("console: %s signed in", u.email);
	set_cookie(s, r, token, STAFF_LIFETIME_SECONDS);
	ok_json(r, 200, json_pack("{s:o, s:s}", "user", staff_user_json(&u), "expires", expires));
}

static void route_signout(struct srv *s, struct req *r)
{
	char token[AUTH_TOKEN_LEN + 1];

	if (require_origin(s, r) < 0)
		return;
	staff_token(r, token);
	if (token[0])
		staff_session_end(s->st, token);
	set_cookie(s, r, "", 0);
	ok_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void route_me(struct srv *s, struct req *r)
{
	struct staff_user u;
	char expires[32];

	if (require_staff(s, r, &u, expires) < 0)
		return;
	ok_json(r, 200, json_pack("{s:o, s:s}", "user", staff_user_json(&u), "expires", expires));
}

static void route_password(struct srv *s, struct req *r, const struct staff_user *u)
{
	char token[AUTH_TOKEN_LEN + 1];
	json_t *body = body_json(r);
	int rc;

	if (!body)
		return;
	staff_token(r, token);
	rc = staff_password_change(s->st, u->id, json_string_value(json_object_get(body, "current")),
				   json_string_value(json_object_get(body, "new")), token);
	json_decref(body);
	if (rc == -EACCES) {
		if (!limiter)
			limiter = staff_limiter_new();
		staff_limiter_fail(limiter, u->email, now_ms());
		http_respond_error(r, 401, "unauthorized", "the current password is wrong");
	} else if (rc == -EINVAL) {
		http_respond_error(r, 400, "bad_request", "the new password must have 10 to 256 bytes");
	} else if (rc < 0) {
		fail(r, rc, NULL);
	} else {
		ok_json(r, 200, json_pack("{s:b}", "ok", 1));
	}
}

static void route_users(struct srv *s, struct req *r, const struct staff_user *me, bool post)
{
	struct staff_user u;
	json_t *body;
	int rc;

	if (require_admin(r, me) < 0)
		return;
	if (!post) {
		json_t *users = staff_user_list(s->st);
		if (!users) {
			http_respond_error(r, 500, "internal", "the accounts could not be read");
			return;
		}
		ok_json(r, 200, json_pack("{s:o}", "users", users));
		return;
	}
	body = body_json(r);
	if (!body)
		return;
	rc = staff_user_add(s->st, json_string_value(json_object_get(body, "name")),
			    json_string_value(json_object_get(body, "email")),
			    staff_role_parse(json_string_value(json_object_get(body, "role"))),
			    json_string_value(json_object_get(body, "password")), &u);
	json_decref(body);
	if (rc == -EINVAL)
		http_respond_error(r, 400, "bad_request",
				   "an account needs a name (1 to 100 characters), an email address, "
				   "the role admin or secretary, and a password of 10 to 256 bytes");
	else if (rc == -EEXIST)
		http_respond_error(r, 409, "conflict", "an account with this email exists already");
	else if (rc < 0)
		fail(r, rc, NULL);
	else
		ok_json(r, 201, json_pack("{s:o}", "user", staff_user_json(&u)));
}

static void route_user_edit(struct srv *s, struct req *r, const struct staff_user *me,
			    const char *id)
{
	struct staff_change c = { 0 };
	struct staff_user u;
	json_t *body, *dis;
	int rc;

	if (require_admin(r, me) < 0)
		return;
	body = body_json(r);
	if (!body)
		return;
	c.name = json_string_value(json_object_get(body, "name"));
	c.email = json_string_value(json_object_get(body, "email"));
	c.role = json_string_value(json_object_get(body, "role"));
	c.password = json_string_value(json_object_get(body, "password"));
	dis = json_object_get(body, "disabled");
	if (dis && !json_is_boolean(dis)) {
		json_decref(body);
		http_respond_error(r, 400, "bad_request", "'disabled' must be true or false");
		return;
	}
	c.has_disabled = dis != NULL;
	c.disabled = json_is_true(dis);
	rc = staff_user_update(s->st, id, &c, &u);
	json_decref(body);
	if (rc == -ENOENT)
		http_respond_error(r, 404, "not_found", "no such staff account");
	else if (rc == -EINVAL)
		http_respond_error(r, 400, "bad_request",
				   "a name has 1 to 100 characters, an email is an address, the role "
				   "is admin or secretary, a password has 10 to 256 bytes");
	else if (rc == -EEXIST)
		http_respond_error(r, 409, "conflict", "an account with this email exists already");
	else if (rc == -EBUSY)
		http_respond_error(r, 409, "conflict",
				   "there must be at least one admin who is not disabled");
	else if (rc < 0)
		fail(r, rc, NULL);
	else
		ok_json(r, 200, json_pack("{s:o}", "user", staff_user_json(&u)));
}

/* ---- meetings ----------------------------------------------------------- */

static json_t *detail(struct srv *s, const char *meeting)
{
	return console_meeting_json(s->st, &s->key, s->cfg->public_url, meeting, true);
}

static void route_meetings(struct srv *s, struct req *r, const struct staff_user *u, bool post)
{
	/* Each as large as the longest argument: lws_get_urlarg_by_name() gives
	 * up at the first argument, of any name, longer than the buffer. */
	char when[1024], q[1024], from[1024], to[1024], err[300] = "", id[AUTH_ID_LEN + 1];
	struct lws *wsi = http_wsi(r);
	json_t *list = NULL, *body;
	int rc;

	if (!post) {
		struct console_filter f = {
			.when = lws_get_urlarg_by_name(wsi, "when=", when, sizeof when),
			.q = lws_get_urlarg_by_name(wsi, "q=", q, sizeof q),
			.from = lws_get_urlarg_by_name(wsi, "from=", from, sizeof from),
			.to = lws_get_urlarg_by_name(wsi, "to=", to, sizeof to),
		};
		rc = console_meeting_list(s->st, &s->key, s->cfg->public_url, u, &f, &list, err,
					  sizeof err);
		if (rc < 0) {
			fail(r, rc, err);
			return;
		}
		ok_json(r, 200, json_pack("{s:o}", "meetings", list));
		return;
	}
	body = body_json(r);
	if (!body)
		return;
	rc = console_meeting_create(s->st, &s->key, u, body, id, err, sizeof err);
	json_decref(body);
	if (rc < 0) {
		fail(r, rc, err);
		return;
	}
	log_info("console: %s created meeting %s", u->email, id);
	ok_json(r, 201, json_pack("{s:o*}", "meeting", detail(s, id)));
}

static void route_meeting(struct srv *s, struct req *r, const struct staff_user *u,
			  const char *meeting, const char *actor, bool post)
{
	char err[300] = "";
	json_t *body, *event = NULL;
	int rc;

	if (!post) {
		ok_json(r, 200, json_pack("{s:o*}", "meeting", detail(s, meeting)));
		return;
	}
	body = body_json(r);
	if (!body)
		return;
	rc = console_meeting_edit(s->st, meeting, actor, body, err, sizeof err, &event);
	json_decref(body);
	if (rc < 0) {
		fail(r, rc, err);
		return;
	}
	broadcast(s, meeting, event);
	ws_quorum_note(s, meeting); /* the quorum rule may have changed */
	ok_json(r, 200, json_pack("{s:o*}", "meeting", detail(s, meeting)));
}

static void route_clone(struct srv *s, struct req *r, const struct staff_user *u,
			const char *meeting)
{
	char err[300] = "", id[AUTH_ID_LEN + 1];
	json_t *body = body_json(r);
	int rc;

	if (!body)
		return;
	rc = console_meeting_clone(s->st, &s->key, u, meeting, body, id, err, sizeof err);
	json_decref(body);
	if (rc < 0) {
		fail(r, rc, err);
		return;
	}
	log_info("console: %s cloned meeting %s as %s", u->email, meeting, id);
	ok_json(r, 201, json_pack("{s:o*}", "meeting", detail(s, id)));
}

static void route_lifecycle(struct srv *s, struct req *r, const char *meeting, const char *actor,
			    bool open)
{
	json_t *event = NULL;
	int rc = open ? meeting_open(s->st, meeting, actor, &event)
		      : meeting_close(s->st, meeting, actor, &event);

	switch (rc) {
	case 0:
		break;
	case -EALREADY:
		http_respond_error(r, 409, "conflict", open ? "this meeting is open already"
							    : "this meeting is closed");
		return;
	case -EPERM:
		http_respond_error(r, 409, "conflict", "this meeting is closed");
		return;
	case -EBUSY:
		http_respond_error(r, 409, "conflict", "a vote is open: close it before closing the meeting");
		return;
	case -EINPROGRESS:
		http_respond_error(r, 409, "conflict",
				   "someone has the floor: end the turn before closing the meeting");
		return;
	default:
		fail(r, rc, NULL);
		return;
	}
	json_t *seq = json_incref(json_object_get(event, "seq"));
	broadcast(s, meeting, event);
	ok_json(r, 200, json_pack("{s:o*, s:o}", "meeting", detail(s, meeting), "seq", seq));
}

static void route_grant(struct srv *s, struct req *r, const struct staff_user *u,
			const char *meeting, const char *user)
{
	json_t *event = NULL, *body = NULL;
	int rc;

	if (!staff_may_grant(s->st, u, meeting)) {
		http_respond_error(r, 403, "forbidden",
				   "only an administrator or the meeting's creator gives it to others");
		return;
	}
	if (user) {
		rc = console_revoke(s->st, meeting, user, u, &event);
	} else {
		body = body_json(r);
		if (!body)
			return;
		const char *email = json_string_value(json_object_get(body, "email"));
		rc = email ? console_grant(s->st, meeting, email, u, &event) : -EINVAL;
		json_decref(body);
	}
	if (rc == -ENOENT) {
		http_respond_error(r, 404, "not_found", user ? "this staff member was not given the meeting"
							     : "no staff account has this email");
		return;
	}
	if (rc == -EPERM) {
		http_respond_error(r, 409, "conflict", "the meeting's creator keeps it");
		return;
	}
	if (rc < 0) {
		fail(r, rc, "send {\"email\": \"…\"}");
		return;
	}
	broadcast(s, meeting, event);
	ok_json(r, 200, json_pack("{s:o}", "staff", staff_meeting_staff(s->st, meeting)));
}

/* ---- agenda ------------------------------------------------------------- */

static void route_agenda(struct srv *s, struct req *r, const char *meeting, const char *actor,
			 const char *item, const char *verb)
{
	char err[300] = "", id[AUTH_ID_LEN + 1] = "";
	json_t *body = NULL, *event = NULL;
	int rc, status = 200;

	if (!verb || strcmp(verb, "remove") != 0) {
		body = body_json(r);
		if (!body)
			return;
	}
	if (!item && verb && strcmp(verb, "order") == 0) {
		rc = console_agenda_order(s->st, meeting, actor, json_object_get(body, "items"), err,
					  sizeof err, &event);
	} else if (!item) {
		rc = console_agenda_add(s->st, meeting, actor, body, id, err, sizeof err, &event);
		status = 201;
	} else if (verb) {
		rc = console_agenda_remove(s->st, meeting, item, actor, &event);
	} else {
		rc = console_agenda_edit(s->st, meeting, item, actor, body, err, sizeof err, &event);
	}
	json_decref(body);
	if (rc == -ENOENT) {
		http_respond_error(r, 404, "not_found", "no such agenda item in this meeting");
		return;
	}
	if (rc == -EBUSY) {
		http_respond_error(r, 409, "conflict", "this item has minutes: clear its minutes "
						       "before removing it");
		return;
	}
	if (rc < 0) {
		fail(r, rc, err);
		return;
	}
	json_t *reply = seq_reply(event);
	json_object_set_new(reply, "agenda", console_agenda_json(s->st, meeting, true));
	if (id[0])
		json_object_set_new(reply, "item", json_string(id));
	broadcast(s, meeting, event);
	ok_json(r, status, reply);
}

/* ---- roster ------------------------------------------------------------- */

static void link_url(struct srv *s, const char *token, char *out, size_t len)
{
	snprintf(out, len, "%s/j/%s", s->cfg->public_url, token);
}

static json_t *participant_of(struct srv *s, const char *meeting, const char *id)
{
	json_t *all = console_participants_json(s->st, meeting), *p, *found = NULL;
	size_t i;

	json_array_foreach(all, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0) {
			found = json_incref(p);
			break;
		}
	}
	json_decref(all);
	return found ? found : json_null();
}

static void route_participants(struct srv *s, struct req *r, const char *meeting,
			       const char *actor, const char *pid, const char *verb, bool post)
{
	char err[300] = "", id[AUTH_ID_LEN + 1], token[AUTH_TOKEN_LEN + 1], url[1200];
	json_t *body = NULL, *event = NULL;
	int rc;

	if (pid && verb && strcmp(verb, "link") == 0 && !post) {
		rc = console_link_get(s->st, &s->key, meeting, pid, token);
		if (rc == -ESRCH) {
			http_respond_error(r, 409, "conflict", "this link was made on the command line and "
							       "cannot be shown again: re-issue it");
			return;
		}
		if (rc < 0) {
			http_respond_error(r, 404, "not_found", "no such participant in this meeting");
			return;
		}
		link_url(s, token, url, sizeof url);
		ok_json(r, 200, json_pack("{s:s, s:s}", "participant", pid, "link", url));
		return;
	}
	if (!post) {
		http_respond_error(r, 405, "method_not_allowed", "use POST");
		return;
	}
	if (pid && verb && strcmp(verb, "link") == 0) {
		rc = console_link_reissue(s->st, &s->key, meeting, pid, actor, token, &event);
		if (rc == -ENOENT) {
			http_respond_error(r, 404, "not_found", "no such participant in this meeting");
			return;
		}
		if (rc < 0) {
			fail(r, rc, NULL);
			return;
		}
		link_url(s, token, url, sizeof url);
		json_t *reply = seq_reply(event);
		json_object_set_new(reply, "participant", json_string(pid));
		json_object_set_new(reply, "link", json_string(url));
		broadcast(s, meeting, event);
		ok_json(r, 200, reply);
		return;
	}
	if (pid && verb) { /* remove */
		rc = console_participant_remove(s->st, meeting, pid, actor, &event);
	} else {
		body = body_json(r);
		if (!body)
			return;
		if (pid)
			rc = console_participant_edit(s->st, meeting, pid, actor, body, err, sizeof err,
						      &event);
		else
			rc = console_participant_add(s->st, &s->key, meeting, actor, body, id, token, err,
						     sizeof err, &event);
		json_decref(body);
	}
	if (rc == -ENOENT) {
		http_respond_error(r, 404, "not_found", "no such participant in this meeting");
		return;
	}
	if (rc == -EPERM) {
		http_respond_error(r, 409, "conflict", "the room display is part of every meeting: "
						       "it cannot be changed or removed (its link can be re-issued)");
		return;
	}
	if (rc == -EBUSY) {
		http_respond_error(r, 409, "conflict", "this person has taken part in the meeting "
						       "(joined, voted or spoke) and stays on its record");
		return;
	}
	if (rc < 0) {
		fail(r, rc, err);
		return;
	}
	json_t *reply = seq_reply(event);
	if (pid && !verb)
		json_object_set_new(reply, "participant", participant_of(s, meeting, pid));
	if (!pid) {
		json_object_set_new(reply, "participant", participant_of(s, meeting, id));
		link_url(s, token, url, sizeof url);
		json_object_set_new(reply, "link", json_string(url));
	}
	broadcast(s, meeting, event);
	ws_quorum_note(s, meeting); /* roles and members may have changed */
	ok_json(r, pid ? 200 : 201, reply);
}

/* Parses the body as a roster and checks it against the meeting. Returns
 * the roster, or answers and returns NULL. */
static struct roster *roster_of_body(struct srv *s, struct req *r, const char *meeting)
{
	char err[300] = "";
	size_t len;
	const char *in = http_body(r, &len);
	struct roster *ro = NULL;
	int rc = roster_csv_parse(in, len, &ro, err, sizeof err);

	if (rc == -E2BIG) {
		http_respond_error(r, 413, "too_large", err);
		return NULL;
	}
	if (rc < 0) {
		http_respond_error(r, rc == -ENOMEM ? 500 : 400, rc == -ENOMEM ? "internal" : "bad_request",
				   err);
		return NULL;
	}
	rc = console_roster_check(s->st, meeting, ro);
	if (rc < 0) {
		roster_free(ro);
		fail(r, rc, NULL);
		return NULL;
	}
	return ro;
}

static void previews_expire(int64_t now)
{
	for (int i = 0; i < PREVIEWS_MAX; i++) {
		if (previews[i].roster && now - previews[i].made_ms > PREVIEW_TTL_MS) {
			roster_free(previews[i].roster);
			previews[i].roster = NULL;
		}
	}
}

static void route_preview(struct srv *s, struct req *r, const struct staff_user *u,
			  const char *meeting)
{
	struct roster *ro = roster_of_body(s, r, meeting);
	struct preview *slot = NULL;
	int64_t now = now_ms();

	if (!ro)
		return;
	previews_expire(now);
	for (int i = 0; i < PREVIEWS_MAX && !slot; i++)
		if (!previews[i].roster)
			slot = &previews[i];
	if (!slot) { /* full: the oldest goes */
		slot = &previews[0];
		for (int i = 1; i < PREVIEWS_MAX; i++)
			if (previews[i].made_ms < slot->made_ms)
				slot = &previews[i];
		roster_free(slot->roster);
	}
	auth_id_new(slot->id);
	snprintf(slot->user, sizeof slot->user, "%s", u->id);
	snprintf(slot->meeting, sizeof slot->meeting, "%s", meeting);
	slot->made_ms = now;
	slot->roster = ro;
	json_t *j = roster_json(ro);
	if (j)
		json_object_set_new(j, "preview", json_string(slot->id));
	ok_json(r, 200, j);
}

static void route_import(struct srv *s, struct req *r, const struct staff_user *u,
			 const char *meeting, const char *actor)
{
	char ctype[128] = "", url[1200];
	struct roster *ro = NULL;
	struct preview *used = NULL;
	json_t *added = NULL, *event = NULL, *p;
	size_t i;
	int rc;

	lws_hdr_copy(http_wsi(r), ctype, sizeof ctype, WSI_TOKEN_HTTP_CONTENT_TYPE);
	if (strncasecmp(ctype, "application/json", 16) == 0) {
		json_t *body = body_json(r);
		const char *id;
		if (!body)
			return;
		id = json_string_value(json_object_get(body, "preview"));
		previews_expire(now_ms());
		for (int k = 0; id && k < PREVIEWS_MAX && !used; k++)
			if (previews[k].roster && strcmp(previews[k].id, id) == 0 &&
			    strcmp(previews[k].user, u->id) == 0 &&
			    strcmp(previews[k].meeting, meeting) == 0)
				used = &previews[k];
		json_decref(body);
		if (!used) {
			http_respond_error(r, 404, "not_found", "this preview has expired: preview the file again");
			return;
		}
		ro = used->roster;
		used->roster = NULL; /* used once, whatever happens */
	} else {
		ro = roster_of_body(s, r, meeting);
		if (!ro)
			return;
	}
	rc = console_roster_import(s->st, &s->key, meeting, actor, ro, &added, &event);
	roster_free(ro);
	if (rc == -ESTALE) {
		http_respond_error(r, 409, "conflict", "the roster has changed since the preview: "
						       "preview the file again");
		return;
	}
	if (rc == -ENODATA) {
		http_respond_error(r, 400, "bad_request", "the file has no row that can be added");
		return;
	}
	if (rc < 0) {
		fail(r, rc, NULL);
		return;
	}
	json_array_foreach(added, i, p) {
		link_url(s, json_string_value(json_object_get(p, "token")), url, sizeof url);
		json_object_del(p, "token");
		json_object_set_new(p, "link", json_string(url));
	}
	json_t *reply = seq_reply(event);
	json_object_set_new(reply, "added", json_integer((json_int_t)json_array_size(added)));
	json_object_set_new(reply, "participants", added);
	broadcast(s, meeting, event);
	ws_quorum_note(s, meeting);
	log_info("console: %s imported %zu participants into %s", u->email,
		 json_array_size(added), meeting);
	ok_json(r, 201, reply);
}

/* ---- documents ---------------------------------------------------------- */

static void route_doc(struct srv *s, struct req *r, const struct staff_user *u, const char *doc,
		      const char *verb)
{
	struct library_doc d;
	char actor[STAFF_ACTOR_LEN + 1];
	json_t *body = NULL, *event = NULL, *stopped = NULL;
	int rc = 0;

	if (library_doc_lookup(s->st, doc, &d) < 0) {
		http_respond_error(r, 404, "not_found", "no such document");
		return;
	}
	if (require_touch(s, r, u, d.meeting) < 0)
		return;
	if (meeting_is_closed(s->st, d.meeting)) {
		http_respond_error(r, 409, "conflict", "this meeting is closed");
		return;
	}
	staff_actor(u->id, actor);
	if (verb) {
		rc = library_doc_remove(s->st, d.meeting, doc, actor, &event, &stopped);
		broadcast(s, d.meeting, stopped);
		if (rc < 0) {
			fail(r, rc == -ENOENT ? -ENOENT : rc, "no such document");
			return;
		}
		json_t *reply = seq_reply(event);
		broadcast(s, d.meeting, event);
		ok_json(r, 200, reply);
		return;
	}
	body = body_json(r);
	if (!body)
		return;
	json_t *title = json_object_get(body, "title"), *item = json_object_get(body, "item");
	json_t *pos = json_object_get(body, "position"), *reply = json_object();
	if ((title && !json_is_string(title)) || (item && !json_is_string(item) && !json_is_null(item)) ||
	    (pos && !json_is_integer(pos)) || (pos && !item)) {
		rc = -EINVAL;
	}
	if (rc == 0 && title) {
		rc = library_doc_rename(s->st, d.meeting, doc, json_string_value(title), actor, &event);
		if (rc == 0) {
			json_object_set(reply, "seq", json_object_get(event, "seq"));
			broadcast(s, d.meeting, event);
			event = NULL;
		}
	}
	if (rc == 0 && item) {
		const char *it = json_string_value(item);
		if (it && !(auth_id_valid(it) && meeting_item_belongs(s->st, d.meeting, it))) {
			rc = -ENOENT;
		} else {
			rc = library_doc_move(s->st, d.meeting, doc, it,
					      pos ? (int)json_integer_value(pos) : 1, actor, &event);
			if (rc == 0) {
				json_object_set(reply, "seq", json_object_get(event, "seq"));
				broadcast(s, d.meeting, event);
				event = NULL;
			}
		}
	}
	json_decref(body);
	if (rc < 0) {
		json_decref(reply);
		if (rc == -EINVAL || rc == -ERANGE)
			http_respond_error(r, 400, "bad_request", "a title has 1 to 300 characters; a "
								  "position goes with an item and is within "
								  "its documents");
		else
			fail(r, rc, "no such document or agenda item in this meeting");
		return;
	}
	ok_json(r, 200, reply);
}

/* ---- printed material ---------------------------------------------------- */

static void route_print(struct srv *s, struct req *r, const char *meeting, const char *actor,
			bool cards)
{
	char arg[4096], name[64];
	json_t *spec = NULL, *events = NULL, *only = NULL, *ev;
	size_t i;
	int rc;

	if (cards) {
		const char *list = lws_get_urlarg_by_name(http_wsi(r), "participants=", arg, sizeof arg);
		if (list && *list) {
			char *save = NULL, *copy = strdup(list);
			only = json_array();
			for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
			     t = strtok_r(NULL, ",", &save))
				json_array_append_new(only, json_string(t));
			free(copy);
		}
		rc = console_invitations_spec(s->st, &s->key, s->cfg->public_url, meeting, actor, only,
					      &spec, &events);
		json_decref(only);
		json_array_foreach(events, i, ev)
			broadcast(s, meeting, json_incref(ev));
		json_decref(events);
	} else {
		rc = console_poster_spec(s->st, &s->key, s->cfg->public_url, meeting, &spec);
	}
	if (rc == -ENODATA) {
		http_respond_error(r, 409, "conflict", "nobody is on the roster yet: add participants first");
		return;
	}
	if (rc == -ENOENT) {
		http_respond_error(r, 404, "not_found", "no such participant in this meeting");
		return;
	}
	if (rc < 0) {
		fail(r, rc, NULL);
		return;
	}
	snprintf(name, sizeof name, "%s-%s.pdf", cards ? "invitations" : "poster", meeting);
	http_print(s, r, spec, name);
	json_decref(spec);
}

/* ---- dispatch ----------------------------------------------------------- */

/* "/prefix<id>" with a 12-character id: what follows it, or NULL. */
static const char *match_id(const char *path, const char *prefix, char id[AUTH_ID_LEN + 1])
{
	size_t n = strlen(prefix), k;

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	path += n;
	k = strcspn(path, "/");
	if (k != AUTH_ID_LEN)
		return NULL;
	memcpy(id, path, k);
	id[k] = 0;
	return auth_id_valid(id) ? path + k : NULL;
}

static bool wants_csv(const char *path)
{
	char id[AUTH_ID_LEN + 1];
	const char *rest = match_id(path, "/api/console/meetings/", id);

	return rest && (strcmp(rest, "/roster/preview") == 0 || strcmp(rest, "/roster/import") == 0);
}

void console_http_request(struct srv *s, struct req *r, const char *path, bool post)
{
	if (post) {
		/* Routes are handled with their body, in console_http_body(). */
		http_read_body(r, wants_csv(path) ? ROSTER_CSV_MAX : JSON_MAX);
		return;
	}
	console_http_body(s, r);
}

/* One route of /api/console/meetings/<m>/…, for a staff member who may
 * touch <m>. `rest` is what follows the id. */
static void meeting_routes(struct srv *s, struct req *r, const struct staff_user *u,
			   const char *m, const char *rest, bool post)
{
	char actor[STAFF_ACTOR_LEN + 1], id[AUTH_ID_LEN + 1];
	const char *sub;

	staff_actor(u->id, actor);
	if (!*rest)
		return route_meeting(s, r, u, m, actor, post);
	if (!post && strcmp(rest, "/invitations.pdf") == 0)
		return route_print(s, r, m, actor, true);
	if (!post && strcmp(rest, "/poster.pdf") == 0)
		return route_print(s, r, m, actor, false);
	if ((sub = match_id(rest, "/participants/", id)) && (!*sub || strcmp(sub, "/remove") == 0 ||
							     strcmp(sub, "/link") == 0))
		return route_participants(s, r, m, actor, id, *sub ? sub + 1 : NULL, post);
	if (!post)
		return http_respond_error(r, 404, "not_found", "no such route");
	if (strcmp(rest, "/clone") == 0)
		return route_clone(s, r, u, m);
	if (strcmp(rest, "/open") == 0 || strcmp(rest, "/close") == 0)
		return route_lifecycle(s, r, m, actor, rest[1] == 'o');
	if (strcmp(rest, "/staff") == 0)
		return route_grant(s, r, u, m, NULL);
	if ((sub = match_id(rest, "/staff/", id)) && strcmp(sub, "/remove") == 0)
		return route_grant(s, r, u, m, id);
	if (strcmp(rest, "/agenda") == 0)
		return route_agenda(s, r, m, actor, NULL, NULL);
	if (strcmp(rest, "/agenda/order") == 0)
		return route_agenda(s, r, m, actor, NULL, "order");
	if ((sub = match_id(rest, "/agenda/", id)) && (!*sub || strcmp(sub, "/remove") == 0))
		return route_agenda(s, r, m, actor, id, *sub ? "remove" : NULL);
	if (strcmp(rest, "/participants") == 0)
		return route_participants(s, r, m, actor, NULL, NULL, post);
	if (strcmp(rest, "/roster/preview") == 0)
		return route_preview(s, r, u, m);
	if (strcmp(rest, "/roster/import") == 0)
		return route_import(s, r, u, m, actor);
	http_respond_error(r, 404, "not_found", "no such route");
}

void console_http_body(struct srv *s, struct req *r)
{
	const char *path = http_path(r);
	char id[AUTH_ID_LEN + 1];
	struct staff_user u;
	const char *rest;
	size_t len;
	bool post;

	http_body(r, &len);
	post = lws_hdr_total_length(http_wsi(r), WSI_TOKEN_POST_URI) > 0;

	if (strcmp(path, "/api/staff/signin") == 0)
		return post ? route_signin(s, r) : http_respond_error(r, 405, "method_not_allowed", "use POST");
	if (strcmp(path, "/api/staff/signout") == 0)
		return post ? route_signout(s, r) : http_respond_error(r, 405, "method_not_allowed", "use POST");
	if (strcmp(path, "/api/staff/me") == 0)
		return route_me(s, r);

	if (post && require_origin(s, r) < 0)
		return;
	if (require_staff(s, r, &u, NULL) < 0)
		return;

	if (strcmp(path, "/api/staff/password") == 0)
		return post ? route_password(s, r, &u)
			    : http_respond_error(r, 405, "method_not_allowed", "use POST");
	if (strcmp(path, "/api/staff/users") == 0)
		return route_users(s, r, &u, post);
	if ((rest = match_id(path, "/api/staff/users/", id)) && !*rest)
		return post ? route_user_edit(s, r, &u, id)
			    : http_respond_error(r, 405, "method_not_allowed", "use POST");
	if (strcmp(path, "/api/console/meetings") == 0)
		return route_meetings(s, r, &u, post);
	if ((rest = match_id(path, "/api/console/meetings/", id))) {
		if (require_touch(s, r, &u, id) < 0)
			return;
		return meeting_routes(s, r, &u, id, rest, post);
	}
	if ((rest = match_id(path, "/api/console/docs/", id)) && post &&
	    (!*rest || strcmp(rest, "/remove") == 0))
		return route_doc(s, r, &u, id, *rest ? "remove" : NULL);
	http_respond_error(r, 404, "not_found", "no such route");
}
