/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transport — what server.c, http.c and ws.c share: the running server's
 * state and the entry points each gives the others. libwebsockets stays
 * inside these three files.
 *
 * Threads: everything here belongs to the lws service thread, except
 * srv->render's wake callback (see render.h).
 */
#ifndef PLENUM_TRANSPORT_H
#define PLENUM_TRANSPORT_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "auth.h"

struct cache;
struct config;
struct render;
struct render_result;
struct room;
struct pending;
struct prerender;
struct ws_ballot;

#define WS_MESSAGE_MAX (64 * 1024) /* a client message past this closes with 1009 */
#define WS_RING_SIZE 512           /* events a client may lag behind */
#define WS_REPLIES_MAX 256         /* unsent replies before a client is not read */
#define WS_SNDBUF (32 * 1024)      /* SO_SNDBUF of a WebSocket (the kernel doubles it) */
#define WS_BALLOTS_MAX 1024        /* ballots in one group commit */
#define WS_PROGRESS_US 200000      /* at most one poll.progress per meeting in this time */
#define WS_NOTICE_US 250000        /* presence and quorum notices of a meeting: at most one
                                    * of each in this time; what changes meanwhile is batched */

struct srv {
	const struct config *cfg;
	struct store *st;
	struct auth_key key;
	struct render *render;
	struct fanout *fanout;      /* ws.c sends each event to the room on these threads */
	struct lws_context *ctx;
	struct room *rooms;         /* ws.c: meetings with connected clients */
	struct pending *pending;    /* http.c: requests waiting for a render */
	struct prerender *prerenders; /* http.c: documents being pre-rendered */
	struct cache *cache;        /* the page images under cache_dir */
	struct ws_ballot *ballots;  /* ws.c: ballots waiting for their group commit */
	int nballots;
	lws_sorted_usec_list_t ballot_sul;   /* ws.c: commits them on the loop's next pass */
	lws_sorted_usec_list_t progress_sul; /* ws.c: sends the poll.progress held back */
	lws_sorted_usec_list_t notice_sul;   /* ws.c: sends the presence and quorum held back */
	char cache_dir[1024];       /* <data>/cache */
	char tmp_dir[1024];         /* <data>/tmp */
	char source_tarball[1024];  /* /source.tar.gz */
	/* counters for /metrics */
	uint64_t http_requests, events_total, renders_total, render_failures;
	uint64_t sends_direct, sends_deferred; /* ws.c, invariant 11 */
	int ws_connections;
};

/* The srv of a connection's context. */
struct srv *srv_of(struct lws *wsi);

/* ws.c */
int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		void *in, size_t len);
size_t ws_pss_size(void);
/* Meetings that have clients connected. */
int ws_room_count(struct srv *s);
/* Sends an event (or a notice) to every client of a meeting that has said
 * hello. Does not take ownership of `event`. */
void ws_broadcast(struct srv *s, const char *meeting, json_t *event);

/* Commits the ballots still waiting (their replies are queued) and frees
 * the queue; before the context is destroyed at shutdown. */
void ws_shutdown(struct srv *s);
/* Attendance in `meeting` may have changed: when the quorum's counts differ
 * from what its room last saw, sends the `quorum.changed` notice to it. */
void ws_quorum_note(struct srv *s, const char *meeting);

/* http.c */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		  void *in, size_t len);
size_t http_pss_size(void);
/* Frees what waits for renders (at shutdown, after the context is gone). */
void http_shutdown(struct srv *s);
/* A render result came back: answer the request that waits for it. */
void http_render_done(struct srv *s, struct render_result *res);
/* At start: queues the text jobs of every document file whose text is not
 * indexed yet (documents added with `plenum doc add`, or an index that a
 * stop interrupted). */
void http_index_pending(struct srv *s);
/* The session token a request carries (cookie or ?session=), or "". */
void http_session_token(struct lws *wsi, char out[AUTH_TOKEN_LEN + 1]);

#endif
