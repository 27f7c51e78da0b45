/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* pages — see pages.h. The render thread and the worker's life cycle. */
#define _GNU_SOURCE /* pipe2() */
#include "pages.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define PAGES_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAGES_ASAN 1
#endif
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define QUEUE_MAX 16

struct node {
	struct pages_job job;
	struct node *next;
};

struct done {
	struct pages_frame *frame;
	struct done *next;
};

struct pages {
	struct pages_config cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct node *queue;             /* urgent first */
	char current[PAGES_KEY_MAX];    /* the job being drawn ("" when none) */
	struct done *results, **results_tail;
	/* the worker (render thread only) */
	pid_t pid;
	int to, from;
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

/* ---- the worker process --------------------------------------------------- */

/* The child between fork and exec: async-signal-safe calls only. */
static void child(const char *exe, size_t mem_limit, int in, int out)
{
	char *argv[] = { (char *)exe, (char *)"--render-worker", NULL };
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
#ifndef PAGES_ASAN
	/* A sanitized build reserves terabytes of shadow memory: no limit then. */
	{
		struct rlimit rl = { .rlim_cur = mem_limit, .rlim_max = mem_limit };

		setrlimit(RLIMIT_AS, &rl);
	}
#else
	(void)mem_limit;
#endif
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(exe, argv);
	_exit(127);
}

/* Closes the pipes and reaps the worker (killing it first when asked);
 * its wait status into *status. The pid is cleared under the lock before
 * the process is reaped, so pages_free() never signals a reused pid. */
static void worker_stop(struct pages *p, bool kill_it, int *status)
{
	pid_t pid;
	int st = 0;

	if (p->to >= 0)
		close(p->to);
	if (p->from >= 0)
		close(p->from);
	p->to = p->from = -1;
	pthread_mutex_lock(&p->lock);
	pid = p->pid;
	p->pid = 0;
	pthread_mutex_unlock(&p->lock);
	if (pid > 0) {
		if (kill_it)
			kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (status)
		*status = st;
}

static int worker_start(struct pages *p)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(p->cfg.exe, p->cfg.mem_limit, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	pthread_mutex_lock(&p->lock);
	p->pid = pid;
	pthread_mutex_unlock(&p->lock);
	p->to = in[1];
	p->from = out[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -errno;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *s = buf;

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads len bytes before the deadline: 0, -ETIMEDOUT or -EIO (EOF). */
static int read_all(int fd, void *buf, size_t len, int64_t deadline)
{
	char *d = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -EIO;
		if (r == 0)
			continue;
		n = read(fd, d, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -EIO;
		d += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Draws one job in the worker (starting it when needed). */
static void draw_job(struct pages *p, const struct pages_job *job, struct pages_frame *f)
{
	struct pages_wire_req req = { PAGES_MAGIC, job->page, job->w, job->h,
				      (uint32_t)strlen(job->path) };
	struct pages_wire_rep rep;
	int64_t deadline = now_ms() + p->cfg.timeout_ms;
	size_t bytes;
	int rc;

	if (p->to < 0 && worker_start(p) < 0) {
		f->status = -EIO;
		say(f->error, sizeof f->error, "The renderer cannot start: %s.", strerror(errno));
		return;
	}
	if (write_all(p->to, &req, sizeof req) < 0 || write_all(p->to, job->path, req.path_len) < 0) {
		worker_stop(p, true, NULL);
		f->status = -EIO;
		say(f->error, sizeof f->error, "The renderer stopped before the page was sent to it.");
		return;
	}
	rc = read_all(p->from, &rep, sizeof rep, deadline);
	if (rc == 0 && (rep.magic != PAGES_MAGIC || rep.w < 0 || rep.h < 0 ||
			rep.w > PAGES_MAX_SIDE || rep.h > PAGES_MAX_SIDE))
		rc = -EIO;
	if (rc == 0 && rep.status == 0) {
		bytes = (size_t)rep.w * (size_t)rep.h * 4;
		f->rgba = malloc(bytes ? bytes : 1);
		if (!f->rgba) {
			worker_stop(p, true, NULL);
			f->status = -ENOMEM;
			say(f->error, sizeof f->error, "No memory for the page's %d × %d pixels.",
			    rep.w, rep.h);
			return;
		}
		rc = read_all(p->from, f->rgba, bytes, deadline);
	}
	if (rc == -ETIMEDOUT) {
		worker_stop(p, true, NULL);
		f->status = -ETIMEDOUT;
		say(f->error, sizeof f->error, "Drawing the page took more than %d s; it was stopped.",
		    p->cfg.timeout_ms / 1000);
	} else if (rc < 0) {
		int st = 0;

		worker_stop(p, true, &st);
		f->status = -EIO;
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			say(f->error, sizeof f->error, "The renderer crashed on this page (signal %d).",
			    WTERMSIG(st));
		else
			say(f->error, sizeof f->error, "The renderer stopped while drawing this page.");
	} else {
		f->status = rep.status;
		f->w = rep.w;
		f->h = rep.h;
		f->pages = rep.pages;
		rep.error[sizeof rep.error - 1] = '\0';
		snprintf(f->error, sizeof f->error, "%s", rep.error);
	}
	if (f->status != 0) {
		free(f->rgba);
		f->rgba = NULL;
	}
}

/* ---- the render thread ------------------------------------------------------ */

static void *run(void *arg)
{
	struct pages *p = arg;

	for (;;) {
		struct node *n;
		struct pages_frame *f;
		struct done *d;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && !p->queue)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		n = p->queue;
		p->queue = n->next;
		snprintf(p->current, sizeof p->current, "%s", n->job.key);
		pthread_mutex_unlock(&p->lock);

		f = calloc(1, sizeof *f);
		d = calloc(1, sizeof *d);
		if (f && d) {
			snprintf(f->key, sizeof f->key, "%s", n->job.key);
			f->urgent = n->job.urgent;
			draw_job(p, &n->job, f);
		}
		if (n->job.remove_after)
			unlink(n->job.path);
		free(n);

		pthread_mutex_lock(&p->lock);
		p->current[0] = '\0';
		if (f && d) {
			d->frame = f;
			*p->results_tail = d;
			p->results_tail = &d->next;
		} else {
			free(f);
			free(d);
		}
		pthread_mutex_unlock(&p->lock);
		if (p->cfg.wake)
			p->cfg.wake(p->cfg.wake_arg);
	}
	worker_stop(p, false, NULL);
	return NULL;
}

int pages_new(struct pages **out, const struct pages_config *cfg, char *err, size_t errlen)
{
	struct pages *p = calloc(1, sizeof *p);
	int rc;

	*out = NULL;
	if (!p) {
		say(err, errlen, "Out of memory.");
		return -ENOMEM;
	}
	p->cfg = *cfg;
	if (p->cfg.timeout_ms <= 0)
		p->cfg.timeout_ms = 20000;
	if (!p->cfg.mem_limit)
		p->cfg.mem_limit = (size_t)1 << 30;
	p->to = p->from = -1;
	p->results_tail = &p->results;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	rc = pthread_create(&p->thread, NULL, run, p);
	if (rc) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		free(p);
		say(err, errlen, "The render thread cannot start: %s.", strerror(rc));
		return -rc;
	}
	*out = p;
	return 0;
}

static void drop_node(struct node *n)
{
	if (n->job.remove_after)
		unlink(n->job.path);
	free(n);
}

void pages_free(struct pages *p)
{
	struct node *n;
	struct done *d;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	/* A page being drawn is abandoned: the render thread sees the
	 * worker's pipe close and ends. */
	if (p->pid > 0)
		kill(p->pid, SIGKILL);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	while ((n = p->queue)) {
		p->queue = n->next;
		drop_node(n);
	}
	while ((d = p->results)) {
		p->results = d->next;
		pages_frame_free(d->frame);
		free(d);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

int pages_request(struct pages *p, const struct pages_job *job)
{
	struct node *n, **at, *cur;
	int count = 0;

	if (job->w < 1 || job->h < 1 || job->w > PAGES_MAX_SIDE || job->h > PAGES_MAX_SIDE ||
	    job->page < 1 || !job->path[0])
		return -EINVAL;
	n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	n->job = *job;
	pthread_mutex_lock(&p->lock);
	if (!strcmp(p->current, job->key)) {
		/* being drawn right now */
		pthread_mutex_unlock(&p->lock);
		if (job->remove_after)
			unlink(job->path);
		free(n);
		return 0;
	}
	/* Identical work queued already: an urgent ask promotes it. */
	for (at = &p->queue; (cur = *at); at = &cur->next) {
		if (strcmp(cur->job.key, job->key))
			continue;
		if (!job->urgent || cur->job.urgent) {
			pthread_mutex_unlock(&p->lock);
			if (job->remove_after && strcmp(job->path, cur->job.path))
				unlink(job->path);
			free(n);
			return 0;
		}
		*at = cur->next;
		drop_node(cur);
		break;
	}
	if (job->urgent) {
		/* The room has moved on: older urgent jobs are stale. */
		at = &p->queue;
		while ((cur = *at) && cur->job.urgent) {
			*at = cur->next;
			drop_node(cur);
		}
		n->next = p->queue;
		p->queue = n;
	} else {
		for (at = &p->queue; *at; at = &(*at)->next)
			count++;
		if (count >= QUEUE_MAX) {
			pthread_mutex_unlock(&p->lock);
			drop_node(n);
			return 0;
		}
		*at = n;
	}
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

bool pages_busy(struct pages *p, const char *key)
{
	bool busy;

	pthread_mutex_lock(&p->lock);
	busy = !strcmp(p->current, key);
	for (struct node *n = p->queue; n && !busy; n = n->next)
		busy = !strcmp(n->job.key, key);
	pthread_mutex_unlock(&p->lock);
	return busy;
}

struct pages_frame *pages_take(struct pages *p)
{
	struct pages_frame *f = NULL;
	struct done *d;

	pthread_mutex_lock(&p->lock);
	d = p->results;
	if (d) {
		p->results = d->next;
		if (!p->results)
			p->results_tail = &p->results;
		f = d->frame;
	}
	pthread_mutex_unlock(&p->lock);
	free(d);
	return f;
}

void pages_frame_free(struct pages_frame *f)
{
	if (!f)
		return;
	free(f->rgba);
	free(f);
}
