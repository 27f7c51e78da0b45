/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * benchlib — what the benchmark clients (fanout/loadtool.c,
 * ballots/ballottool.c) share: clocks, the server's memory and CPU time from
 * /proc, the loopback-only URL rule, option parsing, percentiles, the file
 * descriptor limit that keeps libwebsockets' fd lookup direct, and writing
 * and reassembling plenum.v1 text messages.
 *
 * Invariants:
 *  1. Load goes nowhere but this machine: bench_parse_url() accepts only
 *     ws://HOST:PORT with a loopback HOST.
 *  2. Every reassembled message is at most BENCH_MESSAGE_MAX bytes.
 *
 * Threads: any; the lws functions only on the client's service thread.
 */
#ifndef PLENUM_BENCHLIB_H
#define PLENUM_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

struct lws;

#define BENCH_PROTOCOL "plenum.v1"
#define BENCH_MESSAGE_MAX (1024 * 1024) /* a hello reply with a big state fits */

/* CLOCK_MONOTONIC and this process's CPU time, in nanoseconds. */
int64_t bench_now_ns(void);
int64_t bench_cpu_self_ns(void);

/* VmRSS of `pid` in KiB, or -1 (pid <= 0, or the process is gone). */
long bench_rss_kib(long pid);

/* utime + stime of `pid` in clock ticks, or -1. */
int64_t bench_cpu_ticks(long pid);

/* ws://HOST:PORT[/] with a loopback HOST (127.0.0.0/8, localhost, [::1]):
 * writes the host ("localhost" becomes 127.0.0.1) and port. Returns 0, or
 * -1 for anything else. */
int bench_parse_url(const char *url, char *host, size_t hostlen, int *port);

/* 1 when `s` is a URL-safe token of 1..200 characters (a session). */
int bench_is_session(const char *s);

/* A decimal integer in [lo, hi] into *out: 0, or -1. */
int bench_int_arg(const char *s, int lo, int hi, int *out);

/* qsort comparator for int64_t; the nearest-rank percentile `p` of the
 * sorted v[0..n-1], in milliseconds (0 when n is 0). */
int bench_cmp_i64(const void *a, const void *b);
double bench_pct_ms(const int64_t *v, size_t n, double p);

/*
 * Sets the soft RLIMIT_NOFILE to exactly `n` (which the caller also gives
 * lws as fd_limit_per_thread): lws 4.1 keeps a direct fd → wsi table only
 * when the two agree, and otherwise searches all connections on every event
 * (wsi_from_fd() in lib/plat/unix), which makes a client with thousands of
 * sockets O(N) per message. Returns 0, or -1 with a message on stderr
 * (the hard limit is lower than n).
 */
int bench_set_nofile(const char *tool, unsigned long n);

/* Starts a plenum.v1 WebSocket to ws://host:port/ws?session=S, with
 * `user` as the connection's opaque user data and *pwsi kept up to date by
 * lws. Returns what lws_client_connect_via_info() returns: NULL when it
 * failed at once (its error callback may already have run). */
struct lws_context;
struct lws *bench_connect(struct lws_context *ctx, const char *host, int port,
			  const char *session, void *user, struct lws **pwsi);

/* One text frame of `len` (≤ 512) bytes. Returns 0 or -1. */
int bench_write_text(struct lws *wsi, const char *s, size_t len);

/* Reassembly of a message split over several fragments or reads. */
struct bench_rx {
	char *buf;
	size_t len, cap;
};

/*
 * Feeds one LWS_CALLBACK_CLIENT_RECEIVE's `in`/`len`. Returns 1 and sets
 * *msg, *msglen when a whole message is ready (valid until the next call;
 * a message that came in one piece is `in` itself), 0 when more is to
 * come, -1 past BENCH_MESSAGE_MAX, -2 out of memory.
 */
int bench_rx_feed(struct bench_rx *rx, struct lws *wsi, const void *in, size_t len,
		  const char **msg, size_t *msglen);

/* Frees the buffer; the struct can be fed again. */
void bench_rx_reset(struct bench_rx *rx);

#endif
