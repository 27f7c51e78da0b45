/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_fanout — one message to many sockets on several threads (fanout.c):
 * every peer gets the exact bytes once, with and without helpers, over many
 * jobs in a row; a socket whose buffer is full takes part or nothing and
 * says how much; a socket whose peer is gone says so, without SIGPIPE;
 * bad pool sizes are refused.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "fanout.h"

#define PAIRS 300

struct pairs {
	int ours[PAIRS];        /* what fanout_send() writes to */
	int peer[PAIRS];        /* what reads it */
	int n;
};

static void pairs_open(struct pairs *p, int n)
{
	assert_true(n <= PAIRS);
	p->n = n;
	for (int i = 0; i < n; i++) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		p->ours[i] = sv[0];
		p->peer[i] = sv[1];
		fcntl(sv[1], F_SETFL, O_NONBLOCK);
	}
}

static void pairs_close(struct pairs *p)
{
	for (int i = 0; i < p->n; i++) {
		close(p->ours[i]);
		if (p->peer[i] >= 0)
			close(p->peer[i]);
	}
}

/* Reads what peer i has; asserts it is exactly `want`. */
static void expect_bytes(int fd, const char *want, size_t len)
{
	char buf[4096];
	ssize_t k = read(fd, buf, sizeof buf);

	assert_int_equal(k, (ssize_t)len);
	assert_memory_equal(buf, want, len);
	assert_int_equal(read(fd, buf, sizeof buf), -1); /* nothing more */
	assert_int_equal(errno, EAGAIN);
}

static void every_peer_gets_the_bytes_once(int helpers)
{
	struct fanout *f = fanout_new(helpers);
	struct pairs p;
	ssize_t sent[PAIRS];
	char msg[200];

	assert_non_null(f);
	assert_int_equal(fanout_helpers(f), helpers);
	pairs_open(&p, PAIRS);
	/* many jobs in a row, large and small, so that a helper waking late
	 * meets the next job rather than a stale one */
	for (int round = 0; round < 60; round++) {
		int n = round % 3 == 2 ? FANOUT_PARALLEL_MIN / 2 : PAIRS - round;
		int len = snprintf(msg, sizeof msg,
				   "{\"seq\":%d,\"type\":\"presented\",\"page\":%d}",
				   round + 1, round % 4 + 1);

		memset(sent, 0x55, sizeof sent);
		fanout_send(f, p.ours, sent, (size_t)n, msg, (size_t)len);
		for (int i = 0; i < n; i++) {
			assert_int_equal(sent[i], len);
			expect_bytes(p.peer[i], msg, (size_t)len);
		}
		for (int i = n; i < PAIRS; i++) {
			char b;
			assert_int_equal(read(p.peer[i], &b, 1), -1);
		}
	}
	pairs_close(&p);
	fanout_free(f);
}

static void alone(void **state)
{
	(void)state;
	every_peer_gets_the_bytes_once(0);
}

static void with_helpers(void **state)
{
	(void)state;
	every_peer_gets_the_bytes_once(1);
	every_peer_gets_the_bytes_once(3);
}

static void without_a_pool(void **state)
{
	struct pairs p;
	ssize_t sent[PAIRS];

	(void)state;
	pairs_open(&p, 100);
	fanout_send(NULL, p.ours, sent, 100, "hello", 5);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(sent[i], 5);
		expect_bytes(p.peer[i], "hello", 5);
	}
	pairs_close(&p);
}

/* A socket whose peer stopped reading takes what fits, then nothing; one
 * whose peer is gone fails; the others are not held back by either. */
static void full_and_broken_sockets(void **state)
{
	struct fanout *f = fanout_new(2);
	struct pairs p;
	ssize_t sent[PAIRS];
	static char big[4096];
	int small = 4096;

	(void)state;
	assert_non_null(f);
	pairs_open(&p, 128);
	/* socket 5: fill it until it takes nothing more */
	setsockopt(p.ours[5], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	fcntl(p.ours[5], F_SETFL, O_NONBLOCK);
	while (send(p.ours[5], big, 100, MSG_DONTWAIT) > 0)
		;
	/* socket 9: its reader is gone */
	close(p.peer[9]);
	p.peer[9] = -1;

	memset(big, 'x', sizeof big);
	fanout_send(f, p.ours, sent, 128, big, sizeof big);
	for (int i = 0; i < 128; i++) {
		if (i == 5) {
			assert_true(sent[i] >= 0 && sent[i] < (ssize_t)sizeof big);
		} else if (i == 9) {
			assert_int_equal(sent[i], -1);
		} else {
			char buf[8192];
			assert_int_equal(sent[i], (ssize_t)sizeof big);
			assert_int_equal(read(p.peer[i], buf, sizeof buf), (ssize_t)sizeof big);
		}
	}
	pairs_close(&p);
	fanout_free(f);
}

static void bad_sizes_are_refused(void **state)
{
	(void)state;
	assert_null(fanout_new(-1));
	assert_null(fanout_new(FANOUT_HELPERS_MAX + 1));
	fanout_free(NULL);
	assert_int_equal(fanout_helpers(NULL), 0);
	assert_false(fanout_bound(NULL));
	assert_true(fanout_default_helpers() >= 0);
	assert_true(fanout_default_helpers() <= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alone),
		cmocka_unit_test(with_helpers),
		cmocka_unit_test(without_a_pool),
		cmocka_unit_test(full_and_broken_sockets),
		cmocka_unit_test(bad_sizes_are_refused),
	};

	/* a failed send must say so, not kill the process */
	signal(SIGPIPE, SIG_DFL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
