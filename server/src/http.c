/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http — the HTTP routes: the web client's files, joining, document upload,
 * page images, the room QR code, the minutes and the event log as files,
 * health and metrics, the source.
 *
 * Design note. Every request's answer goes out from HTTP_WRITEABLE: a route
 * either fills in `struct req`'s response (status, headers, body or a file)
 * and asks for a writeable callback, or parks the request on a render job
 * (a page not yet in the cache, or the page count of an upload). The job's
 * result comes back through http_render_done() on the loop thread, which
 * fills in the response the same way. So the loop never waits for MuPDF,
 * and a client that hangs up while its render runs leaves a `pending` whose
 * `req` is NULL: the result is dropped (and an upload's file removed). The
 * minutes as PDF go the same way: their HTML is written under <data>/tmp,
 * laid out by a worker (render_story), and the PDF read back, sent and
 * removed with it.
 *
 * Request bodies are bounded: 16 KiB for JSON, the configured upload cap
 * for documents (counted here: lws caps only the form fields). A response
 * sent before a POST's body was read closes the connection afterwards, so
 * that the rest of the body is never parsed as a new request.
 *
 * Threads: the lws service thread only.
 */
#include "transport.h"
#include "http_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "library.h"
#include "log.h"
#include "meeting.h"
#include "minutes.h"
#include "office.h"
#include "qr.h"
#include "render.h"
#include "search.h"
#include "store.h"

#define JSON_BODY_MAX (16 * 1024)
#define COOKIE_NAME "plenum_session"
#define SESSION_MAX_AGE "2592000"

enum req_state { R_IDLE, R_JSON_BODY, R_UPLOAD, R_WAIT, R_RESPOND, R_DONE };
enum route { RT_NONE, RT_JOIN, RT_UPLOAD, RT_CONSOLE };

/* What a render job's `user` pointer (a struct pending) is for. */
enum job_kind {
	JOB_UPLOAD,             /* page count of an upload: req waits to answer */
	JOB_CONVERT,            /* an Office upload's conversion to PDF: req waits */
	JOB_PAGE,               /* a page image a request waits for */
	JOB_PRERENDER,          /* a page image rendered ahead of time (pre) */
	JOB_TEXT,               /* the text of some pages of a blob (ix) */
	JOB_FIND,               /* a search's rectangles on a page: req waits */
	JOB_STORY,              /* the minutes laid out as PDF (path); req waits */
	JOB_PRINT,              /* printed material (console_http.c) as PDF (path); req waits */
};

struct pending {
	struct pending *next;
	struct req *req;        /* NULL once the client hung up; always for JOB_PRERENDER */
	enum job_kind kind;
	struct prerender *pre;  /* JOB_PRERENDER: the document's progress */
	struct indexing *ix;    /* JOB_TEXT: the blob being indexed */
	int page, width;        /* JOB_PAGE, JOB_PRERENDER; JOB_TEXT its first page */
	char path[4200];        /* the PNG to serve, or the upload to remove */
	char html[1400];        /* JOB_STORY: the HTML laid out, removed after */
	/* JOB_PAGE, JOB_PRERENDER: whose page it is, for a stored error */
	char doc[AUTH_ID_LEN + 1], meeting[AUTH_ID_LEN + 1], sha[LIBRARY_SHA_LEN + 1];
};

/* A document being pre-rendered: its jobs are pendings that point here. */
struct prerender {
	struct prerender *next;
	char doc[AUTH_ID_LEN + 1];
	char meeting[AUTH_ID_LEN + 1];
	char sha[LIBRARY_SHA_LEN + 1];
	char blob[1400], dir[1200];
	int pages;
	int cursor;             /* the next image (0 … total - 1) to queue */
	int total, rendered, failed, outstanding;
	int64_t started_ms, sent_ms;
};

/* Jobs a document has queued at once: enough to keep the workers busy, few
 * enough that a document whose pages hang stops after one timeout instead
 * of holding the workers for (2N + 1) × the timeout. */
#define PRERENDER_WINDOW 2

#define PROGRESS_INTERVAL_MS 250 /* at most 4 doc.progress per second per document */

struct req {
	struct lws *wsi;
	enum req_state state;
	enum route route;
	struct auth_who who;
	/* the response */
	int status;
	char ctype[128];        /* fits the longest Office type (mime_of) */
	char *body;
	size_t body_len, sent;
	char headers[1024];     /* extra "name: value\r\n" lines, pre-rendered */
	size_t headers_len;
	bool headers_sent, close_after;
	char file[4200];        /* serve this file instead of body */
	bool pinned;            /* `file` is pinned in the page cache */
	/* a JSON request body */
	char *in;
	size_t inlen;
	size_t in_max;          /* its cap, when not JSON_BODY_MAX (RT_CONSOLE) */
	char path[256];         /* RT_CONSOLE: the route, for console_http_body() */
	char actor[32];         /* an upload by staff: "staff:<id>" (console_http.c) */
	/* an upload */
	struct lws_spa *spa;
	int fd;
	char tmp[1400], filename[256];
	size_t bytes;
	bool too_large, got_file;
	struct library_hasher hasher;
	/* an Office upload (office.h): r->tmp is the original, r->pdf its
	 * conversion, r->sha the original's SHA-256 (the blob's key) */
	bool office;
	char sha[LIBRARY_SHA_LEN + 1], office_ext[16], pdf[1400];
	char meeting[AUTH_ID_LEN + 1];
	struct pending *pending;
};

size_t http_pss_size(void)
{
	return sizeof(struct req);
}

/* ---- responses ---------------------------------------------------------- */

static void add_header(struct req *r, const char *name, const char *value)
{
	int n = snprintf(r->headers + r->headers_len, sizeof r->headers - r->headers_len,
			 "%s: %s\r\n", name, value);
	if (n > 0 && r->headers_len + (size_t)n < sizeof r->headers)
		r->headers_len += (size_t)n;
}

static void respond(struct req *r, int status, const char *ctype, char *body, size_t len)
{
	r->status = status;
	snprintf(r->ctype, sizeof r->ctype, "%s", ctype);
	free(r->body);
	r->body = body;
	r->body_len = len;
	r->sent = 0;
	r->state = R_RESPOND;
	lws_callback_on_writable(r->wsi);
}

static void respond_json(struct req *r, int status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!text) {
		respond(r, 500, "text/plain", strdup("out of memory"), 13);
		return;
	}
	respond(r, status, "application/json", text, strlen(text));
}

static void respond_error(struct req *r, int status, const char *code, const char *message)
{
	respond_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code,
					  "message", message));
}

/* What console_http.c borrows (http_internal.h). */
struct lws *http_wsi(struct req *r)
{
	return r->wsi;
}

void http_add_header(struct req *r, const char *name, const char *value)
{
	add_header(r, name, value);
}

void http_respond(struct req *r, int status, const char *ctype, char *body, size_t len)
{
	respond(r, status, ctype, body, len);
}

void http_respond_json(struct req *r, int status, json_t *j)
{
	respond_json(r, status, j);
}

void http_respond_error(struct req *r, int status, const char *code, const char *message)
{
	respond_error(r, status, code, message);
}

void http_read_body(struct req *r, size_t max)
{
	char cl[32], te[32];

	r->in_max = max;
	/* A POST without a body may get no body callbacks at all. */
	if (lws_hdr_copy(r->wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ?
	    strtoull(cl, NULL, 10) == 0 :
	    lws_hdr_copy(r->wsi, te, sizeof te, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0) {
		console_http_body(srv_of(r->wsi), r);
		return;
	}
	r->state = R_JSON_BODY;
}

const char *http_body(struct req *r, size_t *len)
{
	*len = r->in ? r->inlen : 0;
	return r->in ? r->in : "";
}

const char *http_path(struct req *r)
{
	return r->path;
}

static void respond_file(struct req *r, const char *path, const char *ctype)
{
	snprintf(r->file, sizeof r->file, "%s", path);
	snprintf(r->ctype, sizeof r->ctype, "%s", ctype);
	r->status = 200;
	r->state = R_RESPOND;
	lws_callback_on_writable(r->wsi);
}

/* Serves a page image from the cache, pinned until lws has opened it (an
 * eviction between now and the writeable callback would leave nothing to
 * send; once it is open, unlinking it is harmless on Linux). */
static void respond_cached(struct srv *s, struct req *r, const char *path)
{
	respond_file(r, path, "image/png");
	cache_pin(s->cache, r->file);
	r->pinned = true;
}

static void unpin(struct req *r)
{
	if (r->pinned) {
		cache_unpin(srv_of(r->wsi)->cache, r->file);
		r->pinned = false;
	}
}

/* Writes the status line and headers. Returns 0 or -1 (close). */
static int write_headers(struct req *r, size_t content_len)
{
	unsigned char buf[LWS_PRE + 2048];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;

	if (lws_add_http_common_headers(r->wsi, (unsigned int)r->status, r->ctype,
					content_len, &p, end))
		return -1;
	if (lws_add_http_header_by_name(r->wsi, (const unsigned char *)"x-content-type-options:",
					(const unsigned char *)"nosniff", 7, &p, end) ||
	    lws_add_http_header_by_name(r->wsi, (const unsigned char *)"referrer-policy:",
					(const unsigned char *)"no-referrer", 11, &p, end))
		return -1;
	/* The pre-rendered extra headers go in verbatim. */
	if (r->headers_len) {
		if ((size_t)(end - p) < r->headers_len)
			return -1;
		memcpy(p, r->headers, r->headers_len);
		p += r->headers_len;
	}
	if (r->close_after &&
	    lws_add_http_header_by_name(r->wsi, (const unsigned char *)"connection:",
					(const unsigned char *)"close", 5, &p, end))
		return -1;
	if (lws_finalize_write_http_header(r->wsi, start, &p, end))
		return -1;
	r->headers_sent = true;
	return 0;
}

static int finish(struct req *r)
{
	r->state = R_DONE;
	free(r->body);
	r->body = NULL;
	free(r->in);
	r->in = NULL;
	if (r->close_after)
		return -1;
	return lws_http_transaction_completed(r->wsi) ? -1 : 0;
}

static int writeable(struct req *r)
{
	if (r->state != R_RESPOND)
		return 0;
	if (r->file[0]) {
		/* lws streams the file and completes the transaction itself. */
		int n = lws_serve_http_file(r->wsi, r->file, r->ctype,
					    r->headers_len ? r->headers : NULL,
					    (int)r->headers_len);
		unpin(r);
		r->file[0] = 0;
		r->state = R_DONE;
		return n < 0 ? -1 : (n > 0 && lws_http_transaction_completed(r->wsi) ? -1 : 0);
	}
	if (!r->headers_sent) {
		if (write_headers(r, r->body_len) < 0)
			return -1;
		if (!r->body_len)
			return finish(r);
		lws_callback_on_writable(r->wsi);
		return 0;
	}
	size_t chunk = r->body_len - r->sent;
	if (chunk > 16384)
		chunk = 16384;
	unsigned char *buf = malloc(LWS_PRE + chunk);
	if (!buf)
		return -1;
	memcpy(buf + LWS_PRE, r->body + r->sent, chunk);
	bool last = r->sent + chunk == r->body_len;
	int n = lws_write(r->wsi, buf + LWS_PRE, chunk,
			  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
	free(buf);
	if (n < (int)chunk)
		return -1;
	r->sent += chunk;
	if (last)
		return finish(r);
	lws_callback_on_writable(r->wsi);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

struct srv *srv_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

void http_session_token(struct lws *wsi, char out[AUTH_TOKEN_LEN + 1])
{
	char buf[128];
	size_t max = sizeof buf;

	const char *v;

	out[0] = 0;
	/* lws_get_urlarg_by_name() copies "name=value" and points past "name=". */
	v = lws_get_urlarg_by_name(wsi, "session=", buf, (int)sizeof buf);
	if (v && strlen(v) == AUTH_TOKEN_LEN) {
		memcpy(out, v, AUTH_TOKEN_LEN + 1);
		return;
	}
	if (lws_http_cookie_get(wsi, COOKIE_NAME, buf, &max) == 0 && max == AUTH_TOKEN_LEN) {
		memcpy(out, buf, AUTH_TOKEN_LEN);
		out[AUTH_TOKEN_LEN] = 0;
	}
}

/* Resolves the request's session into r->who. Returns 0, or responds with
 * 401 and returns -1. */
static int require_session(struct srv *s, struct req *r)
{
	char session[AUTH_TOKEN_LEN + 1];

	http_session_token(r->wsi, session);
	if (!session[0] || auth_session_lookup(s->st, session, &r->who) < 0) {
		respond_error(r, 401, "unauthorized",
			      "you are not in this meeting: open its link or scan its QR code");
		return -1;
	}
	return 0;
}

/* The session must belong to `meeting`. */
static int require_meeting(struct srv *s, struct req *r, const char *meeting)
{
	if (require_session(s, r) < 0)
		return -1;
	if (strcmp(r->who.meeting, meeting) != 0) {
		respond_error(r, 403, "forbidden", "your session belongs to another meeting");
		return -1;
	}
	return 0;
}

static const char *mime_of(const char *path)
{
	static const struct { const char *ext, *mime; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".webmanifest", "application/manifest+json" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".pdf", "application/pdf" },
		{ ".gz", "application/gzip" },
		{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ ".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ ".doc", "application/msword" },
		{ ".xls", "application/vnd.ms-excel" },
		{ ".ppt", "application/vnd.ms-powerpoint" },
		{ ".odt", "application/vnd.oasis.opendocument.text" },
		{ ".ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ ".odp", "application/vnd.oasis.opendocument.presentation" },
		{ ".rtf", "application/rtf" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return "application/octet-stream";
}

/* A path under the web root: letters, digits, '-', '_', '.', '/', and no
 * segment starting with a dot (no "..", no hidden files). */
static bool safe_path(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.' || *c == '/'))
			return false;
		if (*c == '/' && c[1] == '.')
			return false;
	}
	return strlen(p) < 512;
}

static void serve_static(struct srv *s, struct req *r, const char *path)
{
	char file[4200];
	struct stat sb;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (!safe_path(path)) {
		respond_error(r, 404, "not_found", "no such page");
		return;
	}
	snprintf(file, sizeof file, "%s%s", s->cfg->web_root, path);
	if (stat(file, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		respond_error(r, 404, "not_found", "no such page");
		return;
	}
	/* Revalidate every time: a new version of the client shows at once. */
	add_header(r, "cache-control", "no-cache");
	if (strcmp(path, "/index.html") == 0 || strcmp(path, "/console/index.html") == 0)
		add_header(r, "content-security-policy",
			   "default-src 'self'; img-src 'self' data: blob:; "
			   "style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; "
			   "frame-ancestors 'none'; base-uri 'none'");
	respond_file(r, file, mime_of(file));
}

/* The one HTML page of the web client, for every client-side route. */
static void serve_app(struct srv *s, struct req *r)
{
	serve_static(s, r, "/index.html");
}

/* ---- routes ------------------------------------------------------------- */

static void route_healthz(struct srv *s, struct req *r)
{
	add_header(r, "cache-control", "no-store");
	respond_json(r, 200, json_pack("{s:b, s:s, s:i, s:i}", "ok", 1, "version", PLENUM_VERSION,
				       "meetings", ws_room_count(s),
				       "connections", s->ws_connections));
}

/* One metric in the Prometheus text format. */
static void metric(FILE *f, const char *name, const char *type, const char *help,
		   unsigned long long value)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type,
		name, value);
}

static void route_metrics(struct srv *s, struct req *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct cache_stats cs;

	if (!f) {
		respond_error(r, 500, "internal", "out of memory");
		return;
	}
	cache_stats_get(s->cache, &cs);
	metric(f, "plenum_connections", "gauge", "Open WebSocket connections.",
	       (unsigned long long)s->ws_connections);
	metric(f, "plenum_events_total", "counter", "Events appended to meeting logs.",
	       s->events_total);
	metric(f, "plenum_sends_direct_total", "counter",
	       "Messages written to a client at once (fan-out).", s->sends_direct);
	metric(f, "plenum_sends_deferred_total", "counter",
	       "Messages a full socket did not take at once (a slow client).",
	       s->sends_deferred);
	metric(f, "plenum_renders_total", "counter", "Render jobs finished.", s->renders_total);
	metric(f, "plenum_render_failures_total", "counter", "Render jobs that failed.",
	       s->render_failures);
	metric(f, "plenum_cache_hits_total", "counter", "Page images served from the cache.",
	       cs.hits);
	metric(f, "plenum_cache_misses_total", "counter",
	       "Page images not in the cache when asked for.", cs.misses);
	metric(f, "plenum_cache_evictions_total", "counter",
	       "Page images removed to stay under the cap.", cs.evictions);
	metric(f, "plenum_cache_bytes", "gauge", "Bytes of page images in the cache.", cs.bytes);
	metric(f, "plenum_cache_max_bytes", "gauge", "The cache's cap (--cache-max).",
	       cs.max_bytes);
	metric(f, "plenum_http_requests_total", "counter", "HTTP requests received.",
	       s->http_requests);
	fclose(f);
	respond(r, 200, "text/plain; version=0.0.4", text, len);
}

static void route_join_info(struct srv *s, struct req *r, const char *token)
{
	int err;
	json_t *info = meeting_join_info(s->st, token, &err);

	if (!info) {
		respond_error(r, 404, "not_found",
			      "this link does not open any meeting: it may be mistyped or replaced");
		return;
	}
	add_header(r, "cache-control", "no-store");
	respond_json(r, 200, info);
}

static void route_join(struct srv *s, struct req *r)
{
	json_error_t jerr;
	json_t *body = json_loadb(r->in ? r->in : "", r->inlen, JSON_REJECT_DUPLICATES, &jerr);
	json_t *events = NULL;
	const char *token, *name, *participant;
	char session[AUTH_TOKEN_LEN + 1], cookie[256];
	struct auth_who who;
	int rc;

	if (!json_is_object(body)) {
		json_decref(body);
		respond_error(r, 400, "bad_request", "send a JSON object: {\"token\": \"…\", \"name\": \"…\"}");
		return;
	}
	token = json_string_value(json_object_get(body, "token"));
	name = json_string_value(json_object_get(body, "name"));
	participant = json_string_value(json_object_get(body, "participant"));
	if (!token || (json_object_get(body, "name") && !name && !json_is_null(json_object_get(body, "name"))) ||
	    (json_object_get(body, "participant") && !participant &&
	     !json_is_null(json_object_get(body, "participant")))) {
		json_decref(body);
		respond_error(r, 400, "bad_request", "'token' is required; 'name' and 'participant' are strings");
		return;
	}
	rc = meeting_join(s->st, token, name, participant, &who, session, &events);
	json_decref(body);
	if (events) {
		size_t i;
		json_t *e;
		json_array_foreach(events, i, e)
			ws_broadcast(s, who.meeting[0] ? who.meeting : "", e);
		json_decref(events);
	}
	if (rc == 0)
		ws_quorum_note(s, who.meeting); /* joining checks in */
	switch (rc) {
	case 0:
		break;
	case -ENOENT:
		respond_error(r, 404, "not_found", "this link does not open any meeting, or that person is not on its roster");
		return;
	case -EPERM:
		respond_error(r, 403, "forbidden", "this name is not on the roster; ask the secretary to add you");
		return;
	case -EINVAL:
		respond_error(r, 400, "bad_request", "give your name (at most 100 characters), or pick it from the list");
		return;
	default:
		respond_error(r, 500, "internal", "joining failed; please try again");
		return;
	}
	snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; Max-Age=" SESSION_MAX_AGE
		 "; HttpOnly; SameSite=Lax%s", session,
		 strncmp(s->cfg->public_url, "https://", 8) == 0 ? "; Secure" : "");
	add_header(r, "set-cookie", cookie);
	add_header(r, "cache-control", "no-store");
	respond_json(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:s}", "session", session,
				       "meeting", who.meeting, "participant", who.participant,
				       "role", auth_role_name(who.role), "name", who.name));
}

static void route_session(struct srv *s, struct req *r)
{
	if (require_session(s, r) < 0)
		return;
	add_header(r, "cache-control", "no-store");
	respond_json(r, 200, json_pack("{s:s, s:s, s:s, s:s}", "meeting", r->who.meeting,
				       "participant", r->who.participant,
				       "role", auth_role_name(r->who.role), "name", r->who.name));
}

static void route_qr(struct srv *s, struct req *r, const char *meeting)
{
	char token[AUTH_TOKEN_LEN + 1], url[1200];
	char *svg;
	size_t len;

	if (require_meeting(s, r, meeting) < 0)
		return;
	if (meeting_room_token(s->st, &s->key, meeting, token) < 0) {
		respond_error(r, 404, "not_found", "no such meeting");
		return;
	}
	snprintf(url, sizeof url, "%s/j/%s", s->cfg->public_url, token);
	if (qr_svg(url, &svg, &len) < 0) {
		respond_error(r, 500, "internal", "the QR code could not be drawn");
		return;
	}
	add_header(r, "cache-control", "private, no-cache");
	respond(r, 200, "image/svg+xml", svg, len);
}

/* A job's user pointer, on s->pending until its result comes (or shutdown).
 * r is NULL for a pre-render job. */
static struct pending *pending_new(struct srv *s, struct req *r, enum job_kind kind,
				   const char *path)
{
	struct pending *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->req = r;
	p->kind = kind;
	snprintf(p->path, sizeof p->path, "%s", path);
	p->next = s->pending;
	s->pending = p;
	if (r)
		r->pending = p;
	return p;
}

static void pending_free(struct srv *s, struct pending *p)
{
	for (struct pending **q = &s->pending; *q; q = &(*q)->next) {
		if (*q == p) {
			*q = p->next;
			break;
		}
	}
	if (p->req)
		p->req->pending = NULL;
	free(p);
}

static int mkdirs(const char *path)
{
	char tmp[4200];

	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *c = tmp + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Queues the render of `page` of `d` into `png` for request r, or answers
 * 503. `mark` as for render_page_marked() (NULL: none). */
static void page_render(struct srv *s, struct req *r, const struct library_doc *d, int page,
			int w, const char *mark, const char *png)
{
	char blob[1400];

	library_blob_path(s->cfg->data_dir, d->sha256, d->ext, blob, sizeof blob);
	struct pending *p = pending_new(s, r, JOB_PAGE, png);
	if (p) {
		p->page = page;
		p->width = w;
		snprintf(p->doc, sizeof p->doc, "%s", d->id);
		snprintf(p->meeting, sizeof p->meeting, "%s", d->meeting);
		snprintf(p->sha, sizeof p->sha, "%s", d->sha256);
	}
	if (!p || render_page_marked(s->render, blob, page, w, mark, png, 1, p) < 0) {
		if (p)
			pending_free(s, p);
		respond_error(r, 503, "unavailable", "the renderer is busy; try again");
		return;
	}
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, s->cfg->render_timeout_ms / 1000 + 30);
}

/* The role as a watermark writes it: in Vietnamese and in English, since a
 * meeting has no language of its own and a page may be shown to anyone. */
static const char *mark_role(enum auth_role role)
{
	switch (role) {
	case ROLE_CHAIR: return "chủ tọa / chair";
	case ROLE_SECRETARY: return "thư ký / secretary";
	case ROLE_MEMBER: return "đại biểu / member";
	case ROLE_GUEST: return "khách / guest";
	case ROLE_DISPLAY: return "màn hình / display";
	default: return auth_role_name(role);
	}
}

/*
 * A page of a confidential document, for one viewer: drawn with their name,
 * role (mark_role()) and today's date (the server's local date, the one on
 * the room's clocks) over it, and never without. Such images live
 * apart from the shared cache, at
 *   <cache>/private/<sha>-<participant>/<page>-<width>-<mark hash>.png
 * (the same two folders deep, so the LRU and its cap cover them), and go out
 * with "private, no-store" and no ETag: a browser or proxy keeps no copy and
 * cannot hand one viewer's image to another. The untouched image of the
 * content is neither read nor written here.
 */
static void route_page_private(struct srv *s, struct req *r, const struct library_doc *d,
			       int page, int w)
{
	char mark[RENDER_MARK_MAX + 1], date[16], hash[LIBRARY_SHA_LEN + 1];
	char dir[1200], png[1400];
	struct library_hasher h;
	time_t now = time(NULL);
	struct tm tm;

	add_header(r, "cache-control", "private, no-store");
	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	/* AUTH_NAME_MAX bytes of name and the rest fit RENDER_MARK_MAX. */
	snprintf(mark, sizeof mark, "%s \xc2\xb7 %s \xc2\xb7 %s", r->who.name,
		 mark_role(r->who.role), date);
	library_hasher_init(&h);
	library_hasher_update(&h, mark, strlen(mark));
	library_hasher_final(&h, hash);
	snprintf(dir, sizeof dir, "%s/private/%s-%s", s->cache_dir, d->sha256,
		 r->who.participant);
	snprintf(png, sizeof png, "%s/%d-%d-%.16s.png", dir, page, w, hash);
	if (cache_lookup(s->cache, png) == 0) {
		respond_cached(s, r, png);
		return;
	}
	if (mkdirs(dir) < 0) {
		respond_error(r, 503, "unavailable", "the page cache cannot be written");
		return;
	}
	page_render(s, r, d, page, w, mark, png);
}

static void route_page(struct srv *s, struct req *r, const char *doc, int page)
{
	struct library_doc d;
	char arg[32], png[1400], dir[1200], etag[128], inm[160];
	int w = 0;

	if (require_session(s, r) < 0)
		return;
	if (library_doc_lookup(s->st, doc, &d) < 0) {
		respond_error(r, 404, "not_found", "no such document");
		return;
	}
	if (strcmp(d.meeting, r->who.meeting) != 0) {
		respond_error(r, 403, "forbidden", "this document belongs to another meeting");
		return;
	}
	if (page < 1 || page > d.pages) {
		snprintf(png, sizeof png, "this document has pages 1 to %d", d.pages);
		respond_error(r, 404, "not_found", png);
		return;
	}
	const char *v = lws_get_urlarg_by_name(r->wsi, "w=", arg, sizeof arg);
	if (v) {
		long lw = strtol(v, NULL, 10);
		w = lw > 100000 ? 100000 : lw < 0 ? 0 : (int)lw;
	}
	w = render_width_round(w);
	if (d.confidential) {
		route_page_private(s, r, &d, page, w);
		return;
	}

	snprintf(etag, sizeof etag, "\"%.16s-%d-%d\"", d.sha256, page, w);
	add_header(r, "etag", etag);
	add_header(r, "cache-control", "private, max-age=31536000, immutable");
	if (lws_hdr_copy(r->wsi, inm, sizeof inm, WSI_TOKEN_HTTP_IF_NONE_MATCH) > 0 &&
	    strstr(inm, etag)) {
		respond(r, 304, "image/png", NULL, 0);
		return;
	}
	snprintf(dir, sizeof dir, "%s/%.2s/%s", s->cache_dir, d.sha256, d.sha256);
	snprintf(png, sizeof png, "%s/%d-%d.png", dir, page, w);
	if (cache_lookup(s->cache, png) == 0) {
		respond_cached(s, r, png);
		return;
	}
	if (mkdirs(dir) < 0) {
		respond_error(r, 503, "unavailable", "the page cache cannot be written");
		return;
	}
	page_render(s, r, &d, page, w, NULL, png);
}

static void route_original(struct srv *s, struct req *r, const char *doc)
{
	struct library_doc d;
	char blob[4200], disp[128];

	if (require_session(s, r) < 0)
		return;
	if (library_doc_lookup(s->st, doc, &d) < 0) {
		respond_error(r, 404, "not_found", "no such document");
		return;
	}
	if (strcmp(d.meeting, r->who.meeting) == 0 && d.confidential) {
		/* Its file would carry no one's name: nobody gets it, chair included. */
		respond_error(r, 403, "forbidden", "this document is confidential");
		return;
	}
	if (strcmp(d.meeting, r->who.meeting) != 0 || !auth_may(r->who.role, ACT_ORIGINAL)) {
		respond_error(r, 403, "forbidden", "only the chair and the secretary can download originals");
		return;
	}
	library_blob_path(s->cfg->data_dir, d.sha256, d.ext, blob, sizeof blob);
	/* A converted Office file: the original, not its PDF (office.h). */
	if (strcmp(d.ext, "pdf") == 0) {
		char orig[4200], ext[16];
		if (office_original_find(s->cfg->data_dir, d.sha256, orig, sizeof orig, ext) == 0) {
			snprintf(blob, sizeof blob, "%s", orig);
			snprintf(d.ext, sizeof d.ext, "%s", ext);
		}
	}
	snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"", d.id, d.ext);
	add_header(r, "content-disposition", disp);
	add_header(r, "cache-control", "private, max-age=31536000, immutable");
	respond_file(r, blob, mime_of(blob));
}

/* The PDF the pages are drawn from (for an Office file, its conversion), for
 * the room display, which renders pages itself at its screen's size. Not
 * for a confidential document: its pages exist only with a viewer's name. */
static void route_source(struct srv *s, struct req *r, const char *doc)
{
	struct library_doc d;
	char blob[4200], etag[80], inm[160];

	if (require_session(s, r) < 0)
		return;
	if (library_doc_lookup(s->st, doc, &d) < 0 || strcmp(d.meeting, r->who.meeting) != 0) {
		respond_error(r, 404, "not_found", "no such document");
		return;
	}
	if (d.confidential) {
		respond_error(r, 403, "forbidden",
			      "this document is confidential: its pages come only as images with the viewer's name");
		return;
	}
	if (!auth_may(r->who.role, ACT_SOURCE)) {
		respond_error(r, 403, "forbidden",
			      "only the chair, the secretary and the room display fetch a document's PDF");
		return;
	}
	snprintf(etag, sizeof etag, "\"%s\"", d.sha256);
	add_header(r, "etag", etag);
	if (lws_hdr_copy(r->wsi, inm, sizeof inm, WSI_TOKEN_HTTP_IF_NONE_MATCH) > 0 &&
	    strstr(inm, etag)) {
		respond(r, 304, "application/pdf", NULL, 0);
		return;
	}
	library_blob_path(s->cfg->data_dir, d.sha256, d.ext, blob, sizeof blob);
	add_header(r, "cache-control", "private, max-age=31536000, immutable");
	respond_file(r, blob, mime_of(blob));
}

/* ---- pre-rendering ------------------------------------------------------ */

/*
 * After an upload, the images people will ask for first are rendered ahead
 * of time, as non-urgent jobs (a page someone is waiting for still goes
 * first): page 1 at the two common widths, every page's thumbnail, then
 * the other pages at 1024 px, in page order — PRERENDER_WINDOW jobs of a
 * document at a time, and none after one that timed out or crashed. The meeting's clients get
 * `doc.progress` notices as jobs finish: at most one per PROGRESS_INTERVAL_MS
 * per document, and always the last one (rendered + failed == total).
 */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void prerender_notify(struct srv *s, struct prerender *pre, bool force)
{
	int64_t now = now_ms();
	json_t *n;

	if (!force && pre->sent_ms && now - pre->sent_ms < PROGRESS_INTERVAL_MS)
		return;
	pre->sent_ms = now;
	n = json_pack("{s:s, s:s, s:i, s:i, s:i}", "type", "doc.progress", "doc", pre->doc,
		      "rendered", pre->rendered, "failed", pre->failed, "total", pre->total);
	if (n)
		ws_broadcast(s, pre->meeting, n);
	json_decref(n);
}

static void prerender_finish(struct srv *s, struct prerender *pre)
{
	prerender_notify(s, pre, true);
	log_info("pre-rendered document %s: %d of %d page images in %.1f s%s",
		 pre->doc, pre->rendered, pre->total,
		 (double)(now_ms() - pre->started_ms) / 1000.0,
		 pre->failed ? " (some failed; they render again when asked for)" : "");
	for (struct prerender **q = &s->prerenders; *q; q = &(*q)->next) {
		if (*q == pre) {
			*q = pre->next;
			break;
		}
	}
	free(pre);
}

/* One failed image of a pre-render: counted, and logged once per document. */
static void prerender_failed(struct prerender *pre, int page, int width, const char *why)
{
	if (pre->failed++ == 0)
		log_warn("pre-render of document %s: page %d at %d px failed: %s "
			 "(further failures of this document are only counted)",
			 pre->doc, page, width, why);
}

/* The i-th image of a document's pre-render: page 1 at 1024 and 2048, every
 * page's thumbnail, then pages 2 … N at 1024. */
static void prerender_image(const struct prerender *pre, int i, int *page, int *width)
{
	if (i < 2) {
		*page = 1;
		*width = render_width_round(i == 0 ? 1024 : 2048);
	} else if (i < 2 + pre->pages) {
		*page = i - 1;
		*width = render_width_round(320);
	} else {
		*page = i - pre->pages;
		*width = render_width_round(1024);
	}
}

/* Queues the document's next images, up to PRERENDER_WINDOW at a time;
 * finishes the pre-render when nothing is left. */
static void prerender_pump(struct srv *s, struct prerender *pre)
{
	char png[1400];

	while (pre->outstanding < PRERENDER_WINDOW && pre->cursor < pre->total) {
		int page, width;
		prerender_image(pre, pre->cursor++, &page, &width);
		snprintf(png, sizeof png, "%s/%d-%d.png", pre->dir, page, width);
		if (cache_has(s->cache, png)) {
			pre->rendered++;
			continue;
		}
		struct pending *p = pending_new(s, NULL, JOB_PRERENDER, png);
		if (!p) {
			prerender_failed(pre, page, width, "out of memory");
			continue;
		}
		p->pre = pre;
		p->page = page;
		p->width = width;
		snprintf(p->doc, sizeof p->doc, "%s", pre->doc);
		snprintf(p->meeting, sizeof p->meeting, "%s", pre->meeting);
		snprintf(p->sha, sizeof p->sha, "%s", pre->sha);
		if (render_page(s->render, pre->blob, page, width, png, 0, p) < 0) {
			pending_free(s, p);
			prerender_failed(pre, page, width, "the render queue refused the job");
			continue;
		}
		pre->outstanding++;
	}
	if (pre->outstanding == 0)
		prerender_finish(s, pre);
}

static void prerender_done(struct srv *s, struct pending *p, const struct render_result *res)
{
	struct prerender *pre = p->pre;

	pre->outstanding--;
	if (res->status < 0) {
		prerender_failed(pre, p->page, p->width,
				 res->error[0] ? res->error : strerror(-res->status));
		/* A page that hangs or crashes the renderer: the rest of this
		 * document is left for when someone asks for it. */
		if (res->status == -ETIMEDOUT || res->status == -EIO) {
			pre->failed += pre->total - pre->cursor;
			pre->cursor = pre->total;
		}
	} else {
		pre->rendered++;
	}
	pending_free(s, p);
	prerender_pump(s, pre);
	/* prerender_pump freed pre if it finished. */
	for (struct prerender *q = s->prerenders; q; q = q->next)
		if (q == pre) {
			prerender_notify(s, pre, false);
			break;
		}
}

/* Starts the pre-render of a document just added. Failures are logged and
 * counted; the upload has succeeded either way. */
static void prerender_start(struct srv *s, const char *doc_id)
{
	struct library_doc d;
	struct prerender *pre;

	if (library_doc_lookup(s->st, doc_id, &d) < 0 || d.pages < 1)
		return;
	/* A confidential document's images exist only per viewer, made when
	 * asked for: there is no untouched image to prepare. */
	if (d.confidential)
		return;
	pre = calloc(1, sizeof *pre);
	if (!pre) {
		log_warn("pre-render of document %s: out of memory", doc_id);
		return;
	}
	snprintf(pre->doc, sizeof pre->doc, "%s", d.id);
	snprintf(pre->meeting, sizeof pre->meeting, "%s", d.meeting);
	snprintf(pre->sha, sizeof pre->sha, "%s", d.sha256);
	pre->pages = d.pages;
	pre->total = 2 + d.pages + (d.pages - 1);
	pre->started_ms = now_ms();
	pre->next = s->prerenders;
	s->prerenders = pre;
	library_blob_path(s->cfg->data_dir, d.sha256, d.ext, pre->blob, sizeof pre->blob);
	snprintf(pre->dir, sizeof pre->dir, "%s/%.2s/%s", s->cache_dir, d.sha256, d.sha256);
	if (mkdirs(pre->dir) < 0) {
		log_warn("pre-render of document %s: cannot create %s: %s", d.id, pre->dir,
			 strerror(errno));
		pre->failed = pre->total;
		prerender_finish(s, pre);
		return;
	}
	prerender_notify(s, pre, true);
	prerender_pump(s, pre);
}

/* ---- text, outline and search ------------------------------------------- */

/*
 * A document's text is extracted once per content (blob), in text jobs of
 * RENDER_TEXT_PAGES pages each, queued non-urgent after the pre-render's
 * first jobs (after an upload) or at start (blobs never indexed, e.g. from
 * `plenum doc add`). Each job's pages go into the index as they come; the
 * first job also brings the outline. When the last job is back the blob is
 * 'done' (or 'failed' with the first error) and every meeting with a
 * document of it gets a `doc.indexed` notice with the outline.
 */

/* A blob being indexed: its text jobs are pendings that point here. */
struct indexing {
	char sha[LIBRARY_SHA_LEN + 1];
	int jobs;               /* text jobs not back yet */
	char error[320];        /* the first failure, or "" */
	int64_t started_ms;
};

static void indexed_notify(struct srv *s, const char *sha)
{
	json_t *docs = search_docs_of_blob(s->st, sha);
	json_t *outline = search_outline_load(s->st, sha);
	json_t *d;
	size_t k;

	json_array_foreach(docs, k, d) {
		json_t *n = json_pack("{s:s, s:O, s:o}", "type", "doc.indexed",
				      "doc", json_object_get(d, "doc"),
				      "outline", outline ? json_incref(outline) : json_array());
		if (n)
			ws_broadcast(s, json_string_value(json_object_get(d, "meeting")), n);
		json_decref(n);
	}
	json_decref(outline);
	json_decref(docs);
}

static void indexing_end(struct srv *s, struct indexing *ix)
{
	int rc = search_index_end(s->st, ix->sha, ix->error[0] ? ix->error : NULL);

	if (rc < 0)
		log_warn("text of %.12s: the index state cannot be stored", ix->sha);
	if (ix->error[0])
		log_warn("text of %.12s: %s", ix->sha, ix->error);
	else
		log_info("indexed the text of %.12s in %.2f s", ix->sha,
			 (double)(now_ms() - ix->started_ms) / 1000.0);
	indexed_notify(s, ix->sha);
	free(ix);
}

/* Queues the text jobs of a blob. Failures are logged and stored as the
 * blob's state; the document works without its text. */
static void index_blob(struct srv *s, const char *sha, const char *ext, int pages)
{
	struct indexing *ix;
	char blob[1400];

	if (search_index_begin(s->st, sha) < 0) {
		log_warn("text of %.12s: cannot start indexing", sha);
		return;
	}
	ix = calloc(1, sizeof *ix);
	if (!ix) {
		search_index_end(s->st, sha, "out of memory");
		return;
	}
	snprintf(ix->sha, sizeof ix->sha, "%s", sha);
	ix->started_ms = now_ms();
	library_blob_path(s->cfg->data_dir, sha, ext, blob, sizeof blob);
	for (int first = 1; first <= pages; first += RENDER_TEXT_PAGES) {
		int last = first + RENDER_TEXT_PAGES - 1 < pages ? first + RENDER_TEXT_PAGES - 1 : pages;
		struct pending *p = pending_new(s, NULL, JOB_TEXT, blob);

		if (p) {
			p->ix = ix;
			p->page = first;
		}
		if (!p || render_text(s->render, blob, first, last, p) < 0) {
			if (p)
				pending_free(s, p);
			snprintf(ix->error, sizeof ix->error, "the render queue refused the text job");
			break;
		}
		ix->jobs++;
	}
	if (ix->jobs == 0)
		indexing_end(s, ix);
}

/* After an upload: index the document's content unless that content was
 * indexed before (then its outline is known already). */
static void index_doc(struct srv *s, const char *doc_id)
{
	struct library_doc d;

	if (library_doc_lookup(s->st, doc_id, &d) < 0 || d.pages < 1)
		return;
	if (search_index_known(s->st, d.sha256) == 0)
		index_blob(s, d.sha256, d.ext, d.pages);
	else
		indexed_notify(s, d.sha256);
}

void http_index_pending(struct srv *s)
{
	json_t *blobs = NULL, *b;
	size_t k;

	if (search_unindexed(s->st, &blobs) < 0) {
		log_warn("cannot list the documents whose text is not indexed");
		json_decref(blobs);
		return;
	}
	if (json_array_size(blobs))
		log_info("indexing the text of %zu document file%s", json_array_size(blobs),
			 json_array_size(blobs) == 1 ? "" : "s");
	json_array_foreach(blobs, k, b)
		index_blob(s, json_string_value(json_object_get(b, "sha256")),
			   json_string_value(json_object_get(b, "ext")),
			   (int)json_integer_value(json_object_get(b, "pages")));
	json_decref(blobs);
}

static void text_done(struct srv *s, struct pending *p, const struct render_result *res)
{
	struct indexing *ix = p->ix;
	json_t *j = NULL;
	int rc;

	if (res->status < 0) {
		if (!ix->error[0])
			snprintf(ix->error, sizeof ix->error, "pages %d and on: %s", p->page, res->error);
	} else {
		j = json_loads(res->data ? res->data : "", 0, NULL);
		rc = search_index_pages(s->st, ix->sha, p->page, json_object_get(j, "texts"),
					json_object_get(j, "outline"));
		if (rc < 0 && !ix->error[0])
			snprintf(ix->error, sizeof ix->error, "pages %d and on cannot be stored (%s)",
				 p->page, strerror(-rc));
		json_decref(j);
	}
	pending_free(s, p);
	if (--ix->jobs == 0)
		indexing_end(s, ix);
}

static void route_search(struct srv *s, struct req *r, const char *meeting)
{
	char arg[4096];
	const char *q;
	json_t *hits = NULL;
	int rc;

	if (require_meeting(s, r, meeting) < 0)
		return;
	/* A query longer than the buffer is longer than SEARCH_QUERY_MAX. */
	q = lws_get_urlarg_by_name(r->wsi, "q=", arg, sizeof arg);
	if (!q || !search_query_ok(q)) {
		respond_error(r, 400, "bad_request",
			      "the query must have 1 to 200 characters (q=…)");
		return;
	}
	rc = search_query(s->st, meeting, q, &hits);
	if (rc < 0) {
		respond_error(r, 500, "internal", "the search failed");
		return;
	}
	add_header(r, "cache-control", "no-store");
	respond_json(r, 200, json_pack("{s:s, s:o}", "query", q, "hits", hits));
}

static void route_find(struct srv *s, struct req *r, const char *doc, int page)
{
	struct library_doc d;
	char arg[4096], blob[1400];
	const char *q;

	if (require_session(s, r) < 0)
		return;
	if (library_doc_lookup(s->st, doc, &d) < 0) {
		respond_error(r, 404, "not_found", "no such document");
		return;
	}
	if (strcmp(d.meeting, r->who.meeting) != 0) {
		respond_error(r, 403, "forbidden", "this document belongs to another meeting");
		return;
	}
	if (page < 1 || page > d.pages) {
		respond_error(r, 404, "not_found", "no such page");
		return;
	}
	q = lws_get_urlarg_by_name(r->wsi, "q=", arg, sizeof arg);
	if (!q || !search_query_ok(q)) {
		respond_error(r, 400, "bad_request",
			      "the query must have 1 to 200 characters (q=…)");
		return;
	}
	library_blob_path(s->cfg->data_dir, d.sha256, d.ext, blob, sizeof blob);
	struct pending *p = pending_new(s, r, JOB_FIND, blob);
	if (!p || render_find(s->render, blob, page, q, 1, p) < 0) {
		if (p)
			pending_free(s, p);
		respond_error(r, 503, "unavailable", "the renderer is busy; try again");
		return;
	}
	p->page = page;
	snprintf(p->path, sizeof p->path, "%s", d.id);
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, s->cfg->render_timeout_ms / 1000 + 30);
}

/* The worker's rectangles (1/10000 of the page) as fractions. */
static void find_done(struct req *r, const struct pending *p, const struct render_result *res)
{
	json_t *j, *rects, *out, *rc4;
	size_t k, i;
	char *text;

	if (res->status < 0) {
		char why[400];
		snprintf(why, sizeof why, "the page cannot be searched: %s", res->error);
		respond_error(r, 503, "unavailable", why);
		return;
	}
	j = json_loads(res->data ? res->data : "", 0, NULL);
	rects = json_object_get(j, "rects");
	out = json_array();
	json_array_foreach(rects, k, rc4) {
		json_t *a = json_array();
		for (i = 0; i < 4; i++)
			json_array_append_new(a, json_real((double)json_integer_value(
				json_array_get(rc4, i)) / 10000.0));
		json_array_append_new(out, a);
	}
	json_decref(j);
	j = json_pack("{s:s, s:i, s:o}", "doc", p->path, "page", p->page, "rects", out);
	text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(5)) : NULL;
	json_decref(j);
	if (!text) {
		respond_error(r, 500, "internal", "out of memory");
		return;
	}
	add_header(r, "cache-control", "no-store");
	respond(r, 200, "application/json", text, strlen(text));
}

/* ---- the minutes and the event log ------------------------------------- */

/*
 * GET /api/meetings/<m>/minutes.pdf|.html|.md[?lang=vi|en][&inline=1] and
 * /api/meetings/<m>/events.csv|.json: for the chair and the secretary of
 * that meeting. Everything is assembled on each request from the database
 * (minutes.h), so a download is never stale; nothing is cached.
 */

/* The chair or the secretary of `meeting`. Returns 0, or responds (401,
 * 404, 403) and returns -1. */
static int require_minutes(struct srv *s, struct req *r, const char *meeting)
{
	if (require_session(s, r) < 0)
		return -1;
	if (!meeting_exists(s->st, meeting)) {
		respond_error(r, 404, "not_found", "no such meeting");
		return -1;
	}
	if (strcmp(r->who.meeting, meeting) != 0) {
		respond_error(r, 403, "forbidden", "your session belongs to another meeting");
		return -1;
	}
	if (!minutes_may_read(r->who.role)) {
		respond_error(r, 403, "forbidden",
			      "only the chair and the secretary can export the minutes and the event log");
		return -1;
	}
	return 0;
}

/* Content-Disposition for a download named `name`; ?inline=1 shows it in
 * the browser instead. */
static void disposition(struct req *r, const char *name)
{
	char arg[16], v[300];
	const char *inl = lws_get_urlarg_by_name(r->wsi, "inline=", arg, sizeof arg);

	snprintf(v, sizeof v, "%s; filename=\"%s\"",
		 inl && strcmp(inl, "1") == 0 ? "inline" : "attachment", name);
	add_header(r, "content-disposition", v);
	add_header(r, "cache-control", "private, no-store");
}

/* Queues the layout of the minutes' HTML as PDF: the HTML goes to
 * <data>/tmp/minutes-XXXXXX.html, the PDF comes back beside it. */
static void minutes_pdf(struct srv *s, struct req *r, const char *html, enum minutes_lang lang)
{
	char in[1400], out[1400];
	size_t len = strlen(html);
	int fd;

	snprintf(in, sizeof in, "%s/minutes-XXXXXX.html", s->tmp_dir);
	fd = mkstemps(in, 5);
	if (fd < 0) {
		respond_error(r, 503, "unavailable", "the server cannot write the minutes right now");
		return;
	}
	bool written = write(fd, html, len) == (ssize_t)len;
	if (close(fd) < 0 || !written) {
		unlink(in);
		respond_error(r, 503, "unavailable", "the server cannot write the minutes right now");
		return;
	}
	/* The .html file's unique name makes its .pdf name unique too. */
	snprintf(out, sizeof out, "%.*s.pdf", (int)(strlen(in) - 5), in);
	struct pending *p = pending_new(s, r, JOB_STORY, out);
	if (p)
		snprintf(p->html, sizeof p->html, "%s", in);
	int rc = p ? render_story(s->render, in, out, minutes_pdf_footer(lang), p) : -ENOMEM;
	if (rc < 0) {
		if (p)
			pending_free(s, p);
		unlink(in);
		respond_error(r, 503, "unavailable", rc == -ENOMEM ? "the renderer is busy; try again"
				: "this server cannot lay out the minutes as PDF; export HTML instead");
		return;
	}
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, s->cfg->render_timeout_ms / 1000 + 30);
}

#define MINUTES_PDF_MAX ((size_t)64 << 20)

/* The PDF is back: send it (read into memory, so both files go at once). */
static void story_done(struct req *r, const struct pending *p, const struct render_result *res)
{
	char why[400];
	char *body = NULL;
	size_t len = 0;
	int rc = res->status;

	unlink(p->html);
	if (rc == 0) {
		FILE *f = fopen(p->path, "rb");
		struct stat sb;
		rc = -EIO;
		if (f && fstat(fileno(f), &sb) == 0 && sb.st_size > 0 &&
		    (size_t)sb.st_size <= MINUTES_PDF_MAX) {
			len = (size_t)sb.st_size;
			body = malloc(len);
			if (body && fread(body, 1, len, f) == len)
				rc = 0;
		}
		if (f)
			fclose(f);
	}
	unlink(p->path);
	if (!r) {
		free(body);
		return;
	}
	if (rc < 0) {
		free(body);
		r->headers_len = 0;
		snprintf(why, sizeof why, "%s: %s", p->kind == JOB_PRINT ?
			 "the printed material could not be drawn" :
			 "the minutes could not be laid out as PDF",
			 res->status < 0 && res->error[0] ? res->error : "the PDF could not be read");
		respond_error(r, 503, "unavailable", why);
		return;
	}
	respond(r, 200, "application/pdf", body, len);
}

void http_print(struct srv *s, struct req *r, json_t *spec, const char *filename)
{
	char in[1400], out[1400], disp[160];
	int fd, rc;

	snprintf(in, sizeof in, "%s/print-XXXXXX.json", s->tmp_dir);
	fd = mkstemps(in, 5);
	if (fd < 0) {
		respond_error(r, 503, "unavailable", "the server cannot write the PDF right now");
		return;
	}
	rc = json_dumpfd(spec, fd, JSON_COMPACT);
	if (close(fd) < 0 || rc < 0) {
		unlink(in);
		respond_error(r, 503, "unavailable", "the server cannot write the PDF right now");
		return;
	}
	snprintf(out, sizeof out, "%.*s.pdf", (int)(strlen(in) - 5), in);
	struct pending *p = pending_new(s, r, JOB_PRINT, out);
	if (p)
		snprintf(p->html, sizeof p->html, "%s", in);
	rc = p ? render_print(s->render, in, out, p) : -ENOMEM;
	if (rc < 0) {
		if (p)
			pending_free(s, p);
		unlink(in);
		respond_error(r, 503, "unavailable", "the renderer is busy; try again");
		return;
	}
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
	add_header(r, "content-disposition", disp);
	add_header(r, "cache-control", "no-store");
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, s->cfg->render_timeout_ms / 1000 + 30);
}

static void route_minutes(struct srv *s, struct req *r, const char *meeting, const char *ext)
{
	char arg[16], name[128];
	enum minutes_lang lang;
	json_t *model = NULL;
	char *text;
	int rc;

	if (require_minutes(s, r, meeting) < 0)
		return;
	if (minutes_lang_parse(lws_get_urlarg_by_name(r->wsi, "lang=", arg, sizeof arg), &lang) < 0) {
		respond_error(r, 400, "bad_request", "'lang' must be vi or en");
		return;
	}
	rc = minutes_model(s->st, meeting, &model);
	if (rc < 0) {
		respond_error(r, rc == -ENOENT ? 404 : 500, rc == -ENOENT ? "not_found" : "internal",
			      rc == -ENOENT ? "no such meeting" : "the minutes could not be assembled");
		return;
	}
	minutes_filename(model, "minutes", ext, name, sizeof name);
	text = strcmp(ext, "md") == 0 ? minutes_markdown(model, lang) : minutes_html(model, lang);
	json_decref(model);
	if (!text) {
		respond_error(r, 500, "internal", "out of memory");
		return;
	}
	disposition(r, name);
	if (strcmp(ext, "pdf") == 0) {
		minutes_pdf(s, r, text, lang);
		free(text);
	} else if (strcmp(ext, "md") == 0) {
		respond(r, 200, "text/markdown; charset=utf-8", text, strlen(text));
	} else {
		/* Only the page's own style: whatever a name holds stays text. */
		add_header(r, "content-security-policy",
			   "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'");
		respond(r, 200, "text/html; charset=utf-8", text, strlen(text));
	}
}

static void route_events(struct srv *s, struct req *r, const char *meeting, const char *ext)
{
	char name[128];
	json_t *model = NULL;
	char *body = NULL;
	size_t len = 0;
	bool csv = strcmp(ext, "csv") == 0;
	int rc;

	if (require_minutes(s, r, meeting) < 0)
		return;
	rc = minutes_model(s->st, meeting, &model);
	if (rc == 0)
		rc = csv ? minutes_events_csv(s->st, meeting, &body, &len)
			 : minutes_events_json(s->st, meeting, &body, &len);
	if (rc < 0) {
		json_decref(model);
		respond_error(r, 500, "internal", "the event log could not be read");
		return;
	}
	minutes_filename(model, "events", ext, name, sizeof name);
	json_decref(model);
	disposition(r, name);
	respond(r, 200, csv ? "text/csv; charset=utf-8" : "application/json", body, len);
}

/* ---- uploads ------------------------------------------------------------ */

static const char *const upload_fields[] = { "file", "item", "title", "confidential" };
#define UPLOAD_CONFIDENTIAL 3 /* index of "confidential" above */

static int upload_chunk(void *data, const char *name, const char *filename, char *buf,
			int len, enum lws_spa_fileupload_states state)
{
	struct req *r = data;
	struct srv *s = srv_of(r->wsi);

	switch (state) {
	case LWS_UFS_OPEN:
		if (strcmp(name, "file") != 0 || r->got_file)
			return 0;
		r->got_file = true;
		snprintf(r->filename, sizeof r->filename, "%s", filename ? filename : "document");
		lws_filename_purify_inplace(r->filename);
		library_hasher_init(&r->hasher);
		break;
	case LWS_UFS_CONTENT:
	case LWS_UFS_FINAL_CONTENT:
		if (!r->got_file || r->fd < 0 || r->too_large || len <= 0)
			break;
		if (r->bytes + (size_t)len > s->cfg->max_upload) {
			r->too_large = true;
			break;
		}
		if (write(r->fd, buf, (size_t)len) != len)
			return -1;
		library_hasher_update(&r->hasher, buf, (size_t)len);
		r->bytes += (size_t)len;
		break;
	case LWS_UFS_CLOSE:
		break;
	}
	return 0;
}

static void upload_start(struct srv *s, struct req *r, const char *meeting)
{
	char len[32], session[AUTH_TOKEN_LEN + 1];
	int staff = 0;

	/* A participant of this meeting uploads as themselves; otherwise a
	 * staff member who may touch the meeting may (console_http.c). */
	http_session_token(r->wsi, session);
	if (!session[0] || auth_session_lookup(s->st, session, &r->who) < 0 ||
	    strcmp(r->who.meeting, meeting) != 0)
		staff = console_http_upload_staff(s, r, meeting, r->actor, sizeof r->actor,
						  r->who.name, sizeof r->who.name);
	if (staff < 0) {
		r->close_after = true;
		return;
	}
	if (staff) {
		snprintf(r->who.meeting, sizeof r->who.meeting, "%s", meeting);
		r->who.participant[0] = 0;
		r->who.role = ROLE_SECRETARY; /* may upload, as the meeting's secretary may */
	} else if (require_meeting(s, r, meeting) < 0) {
		r->close_after = true;
		return;
	}
	if (!auth_may(r->who.role, ACT_UPLOAD)) {
		r->close_after = true;
		respond_error(r, 403, "forbidden", "only the chair and the secretary can add documents");
		return;
	}
	if (meeting_is_closed(s->st, meeting)) {
		r->close_after = true;
		respond_error(r, 409, "conflict", "this meeting is closed");
		return;
	}
	/* An announced length past the cap is refused before reading it. The
	 * multipart envelope adds a little; allow 64 KiB of it. */
	if (lws_hdr_copy(r->wsi, len, sizeof len, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
	    strtoull(len, NULL, 10) > s->cfg->max_upload + 65536) {
		char why[160];
		r->close_after = true;
		snprintf(why, sizeof why, "the file is larger than the %zu MiB this server accepts",
			 s->cfg->max_upload >> 20);
		respond_error(r, 413, "too_large", why);
		return;
	}
	snprintf(r->meeting, sizeof r->meeting, "%s", meeting);
	snprintf(r->tmp, sizeof r->tmp, "%s/upload-XXXXXX", s->tmp_dir);
	r->fd = mkstemp(r->tmp);
	if (r->fd < 0) {
		r->tmp[0] = 0;
		r->close_after = true;
		respond_error(r, 503, "unavailable", "the server cannot store uploads right now");
		return;
	}
	r->spa = lws_spa_create(r->wsi, upload_fields,
				(int)(sizeof upload_fields / sizeof upload_fields[0]), 1024,
				upload_chunk, r);
	if (!r->spa) {
		r->close_after = true;
		respond_error(r, 503, "unavailable", "the server cannot take uploads right now");
		return;
	}
	r->state = R_UPLOAD;
}

static void upload_cleanup(struct req *r)
{
	if (r->spa) {
		lws_spa_destroy(r->spa);
		r->spa = NULL;
	}
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
	if (r->tmp[0]) {
		unlink(r->tmp);
		r->tmp[0] = 0;
	}
	if (r->pdf[0]) {
		unlink(r->pdf);
		r->pdf[0] = 0;
	}
}

/* Queues the page count of the PDF of an Office upload (r->pdf). Returns 0,
 * or responds and returns -1. */
static int office_count(struct srv *s, struct req *r)
{
	struct pending *p = pending_new(s, r, JOB_UPLOAD, r->pdf);

	if (!p || render_info(s->render, r->pdf, p) < 0) {
		if (p)
			pending_free(s, p);
		respond_error(r, 503, "unavailable", "the renderer is busy; try again");
		return -1;
	}
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, s->cfg->render_timeout_ms / 1000 + 30);
	return 0;
}

/*
 * An Office upload (Word, Excel, PowerPoint, OpenDocument; office.h) is
 * converted to PDF by LibreOffice in a pool thread, then counted and added
 * like any PDF; the original is kept beside the blob for download. The blob
 * is keyed by the original's SHA-256, so a file uploaded again is neither
 * converted nor stored again: its PDF is counted and added at once.
 * Returns 0 (not an Office file: go on as usual), 1 (its jobs are queued),
 * or -1 (answered with an error).
 */
static int office_start(struct srv *s, struct req *r, const char *name_ext)
{
	char why[300], path[1400], blob[1400];
	struct library_hasher h = r->hasher; /* upload_finish finalises its own */
	int rc = office_sniff(r->tmp, name_ext, r->office_ext, why, sizeof why);

	if (rc == 0)
		return 0;
	if (rc < 0) {
		char msg[400];
		snprintf(msg, sizeof msg, "this file is not a document Plenum can open: %s",
			 rc == -EINVAL ? why : strerror(-rc));
		respond_error(r, 415, "unsupported", msg);
		return -1;
	}
	if (!render_soffice(s->render)) {
		respond_error(r, 415, "unsupported", OFFICE_NEEDS_LIBREOFFICE);
		return -1;
	}
	r->office = true;
	library_hasher_final(&h, r->sha);
	/* soffice picks its import filter partly by the extension: keep it. */
	snprintf(path, sizeof path, "%.1300s.%s", r->tmp, r->office_ext);
	if (rename(r->tmp, path) < 0) {
		respond_error(r, 503, "unavailable", "the upload could not be stored");
		return -1;
	}
	snprintf(r->pdf, sizeof r->pdf, "%.1300s.pdf", r->tmp);
	snprintf(r->tmp, sizeof r->tmp, "%s", path);

	library_blob_path(s->cfg->data_dir, r->sha, "pdf", blob, sizeof blob);
	if (link(blob, r->pdf) == 0)
		return office_count(s, r) < 0 ? -1 : 1;

	struct pending *p = pending_new(s, r, JOB_CONVERT, r->pdf);
	if (!p || render_convert(s->render, r->tmp, r->pdf, p) < 0) {
		if (p)
			pending_free(s, p);
		respond_error(r, 503, "unavailable", "the converter is busy; try again");
		return -1;
	}
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK,
			(s->cfg->convert_timeout_ms + s->cfg->render_timeout_ms) / 1000 + 30);
	return 1;
}

/* The conversion of an Office upload is over: count its pages, or say why
 * it failed. */
static void convert_done(struct srv *s, struct req *r, const struct render_result *res)
{
	char why[400];

	if (res->status < 0) {
		log_info("conversion of %s failed: %s", r->filename, res->error);
		snprintf(why, sizeof why, "this file could not be converted to PDF: %s",
			 res->error[0] ? res->error : "unknown reason");
		respond_error(r, 415, "unsupported", why);
		upload_cleanup(r);
		return;
	}
	if (office_count(s, r) < 0)
		upload_cleanup(r);
}

/* Before library_add: keeps the original beside the blob and makes the PDF
 * the file to add, named after the original ("report.docx" → "report.pdf",
 * so that the default title is the same). Returns 0 or -errno. */
static int office_swap(struct srv *s, struct req *r)
{
	char *dot = strrchr(r->filename, '.');
	int rc;

	rc = office_original_keep(s->cfg->data_dir, r->sha, r->office_ext, r->tmp, 1);
	if (rc < 0)
		return rc;
	r->tmp[0] = 0;
	if (dot && dot != r->filename)
		*dot = 0;
	if (strlen(r->filename) + 5 > sizeof r->filename)
		r->filename[sizeof r->filename - 5] = 0;
	strcat(r->filename, ".pdf");
	snprintf(r->tmp, sizeof r->tmp, "%s", r->pdf);
	r->pdf[0] = 0;
	return 0;
}

static void upload_done(struct srv *s, struct req *r)
{
	char ext[16], path[1400], why[200];
	const char *item;

	lws_spa_finalize(r->spa);
	close(r->fd);
	r->fd = -1;
	if (r->too_large) {
		snprintf(why, sizeof why, "the file is larger than the %zu MiB this server accepts",
			 s->cfg->max_upload >> 20);
		respond_error(r, 413, "too_large", why);
		goto fail;
	}
	if (!r->got_file) {
		respond_error(r, 400, "bad_request", "the upload has no 'file' field");
		goto fail;
	}
	if (r->bytes == 0) {
		respond_error(r, 415, "unsupported", "the file is empty");
		goto fail;
	}
	item = lws_spa_get_string(r->spa, 1);
	if (item && *item && !(auth_id_valid(item) && meeting_item_belongs(s->st, r->meeting, item))) {
		respond_error(r, 404, "not_found", "no such agenda item in this meeting");
		goto fail;
	}
	/* MuPDF chooses its handler by the extension: keep it. */
	library_ext(r->filename, ext);
	switch (office_start(s, r, ext)) {
	case 1:
		return;
	case -1:
		goto fail;
	}
	snprintf(path, sizeof path, "%.1300s.%s", r->tmp, ext);
	if (rename(r->tmp, path) < 0) {
		respond_error(r, 503, "unavailable", "the upload could not be stored");
		goto fail;
	}
	snprintf(r->tmp, sizeof r->tmp, "%s", path);
	struct pending *p = pending_new(s, r, JOB_UPLOAD, path);
	if (!p || render_info(s->render, path, p) < 0) {
		if (p)
			pending_free(s, p);
		respond_error(r, 503, "unavailable", "the renderer is busy; try again");
		goto fail;
	}
	r->state = R_WAIT;
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, s->cfg->render_timeout_ms / 1000 + 30);
	return;
fail:
	upload_cleanup(r);
}

static void upload_finish(struct srv *s, struct req *r, const struct render_result *res)
{
	char sha[LIBRARY_SHA_LEN + 1], why[400];
	const char *item, *title;
	json_t *doc = NULL, *event = NULL;
	int rc;

	if (res->status < 0) {
		snprintf(why, sizeof why, "this file is not a document Plenum can open: %s",
			 res->error[0] ? res->error : "unknown reason");
		respond_error(r, 415, "unsupported", why);
		goto out;
	}
	if (r->office && (rc = office_swap(s, r)) < 0) {
		log_warn("upload %s: the original cannot be kept: %s", r->filename, strerror(-rc));
		respond_error(r, 500, "internal", "the document could not be stored");
		goto out;
	}
	library_hasher_final(&r->hasher, sha);
	item = lws_spa_get_string(r->spa, 1);
	title = lws_spa_get_string(r->spa, 2);
	const char *conf = lws_spa_get_string(r->spa, UPLOAD_CONFIDENTIAL);
	unsigned flags = conf && (strcmp(conf, "1") == 0 || strcmp(conf, "true") == 0 ||
				  strcmp(conf, "on") == 0) ? LIBRARY_CONFIDENTIAL : 0;
	rc = library_add_flags(s->st, s->cfg->data_dir, r->meeting, item && *item ? item : NULL,
			       title && *title ? title : NULL, r->filename, r->tmp, 1, sha,
			       res->pages, flags, r->actor[0] ? r->actor : r->who.participant,
			       &doc, &event);
	if (rc == -EINVAL) {
		respond_error(r, 400, "bad_request", "the title is too long or not text");
		goto out;
	}
	if (rc < 0) {
		respond_error(r, 500, "internal", "the document could not be stored");
		goto out;
	}
	ws_broadcast(s, r->meeting, event);
	json_decref(event);
	respond_json(r, 201, json_pack("{s:O, s:O, s:O, s:O, s:O}", "doc", json_object_get(doc, "id"),
				       "pages", json_object_get(doc, "pages"),
				       "title", json_object_get(doc, "title"),
				       "item", json_object_get(doc, "item"),
				       "confidential", json_object_get(doc, "confidential")));
	const char *id = json_string_value(json_object_get(doc, "id"));
	if (id) {
		prerender_start(s, id);
		index_doc(s, id);
	}
	json_decref(doc);
out:
	upload_cleanup(r);
}

void http_shutdown(struct srv *s)
{
	while (s->pending) {
		struct indexing *ix = s->pending->kind == JOB_TEXT ? s->pending->ix : NULL;

		if (ix && --ix->jobs == 0)
			free(ix);
		if (s->pending->kind == JOB_UPLOAD || s->pending->kind == JOB_CONVERT ||
		    s->pending->kind == JOB_STORY || s->pending->kind == JOB_PRINT)
			unlink(s->pending->path);
		if (s->pending->kind == JOB_STORY || s->pending->kind == JOB_PRINT)
			unlink(s->pending->html);
		pending_free(s, s->pending);
	}
	while (s->prerenders) {
		struct prerender *pre = s->prerenders;
		s->prerenders = pre->next;
		free(pre);
	}
	console_http_shutdown();
}

/* Stores why a page could not be rendered (and tells the meeting, so the
 * chair and secretary see "page 7 could not be rendered: timed out after
 * 20 s" under the document), or forgets an old error once the page renders. */
static void page_outcome(struct srv *s, const struct pending *p, const struct render_result *res)
{
	if (res->status == 0) {
		library_render_error_clear(s->st, p->sha, p->page);
		return;
	}
	/* Not the document's fault: the server is stopping or out of queue. */
	if (res->status == -ECANCELED || res->status == -ENOENT || res->status == -ERANGE)
		return;
	const char *why = res->error[0] ? res->error : strerror(-res->status);
	if (library_render_error_record(s->st, p->sha, p->page, why) < 0)
		return;
	json_t *n = json_pack("{s:s, s:s, s:i, s:s}", "type", "doc.error", "doc", p->doc,
			      "page", p->page, "error", why);
	if (n)
		ws_broadcast(s, p->meeting, n);
	json_decref(n);
}

void http_render_done(struct srv *s, struct render_result *res)
{
	struct pending *p = res->user;
	struct req *r = p->req;

	s->renders_total++;
	if (p->kind == JOB_TEXT) {
		text_done(s, p, res); /* frees p */
		free(res->data);
		res->data = NULL;
		return;
	}
	if (p->kind == JOB_FIND) {
		if (r)
			find_done(r, p, res);
		pending_free(s, p);
		free(res->data);
		res->data = NULL;
		return;
	}
	if (p->kind == JOB_STORY || p->kind == JOB_PRINT) {
		if (res->status < 0)
			s->render_failures++;
		story_done(r, p, res);
		pending_free(s, p);
		free(res->data);
		res->data = NULL;
		return;
	}
	if (res->status < 0)
		s->render_failures++;
	else if (p->kind != JOB_UPLOAD && p->kind != JOB_CONVERT)
		cache_add(s->cache, p->path); /* may evict other pages */
	if ((p->kind == JOB_PAGE || p->kind == JOB_PRERENDER) && p->sha[0])
		page_outcome(s, p, res);
	if (p->kind == JOB_PRERENDER) {
		prerender_done(s, p, res);
		return;
	}
	if (!r) {
		if (p->kind == JOB_UPLOAD || p->kind == JOB_CONVERT)
			unlink(p->path);
		pending_free(s, p);
		return;
	}
	if (p->kind == JOB_CONVERT) {
		/* Freed first: the page count's pending becomes r->pending. */
		pending_free(s, p);
		convert_done(s, r, res);
		return;
	}
	if (p->kind == JOB_UPLOAD) {
		upload_finish(s, r, res);
	} else if (res->status < 0) {
		char why[400];
		r->headers_len = 0;
		snprintf(why, sizeof why, "this page could not be rendered: %s", res->error);
		respond_error(r, 503, "unavailable", why);
	} else {
		respond_cached(s, r, p->path);
	}
	pending_free(s, p);
}

/* ---- dispatch ----------------------------------------------------------- */

/* Matches "/prefix<id>" with a 12-character id, returning what follows it. */
static const char *match_id(const char *path, const char *prefix, char id[AUTH_ID_LEN + 1])
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	path += n;
	size_t k = strcspn(path, "/");
	if (k != AUTH_ID_LEN)
		return NULL;
	memcpy(id, path, k);
	id[k] = 0;
	return auth_id_valid(id) ? path + k : NULL;
}

static void dispatch(struct srv *s, struct req *r, const char *path, bool post)
{
	char id[AUTH_ID_LEN + 1];
	const char *rest;

	/* Staff accounts and the meeting console: console_http.c. */
	if (strncmp(path, "/api/staff/", 11) == 0 || strncmp(path, "/api/console/", 13) == 0) {
		r->route = RT_CONSOLE;
		snprintf(r->path, sizeof r->path, "%s", path);
		console_http_request(s, r, path, post);
		return;
	}

	if (post) {
		if (strcmp(path, "/api/join") == 0) {
			r->route = RT_JOIN;
			r->state = R_JSON_BODY;
			return;
		}
		rest = match_id(path, "/api/meetings/", id);
		if (rest && strcmp(rest, "/documents") == 0) {
			r->route = RT_UPLOAD;
			upload_start(s, r, id);
			return;
		}
		r->close_after = true;
		respond_error(r, 404, "not_found", "no such route");
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		return route_healthz(s, r);
	if (strcmp(path, "/metrics") == 0)
		return route_metrics(s, r);
	if (strcmp(path, "/source.tar.gz") == 0) {
		struct stat sb;
		if (stat(s->source_tarball, &sb) < 0)
			return respond_error(r, 404, "not_found",
					     "the source archive was not built with this server");
		add_header(r, "content-disposition", "attachment; filename=\"plenum-source.tar.gz\"");
		return respond_file(r, s->source_tarball, "application/gzip");
	}
	if (strncmp(path, "/api/join/", 10) == 0)
		return route_join_info(s, r, path + 10);
	if (strcmp(path, "/api/session") == 0)
		return route_session(s, r);
	rest = match_id(path, "/api/meetings/", id);
	if (rest && strcmp(rest, "/qr.svg") == 0)
		return route_qr(s, r, id);
	if (rest && strcmp(rest, "/search") == 0)
		return route_search(s, r, id);
	if (rest && (strcmp(rest, "/minutes.pdf") == 0 || strcmp(rest, "/minutes.html") == 0 ||
		     strcmp(rest, "/minutes.md") == 0))
		return route_minutes(s, r, id, rest + 9);
	if (rest && (strcmp(rest, "/events.csv") == 0 || strcmp(rest, "/events.json") == 0))
		return route_events(s, r, id, rest + 8);
	rest = match_id(path, "/api/docs/", id);
	if (rest && strcmp(rest, "/file") == 0)
		return route_original(s, r, id);
	if (rest && strcmp(rest, "/document.pdf") == 0)
		return route_source(s, r, id);
	if (rest && strncmp(rest, "/pages/", 7) == 0) {
		char *end;
		long n = strtol(rest + 7, &end, 10);
		if (end != rest + 7 && strcmp(end, ".png") == 0 && n > 0 && n < 1000000)
			return route_page(s, r, id, (int)n);
		if (end != rest + 7 && strcmp(end, "/find") == 0 && n > 0 && n < 1000000)
			return route_find(s, r, id, (int)n);
		return respond_error(r, 404, "not_found", "no such page");
	}
	if (strncmp(path, "/api/", 5) == 0)
		return respond_error(r, 404, "not_found", "no such route");
	if (strncmp(path, "/j/", 3) == 0 || strncmp(path, "/m/", 3) == 0)
		return serve_app(s, r);
	/* The meeting console: its files, and its one page for every other
	 * path under /console (the script reads the path). */
	if (strcmp(path, "/console") == 0 || strncmp(path, "/console/", 9) == 0) {
		char file[4200];
		struct stat sb;
		snprintf(file, sizeof file, "%s%s", s->cfg->web_root, path);
		if (safe_path(path) && stat(file, &sb) == 0 && S_ISREG(sb.st_mode))
			return serve_static(s, r, path);
		return serve_static(s, r, "/console/index.html");
	}
	serve_static(s, r, path);
}

/* Answers an upgrade request with an HTTP error. lws would answer an upgrade
 * with HTTP/1.0, which WebSocket clients reject, so the bytes are written
 * here. Returns 1: "answered" for LWS_CALLBACK_HTTP_CONFIRM_UPGRADE. */
static int refuse_upgrade(struct lws *wsi, int status, const char *reason, const char *code,
			  const char *message)
{
	unsigned char buf[LWS_PRE + 512];
	char body[300];
	int blen = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
			    code, message);
	int n = snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
			 "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
			 "content-length: %d\r\nconnection: close\r\n\r\n%s",
			 status, reason, blen, body);
	if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_HEADERS) < n)
		return -1;
	return 1;
}

/* RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" (curl does
 * for large uploads) waits for "100 Continue" before the body; lws 4.1 does
 * not send it, and such a client would stall a second or more. Sent only
 * when the body is wanted — a refused upload has its answer already. */
static void continue_if_expected(struct req *r)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	unsigned char buf[LWS_PRE + sizeof cont];
	char expect[32];

	if (r->state != R_UPLOAD && r->state != R_JSON_BODY)
		return;
	if (lws_hdr_copy(r->wsi, expect, sizeof expect, WSI_TOKEN_HTTP_EXPECT) <= 0 ||
	    strcasecmp(expect, "100-continue") != 0)
		return;
	memcpy(buf + LWS_PRE, cont, sizeof cont - 1);
	lws_write(r->wsi, buf + LWS_PRE, sizeof cont - 1, LWS_WRITE_HTTP_HEADERS);
}

static bool is_post(struct lws *wsi)
{
	return lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		  void *in, size_t len)
{
	struct srv *s = srv_of(wsi);
	struct req *r = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		memset(r, 0, sizeof *r);
		r->wsi = wsi;
		r->fd = -1;
		s->http_requests++;
		if (!is_post(wsi) && lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
			r->close_after = true;
			add_header(r, "allow", "GET, POST");
			respond_error(r, 405, "method_not_allowed", "use GET or POST");
			return 0;
		}
		dispatch(s, r, in ? (const char *)in : "/", is_post(wsi));
		continue_if_expected(r);
		return 0;

	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
		/* Refuse a WebSocket upgrade with a real HTTP answer, so that a
		 * client can tell "no session" from "server down". */
		char uri[64], session[AUTH_TOKEN_LEN + 1];
		struct auth_who who;
		if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
			return refuse_upgrade(wsi, 404, "Not Found", "not_found", "WebSockets are at /ws");
		http_session_token(wsi, session);
		if (!session[0] || auth_session_lookup(s->st, session, &who) < 0)
			return refuse_upgrade(wsi, 403, "Forbidden", "forbidden",
					      "no valid session: join the meeting first");
		return 0;
	}

	case LWS_CALLBACK_HTTP_BODY:
		if (r->state == R_UPLOAD) {
			if (lws_spa_process(r->spa, in, (int)len) < 0) {
				r->close_after = true;
				respond_error(r, 400, "bad_request", "the upload is not valid multipart/form-data");
				upload_cleanup(r);
			}
			return 0;
		}
		if (r->state == R_JSON_BODY) {
			size_t max = r->in_max ? r->in_max : JSON_BODY_MAX;
			if (r->inlen + len > max) {
				char why[80];
				r->close_after = true;
				free(r->in);
				r->in = NULL;
				r->state = R_IDLE;
				snprintf(why, sizeof why, "the request body is larger than %zu KiB", max >> 10);
				respond_error(r, 413, "too_large", why);
				return 0;
			}
			if (!len)
				return 0;
			char *grown = realloc(r->in, r->inlen + len + 1);
			if (!grown)
				return -1;
			r->in = grown;
			memcpy(r->in + r->inlen, in, len);
			r->inlen += len;
			r->in[r->inlen] = 0;
		}
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (r->state == R_UPLOAD) {
			upload_done(s, r);
		} else if (r->state == R_JSON_BODY && r->route == RT_CONSOLE) {
			console_http_body(s, r);
		} else if (r->state == R_JSON_BODY) {
			route_join(s, r);
		}
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		return writeable(r);

	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		return lws_http_transaction_completed(wsi) ? -1 : 0;

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (r && r->wsi == wsi) {
			unpin(r);
			if (r->pending)
				r->pending->req = NULL;
			r->pending = NULL;
			upload_cleanup(r);
			free(r->body);
			r->body = NULL;
			free(r->in);
			r->in = NULL;
			r->wsi = NULL;
		}
		return 0;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
