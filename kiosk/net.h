/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net — the kiosk's connection to the server: joining with the display
 * link, the plenum.v1 WebSocket, reconnecting, and downloads. libwebsockets
 * (client side) in a thread of its own.
 *
 * Why a thread and not the SDL loop: SDL waits for window events and lws
 * waits in poll() for its sockets and timers; neither can wait for the
 * other's without polling both on a short timeout, which costs latency and
 * wakes a small computer all day. Each waits on its own here and they meet
 * in two mutex-protected queues: the UI thread queues messages and
 * downloads and calls lws_cancel_service() (the one lws call that is safe
 * from another thread); the net thread queues events and calls cfg.wake()
 * (SDL_PushEvent, thread-safe).
 *
 * Design note. The connection's life, in the net thread:
 *
 *   start ──▶ JOIN (POST /api/join {token}) ──session──▶ WS (GET /ws,
 *               │ refused: NET_REFUSED,                  plenum.v1, the
 *               │ retry at the longest wait               session cookie)
 *               ▼                                           │ open: NET_OPEN
 *             retry ◀── NET_CLOSED (retry_ms) ◀─── closed or failed
 *               (link_backoff_ms(attempt): 250 ms doubling to 8 s, ±20 %)
 *
 * A WebSocket refused with 401 or 403 (the session is gone: a new data
 * directory, a revoked link) joins again before the next attempt; any
 * other failure reuses the session, which survives server restarts.
 * lws pings an open connection every 5 s and drops it after 12 s without
 * an answer, so a network that vanishes silently is noticed.
 *
 * Downloads (GET with the session cookie) run beside the WebSocket, at
 * most NET_FETCHES at a time, urgent ones first. A document is hashed
 * (SHA-256) while it is written under the cache's tmp/ and is committed
 * (cache.h) only when the hash matches the server's ETag.
 *
 * Invariants:
 *  1. net_start/stop/send/fetch/take run on one thread (the UI's); every
 *     lws call but lws_cancel_service() happens on the net thread.
 *  2. A message is sent only on the connection it was written for (its
 *     generation, from NET_OPEN): a hello never reaches a newer connection.
 *  3. Every fetch accepted yields exactly one NET_FETCHED, unless
 *     net_stop() comes first.
 *  4. Every buffer filled from the network has a hard maximum: a message
 *     NET_MESSAGE_MAX, a download NET_FETCH_MAX.
 */
#ifndef KIOSK_NET_H
#define KIOSK_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "link.h"

#define NET_MESSAGE_MAX ((size_t)16 << 20)
#define NET_FETCH_MAX ((uint64_t)2 << 30)
#define NET_FETCHES 2
#define NET_KEY_MAX 160

struct net;

struct net_config {
	struct link link;
	bool insecure;                  /* https: accept any certificate */
	const struct cache *cache;      /* where documents are kept */
	void (*wake)(void *arg);        /* events are waiting (net thread) */
	void *wake_arg;
};

enum net_kind {
	NET_JOINED,     /* the display link was accepted */
	NET_REFUSED,    /* the link was refused: text is the server's sentence */
	NET_OPEN,       /* the WebSocket is open (gen): say hello */
	NET_MESSAGE,    /* text, len: one message from the server */
	NET_CLOSED,     /* the WebSocket is gone or did not open; next try in retry_ms */
	NET_FETCHED,    /* a download ended: key, status, http, path */
};

struct net_event {
	enum net_kind kind;
	unsigned gen;                   /* NET_OPEN, NET_MESSAGE: the connection */
	char *text;                     /* NUL-terminated */
	size_t len;
	unsigned retry_ms;
	int64_t t_ns;                   /* NET_MESSAGE: CLOCK_MONOTONIC when its last byte came */
	char key[NET_KEY_MAX];
	int status;                     /* 0, -EPERM (403), -ENOENT (404), -EACCES (401),
	                                 * -EFBIG (past NET_FETCH_MAX), -EBADMSG (hash
	                                 * mismatch), -EIO (network, other statuses) */
	int http;                       /* the HTTP status, 0 when none came */
	char path[1024];                /* the file, when status is 0 */
};

enum net_fetch_kind {
	NET_FETCH_DOC,  /* a document: into the cache, by content */
	NET_FETCH_FILE, /* any file: to dest */
};

struct net_fetch {
	enum net_fetch_kind kind;
	char key[NET_KEY_MAX];          /* the caller's name, given back */
	char doc[48];                   /* NET_FETCH_DOC: the document's id */
	char path[512];                 /* the server path, after the link's prefix */
	char dest[1024];                /* NET_FETCH_FILE: where it goes */
	bool urgent;
};

/* Starts the net thread, which joins and connects at once. Returns 0 or a
 * negative errno with a sentence in err. */
int net_start(struct net **out, const struct net_config *cfg, char *err, size_t errlen);

/* Closes every connection and stops the thread. Events not taken are
 * dropped. */
void net_stop(struct net *n);

/* Sends a text message on connection `gen` (dropped if that connection is
 * gone). Returns 0 or -ENOMEM. */
int net_send(struct net *n, unsigned gen, const char *text);

/* Queues a download; an identical key already queued or running is not
 * queued again (an urgent ask moves a queued one first). Returns 0 or
 * -ENOMEM. */
int net_fetch(struct net *n, const struct net_fetch *f);

/* The next event (caller frees with net_event_free), or NULL. */
struct net_event *net_take(struct net *n);
void net_event_free(struct net_event *e);

#endif
