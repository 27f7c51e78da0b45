/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fanout — one message to many sockets, on every core (see fanout.h).
 *
 * Design note. A job is the socket list of one fanout_send(). The caller
 * publishes it under the mutex with a new generation number and wakes the
 * helpers; then everybody, the caller included, claims chunks of
 * FANOUT_CHUNK sockets from one atomic counter until none are left. Small
 * chunks keep the threads level when one of them is preempted (the
 * machine may be busy with other work). A helper copies the job while it
 * holds the mutex and counts itself in `busy`; the caller returns, and
 * publishes the next job, only once `busy` is back to 0 (invariant 1), so a
 * helper that wakes late either joins the current job, finding little or
 * nothing left to claim, or waits for the next one.
 *
 * Each thread has a processor of its own: the caller stays on the one it
 * runs on when the pool starts, and each helper is bound to another one the
 * process may use. Left to itself, the scheduler tends to wake a helper on
 * the caller's processor (it was just woken from there), and two senders
 * then share one processor while the other one idles; bound, a fan-out to
 * 1,000 sockets took half the time on two processors. The binding happens
 * only when there are enough processors for every thread; the render pool
 * threads, which start the worker processes, are created before it and
 * keep the whole set.
 */
#define _GNU_SOURCE
#include "fanout.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define FANOUT_CHUNK 16

struct job {
	const int *fds;
	ssize_t *sent;
	size_t n;
	const void *buf;
	size_t len;
};

struct fanout {
	pthread_t threads[FANOUT_HELPERS_MAX];
	int cpu[FANOUT_HELPERS_MAX];   /* each helper's processor, or -1 */
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t work;    /* a job was published, or stopping */
	pthread_cond_t idle;    /* busy fell to 0 */
	unsigned long gen;      /* generation of the current job */
	int busy;               /* helpers inside the current job */
	bool stopping;
	struct job job;
	atomic_size_t next;     /* the next socket of the job to claim */
};

static ssize_t send_one(int fd, const void *buf, size_t len)
{
	ssize_t k;

	do
		k = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? 0 : -1;
	return k;
}

/* Claims chunks of the job until none are left. */
static void run(atomic_size_t *next, const struct job *j)
{
	for (;;) {
		size_t i = atomic_fetch_add_explicit(next, FANOUT_CHUNK, memory_order_relaxed);
		size_t end = i + FANOUT_CHUNK < j->n ? i + FANOUT_CHUNK : j->n;

		if (i >= j->n)
			return;
		for (; i < end; i++)
			j->sent[i] = send_one(j->fds[i], j->buf, j->len);
	}
}

struct helper_arg {
	struct fanout *f;
	int cpu;
};

static void bind_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* One processor for the caller and one for each of `helpers`, from those
 * the process may use; false when there are not enough. */
static bool choose_cpus(struct fanout *f, int helpers, int *self)
{
	cpu_set_t set;
	int k = 0;

	*self = sched_getcpu();
	if (*self < 0 || sched_getaffinity(0, sizeof set, &set) < 0 ||
	    !CPU_ISSET(*self, &set) || CPU_COUNT(&set) < helpers + 1)
		return false;
	for (int cpu = 0; cpu < CPU_SETSIZE && k < helpers; cpu++)
		if (cpu != *self && CPU_ISSET(cpu, &set))
			f->cpu[k++] = cpu;
	return k == helpers;
}

static void *helper(void *arg)
{
	struct fanout *f = ((struct helper_arg *)arg)->f;
	unsigned long seen = 0;

	bind_to(((struct helper_arg *)arg)->cpu);
	free(arg);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->stopping && f->gen == seen)
			pthread_cond_wait(&f->work, &f->mu);
		if (f->stopping)
			break;
		seen = f->gen;
		struct job j = f->job;
		f->busy++;
		pthread_mutex_unlock(&f->mu);
		run(&f->next, &j);
		pthread_mutex_lock(&f->mu);
		if (--f->busy == 0)
			pthread_cond_signal(&f->idle);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

struct fanout *fanout_new(int helpers)
{
	struct fanout *f;
	int self = -1;

	if (helpers < 0 || helpers > FANOUT_HELPERS_MAX)
		return NULL;
	f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->work, NULL);
	pthread_cond_init(&f->idle, NULL);
	atomic_init(&f->next, 0);
	for (int i = 0; i < FANOUT_HELPERS_MAX; i++)
		f->cpu[i] = -1;
	if (helpers > 0 && !choose_cpus(f, helpers, &self)) {
		self = -1;
		for (int i = 0; i < FANOUT_HELPERS_MAX; i++)
			f->cpu[i] = -1;
	}
	for (; f->nthreads < helpers; f->nthreads++) {
		struct helper_arg *a = malloc(sizeof *a);

		if (a) {
			a->f = f;
			a->cpu = f->cpu[f->nthreads];
		}
		if (!a || pthread_create(&f->threads[f->nthreads], NULL, helper, a) != 0) {
			free(a);
			fanout_free(f);
			return NULL;
		}
	}
	bind_to(self);
	return f;
}

void fanout_free(struct fanout *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_broadcast(&f->work);
	pthread_mutex_unlock(&f->mu);
	for (int i = 0; i < f->nthreads; i++)
		pthread_join(f->threads[i], NULL);
	pthread_cond_destroy(&f->idle);
	pthread_cond_destroy(&f->work);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int fanout_helpers(const struct fanout *f)
{
	return f ? f->nthreads : 0;
}

bool fanout_bound(const struct fanout *f)
{
	return f && f->nthreads > 0 && f->cpu[0] >= 0;
}

int fanout_default_helpers(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return 0;
	n = CPU_COUNT(&set);
	if (n <= 1)
		return 0;
	return n - 1 > 3 ? 3 : n - 1;
}

void fanout_send(struct fanout *f, const int *fds, ssize_t *sent, size_t n,
		 const void *buf, size_t len)
{
	struct job j = { fds, sent, n, buf, len };

	if (!f || !f->nthreads || n < FANOUT_PARALLEL_MIN) {
		for (size_t i = 0; i < n; i++)
			sent[i] = send_one(fds[i], buf, len);
		return;
	}
	pthread_mutex_lock(&f->mu);
	while (f->busy)         /* a late helper still in the last job */
		pthread_cond_wait(&f->idle, &f->mu);
	f->job = j;
	atomic_store_explicit(&f->next, 0, memory_order_relaxed);
	f->gen++;
	pthread_cond_broadcast(&f->work);
	pthread_mutex_unlock(&f->mu);

	run(&f->next, &j);

	pthread_mutex_lock(&f->mu);
	while (f->busy)
		pthread_cond_wait(&f->idle, &f->mu);
	pthread_mutex_unlock(&f->mu);
}
