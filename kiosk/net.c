/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* net — see net.h. Everything below run() happens on the net thread. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>
#include <sodium.h>

#define PROTOCOL "plenum.v1"
#define JOIN_REPLY_MAX 65536
/* A connection that stayed open this long starts the backoff afresh. */
#define STABLE_MS 5000

enum conn_kind { C_JOIN, C_WS, C_FETCH };

struct out_msg {
	unsigned gen;
	size_t len;
	struct out_msg *next;
	char text[];
};

struct fetch_node {
	struct net_fetch f;
	struct fetch_node *next;
};

struct ev_node {
	struct net_event *e;
	struct ev_node *next;
};

struct conn {
	enum conn_kind kind;
	struct net *net;
	struct lws *wsi;
	bool in_connect;        /* inside lws_client_connect_via_info() */
	bool finished;          /* its result was reported */
	int http;
	char *buf;              /* the join reply, or a WebSocket message */
	size_t len, cap;
	/* fetches */
	struct fetch_node *job;
	int fd;
	char tmp[1024];
	crypto_hash_sha256_state sha;
	char etag[128];
	uint64_t got;
	bool body_ok;
	/* joins */
	char body[160];
	size_t body_len;
};

struct net {
	struct net_config cfg;
	char server_key[300];
	struct lws_context *ctx;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;           /* guards what follows, up to "net thread only" */
	bool stop;
	struct out_msg *out, **out_tail;
	struct fetch_node *fetches;     /* waiting, urgent first */
	char running[NET_FETCHES][NET_KEY_MAX];
	struct ev_node *events, **events_tail;

	/* net thread only */
	bool stopping;
	char session[64];
	bool need_join;
	int attempt;
	unsigned gen;
	int64_t opened_at;
	struct conn *ws;
	bool ws_open;
	int fetching;
	lws_sorted_usec_list_t sul_retry;
	unsigned rnd;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- events to the UI thread ------------------------------------------------ */

static void post(struct net *n, struct net_event *e)
{
	struct ev_node *node = calloc(1, sizeof *node);

	if (!node) {
		net_event_free(e);
		return;
	}
	node->e = e;
	pthread_mutex_lock(&n->lock);
	*n->events_tail = node;
	n->events_tail = &node->next;
	pthread_mutex_unlock(&n->lock);
	if (n->cfg.wake)
		n->cfg.wake(n->cfg.wake_arg);
}

static struct net_event *event_new(enum net_kind kind)
{
	struct net_event *e = calloc(1, sizeof *e);

	if (e)
		e->kind = kind;
	return e;
}

static void post_simple(struct net *n, enum net_kind kind, const char *text, unsigned retry_ms)
{
	struct net_event *e = event_new(kind);

	if (!e)
		return;
	e->gen = n->gen;
	e->retry_ms = retry_ms;
	if (text) {
		e->text = strdup(text);
		e->len = e->text ? strlen(e->text) : 0;
	}
	post(n, e);
}

/* ---- connecting -------------------------------------------------------------- */

static void connect_next(struct net *n);

static void retry_cb(lws_sorted_usec_list_t *sul)
{
	struct net *n = lws_container_of(sul, struct net, sul_retry);

	connect_next(n);
}

/* After a failed or lost connection: wait, then try again. */
static void schedule_retry(struct net *n, const char *why, bool longest)
{
	unsigned ms;

	if (n->stopping)
		return;
	ms = longest ? LINK_BACKOFF_MAX_MS : link_backoff_ms(n->attempt, n->rnd = n->rnd * 1103515245u + 12345u);
	if (n->attempt < 30)
		n->attempt++;
	lwsl_user("plenum-kiosk: %s; next attempt in %.1f s\n", why, ms / 1000.0);
	post_simple(n, NET_CLOSED, why, ms);
	lws_sul_schedule(n->ctx, 0, &n->sul_retry, retry_cb, (lws_usec_t)ms * LWS_US_PER_MS);
}

static struct conn *conn_new(struct net *n, enum conn_kind kind)
{
	struct conn *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->kind = kind;
	c->net = n;
	c->fd = -1;
	return c;
}

static void conn_free(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->tmp[0])
		unlink(c->tmp);
	free(c->buf);
	free(c->job);
	free(c);
}

/* Opens a client connection for c; false when it failed at once (then c
 * has been dealt with: reported and freed). */
static bool open_conn(struct net *n, struct conn *c, const char *path, const char *method)
{
	struct lws_client_connect_info i;
	static const lws_retry_bo_t keepalive = {
		.secs_since_valid_ping = 5,
		.secs_since_valid_hangup = 12,
	};
	char full[1200];
	struct lws *wsi;

	if (link_path(&n->cfg.link, path, full, sizeof full) < 0)
		return false;
	memset(&i, 0, sizeof i);
	i.context = n->ctx;
	i.address = n->cfg.link.host;
	i.port = n->cfg.link.port;
	i.path = full;
	i.host = n->cfg.link.host_header;
	i.origin = n->cfg.link.host_header;
	i.method = method;
	i.protocol = c->kind == C_WS ? PROTOCOL : NULL;
	i.local_protocol_name = PROTOCOL;
	i.opaque_user_data = c;
	i.pwsi = &c->wsi;
	if (c->kind == C_WS)
		i.retry_and_idle_policy = &keepalive;
	if (n->cfg.link.tls) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (n->cfg.insecure)
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
					    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					    LCCSCF_ALLOW_EXPIRED;
	}
	c->in_connect = true;
	wsi = lws_client_connect_via_info(&i);
	c->in_connect = false;
	return wsi != NULL;
}

static void join_done(struct conn *c, bool ok);
static void ws_gone(struct conn *c, const char *why);
static void fetch_done(struct conn *c, int status);

static void start_join(struct net *n)
{
	struct conn *c = conn_new(n, C_JOIN);

	if (!c) {
		schedule_retry(n, "out of memory", false);
		return;
	}
	c->body_len = (size_t)snprintf(c->body, sizeof c->body, "{\"token\":\"%s\"}",
				       n->cfg.link.token);
	if (!open_conn(n, c, "/api/join", "POST")) {
		if (!c->finished)
			join_done(c, false);
		conn_free(c);
	}
}

static void start_ws(struct net *n)
{
	struct conn *c = conn_new(n, C_WS);

	if (!c) {
		schedule_retry(n, "out of memory", false);
		return;
	}
	n->ws = c;
	n->ws_open = false;
	n->gen++;
	if (!open_conn(n, c, "/ws", NULL)) {
		if (!c->finished)
			ws_gone(c, "the connection could not be opened");
		conn_free(c);
	}
}

static void connect_next(struct net *n)
{
	if (n->stopping)
		return;
	if (n->need_join || !n->session[0])
		start_join(n);
	else
		start_ws(n);
}

/* ---- joining ---------------------------------------------------------------------- */

static void join_done(struct conn *c, bool ok)
{
	struct net *n = c->net;
	json_t *j = NULL;
	const char *session, *msg;
	char why[400];

	c->finished = true;
	if (n->stopping)
		return;
	if (ok && c->http == 200 && c->buf)
		j = json_loadb(c->buf, c->len, 0, NULL);
	session = json_string_value(json_object_get(j, "session"));
	if (session && strlen(session) < sizeof n->session &&
	    strspn(session, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
		    strlen(session) && *session) {
		snprintf(n->session, sizeof n->session, "%s", session);
		n->need_join = false;
		json_decref(j);
		lwsl_user("plenum-kiosk: joined as the room display\n");
		post_simple(n, NET_JOINED, NULL, 0);
		start_ws(n);
		return;
	}
	json_decref(j);
	if (c->http >= 400 && c->http < 500 && c->http != 429) {
		/* The server answered, and said no. */
		j = c->buf ? json_loadb(c->buf, c->len, 0, NULL) : NULL;
		msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
		snprintf(why, sizeof why, "the server refused the display link (%d%s%s)", c->http,
			 msg ? ": " : "", msg ? msg : "");
		json_decref(j);
		post_simple(n, NET_REFUSED, why, 0);
		schedule_retry(n, why, true);
		return;
	}
	if (c->http)
		snprintf(why, sizeof why, "joining failed with HTTP %d", c->http);
	else
		snprintf(why, sizeof why, "the server cannot be reached");
	schedule_retry(n, why, false);
}

/* ---- the WebSocket ---------------------------------------------------------------- */

static void ws_gone(struct conn *c, const char *why)
{
	struct net *n = c->net;
	char buf[300];

	c->finished = true;
	if (n->ws == c) {
		n->ws = NULL;
		if (n->ws_open && now_ms() - n->opened_at >= STABLE_MS)
			n->attempt = 0;
		n->ws_open = false;
	}
	if (n->stopping)
		return;
	if (c->http == 401 || c->http == 403)
		n->need_join = true;
	if (c->http >= 300)
		snprintf(buf, sizeof buf, "%s (HTTP %d)", why, c->http);
	else
		snprintf(buf, sizeof buf, "%s", why);
	schedule_retry(n, buf, false);
}

static int ws_writeable(struct net *n, struct lws *wsi)
{
	struct out_msg *m;
	unsigned char *buf;
	int rc = 0;

	pthread_mutex_lock(&n->lock);
	/* invariant 2: what was written for another connection is dropped */
	while ((m = n->out) && m->gen != n->gen) {
		n->out = m->next;
		free(m);
	}
	if (m) {
		n->out = m->next;
	}
	if (!n->out)
		n->out_tail = &n->out;
	pthread_mutex_unlock(&n->lock);
	if (!m)
		return 0;
	buf = malloc(LWS_PRE + m->len);
	if (buf) {
		memcpy(buf + LWS_PRE, m->text, m->len);
		if (lws_write(wsi, buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
			rc = -1;
		free(buf);
	}
	free(m);
	pthread_mutex_lock(&n->lock);
	if (n->out)
		lws_callback_on_writable(wsi);
	pthread_mutex_unlock(&n->lock);
	return rc;
}

/* Appends a received piece to c->buf (up to max); -1 past it. */
static int append(struct conn *c, const void *in, size_t len, size_t max)
{
	if (c->len + len > max)
		return -1;
	if (c->len + len + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *p;

		while (cap < c->len + len + 1)
			cap *= 2;
		p = realloc(c->buf, cap);
		if (!p)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, in, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return 0;
}

static int ws_receive(struct conn *c, struct lws *wsi, const void *in, size_t len)
{
	struct net *n = c->net;
	struct net_event *e;

	if (append(c, in, len, NET_MESSAGE_MAX) < 0) {
		lwsl_err("plenum-kiosk: a message from the server was over %zu bytes\n",
			 NET_MESSAGE_MAX);
		return -1;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	e = event_new(NET_MESSAGE);
	if (e) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		e->t_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		e->gen = n->gen;
		e->text = c->buf;
		e->len = c->len;
		c->buf = NULL;
		c->len = c->cap = 0;
		post(n, e);
	}
	c->len = 0;
	return 0;
}

/* ---- downloads -------------------------------------------------------------------- */

static void start_fetches(struct net *n)
{
	for (;;) {
		struct fetch_node *job;
		struct conn *c;
		int slot = -1;

		if (n->stopping || n->fetching >= NET_FETCHES || !n->session[0])
			return;
		pthread_mutex_lock(&n->lock);
		job = n->fetches;
		if (job) {
			n->fetches = job->next;
			for (int i = 0; i < NET_FETCHES && slot < 0; i++)
				if (!n->running[i][0])
					slot = i;
			if (slot >= 0)
				snprintf(n->running[slot], NET_KEY_MAX, "%s", job->f.key);
		}
		pthread_mutex_unlock(&n->lock);
		if (!job)
			return;
		c = conn_new(n, C_FETCH);
		if (!c) {
			free(job);
			return;
		}
		c->job = job;
		n->fetching++;
		if (!open_conn(n, c, job->f.path, "GET")) {
			if (!c->finished)
				fetch_done(c, -EIO);
			conn_free(c);
		}
	}
}

static void fetch_done(struct conn *c, int status)
{
	struct net *n = c->net;
	struct net_event *e;
	char sha[crypto_hash_sha256_BYTES * 2 + 1];
	unsigned char digest[crypto_hash_sha256_BYTES];
	const char *etag = c->etag;

	if (c->finished)
		return;
	c->finished = true;
	n->fetching--;
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < NET_FETCHES; i++)
		if (!strcmp(n->running[i], c->job->f.key))
			n->running[i][0] = '\0';
	pthread_mutex_unlock(&n->lock);
	if (n->stopping)
		return;
	e = event_new(NET_FETCHED);
	if (!e)
		return;
	snprintf(e->key, sizeof e->key, "%s", c->job->f.key);
	e->http = c->http;
	if (status == 0) {
		if (c->http == 200 && c->body_ok) {
			status = 0;
		} else if (c->http == 403) {
			status = -EPERM;
		} else if (c->http == 404) {
			status = -ENOENT;
		} else if (c->http == 401) {
			status = -EACCES;
			n->need_join = true;
		} else {
			status = -EIO;
		}
	}
	if (status == 0 && c->fd >= 0 && close(c->fd) != 0)
		status = -EIO;
	c->fd = -1;
	if (status == 0 && c->job->f.kind == NET_FETCH_DOC) {
		crypto_hash_sha256_final(&c->sha, digest);
		sodium_bin2hex(sha, sizeof sha, digest, sizeof digest);
		/* The ETag is the SHA-256, quoted (perhaps weak: W/"…"). */
		if (!strncmp(etag, "W/", 2))
			etag += 2;
		if (*etag == '"')
			etag++;
		if (*etag && strncmp(etag, sha, 64)) {
			lwsl_err("plenum-kiosk: %s: the download does not match its ETag\n",
				 c->job->f.path);
			status = -EBADMSG;
		} else if (cache_commit(n->cfg.cache, n->server_key, c->job->f.doc, c->tmp, sha,
					e->path, sizeof e->path) < 0) {
			status = -EIO;
		} else {
			c->tmp[0] = '\0';
		}
	} else if (status == 0) {
		if (rename(c->tmp, c->job->f.dest) < 0) {
			status = -EIO;
		} else {
			snprintf(e->path, sizeof e->path, "%s", c->job->f.dest);
			c->tmp[0] = '\0';
		}
	}
	e->status = status;
	post(n, e);
	start_fetches(n);
}

static int fetch_headers(struct conn *c, struct lws *wsi)
{
	struct net *n = c->net;

	c->http = (int)lws_http_client_http_response(wsi);
	if (c->http != 200)
		return 0;
	if (lws_hdr_copy(wsi, c->etag, sizeof c->etag, WSI_TOKEN_HTTP_ETAG) < 0)
		c->etag[0] = '\0';
	if (cache_tmp_name(n->cfg.cache, c->job->f.kind == NET_FETCH_DOC ? ".part" : ".png", c->tmp,
			   sizeof c->tmp) < 0)
		return -1;
	c->fd = open(c->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (c->fd < 0) {
		lwsl_err("plenum-kiosk: cannot write %s: %s\n", c->tmp, strerror(errno));
		c->tmp[0] = '\0';
		return -1;
	}
	crypto_hash_sha256_init(&c->sha);
	c->body_ok = true;
	return 0;
}

static int fetch_body(struct conn *c, const void *in, size_t len)
{
	const char *p = in;

	if (c->http != 200 || c->fd < 0)
		return 0;	/* an error page: its body is not kept */
	if (c->got + len > NET_FETCH_MAX) {
		c->body_ok = false;
		fetch_done(c, -EFBIG);
		return -1;
	}
	c->got += len;
	crypto_hash_sha256_update(&c->sha, in, len);
	while (len) {
		ssize_t k = write(c->fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			c->body_ok = false;
			fetch_done(c, -EIO);
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* ---- the callback ------------------------------------------------------------------ */

static int add_cookie(struct net *n, unsigned char **p, unsigned char *end, struct lws *wsi)
{
	char cookie[100];
	int k = snprintf(cookie, sizeof cookie, "plenum_session=%s", n->session);

	return lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE, (unsigned char *)cookie, k,
					    p, end);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	struct lws_context *ctx = wsi ? lws_get_context(wsi) : NULL;
	struct net *n = ctx ? lws_context_user(ctx) : NULL;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (!n || n->stopping)
			break;
		pthread_mutex_lock(&n->lock);
		if (n->stop)
			n->stopping = true;
		if (n->out && n->ws && n->ws_open && n->ws->wsi)
			lws_callback_on_writable(n->ws->wsi);
		pthread_mutex_unlock(&n->lock);
		start_fetches(n);
		break;

	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = (unsigned char **)in, *end = (*p) + len;

		if (!c)
			break;
		if (c->kind != C_JOIN)
			return add_cookie(c->net, p, end, wsi) ? -1 : 0;
		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
						 (unsigned char *)"application/json", 16, p, end) ||
		    lws_add_http_header_content_length(wsi, c->body_len, p, end))
			return -1;
		lws_client_http_body_pending(wsi, 1);
		lws_callback_on_writable(wsi);
		break;
	}

	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE: {
		unsigned char buf[LWS_PRE + 200];

		if (!c || c->kind != C_JOIN)
			break;
		memcpy(buf + LWS_PRE, c->body, c->body_len);
		lws_client_http_body_pending(wsi, 0);
		if (lws_write(wsi, buf + LWS_PRE, c->body_len, LWS_WRITE_HTTP_FINAL) !=
		    (int)c->body_len)
			return -1;
		break;
	}

	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		if (!c)
			break;
		c->http = (int)lws_http_client_http_response(wsi);
		if (c->kind == C_FETCH)
			return fetch_headers(c, wsi);
		break;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (!c || c->finished)
			break;
		if (c->kind == C_JOIN)
			return append(c, in, len, JOIN_REPLY_MAX);
		if (c->kind == C_FETCH)
			return fetch_body(c, in, len);
		break;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char buf[LWS_PRE + 16384], *px = buf + LWS_PRE;
		int lenx = (int)sizeof buf - LWS_PRE;

		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	}

	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (!c || c->finished)
			break;
		if (c->kind == C_JOIN)
			join_done(c, true);
		else if (c->kind == C_FETCH)
			fetch_done(c, 0);
		/* done with it: no keep-alive to look after */
		lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
		break;

	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (!c || c->finished)
			break;
		if (c->kind == C_JOIN)
			join_done(c, false);
		else if (c->kind == C_FETCH)
			fetch_done(c, -EIO);
		break;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!c || c->finished)
			break;
		if (!c->http)
			c->http = (int)lws_http_client_http_response(wsi);
		if (c->kind == C_JOIN) {
			join_done(c, false);
		} else if (c->kind == C_FETCH) {
			fetch_done(c, -EIO);
		} else {
			char why[200];

			snprintf(why, sizeof why, "the connection failed: %s",
				 in ? (const char *)in : "no reason given");
			ws_gone(c, why);
		}
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c || c->kind != C_WS || c->net->ws != c)
			break;
		c->net->ws_open = true;
		c->net->opened_at = now_ms();
		lwsl_user("plenum-kiosk: connected\n");
		post_simple(c->net, NET_OPEN, NULL, 0);
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!c || c->kind != C_WS || c->net->ws != c)
			break;
		return ws_receive(c, wsi, in, len);

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!c || c->kind != C_WS || c->net->ws != c)
			break;
		return ws_writeable(c->net, wsi);

	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!c || c->kind != C_WS || c->finished)
			break;
		ws_gone(c, "the connection closed");
		break;

	case LWS_CALLBACK_WSI_DESTROY:
		if (!c)
			break;
		lws_set_opaque_user_data(wsi, NULL);
		if (!c->finished) {
			if (c->kind == C_JOIN)
				join_done(c, false);
			else if (c->kind == C_FETCH)
				fetch_done(c, -EIO);
			else
				ws_gone(c, "the connection closed");
		}
		if (c->net->ws == c)
			c->net->ws = NULL;
		if (!c->in_connect)
			conn_free(c);
		break;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ PROTOCOL, callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ---- the thread and the public calls ---------------------------------------------------- */

static void *run(void *arg)
{
	struct net *n = arg;

	connect_next(n);
	while (!n->stopping) {
		if (lws_service(n->ctx, 0) < 0)
			break;
	}
	return NULL;
}

int net_start(struct net **out, const struct net_config *cfg, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	struct net *n = calloc(1, sizeof *n);
	int rc;

	*out = NULL;
	if (!n) {
		say(err, errlen, "Out of memory.");
		return -ENOMEM;
	}
	n->cfg = *cfg;
	n->out_tail = &n->out;
	n->events_tail = &n->events;
	n->need_join = true;
	n->rnd = (unsigned)time(NULL) ^ (unsigned)getpid();
	cache_server_key(cfg->link.host, cfg->link.port, n->server_key, sizeof n->server_key);
	pthread_mutex_init(&n->lock, NULL);

	/* Errors, and our own lines (lwsl_user): lws's notices at start and
	 * its warnings on every failed attempt say nothing the log needs. */
	lws_set_log_level(getenv("PLENUM_KIOSK_VERBOSE") ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_USER
						       : LLL_ERR | LLL_USER,
			  NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = n;
	info.fd_limit_per_thread = 64;
	info.timeout_secs = 15;
	info.connect_timeout_secs = 5;
	if (cfg->link.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	n->ctx = lws_create_context(&info);
	if (!n->ctx) {
		pthread_mutex_destroy(&n->lock);
		free(n);
		say(err, errlen, "The network library could not start.");
		return -EIO;
	}
	rc = pthread_create(&n->thread, NULL, run, n);
	if (rc) {
		lws_context_destroy(n->ctx);
		pthread_mutex_destroy(&n->lock);
		free(n);
		say(err, errlen, "The network thread cannot start: %s.", strerror(rc));
		return -rc;
	}
	n->thread_started = true;
	*out = n;
	return 0;
}

void net_stop(struct net *n)
{
	struct out_msg *m;
	struct fetch_node *f;
	struct ev_node *e;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_mutex_unlock(&n->lock);
	lws_cancel_service(n->ctx);
	if (n->thread_started)
		pthread_join(n->thread, NULL);
	n->stopping = true;
	lws_sul_cancel(&n->sul_retry);
	lws_context_destroy(n->ctx);
	while ((m = n->out)) {
		n->out = m->next;
		free(m);
	}
	while ((f = n->fetches)) {
		n->fetches = f->next;
		free(f);
	}
	while ((e = n->events)) {
		n->events = e->next;
		net_event_free(e->e);
		free(e);
	}
	pthread_mutex_destroy(&n->lock);
	free(n);
}

int net_send(struct net *n, unsigned gen, const char *text)
{
	size_t len = strlen(text);
	struct out_msg *m = malloc(sizeof *m + len + 1);

	if (!m)
		return -ENOMEM;
	m->gen = gen;
	m->len = len;
	m->next = NULL;
	memcpy(m->text, text, len + 1);
	pthread_mutex_lock(&n->lock);
	*n->out_tail = m;
	n->out_tail = &m->next;
	pthread_mutex_unlock(&n->lock);
	lws_cancel_service(n->ctx);
	return 0;
}

int net_fetch(struct net *n, const struct net_fetch *f)
{
	struct fetch_node *node, **at, *cur;

	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < NET_FETCHES; i++)
		if (!strcmp(n->running[i], f->key)) {
			pthread_mutex_unlock(&n->lock);
			return 0;
		}
	for (at = &n->fetches; (cur = *at); at = &cur->next) {
		if (strcmp(cur->f.key, f->key))
			continue;
		if (!f->urgent || cur->f.urgent) {
			pthread_mutex_unlock(&n->lock);
			return 0;
		}
		*at = cur->next;	/* promoted below */
		free(cur);
		break;
	}
	pthread_mutex_unlock(&n->lock);
	node = calloc(1, sizeof *node);
	if (!node)
		return -ENOMEM;
	node->f = *f;
	pthread_mutex_lock(&n->lock);
	if (f->urgent) {
		/* after the other urgent ones, before the rest */
		for (at = &n->fetches; *at && (*at)->f.urgent; at = &(*at)->next)
			;
	} else {
		for (at = &n->fetches; *at; at = &(*at)->next)
			;
	}
	node->next = *at;
	*at = node;
	pthread_mutex_unlock(&n->lock);
	lws_cancel_service(n->ctx);
	return 0;
}

struct net_event *net_take(struct net *n)
{
	struct ev_node *node;
	struct net_event *e = NULL;

	pthread_mutex_lock(&n->lock);
	node = n->events;
	if (node) {
		n->events = node->next;
		if (!n->events)
			n->events_tail = &n->events;
		e = node->e;
	}
	pthread_mutex_unlock(&n->lock);
	free(node);
	return e;
}

void net_event_free(struct net_event *e)
{
	if (!e)
		return;
	free(e->text);
	free(e);
}
