/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ws — the WebSocket protocol `plenum.v1`: frames ↔ commands, and the
 * fan-out of a meeting's events to its clients.
 *
 * Design note.
 *
 * A `room` exists while a meeting has clients who said hello. It holds one
 * lws_ring of serialized messages (events and notices), each allocated
 * once with LWS_PRE headroom and written to every client from the same
 * buffer. Each connection keeps a `tail` into that ring and writes one
 * message per SERVER_WRITEABLE (the lws `minimal-ws-server-ring` pattern)
 * when it is behind; a connection that is not is written to at once
 * (invariant 11). Unlike that example, the ring's oldest tail is recomputed
 * only when the ring runs three-quarters full, so that a fan-out costs
 * O(N), not O(N²).
 *
 * Replies to a connection's own requests go in a short per-connection
 * queue, written when the connection has no ring message waiting.
 *
 * Invariants:
 *  1. A connection is in its room's list iff it has said hello; its tail
 *     starts at the ring's head at that moment, so every event it gets from
 *     the ring has a seq above the one in its hello reply.
 *  2. Events enter the ring only after their transaction committed (the
 *     domain functions return them after the commit).
 *  3. When the ring is full, the connections at the oldest tail are the
 *     laggards: they are closed with 1008 and resume with hello + since.
 *  4. A message larger than WS_MESSAGE_MAX closes with 1009 (RFC 6455
 *     §7.4.1); fragments are reassembled into a buffer bounded by it.
 *  5. A client with WS_REPLIES_MAX unsent replies is not read from until it
 *     has taken half of them (lws_rx_flow_control), so pipelining is fine
 *     and a client that never reads cannot make the server queue forever.
 *  6. Ballots are group-committed: `ballot.cast` queues the ballot (at most
 *     WS_BALLOTS_MAX) and arms a 1 µs timer, which lws runs on the loop's
 *     next pass, after every socket that was ready in this one; the batch
 *     is one fsynced transaction (vote_ballots_cast) and each reply goes
 *     after its commit. Any other request commits the queue first, so
 *     requests still take effect in the order they arrived. `--ballot-batch`
 *     caps the batch (1: a transaction per ballot, the benchmark's baseline).
 *  7. `poll.progress` is a notice, sent at most once per WS_PROGRESS_US per
 *     meeting; a progress held back goes out when that time is up, with
 *     the counts of that moment, so the last one always comes.
 *  8. Every write request in a closed meeting is refused with `conflict`
 *     ("this meeting is closed"), after the permission check — except
 *     `minutes.edit`: minutes are normally finished after the meeting ends.
 *  9. A room remembers the quorum it last announced; an attendance change
 *     (a check-in, an absence, a join over HTTP) that changes the counts
 *     sends the `quorum.changed` notice with the new ones.
 * 10. Presence and quorum notices go out at once when the room has been
 *     quiet for WS_NOTICE_US, else when that time is up, with what changed
 *     meanwhile: several participants' presence in one `presence` notice
 *     with `changes`, the quorum as it is then. A room filling with N
 *     screens costs O(N) notices per WS_NOTICE_US instead of one to every
 *     screen for every arrival (O(N²)). Each presence remembers the state
 *     last announced, so a device that leaves and comes back within the
 *     time is no change at all.
 * 11. A message goes out at once, without waiting for the socket to be
 *     reported writable, to every connection that has nothing older waiting
 *     (in the ring or unsent inside lws): ws.c frames it once and fanout.c
 *     sends that frame to all of them, sharing the sockets among a few
 *     threads, each on its own processor. What a socket did not take is
 *     left to lws (the rest of a frame, sent raw before anything else) or
 *     to the ring (a frame not begun). lws serves plain TCP here (TLS ends
 *     at the reverse proxy), so the bytes on the socket are the frame.
 *
 * Threads: the lws service thread only; fanout.c's helpers write to the
 * sockets while this thread waits for them in room_send_now().
 */
#include "transport.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "fanout.h"
#include "library.h"
#include "log.h"
#include "meeting.h"
#include "minutes.h"
#include "proto.h"
#include "speaker.h"
#include "store.h"
#include "vote.h"

struct msg {
	unsigned char *buf; /* LWS_PRE + len bytes */
	size_t len;
};

struct reply {
	struct reply *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
};

struct presence {
	struct presence *next;
	char participant[AUTH_ID_LEN + 1];
	int count;
	bool shown;             /* online as last announced (invariant 10) */
};

struct conn;

struct ws_ballot {
	struct conn *conn;      /* NULL once the connection has closed */
	json_t *id;             /* the request's id (owned) */
	char meeting[AUTH_ID_LEN + 1];
	char poll[AUTH_ID_LEN + 1];
	char participant[AUTH_ID_LEN + 1];
	int64_t option;
};

struct room {
	struct room *next;
	char meeting[AUTH_ID_LEN + 1];
	struct lws_ring *ring;
	struct conn *conns;
	struct presence *presence;
	int nconns;
	int nculled;            /* closing connections that still point here */
	char progress_poll[AUTH_ID_LEN + 1]; /* the poll whose progress is due */
	bool progress_due;      /* a poll.progress is held back (invariant 7) */
	lws_usec_t progress_last; /* when the last one went out */
	struct meeting_quorum quorum; /* as last announced (invariant 9) */
	bool presence_due, quorum_due; /* held back (invariant 10) */
	lws_usec_t notice_last;  /* when presence or quorum last went out */
	/* room_send_now()'s lists, kept between messages (invariant 11) */
	struct conn **fan;
	int *fan_fds;
	ssize_t *fan_sent;
	size_t fan_cap;
};

struct conn {
	struct lws *wsi;
	struct room *room;      /* set at hello */
	struct conn *next;      /* in room->conns */
	struct conn **pprev;    /* the pointer that points here, for O(1) removal */
	uint32_t tail;
	bool authed, culled, rx_paused;
	bool closing;           /* the client sent its close frame */
	struct auth_who who;
	struct reply *replies, *replies_last;
	int nreplies;
	unsigned char *rx;      /* reassembly of a fragmented message */
	size_t rxlen;
};

size_t ws_pss_size(void)
{
	return sizeof(struct conn);
}

/* ---- rooms and presence ------------------------------------------------- */

int ws_room_count(struct srv *s)
{
	int n = 0;

	for (struct room *r = s->rooms; r; r = r->next)
		n++;
	return n;
}

static void msg_destroy(void *element)
{
	struct msg *m = element;

	free(m->buf);
}

static struct room *room_find(struct srv *s, const char *meeting)
{
	for (struct room *r = s->rooms; r; r = r->next)
		if (strcmp(r->meeting, meeting) == 0)
			return r;
	return NULL;
}

static struct room *room_get(struct srv *s, const char *meeting)
{
	struct room *r = room_find(s, meeting);

	if (r)
		return r;
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->ring = lws_ring_create(sizeof(struct msg), WS_RING_SIZE, msg_destroy);
	if (!r->ring) {
		free(r);
		return NULL;
	}
	snprintf(r->meeting, sizeof r->meeting, "%s", meeting);
	meeting_quorum_get(s->st, meeting, &r->quorum);
	r->next = s->rooms;
	s->rooms = r;
	return r;
}

static void room_free_if_empty(struct srv *s, struct room *r)
{
	if (r->conns || r->nculled)
		return;
	for (struct room **p = &s->rooms; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	while (r->presence) {
		struct presence *n = r->presence->next;
		free(r->presence);
		r->presence = n;
	}
	lws_ring_destroy(r->ring);
	free(r->fan);
	free(r->fan_fds);
	free(r->fan_sent);
	free(r);
}

static struct presence *presence_get(struct room *r, const char *participant, bool create)
{
	struct presence *p;

	for (p = r->presence; p; p = p->next)
		if (strcmp(p->participant, participant) == 0)
			return p;
	if (!create)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	snprintf(p->participant, sizeof p->participant, "%s", participant);
	p->next = r->presence;
	r->presence = p;
	return p;
}

/* Moves the oldest tail to the connection furthest behind (or the head when
 * nobody is left), freeing what every connection has written. */
static void room_update_oldest(struct room *r)
{
	uint32_t oldest = lws_ring_get_oldest_tail(r->ring);
	size_t most = 0;
	bool any = false;

	for (struct conn *c = r->conns; c; c = c->next) {
		size_t w = lws_ring_get_count_waiting_elements(r->ring, &c->tail);
		if (!any || w > most) {
			most = w;
			oldest = c->tail;
			any = true;
		}
	}
	if (any) {
		lws_ring_update_oldest_tail(r->ring, oldest);
	} else {
		size_t n = lws_ring_get_count_waiting_elements(r->ring, NULL);
		lws_ring_consume(r->ring, NULL, NULL, n);
	}
}

static void room_add(struct room *r, struct conn *c)
{
	c->next = r->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &r->conns;
	r->conns = c;
	r->nconns++;
}

/* O(1): the oldest tail is brought up to date lazily, in room_push. */
static void room_remove(struct room *r, struct conn *c)
{
	if (!c->pprev)
		return;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->next = NULL;
	c->pprev = NULL;
	r->nconns--;
}

/* Closes a connection that the room gave up on; it stays counted in the
 * room (nculled) until lws reports it closed. */
static void room_cull(struct room *r, struct conn *c)
{
	room_remove(r, c);
	c->culled = true;
	r->nculled++;
	/* A stalled socket may never become writeable for the close frame:
	 * then lws drops the connection after two seconds. */
	lws_callback_on_writable(c->wsi);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 2);
}

/* The list of the room's connections for one fan-out, grown to fit. */
static bool room_fan_reserve(struct room *r, size_t n)
{
	if (n <= r->fan_cap)
		return true;
	size_t cap = n + n / 2 + 16;
	struct conn **fan = realloc(r->fan, cap * sizeof *fan);
	if (fan)
		r->fan = fan;
	int *fds = realloc(r->fan_fds, cap * sizeof *fds);
	if (fds)
		r->fan_fds = fds;
	ssize_t *sent = realloc(r->fan_sent, cap * sizeof *sent);
	if (sent)
		r->fan_sent = sent;
	if (!fan || !fds || !sent)
		return false;
	r->fan_cap = cap;
	return true;
}

_Static_assert(LWS_PRE >= 10, "room for the longest WebSocket header");

/* Puts the WebSocket header of an unmasked text frame of `len` bytes right
 * before buf + LWS_PRE; returns the frame's first byte. */
static unsigned char *frame_text(unsigned char *buf, size_t len)
{
	unsigned char *p = buf + LWS_PRE;
	int i;

	if (len < 126) {
		*--p = (unsigned char)len;
	} else if (len <= 0xffff) {
		*--p = (unsigned char)(len & 0xff);
		*--p = (unsigned char)(len >> 8);
		*--p = 126;
	} else {
		for (i = 0; i < 8; i++)
			*--p = (unsigned char)((uint64_t)len >> (8 * i));
		*--p = 127;
	}
	*--p = 0x81;            /* FIN, text */
	return p;
}

/* Invariant 11: the message just put in the ring (buf, LWS_PRE + len) goes
 * at once to every connection that has nothing older waiting, in one
 * fan-out over all cores; the others take it from the ring when writable. */
static void room_send_now(struct srv *s, struct room *r, unsigned char *buf, size_t len)
{
	size_t n = 0, total;
	unsigned char *frame;

	if (!room_fan_reserve(r, (size_t)r->nconns)) {
		for (struct conn *c = r->conns; c; c = c->next)
			lws_callback_on_writable(c->wsi);
		return;
	}
	for (struct conn *c = r->conns; c; c = c->next) {
		if (c->closing)         /* lws answers its close; nothing after that */
			continue;
		if (lws_ring_get_count_waiting_elements(r->ring, &c->tail) != 1 ||
		    lws_partial_buffered(c->wsi)) {
			lws_callback_on_writable(c->wsi);
			continue;
		}
		r->fan[n] = c;
		r->fan_fds[n] = lws_get_socket_fd(c->wsi);
		n++;
	}
	frame = frame_text(buf, len);
	total = (size_t)(buf + LWS_PRE - frame) + len;
	fanout_send(s->fanout, r->fan_fds, r->fan_sent, n, frame, total);
	for (size_t i = 0; i < n; i++) {
		struct conn *c = r->fan[i];
		ssize_t k = r->fan_sent[i];

		if (k == 0) {           /* its buffer is full: the ring's way */
			s->sends_deferred++;
			lws_callback_on_writable(c->wsi);
			continue;
		}
		if (k == (ssize_t)total)
			s->sends_direct++;
		else if (k > 0)
			s->sends_deferred++;
		lws_ring_consume(r->ring, &c->tail, NULL, 1);
		if (k < 0) {
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			continue;
		}
		/* A frame cut short: lws sends the rest, unframed, before
		 * anything else on this connection, keeping what the socket
		 * cannot take yet. */
		if ((size_t)k < total &&
		    lws_write(c->wsi, frame + k, total - (size_t)k, LWS_WRITE_HTTP) < 0)
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
}

/* Puts a serialized message into the room's ring (invariant 3).
 *
 * Finding the oldest tail walks every connection, so it is done only when
 * the ring is three-quarters full, not on every write: a fan-out to N
 * clients then costs O(N), not O(N²). */
static void room_push(struct srv *s, struct room *r, const char *text, size_t len)
{
	struct msg m;

	if (lws_ring_get_count_free_elements(r->ring) < WS_RING_SIZE / 4)
		room_update_oldest(r);
	if (lws_ring_get_count_free_elements(r->ring) == 0) {
		uint32_t oldest = lws_ring_get_oldest_tail(r->ring);
		struct conn *c = r->conns, *next;
		for (; c; c = next) {
			next = c->next;
			if (c->tail != oldest)
				continue;
			log_info("ws: %s fell %d messages behind; closing it", c->who.name,
				 WS_RING_SIZE);
			room_cull(r, c);
		}
		room_update_oldest(r);
		if (lws_ring_get_count_free_elements(r->ring) == 0)
			return;
	}
	m.buf = malloc(LWS_PRE + len);
	if (!m.buf)
		return;
	memcpy(m.buf + LWS_PRE, text, len);
	m.len = len;
	if (lws_ring_insert(r->ring, &m, 1) != 1) {
		free(m.buf);
		return;
	}
	room_send_now(s, r, m.buf, len);
}

void ws_broadcast(struct srv *s, const char *meeting, json_t *event)
{
	struct room *r = room_find(s, meeting);
	char *text;

	if (json_object_get(event, "seq"))
		s->events_total++;
	if (!r)
		return;
	text = json_dumps(event, JSON_COMPACT);
	if (!text)
		return;
	room_push(s, r, text, strlen(text));
	free(text);
}

/* The presence changes since the last announcement, in one notice. */
static void presence_send(struct srv *s, struct room *r)
{
	json_t *changes = json_array();
	json_t *n;

	r->presence_due = false;
	for (struct presence *p = r->presence; p; p = p->next) {
		bool online = p->count > 0;
		if (online == p->shown)
			continue;
		p->shown = online;
		json_array_append_new(changes, json_pack("{s:s, s:b}", "participant",
							 p->participant, "online", online));
	}
	if (json_array_size(changes) == 1) {
		n = json_incref(json_array_get(changes, 0));
		json_object_set_new(n, "type", json_string("presence"));
	} else if (json_array_size(changes) > 1) {
		n = json_pack("{s:s, s:O}", "type", "presence", "changes", changes);
	} else {
		json_decref(changes);
		return;
	}
	json_decref(changes);
	ws_broadcast(s, r->meeting, n);
	json_decref(n);
}

static void quorum_send(struct srv *s, struct room *r)
{
	struct meeting_quorum q;

	r->quorum_due = false;
	if (meeting_quorum_get(s->st, r->meeting, &q) < 0)
		return;
	if (q.present == r->quorum.present && q.members == r->quorum.members &&
	    q.needed == r->quorum.needed)
		return;
	bool crossed = q.reached != r->quorum.reached;
	r->quorum = q;
	json_t *n = meeting_quorum_json(&q);
	json_object_set_new(n, "type", json_string("quorum.changed"));
	json_object_set_new(n, "crossed", json_boolean(crossed));
	ws_broadcast(s, r->meeting, n);
	json_decref(n);
}

static void notices_send(struct srv *s, struct room *r)
{
	r->notice_last = lws_now_usecs();
	if (r->presence_due)
		presence_send(s, r);
	if (r->quorum_due)
		quorum_send(s, r);
}

/* Sends the notices whose time has come and re-arms for the rest. */
static void notice_timer(lws_sorted_usec_list_t *sul)
{
	struct srv *s = lws_container_of(sul, struct srv, notice_sul);
	lws_usec_t now = lws_now_usecs(), wait = 0;

	for (struct room *r = s->rooms; r; r = r->next) {
		if (!r->presence_due && !r->quorum_due)
			continue;
		lws_usec_t left = r->notice_last + WS_NOTICE_US - now;
		if (left <= 0)
			notices_send(s, r);
		else if (!wait || left < wait)
			wait = left;
	}
	if (wait)
		lws_sul_schedule(s->ctx, 0, &s->notice_sul, notice_timer, wait);
}

/* Something in `r` is due to be announced (invariant 10). */
static void notice_due(struct srv *s, struct room *r)
{
	lws_usec_t now = lws_now_usecs();

	if (now - r->notice_last >= WS_NOTICE_US) {
		notices_send(s, r);
		return;
	}
	if (lws_dll2_is_detached(&s->notice_sul.list))
		lws_sul_schedule(s->ctx, 0, &s->notice_sul, notice_timer,
				 r->notice_last + WS_NOTICE_US - now);
}

static void notice_presence(struct srv *s, struct room *r)
{
	r->presence_due = true;
	notice_due(s, r);
}

void ws_quorum_note(struct srv *s, const char *meeting)
{
	struct room *r = room_find(s, meeting);

	if (!r)
		return;
	r->quorum_due = true;
	notice_due(s, r);
}
/* ---- replies ------------------------------------------------------------ */

static void reply_json(struct conn *c, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	size_t len;
	struct reply *r;

	json_decref(j);
	if (!text)
		return;
	if (c->nreplies >= WS_REPLIES_MAX && !c->rx_paused) {
		/* Back-pressure: read no more requests from this client until it
		 * has taken most of its replies (lws stops polling its socket). */
		lws_rx_flow_control(c->wsi, 0);
		c->rx_paused = true;
	}
	if (c->nreplies >= 16 * WS_REPLIES_MAX) {
		/* Requests that were already buffered keep coming, but this many
		 * means a client that sends and never reads: cut it off. */
		free(text);
		if (c->culled)
			return;
		if (c->room) {
			room_cull(c->room, c);
		} else {
			c->culled = true;
			lws_callback_on_writable(c->wsi);
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 2);
		}
		return;
	}
	len = strlen(text);
	r = malloc(sizeof *r + LWS_PRE + len);
	if (!r) {
		free(text);
		return;
	}
	memcpy(r->buf + LWS_PRE, text, len);
	free(text);
	r->len = len;
	r->next = NULL;
	if (c->replies_last)
		c->replies_last->next = r;
	else
		c->replies = r;
	c->replies_last = r;
	c->nreplies++;
	lws_callback_on_writable(c->wsi);
}

static void reply_error(struct conn *c, json_t *id, const char *code, const char *message)
{
	reply_json(c, json_pack("{s:O?, s:b, s:{s:s, s:s}}", "re", id, "ok", 0,
				"error", "code", code, "message", message));
}

static json_t *reply_ok(json_t *id)
{
	return json_pack("{s:O, s:b}", "re", id, "ok", 1);
}

/* The usual end of a request that changed the meeting: `{"re", "ok": true,
 * "seq"}` to the sender, then the event to the room. Takes `event`. */
static void reply_event(struct srv *s, struct conn *c, json_t *id, json_t *event)
{
	json_t *reply = reply_ok(id);

	json_object_set(reply, "seq", json_object_get(event, "seq"));
	reply_json(c, reply);
	ws_broadcast(s, c->who.meeting, event);
	json_decref(event);
}

/* Refuses a write in a closed meeting (invariant 8); true if it did. */
static bool refused_closed(struct srv *s, struct conn *c, json_t *id)
{
	if (!meeting_is_closed(s->st, c->who.meeting))
		return false;
	reply_error(c, id, "conflict", "this meeting is closed");
	return true;
}

/* ---- commands ----------------------------------------------------------- */

static json_t *you(const struct conn *c)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "participant", c->who.participant,
			 "name", c->who.name, "role", auth_role_name(c->who.role),
			 "meeting", c->who.meeting);
}

static void mark_online(struct room *r, json_t *state)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(state, "participants"), i, p) {
		struct presence *pr = presence_get(r, json_string_value(json_object_get(p, "id")), false);
		json_object_set_new(p, "online", json_boolean(pr && pr->count > 0));
	}
}

static void cmd_hello(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id;
	json_t *reply, *events = NULL;
	bool first = !c->room;
	int64_t seq;

	seq = meeting_seq(s->st, c->who.meeting);
	if (seq < 0) {
		reply_error(c, id, "not_found", "this meeting no longer exists");
		return;
	}
	if (req->has_since) {
		int rc = meeting_events_since(s->st, c->who.meeting, req->since,
					      MEETING_EVENTS_MAX, &events);
		if (rc == -EINVAL) {
			reply_error(c, id, "bad_request", "'since' is beyond the meeting's last event");
			return;
		}
		if (rc < 0)
			events = NULL; /* too many, or a read error: send the state */
	}

	/* Join the room first so that the snapshot counts this client online. */
	if (first) {
		struct room *r = room_get(s, c->who.meeting);
		if (!r) {
			json_decref(events);
			reply_error(c, id, "rate_limited", "the server is out of memory; try again");
			return;
		}
		c->room = r;
		c->tail = lws_ring_get_oldest_tail(r->ring);
		lws_ring_consume(r->ring, &c->tail, NULL,
				 lws_ring_get_count_waiting_elements(r->ring, &c->tail));
		room_add(r, c);
	}

	reply = reply_ok(id);
	json_object_set_new(reply, "seq", json_integer(seq));
	/* The server's clock, for the speaking timer (docs/protocol.md). */
	char now[32];
	speaker_now(now);
	json_object_set_new(reply, "now", json_string(now));
	json_object_set_new(reply, "you", you(c));
	if (events) {
		json_object_set_new(reply, "events", events);
	} else {
		json_t *state = meeting_state(s->st, &s->key, s->cfg->public_url, c->who.meeting);
		if (!state) {
			json_decref(reply);
			reply_error(c, id, "not_found", "this meeting no longer exists");
			return;
		}
		/* Count this client before marking who is online. */
		if (first) {
			struct presence *p = presence_get(c->room, c->who.participant, true);
			if (p && ++p->count == 1)
				notice_presence(s, c->room);
			first = false;
		}
		mark_online(c->room, state);
		json_t *polls = vote_state(s->st, c->who.meeting, c->who.participant);
		json_object_set_new(state, "polls", polls ? polls : json_array());
		json_t *speakers = speaker_state(s->st, c->who.meeting);
		json_object_set_new(state, "speakers", speakers ? speakers :
				    json_pack("{s:[], s:n}", "queue", "current"));
		/* Who edited which minutes, for those who may read them; the
		 * texts come with minutes.get. */
		if (minutes_may_read(c->who.role)) {
			json_t *minutes = minutes_summary(s->st, c->who.meeting);
			json_object_set_new(state, "minutes", minutes ? minutes : json_object());
		}
		json_object_set_new(reply, "state", state);
	}
	reply_json(c, reply);
	if (first) {
		struct presence *p = presence_get(c->room, c->who.participant, true);
		if (p && ++p->count == 1)
			notice_presence(s, c->room);
	}
}

static void cmd_present(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL;
	const char *d = req->has_doc ? req->doc : NULL;
	char why[160];
	int rc;

	if (!auth_may(c->who.role, ACT_PRESENT)) {
		reply_error(c, id, "forbidden", "only the chair can change the presented page");
		return;
	}
	if (refused_closed(s, c, id))
		return;
	rc = meeting_present(s->st, c->who.meeting, c->who.participant, d, (int)req->page, &event);
	if (rc == -ENOENT) {
		reply_error(c, id, "not_found", "no such document in this meeting");
		return;
	}
	if (rc == -ERANGE) {
		snprintf(why, sizeof why, "page %lld does not exist in this document",
			 (long long)req->page);
		reply_error(c, id, "not_found", why);
		return;
	}
	if (rc < 0) {
		reply_error(c, id, "conflict", "the change could not be saved; try again");
		return;
	}
	reply_event(s, c, id, event);
}

/* The reply to a document change that was refused; `rc` from library.c. */
static void doc_refused(struct conn *c, json_t *id, int rc, bool rename)
{
	if (rc == -ENOENT)
		reply_error(c, id, "not_found", "no such document (or agenda item) in this meeting");
	else if (rc == -EINVAL && rename)
		reply_error(c, id, "bad_request", "'title' must be text of 1 to 300 characters");
	else if (rc == -EINVAL)
		reply_error(c, id, "bad_request", "that position is past the end of the item's list");
	else if (rc == -EPERM)
		reply_error(c, id, "conflict", "this meeting is closed");
	else
		reply_error(c, id, "conflict", "the change could not be saved; try again");
}

/* doc.rename, doc.move, doc.remove: chair and secretary (ACT_UPLOAD). The
 * reply goes after the commit, then the events, in log order. */
static void cmd_doc(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL, *stopped = NULL;
	const char *m = c->who.meeting, *who = c->who.participant;
	int rc;

	if (!auth_may(c->who.role, ACT_UPLOAD)) {
		reply_error(c, id, "forbidden",
			    "only the chair and the secretary can manage the documents");
		return;
	}
	if (refused_closed(s, c, id))
		return;
	if (req->type == PROTO_DOC_RENAME)
		rc = library_doc_rename(s->st, m, req->doc, req->title, who, &event);
	else if (req->type == PROTO_DOC_MOVE)
		rc = library_doc_move(s->st, m, req->doc, req->has_item ? req->item : NULL,
				      (int)req->position, who, &event);
	else
		rc = library_doc_remove(s->st, m, req->doc, who, &event, &stopped);
	if (rc < 0) {
		doc_refused(c, id, rc, req->type == PROTO_DOC_RENAME);
		return;
	}
	json_t *reply = reply_ok(id);
	json_object_set(reply, "seq", json_object_get(event, "seq"));
	reply_json(c, reply);
	if (stopped)
		ws_broadcast(s, m, stopped);
	ws_broadcast(s, m, event);
	json_decref(stopped);
	json_decref(event);
}

/* ---- polls -------------------------------------------------------------- */

static void progress_send(struct srv *s, struct room *r)
{
	int64_t cast, eligible;
	bool open;

	r->progress_due = false;
	r->progress_last = lws_now_usecs();
	if (vote_progress(s->st, r->meeting, r->progress_poll, &cast, &eligible, &open) < 0 || !open)
		return;
	json_t *n = json_pack("{s:s, s:s, s:I, s:I}", "type", "poll.progress",
			      "poll", r->progress_poll, "cast", (json_int_t)cast,
			      "eligible", (json_int_t)eligible);
	ws_broadcast(s, r->meeting, n);
	json_decref(n);
}

/* Sends the progress notices whose time has come and re-arms for the rest. */
static void progress_timer(lws_sorted_usec_list_t *sul)
{
	struct srv *s = lws_container_of(sul, struct srv, progress_sul);
	lws_usec_t now = lws_now_usecs(), wait = 0;

	for (struct room *r = s->rooms; r; r = r->next) {
		if (!r->progress_due)
			continue;
		lws_usec_t left = r->progress_last + WS_PROGRESS_US - now;
		if (left <= 0)
			progress_send(s, r);
		else if (!wait || left < wait)
			wait = left;
	}
	if (wait)
		lws_sul_schedule(s->ctx, 0, &s->progress_sul, progress_timer, wait);
}

/* A ballot of `poll` was committed in `meeting` (invariant 7). */
static void progress_note(struct srv *s, const char *meeting, const char *poll)
{
	struct room *r = room_find(s, meeting);
	lws_usec_t now = lws_now_usecs();

	if (!r)
		return;
	if (r->progress_due && strcmp(r->progress_poll, poll) != 0)
		progress_send(s, r); /* another poll's: do not lose it */
	snprintf(r->progress_poll, sizeof r->progress_poll, "%s", poll);
	if (now - r->progress_last >= WS_PROGRESS_US) {
		progress_send(s, r);
		return;
	}
	r->progress_due = true;
	if (lws_dll2_is_detached(&s->progress_sul.list))
		lws_sul_schedule(s->ctx, 0, &s->progress_sul, progress_timer,
				 r->progress_last + WS_PROGRESS_US - now);
}

static void ballot_reply(struct conn *c, const struct ws_ballot *b, int rc)
{
	char why[160];

	switch (rc) {
	case 0: {
		json_t *reply = reply_ok(b->id);
		json_object_set_new(reply, "poll", json_string(b->poll));
		reply_json(c, reply);
		return;
	}
	case -ENOENT:
		reply_error(c, b->id, "not_found", "no such poll in this meeting");
		return;
	case -ERANGE:
		snprintf(why, sizeof why, "this poll has no option %lld", (long long)b->option);
		reply_error(c, b->id, "bad_request", why);
		return;
	case -ESRCH:
		reply_error(c, b->id, "conflict", "this poll is closed; the ballot was not counted");
		return;
	case -EPERM:
		reply_error(c, b->id, "forbidden",
			    "you may not vote in this poll: the voters are those present when it opened");
		return;
	case -EEXIST:
		reply_error(c, b->id, "conflict", "you have already voted in this poll");
		return;
	default:
		reply_error(c, b->id, "conflict", "the ballot could not be saved; send it again");
		return;
	}
}

/* Commits the queued ballots in one durable transaction, then replies to
 * each and notes the progress (invariant 6). */
static void ballots_flush(struct srv *s)
{
	int n = s->nballots;
	struct vote_ballot *vb;

	if (!n)
		return;
	lws_sul_cancel(&s->ballot_sul);
	vb = calloc((size_t)n, sizeof *vb);
	for (int i = 0; vb && i < n; i++) {
		struct ws_ballot *b = &s->ballots[i];
		vb[i] = (struct vote_ballot){ .meeting = b->meeting, .poll = b->poll,
					      .participant = b->participant, .option = b->option };
	}
	if (vb)
		vote_ballots_cast(s->st, vb, n);
	for (int i = 0; i < n; i++) {
		struct ws_ballot *b = &s->ballots[i];
		int rc = vb ? vb[i].result : -ENOMEM;
		if (b->conn)
			ballot_reply(b->conn, b, rc);
		if (rc == 0) {
			bool seen = false;
			for (int j = 0; j < i && !seen; j++)
				seen = vb[j].result == 0 && strcmp(s->ballots[j].poll, b->poll) == 0 &&
				       strcmp(s->ballots[j].meeting, b->meeting) == 0;
			if (!seen)
				progress_note(s, b->meeting, b->poll);
		}
		json_decref(b->id);
	}
	free(vb);
	s->nballots = 0;
}

static void ballot_timer(lws_sorted_usec_list_t *sul)
{
	ballots_flush(lws_container_of(sul, struct srv, ballot_sul));
}

void ws_shutdown(struct srv *s)
{
	ballots_flush(s);
	free(s->ballots);
	s->ballots = NULL;
}

static void cmd_ballot(struct srv *s, struct conn *c, const struct proto_request *req)
{
	struct ws_ballot *b;

	if (!auth_may(c->who.role, ACT_VOTE)) {
		reply_error(c, req->id, "forbidden",
			    "only the chair and the members vote; guests, the secretary and "
			    "the room display do not");
		return;
	}
	if (refused_closed(s, c, req->id))
		return;
	if (!s->ballots) {
		s->ballots = calloc(WS_BALLOTS_MAX, sizeof *s->ballots);
		if (!s->ballots) {
			reply_error(c, req->id, "rate_limited", "the server is out of memory; try again");
			return;
		}
	}
	if (s->nballots == WS_BALLOTS_MAX)
		ballots_flush(s);
	b = &s->ballots[s->nballots++];
	b->conn = c;
	b->id = json_incref(req->id);
	snprintf(b->meeting, sizeof b->meeting, "%s", c->who.meeting);
	snprintf(b->poll, sizeof b->poll, "%s", req->poll);
	snprintf(b->participant, sizeof b->participant, "%s", c->who.participant);
	b->option = req->option;
	if (s->nballots >= s->cfg->ballot_batch)
		ballots_flush(s);
	else if (s->nballots == 1)
		lws_sul_schedule(s->ctx, 0, &s->ballot_sul, ballot_timer, 1);
}

/* poll.open, poll.close, poll.missing: the chair. */
static void cmd_poll(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL, *reply;
	const char *m = c->who.meeting, *who = c->who.participant;
	char poll[AUTH_ID_LEN + 1];
	int rc;

	if (!auth_may(c->who.role, ACT_POLL)) {
		reply_error(c, id, "forbidden", "only the chair can open, close and follow polls");
		return;
	}
	if (req->type == PROTO_POLL_MISSING) {
		json_t *missing = NULL;
		rc = vote_missing(s->st, m, req->poll, &missing);
		if (rc == -ENOENT)
			reply_error(c, id, "not_found", "no such poll in this meeting");
		else if (rc == -EPERM)
			reply_error(c, id, "forbidden", "a secret poll does not tell who has voted");
		else if (rc < 0)
			reply_error(c, id, "conflict", "the list could not be read; try again");
		if (rc < 0)
			return;
		reply = reply_ok(id);
		json_object_set_new(reply, "poll", json_string(req->poll));
		json_object_set_new(reply, "missing", missing);
		reply_json(c, reply);
		return;
	}
	if (refused_closed(s, c, id))
		return;
	if (req->type == PROTO_POLL_OPEN) {
		struct vote_open o = {
			.question = req->question,
			.options = req->noptions ? (const char *const *)req->options : NULL,
			.noptions = req->noptions,
			.secret = req->secret,
			.rule = req->rule,
		};
		rc = vote_poll_open(s->st, m, who, &o, poll, &event);
	} else {
		snprintf(poll, sizeof poll, "%s", req->poll);
		rc = vote_poll_close(s->st, m, who, req->poll, &event);
	}
	if (rc == -ENOENT)
		reply_error(c, id, "not_found", "no such poll in this meeting");
	else if (rc == -EINVAL)
		reply_error(c, id, "bad_request", "the question or the options are not acceptable");
	else if (rc == -EPERM)
		reply_error(c, id, "conflict", "this meeting is closed");
	else if (rc == -EALREADY && req->type == PROTO_POLL_OPEN)
		reply_error(c, id, "conflict", "another poll is open; close it first");
	else if (rc == -EALREADY)
		reply_error(c, id, "conflict", "this poll is closed already");
	else if (rc < 0)
		reply_error(c, id, "conflict", "the change could not be saved; try again");
	if (rc < 0)
		return;
	reply = reply_ok(id);
	json_object_set_new(reply, "poll", json_string(poll));
	json_object_set(reply, "seq", json_object_get(event, "seq"));
	reply_json(c, reply);
	ws_broadcast(s, m, event);
	json_decref(event);
}

/* ---- lifecycle and attendance -------------------------------------------- */

/* meeting.open, meeting.close: the chair. */
static void cmd_meeting(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL;
	bool open = req->type == PROTO_MEETING_OPEN;
	int rc;

	if (!auth_may(c->who.role, ACT_MEETING)) {
		reply_error(c, id, "forbidden", "only the chair can open and close the meeting");
		return;
	}
	if (open)
		rc = meeting_open(s->st, c->who.meeting, c->who.participant, &event);
	else
		rc = meeting_close(s->st, c->who.meeting, c->who.participant, &event);
	if (rc == -EPERM || (rc == -EALREADY && !open))
		reply_error(c, id, "conflict", "this meeting is closed");
	else if (rc == -EALREADY)
		reply_error(c, id, "conflict", "this meeting is open already");
	else if (rc == -EBUSY)
		reply_error(c, id, "conflict", "a vote is open: close it before closing the meeting");
	else if (rc == -EINPROGRESS)
		reply_error(c, id, "conflict", "someone has the floor: end the turn before closing the meeting");
	else if (rc == -ENOENT)
		reply_error(c, id, "not_found", "this meeting no longer exists");
	else if (rc < 0)
		reply_error(c, id, "conflict", "the change could not be saved; try again");
	if (rc < 0)
		return;
	reply_event(s, c, id, event);
}

/* attendance.checkin, attendance.absent: the chair and the secretary. */
static void cmd_attendance(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL;
	bool present = req->type == PROTO_ATTENDANCE_CHECKIN;
	int rc;

	if (!auth_may(c->who.role, ACT_ATTENDANCE)) {
		reply_error(c, id, "forbidden", "only the chair and the secretary keep the attendance");
		return;
	}
	if (refused_closed(s, c, id))
		return;
	rc = meeting_attendance_set(s->st, c->who.meeting, req->participant, present,
				    present ? NULL : req->reason, c->who.participant, &event);
	if (rc == -ENOENT)
		reply_error(c, id, "not_found", "no such participant in this meeting");
	else if (rc == -EPERM)
		reply_error(c, id, "conflict", "this meeting is closed");
	else if (rc == -EINVAL)
		reply_error(c, id, "bad_request", "'reason' must be text of 1 to 300 characters");
	else if (rc < 0)
		reply_error(c, id, "conflict", "the change could not be saved; try again");
	if (rc < 0)
		return;
	reply_event(s, c, id, event);
	ws_quorum_note(s, c->who.meeting);
}

/* ---- the speakers queue ------------------------------------------------- */

/* speaker.request, speaker.withdraw: chair, members, guests (ACT_SPEAK);
 * speaker.next: the chair (ACT_FLOOR); speaker.end: the chair or the
 * current speaker. */
static void cmd_speaker(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL;
	const char *me = c->who.participant;
	bool chair = auth_may(c->who.role, ACT_FLOOR);
	int rc;

	if ((req->type == PROTO_SPEAKER_REQUEST || req->type == PROTO_SPEAKER_WITHDRAW) &&
	    !auth_may(c->who.role, ACT_SPEAK)) {
		reply_error(c, id, "forbidden",
			    "only the chair, the members and the guests can ask to speak");
		return;
	}
	if (req->type == PROTO_SPEAKER_NEXT && !chair) {
		reply_error(c, id, "forbidden", "only the chair can give the floor");
		return;
	}
	if (refused_closed(s, c, id))
		return;
	if (req->type == PROTO_SPEAKER_REQUEST)
		rc = speaker_request(s->st, c->who.meeting, me, &event);
	else if (req->type == PROTO_SPEAKER_WITHDRAW)
		rc = speaker_withdraw(s->st, c->who.meeting, me, &event);
	else if (req->type == PROTO_SPEAKER_NEXT)
		rc = speaker_next(s->st, c->who.meeting, req->has_participant ? req->participant : NULL,
				  me, &event);
	else
		rc = speaker_end(s->st, c->who.meeting, me, chair, &event);
	if (rc == -EPERM)
		reply_error(c, id, "conflict", "this meeting is closed");
	else if (rc == -EALREADY && req->type == PROTO_SPEAKER_NEXT)
		reply_error(c, id, "conflict", "that participant holds the floor already");
	else if (rc == -EALREADY)
		reply_error(c, id, "conflict", "you are in the queue or holding the floor already");
	else if (rc == -ENODATA && req->type == PROTO_SPEAKER_WITHDRAW)
		reply_error(c, id, "conflict", "you are not in the queue");
	else if (rc == -ENODATA && req->type == PROTO_SPEAKER_NEXT)
		reply_error(c, id, "conflict", "the queue is empty");
	else if (rc == -ENODATA)
		reply_error(c, id, "conflict", "nobody holds the floor");
	else if (rc == -EACCES)
		reply_error(c, id, "forbidden", "only the chair or the speaker can end the turn");
	else if (rc == -EINVAL)
		reply_error(c, id, "bad_request", "the room display cannot take the floor");
	else if (rc == -ENOENT)
		reply_error(c, id, "not_found", "no such participant in this meeting");
	else if (rc < 0)
		reply_error(c, id, "conflict", "the change could not be saved; try again");
	if (rc < 0)
		return;
	reply_event(s, c, id, event);
}

/* ---- the minutes -------------------------------------------------------- */

/* minutes.get: the chair and the secretary; minutes.edit: the secretary,
 * also in a closed meeting (invariant 8). */
static void cmd_minutes(struct srv *s, struct conn *c, const struct proto_request *req)
{
	json_t *id = req->id, *event = NULL, *conflict = NULL, *reply;
	int64_t version = 0;
	int rc;

	if (!minutes_may_read(c->who.role)) {
		reply_error(c, id, "forbidden",
			    "only the chair and the secretary can read or write the draft minutes");
		return;
	}
	if (req->type == PROTO_MINUTES_GET) {
		json_t *got = minutes_get(s->st, c->who.meeting);
		if (!got) {
			reply_error(c, id, "conflict", "the minutes could not be read; try again");
			return;
		}
		reply = reply_ok(id);
		json_object_update(reply, got);
		json_decref(got);
		reply_json(c, reply);
		return;
	}
	if (!minutes_may_edit(c->who.role)) {
		reply_error(c, id, "forbidden", "only the secretary writes the minutes");
		return;
	}
	rc = minutes_edit(s->st, c->who.meeting, req->item, req->text, req->base,
			  c->who.participant, &version, &event, &conflict);
	if (rc == -ESTALE) {
		reply = json_pack("{s:O, s:b, s:{s:s, s:s}}", "re", id, "ok", 0, "error",
				  "code", "conflict", "message",
				  "someone else changed these minutes since you opened them; "
				  "your text is kept and both versions are shown");
		json_object_update(json_object_get(reply, "error"), conflict);
		json_decref(conflict);
		reply_json(c, reply);
		return;
	}
	if (rc == -ENOENT)
		reply_error(c, id, "not_found", "no such agenda item in this meeting");
	else if (rc == -EINVAL)
		reply_error(c, id, "bad_request",
			    "the minutes may hold text, new lines and tabs, at most 60,000 bytes");
	else if (rc < 0)
		reply_error(c, id, "conflict", "the minutes could not be saved; try again");
	if (rc < 0)
		return;
	reply = reply_ok(id);
	json_object_set_new(reply, "version", json_integer(version));
	/* An unchanged text has no event: the meeting's seq as it is. */
	json_object_set_new(reply, "seq", event ? json_incref(json_object_get(event, "seq"))
					       : json_integer(meeting_seq(s->st, c->who.meeting)));
	reply_json(c, reply);
	if (event)
		ws_broadcast(s, c->who.meeting, event);
	json_decref(event);
}

static void handle(struct srv *s, struct conn *c, const char *buf, size_t len)
{
	struct proto_request req;
	struct proto_error err;

	if (proto_parse(buf, len, &req, &err) < 0) {
		reply_error(c, err.id, err.code, err.message);
		proto_error_clear(&err);
		return;
	}
	/* Ballots that came before this request take effect before it. */
	if (req.type != PROTO_BALLOT_CAST)
		ballots_flush(s);
	if (req.type == PROTO_HELLO)
		cmd_hello(s, c, &req);
	else if (!c->room)
		reply_error(c, req.id, "bad_request", "say hello first");
	else if (req.type == PROTO_PRESENT)
		cmd_present(s, c, &req);
	else if (req.type == PROTO_DOC_RENAME || req.type == PROTO_DOC_MOVE ||
		 req.type == PROTO_DOC_REMOVE)
		cmd_doc(s, c, &req);
	else if (req.type == PROTO_BALLOT_CAST)
		cmd_ballot(s, c, &req);
	else if (req.type == PROTO_POLL_OPEN || req.type == PROTO_POLL_CLOSE ||
		 req.type == PROTO_POLL_MISSING)
		cmd_poll(s, c, &req);
	else if (req.type == PROTO_MEETING_OPEN || req.type == PROTO_MEETING_CLOSE)
		cmd_meeting(s, c, &req);
	else if (req.type == PROTO_ATTENDANCE_CHECKIN || req.type == PROTO_ATTENDANCE_ABSENT)
		cmd_attendance(s, c, &req);
	else if (req.type == PROTO_SPEAKER_REQUEST || req.type == PROTO_SPEAKER_WITHDRAW ||
		 req.type == PROTO_SPEAKER_NEXT || req.type == PROTO_SPEAKER_END)
		cmd_speaker(s, c, &req);
	else if (req.type == PROTO_MINUTES_GET || req.type == PROTO_MINUTES_EDIT)
		cmd_minutes(s, c, &req);
	else
		reply_json(c, reply_ok(req.id));
	proto_request_clear(&req);
}

/* ---- the lws callback --------------------------------------------------- */

static int authenticate(struct srv *s, struct lws *wsi, struct conn *c)
{
	char session[AUTH_TOKEN_LEN + 1], uri[64];

	if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
		return -ENOENT;
	http_session_token(wsi, session);
	if (!session[0] || auth_session_lookup(s->st, session, &c->who) < 0)
		return -EACCES;
	c->authed = true;
	return 0;
}

static void conn_release(struct srv *s, struct conn *c)
{
	while (c->replies) {
		struct reply *n = c->replies->next;
		free(c->replies);
		c->replies = n;
	}
	c->replies_last = NULL;
	for (int i = 0; i < s->nballots; i++)
		if (s->ballots[i].conn == c)
			s->ballots[i].conn = NULL;
	free(c->rx);
	c->rx = NULL;
	if (c->room) {
		struct room *r = c->room;
		if (c->culled)
			r->nculled--;
		else
			room_remove(r, c);
		struct presence *p = presence_get(r, c->who.participant, false);
		if (p && --p->count == 0)
			notice_presence(s, r);
		c->room = NULL;
		room_free_if_empty(s, r);
	}
}

/* One message per call: ring messages first, since they hold the shared
 * ring for everyone, then replies (whose queue is bounded by back-pressure,
 * invariant 5). The protocol does not order a reply against events. */
static int writeable(struct conn *c)
{
	const struct msg *m = NULL;

	if (c->culled) {
		static const char why[] = "too far behind: reconnect and resume";
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				 (unsigned char *)why, sizeof why - 1);
		return -1;
	}
	if (c->room)
		m = lws_ring_get_element(c->room->ring, &c->tail);
	if (m) {
		if (lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		lws_ring_consume(c->room->ring, &c->tail, NULL, 1);
	} else if (c->replies) {
		struct reply *r = c->replies;
		c->replies = r->next;
		if (!c->replies)
			c->replies_last = NULL;
		c->nreplies--;
		if (c->rx_paused && c->nreplies < WS_REPLIES_MAX / 2) {
			lws_rx_flow_control(c->wsi, 1);
			c->rx_paused = false;
		}
		int n = lws_write(c->wsi, r->buf + LWS_PRE, r->len, LWS_WRITE_TEXT);
		size_t len = r->len;
		free(r);
		if (n < (int)len)
			return -1;
	}
	if (c->replies || (c->room && lws_ring_get_element(c->room->ring, &c->tail)))
		lws_callback_on_writable(c->wsi);
	return 0;
}

static int receive(struct srv *s, struct conn *c, struct lws *wsi, void *in, size_t len)
{
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);

	if (lws_frame_is_binary(wsi)) {
		if (final)
			reply_error(c, NULL, "bad_request", "send text frames with JSON, not binary");
		return 0;
	}
	if (first && final && !lws_remaining_packet_payload(wsi) && !c->rx) {
		handle(s, c, in, len);
		return 0;
	}
	if (first && !c->rx)
		c->rxlen = 0;
	if (c->rxlen + len > WS_MESSAGE_MAX) {
		static const char why[] = "message larger than 64 KiB";
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
				 (unsigned char *)why, sizeof why - 1);
		return -1;
	}
	if (!c->rx) {
		c->rx = malloc(WS_MESSAGE_MAX);
		if (!c->rx)
			return -1;
	}
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	if (final && !lws_remaining_packet_payload(wsi)) {
		handle(s, c, (const char *)c->rx, c->rxlen);
		free(c->rx);
		c->rx = NULL;
		c->rxlen = 0;
	}
	return 0;
}

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		void *in, size_t len)
{
	struct srv *s = srv_of(wsi);
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (!s || !c)
			return 1;
		memset(c, 0, sizeof *c);
		if (authenticate(s, wsi, c) < 0) {
			log_debug("ws: refused an upgrade without a valid session");
			return 1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		if (!c->authed)
			return -1;
		c->wsi = wsi;
		s->ws_connections++;
		/* A fixed send buffer instead of the kernel's autotuning (up to
		 * 4 MiB a socket): bounded kernel memory per client, and a client
		 * that stops reading is noticed after a few hundred events. */
		{
			int fd = (int)lws_get_socket_fd(wsi), sndbuf = WS_SNDBUF;
			if (fd >= 0)
				setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (c->wsi) {
			s->ws_connections--;
			conn_release(s, c);
			c->wsi = NULL;
		}
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (c->culled)
			return 0;
		return receive(s, c, wsi, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return writeable(c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c->closing = true;
		return 0;
	default:
		return 0;
	}
}
