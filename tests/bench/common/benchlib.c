/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * benchlib.c — the helpers the benchmark clients share (benchlib.h).
 *
 * Threads: any; the lws calls only on the client's service thread.
 */
#include "benchlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <libwebsockets.h>

int64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
bench_cpu_self_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long
bench_rss_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6)) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

int64_t
bench_cpu_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	size_t len;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* proc(5): the command name is in parentheses and may hold spaces */
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	return (int64_t)(ut + st);
}

int
bench_parse_url(const char *url, char *host, size_t hostlen, int *port)
{
	const char *h, *colon;
	struct in_addr a4;
	char *end;
	long p;
	size_t hl;

	if (strncmp(url, "ws://", 5))
		return -1;
	h = url + 5;
	if (*h == '[') {
		colon = strstr(h, "]:");
		if (!colon)
			return -1;
		hl = (size_t)(colon - h - 1);
		if (hl >= hostlen)
			return -1;
		memcpy(host, h + 1, hl);
		host[hl] = '\0';
		colon++;
	} else {
		colon = strchr(h, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - h);
		if (hl >= hostlen)
			return -1;
		memcpy(host, h, hl);
		host[hl] = '\0';
	}
	p = strtol(colon + 1, &end, 10);
	if (p < 1 || p > 65535 || (*end && strcmp(end, "/")))
		return -1;
	*port = (int)p;
	if (!strcmp(host, "localhost") && hostlen > 9)
		strcpy(host, "127.0.0.1");
	if (!strcmp(host, "::1"))
		return 0;
	if (inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127)
		return 0;
	return -1;
}

int
bench_is_session(const char *s)
{
	if (!s || !*s || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.' || *s == '~'))
			return 0;
	return 1;
}

int
bench_int_arg(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

int
bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

double
bench_pct_ms(const int64_t *v, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1e6;
}

int
bench_set_nofile(const char *tool, unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "%s: getrlimit: %s\n", tool, strerror(errno));
		return -1;
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)n) {
		fprintf(stderr, "%s: the hard RLIMIT_NOFILE (%llu) is too low for "
				"%lu descriptors\n",
			tool, (unsigned long long)rl.rlim_max, n);
		return -1;
	}
	rl.rlim_cur = (rlim_t)n;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "%s: setrlimit: %s\n", tool, strerror(errno));
		return -1;
	}
	return 0;
}

struct lws *
bench_connect(struct lws_context *ctx, const char *host, int port,
	      const char *session, void *user, struct lws **pwsi)
{
	struct lws_client_connect_info i;
	char host_hdr[96], path[512];	/* lws copies them */

	snprintf(path, sizeof(path), "/ws?session=%s", session);
	snprintf(host_hdr, sizeof(host_hdr), "%s:%d", host, port);
	memset(&i, 0, sizeof(i));
	i.context = ctx;
	i.address = host;
	i.port = port;
	i.path = path;
	i.host = host_hdr;
	i.origin = host_hdr;
	i.protocol = BENCH_PROTOCOL;
	i.opaque_user_data = user;
	i.pwsi = pwsi;
	return lws_client_connect_via_info(&i);
}

int
bench_write_text(struct lws *wsi, const char *s, size_t len)
{
	unsigned char buf[LWS_PRE + 512];

	if (len > sizeof(buf) - LWS_PRE)
		return -1;
	memcpy(buf + LWS_PRE, s, len);
	if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len)
		return -1;
	return 0;
}

int
bench_rx_feed(struct bench_rx *rx, struct lws *wsi, const void *in, size_t len,
	      const char **msg, size_t *msglen)
{
	int last = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);

	if (!rx->len && last) {
		*msg = in;
		*msglen = len;
		return 1;
	}
	if (rx->len + len > BENCH_MESSAGE_MAX)
		return -1;
	if (rx->len + len > rx->cap) {
		size_t cap = rx->cap ? rx->cap : 4096;
		char *p;

		while (cap < rx->len + len)
			cap *= 2;
		p = realloc(rx->buf, cap);
		if (!p)
			return -2;
		rx->buf = p;
		rx->cap = cap;
	}
	memcpy(rx->buf + rx->len, in, len);
	rx->len += len;
	if (!last)
		return 0;
	*msg = rx->buf;
	*msglen = rx->len;
	rx->len = 0;	/* the bytes stay until the next feed */
	return 1;
}

void
bench_rx_reset(struct bench_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
	rx->len = rx->cap = 0;
}
