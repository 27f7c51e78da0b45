/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ballottool.c — the ballot benchmark's client (plenum-ballottool).
 *
 * Cast mode (the default): N voters, each a WebSocket with its own member
 * session (one per line of --sessions), and the chair. The chair opens a
 * poll; every voter casts one ballot, voter i at t0 + i × spread / N (all at
 * t0 with --spread-ms 0); the tool measures each ballot's acknowledgement
 * time, from just before its lws_write() to the arrival of its reply, and
 * the rate at which ballots were acknowledged. One line of JSON goes to
 * stdout (with the acknowledged ballots per option, for the durability
 * check), a readable summary to stderr; the exit status is 0 only when
 * every voter connected and every ballot was acknowledged.
 *
 * Close mode (--close POLL): the chair closes the poll and the tool prints
 * the `poll.closed` event's counts as JSON. run.sh calls it after killing
 * and restarting the server, and compares them with the acknowledgements.
 *
 * Design note. Everything runs on one lws service thread, driven by one
 * timer (tick, every TICK_US): it opens voters while fewer than --batch are
 * connecting, marks voters whose time has come as writable, moves the run
 * through its phases and enforces --timeout.
 *
 *   CHAIR    the chair connects and says hello (its reply's seq is S)
 *   CONNECT  voters connect, --batch at a time, and say hello {since: S}
 *            (a small reply: the meeting's 2,000-participant state is not
 *            sent 2,000 times)
 *   SETTLE   --settle-ms idle, for the `presence` notices of the voters'
 *            arrivals to drain (one per arrival to everyone connected,
 *            N²/2 in all, until the server batched them in 0aac923)
 *   OPEN     the chair opens the poll; wait until every voter has the
 *            `poll.opened` event (as a phone would, before its member votes)
 *   CAST     voters send `ballot.cast` on schedule
 *   WAIT     until every ballot is answered (or --timeout)
 *
 * Invariants:
 *  1. A ballot's send time is taken right before lws_write(), its answer
 *     time on arrival before any parsing, both CLOCK_MONOTONIC in this
 *     process; a ballot sent again after a reconnect keeps its first send
 *     time, so a lost answer shows as a long one.
 *  2. A voter whose connection closes before its ballot was answered
 *     reconnects with backoff (hello with the last seq it saw) and sends
 *     it again; an answer "already voted" to a ballot sent again means the
 *     first one was recorded, and counts as its acknowledgement
 *     (`resent_already`).
 *  3. Every loop is bounded: N voters, --retries reconnects each,
 *     --timeout overall (and an alarm() backstop a little later).
 *
 * The latencies include the tool's own work: one thread writes the ballots
 * and reads the answers and the `poll.progress` notices of all N voters.
 *
 * Threads: one, the lws service thread.
 */

#define _GNU_SOURCE /* memmem */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "../common/benchlib.h"

#define TICK_US (1 * LWS_US_PER_MS)
#define OPTIONS_MAX 10
#define ALREADY "already voted"

enum phase { PH_CHAIR, PH_CONNECT, PH_SETTLE, PH_OPEN, PH_CAST, PH_WAIT, PH_DONE };

enum conn_state {
	C_IDLE,		/* not opened yet, or waiting to reconnect */
	C_CONNECTING,	/* TCP + upgrade in progress */
	C_HELLO,	/* established, hello queued or sent, no reply yet */
	C_READY,	/* hello answered */
	C_FAILED,	/* gave up */
};

enum ballot_state {
	B_NONE,		/* not due yet */
	B_DUE,		/* due: to be written when the connection is ready */
	B_SENT,		/* written, no answer yet */
	B_ACKED,	/* answered ok (or "already voted" to a resend) */
	B_REFUSED,	/* answered with an error */
};

struct conn {
	struct lws *wsi;
	int index;		/* -1 for the chair */
	const char *session;
	enum conn_state state;
	int attempts;		/* connections opened */
	int64_t retry_at;	/* a lost voter reconnects from then on */
	int hello_pending;	/* hello not yet written */
	int64_t last_seq;	/* the last event seen: hello's since */
	struct bench_rx rx;
	/* a voter's ballot */
	enum ballot_state ballot;
	int option, sends, write_pending;
	int64_t due_ns, sent_ns, ack_ns;
	char error[160];	/* the first refusal's message */
};

struct options {
	const char *url, *sessions, *chair_session, *label, *close_poll, *trace;
	char host[64];
	int port;
	int n, spread_ms, noptions, timeout_s, batch, retries, settle_ms, secret,
	    verbose;
	long pid;
};

static struct options opt = {
	.label = "", .n = 0, .spread_ms = 1000, .noptions = 3, .timeout_s = 300,
	.batch = 100, .retries = 5, .settle_ms = 1000,
};

static struct lws_context *context;
static struct conn chair;
static struct conn *voters;
static char **session_lines;
static char *session_buf;
static enum phase phase = PH_CHAIR;
static int failed, interrupted;
static const char *fail_reason;
static lws_sorted_usec_list_t sul_tick;

/* connecting */
static int next_open, inflight, ready, connect_errors, reconnects;
static int64_t t_start, t_connect_start, t_connect_end, t_settle_until,
	       t_open_sent, t_cast_start, t_first_send, t_last_send, t_last_ack;
static int64_t chair_seq = -1;

/* the poll */
static char poll_id[64];
static int64_t poll_seq = -1;
static int chair_request_sent, chair_request_answered;
static int next_due;		/* voters are due in index order */
static int acked, refused, resent, resent_already, answered;
static int64_t cpu_srv_start = -1, cpu_srv_ticks = -1;
static int64_t connect_cpu_tool_ns = -1, connect_srv_ticks = -1;
static long notices;		/* messages with neither re nor seq */

/* close mode */
static json_t *closed_event;

static void
fail(const char *why)
{
	if (!failed) {
		failed = 1;
		fail_reason = why;
	}
	phase = PH_DONE;
}

static void conn_lost(struct conn *c, int connecting);

static int
open_conn(struct conn *c)
{
	c->state = C_CONNECTING;
	c->attempts++;
	if (c->index >= 0)
		inflight++;
	if (!bench_connect(context, opt.host, opt.port, c->session, c, &c->wsi)) {
		/* the error callback may have run already, and accounted for it */
		if (c->state == C_CONNECTING)
			conn_lost(c, 1);
		return -1;
	}
	return 0;
}

static void
conn_lost(struct conn *c, int connecting)
{
	int was_inflight = c->state == C_CONNECTING || c->state == C_HELLO;

	c->wsi = NULL;
	c->write_pending = 0;
	bench_rx_reset(&c->rx);
	if (c->index < 0) {
		/* once the poll is open the voters need the chair no more */
		if (phase != PH_DONE && (opt.close_poll || phase < PH_CAST))
			fail(connecting ? "the chair could not connect"
					: "the chair's connection closed");
		c->state = C_FAILED;
		return;
	}
	if (was_inflight)
		inflight--;
	if (c->state == C_READY)
		ready--;
	if (c->state == C_FAILED)
		return;
	if (connecting)
		connect_errors++;
	/* invariant 2: an unanswered ballot goes again after the reconnect */
	if (c->ballot == B_SENT) {
		c->ballot = B_DUE;
		resent++;
	}
	if (c->attempts <= opt.retries) {
		int shift = c->attempts < 6 ? c->attempts : 6;

		reconnects++;
		c->state = C_IDLE;	/* the tick opens it again, after a backoff */
		c->retry_at = bench_now_ns() + (int64_t)(50 << shift) * 1000000;
		if (c->index < next_open)
			next_open = c->index;
	} else {
		c->state = C_FAILED;
		if (phase != PH_DONE)
			fail("a voter could not connect (--retries)");
	}
}

/* Opens voters while fewer than --batch are connecting or saying hello. */
static void
pump_connects(void)
{
	int64_t t = bench_now_ns();
	int i;

	for (i = next_open; i < opt.n && inflight < opt.batch; i++)
		if (voters[i].state == C_IDLE && voters[i].retry_at <= t)
			open_conn(&voters[i]);
	while (next_open < opt.n && voters[next_open].state != C_IDLE)
		next_open++;
}

static void
want_write(struct conn *c)
{
	if (c->wsi && c->state == C_READY && c->ballot == B_DUE && !c->write_pending) {
		c->write_pending = 1;
		lws_callback_on_writable(c->wsi);
	}
}

static int
all_have_poll(void)
{
	int i;

	for (i = 0; i < opt.n; i++)
		if (voters[i].state != C_READY || voters[i].last_seq < poll_seq)
			return 0;
	return 1;
}

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	int64_t t = bench_now_ns();
	int i;

	if (interrupted)
		fail("interrupted");
	if (phase != PH_DONE && t - t_start > (int64_t)opt.timeout_s * 1000000000)
		fail("timed out (--timeout)");

	/* voters closed on the way reconnect, in any phase */
	if (phase >= PH_CONNECT && phase < PH_DONE)
		pump_connects();

	switch (phase) {
	case PH_CHAIR:
		if (chair.state == C_READY) {
			if (opt.close_poll) {
				chair.write_pending = 1;
				lws_callback_on_writable(chair.wsi);
				phase = PH_WAIT;
				break;
			}
			/* the voters' hello says since the chair's seq */
			for (i = 0; i < opt.n; i++)
				voters[i].last_seq = chair_seq;
			t_connect_start = bench_now_ns();
			connect_cpu_tool_ns = bench_cpu_self_ns();
			connect_srv_ticks = bench_cpu_ticks(opt.pid);
			phase = PH_CONNECT;
		}
		break;
	case PH_CONNECT:
		if (ready == opt.n) {
			int64_t srv = bench_cpu_ticks(opt.pid);

			t_connect_end = bench_now_ns();
			connect_cpu_tool_ns = bench_cpu_self_ns() - connect_cpu_tool_ns;
			connect_srv_ticks = srv >= 0 && connect_srv_ticks >= 0 ?
					    srv - connect_srv_ticks : -1;
			t_settle_until = t_connect_end + (int64_t)opt.settle_ms * 1000000;
			phase = PH_SETTLE;
		}
		break;
	case PH_SETTLE:
		if (t < t_settle_until)
			break;
		phase = PH_OPEN;
		chair.write_pending = 1;
		lws_callback_on_writable(chair.wsi);
		break;
	case PH_OPEN:
		if (poll_seq < 0 || !all_have_poll())
			break;
		/* the first ballot 20 ms from now, then by the plan */
		t_cast_start = t + 20 * 1000000;
		for (i = 0; i < opt.n; i++)
			voters[i].due_ns = t_cast_start +
				(int64_t)opt.spread_ms * 1000000 * i / opt.n;
		cpu_srv_start = bench_cpu_ticks(opt.pid);
		phase = PH_CAST;
		break;
	case PH_CAST:
		while (next_due < opt.n && voters[next_due].due_ns <= t) {
			struct conn *c = &voters[next_due++];

			c->ballot = B_DUE;
			want_write(c);
		}
		if (next_due == opt.n)
			phase = PH_WAIT;
		break;
	case PH_WAIT:
		if (opt.close_poll) {
			if (chair_request_answered && closed_event)
				phase = PH_DONE;
			break;
		}
		for (i = 0; i < opt.n; i++)
			want_write(&voters[i]);	/* resends after reconnects */
		if (answered == opt.n) {
			int64_t srv = bench_cpu_ticks(opt.pid);

			if (srv >= 0 && cpu_srv_start >= 0)
				cpu_srv_ticks = srv - cpu_srv_start;
			phase = PH_DONE;
		}
		break;
	case PH_DONE:
		break;
	}
	/* also when done: the next tick ends the wait in lws_service() */
	lws_sul_schedule(context, 0, &sul_tick, tick_cb, TICK_US);
}

static int
chair_writeable(struct lws *wsi)
{
	char msg[300];
	int len;

	if (chair.hello_pending) {
		chair.hello_pending = 0;
		if (chair.write_pending)
			lws_callback_on_writable(wsi);
		return bench_write_text(wsi, "{\"id\":1,\"type\":\"hello\"}", 23);
	}
	if (!chair.write_pending || chair_request_sent)
		return 0;
	chair.write_pending = 0;
	chair_request_sent = 1;
	if (opt.close_poll)
		len = snprintf(msg, sizeof(msg),
			       "{\"id\":2,\"type\":\"poll.close\",\"poll\":\"%s\"}",
			       opt.close_poll);
	else {
		static const char *const names[OPTIONS_MAX] = {
			"for", "against", "abstain", "option 4", "option 5",
			"option 6", "option 7", "option 8", "option 9", "option 10"
		};
		char list[200] = "";
		size_t used = 0;
		int k;

		for (k = 0; k < opt.noptions; k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used,
						 "%s\"%s\"", k ? "," : "", names[k]);
		len = snprintf(msg, sizeof(msg),
			       "{\"id\":2,\"type\":\"poll.open\",\"question\":"
			       "\"Ballot benchmark\",\"secret\":%s,\"options\":[%s]}",
			       opt.secret ? "true" : "false", list);
		t_open_sent = bench_now_ns();
	}
	if (len < 0 || (size_t)len >= sizeof(msg))
		return -1;
	return bench_write_text(wsi, msg, (size_t)len);
}

static int
voter_writeable(struct conn *c, struct lws *wsi)
{
	char msg[200];
	int len;

	if (c->hello_pending) {
		c->hello_pending = 0;
		len = snprintf(msg, sizeof(msg), "{\"id\":1,\"type\":\"hello\",\"since\":%" PRId64 "}",
			       c->last_seq);
		return bench_write_text(wsi, msg, (size_t)len);
	}
	c->write_pending = 0;
	if (c->ballot != B_DUE || c->state != C_READY)
		return 0;
	len = snprintf(msg, sizeof(msg),
		       "{\"id\":2,\"type\":\"ballot.cast\",\"poll\":\"%s\",\"option\":%d}",
		       poll_id, c->option);
	if (len < 0 || (size_t)len >= sizeof(msg))
		return -1;
	if (!c->sends) {
		c->sent_ns = bench_now_ns();	/* invariant 1 */
		if (!t_first_send || c->sent_ns < t_first_send)
			t_first_send = c->sent_ns;
		if (c->sent_ns > t_last_send)
			t_last_send = c->sent_ns;
	}
	c->sends++;
	c->ballot = B_SENT;
	return bench_write_text(wsi, msg, (size_t)len);
}

static void
on_ballot_reply(struct conn *c, json_t *root, int64_t t)
{
	json_t *err = json_object_get(root, "error");
	const char *m = json_string_value(json_object_get(err, "message"));

	if (c->ballot != B_SENT)
		return;			/* an answer to a send we gave up on */
	answered++;
	c->ack_ns = t;
	if (t > t_last_ack)
		t_last_ack = t;
	if (json_is_true(json_object_get(root, "ok"))) {
		c->ballot = B_ACKED;
		acked++;
		return;
	}
	if (c->sends > 1 && m && strstr(m, ALREADY)) {
		c->ballot = B_ACKED;	/* invariant 2 */
		acked++;
		resent_already++;
		return;
	}
	c->ballot = B_REFUSED;
	refused++;
	snprintf(c->error, sizeof(c->error), "%s", m ? m : "(no message)");
}

static void
on_chair_message(json_t *root, json_int_t re, int64_t t)
{
	const char *type = json_string_value(json_object_get(root, "type"));
	int ok = json_is_true(json_object_get(root, "ok"));
	json_t *v;

	if (re == 1) {
		if (!ok) {
			fail("the chair's hello was refused");
			return;
		}
		chair.state = C_READY;
		chair_seq = json_integer_value(json_object_get(root, "seq"));
		return;
	}
	if (re == 2) {
		chair_request_answered = 1;
		if (!ok) {
			json_t *e = json_object_get(root, "error");

			fprintf(stderr, "ballottool: the chair's %s was refused: %s\n",
				opt.close_poll ? "poll.close" : "poll.open",
				json_string_value(json_object_get(e, "message")));
			fail(opt.close_poll ? "poll.close was refused" : "poll.open was refused");
			return;
		}
		if (!opt.close_poll) {
			const char *p = json_string_value(json_object_get(root, "poll"));

			if (!p || strlen(p) >= sizeof(poll_id) || strpbrk(p, "\"\\")) {
				fail("poll.open's reply has no poll id");
				return;
			}
			snprintf(poll_id, sizeof(poll_id), "%s", p);
			poll_seq = json_integer_value(json_object_get(root, "seq"));
		}
		return;
	}
	if (re >= 0 || !type || !opt.close_poll)
		return;
	v = json_object_get(root, "poll");
	if (!strcmp(type, "poll.closed") && json_is_string(v) &&
	    !strcmp(json_string_value(v), opt.close_poll))
		closed_event = json_incref(root);
}

/* Handles one whole message on connection c, which arrived at t. */
static void
on_message(struct conn *c, const char *msg, size_t len, int64_t t)
{
	json_t *root, *v;
	json_error_t err;

	/* A notice (presence, poll.progress) has neither re nor seq: skip the
	 * parse, there may be many while the room fills. */
	if (c->index >= 0 && !memmem(msg, len, "\"re\":", 5) && !memmem(msg, len, "\"seq\":", 6)) {
		notices++;
		return;
	}
	root = json_loadb(msg, len, 0, &err);
	if (!json_is_object(root)) {
		json_decref(root);
		fail("the server sent something that is not a JSON object");
		return;
	}
	v = json_object_get(root, "seq");
	if (json_is_integer(v) && !json_object_get(root, "re") &&
	    json_integer_value(v) > c->last_seq)
		c->last_seq = json_integer_value(v);
	v = json_object_get(root, "re");
	if (c->index < 0) {
		on_chair_message(root, json_is_integer(v) ? json_integer_value(v) : -1, t);
		goto out;
	}
	if (!json_is_integer(v))
		goto out;
	if (json_integer_value(v) == 1 && c->state == C_HELLO) {
		json_t *events = json_object_get(root, "events"), *e;
		size_t k;

		if (!json_is_true(json_object_get(root, "ok"))) {
			fail("a voter's hello was refused");
			goto out;
		}
		json_array_foreach(events, k, e) {
			json_int_t s = json_integer_value(json_object_get(e, "seq"));

			if (s > c->last_seq)
				c->last_seq = s;
		}
		c->state = C_READY;
		inflight--;
		ready++;
		want_write(c);
	} else if (json_integer_value(v) == 2)
		on_ballot_reply(c, root, t);
out:
	json_decref(root);
}

static int
callback_plenum(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		void *in, size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);
	int64_t t;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c) {
			if (opt.verbose)
				lwsl_err("connect %d: %s\n", c->index,
					 in ? (char *)in : "(no reason)");
			conn_lost(c, 1);
		}
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->state = C_HELLO;
		c->hello_pending = 1;
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->index < 0)
			return chair_writeable(wsi);
		return voter_writeable(c, wsi);

	case LWS_CALLBACK_CLIENT_RECEIVE: {
		const char *msg;
		size_t msglen;
		int rc;

		t = bench_now_ns();	/* invariant 1: before any parsing */
		rc = bench_rx_feed(&c->rx, wsi, in, len, &msg, &msglen);
		if (rc == -1) {
			fail("a message from the server exceeded 1 MiB");
			return -1;
		}
		if (rc == -2) {
			fail("out of memory");
			return -1;
		}
		if (rc == 1)
			on_message(c, msg, msglen, t);
		break;
	}

	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c)
			conn_lost(c, 0);
		break;

	case LWS_CALLBACK_WSI_DESTROY:
		if (c && c->wsi == wsi)
			c->wsi = NULL;
		break;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ BENCH_PROTOCOL, callback_plenum, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static int
report_close(void)
{
	json_t *out;
	char *line;
	int ok = !failed && closed_event;

	out = json_pack("{s:s, s:b, s:s}", "label", opt.label, "ok", ok, "poll", opt.close_poll);
	if (closed_event) {
		json_object_set(out, "counts", json_object_get(closed_event, "counts"));
		json_object_set(out, "cast", json_object_get(closed_event, "cast"));
		json_object_set(out, "eligible", json_object_get(closed_event, "eligible"));
	}
	if (!ok)
		json_object_set_new(out, "error", json_string(fail_reason ? fail_reason
								 : "no poll.closed event"));
	line = json_dumps(out, JSON_COMPACT);
	if (line)
		printf("%s\n", line);
	free(line);
	json_decref(out);
	return ok ? 0 : 1;
}

static int
report_cast(void)
{
	int64_t *lat;
	size_t nlat = 0;
	int counts[OPTIONS_MAX] = { 0 }, i, ok, unanswered = 0;
	const char *first_error = NULL;
	double window_ms = 0, span_ms = 0, rate = 0, connect_ms = -1;
	json_t *out, *jc;
	char *line;

	lat = malloc(sizeof(*lat) * ((size_t)opt.n + 1));
	if (!lat) {
		fprintf(stderr, "ballottool: out of memory\n");
		return 2;
	}
	for (i = 0; i < opt.n; i++) {
		struct conn *c = &voters[i];

		if (c->ballot == B_ACKED) {
			lat[nlat++] = c->ack_ns - c->sent_ns;
			counts[c->option]++;
		} else if (c->ballot == B_REFUSED) {
			if (!first_error)
				first_error = c->error;
		} else
			unanswered++;
	}
	if (opt.trace) {
		FILE *f = fopen(opt.trace, "w");

		if (f) {
			fprintf(f, "# voter due_ms sent_ms answer_ms latency_ms sends state"
				   " (times from the first ballot's due time)\n");
			for (i = 0; i < opt.n; i++) {
				struct conn *c = &voters[i];
				int answered_ = c->ballot == B_ACKED || c->ballot == B_REFUSED;

				fprintf(f, "%d %.3f %.3f %.3f %.3f %d %s\n", i,
					(double)(c->due_ns - t_cast_start) / 1e6,
					c->sends ? (double)(c->sent_ns - t_cast_start) / 1e6 : -1.0,
					answered_ ? (double)(c->ack_ns - t_cast_start) / 1e6 : -1.0,
					answered_ && c->sends ? (double)(c->ack_ns - c->sent_ns) / 1e6 : -1.0,
					c->sends, c->ballot == B_ACKED ? "acked" :
					c->ballot == B_REFUSED ? "refused" : "unanswered");
			}
			fclose(f);
		} else
			fprintf(stderr, "ballottool: cannot write %s\n", opt.trace);
	}
	qsort(lat, nlat, sizeof(*lat), bench_cmp_i64);
	if (t_first_send) {
		window_ms = (double)(t_last_send - t_first_send) / 1e6;
		span_ms = (double)(t_last_ack - t_first_send) / 1e6;
		if (span_ms > 0)
			rate = (double)acked / (span_ms / 1e3);
	}
	if (t_connect_end)
		connect_ms = (double)(t_connect_end - t_connect_start) / 1e6;
	ok = !failed && ready == opt.n && acked == opt.n && !refused;
	if (!ok && !fail_reason)
		fail_reason = refused ? "ballots were refused" : "ballots were not answered";

	jc = json_array();
	for (i = 0; i < opt.noptions; i++)
		json_array_append_new(jc, json_integer(counts[i]));
	out = json_pack("{s:s, s:b, s:i, s:i, s:b, s:s, s:i, s:f, s:i, s:i}",
			"label", opt.label, "ok", ok, "n", opt.n,
			"spread_ms", opt.spread_ms, "secret", opt.secret,
			"poll", poll_id, "connected", ready, "connect_ms", connect_ms,
			"connect_errors", connect_errors, "reconnects", reconnects);
	if (t_connect_end) {
		json_object_set_new(out, "connect_tool_cpu_s",
				    json_real((double)connect_cpu_tool_ns / 1e9));
		if (connect_srv_ticks >= 0)
			json_object_set_new(out, "connect_server_cpu_s",
				json_real((double)connect_srv_ticks /
					  (double)sysconf(_SC_CLK_TCK)));
	}
	json_object_set_new(out, "notices", json_integer(notices));
	json_object_set_new(out, "acked", json_integer(acked));
	json_object_set_new(out, "refused", json_integer(refused));
	json_object_set_new(out, "unanswered", json_integer(unanswered));
	json_object_set_new(out, "resent", json_integer(resent));
	json_object_set_new(out, "resent_already", json_integer(resent_already));
	json_object_set_new(out, "counts", jc);
	json_object_set_new(out, "latency_ms", json_pack("{s:f, s:f, s:f, s:f}",
		"p50", bench_pct_ms(lat, nlat, 50), "p90", bench_pct_ms(lat, nlat, 90),
		"p99", bench_pct_ms(lat, nlat, 99),
		"max", nlat ? (double)lat[nlat - 1] / 1e6 : 0.0));
	json_object_set_new(out, "send_window_ms", json_real(window_ms));
	json_object_set_new(out, "span_ms", json_real(span_ms));
	json_object_set_new(out, "ballots_per_s", json_real(rate));
	if (cpu_srv_ticks >= 0 && acked)
		json_object_set_new(out, "server_cpu_us_per_ballot",
			json_real((double)cpu_srv_ticks * 1e6 /
				  (double)sysconf(_SC_CLK_TCK) / (double)acked));
	if (first_error)
		json_object_set_new(out, "first_refusal", json_string(first_error));
	if (!ok)
		json_object_set_new(out, "error", json_string(fail_reason));
	line = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (line) {
		printf("%s\n", line);
		fflush(stdout);
		free(line);
	}
	json_decref(out);

	fprintf(stderr,
		"%s%sN=%d spread=%d ms: %s\n"
		"  connect  %d/%d in %.0f ms (%d errors, %d reconnects; %ld notices to voters)\n"
		"  ballots  %d acked (%d after a resend), %d refused, %d unanswered;"
		" sent over %.0f ms, all acked in %.0f ms: %.0f ballots/s\n"
		"  latency  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		opt.label, *opt.label ? ": " : "", opt.n, opt.spread_ms,
		ok ? "ok" : fail_reason, ready, opt.n, connect_ms, connect_errors,
		reconnects, notices, acked, resent_already, refused, unanswered, window_ms,
		span_ms, rate, bench_pct_ms(lat, nlat, 50), bench_pct_ms(lat, nlat, 99),
		nlat ? (double)lat[nlat - 1] / 1e6 : 0.0);
	if (first_error)
		fprintf(stderr, "  first refusal: %s\n", first_error);
	free(lat);
	return ok ? 0 : 1;
}

static void
on_signal(int sig)
{
	interrupted = 1;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "ballottool: hard timeout, the event loop hung\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: plenum-ballottool --url ws://127.0.0.1:PORT --chair-session C\n"
"                         --sessions FILE [-n N] [--spread-ms MS] [--secret]\n"
"                         [--options K] [--pid PID] [--timeout S] [--label NAME]\n"
"                         [--trace FILE]\n"
"       plenum-ballottool --url ws://127.0.0.1:PORT --chair-session C --close POLL\n"
"  --url            server base URL (loopback only)\n"
"  --chair-session  the chair's session\n"
"  --sessions       voters' sessions, one a line (each a member checked in)\n"
"  -n               voters (default: every line of --sessions)\n"
"  --spread-ms      the ballots go out evenly over this time (default 1000;\n"
"                   0: all at once)\n"
"  --secret         a secret poll (default: named)\n"
"  --options        options of the poll, 2..10 (default 3); voter i picks i mod K\n"
"  --pid            server process, for its CPU time\n"
"  --timeout        seconds before giving up (default 300)\n"
"  --batch          connections opening at once (default 100)\n"
"  --retries        reconnects allowed per voter, 0.1 s, 0.2 s, … apart\n"
"                   (default 5)\n"
"  --settle-ms      idle time after the last voter connected (default 1000)\n"
"  --close POLL     close mode: the chair closes POLL; prints its counts\n"
"  --label          a name for the run in the report\n"
"  --trace FILE     per voter: due, send and answer times, latency\n"
"  -v               log connection errors\n");
}

static int
parse_args(int argc, char **argv)
{
	enum { O_URL = 256, O_SESSIONS, O_CHAIR, O_SPREAD, O_SECRET, O_OPTIONS,
	       O_PID, O_TIMEOUT, O_BATCH, O_RETRIES, O_SETTLE, O_CLOSE, O_LABEL,
	       O_TRACE };
	static const struct option longs[] = {
		{ "url", required_argument, NULL, O_URL },
		{ "sessions", required_argument, NULL, O_SESSIONS },
		{ "chair-session", required_argument, NULL, O_CHAIR },
		{ "spread-ms", required_argument, NULL, O_SPREAD },
		{ "secret", no_argument, NULL, O_SECRET },
		{ "options", required_argument, NULL, O_OPTIONS },
		{ "pid", required_argument, NULL, O_PID },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "settle-ms", required_argument, NULL, O_SETTLE },
		{ "close", required_argument, NULL, O_CLOSE },
		{ "label", required_argument, NULL, O_LABEL },
		{ "trace", required_argument, NULL, O_TRACE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, pid, bad = 0;

	while ((c = getopt_long(argc, argv, "n:vh", longs, NULL)) != -1) {
		switch (c) {
		case O_URL: opt.url = optarg; break;
		case O_SESSIONS: opt.sessions = optarg; break;
		case O_CHAIR: opt.chair_session = optarg; break;
		case O_CLOSE: opt.close_poll = optarg; break;
		case O_LABEL: opt.label = optarg; break;
		case O_TRACE: opt.trace = optarg; break;
		case O_SECRET: opt.secret = 1; break;
		case 'n': bad |= bench_int_arg(optarg, 1, 100000, &opt.n); break;
		case O_SPREAD: bad |= bench_int_arg(optarg, 0, 600000, &opt.spread_ms); break;
		case O_OPTIONS: bad |= bench_int_arg(optarg, 2, OPTIONS_MAX, &opt.noptions); break;
		case O_TIMEOUT: bad |= bench_int_arg(optarg, 1, 3600, &opt.timeout_s); break;
		case O_BATCH: bad |= bench_int_arg(optarg, 1, 100000, &opt.batch); break;
		case O_RETRIES: bad |= bench_int_arg(optarg, 0, 100, &opt.retries); break;
		case O_SETTLE: bad |= bench_int_arg(optarg, 0, 600000, &opt.settle_ms); break;
		case O_PID:
			bad |= bench_int_arg(optarg, 1, INT_MAX, &pid);
			opt.pid = pid;
			break;
		case 'v': opt.verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (bad) {
			fprintf(stderr, "ballottool: bad value for an option: %s\n", optarg);
			return -1;
		}
	}
	if (optind != argc || !opt.url || !opt.chair_session ||
	    (!opt.sessions && !opt.close_poll)) {
		usage(stderr);
		return -1;
	}
	if (bench_parse_url(opt.url, opt.host, sizeof(opt.host), &opt.port) < 0) {
		fprintf(stderr, "ballottool: --url must be ws://HOST:PORT with a "
				"loopback HOST (127.0.0.0/8, localhost, [::1])\n");
		return -1;
	}
	if (!bench_is_session(opt.chair_session)) {
		fprintf(stderr, "ballottool: a session must be a URL-safe token\n");
		return -1;
	}
	if (opt.close_poll && (strlen(opt.close_poll) > 60 || !bench_is_session(opt.close_poll))) {
		fprintf(stderr, "ballottool: --close takes a poll id\n");
		return -1;
	}
	return 0;
}

/* Reads --sessions: one session a line, blank lines skipped. */
static int
load_sessions(void)
{
	FILE *f = fopen(opt.sessions, "r");
	long size;
	int lines = 0, cap = 0;
	char *p, *save = NULL;

	if (!f) {
		fprintf(stderr, "ballottool: cannot open %s\n", opt.sessions);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    size > 64L * 1024 * 1024) {
		fclose(f);
		fprintf(stderr, "ballottool: cannot read %s\n", opt.sessions);
		return -1;
	}
	session_buf = malloc((size_t)size + 1);
	if (!session_buf || fread(session_buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		fprintf(stderr, "ballottool: cannot read %s\n", opt.sessions);
		return -1;
	}
	fclose(f);
	session_buf[size] = '\0';
	for (p = strtok_r(session_buf, "\r\n", &save); p; p = strtok_r(NULL, "\r\n", &save)) {
		if (!*p)
			continue;
		if (!bench_is_session(p)) {
			fprintf(stderr, "ballottool: line %d of %s is not a session\n",
				lines + 1, opt.sessions);
			return -1;
		}
		if (lines == cap) {
			char **n;

			cap = cap ? cap * 2 : 1024;
			n = realloc(session_lines, sizeof(*n) * (size_t)cap);
			if (!n)
				return -1;
			session_lines = n;
		}
		session_lines[lines++] = p;
	}
	if (!opt.n)
		opt.n = lines;
	if (opt.n < 1 || opt.n > lines) {
		fprintf(stderr, "ballottool: -n %d, but %s has %d sessions\n",
			opt.n, opt.sessions, lines);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	unsigned long fd_limit;
	int i, rc = 2, n = 0;

	if (parse_args(argc, argv) < 0)
		return 2;
	if (!opt.close_poll && load_sessions() < 0)
		goto out;
	if (opt.close_poll)
		opt.n = 0;

	/* One descriptor per voter; see bench_set_nofile() for why exactly. */
	fd_limit = (unsigned long)opt.n + 100;
	if (bench_set_nofile("ballottool", fd_limit) < 0)
		goto out;

	voters = calloc((size_t)opt.n + 1, sizeof(*voters));
	if (!voters) {
		fprintf(stderr, "ballottool: out of memory\n");
		goto out;
	}
	chair.index = -1;
	chair.session = opt.chair_session;
	chair.last_seq = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)opt.timeout_s + 30);

	lws_set_log_level(opt.verbose ? LLL_ERR | LLL_WARN : LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.fd_limit_per_thread = (unsigned)fd_limit;
	info.max_http_header_pool = (unsigned short)(opt.batch + 8);
	info.timeout_secs = 15;
	info.connect_timeout_secs = 30;
	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "ballottool: lws_create_context failed\n");
		goto out;
	}

	for (i = 0; i < opt.n; i++) {
		voters[i].index = i;
		voters[i].session = session_lines[i];
		voters[i].option = i % opt.noptions;
	}
	t_start = bench_now_ns();
	if (open_conn(&chair) < 0 && chair.state != C_FAILED)
		fail("the chair could not connect");
	lws_sul_schedule(context, 0, &sul_tick, tick_cb, TICK_US);
	while (n >= 0 && phase != PH_DONE)
		n = lws_service(context, 0);
	if (n < 0 && !failed)
		fail("the event loop failed");

	rc = opt.close_poll ? report_close() : report_cast();
	lws_sul_cancel(&sul_tick);
	lws_context_destroy(context);
out:
	if (voters)
		for (i = 0; i < opt.n; i++)
			bench_rx_reset(&voters[i].rx);
	bench_rx_reset(&chair.rx);
	free(voters);
	free(session_lines);
	free(session_buf);
	json_decref(closed_event);
	return rc;
}
