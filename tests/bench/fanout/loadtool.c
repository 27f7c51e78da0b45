/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * loadtool.c — the fan-out benchmark's client (plenum-loadtool).
 *
 * Opens N receiver WebSockets and one chair WebSocket to a server that speaks
 * the plenum.v1 protocol (docs/protocol.md), has the chair present P pages at
 * a fixed interval, and measures how long each `presented` event takes to
 * reach every receiver, how long the N connections took to open, and how
 * much server memory each idle connection costs. One line of JSON goes to
 * stdout, a readable summary to stderr; the exit status is 0 only when every
 * receiver got every event exactly once, in order, with the right page.
 *
 * The clocks, /proc readings, URL rule and message reassembly are shared
 * with the ballot tool (../common/benchlib.h).
 *
 * Design note. Everything runs on one lws service thread, driven by two
 * timers (lws_sorted_usec_list_t):
 *
 *   tick (every TICK_US)   opens receivers while fewer than --batch are in
 *                          flight, moves the run through its phases and
 *                          enforces --timeout;
 *   present (--interval-ms) asks the chair for one more `present`.
 *
 * Phases: CHAIR (chair connects and says hello) → CONNECT (receivers open and
 * say hello, --batch at a time) → SETTLE (--settle-ms idle, then the server's
 * VmRSS is read again) → PRESENT (P presents, one per interval) → DRAIN (until
 * every receiver has every event, or --drain-ms after the last reply) → DONE.
 *
 * Invariants:
 *  1. A receiver records the time of every `presented` event on arrival,
 *     before parsing anything else, and the chair records the send time right
 *     before lws_write(): both from CLOCK_MONOTONIC in this one process.
 *  2. Events are matched to presents by `seq`, taken from the chair's reply
 *     to each present (`{"re", "ok": true, "seq"}`), after the run: an event
 *     may reach a receiver before the reply reaches the chair.
 *  3. Every loop is bounded: N connections, P presents, --timeout overall
 *     (and an alarm() backstop a little later in case the loop itself hangs).
 *
 * Two times are taken for every delivery:
 *
 *   arrival  when the event's bytes reached the receiver's socket: the
 *            kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME),
 *            against the chair's send time on the same clock. On loopback
 *            the kernel stamps a segment as it is delivered into the
 *            socket, inside the server's send() or in the kernel's network
 *            processing soon after, so this is the time the page change
 *            took to get to that screen, whatever this tool is doing.
 *   read     when this tool parsed it (CLOCK_MONOTONIC). One thread reads
 *            the N copies of each event in turn, so the last receiver's
 *            read time includes the reading of all the others: what N
 *            real screens, each with its own processor, would not wait for.
 *
 * To get the kernel's timestamp the tool must make the recvmsg() call
 * itself, so when the page changes start, each receiver's socket is taken
 * out of lws's hands (lws_rx_flow_control() off: lws no longer reads it)
 * and read by raw_poll() from an epoll set, with a small WebSocket frame
 * parser (server frames are unmasked). Connecting, hello and the chair stay
 * with lws. When one recvmsg() returns several events, the timestamp is
 * that of the last segment (the kernel keeps one per read, and merges
 * segments queued unread into one with the newest stamp), so an arrival
 * is never counted early: the events read together with a later one are
 * counted (shared_stamps) and the p99 over the others is reported too.
 *
 * The read hold: after each page change no receiver is read for
 * --read-hold-ms (half the interval), unless the tool is still behind with
 * the page before, so that it leaves the processors to the server while
 * the server sends; real screens read on processors of their own.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libwebsockets.h>

#include "../common/benchlib.h"

#define TICK_US (5 * LWS_US_PER_MS)
#define RAW_LWS_US (50 * LWS_US_PER_MS)	/* lws's turn when nothing else is due */
#define EXTRA_EVENTS 16			/* room for unexpected events per receiver */

enum phase { PH_CHAIR, PH_CONNECT, PH_SETTLE, PH_PRESENT, PH_DRAIN, PH_DONE };

enum conn_state {
	C_IDLE,		/* not opened yet, or waiting for a retry */
	C_CONNECTING,	/* TCP + upgrade in progress */
	C_HELLO,	/* established, hello queued or sent, no reply yet */
	C_READY,	/* hello answered */
	C_CLOSED,	/* closed after being ready */
	C_FAILED,	/* gave up */
};

struct arrival {
	int64_t seq;
	int page;
	int64_t t_ns;		/* read: CLOCK_MONOTONIC */
	int64_t t_kernel_ns;	/* arrival: the kernel's CLOCK_REALTIME stamp, or 0 */
	int shared;		/* read together with a later event: its stamp is that one's */
};

struct conn {
	struct lws *wsi;
	int index;		/* -1 for the chair */
	enum conn_state state;
	int attempts;
	int hello_pending;	/* hello not yet written */
	struct bench_rx rx;	/* a message split over several fragments */
	int fd;			/* raw reading: the socket, or -1 */
	unsigned char *raw;	/* raw reading: the start of an incomplete frame */
	size_t rawlen;
	struct arrival *got;	/* `presented` events in arrival order */
	int ngot, extra;	/* extra: events past the array's room */
};

struct options {
	const char *url, *session, *chair_session, *doc, *label, *trace;
	char host[64];
	int port;
	int n, p, pages, interval_ms, timeout_s, batch, retries, settle_ms,
	    drain_ms, read_hold_ms, verbose;
	long pid;
};

static struct options opt = {
	.doc = "doc", .label = "", .n = 100, .p = 100, .pages = 1,
	.interval_ms = 50, .timeout_s = 120, .batch = 200, .retries = 2,
	.settle_ms = 500, .drain_ms = 5000, .read_hold_ms = -1, .pid = 0,
};

static struct lws_context *context;
static struct conn chair;
static struct conn *recv_conns;
static enum phase phase = PH_CHAIR;
static int failed, interrupted;
static const char *fail_reason;

/* counters for the connect phase */
static int next_open, inflight, ready, connect_errors, retries_used,
	   closed_early;
static int64_t t_start, t_present_start, t_connect_start, t_connect_end, t_settle_until,
	       t_last_ack;
static long rss_before_kib = -1, rss_after_kib = -1;

/* the presents: k = 0 .. P-1 */
static int64_t *send_ns, *send_real_ns, *ack_ns, *ack_seq;
static int *ack_state;		/* 0 waiting, 1 ok, -1 refused */
static int sent, acked, present_wanted;
static int64_t cpu_tool_start_ns, cpu_srv_start_ticks;
static int64_t cpu_tool_ns, cpu_srv_ticks = -1;

static lws_sorted_usec_list_t sul_tick, sul_present;

/* raw reading (the design note) */
static int epfd = -1, raw_reading, kernel_stamps, raw_pings;
static int64_t next_lws_ns, events_read;

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
static void raw_forget(struct conn *c);
static int raw_start(void);
static void on_message(struct conn *c, const char *msg, size_t len, int64_t t,
		       int64_t t_kernel);

static int
open_conn(struct conn *c, const char *session)
{
	c->state = C_CONNECTING;
	c->attempts++;
	if (c->index >= 0)
		inflight++;
	if (!bench_connect(context, opt.host, opt.port, session, c, &c->wsi)) {
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
	bench_rx_reset(&c->rx);
	raw_forget(c);
	if (c->index < 0) {
		if (phase != PH_DONE)
			fail(connecting ? "the chair could not connect"
					: "the chair's connection closed");
		c->state = C_FAILED;
		return;
	}
	if (was_inflight)
		inflight--;
	if (c->state == C_READY) {
		c->state = C_CLOSED;
		if (phase != PH_DONE)
			closed_early++;
		return;
	}
	if (!was_inflight)
		return;
	connect_errors++;
	if (c->attempts <= opt.retries) {
		retries_used++;
		c->state = C_IDLE;	/* the tick opens it again */
		if (c->index < next_open)
			next_open = c->index;
	} else
		c->state = C_FAILED;
}

/* Opens receivers while fewer than --batch are connecting or saying hello. */
static void
pump_connects(void)
{
	int i;

	for (i = next_open; i < opt.n && inflight < opt.batch; i++) {
		struct conn *c = &recv_conns[i];

		if (c->state == C_IDLE)
			open_conn(c, opt.session);
	}
	/* a receiver that failed and may retry goes back to C_IDLE */
	while (next_open < opt.n && recv_conns[next_open].state != C_IDLE)
		next_open++;
}

static int
count_state(enum conn_state s)
{
	int i, k = 0;

	for (i = 0; i < opt.n; i++)
		k += recv_conns[i].state == s;
	return k;
}

static void
present_cb(lws_sorted_usec_list_t *sul)
{
	int64_t due;

	if (phase != PH_PRESENT || present_wanted >= opt.p)
		return;
	present_wanted++;
	if (chair.wsi)
		lws_callback_on_writable(chair.wsi);
	if (present_wanted < opt.p) {
		/* schedule by the plan, not by when this ran: no drift */
		due = t_present_start - bench_now_ns() +
		      (int64_t)present_wanted * opt.interval_ms * 1000000;
		if (due < 0)
			due = 0;
		lws_sul_schedule(context, 0, &sul_present, present_cb,
				 due / 1000);
	}
}

static int
all_delivered(void)
{
	int i;

	for (i = 0; i < opt.n; i++)
		if (recv_conns[i].state == C_READY &&
		    recv_conns[i].ngot < opt.p)
			return 0;
	return 1;
}

static void
tick_cb(lws_sorted_usec_list_t *sul)
{
	int64_t t = bench_now_ns();

	if (interrupted)
		fail("interrupted");
	if (phase != PH_DONE &&
	    t - t_start > (int64_t)opt.timeout_s * 1000000000)
		fail("timed out (--timeout)");

	switch (phase) {
	case PH_CHAIR:
		if (chair.state == C_READY) {
			rss_before_kib = bench_rss_kib(opt.pid);
			t_connect_start = bench_now_ns();
			phase = PH_CONNECT;
		}
		break;
	case PH_CONNECT:
		pump_connects();
		if (ready == opt.n) {
			t_connect_end = bench_now_ns();
			t_settle_until = t_connect_end +
					 (int64_t)opt.settle_ms * 1000000;
			phase = PH_SETTLE;
		} else if (count_state(C_FAILED) > 0)
			fail("receivers failed to connect");
		break;
	case PH_SETTLE:
		if (t < t_settle_until)
			break;
		rss_after_kib = bench_rss_kib(opt.pid);
		cpu_tool_start_ns = bench_cpu_self_ns();
		cpu_srv_start_ticks = bench_cpu_ticks(opt.pid);
		if (raw_start() < 0) {
			fail("could not take the receivers' sockets from lws");
			break;
		}
		phase = PH_PRESENT;
		t_present_start = bench_now_ns();
		present_cb(&sul_present);
		break;
	case PH_PRESENT:
		if (acked == opt.p) {
			t_last_ack = bench_now_ns();
			phase = PH_DRAIN;
		}
		break;
	case PH_DRAIN:
		if (all_delivered() ||
		    t - t_last_ack > (int64_t)opt.drain_ms * 1000000) {
			int64_t srv = bench_cpu_ticks(opt.pid);

			cpu_tool_ns = bench_cpu_self_ns() - cpu_tool_start_ns;
			if (srv >= 0 && cpu_srv_start_ticks >= 0)
				cpu_srv_ticks = srv - cpu_srv_start_ticks;
			phase = PH_DONE;
		}
		break;
	case PH_DONE:
		break;
	}
	/* also when done: the next tick ends the wait in lws_service() */
	lws_sul_schedule(context, 0, &sul_tick, tick_cb, TICK_US);
}

/* ---- raw reading of the receivers (the design note) -------------------- */

static int64_t
bench_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Takes every ready receiver's socket from lws and puts it in the epoll
 * set. */
static int
raw_start(void)
{
	struct epoll_event ev;
	int i;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -1;
	for (i = 0; i < opt.n; i++) {
		struct conn *c = &recv_conns[i];

		if (c->state != C_READY || !c->wsi)
			continue;
		lws_rx_flow_control(c->wsi, 0);
		c->fd = lws_get_socket_fd(c->wsi);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (c->fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			return -1;
	}
	if (!chair.wsi)
		return -1;
	raw_reading = 1;
	return 0;
}

/* The receiver's socket is closing: out of the epoll set. */
static void
raw_forget(struct conn *c)
{
	if (c->fd >= 0 && epfd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->fd = -1;
	free(c->raw);
	c->raw = NULL;
	c->rawlen = 0;
}

static void
raw_lost(struct conn *c)
{
	raw_forget(c);
	if (c->state == C_READY) {
		c->state = C_CLOSED;
		if (phase != PH_DONE)
			closed_early++;
	}
}

/* Parses the whole frames in buf[0..len); returns the bytes used, or -1
 * when the connection ended or the run failed. */
static long
raw_frames(struct conn *c, const unsigned char *buf, size_t len, int64_t t,
	   int64_t t_kernel)
{
	size_t pos = 0;
	int first = c->ngot, k;

	while (len - pos >= 2) {
		const unsigned char *f = buf + pos;
		uint64_t plen = f[1] & 0x7f;
		size_t hdr = 2;
		int op = f[0] & 0x0f, fin = f[0] & 0x80;

		if (f[1] & 0x80) {
			fail("the server sent a masked frame");
			return -1;
		}
		if (plen == 126) {
			if (len - pos < 4)
				break;
			plen = (uint64_t)f[2] << 8 | f[3];
			hdr = 4;
		} else if (plen == 127) {
			if (len - pos < 10)
				break;
			plen = 0;
			for (int b = 2; b < 10; b++)
				plen = plen << 8 | f[b];
			hdr = 10;
		}
		if (plen > BENCH_MESSAGE_MAX) {
			fail("a message from the server exceeded 1 MiB");
			return -1;
		}
		if (len - pos - hdr < plen)
			break;
		switch (op) {
		case 1:
			if (!fin) {
				fail("the server fragmented an event");
				return -1;
			}
			on_message(c, (const char *)f + hdr, (size_t)plen, t, t_kernel);
			break;
		case 8:
			raw_lost(c);
			return -1;
		case 9:		/* a ping: a run is too short to be dropped for it */
			raw_pings++;
			break;
		case 10:
			break;
		default:
			fail("the server sent an unexpected frame");
			return -1;
		}
		pos += hdr + (size_t)plen;
	}
	/* Events read together share the stamp of the last segment (the
	 * kernel keeps one per read, and merges queued segments): for all but
	 * the last, the arrival is at most that. */
	for (k = first; k + 1 < c->ngot && k < opt.p + EXTRA_EVENTS; k++)
		c->got[k].shared = 1;
	return (long)pos;
}

/* Reads what receiver c has, with the kernel's arrival time. */
static void
raw_read(struct conn *c)
{
	static unsigned char scratch[65536];

	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec)) * 2];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { scratch, sizeof(scratch) };
		struct msghdr mh;
		struct cmsghdr *cm;
		const unsigned char *data = scratch;
		int64_t t, t_kernel = 0;
		size_t len;
		ssize_t n;
		long used;
		int drained;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
		t = bench_now_ns();
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			raw_lost(c);
			return;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				t_kernel = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			}
		kernel_stamps += t_kernel != 0;
		len = (size_t)n;
		if (c->rawlen) {
			unsigned char *b = realloc(c->raw, c->rawlen + len);

			if (!b) {
				fail("out of memory");
				return;
			}
			memcpy(b + c->rawlen, scratch, len);
			c->raw = b;
			len += c->rawlen;
			data = b;
		}
		used = raw_frames(c, data, len, t, t_kernel);
		if (used < 0)
			return;
		drained = (size_t)n < sizeof(scratch);
		if ((size_t)used == len) {
			free(c->raw);
			c->raw = NULL;
			c->rawlen = 0;
		} else if (data == c->raw) {
			memmove(c->raw, c->raw + used, len - (size_t)used);
			c->rawlen = len - (size_t)used;
		} else {
			c->raw = malloc(len - (size_t)used);
			if (!c->raw) {
				fail("out of memory");
				return;
			}
			memcpy(c->raw, data + used, len - (size_t)used);
			c->rawlen = len - (size_t)used;
		}
		/* a short read emptied the socket: asking again would only
		 * cost a system call to hear EAGAIN (epoll says when more
		 * comes) */
		if (drained)
			return;
	}
}

/* Waits up to timeout_ms for the chair and, when `receivers`, for the
 * receivers too, reading what they have; 1 when the chair's socket has
 * something for lws, else 0. */
static int
raw_poll(int timeout_ms, int receivers)
{
	struct pollfd pf[2];
	struct epoll_event ev[256];
	int n, i;

	pf[0].fd = chair.wsi ? lws_get_socket_fd(chair.wsi) : -1;
	pf[0].events = POLLIN;
	pf[0].revents = 0;
	pf[1].fd = epfd;
	pf[1].events = POLLIN;
	pf[1].revents = 0;
	if (poll(pf, receivers ? 2 : 1, timeout_ms) <= 0)
		return 0;
	if (receivers && (pf[1].revents & POLLIN)) {
		n = epoll_wait(epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), 0);
		for (i = 0; i < n; i++) {
			uint32_t k = ev[i].data.u32;

			if (k < (uint32_t)opt.n && recv_conns[k].fd >= 0)
				raw_read(&recv_conns[k]);
		}
	}
	return pf[0].revents != 0;
}

static int
chair_writeable(struct lws *wsi)
{
	char msg[400];
	int len, k;

	if (chair.hello_pending) {
		chair.hello_pending = 0;
		return bench_write_text(wsi, "{\"id\":1,\"type\":\"hello\"}", 23);
	}
	if (sent >= present_wanted)
		return 0;
	k = sent;
	/* docs/protocol.md `present`; ids 2.. so they never clash with hello */
	len = snprintf(msg, sizeof(msg),
		       "{\"id\":%d,\"type\":\"present\",\"doc\":\"%s\",\"page\":%d}",
		       k + 2, opt.doc, k % opt.pages + 1);
	if (len < 0 || (size_t)len >= sizeof(msg))
		return -1;
	send_real_ns[k] = bench_real_ns();
	send_ns[k] = bench_now_ns();
	sent++;
	if (bench_write_text(wsi, msg, (size_t)len) < 0)
		return -1;
	if (sent < present_wanted)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Handles one whole message on connection c, read at t (monotonic) after
 * reaching the socket at t_kernel (realtime; 0 when not known). */
static void
on_message(struct conn *c, const char *msg, size_t len, int64_t t, int64_t t_kernel)
{
	json_t *root, *v;
	json_error_t err;

	root = json_loadb(msg, len, 0, &err);
	if (!json_is_object(root)) {
		json_decref(root);
		fail("the server sent something that is not a JSON object");
		return;
	}
	v = json_object_get(root, "re");
	if (json_is_integer(v)) {
		json_int_t re = json_integer_value(v);
		int ok = json_is_true(json_object_get(root, "ok"));

		if (re == 1 && c->state == C_HELLO) {
			if (!ok) {
				fail("hello was refused");
				goto out;
			}
			c->state = C_READY;
			if (c->index >= 0) {
				inflight--;
				ready++;
			}
		} else if (c->index < 0 && re >= 2 && re < opt.p + 2) {
			int k = (int)re - 2;

			if (ack_state[k])
				goto out;
			ack_ns[k] = t;
			if (ok && json_is_integer(json_object_get(root, "seq"))) {
				ack_seq[k] = json_integer_value(
					json_object_get(root, "seq"));
				ack_state[k] = 1;
			} else
				ack_state[k] = -1;
			acked++;
		}
		goto out;
	}
	v = json_object_get(root, "type");
	if (c->index < 0 || !json_is_string(v) ||
	    strcmp(json_string_value(v), "presented"))
		goto out;
	events_read++;
	if (c->ngot < opt.p + EXTRA_EVENTS) {
		struct arrival *a = &c->got[c->ngot++];

		a->t_ns = t;
		a->t_kernel_ns = t_kernel;
		a->shared = 0;
		a->seq = json_integer_value(json_object_get(root, "seq"));
		a->page = (int)json_integer_value(json_object_get(root, "page"));
	} else
		c->extra++;
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
		if (c->index >= 0) {
			int on = 1;

			/* the kernel stamps what this socket receives (arrival) */
			if (setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET,
				       SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
				lwsl_warn("SO_TIMESTAMPNS: %s\n", strerror(errno));
		}
		c->state = C_HELLO;
		c->hello_pending = 1;
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->index < 0)
			return chair_writeable(wsi);
		if (c->hello_pending) {
			c->hello_pending = 0;
			return bench_write_text(wsi, "{\"id\":1,\"type\":\"hello\"}", 23);
		}
		break;

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
			on_message(c, msg, msglen, t, 0);
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

/* Index k of the present whose reply carried seq, or -1. */
static int
present_of_seq(int64_t seq)
{
	int k;

	for (k = 0; k < opt.p; k++)
		if (ack_state[k] == 1 && ack_seq[k] == seq)
			return k;
	return -1;
}

static int
report(void)
{
	int64_t *lat = NULL, *rlat = NULL, *elat = NULL, *ack_lat = NULL, *k_max = NULL, *k_min = NULL,
		*k_sum = NULL;
	int *k_count = NULL;
	size_t nlat = 0, nrlat = 0, nack = 0, nstamped = 0, nexact = 0;
	long missed = 0, duplicated = 0, out_of_order = 0, wrong_page = 0,
	     unexpected = 0, refused = 0;
	unsigned char *seen = NULL;
	int *seq_to_k = NULL;
	int64_t seq_lo = INT64_MAX, seq_hi = INT64_MIN;
	double rss_per_conn = 0, connect_ms = -1;
	int have_rss = 0;
	json_t *out;
	char *line;
	int i, k, ok;

	lat = malloc(sizeof(*lat) * ((size_t)opt.n * (size_t)opt.p + 1));
	rlat = malloc(sizeof(*rlat) * ((size_t)opt.n * (size_t)opt.p + 1));
	elat = malloc(sizeof(*elat) * ((size_t)opt.n * (size_t)opt.p + 1));
	ack_lat = malloc(sizeof(*ack_lat) * ((size_t)opt.p + 1));
	seen = malloc((size_t)opt.p + 1);
	k_max = calloc((size_t)opt.p, sizeof(*k_max));
	k_min = calloc((size_t)opt.p, sizeof(*k_min));
	k_sum = calloc((size_t)opt.p, sizeof(*k_sum));
	k_count = calloc((size_t)opt.p, sizeof(*k_count));
	if (!lat || !rlat || !elat || !ack_lat || !seen || !k_max || !k_min || !k_sum || !k_count) {
		fprintf(stderr, "loadtool: out of memory\n");
		free(lat);
		free(rlat);
		free(elat);
		free(ack_lat);
		free(seen);
		free(k_max);
		free(k_min);
		free(k_sum);
		free(k_count);
		return 2;
	}

	/* seq → present, by a table over the range the replies cover */
	for (k = 0; k < opt.p; k++) {
		if (ack_state[k] != 1) {
			refused += ack_state[k] == -1;
			continue;
		}
		ack_lat[nack++] = ack_ns[k] - send_ns[k];
		if (ack_seq[k] < seq_lo)
			seq_lo = ack_seq[k];
		if (ack_seq[k] > seq_hi)
			seq_hi = ack_seq[k];
	}
	if (nack && seq_hi - seq_lo < 16 * (int64_t)opt.p + 1024) {
		seq_to_k = malloc(sizeof(int) * (size_t)(seq_hi - seq_lo + 1));
		if (seq_to_k) {
			for (i = 0; i <= seq_hi - seq_lo; i++)
				seq_to_k[i] = -1;
			for (k = 0; k < opt.p; k++)
				if (ack_state[k] == 1)
					seq_to_k[ack_seq[k] - seq_lo] = k;
		}
	}

	for (i = 0; i < opt.n; i++) {
		struct conn *c = &recv_conns[i];
		int last = -1, j;
		int64_t d;

		if (c->state != C_READY && c->state != C_CLOSED) {
			missed += opt.p;
			continue;
		}
		memset(seen, 0, (size_t)opt.p);
		unexpected += c->extra;
		for (j = 0; j < c->ngot; j++) {
			struct arrival *a = &c->got[j];

			if (seq_to_k)
				k = a->seq >= seq_lo && a->seq <= seq_hi ?
				    seq_to_k[a->seq - seq_lo] : -1;
			else
				k = present_of_seq(a->seq);
			if (k < 0) {
				unexpected++;
				continue;
			}
			if (seen[k]) {
				duplicated++;
				continue;
			}
			seen[k] = 1;
			if (k < last)
				out_of_order++;
			last = k;
			if (a->page != k % opt.pages + 1)
				wrong_page++;
			rlat[nrlat++] = a->t_ns - send_ns[k];
			if (a->t_kernel_ns) {
				lat[nlat++] = a->t_kernel_ns - send_real_ns[k];
				nstamped++;
				if (!a->shared)
					elat[nexact++] = a->t_kernel_ns - send_real_ns[k];
			}
			d = a->t_kernel_ns ? a->t_kernel_ns - send_real_ns[k]
					   : a->t_ns - send_ns[k];
			k_sum[k] += d;
			k_count[k]++;
			if (d > k_max[k])
				k_max[k] = d;
			if (k_count[k] == 1 || d < k_min[k])
				k_min[k] = d;
		}
		for (k = 0; k < opt.p; k++)
			missed += !seen[k];
	}
	/* arrival needs every delivery stamped; else the read times stand in */
	if (nstamped != nrlat) {
		memcpy(lat, rlat, sizeof(*lat) * nrlat);
		nlat = nrlat;
	}
	if (opt.trace) {
		FILE *f = fopen(opt.trace, "w");

		if (f) {
			fprintf(f, "# k send_ms reply_ms delivered mean_ms max_ms min_ms\n");
			for (k = 0; k < opt.p; k++)
				fprintf(f, "%d %.3f %.3f %d %.3f %.3f %.3f\n", k + 1,
					(double)(send_ns[k] - t_present_start) / 1e6,
					ack_state[k] == 1 ? (double)(ack_ns[k] - send_ns[k]) / 1e6 : -1.0,
					k_count[k],
					k_count[k] ? (double)k_sum[k] / k_count[k] / 1e6 : -1.0,
					(double)k_max[k] / 1e6, (double)k_min[k] / 1e6);
			fclose(f);
		} else
			fprintf(stderr, "loadtool: cannot write %s\n", opt.trace);
	}
	qsort(lat, nlat, sizeof(*lat), bench_cmp_i64);
	qsort(rlat, nrlat, sizeof(*rlat), bench_cmp_i64);
	qsort(elat, nexact, sizeof(*elat), bench_cmp_i64);
	qsort(ack_lat, nack, sizeof(*ack_lat), bench_cmp_i64);

	have_rss = rss_before_kib >= 0 && rss_after_kib >= 0;
	if (have_rss)
		rss_per_conn = (double)(rss_after_kib - rss_before_kib) *
			       1024.0 / opt.n;
	if (t_connect_end)
		connect_ms = (double)(t_connect_end - t_connect_start) / 1e6;

	ok = !failed && ready == opt.n && acked == opt.p && !refused &&
	     !missed && !duplicated && !out_of_order && !wrong_page &&
	     !unexpected && !closed_early;
	if (!ok && !fail_reason)
		fail_reason = "deliveries were missed, duplicated or out of order";

	out = json_pack("{s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:i}",
			"server", opt.label, "ok", ok, "n", opt.n, "p", opt.p,
			"pages", opt.pages, "interval_ms", opt.interval_ms,
			"connected", ready, "connect_ms", connect_ms,
			"connect_errors", connect_errors, "retries", retries_used,
			"closed_early", closed_early);
	json_object_set_new(out, "rss_before_kib", json_integer(rss_before_kib));
	json_object_set_new(out, "rss_after_kib", json_integer(rss_after_kib));
	json_object_set_new(out, "rss_per_conn_bytes",
			    have_rss ? json_integer((json_int_t)rss_per_conn)
					      : json_null());
	json_object_set_new(out, "deliveries_expected",
			    json_integer((json_int_t)opt.n * opt.p));
	json_object_set_new(out, "delivered", json_integer((json_int_t)nrlat));
	json_object_set_new(out, "missed", json_integer(missed));
	json_object_set_new(out, "duplicated", json_integer(duplicated));
	json_object_set_new(out, "out_of_order", json_integer(out_of_order));
	json_object_set_new(out, "wrong_page", json_integer(wrong_page));
	json_object_set_new(out, "unexpected", json_integer(unexpected));
	json_object_set_new(out, "present_refused", json_integer(refused));
	json_object_set_new(out, "latency_ms", json_pack("{s:f, s:f, s:f, s:f}",
		"p50", bench_pct_ms(lat, nlat, 50), "p90", bench_pct_ms(lat, nlat, 90),
		"p99", bench_pct_ms(lat, nlat, 99), "max", nlat ? (double)lat[nlat - 1] / 1e6 : 0.0));
	json_object_set_new(out, "latency_clock", json_string(
		nstamped == nrlat ? "kernel arrival" : "tool read"));
	json_object_set_new(out, "read_ms", json_pack("{s:f, s:f, s:f, s:f}",
		"p50", bench_pct_ms(rlat, nrlat, 50), "p90", bench_pct_ms(rlat, nrlat, 90),
		"p99", bench_pct_ms(rlat, nrlat, 99), "max", nrlat ? (double)rlat[nrlat - 1] / 1e6 : 0.0));
	json_object_set_new(out, "pings_ignored", json_integer(raw_pings));
	json_object_set_new(out, "shared_stamps", json_integer((json_int_t)(nstamped - nexact)));
	json_object_set_new(out, "latency_unshared_ms", json_pack("{s:f, s:f}",
		"p50", bench_pct_ms(elat, nexact, 50), "p99", bench_pct_ms(elat, nexact, 99)));
	json_object_set_new(out, "read_hold_ms", json_integer(opt.read_hold_ms));
	json_object_set_new(out, "ack_ms", json_pack("{s:f, s:f}",
		"p50", bench_pct_ms(ack_lat, nack, 50), "max",
		nack ? (double)ack_lat[nack - 1] / 1e6 : 0.0));
	json_object_set_new(out, "tool_cpu_us_per_delivery",
			    json_real(nrlat ? (double)cpu_tool_ns / 1e3 / (double)nrlat : 0));
	if (cpu_srv_ticks >= 0 && nrlat)
		json_object_set_new(out, "server_cpu_us_per_delivery",
			json_real((double)cpu_srv_ticks * 1e6 /
				  (double)sysconf(_SC_CLK_TCK) / (double)nrlat));
	if (fail_reason && !ok)
		json_object_set_new(out, "error", json_string(fail_reason));

	line = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (line) {
		printf("%s\n", line);
		fflush(stdout);
		free(line);
	}
	json_decref(out);

	fprintf(stderr,
		"%s%sN=%d P=%d interval=%d ms: %s\n"
		"  connect  %d/%d in %.0f ms (%d errors, %d retries)\n"
		"  latency  p50 %.2f ms  p99 %.2f ms  max %.2f ms (%zu deliveries, %s)\n"
		"  read     p50 %.2f ms  p99 %.2f ms  max %.2f ms (by this tool)\n"
		"  missed %ld  duplicated %ld  out of order %ld  wrong page %ld  unexpected %ld  closed %d\n",
		opt.label, *opt.label ? ": " : "", opt.n, opt.p,
		opt.interval_ms, ok ? "ok" : fail_reason,
		ready, opt.n, connect_ms, connect_errors, retries_used,
		bench_pct_ms(lat, nlat, 50), bench_pct_ms(lat, nlat, 99),
		nlat ? (double)lat[nlat - 1] / 1e6 : 0.0, nlat,
		nstamped == nrlat ? "kernel arrival" : "tool read",
		bench_pct_ms(rlat, nrlat, 50), bench_pct_ms(rlat, nrlat, 99),
		nrlat ? (double)rlat[nrlat - 1] / 1e6 : 0.0,
		missed, duplicated, out_of_order, wrong_page, unexpected,
		closed_early);
	if (have_rss)
		fprintf(stderr, "  server RSS %ld → %ld KiB: %.0f bytes per idle connection\n",
			rss_before_kib, rss_after_kib, rss_per_conn);

	free(seq_to_k);
	free(k_max);
	free(k_min);
	free(k_sum);
	free(k_count);
	free(lat);
	free(rlat);
	free(elat);
	free(ack_lat);
	free(seen);
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
	static const char msg[] = "loadtool: hard timeout, the event loop hung\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: plenum-loadtool --url ws://127.0.0.1:PORT --session S --chair-session C\n"
"                       [--doc D] [--pages K] [-n N] [-p P] [--interval-ms MS]\n"
"                       [--pid PID] [--timeout S] [--batch B] [--label NAME]\n"
"  --url            server base URL (loopback only)\n"
"  --session        receivers' session (all N share it)\n"
"  --chair-session  the chair's session\n"
"  --doc, --pages   the document presented and its page count (pages 1..K cycle)\n"
"  -n               receivers (default 100)\n"
"  -p               page changes (default 100)\n"
"  --interval-ms    time between page changes (default 50)\n"
"  --pid            server process, for VmRSS and CPU time\n"
"  --timeout        seconds before giving up (default 120)\n"
"  --batch          connections opening at once (default 200)\n"
"  --retries        reconnects allowed per receiver while opening (default 2)\n"
"  --settle-ms      idle time before RSS is read (default 500)\n"
"  --drain-ms       wait for late events after the last reply (default 5000)\n"
"  --read-hold-ms   after each page change, read no receiver for this long, so\n"
"                   that this tool leaves the processors to the server while it\n"
"                   sends (default: half the interval; 0 reads all the time)\n"
"  --label          server name in the report\n"
"  --trace FILE     per page change: send time, reply and delivery times\n"
"  -v               log connection errors\n");
}

static int
parse_args(int argc, char **argv)
{
	enum { O_URL = 256, O_SESSION, O_CHAIR, O_DOC, O_PAGES, O_INTERVAL,
	       O_PID, O_TIMEOUT, O_BATCH, O_RETRIES, O_SETTLE, O_DRAIN,
	       O_LABEL, O_TRACE, O_HOLD };
	static const struct option longs[] = {
		{ "url", required_argument, NULL, O_URL },
		{ "session", required_argument, NULL, O_SESSION },
		{ "chair-session", required_argument, NULL, O_CHAIR },
		{ "doc", required_argument, NULL, O_DOC },
		{ "pages", required_argument, NULL, O_PAGES },
		{ "interval-ms", required_argument, NULL, O_INTERVAL },
		{ "pid", required_argument, NULL, O_PID },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "settle-ms", required_argument, NULL, O_SETTLE },
		{ "drain-ms", required_argument, NULL, O_DRAIN },
		{ "label", required_argument, NULL, O_LABEL },
		{ "trace", required_argument, NULL, O_TRACE },
		{ "read-hold-ms", required_argument, NULL, O_HOLD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, pid, bad = 0;

	while ((c = getopt_long(argc, argv, "n:p:vh", longs, NULL)) != -1) {
		switch (c) {
		case O_URL: opt.url = optarg; break;
		case O_SESSION: opt.session = optarg; break;
		case O_CHAIR: opt.chair_session = optarg; break;
		case O_DOC: opt.doc = optarg; break;
		case O_LABEL: opt.label = optarg; break;
		case O_TRACE: opt.trace = optarg; break;
		case O_PAGES: bad |= bench_int_arg(optarg, 1, 100000, &opt.pages); break;
		case 'n': bad |= bench_int_arg(optarg, 1, 100000, &opt.n); break;
		case 'p': bad |= bench_int_arg(optarg, 1, 100000, &opt.p); break;
		case O_INTERVAL: bad |= bench_int_arg(optarg, 0, 60000, &opt.interval_ms); break;
		case O_TIMEOUT: bad |= bench_int_arg(optarg, 1, 3600, &opt.timeout_s); break;
		case O_BATCH: bad |= bench_int_arg(optarg, 1, 100000, &opt.batch); break;
		case O_RETRIES: bad |= bench_int_arg(optarg, 0, 100, &opt.retries); break;
		case O_SETTLE: bad |= bench_int_arg(optarg, 0, 60000, &opt.settle_ms); break;
		case O_DRAIN: bad |= bench_int_arg(optarg, 0, 600000, &opt.drain_ms); break;
		case O_HOLD: bad |= bench_int_arg(optarg, 0, 60000, &opt.read_hold_ms); break;
		case O_PID:
			bad |= bench_int_arg(optarg, 1, INT_MAX, &pid);
			opt.pid = pid;
			break;
		case 'v': opt.verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		if (bad) {
			fprintf(stderr, "loadtool: bad value for an option: %s\n",
				optarg);
			return -1;
		}
	}
	if (optind != argc || !opt.url || !opt.session || !opt.chair_session) {
		usage(stderr);
		return -1;
	}
	if (opt.read_hold_ms < 0)
		opt.read_hold_ms = opt.interval_ms / 2;
	if (bench_parse_url(opt.url, opt.host, sizeof(opt.host), &opt.port) < 0) {
		fprintf(stderr, "loadtool: --url must be ws://HOST:PORT with a "
				"loopback HOST (127.0.0.0/8, localhost, [::1])\n");
		return -1;
	}
	if (!bench_is_session(opt.session) || !bench_is_session(opt.chair_session)) {
		fprintf(stderr, "loadtool: a session must be a URL-safe token\n");
		return -1;
	}
	if (strlen(opt.doc) > 100 || strpbrk(opt.doc, "\"\\")) {
		fprintf(stderr, "loadtool: --doc must be a plain identifier\n");
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

	/*
	 * Every receiver is a socket. The soft RLIMIT_NOFILE is set to exactly
	 * fd_limit_per_thread (N + 100, raised up to the hard limit): lws 4.1
	 * keeps a direct fd → wsi table only when the two agree, and falls
	 * back to a linear search over all connections on every event when
	 * fd_limit_per_thread is below the process limit (wsi_from_fd() in
	 * lib/plat/unix), which made this tool O(N) per received message.
	 */
	fd_limit = (unsigned long)opt.n + 100;
	if (bench_set_nofile("loadtool", fd_limit) < 0)
		return 2;

	recv_conns = calloc((size_t)opt.n, sizeof(*recv_conns));
	send_ns = calloc((size_t)opt.p, sizeof(*send_ns));
	send_real_ns = calloc((size_t)opt.p, sizeof(*send_real_ns));
	ack_ns = calloc((size_t)opt.p, sizeof(*ack_ns));
	ack_seq = calloc((size_t)opt.p, sizeof(*ack_seq));
	ack_state = calloc((size_t)opt.p, sizeof(*ack_state));
	if (!recv_conns || !send_ns || !send_real_ns || !ack_ns || !ack_seq || !ack_state)
		goto oom;
	for (i = 0; i < opt.n; i++) {
		recv_conns[i].index = i;
		recv_conns[i].fd = -1;
		recv_conns[i].got = malloc(sizeof(struct arrival) *
					   (size_t)(opt.p + EXTRA_EVENTS));
		if (!recv_conns[i].got)
			goto oom;
	}
	chair.index = -1;
	chair.fd = -1;

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
	info.timeout_secs = 7;
	info.connect_timeout_secs = 30;
	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "loadtool: lws_create_context failed\n");
		goto out;
	}

	t_start = bench_now_ns();
	if (open_conn(&chair, opt.chair_session) < 0 && chair.state != C_FAILED)
		fail("the chair could not connect");
	lws_sul_schedule(context, 0, &sul_tick, tick_cb, TICK_US);

	while (n >= 0 && phase != PH_DONE) {
		int64_t now, due;
		int hold;

		if (!raw_reading) {
			n = lws_service(context, 0);
			continue;
		}
		/*
		 * lws now has only the chair and the timers to serve, but its
		 * poll() still goes over every socket (at N = 5000 about half
		 * a millisecond): it runs when the chair has something, when
		 * the next page change is due, and every RAW_LWS_US, not after
		 * every read.
		 */
		now = bench_now_ns();
		due = next_lws_ns;
		if (phase == PH_PRESENT && present_wanted < opt.p) {
			int64_t p = t_present_start +
				    (int64_t)present_wanted * opt.interval_ms * 1000000;
			if (p < due)
				due = p;
		}
		/* the hold: no reading while the server fans the last page
		 * out, unless this tool is still behind with the one before */
		hold = phase == PH_PRESENT && sent > 0 &&
		       now < send_ns[sent - 1] + (int64_t)opt.read_hold_ms * 1000000 &&
		       events_read >= (int64_t)(sent - 1) * ready;
		if (hold && send_ns[sent - 1] + (int64_t)opt.read_hold_ms * 1000000 < due)
			due = send_ns[sent - 1] + (int64_t)opt.read_hold_ms * 1000000;
		if (raw_poll(due > now ? (int)((due - now + 999999) / 1000000) : 0, !hold) ||
		    bench_now_ns() >= due) {
			int rounds = 0;

			do	/* a timer asks for writeable: that is a second pass */
				n = lws_service(context, -1);
			while (n >= 0 && sent < present_wanted && ++rounds < 4);
			next_lws_ns = bench_now_ns() + RAW_LWS_US * 1000;
		}
	}
	if (epfd >= 0)
		close(epfd);
	if (n < 0 && !failed)
		fail("the event loop failed");

	rc = report();
	lws_sul_cancel(&sul_tick);
	lws_sul_cancel(&sul_present);
	lws_context_destroy(context);
	goto out;
oom:
	fprintf(stderr, "loadtool: out of memory\n");
out:
	if (recv_conns)
		for (i = 0; i < opt.n; i++) {
			free(recv_conns[i].got);
			free(recv_conns[i].raw);
			bench_rx_reset(&recv_conns[i].rx);
		}
	free(recv_conns);
	free(send_ns);
	free(send_real_ns);
	free(ack_ns);
	free(ack_seq);
	free(ack_state);
	return rc;
}
